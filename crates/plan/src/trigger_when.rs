//! A trigger's `when EXPR`, decided for one firing: a webhook's request, a
//! schedule's slot or a change trigger's batch. The inputs are bound values,
//! as for `params { … }` ([`crate::trigger_params`]): nothing a request holds
//! becomes code. A firing the condition turns down starts no run; the
//! reason says why, for the answer and the trigger's history.

use super::eval::{self, Eval, Scope};
use super::trigger_params::{scope_values, with_inputs, TriggerInputs};
use super::value::Value;
use wfc_language::ir::{Expr, Workflow};

/// E0810: a `when` that cannot be computed for a firing (it reads a field
/// the request lacks, or is not a bool): the firing is ignored.
pub const UNDECIDED: &str = "E0810";

/// `Ok` when `when` (of a trigger of `wf`) holds for `inputs`, or there is
/// none; else why the firing is ignored.
pub fn decide(wf: &Workflow, when: Option<&Expr>, inputs: &TriggerInputs) -> Result<(), String> {
    let Some(when) = when else { return Ok(()) };
    let values = scope_values(wf, inputs);
    let none = |_| false;
    let scope = Scope {
        params: &values,
        loops: &[],
        pruned: &none,
    };
    let shown = crate::render::expr::show(wf, when);
    let bound = with_inputs(when, wf.params.len());
    match eval::eval(&bound, &scope) {
        Eval::Known(Value::Bool(true)) => Ok(()),
        Eval::Known(Value::Bool(false)) => {
            // The part of an `&&` that is false, shown as written (the
            // bound expression has the same shape).
            let parts = bound.conjuncts(wf);
            let written = when.conjuncts(wf);
            let false_part = parts
                .iter()
                .position(|x| matches!(eval::eval(x, &scope), Eval::Known(Value::Bool(false))));
            Err(
                match false_part.filter(|_| parts.len() > 1 && parts.len() == written.len()) {
                    Some(i) => format!(
                        "`when` is false: `{}` is false",
                        crate::render::expr::show(wf, written[i])
                    ),
                    None => format!("`when {shown}` is false"),
                },
            )
        }
        Eval::Known(other) => Err(format!(
            "{UNDECIDED}: `when {shown}` is {}, not a bool",
            other.to_text()
        )),
        // Messages from a secret's value are not shown.
        Eval::Error(_) if when.tainted => {
            Err(format!("{UNDECIDED}: `when {shown}` cannot be computed"))
        }
        Eval::Error(why) => Err(format!(
            "{UNDECIDED}: `when {shown}` cannot be computed: {why}"
        )),
        Eval::Unknown => Err(format!(
            "{UNDECIDED}: `when {shown}` reads a value this trigger does not know"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use wfc_language::ir::Trigger;

    fn hook_when(text: &str) -> (Workflow, Expr) {
        let a = wfc_language::analysis::analyze("t.wf", text);
        let errors: Vec<_> = a
            .diagnostics()
            .into_iter()
            .filter(|d| d.is_error())
            .collect();
        assert!(errors.is_empty(), "{errors:?}");
        let wf = a.module.unwrap().workflows.remove(0).ir;
        let Trigger::Webhook(h) = &wf.triggers[0] else {
            panic!()
        };
        let when = h.when.clone().unwrap();
        (wf, when)
    }

    #[test]
    fn a_delivery_passes_only_when_its_condition_holds() {
        let (wf, when) = hook_when(
            r#"
workflow w {
  param prefix: string = "refs/tags/v"
  on webhook "/push" { when starts_with(request.json.ref, prefix) }
  step s: shell { run "true" }
}
"#,
        );
        let inputs = |v| TriggerInputs {
            json: v,
            ..TriggerInputs::default()
        };
        assert_eq!(
            decide(&wf, Some(&when), &inputs(json!({"ref": "refs/tags/v1"}))),
            Ok(())
        );
        let no = decide(&wf, Some(&when), &inputs(json!({"ref": "refs/heads/main"}))).unwrap_err();
        assert!(
            no.contains("is false") && no.contains("starts_with"),
            "{no}"
        );
        let undecided = decide(&wf, Some(&when), &inputs(json!({"zen": "hi"}))).unwrap_err();
        let (wf, when) = hook_when(
            r#"
workflow w {
  on webhook "/pr" { when request.json.action == "closed" && request.json.merged }
  step s: shell { run "true" }
}
"#,
        );
        let no = decide(
            &wf,
            Some(&when),
            &inputs(json!({"action": "closed", "merged": false})),
        );
        assert_eq!(
            no.unwrap_err(),
            "`when` is false: `request.json.merged` is false"
        );
        assert!(undecided.starts_with("E0810"), "{undecided}");
        assert_eq!(decide(&wf, None, &inputs(json!(null))), Ok(()));
    }
}

//! A trigger's `params { P = EXPR … }`, evaluated for one firing: a webhook's
//! request (`request.json`, `request.headers`, `request.query`) or a change
//! trigger's `changed` files become a JSON object of params, which the
//! caller binds exactly as a `--params-file` is bound (types, constraints).
//!
//! The inputs are values in the evaluator's scope, never text parsed as an
//! expression: each `TriggerInput` is read as one more bound value, the way
//! a param is, so whatever a request holds stays data. A value that cannot
//! be computed (a JSON field the request lacks, a `null` for a param that
//! needs a value) is a diagnostic naming the trigger param and the path it
//! reads, never a panic and never a silent default.

use super::eval::{self, Eval, Scope};
use super::value::Value;
use std::collections::BTreeMap;
use wfc_language::diag::Diagnostic;
use wfc_language::ir::{
    Expr, ExprKind, InterpPart, ParamId, Trigger, TriggerInput, TriggerParam, Type, Workflow,
};

/// What one firing of a trigger hands its `params { … }`.
#[derive(Clone, Debug, Default)]
pub struct TriggerInputs {
    /// `request.json`: the body (`null` when there was none).
    pub json: serde_json::Value,
    /// `request.headers`, names in lower case.
    pub headers: BTreeMap<String, String>,
    /// `request.query`.
    pub query: BTreeMap<String, String>,
    /// `changed`: files relative to the workflow's file, sorted.
    pub changed: Vec<String>,
}

/// API041: a trigger param whose value the firing does not give.
pub const NO_VALUE: &str = "API041";
/// API042: a trigger param that would copy a secret into a plain param.
pub const SECRET_INTO_PLAIN: &str = "API042";

/// The params a webhook or change trigger sets, in order of first
/// appearance: its `params { … }`, or for a webhook without them every
/// param that is not secret (the body's fields bind params by name).
pub fn set_by_triggers(wf: &Workflow) -> Vec<ParamId> {
    let mut out: Vec<ParamId> = Vec::new();
    for t in &wf.triggers {
        let ids: Vec<ParamId> = match t {
            Trigger::Webhook(h) if h.params.is_empty() => (0..wf.params.len())
                .filter(|&p| !wf.params[p].is_tainted())
                .collect(),
            Trigger::Webhook(h) => h.params.iter().map(|p| p.param).collect(),
            Trigger::Change(c) => c.params.iter().map(|p| p.param).collect(),
            Trigger::Schedule(_) => continue,
        };
        for p in ids {
            if !out.contains(&p) {
                out.push(p);
            }
        }
    }
    out
}

/// Every param's declared default evaluated in order, each with the ones
/// before it in scope (as binding does); `None` for a param without one
/// or whose default cannot be computed yet.
pub fn defaults(wf: &Workflow) -> Vec<Option<Value>> {
    let mut values: Vec<Option<Value>> = vec![None; wf.params.len()];
    for (id, p) in wf.params.iter().enumerate() {
        let Some(d) = &p.default else { continue };
        let none = |_| false;
        let scope = Scope {
            params: &values,
            loops: &[],
            pruned: &none,
        };
        if let Eval::Known(v) = eval::eval(d, &scope) {
            values[id] = Some(v);
        }
    }
    values
}

/// Evaluates `params` (a trigger's `params { … }` of `wf`) with `inputs`
/// into a JSON object of params by name, or every problem found.
pub fn evaluate(
    wf: &Workflow,
    params: &[TriggerParam],
    inputs: &TriggerInputs,
) -> Result<serde_json::Map<String, serde_json::Value>, Vec<Diagnostic>> {
    // The inputs sit after the params in the scope: `TriggerInput` reads
    // become reads of those slots.
    let base = wf.params.len();
    let values = scope_values(wf, inputs);
    let none = |_| false;
    let scope = Scope {
        params: &values,
        loops: &[],
        pruned: &none,
    };
    let mut out = serde_json::Map::new();
    let mut diags = Vec::new();
    for tp in params {
        let target = &wf.params[tp.param];
        if tp.value.tainted && !target.is_tainted() {
            diags.push(secret_into_plain(tp));
            continue;
        }
        let read = with_inputs(&tp.value, base);
        let shown = path_text(&tp.value).unwrap_or_else(|| "its expression".into());
        match eval::eval(&read, &scope) {
            Eval::Known(Value::Null) if !matches!(target.ty, Type::Optional(_)) => {
                diags.push(no_value(tp, &shown, "it is null or missing"));
            }
            Eval::Known(v) => {
                out.insert(tp.name.clone(), v.to_json());
            }
            // Messages from a secret's value are not shown.
            Eval::Error(_) if tp.value.tainted => {
                diags.push(no_value(tp, &shown, "it cannot be computed"));
            }
            Eval::Error(why) => diags.push(no_value(tp, &shown, &why)),
            Eval::Unknown => diags.push(no_value(
                tp,
                &shown,
                "it reads a value this trigger does not know",
            )),
        }
    }
    if diags.is_empty() {
        Ok(out)
    } else {
        Err(diags)
    }
}

/// The params' defaults, then the inputs, in the slots [`with_inputs`] reads.
pub(crate) fn scope_values(wf: &Workflow, inputs: &TriggerInputs) -> Vec<Option<Value>> {
    let mut values = defaults(wf);
    let strings = |m: &BTreeMap<String, String>| {
        Value::Map(
            m.iter()
                .map(|(k, v)| (k.clone(), Value::Str(v.clone())))
                .collect(),
        )
    };
    values.extend([
        Some(Value::from_json(&inputs.json)),
        Some(strings(&inputs.headers)),
        Some(strings(&inputs.query)),
        Some(Value::List(
            inputs.changed.iter().cloned().map(Value::Str).collect(),
        )),
    ]);
    values
}

fn no_value(tp: &TriggerParam, shown: &str, why: &str) -> Diagnostic {
    Diagnostic::error(
        NO_VALUE,
        format!("trigger param `{}` has no value: {shown}: {why}", tp.name),
    )
    .primary(
        tp.value.span,
        format!("the value of `{}` for this run", tp.name),
    )
    .help(
        "send what the trigger's `params { … }` reads, or give it a fallback with `default(…, …)`",
    )
}

fn secret_into_plain(tp: &TriggerParam) -> Diagnostic {
    Diagnostic::error(
        SECRET_INTO_PLAIN,
        format!(
            "trigger param `{}` would copy a secret into a param that is not one",
            tp.name
        ),
    )
    .primary(tp.value.span, "derived from a secret")
    .help(format!("declare `{}` as a `secret`", tp.name))
}

/// The slot of `i` after `base` params.
fn slot(i: TriggerInput, base: usize) -> usize {
    base + match i {
        TriggerInput::RequestJson => 0,
        TriggerInput::RequestHeaders => 1,
        TriggerInput::RequestQuery => 2,
        TriggerInput::Changed => 3,
    }
}

/// `e` with every `TriggerInput` read as a param slot after `base`.
pub(crate) fn with_inputs(e: &Expr, base: usize) -> Expr {
    let mut out = e.clone();
    replace(&mut out, base);
    out
}

fn replace(e: &mut Expr, base: usize) {
    match &mut e.kind {
        ExprKind::TriggerInput(i) => e.kind = ExprKind::Param(slot(*i, base)),
        ExprKind::List(xs) | ExprKind::Call(_, xs) => xs.iter_mut().for_each(|x| replace(x, base)),
        ExprKind::Map(m) => m.iter_mut().for_each(|(_, x)| replace(x, base)),
        ExprKind::Interp(parts) => parts.iter_mut().for_each(|p| {
            if let InterpPart::Expr(x) = p {
                replace(x, base);
            }
        }),
        ExprKind::Unary(_, x) | ExprKind::Field(x, _) => replace(x, base),
        ExprKind::Binary(_, a, b) | ExprKind::Index(a, b) => {
            replace(a, base);
            replace(b, base);
        }
        ExprKind::Cond(c, a, b) => {
            replace(c, base);
            replace(a, base);
            replace(b, base);
        }
        ExprKind::Comprehension(c) => c.parts_mut().for_each(|x| replace(x, base)),
        _ => {}
    }
}

/// `request.json.release.tag_name`, `request.headers["x-id"]`: the path a
/// value reads, when it is a plain one.
fn path_text(e: &Expr) -> Option<String> {
    match &e.kind {
        ExprKind::TriggerInput(i) => Some(i.text().to_owned()),
        ExprKind::Field(base, name) => Some(format!("{}.{name}", path_text(base)?)),
        ExprKind::Index(base, i) => {
            let key = match &i.kind {
                ExprKind::Str(s) => format!("{s:?}"),
                ExprKind::Int(n) => n.to_string(),
                _ => return None,
            };
            Some(format!("{}[{key}]", path_text(base)?))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use wfc_language::ir::Trigger;

    fn workflow(text: &str) -> Workflow {
        let a = wfc_language::analysis::analyze("t.wf", text);
        let errors: Vec<_> = a
            .diagnostics()
            .into_iter()
            .filter(|d| d.is_error())
            .collect();
        assert!(errors.is_empty(), "{errors:?}");
        a.module.unwrap().workflows.remove(0).ir
    }

    fn params_of(wf: &Workflow) -> &[TriggerParam] {
        match &wf.triggers[0] {
            Trigger::Webhook(h) => &h.params,
            Trigger::Change(c) => &c.params,
            Trigger::Schedule(_) => &[],
        }
    }

    const HOOK: &str = r#"
workflow release {
  on webhook "/release" {
    params { tag = request.json.release.tag_name  by = request.headers["x-user"]  n = request.json.n }
  }
  param tag: string
  param by: string = "nobody"
  param n: int = 1
  step s: shell { run "echo ${tag} ${by} ${n}" }
}
"#;

    #[test]
    fn request_values_become_params_by_name() {
        let wf = workflow(HOOK);
        let inputs = TriggerInputs {
            json: json!({"release": {"tag_name": "v1.2.3; rm -rf /"}, "n": 7}),
            headers: [("x-user".to_owned(), "ana".to_owned())].into(),
            ..TriggerInputs::default()
        };
        let got = evaluate(&wf, params_of(&wf), &inputs).unwrap();
        assert_eq!(
            serde_json::Value::Object(got),
            json!({"tag": "v1.2.3; rm -rf /", "by": "ana", "n": 7})
        );
    }

    #[test]
    fn a_missing_field_names_the_param_and_the_path() {
        let wf = workflow(HOOK);
        let inputs = TriggerInputs {
            json: json!({"n": 1}),
            headers: [("x-user".to_owned(), "ana".to_owned())].into(),
            ..TriggerInputs::default()
        };
        let diags = evaluate(&wf, params_of(&wf), &inputs).unwrap_err();
        assert_eq!(diags.len(), 1, "{diags:?}");
        assert_eq!(diags[0].code, NO_VALUE);
        let m = &diags[0].message;
        assert!(
            m.contains("`tag`") && m.contains("request.json.release.tag_name"),
            "{m}"
        );
        // No body at all: every read of it fails, nothing panics.
        let diags = evaluate(&wf, params_of(&wf), &TriggerInputs::default()).unwrap_err();
        assert_eq!(diags.len(), 3, "{diags:?}");
    }

    #[test]
    fn changed_files_are_a_list() {
        let wf = workflow(
            r#"
workflow drop {
  on change "in/*.csv" { debounce 1s  params { files = changed  first = changed[0] } }
  param files: list<string> = []
  param first: string = ""
  step s: shell { run "echo ${first}" }
}
"#,
        );
        let inputs = TriggerInputs {
            changed: vec!["in/a.csv".into(), "in/b.csv".into()],
            ..TriggerInputs::default()
        };
        let got = evaluate(&wf, params_of(&wf), &inputs).unwrap();
        assert_eq!(
            serde_json::Value::Object(got),
            json!({"files": ["in/a.csv", "in/b.csv"], "first": "in/a.csv"})
        );
    }

    #[test]
    fn defaults_are_evaluated_in_order() {
        let wf = workflow(
            r#"
workflow d {
  param a: string = "x"
  param b: string = "${a}y"
  param c: string
  step s: shell { run "echo ${b} ${c}" }
}
"#,
        );
        let d = defaults(&wf);
        assert_eq!(d[1], Some(Value::Str("xy".into())));
        assert_eq!(d[2], None);
    }
}

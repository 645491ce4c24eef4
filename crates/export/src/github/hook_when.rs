//! A webhook trigger's `when` on GitHub. `on webhook "/release"` is a
//! `repository_dispatch` of type `release`, whose body is the event's
//! `client_payload`; under `wfc serve` a delivery whose `when` is false
//! (or cannot be computed, E0810) starts nothing. GitHub's `on:` filters
//! are lists, and its expressions compare strings ignoring case, so the
//! condition is decided by a first job, `wfc-when`: `jq` evaluates it over
//! the payload (in `env:`), the program built by [`crate::jq`] as every
//! value the export computes, with wfc's rules: a missing key is an error
//! unless `default(…)` stands for it, a function given another type is an
//! error, and an error is "false". Every job needs it and runs only on its
//! `go` ([`super::zoned::gate_jobs`]): a delivery it turns down skips the
//! run whole. Runs started otherwise always go on. What has no such
//! reading (headers and query, which a dispatch does not carry; other
//! functions; a secret) is E0766 at that part of the condition.

use crate::jq::{self, json_str, Jq, Leaf, Leaves};
use serde_json::{json, Value as Json};
use wfc_language::diag::Diagnostic;
use wfc_language::ir::{Expr, ExprKind, Trigger, TriggerInput, Workflow};
use wfc_plan::{Plan, Value};

/// The guard job's id and step id.
pub const ID: &str = "wfc-when";

/// The guard job deciding every webhook's `when`, None when no webhook has
/// one; the parts no program can decide go to `errors`.
pub fn guard(
    plan: &Plan,
    wf: &Workflow,
    runs_on: &str,
    errors: &mut Vec<Diagnostic>,
) -> Option<Json> {
    let bound = plan.param_values(wf.params.len());
    let leaves = When { bound: &bound };
    let mut program = Jq::default();
    let mut arms = Vec::new();
    for t in &plan.triggers {
        let Trigger::Webhook(h) = &t.trigger else {
            continue;
        };
        let Some(when) = &h.when else { continue };
        let kind = json_str(h.path.trim_start_matches('/'));
        // The program goes into `env:`, where GitHub would evaluate `${{`.
        let cond = program
            .value(&leaves, when)
            .and_then(|c| super::values::literal(&c, when));
        match cond {
            Ok(cond) => arms.push(format!(
                "if $ENV.WF_ACTION == {kind} then ({cond} | wfc_bool)"
            )),
            Err(d) => errors.push(d),
        }
    }
    if arms.is_empty() {
        return None;
    }
    let body = format!("try ({} else true end) catch false", arms.join(" el"));
    let mut env = serde_json::Map::new();
    for (var, text) in &program.inputs {
        env.insert(var.clone(), json!(text));
    }
    env.insert("WF_EVENT".into(), json!("${{ github.event_name }}"));
    env.insert("WF_ACTION".into(), json!("${{ github.event.action }}"));
    env.insert("WF_JQ".into(), json!(jq::single(&body)));
    Some(json!({
        "name": "when",
        "runs-on": runs_on,
        "outputs": { "go": format!("${{{{ steps.{ID}.outputs.go }}}}") },
        "steps": [{
            "id": ID,
            "shell": "sh",
            "env": env,
            "run": "go=true\nif [ \"$WF_EVENT\" = repository_dispatch ]; then\n  go=$(jq -n \"$WF_JQ\")\nfi\necho \"go=$go\" >> \"$GITHUB_OUTPUT\"",
        }],
    }))
}

/// What a `when` reads: the dispatch's `client_payload` as the body; params
/// as bound at export. Headers and query (a dispatch has none), a secret
/// and `changed` are E0766.
struct When<'a> {
    bound: &'a [Option<Value>],
}

impl Leaves for When<'_> {
    fn leaf(&self, e: &Expr) -> Option<Result<Leaf, Diagnostic>> {
        match &e.kind {
            _ if e.tainted => Some(Err(
                self.refuse(e, "a secret (the guard job would hold it in clear)")
            )),
            ExprKind::TriggerInput(TriggerInput::RequestJson) => Some(Ok(Leaf::Input(
                "${{ toJSON(github.event.client_payload) }}".into(),
            ))),
            ExprKind::TriggerInput(_) => Some(Err(self.refuse(
                e,
                "a request's headers or query, which a `repository_dispatch` does not carry",
            ))),
            ExprKind::Param(p) => Some(match &self.bound[*p] {
                Some(v) => Ok(Leaf::Known(v.clone())),
                None => Err(self.refuse(e, "a value the export does not know")),
            }),
            _ => None,
        }
    }

    fn refuse(&self, e: &Expr, what: &str) -> Diagnostic {
        Diagnostic::error(
            "E0766",
            format!("GitHub Actions cannot decide this part of a trigger's `when`: {what}"),
        )
        .primary(e.span, "not decidable from a `repository_dispatch` payload")
        .help("read the body (`request.json…`) with `==`, `!=`, `<`, `&&`, `||`, `!`, `in`, `? :`, `default`, `starts_with`, `ends_with` and `contains`, or run this workflow with `wfc serve`")
    }
}

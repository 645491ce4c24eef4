//! What a step answers, read by a later step: an `http` (or `webhook`)
//! step's `x.status_code`, `x.body`, `x.json`, and a script's `x.result`.
//! The request's script keeps the status code next to the body curl saved,
//! and a step after it hands both on as the job outputs `wfc-status-code`
//! and `wfc-body`; a script's step after it hands on the JSON it wrote to
//! `$WF_RESULT` as `wfc-result` (nothing written: empty, read as absent).
//! Each in the `name<<DELIM` form with a random delimiter, so no value can
//! end early or add another output. `x.json` and `x.result` are parsed by
//! their reader (a value computed by `jq`, [`super::computed`]). A job
//! output holds at most 1 MB.

use serde_json::{json, Value as Json};
use std::collections::HashSet;
use wfc_language::ir::{BlockKind, Expr, ExprKind, FieldValue, Step, StepId, StepKind, Workflow};

/// The job output of `field` of an http step, and whether it is text.
pub fn output(step: &Step, field: &str) -> Option<(&'static str, bool)> {
    if matches!(step.kind, StepKind::Python | StepKind::Node) {
        return (field == "result").then_some(("wfc-result", false));
    }
    if !matches!(step.kind, StepKind::Http | StepKind::Webhook) {
        return None;
    }
    match field {
        "status_code" => Some(("wfc-status-code", false)),
        "body" => Some(("wfc-body", true)),
        "json" => Some(("wfc-body", false)),
        _ => None,
    }
}

/// The steps whose answer or stdout another step reads: what their jobs
/// hand on. Found once per graph of jobs, not per job.
#[derive(Default)]
pub struct HandedOn {
    pub answers: HashSet<StepId>,
    pub stdout: Vec<StepId>,
}

impl HandedOn {
    pub fn of(wf: &Workflow) -> HandedOn {
        HandedOn {
            answers: read_by_others(wf),
            stdout: crate::stdout_reads::read_by_others(wf),
        }
    }
}

/// The http steps whose answer another step's fields or an `if` read.
fn read_by_others(wf: &Workflow) -> HashSet<StepId> {
    let mut read = HashSet::new();
    let mut note = |e: &Expr| {
        e.walk(&mut |x| {
            if let ExprKind::StepOutput {
                step,
                field,
                output: None,
            } = &x.kind
            {
                if output(&wf.steps[*step], field).is_some() {
                    read.insert(*step);
                }
            }
        })
    };
    for f in wf.steps.iter().flat_map(|s| &s.fields) {
        match &f.value {
            FieldValue::Expr(e) => note(e),
            FieldValue::Map(m) => m.iter().for_each(|(_, e)| note(e)),
            _ => {}
        }
    }
    for b in &wf.blocks {
        if let BlockKind::IfBranch { cond: Some(c), .. } = &b.kind {
            note(c);
        }
    }
    read
}

/// The step's script, keeping what it answers: a request's status code
/// (before its check); a script's result is its file already.
pub fn keep(run: &str) -> String {
    if !run.contains("wfc_code=$(") {
        return run.to_string();
    }
    run.replacen(
        "|| exit 1\n",
        "|| exit 1\nprintf '%s' \"$wfc_code\" > \"$RUNNER_TEMP/wfc-status-code\"\n",
        1,
    )
}

/// The step handing a script's result on, and the job's outputs.
pub fn hand_on_result() -> (Json, Vec<(String, String)>) {
    let run = r#"wfc_delim="wfc_$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
{
  printf 'wfc-result<<%s\n' "$wfc_delim"
  cat "$WF_RESULT" 2>/dev/null || true
  printf '\n%s\n' "$wfc_delim"
} >> "$GITHUB_OUTPUT"
"#;
    let env = json!({ "WF_RESULT": super::scripts::RESULT_FILE });
    let step = json!({ "id": "result", "env": env, "run": run, "shell": "sh" });
    let read = "${{ steps.result.outputs.wfc-result }}".to_string();
    (step, vec![("wfc-result".to_string(), read)])
}

/// The step handing the answer on, and the job's outputs.
pub fn hand_on() -> (Json, Vec<(String, String)>) {
    let run = r#"wfc_delim="wfc_$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
{
  printf 'wfc-status-code=%s\n' "$(cat "$RUNNER_TEMP/wfc-status-code")"
  printf 'wfc-body<<%s\n' "$wfc_delim"
  cat "$RUNNER_TEMP/wfc-body"
  printf '\n%s\n' "$wfc_delim"
} >> "$GITHUB_OUTPUT"
"#;
    let step = json!({ "id": "answer", "run": run, "shell": "sh" });
    let outs = ["wfc-status-code", "wfc-body"]
        .iter()
        .map(|name| {
            let read = format!("${{{{ steps.answer.outputs.{name} }}}}");
            (name.to_string(), read)
        })
        .collect();
    (step, outs)
}

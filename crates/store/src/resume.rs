//! Resuming a recorded run: whether it may be resumed, the params it is
//! compiled with again, and the check of the new plan against the recorded
//! one. `wfc resume` and `wfc serve`'s `POST /runs/{id}/resume` both call
//! these, then start the run under its id as a new session.
//!
//! 1. [`resumable`]: the run must not be running and must not have succeeded.
//! 2. [`params_file`]: the recorded params, as a params file; secrets are
//!    not stored (`***`), so they come from their defaults or are given again.
//! 3. [`check_plan`]: the plan compiled now is compared with the recorded
//!    one ([`reuse::compare`]); a change to a step that succeeded refuses
//!    the resume, naming the step and what changed. Otherwise the steps
//!    that succeeded are restored with their outputs and not run again —
//!    except a step whose compensation ran, and every step that depends on
//!    one, directly or through others: what it was built on was undone.

use super::reuse::{self, Recorded};
use crate::Store;
use wfc_language::ir::{StepKind, Workflow};
use wfc_plan::{Plan, Value};

/// Why a run cannot be resumed (the text says what to do about it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal(pub String);

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Refuses a run that is running or succeeded.
pub fn resumable(rec: &Recorded, id: &str) -> Result<(), Refusal> {
    match rec.status.as_str() {
        "running" => Err(Refusal(format!(
            "run {id} is still running; `wfc cancel {id}` stops it (then resume it)"
        ))),
        "succeeded" => Err(Refusal(format!(
            "run {id} succeeded; there is nothing to resume"
        ))),
        _ => Ok(()),
    }
}

/// The recorded params as the text of a params file (see [`params`]).
pub fn params_file(rec: &Recorded, given: &[&str]) -> Result<String, Refusal> {
    let kept = params(rec, given)?;
    Ok(serde_json::to_string_pretty(&serde_json::Value::Object(kept)).unwrap_or_default())
}

/// The recorded params, secrets (`***`) left out; `given` are params given
/// again by name (`--param`), which may only be secrets.
pub fn params(
    rec: &Recorded,
    given: &[&str],
) -> Result<serde_json::Map<String, serde_json::Value>, Refusal> {
    let mut kept = serde_json::Map::new();
    for (k, v) in &rec.params {
        if v.as_str() != Some(wfc_contract::MASK) {
            kept.insert(k.clone(), v.clone());
        }
    }
    if let Some(name) = given.iter().find(|n| kept.contains_key(**n)) {
        return Err(Refusal(format!(
            "`--param {name}`: a resumed run keeps its params; only secrets (not stored) can be given again"
        )));
    }
    Ok(kept)
}

/// What a resume takes from the store, once the new plan checks.
#[derive(Debug, Default)]
pub struct Resumption {
    /// Main-graph steps that succeeded, with their outputs: not run again.
    pub restored: Vec<(String, Value)>,
    /// Steps that succeeded but whose compensation ran: they run again.
    pub compensated: Vec<String>,
    /// Steps that succeeded on top of a compensated one (they depend on it,
    /// directly or through others): they run again too.
    pub built_on_undone: Vec<String>,
    /// The file changed since the run.
    pub file_changed: bool,
    /// What the changed file changes in the plan (no step that succeeded).
    pub changes: Vec<String>,
}

/// Checks `plan` (compiled now from `file`, whose text hashes to
/// `file_hash`) against run `id`'s recorded plan, and gathers what the
/// resume restores. An error is either a refusal or the store's.
pub fn check_plan(
    store: &Store,
    id: &str,
    rec: &Recorded,
    plan: &Plan,
    wf: &Workflow,
    file: &str,
    file_hash: &str,
) -> Result<Result<Resumption, Refusal>, crate::Error> {
    if plan.workflow != rec.workflow {
        return Ok(Err(Refusal(format!(
            "{file} now holds workflow `{}`, not `{}` (run {id})",
            plan.workflow, rec.workflow
        ))));
    }
    let succeeded = reuse::succeeded(store, id)?;
    let compensated = reuse::compensated(store, id)?;
    // An iteration of a run-time loop is checked as its template (`work[*]`).
    let planned = |n: &str| {
        plan.main.named(n).is_some()
            || template_name(n).is_some_and(|t| plan.main.named(&t).is_some())
            // A step of a file the run read (`up.build`): restored once
            // the file is read again.
            || wfc_plan::file_call::in_a_file_call(&plan.main, n)
    };
    let names: Vec<String> = succeeded
        .iter()
        .map(|(n, _)| match template_name(n) {
            Some(t) if plan.main.named(n).is_none() => t,
            _ => n.clone(),
        })
        .collect();
    let file_changed = file_hash != rec.file_hash;
    let mut changes = Vec::new();
    if let Some(recorded) = &rec.plan {
        let now: serde_json::Value =
            serde_json::from_str(&reuse::fingerprints_of(plan, wf, Some(file)))
                .expect("fingerprints are JSON");
        let diff = reuse::compare(recorded, &now, &names);
        if !diff.blocking.is_empty() {
            let mut msg = format!(
                "run {id} cannot be resumed: {file} changed in a way that invalidates the recorded plan:\n"
            );
            for line in diff.blocking.iter().chain(&diff.other) {
                msg.push_str(&format!("  - {line}\n"));
            }
            msg.push_str("steps that succeeded keep their recorded outputs, so their definition must not change; restore the file, or start a new run with `wfc run`");
            return Ok(Err(Refusal(msg)));
        }
        changes = diff.other;
        if recorded.get("env").is_none() && file_changed && !plan.env.is_empty() {
            changes.push(
                "the run was recorded before its workflow's `env` was kept with its plan: a change to it is not checked".to_owned(),
            );
        }
    } else if file_changed {
        return Ok(Err(Refusal(format!(
            "run {id} was recorded without its plan and {file} changed since; start a new run"
        ))));
    }
    let undone = downstream(plan, &compensated);
    let mut built_on_undone = Vec::new();
    let restored = succeeded
        .into_iter()
        .filter(|(n, _)| planned(n))
        .filter(|(n, _)| {
            let index = plan
                .main
                .named(n)
                .or_else(|| template_name(n).and_then(|t| plan.main.named(&t)));
            let keep = !index.is_some_and(|i| undone[i]);
            if !keep {
                built_on_undone.push(n.clone());
            }
            keep
        })
        .map(|(n, j)| {
            let kind = plan
                .main
                .named(&n)
                .or_else(|| template_name(&n).and_then(|t| plan.main.named(&t)))
                .map(|i| plan.main.steps[i].kind);
            let j = status_code_of_old_runs(kind, j);
            (n, Value::from_json(&j))
        })
        .collect();
    Ok(Ok(Resumption {
        restored,
        compensated,
        built_on_undone,
        file_changed,
        changes,
    }))
}

/// The main-graph instances that depend, directly or through others, on
/// one of the `compensated` steps (by any edge: an output read, `depends
/// on`, a sequence's order, `after`).
fn downstream(plan: &Plan, compensated: &[String]) -> Vec<bool> {
    let steps = &plan.main.steps;
    let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); steps.len()];
    for (i, s) in steps.iter().enumerate() {
        for d in &s.deps {
            dependents[d.on()].push(i);
        }
    }
    let mut reached = vec![false; steps.len()];
    let mut todo: Vec<usize> = compensated
        .iter()
        .filter_map(|n| {
            plan.main
                .named(n)
                .or_else(|| template_name(n).and_then(|t| plan.main.named(&t)))
        })
        .collect();
    while let Some(i) = todo.pop() {
        for &j in &dependents[i] {
            if !std::mem::replace(&mut reached[j], true) {
                todo.push(j);
            }
        }
    }
    reached
}

/// The template an instance of a run-time loop was copied from: its last
/// `[item]` suffix made `[*]` (`work[a]` → `work[*]`).
fn template_name(name: &str) -> Option<String> {
    let open = name.strip_suffix(']')?.rfind('[')?;
    Some(format!("{}[*]", &name[..open]))
}

/// The outputs of an `http` or `webhook` step recorded before its response
/// code was named `status_code` hold it as `status`; it is restored under
/// the new name, so the steps that read it after the resume find it.
fn status_code_of_old_runs(
    kind: Option<StepKind>,
    mut outputs: serde_json::Value,
) -> serde_json::Value {
    if let (Some(StepKind::Http | StepKind::Webhook), Some(o)) = (kind, outputs.as_object_mut()) {
        if !o.contains_key("status_code") {
            if let Some(code) = o.remove("status") {
                o.insert("status_code".into(), code);
            }
        }
    }
    outputs
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_old_http_status_is_restored_as_status_code() {
        let old = json!({ "status": 200, "body": "ok" });
        let new = json!({ "status_code": 200, "body": "ok" });
        assert_eq!(
            status_code_of_old_runs(Some(StepKind::Http), old.clone()),
            new
        );
        assert_eq!(
            status_code_of_old_runs(Some(StepKind::Webhook), new.clone()),
            new
        );
        // Only http and webhook steps ever had a `status` output.
        let shell = json!({ "status": "x", "stdout": "" });
        assert_eq!(
            status_code_of_old_runs(Some(StepKind::Shell), shell.clone()),
            shell
        );
    }

    #[test]
    fn running_and_succeeded_runs_are_refused() {
        let rec = |status: &str| Recorded {
            workflow: "w".into(),
            file: "w.wf".into(),
            file_hash: String::new(),
            status: status.into(),
            params: serde_json::Map::new(),
            jobs: 1,
            plan: None,
            started_ms: 0,
        };
        assert!(resumable(&rec("running"), "r")
            .unwrap_err()
            .0
            .contains("still running"));
        assert!(resumable(&rec("succeeded"), "r")
            .unwrap_err()
            .0
            .contains("nothing to resume"));
        assert!(resumable(&rec("failed"), "r").is_ok());
        assert!(resumable(&rec("interrupted"), "r").is_ok());
    }
}

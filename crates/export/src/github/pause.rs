//! A check gate's `on fail pause` on GitHub. Under `wfc run` a false check
//! makes the run wait for a person: approved, it goes on as if the check
//! held (`passed` is true); rejected, the gate fails. GitHub waits for a
//! person only before a job of a protected environment, and skips the
//! dependants of a skipped job, so the gate is three jobs:
//!
//! - `GATE-check`: the gate's job as for `on fail abort`, but a false check
//!   only says so; its output `wfc-passed-GATE` says whether it held;
//! - `GATE-approval`: `environment: GATE` (its reviewers approve), run only
//!   when the check job succeeded and the check did not hold;
//! - `GATE`, which the dependants need and read: run once the check job
//!   succeeded, it fails unless the approval job succeeded or was skipped
//!   (the check held: [`super::join::check`]); its `wfc-passed-GATE` is
//!   true when the check held or the approval was given.

use super::ids::{literal, Ids};
use super::jobs::passed_output;
use serde_json::{json, Map, Value as Json};
use wfc_language::ir::{OnFail, StepKind, Workflow};
use wfc_plan::PlannedStep;

/// Whether `s` is a check gate that pauses when its check fails.
pub fn pauses(wf: &Workflow, s: &PlannedStep) -> bool {
    s.kind == StepKind::Gate
        && s.on_fail == Some(OnFail::Pause)
        && !wf.steps[s.step].fields.iter().any(|f| f.name == "approval")
}

/// Splits the job `id` of the pausing gate `s` into the three jobs.
pub fn split(
    jobs: &mut Map<String, Json>,
    ids: &mut Ids,
    id: &str,
    s: &PlannedStep,
    wf: &Workflow,
) {
    let Some(mut checking) = jobs.remove(id) else {
        return;
    };
    checking["name"] = json!(literal(&format!("{} (check)", s.name)));
    let runs_on = checking["runs-on"].clone();
    let check = ids.fresh(&format!("{id}-check"));
    let approval = ids.fresh(&format!("{id}-approval"));
    let passed = passed_output(&wf.steps[s.step].name);
    let read = format!("needs.{check}.outputs.{passed}");
    jobs.insert(check.clone(), checking);
    // `!cancelled()` stands for the implicit `success()`, which would be
    // false in an `on failure` handler.
    let wanted =
        format!("${{{{ !cancelled() && needs.{check}.result == 'success' && {read} != 'true' }}}}");
    jobs.insert(
        approval.clone(),
        json!({
            "name": literal(&format!("{} (approval)", s.name)),
            "needs": [check],
            "if": wanted,
            "environment": Ids::sanitise(&s.name),
            "runs-on": runs_on,
            "steps": [{
                "id": "run",
                "shell": "sh",
                "run": "echo 'wfc: approved: the run goes on as if the check held'",
            }],
        }),
    );
    let went_on = format!("${{{{ {read} == 'true' || needs.{approval}.result == 'success' }}}}");
    jobs.insert(
        id.to_string(),
        json!({
            "name": literal(&s.name),
            "needs": [check, approval],
            "if": format!("${{{{ !cancelled() && needs.{check}.result == 'success' }}}}"),
            "runs-on": runs_on,
            "outputs": { passed: went_on },
            "steps": [super::join::check(&s.name, &[(approval, true)])],
        }),
    );
}

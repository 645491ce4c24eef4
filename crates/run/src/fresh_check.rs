//! A step's `up to date when shell|sql` check, asked by its task before its
//! first attempt: the answer goes to the scheduler, which either ends the
//! step up to date (its last recorded outputs restored) or lets it run.
//!
//! Only an explicit yes makes a step up to date: a shell check that exits
//! 0, a query whose one value is true or a non-zero number. Anything else —
//! no, a failure, a timeout, an answer that is not one value — and the step
//! runs: work is never skipped on a check that did not answer.

use crate::attempt::{Event, Job};
use crate::exec::{Execute, Outcome, Status, StepContext, StepSpec};
use std::time::Duration;

/// How long a check may take when its step has no `timeout`.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(300);

/// What a check said.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    /// The step is up to date.
    pub yes: bool,
    /// In words, one line, masked: "`up to date when shell` exited 1".
    pub said: String,
}

/// Asks `check` for `job`'s step and tells the scheduler; whether the task
/// goes on to run the step. A check cut by a cancel tells nothing: the
/// step's first attempt ends cancelled, as it would have.
pub async fn asked(exec: &dyn Execute, check: &StepSpec, job: &Job) -> bool {
    let mut ctx = StepContext::new(job.cancel.clone()).with_masker(job.masker.clone());
    ctx.timeout = Some(job.timeout.unwrap_or(DEFAULT_TIMEOUT));
    ctx.sink = job.sink.clone();
    ctx.step = Some(job.step.clone());
    let outcome = exec.execute(check, &ctx).await;
    if outcome.status == Status::Cancelled {
        return true;
    }
    let answer = answer(check, &outcome, &job.masker);
    let (go, told) = tokio::sync::oneshot::channel();
    let id = job.id;
    if job.tx.send(Event::Checked { id, answer, go }).is_err() {
        return false;
    }
    tokio::select! {
        go = told => go.unwrap_or(false),
        _ = job.cancel.cancelled() => true,
    }
}

/// Reads `outcome` as the answer of `check`.
fn answer(check: &StepSpec, outcome: &Outcome, masker: &crate::mask::Masker) -> Answer {
    let (field, yes, said) = match check {
        StepSpec::Sql(_) => {
            let (yes, said) = match outcome.status {
                Status::Succeeded => sql_answer(outcome.outputs.get("rows")),
                _ => (false, failed(outcome)),
            };
            ("up to date when sql", yes, said)
        }
        _ => {
            let (yes, said) = match (outcome.status, outcome.exit_code) {
                (Status::Succeeded, _) => (true, "exited 0".to_owned()),
                (Status::Failed, Some(code)) => (false, format!("exited {code}")),
                _ => (false, failed(outcome)),
            };
            ("up to date when shell", yes, said)
        }
    };
    let said = masker.mask(&format!("`{field}` {said}"));
    Answer {
        yes,
        said: wfc_plan::render::one_line(&said, 200),
    }
}

/// A check that did not answer: timed out, could not start, …
fn failed(outcome: &Outcome) -> String {
    match (outcome.status, &outcome.error) {
        (Status::TimedOut, _) => "timed out".to_owned(),
        (_, Some(e)) => format!("failed: {e}"),
        (_, None) => "failed".to_owned(),
    }
}

/// A query's answer: its first row's one value.
fn sql_answer(rows: Option<&serde_json::Value>) -> (bool, String) {
    use serde_json::Value as J;
    let Some(first) = rows.and_then(|r| r.as_array()).and_then(|r| r.first()) else {
        return (false, "returned no row".to_owned());
    };
    let Some(row) = first.as_object().filter(|o| o.len() == 1) else {
        let n = first.as_object().map_or(0, |o| o.len());
        return (
            false,
            format!("returned {n} columns, not one true/false value"),
        );
    };
    let value = row.values().next().unwrap_or(&J::Null);
    match value {
        J::Bool(b) => (*b, format!("answered {b}")),
        J::Number(n) => (
            n.as_f64().is_some_and(|f| f != 0.0),
            format!("answered {n}"),
        ),
        J::Null => (false, "answered NULL".to_owned()),
        other => (
            false,
            format!(
                "answered {}, not true/false",
                wfc_plan::render::one_line(&other.to_string(), 40)
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_one_true_value_is_a_yes() {
        let yes = |v: serde_json::Value| sql_answer(Some(&v)).0;
        assert!(yes(json!([{"exists": true}])));
        assert!(yes(json!([{"n": 3}])));
        assert!(!yes(json!([{"n": 0}])));
        assert!(!yes(json!([{"n": null}])));
        assert!(!yes(json!([{"s": "t"}])));
        assert!(!yes(json!([])));
        assert!(!yes(json!([{"a": true, "b": true}])));
        assert_eq!(
            sql_answer(Some(&json!([{"a": 1, "b": 2}]))).1,
            "returned 2 columns, not one true/false value"
        );
    }
}

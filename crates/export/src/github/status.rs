//! `x.status` as GitHub's `needs.JOB.result`: `succeeded` is `success`,
//! `failed` `failure`, `cancelled` `cancelled`. GitHub says `skipped` both
//! for a job whose `if:` was false and for one that never started because
//! a need failed; wfc tells them apart (`skipped`, `not_run`). So the two
//! words map to `skipped` only for a step that cannot be skipped (outside
//! `if`, loops and `wait any`: its `skipped` result is `not_run`);
//! otherwise the comparison is refused (E0737).

use super::values::Values;
use wfc_language::diag::Diagnostic;
use wfc_language::ir::{BinaryOp, BlockKind, Expr, ExprKind, StepId, Wait, Workflow};

/// `run.status` in a handler, whose job needs every job of the main graph.
pub const RUN: &str = "${{ contains(needs.*.result, 'failure') && 'failed' || contains(needs.*.result, 'cancelled') && 'cancelled' || 'succeeded' }}";

/// `x.status == "word"` (or `!=`, either side) as a GitHub expression;
/// None when `e` is no such comparison.
pub fn condition(values: &Values, e: &Expr) -> Option<Result<String, Diagnostic>> {
    let ExprKind::Binary(op @ (BinaryOp::Eq | BinaryOp::Ne), a, b) = &e.kind else {
        return None;
    };
    let (step, word) = match (&a.kind, &b.kind) {
        (ExprKind::StepStatus(s), ExprKind::Str(w))
        | (ExprKind::Str(w), ExprKind::StepStatus(s)) => (*s, w),
        _ => return None,
    };
    Some(result(values, e, step).and_then(|read| {
        let wanted = word_result(values.wf, e, step, word)?;
        Ok(format!("({read} {} '{wanted}')", op.symbol()))
    }))
}

/// `${x.status}` in text: the result spelt as wfc's words.
pub fn text(values: &Values, e: &Expr, step: StepId) -> Result<String, Diagnostic> {
    let read = result(values, e, step)?;
    let unstarted = if may_be_skipped(values.wf, step) {
        return Err(ambiguous(values.wf, e, step));
    } else {
        "not_run"
    };
    Ok(format!(
        "${{{{ {read} == 'success' && 'succeeded' || {read} == 'failure' && 'failed' || {read} == 'cancelled' && 'cancelled' || '{unstarted}' }}}}"
    ))
}

/// How job `job` of `step` ended, as GitHub's results: an `optional`
/// step's job has `continue-on-error`, whose `result` is `success` even
/// when it failed, so its own last step records `job.status` as the
/// output `wfc-result` ([`OUTCOME`]); a job that did not run has none.
pub fn result_of(optional: bool, job: &str) -> String {
    if optional {
        format!("(needs.{job}.outputs.wfc-result || needs.{job}.result)")
    } else {
        format!("needs.{job}.result")
    }
}

/// The last step of an `optional` step's job: how the job ended.
pub fn outcome() -> (serde_json::Value, (String, String)) {
    let step = serde_json::json!({
        "id": "wfc-outcome",
        "if": "${{ always() }}",
        "env": { "WF_STATUS": "${{ job.status }}" },
        "run": "echo \"result=$WF_STATUS\" >> \"$GITHUB_OUTPUT\"",
        "shell": "sh",
    });
    let output = (
        "wfc-result".to_string(),
        "${{ steps.wfc-outcome.outputs.result }}".to_string(),
    );
    (step, output)
}

fn result(values: &Values, e: &Expr, step: StepId) -> Result<String, Diagnostic> {
    match values.job_of(step) {
        Some(job) => Ok(result_of(values.wf.steps[step].optional, job)),
        None => Err(Diagnostic::error(
            "E0733",
            "GitHub Actions cannot read the status of a step that is not one job it needs",
        )
        .primary(e.span, "this `.status`")
        .help("read the status of a step outside loops, from the main graph")),
    }
}

fn word_result(
    wf: &Workflow,
    e: &Expr,
    step: StepId,
    word: &str,
) -> Result<&'static str, Diagnostic> {
    Ok(match word {
        "succeeded" => "success",
        "failed" => "failure",
        "cancelled" => "cancelled",
        _ if may_be_skipped(wf, step) => return Err(ambiguous(wf, e, step)),
        // It cannot be skipped: GitHub's `skipped` is wfc's `not_run`.
        "not_run" => "skipped",
        _ => "never",
    })
}

fn ambiguous(wf: &Workflow, e: &Expr, step: StepId) -> Diagnostic {
    Diagnostic::error(
        "E0737",
        format!(
            "GitHub Actions cannot tell whether `{}` was skipped or not run",
            wf.steps[step].name
        ),
    )
    .primary(e.span, "`skipped` or `not_run` of a step that may be skipped")
    .help("GitHub's `skipped` result is both: compare with \"succeeded\", \"failed\" or \"cancelled\"")
}

/// Whether the step may end `skipped` (an `if`, a loop, a `wait any`).
fn may_be_skipped(wf: &Workflow, s: StepId) -> bool {
    wf.block_chain(wf.steps[s].parent).into_iter().any(|b| {
        matches!(
            wf.blocks[b].kind,
            BlockKind::IfBranch { .. }
                | BlockKind::ForEach { .. }
                | BlockKind::Parallel {
                    wait: Wait::Any,
                    ..
                }
        )
    })
}

//! A step's attempts as one job: its `retry` as a loop around the script
//! (with `when` a test in it), and `timeout-minutes` bounding them all.

use super::values::Values;
use super::{script, scripts};
use serde_json::{json, Map, Value as Json};
use wfc_language::diag::Diagnostic;
use wfc_language::ir::StepKind;
use wfc_plan::PlannedStep;

/// Wraps `run_step`'s script in `s`'s retry loop (`outputs`: it writes
/// `$WF_OUTPUTS`), and bounds `job`.
pub fn wrap(
    s: &PlannedStep,
    values: &Values,
    (job, run_step): (&mut Map<String, Json>, &mut Map<String, Json>),
    outputs: bool,
    env: &mut Vec<(String, String)>,
) -> Result<(), Vec<Diagnostic>> {
    // `when` over the attempt's exit status: a test in the retry loop.
    // A gate is decided once and a sleep cannot fail: `wfc run` never
    // retries them (a `retry` from `defaults` reaches them too).
    let retry = s
        .retry
        .as_deref()
        .filter(|_| !matches!(s.kind, StepKind::Gate | StepKind::Sleep));
    let when = match retry.and_then(|r| r.when.as_deref()) {
        Some(w) if matches!(s.kind, StepKind::Shell | StepKind::Docker) => {
            Some(super::polling::when(w, s.step, values, env).map_err(|d| vec![d])?)
        }
        Some(_) => {
            return Err(vec![super::jobs::refuse_step(
                s,
                "E0770",
                "retry that depends on a condition (`retry … when`) for this kind of step",
                "drop `when` to export (every failure is then retried), or keep the step in wfc",
            )])
        }
        None => None,
    };
    let is_script = matches!(s.kind, StepKind::Python | StepKind::Node);
    if let Some(Json::String(run)) = run_step.get("run").cloned() {
        let run = match retry {
            Some(r) if is_script => {
                let shell = run_step
                    .get("shell")
                    .and_then(Json::as_str)
                    .unwrap_or_default();
                let (write, attempt) = scripts::as_file(&run, shell);
                run_step.insert("shell".into(), json!("sh"));
                format!(
                    "{write}{}",
                    crate::shell_loops::with_retries(&attempt, r, outputs, None, true)
                )
            }
            Some(r) => {
                let shell = run_step.get("shell").and_then(Json::as_str);
                if !shell.is_none_or(crate::strict_shell::github_is_posix) {
                    return Err(vec![super::jobs::refuse_step(
                        s,
                        "E0732",
                        "retry loop for a script of another shell than `sh` or `bash`",
                        "drop `retry`, or write the script for `sh`",
                    )]);
                }
                crate::shell_loops::with_retries(&run, r, outputs, when.as_deref(), true)
            }
            None => run,
        };
        let run = if outputs && !is_script {
            format!("{}{run}", script::outputs_prelude())
        } else {
            run
        };
        run_step.insert("run".into(), Json::String(run));
    }
    if let Some(ms) = s.timeout_ms {
        // `timeout-minutes` bounds the job: every attempt and the waits
        // between; an attempt that polls (`until`) may poll for `within`.
        let attempt = ms.saturating_add(s.until.as_ref().map_or(0, |u| u.within_ms));
        let attempts = retry.map_or(1, |r| u64::from(r.count) + 1);
        let waits: u64 = retry.map_or(0, |r| crate::shell_loops::delays(r).iter().sum());
        let mut total = attempt
            .saturating_mul(attempts)
            .saturating_add(waits * 1000);
        // No attempt starts past the retry's `within`.
        if let Some(w) = retry.and_then(|r| r.within_ms) {
            total = total.min(w.saturating_add(attempt));
        }
        job.insert("timeout-minutes".into(), json!(total.div_ceil(60_000)));
    }
    Ok(())
}

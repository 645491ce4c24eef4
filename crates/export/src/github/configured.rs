//! What GitHub Actions cannot say of configurable triggers and locks: a
//! schedule's `when` (its `on:` filters are fixed lists, not conditions), a
//! schedule read from the server's environment (a workflow file's cron is
//! fixed in the file), and `lock … { on busy skip }` (its `concurrency`
//! waits or cancels, never refuses). `on busy cancel` maps to
//! `cancel-in-progress: true`.

use wfc_language::diag::Diagnostic;
use wfc_language::ir::{LockBusy, Trigger, Workflow};

/// E0766 for a schedule's or a change trigger's `when` (a webhook's is
/// decided by a job, [`super::hook_when`]), E0767 for a schedule from the
/// environment.
pub(super) fn refused(t: &Trigger) -> Option<Diagnostic> {
    let when = match t {
        Trigger::Schedule(s) => s.when.as_ref(),
        Trigger::Webhook(_) => None,
        Trigger::Change(c) => c.when.as_ref(),
    };
    if let Some(when) = when {
        return Some(
            Diagnostic::error(
                "E0766",
                "GitHub Actions cannot filter a schedule or a change trigger with a condition",
            )
            .primary(when.span, "a trigger's `when`")
            .help("drop `when` (a schedule's reads only params: decide it before exporting) and test the condition in a first step (`gate { check … }`), or run this workflow with `wfc serve`"),
        );
    }
    match t {
        Trigger::Schedule(s) if s.from_env != Default::default() => Some(
            Diagnostic::error(
                "E0767",
                "GitHub Actions reads a schedule from the workflow file, not from an environment",
            )
            .primary(s.span, "a schedule from `env(…)`")
            .help("write the pattern (in UTC) in the file to export it"),
        ),
        _ => None,
    }
}

/// E0765: `lock … { on busy skip }`.
pub(super) fn lock_refused(wf: &Workflow) -> Option<Diagnostic> {
    let key = wf.lock.as_ref()?;
    (wf.lock_busy == LockBusy::Skip).then(|| {
        Diagnostic::error(
            "E0765",
            "GitHub Actions' `concurrency` cannot skip a run while another holds the group",
        )
        .primary(key.span, "a lock with `on busy skip`")
        .help("use `on busy queue` (a later run waits) or `on busy cancel` (`cancel-in-progress: true`)")
    })
}

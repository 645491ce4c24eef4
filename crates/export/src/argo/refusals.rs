//! What `wfc run` does that Argo does not, in every workflow's shape: a
//! `fail fast`, a detached step, a batched loop over a run-time list, a
//! loop's `max failures`, a step's `up to date when`.
//! Each is an error, or with `--approximate` a warning; a `call file(…)`
//! is an error either way.

use super::diag;
use wfc_language::diag::Diagnostic;
use wfc_language::ir::Workflow;
use wfc_plan::Plan;

/// Adds the refusals (or, approximated, the warnings) of `wf` and `plan`.
pub fn split(
    plan: &Plan,
    wf: &Workflow,
    approximate: bool,
    warnings: &mut Vec<Diagnostic>,
    errors: &mut Vec<Diagnostic>,
) {
    let fast = crate::fail_fast::unmapped(wf, false);
    let fast = crate::fail_fast::diagnostics(fast, |span, what| {
        if approximate {
            diag::approximated(span, what, crate::fail_fast::DIFFERS)
        } else {
            diag::cannot_express(
                span,
                what,
                "Argo lets running pods finish when another fails (its `failFast` only stops scheduling): drop it, or pass --approximate to let them finish",
            )
        }
    });
    let detached = crate::detach::unmapped(wf).into_iter().map(|(span, what)| {
        if approximate {
            diag::approximated(span, &what, crate::detach::DIFFERS)
        } else {
            diag::cannot_express(
                span,
                &what,
                "each step is a pod of its own, whose processes end with it: start the server in the steps that use it, or pass --approximate",
            )
        }
    });
    let rest = crate::alike_refusals(plan, wf)
        .into_iter()
        .map(|(span, what, differs, why)| match approximate {
            true => diag::approximated(span, &what, differs),
            false => diag::cannot_express(span, &what, why),
        });
    let (w, e): (Vec<_>, Vec<_>) = fast
        .into_iter()
        .chain(detached)
        .chain(rest)
        .partition(|d| !d.is_error());
    warnings.extend(w);
    errors.extend(e);
    // Never approximated: the file's work would be reported done unrun.
    let files = crate::file_call::unmapped(wf).into_iter();
    errors
        .extend(files.map(|(span, what)| diag::cannot_express(span, &what, crate::file_call::WHY)));
}

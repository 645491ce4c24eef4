//! `detach true` on a `shell` step: in `wfc run` what the step leaves in
//! the background serves the steps after it. Neither export keeps a
//! process between steps the way that needs — each step is its own job
//! (GitHub) or pod (Argo; its `daemon` templates are another shape, with
//! their own lifetime) — so a detached step is refused, or with
//! `--approximate` written as a plain step with a warning.

use wfc_language::ir::{ExprKind, FieldValue, Workflow};
use wfc_language::span::Span;

/// The detached steps of `wf`: (span, what).
pub fn unmapped(wf: &Workflow) -> Vec<(Span, String)> {
    wf.steps
        .iter()
        .filter_map(|s| {
            let f = s.field("detach")?;
            let off = matches!(&f.value, FieldValue::Expr(e) if e.kind == ExprKind::Bool(false));
            (!off).then(|| (f.span, format!("`detach` of step `{}`", s.name)))
        })
        .collect()
}

/// What differs when a `detach` is approximated.
pub const DIFFERS: &str =
    "its background processes end with the step's job or pod: `wfc run` leaves them running for the steps after it";

//! `for each … max failures N|P%`: in `wfc run` up to `N` failed
//! iterations are let pass (optional failures: the run goes on and can
//! succeed), and the one past the bound fails the run. GitHub's
//! `continue-on-error` and Argo's `continueOn` let every failure pass or
//! none, with no count across the loop, so such a loop is refused, or with
//! `--approximate` written without it (the first failure fails the run)
//! with a warning.

use wfc_language::ir::{BlockKind, Workflow};
use wfc_language::span::Span;

/// The loops of `wf` with `max failures`: (span, what).
pub fn unmapped(wf: &Workflow) -> Vec<(Span, String)> {
    wf.blocks
        .iter()
        .filter_map(|b| match &b.kind {
            BlockKind::ForEach {
                var,
                max_failures: Some(_),
                ..
            } => Some((b.span, format!("`max failures` of the loop over `{var}`"))),
            _ => None,
        })
        .collect()
}

/// What differs when it is approximated.
pub const DIFFERS: &str =
    "the first failed iteration fails the run: `wfc run` lets up to the bound pass";

/// Why the engines cannot.
pub const WHY: &str = "its `continue-on-error` / `continueOn` lets every failure pass or none, with no count across a loop: drop it, or pass --approximate to fail at the first";

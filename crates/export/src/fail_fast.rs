//! `fail fast` (the workflow's, a `parallel` block's, a loop's): in `wfc
//! run` a required failure cancels the steps still running. Neither engine
//! cancels running work when another fails — GitHub only within one job's
//! matrix (`strategy.fail-fast`, which the export writes for every loop),
//! Argo never (its `failFast` only stops scheduling) — so the others are
//! refused, or with `--approximate` written as plain blocks that let the
//! running steps finish, with a warning.

use wfc_language::diag::Diagnostic;
use wfc_language::ir::{BlockKind, Workflow};
use wfc_language::span::Span;

/// Where `fail fast` is written in `wf` that `engine` cannot express:
/// (span, what). `matrix_loops`: loops are the engine's matrices, which
/// cancel their running jobs (GitHub).
pub fn unmapped(wf: &Workflow, matrix_loops: bool) -> Vec<(Span, String)> {
    let mut out = Vec::new();
    if wf.fail_fast {
        out.push((wf.name_span, "the workflow's `fail fast`".to_owned()));
    }
    for b in &wf.blocks {
        if !b.fail_fast {
            continue;
        }
        match &b.kind {
            BlockKind::ForEach { .. } if matrix_loops => {}
            BlockKind::ForEach { var, .. } => {
                out.push((b.span, format!("`fail fast` of the loop over `{var}`")))
            }
            _ => out.push((b.span, "`fail fast` of a `parallel` block".to_owned())),
        }
    }
    out
}

/// What differs when a `fail fast` is approximated.
pub const DIFFERS: &str =
    "running steps finish when another fails (nothing new starts): `wfc run` cancels them";

/// Each refusal or, with `approximate`, warning, as `make(span, what)`
/// builds it.
pub fn diagnostics(
    found: Vec<(Span, String)>,
    make: impl Fn(Span, &str) -> Diagnostic,
) -> Vec<Diagnostic> {
    found.iter().map(|(span, what)| make(*span, what)).collect()
}

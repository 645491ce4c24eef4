//! `for each … batch N`: in `wfc run` each batch of `N` iterations starts
//! once the batch before has ended (Ansible's `serial`). A loop unrolled at
//! export keeps that exactly: the plan's edges between batches become
//! `needs` (GitHub) and `depends` (Argo), so such a loop is never folded
//! into a matrix or `withItems`, whose `max-parallel` / `parallelism`
//! start the next item as soon as any ends. A loop over a list only the
//! run knows has no such edges to write: it is refused, or with
//! `--approximate` written as `parallel N` with a warning.

use wfc_language::span::Span;
use wfc_plan::{GroupKind, Plan};

/// Whether the loop `kind` runs in batches.
pub fn batched(kind: &GroupKind) -> bool {
    matches!(kind, GroupKind::ForEach { batch: true, .. })
}

/// The batched loops over a run-time list in `plan`: (span, what).
pub fn unmapped(plan: &Plan) -> Vec<(Span, String)> {
    let graphs = std::iter::once(&plan.main).chain(plan.handlers.iter().map(|h| &h.graph));
    graphs
        .flat_map(|g| &g.groups)
        .filter_map(|grp| match &grp.kind {
            GroupKind::ForEach {
                var,
                iterations: None,
                batch: true,
                ..
            } => Some((
                grp.span,
                format!("`batch` of the loop over `{var}` (a list known only at run time)"),
            )),
            _ => None,
        })
        .collect()
}

/// What differs when a `batch` is approximated.
pub const DIFFERS: &str = "up to N iterations run at once, the next starting as soon as any ends: `wfc run` starts a batch only once the whole batch before it has ended";

/// Why the engines cannot.
pub const WHY: &str = "a loop over a run-time list becomes one matrix (`withItems`), with no barrier between batches: make the list known at export (a param), or pass --approximate for `parallel N`";

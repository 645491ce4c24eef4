//! Artifacts are refused by the Argo export for now: a pod shares no disk
//! with the next, so handing files on needs Argo's output and input
//! artifacts, which it does not write yet (GitHub's: `github/files.rs`).

use wfc_language::diag::Diagnostic;
use wfc_language::ir::artifacts::FIELD;
use wfc_plan::{Graph, Plan};

/// An error with `code` at every step of `plan` that declares artifacts
/// (once per written step: a loop's copies share their span).
pub(crate) fn refuse(
    plan: &Plan,
    code: &'static str,
    engine: &str,
    instead: &str,
) -> Vec<Diagnostic> {
    let mut out: Vec<Diagnostic> = Vec::new();
    let graphs = std::iter::once(&plan.main).chain(plan.handlers.iter().map(|h| &h.graph));
    for g in graphs {
        walk(g, &mut |field_span, step| {
            if out.iter().any(|d| d.primary_span() == Some(field_span)) {
                return;
            }
            out.push(
                Diagnostic::error(
                    code,
                    format!("{engine} cannot hand on the artifacts of step `{step}` yet"),
                )
                .primary(field_span, "files kept for the steps after it")
                .help(format!(
                    "the export does not map artifacts yet ({instead}); hand the files on another way \
                     (a bucket, a registry), or run the workflow with `wfc run`"
                )),
            );
        });
    }
    out
}

fn walk(g: &Graph, f: &mut dyn FnMut(wfc_language::span::Span, &str)) {
    for s in &g.steps {
        if let Some(field) = s.fields.iter().find(|x| x.name == FIELD) {
            f(field.span, &s.name);
        }
        if let Some(r) = &s.rollback {
            walk(r, f);
        }
    }
}

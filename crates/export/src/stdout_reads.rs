//! Which steps' `stdout` other steps read (`${x.stdout}`,
//! `trim(x.stdout)`): both exports keep such a step's stdout for its
//! readers (GitHub: job outputs, `github/stdout.rs`; Argo: output
//! parameters, `argo/stdout.rs`).

use wfc_language::ir::{Expr, ExprKind, FieldValue, Func, StepId, Workflow};

/// `(step, trim)` when `e` is `x.stdout` or `trim(x.stdout)`.
pub(crate) fn read(e: &Expr) -> Option<(StepId, bool)> {
    match &e.kind {
        ExprKind::StepOutput { step, field, .. } if field == "stdout" => Some((*step, false)),
        ExprKind::Call(Func::Trim, xs) if xs.len() == 1 => read(&xs[0]).map(|(s, _)| (s, true)),
        _ => None,
    }
}

/// Every step whose stdout another step reads.
pub(crate) fn read_by_others(wf: &Workflow) -> Vec<StepId> {
    let mut found = Vec::new();
    for (reader, step) in wf.steps.iter().enumerate() {
        for f in &step.fields {
            let exprs: Vec<&Expr> = match &f.value {
                FieldValue::Expr(e) => vec![e],
                FieldValue::Map(m) => m.iter().map(|(_, e)| e).collect(),
                _ => Vec::new(),
            };
            for e in exprs {
                e.walk(&mut |x| {
                    if let ExprKind::StepOutput { step, field, .. } = &x.kind {
                        if field == "stdout" && *step != reader && !found.contains(step) {
                            found.push(*step);
                        }
                    }
                });
            }
        }
    }
    found
}

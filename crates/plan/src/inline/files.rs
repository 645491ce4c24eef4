//! A callee from a module in another directory reads its `python`, `node`
//! and `sql` steps' relative `file`s beside its own file: inlined into the
//! caller, each such path gains the module's directory, so the run (which
//! reads relative paths in the root file's directory) finds it.

use std::path::Path;
use wfc_language::ir::{Expr, ExprKind, FieldValue, InterpPart, Workflow};
use wfc_language::program::normalize;

/// Prefixes the relative `file` of every script and query step of
/// `callee` (its own calls inlined already) with `dir`, the module's
/// directory relative to the caller's file. A path that starts with an
/// interpolation is left as written: its value is known only at run time.
pub(super) fn rebase(callee: &mut Workflow, dir: &str) {
    let steps = callee.steps.iter_mut();
    for step in steps.filter(|s| s.kind.reads_file()) {
        for f in step.fields.iter_mut().filter(|f| f.name == "file") {
            if let FieldValue::Expr(e) = &mut f.value {
                prefix(e, dir);
            }
        }
    }
}

fn prefix(e: &mut Expr, dir: &str) {
    let relative = |s: &str| Path::new(s).is_relative();
    match &mut e.kind {
        // `lib` + `../shared/x.py` is `shared/x.py`, as imports resolve.
        ExprKind::Str(s) if relative(s) => {
            *s = normalize(&Path::new(dir).join(&*s)).display().to_string();
        }
        // The text may end inside a name (`out/${n}.py`): joined as it is.
        ExprKind::Interp(parts) => {
            if let Some(InterpPart::Text(s)) = parts.first_mut() {
                if relative(s) {
                    *s = format!("{dir}/{s}");
                }
            }
        }
        _ => {}
    }
}

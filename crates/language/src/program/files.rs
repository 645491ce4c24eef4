//! Files a workflow's steps read (a `python`/`node` script's or a `sql`
//! step's literal `file`), looked for where the run will read them: beside
//! the workflow file. The loader reads the disk (or the editor's buffers),
//! so a path that is not there is a warning while the file is edited, not a
//! failed step halfway through a run. A warning, not an error: an earlier
//! step may write the file.

use super::Sources;
use crate::check::Module;
use crate::diag::{check as dc, Diagnostic};
use crate::ir::{ExprKind, FieldValue};
use std::path::Path;

/// W0156 for each literal `file` of `module`'s steps not found in `dir`.
pub(super) fn missing(module: &Module, dir: &Path, sources: &dyn Sources) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for c in &module.workflows {
        let steps = c.ir.steps.iter();
        for step in steps.filter(|s| s.kind.reads_file()) {
            for f in step.fields.iter().filter(|f| f.name == "file") {
                let FieldValue::Expr(e) = &f.value else {
                    continue;
                };
                let ExprKind::Str(path) = &e.kind else {
                    continue;
                };
                if !sources.exists(&dir.join(path)) {
                    out.push(dc::step_file_not_found(e.span, path, step.kind.name()));
                }
            }
        }
    }
    out
}

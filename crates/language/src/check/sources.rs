//! A step's `sources [GLOB, …]`: the files whose contents decide whether
//! the step is up to date (see docs/language.md, "Incremental runs").
//! Globs are relative to the workflow file; every literal one is checked
//! here, a computed one (from a param) when the run resolves it.

use super::Checker;
use crate::diag::check as dc;
use crate::ir;
use crate::syntax::ast::{self, ExprKind};

impl Checker<'_> {
    /// Checks the globs of step `id`'s `sources` (already lowered as a
    /// string-or-list field, `value`).
    pub(super) fn check_sources(&mut self, e: &ast::Expr, value: &ir::FieldValue) {
        if let ir::FieldValue::Expr(x) = value {
            if x.tainted {
                self.report(dc::secret_source(x.span));
                return;
            }
        }
        let items: Vec<&ast::Expr> = match &e.kind {
            ExprKind::List(items) => items.iter().collect(),
            _ => vec![e],
        };
        for item in items {
            let ExprKind::Str(s) = &item.kind else {
                continue;
            };
            let Some(glob) = s.as_plain() else { continue };
            if glob.starts_with('/') {
                self.report(dc::absolute_source(item.span, &glob));
            } else if let Err(why) = globset::Glob::new(&glob) {
                let why = why.kind().to_string();
                self.report(dc::invalid_source_glob(item.span, &glob, &why));
            }
        }
    }
}

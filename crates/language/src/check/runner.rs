//! `runner "LABEL"`: the machine a GitHub Actions export runs a step's job
//! on (step level) or every job on (workflow level), its `runs-on`. `wfc
//! run` ignores it: the run is where it runs. A string over params, loop
//! items and lets, known before the run, and never from a secret: the label
//! is written into the exported file.

use super::{Checker, Ctx};
use crate::diag::Diagnostic;
use crate::ir::{Expr, ExprKind, Type};
use crate::syntax::ast;

/// What `runner` may read, for the "not available here" message.
const PLACE: &str = "`runner`";

impl Checker<'_> {
    /// The label of a `runner` setting, or None after reporting why not.
    pub(super) fn lower_runner(&mut self, e: &ast::Expr, ctx: &Ctx) -> Option<Expr> {
        let ctx = Ctx {
            params_only: Some(PLACE),
            own_outputs: false,
            ..*ctx
        };
        let x = self.lower_expr(e, &ctx);
        if x.ty.contains_invalid() {
            return None;
        }
        let typed = self.require(&x, &Type::String, |exp, found| {
            crate::diag::check::wrong_field_type(x.span, "runner", exp, found, None)
        });
        if !typed {
            return None;
        }
        if x.tainted {
            self.report(
                Diagnostic::error("E0781", "`runner` must not come from a secret")
                    .primary(x.span, "read from a secret")
                    .help("the label is written into the exported workflow: build it from plain params"),
            );
            return None;
        }
        if let ExprKind::Str(s) = &x.kind {
            if s.trim().is_empty() {
                self.report(
                    Diagnostic::error("E0780", "`runner` needs a runner label")
                        .primary(x.span, "no label")
                        .help("write a label (`runner \"macos-14\"`), or drop `runner` for the default (`ubuntu-latest`, or the export's `--runs-on`)"),
                );
                return None;
            }
        }
        Some(x)
    }
}

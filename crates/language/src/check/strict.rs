//! `fail fast`, the workflow setting, and `strict true|false`: the workflow setting, a literal (a server reads a
//! workflow's settings without params), given to each of its `shell` steps
//! that does not set its own `strict` field, so that an inlined call keeps
//! its callee's choice (see `shell_syntax::strict`).

use super::{Checker, Ctx};
use crate::diag::check as dc;
use crate::ir::{Expr, ExprKind, FieldValue, StepField, StepId, StepKind, Type};
use crate::syntax::ast;

impl Checker<'_> {
    /// A literal bool setting (`strict`).
    pub(super) fn const_bool(&mut self, field: &str, e: &ast::Expr, ctx: &Ctx) -> Option<bool> {
        let x = self.lower_expr(e, ctx);
        match (&x.kind, &x.ty) {
            (ExprKind::Bool(b), _) => return Some(*b),
            (_, Type::Invalid) => {}
            (_, Type::Bool) => self.report(dc::not_constant(x.span, field, "false")),
            (_, ty) => self.report(dc::wrong_field_type(
                x.span,
                field,
                "bool",
                &ty.to_string(),
                None,
            )),
        }
        None
    }

    /// `fail fast`, read as the setting `fail` with the bare word `fast`.
    pub(super) fn fail_fast_setting(&mut self, e: &ast::Expr) -> bool {
        match &e.kind {
            ast::ExprKind::Name(id) if id.name == "fast" => true,
            _ => {
                self.report(dc::fail_not_fast(e.span));
                false
            }
        }
    }

    /// Gives `shell` step `id` the workflow's `strict` when it sets none.
    pub(super) fn inherit_strict(&mut self, id: StepId) {
        let Some(strict) = self.wf.strict else {
            return;
        };
        let step = &mut self.wf.steps[id];
        if step.kind != StepKind::Shell || step.fields.iter().any(|f| f.name == "strict") {
            return;
        }
        let span = step.name_span;
        step.fields.push(StepField {
            name: "strict".into(),
            value: FieldValue::Expr(Expr {
                kind: ExprKind::Bool(strict),
                ty: Type::Bool,
                span,
                tainted: false,
            }),
            span,
        });
    }
}

//! `cond ? then : otherwise`.

use super::exprs::expr;
use super::types;
use super::{Checker, Ctx};
use crate::diag::check as dc;
use crate::ir::{Expr, ExprKind, Type};
use crate::span::Span;
use crate::syntax::ast;

impl Checker<'_> {
    /// The condition must be a `bool`; the arms have one type, or `T` and
    /// `T?` (giving `T?`). Derived from a secret if any part is.
    pub(super) fn lower_cond(
        &mut self,
        c: &ast::Expr,
        a: &ast::Expr,
        b: &ast::Expr,
        span: Span,
        ctx: &Ctx,
    ) -> Expr {
        let c = self.lower_expr(
            c,
            &Ctx {
                words: false,
                ..*ctx
            },
        );
        let a = self.lower_expr(a, ctx);
        let b = self.lower_expr(b, ctx);
        let cond_ok = self.require(&c, &Type::Bool, |_, found| {
            dc::condition_not_bool(c.span, "the condition of `? :`", found)
        });
        let ty = if a.ty.is_invalid() || b.ty.is_invalid() {
            Type::Invalid
        } else {
            match types::unify(&a.ty, &b.ty) {
                Some(t) => t,
                None => {
                    let d = dc::cond_arms(b.span, &a.ty.to_string(), &b.ty.to_string(), a.span);
                    self.report(d);
                    Type::Invalid
                }
            }
        };
        let ty = if cond_ok { ty } else { Type::Invalid };
        let tainted = c.tainted || a.tainted || b.tainted;
        let kind = ExprKind::Cond(Box::new(c), Box::new(a), Box::new(b));
        expr(kind, ty, span, tainted)
    }
}

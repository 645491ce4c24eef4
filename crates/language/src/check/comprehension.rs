//! `[ELEM for NAME in SOURCE if FILTER]`: typed as `list<T>` of `ELEM`'s
//! type. `NAME` is in scope in `ELEM` and `FILTER` only, where it hides a
//! param, let, loop variable or outer comprehension's variable of the same
//! name (as a `for each` variable does).

use super::exprs::expr;
use super::{Checker, Ctx};
use crate::diag::check as dc;
use crate::ir::{CompVar, Comprehension, Expr, ExprKind, Type};
use crate::span::Span;
use crate::syntax::ast;

/// The comprehension variables in scope while an expression is typed.
#[derive(Default)]
pub(crate) struct CompScope {
    /// Innermost last: the variable, its element type, and whether the
    /// list it comes from is derived from a secret.
    vars: Vec<(CompVar, Type, bool)>,
    /// The next variable's id (unique in the workflow).
    next: u32,
}

impl Checker<'_> {
    pub(crate) fn lower_comprehension(
        &mut self,
        c: &ast::Comprehension,
        span: Span,
        ctx: &Ctx,
    ) -> Expr {
        let source = self.lower_expr(&c.source, ctx);
        let elem_ty = match &source.ty {
            Type::List(t) => (**t).clone(),
            Type::Json | Type::Invalid => source.ty.clone(),
            ty => {
                let found = ty.to_string();
                let ok = self.require(&source, &Type::list(Type::Json), |_, _| {
                    dc::comprehension_not_a_list(source.span, &found)
                });
                // (A `list<T>?` was reported as such: go on with its `T`.)
                match ty {
                    Type::Optional(inner) if !ok => match &**inner {
                        Type::List(t) => (**t).clone(),
                        _ => Type::Invalid,
                    },
                    _ => Type::Invalid,
                }
            }
        };
        if c.var.name == "run" {
            self.report(dc::run_reserved(c.var.span, "comprehension variable"));
        }
        let var = CompVar {
            id: self.comps.next,
            name: c.var.name.to_string(),
        };
        self.comps.next += 1;
        self.comps.vars.push((var.clone(), elem_ty, source.tainted));
        let elem = self.lower_expr(&c.elem, ctx);
        let filter = c.filter.as_ref().map(|f| {
            let x = self.lower_expr(f, ctx);
            self.require(&x, &Type::Bool, |_, found| {
                dc::comprehension_filter_not_bool(x.span, found)
            });
            x
        });
        self.comps.vars.pop();
        let tainted = source.tainted || elem.tainted || filter.as_ref().is_some_and(|f| f.tainted);
        let ty = if elem.ty.is_invalid() || source.ty.is_invalid() {
            Type::Invalid
        } else {
            Type::list(elem.ty.clone())
        };
        let kind = ExprKind::Comprehension(Box::new(Comprehension {
            var,
            source,
            elem,
            filter,
        }));
        expr(kind, ty, span, tainted)
    }

    /// The comprehension variable `name` in scope, innermost first.
    pub(crate) fn comp_var(&self, name: &str, span: Span) -> Option<Expr> {
        let (var, ty, tainted) = self
            .comps
            .vars
            .iter()
            .rev()
            .find(|(v, ..)| v.name == name)?;
        Some(expr(
            ExprKind::CompVar(var.clone()),
            ty.clone(),
            span,
            *tainted,
        ))
    }
}

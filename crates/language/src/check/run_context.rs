//! The run context (`run.id`, `run.status`, …), and shell expansions that
//! parse as `.wf` expressions (`${x%y}`).

use super::exprs::expr;
use super::{Checker, Ctx};
use crate::diag::{self, check as dc};
use crate::ir::{self, Expr, ExprKind, RunField, Type};
use crate::span::Span;
use crate::syntax::ast;

impl Checker<'_> {
    /// `run.FIELD`, if `base` is the name `run` (which nothing else may be
    /// called: E0187).
    pub(super) fn run_context(
        &mut self,
        base: &ast::Expr,
        field: &ast::Ident,
        span: Span,
        ctx: &Ctx,
    ) -> Option<Expr> {
        let ast::ExprKind::Name(id) = &base.kind else {
            return None;
        };
        if id.name != "run" || !self.is_free(&id.name, ctx) {
            return None;
        }
        if let Some(place) = ctx.params_only.filter(|_| ctx.param_limit.is_some()) {
            let name = format!("run.{}", field.name);
            self.report(dc::not_available_here(span, &name, "the run's", place));
            return Some(Expr::invalid(span));
        }
        if let (Some(_), Some(place)) = (ctx.trigger, ctx.params_only) {
            // A trigger decides before there is a run.
            let name = format!("run.{}", field.name);
            self.report(dc::run_in_trigger(span, &name, place));
            return Some(Expr::invalid(span));
        }
        let Some(f) = RunField::named(&field.name) else {
            let names: Vec<&str> = RunField::ALL.iter().map(|f| f.name()).collect();
            let s = diag::did_you_mean(&field.name, names.iter().copied());
            let known = names
                .iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", ");
            self.report(dc::run_field(field.span, &field.name, s, &known));
            return Some(Expr::invalid(span));
        };
        if f.handler_only() && !self.in_handler(ctx) {
            self.report(dc::run_field_outside_handler(span, f.name()));
            return Some(Expr::invalid(span));
        }
        Some(expr(ExprKind::Run(f), run_field_type(f), span, false))
    }

    fn in_handler(&self, ctx: &Ctx) -> bool {
        self.wf
            .block_chain(ctx.block)
            .into_iter()
            .any(|b| matches!(self.wf.blocks[b].kind, ir::BlockKind::Handler(_)))
    }

    /// E0188 if a `${…}` of a command reads like a shell expansion that is
    /// also a `.wf` expression over unknown names: `${x%y}` (remainder),
    /// `${x/y/z}` (division), `${m[1]}` (a bash array's element, read as an
    /// index). Otherwise lowered as usual.
    pub(super) fn shell_like(&mut self, e: &ast::Expr, ctx: &Ctx) -> bool {
        if !ctx.command {
            return false;
        }
        let mut left = match &e.kind {
            ast::ExprKind::Binary(ast::BinaryOp::Rem | ast::BinaryOp::Div, ..) => e,
            ast::ExprKind::Index(base, _) => base,
            _ => return false,
        };
        while let ast::ExprKind::Binary(_, l, _) = &left.kind {
            left = l;
        }
        let ast::ExprKind::Name(id) = &left.kind else {
            return false;
        };
        let known = !self.is_free(&id.name, ctx) || id.name.is_empty();
        match (known, shown(e)) {
            (false, Some(text)) => {
                self.report(dc::shell_expansion(e.span, &format!("${{{text}}}"), false));
                true
            }
            _ => false,
        }
    }
}

/// The type of `run.FIELD`.
pub fn run_field_type(f: RunField) -> Type {
    match f {
        RunField::Duration => Type::Duration,
        RunField::Started | RunField::Scheduled => Type::Time,
        RunField::Failures => Type::list(Type::map(Type::String)),
        _ => Type::String,
    }
}

/// An expression of names, numbers and `%` `/` as written without spaces.
fn shown(e: &ast::Expr) -> Option<String> {
    match &e.kind {
        ast::ExprKind::Name(id) => Some(id.name.to_string()),
        ast::ExprKind::Int(n) => Some(n.to_string()),
        ast::ExprKind::Binary(op @ (ast::BinaryOp::Rem | ast::BinaryOp::Div), l, r) => {
            Some(format!("{}{}{}", shown(l)?, op.symbol(), shown(r)?))
        }
        ast::ExprKind::Index(b, i) => Some(format!("{}[{}]", shown(b)?, shown(i)?)),
        _ => None,
    }
}

//! `retry N … when EXPR`: a failed attempt is retried only while `EXPR`
//! holds. `EXPR` reads the attempt by bare names — `exit_code` for steps
//! that run a process, `status_code` for HTTP steps, `error` for all — and
//! params, lets and loop variables; never another step.
//!
//! The attempt's names are lowered as `StepOutput`s of the step itself, as
//! an `until` condition reads its own outputs: the plan folds the rest, and
//! the run evaluates them on each failed attempt.

use super::exprs::expr;
use super::{Checker, Ctx};
use crate::diag::check as dc;
use crate::ir::{self, BinaryOp, ErrorClass, Expr, ExprKind, Type};
use crate::span::Span;
use crate::syntax::ast;

/// What the rest of a retry's `when` may read.
const PLACE: &str = "a retry's `when` (it reads the attempt's `exit_code`, `status_code` or `error`, params, lets and loop variables)";

impl Checker<'_> {
    /// `when EXPR` of a retry: a `bool` over the attempt of the step in
    /// `ctx` (`None`, reported, in `defaults` or when it does not type).
    pub(super) fn lower_retry_when(&mut self, when: &ast::Expr, ctx: &Ctx) -> Option<Expr> {
        let Some(step) = ctx.step else {
            let at = when.span.start as usize;
            let kw = Span::new(at.saturating_sub("when ".len()), at.saturating_sub(1));
            self.report(dc::when_in_defaults(kw));
            return None;
        };
        let ctx = Ctx {
            params_only: Some(PLACE),
            attempt: Some(step),
            own_outputs: false,
            ..*ctx
        };
        let cond = self.lower_expr(when, &ctx);
        if cond.ty.contains_invalid() {
            return None;
        }
        let fine = self.require(&cond, &Type::Bool, |_, found| {
            dc::condition_not_bool(cond.span, "a retry's `when`", found)
        });
        fine.then_some(cond)
    }

    /// A bare name in a retry's `when`: the attempt's value, an error for
    /// an attempt value this kind does not give, or `None` (look further).
    pub(super) fn attempt_name(&mut self, id: &ast::Ident, span: Span, ctx: &Ctx) -> Option<Expr> {
        let step = ctx.attempt?;
        let name = id.name.as_str();
        let kind = self.wf.steps[step].kind;
        let names = ir::attempt_names(kind);
        if names.contains(&name) {
            let ty = ir::ATTEMPT_NAMES
                .iter()
                .find(|(n, ..)| *n == name)
                .map_or(Type::Invalid, |(_, ty, _)| ty.clone());
            let kind = ExprKind::StepOutput {
                step,
                field: name.to_owned(),
                output: None,
            };
            return Some(expr(kind, ty, span, false));
        }
        let other_kind = ir::ATTEMPT_NAMES.iter().any(|(n, ..)| *n == name);
        if other_kind || self.is_free(name, ctx) {
            let sugg = crate::diag::did_you_mean(name, names.iter().copied());
            self.report(dc::unknown_attempt_name(
                span,
                name,
                kind.name(),
                names,
                sugg,
            ));
            return Some(Expr::invalid(span));
        }
        None
    }

    /// `error is CLASS`: lowered as the attempt's class (`error_class`, an
    /// output no one else reads) `is` the class's name.
    pub(super) fn lower_error_is(
        &mut self,
        l: &ast::Expr,
        r: &ast::Expr,
        span: Span,
        ctx: &Ctx,
    ) -> Expr {
        let step = ctx.attempt;
        let is_error = matches!(&l.kind, ast::ExprKind::Name(id) if id.name == "error");
        let (Some(step), true) = (step, is_error) else {
            if !is_error {
                // Still read: what it names is used, or unknown.
                self.lower_expr(l, ctx);
            }
            let at = if step.is_some() { l.span } else { span };
            self.report(dc::misplaced_error_is(at, step.is_some()));
            return Expr::invalid(span);
        };
        let kind = self.wf.steps[step].kind;
        let classes: Vec<&str> = ErrorClass::of_kind(kind).iter().map(|c| c.name()).collect();
        let word = match &r.kind {
            ast::ExprKind::Name(id) => id.name.as_str(),
            _ => "",
        };
        if !classes.contains(&word) {
            let known = ErrorClass::parse(word).is_some();
            let sugg = crate::diag::did_you_mean(word, classes.iter().copied());
            let shown = if word.is_empty() { "…" } else { word };
            self.report(dc::unknown_error_class(
                r.span,
                shown,
                kind.name(),
                &classes,
                known,
                sugg,
            ));
            return Expr::invalid(span);
        }
        let class = ExprKind::StepOutput {
            step,
            field: ir::ERROR_CLASS.to_owned(),
            output: None,
        };
        let class = expr(class, Type::String, l.span, false);
        let word = expr(ExprKind::Str(word.to_owned()), Type::String, r.span, false);
        let kind = ExprKind::Binary(BinaryOp::Is, Box::new(class), Box::new(word));
        expr(kind, Type::Bool, span, false)
    }
}

//! Step settings from expressions — `retry`, `backoff`, `max`, `within`,
//! `timeout`, `estimate` over params, loop items and lets — and `until …
//! every … within`.
//!
//! A setting is typed here (an `int` count, `duration` times) and must be
//! known before the run starts: it may not read step outputs. The plan folds
//! it per instance; literals are also folded here, so that hover and the
//! checks below see their values.

use super::{Checker, Ctx};
use crate::diag::check as dc;
use crate::ir::{self, Backoff, Expr, ExprKind, RetryExprs, StepId, StepSettings, Type, UnaryOp};
use crate::span::Span;
use crate::syntax::ast;

/// Where settings stand, for "not available here" messages.
const PLACE: &str = "step settings (`retry`, `timeout`, `estimate`, `every`, `within`)";

/// The value of a duration literal.
pub(crate) fn literal_ms(x: &Expr) -> Option<u64> {
    match x.kind {
        ExprKind::Duration(ms) => Some(ms),
        _ => None,
    }
}

/// The value of an int literal (`-1` included).
pub(crate) fn literal_int(x: &Expr) -> Option<i64> {
    match &x.kind {
        ExprKind::Int(n) => Some(*n),
        ExprKind::Unary(UnaryOp::Neg, inner) => match inner.kind {
            ExprKind::Int(n) => Some(-n),
            _ => None,
        },
        _ => None,
    }
}

/// `retry` as numbers, when every part of it is a literal.
pub(crate) fn literal_retry(r: &RetryExprs) -> Option<ir::Retry> {
    let opt = |x: &Option<Expr>| match x {
        None => Some(None),
        Some(x) => literal_ms(x).map(Some),
    };
    Some(ir::Retry {
        count: u32::try_from(literal_int(&r.count)?).ok()?,
        backoff_ms: opt(&r.backoff)?,
        strategy: r.strategy,
        max_ms: opt(&r.max)?,
        within_ms: opt(&r.within)?,
        when: r.when.clone().map(Box::new),
        span: r.span,
    })
}

impl Checker<'_> {
    /// A setting's value: an expression of type `want` (`int` or
    /// `duration`) over what is known before the run.
    pub(super) fn setting(
        &mut self,
        field: &str,
        e: &ast::Expr,
        want: &Type,
        ctx: &Ctx,
    ) -> Option<Expr> {
        let ctx = Ctx {
            params_only: Some(PLACE),
            own_outputs: false,
            ..*ctx
        };
        let x = self.lower_expr(e, &ctx);
        if x.ty.contains_invalid() {
            return None;
        }
        if *want == Type::Int {
            if let Some(n) = literal_int(&x).filter(|&n| n < 0) {
                self.report(dc::out_of_range(x.span, &format!("`{field}`"), n, 0));
                return None;
            }
        }
        if *want == Type::Duration && x.ty == Type::Int {
            // `timeout 30`: a number without a unit.
            let mut d = dc::wrong_field_type(x.span, field, "duration", "int", None);
            if let ExprKind::Int(n) = x.kind {
                d = dc::wrong_field_type(
                    x.span,
                    field,
                    "duration",
                    "int",
                    Some(format!("add a unit: `{n}s`, `{n}m` or `{n}ms`")),
                )
                .fix(x.span, format!("{n}s"), format!("use `{n}s`"));
            }
            self.report(d);
            return None;
        }
        if let (Type::Duration, ExprKind::Str(s)) = (want, &x.kind) {
            let help = format!("durations are written without quotes: `{s}`");
            let d = dc::wrong_field_type(x.span, field, "duration", "string", Some(help));
            self.report(d);
            return None;
        }
        let fits = self.require(&x, want, |exp, found| {
            dc::wrong_field_type(x.span, field, exp, found, None)
        });
        fits.then_some(x)
    }

    /// A duration setting that must be more than zero when written as a literal.
    fn positive(&mut self, field: &str, what: &str, e: &ast::Expr, ctx: &Ctx) -> Option<Expr> {
        let x = self.setting(field, e, &Type::Duration, ctx)?;
        if literal_ms(&x) == Some(0) {
            self.report(dc::duration_not_positive(x.span, what));
            return None;
        }
        Some(x)
    }

    /// `retry N [backoff D [STRATEGY] [max D]] [within D]`.
    pub(super) fn lower_retry_exprs(&mut self, r: &ast::Retry, ctx: &Ctx) -> Option<RetryExprs> {
        let count = self.setting("retry", &r.count, &Type::Int, ctx);
        let duration = |c: &mut Self, field, e: &Option<ast::Expr>| {
            e.as_ref()
                .map(|e| c.setting(field, e, &Type::Duration, ctx))
        };
        let backoff = duration(self, "backoff", &r.backoff);
        let max = duration(self, "max", &r.max);
        let within = r
            .within
            .as_ref()
            .map(|w| self.positive("within", "a retry's `within`", w, ctx));
        let when = r.when.as_ref().map(|w| self.lower_retry_when(w, ctx));
        let mut strategy = Backoff::Exponential;
        if let Some(s) = &r.strategy {
            match s.name.as_str() {
                "exponential" => {}
                "linear" => strategy = Backoff::Linear,
                rate if rate.starts_with('x')
                    && rate[1..].starts_with(|c: char| c.is_ascii_digit()) =>
                {
                    let milli = rate[1..].parse::<f64>().map(|r| (r * 1000.0).round());
                    match milli {
                        Ok(m) if Backoff::RATES.contains(&(m as u32)) && m >= 1000.0 => {
                            strategy = Backoff::Rate(m as u32)
                        }
                        _ => self.report(dc::bad_backoff_rate(s.span, rate)),
                    }
                }
                other => {
                    let words = super::kinds::STRATEGIES;
                    let sugg = crate::diag::did_you_mean(other, words.iter().copied());
                    self.report(dc::invalid_strategy(s.span, other, sugg, words));
                }
            }
        }
        Some(RetryExprs {
            count: count?,
            backoff: backoff.flatten(),
            strategy,
            max: max.flatten(),
            within: within.flatten(),
            when: when.flatten(),
            span: r.span,
        })
    }

    /// `until COND every D within D` on step `id`.
    pub(super) fn lower_until(
        &mut self,
        id: StepId,
        u: &ast::Until,
        ctx: &Ctx,
    ) -> Option<ir::Until> {
        if self.wf.steps[id].kind == ir::StepKind::Gate {
            let name = self.wf.steps[id].name.clone();
            let at = u.span.start as usize;
            self.report(dc::until_on_gate(Span::new(at, at + "until".len()), &name));
            return None;
        }
        let before = self.reads.len();
        let cond_ctx = Ctx {
            own_outputs: true,
            ..*ctx
        };
        let cond = self.lower_expr(&u.cond, &cond_ctx);
        // Reads of other steps would be dependencies decided once; the
        // condition is about this step's result.
        let others: Vec<_> = self.reads.drain(before..).collect();
        let name = self.wf.steps[id].name.clone();
        for (s, span) in &others {
            let other = self.wf.steps[*s].name.clone();
            self.report(dc::until_reads_other_step(*span, &name, &other));
        }
        let fine = self.require(&cond, &Type::Bool, |_, found| {
            dc::condition_not_bool(cond.span, "an `until` condition", found)
        });
        let mut own = false;
        cond.walk(&mut |x| {
            own |= matches!(x.kind, ExprKind::StepOutput { step, .. } if step == id);
            // (`until now() >= deadline`: the time changes between tries.)
            own |= matches!(x.kind, ExprKind::Call(ir::Func::Now, _));
        });
        if fine && !own && others.is_empty() && !cond.ty.is_invalid() {
            self.report(dc::until_reads_nothing(cond.span, &name));
        }
        let every = self.positive("every", "`every`", &u.every, ctx);
        let within = self.positive("within", "`within`", &u.within, ctx);
        if let (Some(e), Some(w)) = (&every, &within) {
            if let (Some(em), Some(wm)) = (literal_ms(e), literal_ms(w)) {
                if em >= wm {
                    self.report(dc::every_not_shorter(e.span, w.span));
                }
            }
        }
        (fine && others.is_empty()).then_some(())?;
        Some(ir::Until {
            cond,
            every: every?,
            within: within?,
            span: u.span,
        })
    }

    /// Sets step `id`'s settings: its own, else inherited (see
    /// `super::inherit`), and the literal values beside them.
    pub(super) fn set_settings(&mut self, id: StepId, own: StepSettings) {
        let s = self.inherited_settings(id, own);
        let step = &mut self.wf.steps[id];
        step.timeout_ms = s.timeout.as_ref().and_then(literal_ms);
        step.estimate_ms = s.estimate.as_ref().and_then(literal_ms);
        step.retry = s.retry.as_ref().and_then(literal_retry).map(Box::new);
        step.settings = (!s.is_empty()).then(|| Box::new(s));
    }
}

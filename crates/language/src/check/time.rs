//! Typing of `time`: `now()`, `format_time`, `parse_time`, `seconds` and
//! `duration`, and the arithmetic of times and durations. Constant formats, zones and texts are
//! checked here (E0343–E0345); computed ones when the run evaluates them.

use super::functions::FuncInfo;
use super::{Checker, Ctx};
use crate::diag::check as dc;
use crate::ir::{BinaryOp, Expr, Func, Type};
use crate::span::Span;
use crate::time_value::{self, TimeError};

/// The number of arguments of a function whose last ones are optional.
pub(super) fn arity(f: Func) -> Option<(usize, usize)> {
    match f {
        Func::Now | Func::Uuid => Some((0, 0)),
        Func::RandomInt => Some((2, 2)),
        Func::FormatTime => Some((2, 3)),
        Func::ParseTime => Some((1, 2)),
        _ => None,
    }
}

/// `time ± duration` is a time, `time - time` a duration.
pub(super) fn binary_type(op: BinaryOp, a: &Type, b: &Type) -> Option<Type> {
    match (op, a, b) {
        (BinaryOp::Add, Type::Time, Type::Duration)
        | (BinaryOp::Add, Type::Duration, Type::Time)
        | (BinaryOp::Sub, Type::Time, Type::Duration) => Some(Type::Time),
        (BinaryOp::Sub, Type::Time, Type::Time) => Some(Type::Duration),
        _ => None,
    }
}

impl Checker<'_> {
    /// E0346: `now()` in a param default, which is bound before the run,
    /// or in a trigger's `when` or `params`, decided before there is one.
    pub(super) fn check_now(&mut self, f: Func, span: Span, ctx: &Ctx) {
        if !f.run_value() {
            return;
        }
        let name = match f {
            Func::Uuid => "uuid()",
            Func::RandomInt => "random_int(…)",
            _ => "now()",
        };
        if ctx.param_limit.is_some() {
            self.report(dc::now_before_run(span, "a param's default", false, name));
        } else if let (Some(_), Some(place)) = (ctx.trigger, ctx.params_only) {
            self.report(dc::now_before_run(span, place, true, name));
        }
    }

    /// The result type of a call of a time function; `None` for the others.
    pub(super) fn time_call_type(&mut self, info: &FuncInfo, xs: &[Expr]) -> Option<Type> {
        let arg = |c: &mut Self, x: &Expr, want: &Type| {
            c.require(x, want, |exp, found| {
                dc::wrong_arg_type(x.span, info.name, info.signature, exp, found)
            })
        };
        let (ok, ty) = match info.func {
            Func::Now => (true, Type::Time),
            Func::Uuid => (true, Type::String),
            Func::RandomInt => {
                let ok = arg(self, &xs[0], &Type::Int) & arg(self, &xs[1], &Type::Int);
                (ok, Type::Int)
            }
            Func::Seconds => (arg(self, &xs[0], &Type::Duration), Type::Float),
            Func::Duration => {
                let ok = matches!(
                    xs[0].ty,
                    Type::Int | Type::Float | Type::Json | Type::Invalid
                );
                if !ok {
                    self.one_of(info, &xs[0], "an int or float (seconds)");
                }
                (ok, Type::Duration)
            }
            Func::FormatTime => {
                let mut ok = arg(self, &xs[0], &Type::Time);
                for x in &xs[1..] {
                    ok &= arg(self, x, &Type::String);
                }
                if let Some(Err(e)) = xs[1].as_str().map(time_value::check_format) {
                    self.report_time(xs[1].span, &e);
                    ok = false;
                }
                if let Some(Err(e)) = xs.get(2).and_then(Expr::as_str).map(time_value::zone) {
                    self.report_time(xs[2].span, &e);
                    ok = false;
                }
                (ok, Type::String)
            }
            Func::ParseTime => {
                let mut ok = true;
                for x in xs {
                    ok &= arg(self, x, &Type::String);
                }
                if let Some(f) = xs.get(1).and_then(Expr::as_str) {
                    if let Err(e) = time_value::check_format(f) {
                        self.report_time(xs[1].span, &e);
                        ok = false;
                    }
                }
                // Literal text in a literal format (or RFC 3339): parse it now.
                let format = match xs.get(1) {
                    None => Some(None),
                    Some(x) => x.as_str().map(Some),
                };
                if let (true, Some(text), Some(format)) = (ok, xs[0].as_str(), format) {
                    if let Err(e) = time_value::parse(text, format) {
                        self.report_time(xs[0].span, &e);
                        ok = false;
                    }
                }
                (ok, Type::Time)
            }
            _ => return None,
        };
        Some(if ok { ty } else { Type::Invalid })
    }

    fn report_time(&mut self, span: Span, e: &TimeError) {
        let d = match e {
            TimeError::Format(why) => dc::bad_time_format(span, why),
            TimeError::Zone(zone) => {
                dc::unknown_time_zone(span, zone, time_value::zone_suggestion(zone))
            }
            TimeError::Parse(why) => dc::bad_time_text(span, why),
            TimeError::Range => dc::bad_time_text(span, "out of range"),
        };
        self.report(d);
    }
}

//! Typing of the string, list, map and conversion functions (`starts_with`
//! through `matches`); the older ones are typed in [`super::functions`].

use super::functions::FuncInfo;
use super::types::{self, Fit};
use super::Checker;
use crate::diag::check as dc;
use crate::ir::{Expr, ExprKind, Func, Type};

impl Checker<'_> {
    /// The result type of a call of one of these functions (`Invalid` after
    /// reporting a bad argument); `None` for the other functions.
    pub(super) fn new_call_type(&mut self, info: &FuncInfo, xs: &[Expr]) -> Option<Type> {
        let arg = |c: &mut Self, x: &Expr, want: &Type| {
            c.require(x, want, |exp, found| {
                dc::wrong_arg_type(x.span, info.name, info.signature, exp, found)
            })
        };
        let all = |c: &mut Self, wants: &[Type]| {
            let mut ok = true;
            for (x, want) in xs.iter().zip(wants) {
                ok &= arg(c, x, want);
            }
            ok
        };
        let (s, i) = (Type::String, Type::Int);
        let (ok, ty) = match info.func {
            Func::StartsWith | Func::EndsWith => (all(self, &[s.clone(), s]), Type::Bool),
            Func::Replace => (all(self, &[s.clone(), s.clone(), s.clone()]), s),
            Func::Split => (all(self, &[s.clone(), s.clone()]), Type::list(s)),
            Func::Range => (all(self, &[i.clone(), i.clone()]), Type::list(i)),
            Func::Matches => {
                let ok = all(self, &[s.clone(), s]);
                if let ExprKind::Str(re) = &xs[1].kind {
                    if let Err(e) = regex::Regex::new(re) {
                        self.report(dc::bad_regex(xs[1].span, &regex_error(&e)));
                    }
                }
                (ok, Type::Bool)
            }
            Func::Slice => {
                let ty = match &xs[0].ty {
                    t @ (Type::String | Type::List(_) | Type::Json | Type::Invalid) => t.clone(),
                    _ => {
                        self.one_of(info, &xs[0], "a string or a list");
                        Type::Invalid
                    }
                };
                (all(self, &[ty.clone(), i.clone(), i]), ty)
            }
            Func::Keys | Func::Values => {
                let elem = match &xs[0].ty {
                    Type::Map(t) => (**t).clone(),
                    Type::Json | Type::Invalid => Type::Json,
                    _ => {
                        arg(self, &xs[0], &Type::map(Type::Json));
                        return Some(Type::Invalid);
                    }
                };
                let ty = if info.func == Func::Keys { s } else { elem };
                (true, Type::list(ty))
            }
            Func::String => {
                // A list or map: its JSON text (issue 73: ports joined keys
                // by hand for want of it).
                let ok = xs[0].ty.is_scalar()
                    || xs[0].ty.is_invalid()
                    || matches!(xs[0].ty, Type::List(_) | Type::Map(_));
                if !ok {
                    self.one_of(
                        info,
                        &xs[0],
                        "a string, number, bool, duration, time, json, list or map",
                    );
                }
                (ok, s)
            }
            Func::Int | Func::Float => {
                let ok = matches!(
                    xs[0].ty,
                    Type::String | Type::Int | Type::Float | Type::Json | Type::Invalid
                );
                if !ok {
                    self.one_of(info, &xs[0], "a string, int or float");
                }
                let ty = if info.func == Func::Int {
                    i
                } else {
                    Type::Float
                };
                (ok, ty)
            }
            Func::Coalesce => return Some(self.coalesce_type(info, xs)),
            _ => {
                return self
                    .collection_call_type(info, xs)
                    .or_else(|| self.time_call_type(info, xs))
            }
        };
        Some(if ok { ty } else { Type::Invalid })
    }

    /// E0148 (or E0153 for a `T?`) for an argument of the wrong kind.
    pub(super) fn one_of(&mut self, info: &FuncInfo, x: &Expr, expected: &str) {
        if let Type::Optional(inner) = &x.ty {
            let d = self.optional_used(x.span, &x.ty.to_string(), &inner.to_string());
            self.report(d);
            return;
        }
        let found = x.ty.to_string();
        let d = dc::wrong_arg_type(x.span, info.name, info.signature, expected, &found);
        self.report(d);
    }

    /// The arguments' common type: `T` if the last one always exists, else `T?`.
    fn coalesce_type(&mut self, info: &FuncInfo, xs: &[Expr]) -> Type {
        let mut ty = types::non_optional(&xs[0].ty).clone();
        for x in &xs[1..] {
            let t = types::non_optional(&x.ty);
            match types::unify(&ty, t) {
                Some(u) => ty = u,
                None => {
                    let want = ty.to_string();
                    let d = dc::wrong_arg_type(
                        x.span,
                        info.name,
                        info.signature,
                        &want,
                        &t.to_string(),
                    );
                    self.report(d);
                    return Type::Invalid;
                }
            }
        }
        let last = xs.last().map_or(&Type::Invalid, |x| &x.ty);
        if types::fits(last, &ty) == Fit::Optional {
            Type::optional(ty)
        } else {
            ty
        }
    }
}

/// A regex error on one line (the crate's message draws the pattern over several).
pub(crate) fn regex_error(e: &regex::Error) -> String {
    match e {
        regex::Error::Syntax(text) => text
            .lines()
            .rev()
            .find_map(|l| l.strip_prefix("error: "))
            .unwrap_or(text)
            .to_string(),
        other => other.to_string(),
    }
}

//! Typing of the collection functions: `flatten`, `any`, `all`, `sum`,
//! `min`, `max`, `sort`, `unique` and `count`.

use super::functions::FuncInfo;
use super::types;
use super::Checker;
use crate::diag::check as dc;
use crate::ir::{Expr, Func, Type};

/// Element types with an order (`sort`, `min`, `max`, `<`).
pub fn ordered(t: &Type) -> bool {
    matches!(
        t,
        Type::Int | Type::Float | Type::String | Type::Duration | Type::Time | Type::Json
    )
}

impl Checker<'_> {
    /// The result type of a call of a collection function (`Invalid` after
    /// reporting a bad argument); `None` for the other functions.
    pub(super) fn collection_call_type(&mut self, info: &FuncInfo, xs: &[Expr]) -> Option<Type> {
        use Func::*;
        if !matches!(
            info.func,
            Flatten | Any | All | Sum | Min | Max | Sort | Unique | Count
        ) {
            return None;
        }
        Some(self.collection_type(info, xs).unwrap_or(Type::Invalid))
    }

    /// [`Self::collection_call_type`]; `None` after reporting.
    fn collection_type(&mut self, info: &FuncInfo, xs: &[Expr]) -> Option<Type> {
        let list = |c: &mut Self, x: &Expr, expected: &str| -> Option<Type> {
            match &x.ty {
                Type::List(e) => Some((**e).clone()),
                Type::Json => Some(Type::Json),
                Type::Invalid => None,
                _ => {
                    c.one_of(info, x, expected);
                    None
                }
            }
        };
        let ty = match info.func {
            Func::Flatten => match list(self, &xs[0], "a list of lists")? {
                t @ (Type::List(_) | Type::Json) => t,
                _ => {
                    self.one_of(info, &xs[0], "a list of lists");
                    return None;
                }
            },
            Func::Any | Func::All => {
                let e = list(self, &xs[0], "a list<bool>")?;
                if !matches!(e, Type::Bool | Type::Json) {
                    self.one_of(info, &xs[0], "a list<bool>");
                    return None;
                }
                Type::Bool
            }
            Func::Sum | Func::Min | Func::Max => {
                let e = list(self, &xs[0], "a list<int> or list<float>")?;
                match e {
                    Type::Int | Type::Float | Type::Json => e,
                    _ => {
                        self.one_of(info, &xs[0], "a list<int> or list<float>");
                        return None;
                    }
                }
            }
            Func::Sort => {
                let e = list(self, &xs[0], "a list")?;
                if !ordered(&e) {
                    let found = xs[0].ty.to_string();
                    self.report(dc::unordered(xs[0].span, info.name, &found));
                    return None;
                }
                Type::list(e)
            }
            Func::Unique => Type::list(list(self, &xs[0], "a list")?),
            Func::Count => {
                let e = list(self, &xs[0], "a list")?;
                if types::unify(&e, types::non_optional(&xs[1].ty)).is_none() {
                    self.one_of(info, &xs[1], &e.to_string());
                    return None;
                }
                Type::Int
            }
            _ => unreachable!("not a collection function"),
        };
        Some(ty)
    }
}

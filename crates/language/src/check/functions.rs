//! The built-in functions: their table (signatures and docs, public for the
//! language server) and how calls are typed.

use super::exprs::expr;
use super::types::{self, Fit};
use super::{Checker, Ctx};
use crate::diag::{self, check as dc};
use crate::ir::{Expr, ExprKind, Func, Type};
use crate::span::Span;
use crate::syntax::ast;

/// A built-in function: its signature and documentation.
#[derive(Clone, Copy, Debug)]
pub struct FuncInfo {
    pub func: Func,
    pub name: &'static str,
    pub signature: &'static str,
    pub arity: usize,
    pub doc: &'static str,
}

/// Every built-in function.
pub static FUNCTIONS: &[FuncInfo] = &[
    FuncInfo { func: Func::Env, name: "env", signature: "env(name: string) -> string", arity: 1, doc: "The value of an environment variable of the machine running `wfc` (empty if unset)." },
    FuncInfo { func: Func::Len, name: "len", signature: "len(x: string | list<T> | map<T>) -> int", arity: 1, doc: "The length of a string (in characters), a list or a map." },
    FuncInfo { func: Func::Contains, name: "contains", signature: "contains(s: string, sub: string) -> bool | contains(xs: list<T>, x: T) -> bool", arity: 2, doc: "Whether a string contains a substring, or a list contains an element." },
    FuncInfo { func: Func::Lower, name: "lower", signature: "lower(s: string) -> string", arity: 1, doc: "The string in lower case." },
    FuncInfo { func: Func::Upper, name: "upper", signature: "upper(s: string) -> string", arity: 1, doc: "The string in upper case." },
    FuncInfo { func: Func::Trim, name: "trim", signature: "trim(s: string) -> string", arity: 1, doc: "The string without leading and trailing whitespace." },
    FuncInfo { func: Func::Json, name: "json", signature: "json(s: string) -> json", arity: 1, doc: "Parses a string as JSON." },
    FuncInfo { func: Func::Default, name: "default", signature: "default(x: T?, fallback: T) -> T", arity: 2, doc: "The optional value `x` if it exists, else `fallback`." },
    FuncInfo { func: Func::Raw, name: "raw", signature: "raw(s: string) -> string", arity: 1, doc: "Splices text into a command unescaped (shell syntax is kept); use only with trusted text." },
    FuncInfo { func: Func::Join, name: "join", signature: "join(xs: list<string>, sep: string) -> string", arity: 2, doc: "The list's elements joined with a separator." },
    FuncInfo { func: Func::StartsWith, name: "starts_with", signature: "starts_with(s: string, prefix: string) -> bool", arity: 2, doc: "Whether the string starts with the prefix." },
    FuncInfo { func: Func::EndsWith, name: "ends_with", signature: "ends_with(s: string, suffix: string) -> bool", arity: 2, doc: "Whether the string ends with the suffix." },
    FuncInfo { func: Func::Replace, name: "replace", signature: "replace(s: string, from: string, to: string) -> string", arity: 3, doc: "The string with every occurrence of `from` replaced by `to`." },
    FuncInfo { func: Func::Split, name: "split", signature: "split(s: string, sep: string) -> list<string>", arity: 2, doc: "The parts of the string between separators (`split(\"a,b\", \",\")` is `[\"a\", \"b\"]`); the separator may not be empty." },
    FuncInfo { func: Func::Slice, name: "slice", signature: "slice(x: string | list<T>, start: int, end: int) -> string | list<T>", arity: 3, doc: "The characters or elements from `start` (inclusive) to `end` (exclusive); a negative index counts from the end, and indexes past either end are clamped." },
    FuncInfo { func: Func::Range, name: "range", signature: "range(a: int, b: int) -> list<int>", arity: 2, doc: "The ints from `a` (inclusive) to `b` (exclusive): `range(1, 4)` is `[1, 2, 3]`; empty when `b <= a`." },
    FuncInfo { func: Func::Keys, name: "keys", signature: "keys(m: map<T>) -> list<string>", arity: 1, doc: "The map's keys, in order." },
    FuncInfo { func: Func::Values, name: "values", signature: "values(m: map<T>) -> list<T>", arity: 1, doc: "The map's values, in the order of its keys." },
    FuncInfo { func: Func::Coalesce, name: "coalesce", signature: "coalesce(a: T?, b: T?, …) -> T", arity: VARIADIC, doc: "The first argument that exists and is not the empty string." },
    FuncInfo { func: Func::String, name: "string", signature: "string(x: string | int | float | bool | duration | time | json | list<T> | map<T>) -> string", arity: 1, doc: "The value as text, as `${x}` would write it outside a command; a list or map as its JSON text: `string({\"a\": 1})` is `{\"a\":1}`." },
    FuncInfo { func: Func::Int, name: "int", signature: "int(x: string | int | float) -> int", arity: 1, doc: "The value as an int: text is parsed (surrounding blanks ignored), a float is truncated toward zero." },
    FuncInfo { func: Func::Float, name: "float", signature: "float(x: string | int | float) -> float", arity: 1, doc: "The value as a float: text is parsed (surrounding blanks ignored)." },
    FuncInfo { func: Func::Matches, name: "matches", signature: "matches(s: string, re: string) -> bool", arity: 2, doc: "Whether the regular expression (Rust `regex` syntax) matches somewhere in the string; anchor it with `^…$` to match the whole." },
    FuncInfo { func: Func::Flatten, name: "flatten", signature: "flatten(xs: list<list<T>>) -> list<T>", arity: 1, doc: "The elements of the inner lists, in order: `flatten([[1, 2], [3]])` is `[1, 2, 3]`." },
    FuncInfo { func: Func::Any, name: "any", signature: "any(xs: list<bool>) -> bool", arity: 1, doc: "Whether some element is `true` (`false` for an empty list)." },
    FuncInfo { func: Func::All, name: "all", signature: "all(xs: list<bool>) -> bool", arity: 1, doc: "Whether every element is `true` (`true` for an empty list)." },
    FuncInfo { func: Func::Sum, name: "sum", signature: "sum(xs: list<int> | list<float>) -> int | float", arity: 1, doc: "The sum of the elements (`0` for an empty list); an int overflow is an error." },
    FuncInfo { func: Func::Min, name: "min", signature: "min(xs: list<int> | list<float>) -> int | float", arity: 1, doc: "The smallest element; an empty list is an error (E0820)." },
    FuncInfo { func: Func::Max, name: "max", signature: "max(xs: list<int> | list<float>) -> int | float", arity: 1, doc: "The largest element; an empty list is an error (E0820)." },
    FuncInfo { func: Func::Sort, name: "sort", signature: "sort(xs: list<T>) -> list<T>", arity: 1, doc: "The elements in ascending order; `T` is int, float, string, duration or time." },
    FuncInfo { func: Func::Unique, name: "unique", signature: "unique(xs: list<T>) -> list<T>", arity: 1, doc: "The elements without repeats, each where it first appears." },
    FuncInfo { func: Func::Count, name: "count", signature: "count(xs: list<T>, x: T) -> int", arity: 2, doc: "How many elements equal `x`." },
    FuncInfo { func: Func::Now, name: "now", signature: "now() -> time", arity: 0, doc: "The time it is evaluated, while the run runs (never at plan time): `until now() >= deadline every 30s within 8h`." },
    FuncInfo { func: Func::FormatTime, name: "format_time", signature: "format_time(t: time, format: string, zone?: string) -> string", arity: 3, doc: "The time as text by strftime directives, in an IANA time zone (UTC by default): `format_time(run.started, \"%Y-%m-%d\", \"Europe/Berlin\")`." },
    FuncInfo { func: Func::ParseTime, name: "parse_time", signature: "parse_time(s: string, format?: string) -> time", arity: 2, doc: "Text as a time: RFC 3339 (`\"2026-05-01T09:30:00Z\"`), or by strftime directives (without an offset, UTC; a date alone, its midnight)." },
    FuncInfo { func: Func::Seconds, name: "seconds", signature: "seconds(d: duration) -> float", arity: 1, doc: "The duration as a number of seconds: `seconds(1m30s)` is `90.0`, `seconds(250ms)` is `0.25`." },
    FuncInfo { func: Func::Duration, name: "duration", signature: "duration(n: int | float) -> duration", arity: 1, doc: "A number of seconds as a duration (to the millisecond): `duration(90)` is `1m30s`; a negative number is an error." },
    FuncInfo { func: Func::Uuid, name: "uuid", signature: "uuid() -> string", arity: 0, doc: "A random UUID (version 4), while the run runs: the same for every attempt of the step and after `wfc resume` (it is derived from the run's id and where the call is written), another in each loop iteration and each run." },
    FuncInfo { func: Func::RandomInt, name: "random_int", signature: "random_int(a: int, b: int) -> int", arity: 2, doc: "A random int from `a` to `b` (both included), while the run runs; the same for every attempt and after a resume, as `uuid()`. `a > b` is an error." },
    FuncInfo { func: Func::RequireEnv, name: "require_env", signature: "require_env(name: string) -> string", arity: 1, doc: "The value of an environment variable of the machine running `wfc`, as `env(name)`; a run refuses to start (before anything runs) when it is unset or empty. The name is written out: `require_env(\"AWS_REGION\")`." },
];

/// The arity of a function that takes one or more arguments.
pub const VARIADIC: usize = 0;

/// The function named `name`.
pub fn function(name: &str) -> Option<&'static FuncInfo> {
    FUNCTIONS.iter().find(|f| f.name == name)
}

/// The table entry for `func`.
pub fn function_info(func: Func) -> &'static FuncInfo {
    FUNCTIONS
        .iter()
        .find(|f| f.func == func)
        .expect("every Func is in FUNCTIONS")
}

impl Checker<'_> {
    pub(crate) fn lower_call(
        &mut self,
        name: &ast::Ident,
        args: &[ast::Expr],
        span: Span,
        ctx: &Ctx,
    ) -> Expr {
        let xs: Vec<Expr> = args.iter().map(|a| self.lower_expr(a, ctx)).collect();
        let tainted = xs.iter().any(|x| x.tainted);
        let Some(info) = function(&name.name) else {
            // A function from another language, before the nearest name:
            // `str(x)` is `string(x)`, not `sort(x)`.
            if let Some(f) = diag::foreign::function(&name.name) {
                self.report(dc::foreign_function(name.span, &name.name, f));
                return Expr::invalid(span);
            }
            let names: Vec<&str> = FUNCTIONS.iter().map(|f| f.name).collect();
            let s = diag::did_you_mean(&name.name, names.iter().copied());
            self.report(dc::unknown_function(name.span, &name.name, s, &names));
            return Expr::invalid(span);
        };
        self.check_now(info.func, span, ctx);
        let arity_ok = if let Some((lo, hi)) = super::time::arity(info.func) {
            (lo..=hi).contains(&xs.len())
        } else if info.arity == VARIADIC {
            !xs.is_empty()
        } else {
            xs.len() == info.arity
        };
        if !arity_ok {
            self.report(dc::wrong_arg_count(
                span,
                info.name,
                info.signature,
                info.arity.max(1),
                xs.len(),
            ));
            return expr(ExprKind::Call(info.func, xs), Type::Invalid, span, tainted);
        }
        if info.func == Func::RequireEnv {
            self.require_env(&xs[0], span);
        }
        let ty = self.call_type(info, &xs);
        expr(ExprKind::Call(info.func, xs), ty, span, tainted)
    }

    fn call_type(&mut self, info: &FuncInfo, xs: &[Expr]) -> Type {
        if let Some(ty) = self.new_call_type(info, xs) {
            return ty;
        }
        let arg = |c: &mut Self, x: &Expr, want: &Type| {
            c.require(x, want, |exp, found| {
                dc::wrong_arg_type(x.span, info.name, info.signature, exp, found)
            })
        };
        let ok = match info.func {
            Func::Env
            | Func::RequireEnv
            | Func::Lower
            | Func::Upper
            | Func::Trim
            | Func::Json
            | Func::Raw => arg(self, &xs[0], &Type::String),
            Func::Join => {
                let a = arg(self, &xs[0], &Type::list(Type::String));
                arg(self, &xs[1], &Type::String) && a
            }
            Func::Len => match &xs[0].ty {
                Type::String | Type::List(_) | Type::Map(_) | Type::Json | Type::Invalid => true,
                Type::Optional(inner)
                    if matches!(**inner, Type::String | Type::List(_) | Type::Map(_)) =>
                {
                    let (found, want) = (xs[0].ty.to_string(), inner.to_string());
                    self.report(self.optional_used(xs[0].span, &found, &want));
                    false
                }
                t => {
                    let found = t.to_string();
                    let d = dc::wrong_arg_type(
                        xs[0].span,
                        info.name,
                        info.signature,
                        "a string, list or map",
                        &found,
                    );
                    self.report(d);
                    false
                }
            },
            Func::Contains => match &xs[0].ty {
                Type::List(elem) => {
                    let elem = (**elem).clone();
                    arg(self, &xs[1], &elem)
                }
                Type::Json | Type::Invalid => true,
                _ => {
                    let a = arg(self, &xs[0], &Type::String);
                    arg(self, &xs[1], &Type::String) && a
                }
            },
            Func::Default => {
                let inner = types::non_optional(&xs[0].ty).clone();
                // `default(a.outputs.names, [])`: an empty literal has no
                // element type of its own; the value's is the result's.
                let empty = matches!(&xs[1].kind, ExprKind::List(v) if v.is_empty())
                    || matches!(&xs[1].kind, ExprKind::Map(v) if v.is_empty());
                return match types::fits(&xs[1].ty, &inner) {
                    Fit::Yes if empty => inner,
                    Fit::Yes => types::unify(&inner, &xs[1].ty).unwrap_or(inner),
                    _ => {
                        // `default(probe.status, 0)`: the fallback is not at fault.
                        if let Some(d) = self.status_as_code(&xs[0], &xs[1].ty) {
                            self.report(d);
                            return Type::Invalid;
                        }
                        arg(self, &xs[1], &inner);
                        Type::Invalid
                    }
                };
            }
            _ => unreachable!("typed by new_call_type"),
        };
        if !ok {
            return Type::Invalid;
        }
        match info.func {
            Func::Env
            | Func::RequireEnv
            | Func::Lower
            | Func::Upper
            | Func::Trim
            | Func::Raw
            | Func::Join => Type::String,
            Func::Json => Type::Json,
            Func::Len => Type::Int,
            Func::Contains => Type::Bool,
            _ => unreachable!("typed by new_call_type"),
        }
    }
}

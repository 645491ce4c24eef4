//! Evaluation of IR expressions at plan time, and constant folding.
//!
//! [`eval`] computes an expression's value from the bound params and the loop
//! items in scope; it answers [`Eval::Unknown`] when the value needs the run
//! (a step output, `failed.…`, a loop variable of a loop unrolled at run
//! time). `&&` and `||` short-circuit on a known side, so `fast || x.ok` is
//! known when `fast` is `true`.
//!
//! [`fold`] rewrites an expression with everything known replaced by
//! literals, keeping what the run must compute. Two things are never folded
//! into literals: values derived from a secret (they stay references to the
//! secret param, so no rendering of the plan can show them), and the parts of
//! a `${…}` interpolation (each stays a separate part so the interpreter can
//! escape it for its shell quoting context).

use super::value::Value;
use wfc_language::ir::{
    BinaryOp, BlockId, Expr, ExprKind, Func, InterpPart, ParamId, StepId, Type, UnaryOp,
};
use wfc_language::span::Span;

/// What expressions can see at plan time.
pub struct Scope<'a> {
    /// Every param's bound value, by id (`None` while binding, for later params).
    pub params: &'a [Option<Value>],
    /// Loop variables bound to this instance's items, innermost last.
    pub loops: &'a [(BlockId, Value)],
    /// Steps that do not exist in the plan (pruned): their outputs are `null`.
    pub pruned: &'a dyn Fn(StepId) -> bool,
}

/// The result of evaluating at plan time.
#[derive(Clone, Debug, PartialEq)]
pub enum Eval {
    Known(Value),
    /// Decided at run time.
    Unknown,
    /// Known to fail (division by zero, index out of range, …).
    Error(String),
}

use Eval::{Error, Known, Unknown};

macro_rules! known {
    ($e:expr) => {
        match $e {
            Known(v) => v,
            other => return other,
        }
    };
}

pub fn eval(e: &Expr, s: &Scope) -> Eval {
    match &e.kind {
        ExprKind::Str(x) => Known(Value::Str(x.clone())),
        ExprKind::Int(i) => Known(Value::Int(*i)),
        ExprKind::Float(f) => Known(Value::Float(*f)),
        ExprKind::Bool(b) => Known(Value::Bool(*b)),
        ExprKind::Duration(ms) => Known(Value::Duration(*ms)),
        ExprKind::List(xs) => {
            let mut out = Vec::with_capacity(xs.len());
            for x in xs {
                out.push(known!(eval(x, s)));
            }
            Known(Value::List(out))
        }
        ExprKind::Map(m) => {
            let mut out = Vec::with_capacity(m.len());
            for (k, v) in m {
                out.push((k.clone(), known!(eval(v, s))));
            }
            Known(Value::Map(out))
        }
        ExprKind::Interp(parts) => {
            let mut out = String::new();
            for p in parts {
                match p {
                    InterpPart::Text(t) => out.push_str(t),
                    InterpPart::Expr(x) => match known!(eval(x, s)) {
                        // Never rendered as empty text.
                        Value::Null => return Error("an interpolated value has no value".into()),
                        v => out.push_str(&v.to_text()),
                    },
                }
            }
            Known(Value::Str(out))
        }
        ExprKind::Param(p) => param(*p, s),
        ExprKind::LoopVar(b) => match s.loops.iter().rev().find(|(lb, _)| lb == b) {
            Some((_, v)) => Known(v.clone()),
            None => Unknown,
        },
        ExprKind::StepOutput { step, .. } => {
            if (s.pruned)(*step) {
                Known(Value::Null)
            } else {
                Unknown
            }
        }
        // A step pruned at plan time ends skipped; any other, at run time.
        ExprKind::StepStatus(step) if (s.pruned)(*step) => Known(Value::Str("skipped".into())),
        ExprKind::StepStatus(_) => Unknown,
        ExprKind::Failed(_) | ExprKind::Run(_) | ExprKind::TriggerInput(_) | ExprKind::Invalid => {
            Unknown
        }
        // Only the chosen arm is evaluated.
        ExprKind::Cond(c, a, b) => match known!(eval(c, s)) {
            Value::Bool(true) => eval(a, s),
            Value::Bool(false) => eval(b, s),
            _ => Unknown,
        },
        ExprKind::Call(f, args) => call(*f, args, s),
        ExprKind::Unary(op, x) => unary(*op, known!(eval(x, s))),
        ExprKind::Binary(op, l, r) => binary(*op, l, r, s),
        ExprKind::Index(b, i) => {
            let b = eval(b, s);
            let shown = !i.tainted;
            let i = known!(eval(i, s));
            index(known!(b), &i, shown)
        }
        ExprKind::Field(b, name) => index(known!(eval(b, s)), &Value::Str(name.clone()), true),
        ExprKind::Comprehension(c) => crate::comprehension::comprehension(c, s),
        ExprKind::CompVar(v) => crate::comprehension::var(v, s),
    }
}

/// Whether `x` reads a key its map does not have.
fn missing_key(x: &Expr, s: &Scope) -> bool {
    let (base, key) = match &x.kind {
        ExprKind::Index(b, i) => match eval(i, s) {
            Known(Value::Str(k)) => (b, k),
            _ => return false,
        },
        ExprKind::Field(b, name) => (b, name.clone()),
        _ => return false,
    };
    matches!(eval(base, s), Known(Value::Map(m)) if !m.iter().any(|(k, _)| *k == key))
}

fn param(p: ParamId, s: &Scope) -> Eval {
    match s.params.get(p) {
        Some(Some(v)) => Known(v.clone()),
        _ => Unknown,
    }
}

fn truthy(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        _ => None,
    }
}

fn call(f: Func, args: &[Expr], s: &Scope) -> Eval {
    if f == Func::Default {
        // `default(x, y)`: x unless it does not exist — absent, or a key
        // its map does not have (`request.headers["x-sender"]`).
        let [x, y] = args else {
            return Unknown;
        };
        return match eval(x, s) {
            Known(Value::Null) => eval(y, s),
            Error(_) if missing_key(x, s) => eval(y, s),
            other => other,
        };
    }
    if f == Func::Coalesce {
        return crate::functions::coalesce(args.iter().map(|a| eval(a, s)));
    }
    let mut vs = Vec::with_capacity(args.len());
    for a in args {
        vs.push(known!(eval(a, s)));
    }
    let text = |i: usize| match vs.get(i) {
        Some(Value::Str(x)) => Some(x.clone()),
        Some(v) => Some(v.to_text()),
        None => None,
    };
    match f {
        Func::Env | Func::RequireEnv => match text(0) {
            Some(name) => Known(Value::Str(std::env::var(name).unwrap_or_default())),
            None => Unknown,
        },
        Func::Len => match vs.first() {
            Some(Value::Str(x)) => Known(Value::Int(x.chars().count() as i64)),
            Some(Value::List(x)) => Known(Value::Int(x.len() as i64)),
            Some(Value::Map(x)) => Known(Value::Int(x.len() as i64)),
            _ => Unknown,
        },
        Func::Contains => match (vs.first(), vs.get(1)) {
            (Some(Value::Str(a)), Some(Value::Str(b))) => {
                Known(Value::Bool(a.contains(b.as_str())))
            }
            (Some(Value::List(xs)), Some(x)) => Known(Value::Bool(xs.iter().any(|y| equal(y, x)))),
            _ => Unknown,
        },
        Func::Lower => text(0).map_or(Unknown, |x| Known(Value::Str(x.to_lowercase()))),
        Func::Upper => text(0).map_or(Unknown, |x| Known(Value::Str(x.to_uppercase()))),
        Func::Trim => text(0).map_or(Unknown, |x| Known(Value::Str(x.trim().to_string()))),
        Func::Raw => text(0).map_or(Unknown, |x| Known(Value::Str(x))),
        Func::Json => match text(0) {
            Some(x) => match serde_json::from_str::<serde_json::Value>(&x) {
                Ok(j) => match inexact_integer(&x) {
                    None => Known(Value::from_json(&j)),
                    Some(n) if args[0].tainted => Error(format!(
                        "json(): a number of {} digits does not fit in a 64-bit int, \
                         nor exactly in a float",
                        n.trim_start_matches('-').len()
                    )),
                    Some(n) => Error(format!(
                        "json(): {n} does not fit in a 64-bit int, nor exactly in a float"
                    )),
                },
                Err(e) => Error(format!("json(): not JSON: {e}")),
            },
            None => Unknown,
        },
        Func::Join => match (vs.first(), text(1)) {
            (Some(Value::List(xs)), Some(sep)) => {
                if let Some(i) = xs.iter().position(|x| *x == Value::Null) {
                    return Error(format!("join(): element {i} of the list has no value"));
                }
                let parts: Vec<String> = xs.iter().map(Value::to_text).collect();
                Known(Value::Str(parts.join(&sep)))
            }
            _ => Unknown,
        },
        Func::Default | Func::Coalesce => unreachable!("handled above"),
        _ => crate::functions::call(f, &vs)
            .or_else(|| crate::comprehension::call(f, &vs))
            .or_else(|| crate::time::call(f, &vs))
            .unwrap_or(Unknown),
    }
}

/// The first integer of JSON text `text` that is beyond an `i64` and not
/// exactly a float either (`json()` would otherwise round it silently).
fn inexact_integer(text: &str) -> Option<&str> {
    let b = text.as_bytes();
    let (mut i, mut in_string) = (0, false);
    while i < b.len() {
        match b[i] {
            b'\\' if in_string => i += 1,
            b'"' => in_string = !in_string,
            b'-' | b'0'..=b'9' if !in_string => {
                let end = b[i..]
                    .iter()
                    .position(|c| !matches!(c, b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9'))
                    .map_or(b.len(), |n| i + n);
                let n = &text[i..end];
                let integer = !n.contains(['.', 'e', 'E']);
                // (An integer that is exactly a float prints back as itself.)
                let exact = |n: &str| n.parse::<f64>().is_ok_and(|f| format!("{f:.0}") == n);
                if integer && n.parse::<i64>().is_err() && !exact(n) {
                    return Some(n);
                }
                i = end;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    None
}

fn unary(op: UnaryOp, v: Value) -> Eval {
    match (op, v) {
        (UnaryOp::Not, Value::Bool(b)) => Known(Value::Bool(!b)),
        (UnaryOp::Neg, Value::Int(i)) => i
            .checked_neg()
            .map_or(Error("integer overflow".into()), |v| Known(Value::Int(v))),
        (UnaryOp::Neg, Value::Float(f)) => Known(Value::Float(-f)),
        _ => Unknown,
    }
}

/// Equality with int/float mixing.
pub fn equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Int(x), Value::Float(y)) | (Value::Float(y), Value::Int(x)) => (*x as f64) == *y,
        (Value::List(x), Value::List(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| equal(a, b))
        }
        _ => a == b,
    }
}

/// The order of two values (`<`, `sort`, `min`), if they have one.
pub fn compare(a: &Value, b: &Value) -> Option<std::cmp::Ordering> {
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => Some(x.cmp(y)),
        (Value::Int(x), Value::Float(y)) => (*x as f64).partial_cmp(y),
        (Value::Float(x), Value::Int(y)) => x.partial_cmp(&(*y as f64)),
        (Value::Float(x), Value::Float(y)) => x.partial_cmp(y),
        (Value::Str(x), Value::Str(y)) => Some(x.cmp(y)),
        (Value::Duration(x), Value::Duration(y)) => Some(x.cmp(y)),
        (Value::Time(x), Value::Time(y)) => Some(x.cmp(y)),
        _ => None,
    }
}

fn binary(op: BinaryOp, l: &Expr, r: &Expr, s: &Scope) -> Eval {
    if matches!(op, BinaryOp::And | BinaryOp::Or) {
        // Short-circuit on whichever side is known (expressions have no effects).
        let stop = op == BinaryOp::Or;
        let lv = eval(l, s);
        if let Known(v) = &lv {
            if truthy(v) == Some(stop) {
                return Known(Value::Bool(stop));
            }
        }
        let rv = eval(r, s);
        if let Known(v) = &rv {
            if truthy(v) == Some(stop) {
                return Known(Value::Bool(stop));
            }
        }
        return match (lv, rv) {
            (Known(a), Known(b)) => match (truthy(&a), truthy(&b)) {
                (Some(_), Some(_)) => Known(Value::Bool(!stop)),
                _ => Unknown,
            },
            (Error(e), _) | (_, Error(e)) => Error(e),
            _ => Unknown,
        };
    }
    let a = known!(eval(l, s));
    let b = known!(eval(r, s));
    if let Some(v) = crate::time::binary(op, &a, &b) {
        return v;
    }
    use std::cmp::Ordering::*;
    use Value::*;
    let cmp = |want: &[std::cmp::Ordering]| match compare(&a, &b) {
        Some(o) => Known(Bool(want.contains(&o))),
        None => Unknown,
    };
    match op {
        BinaryOp::Eq => Known(Bool(equal(&a, &b))),
        BinaryOp::Ne => Known(Bool(!equal(&a, &b))),
        BinaryOp::Lt => cmp(&[Less]),
        BinaryOp::Le => cmp(&[Less, Equal]),
        BinaryOp::Gt => cmp(&[Greater]),
        BinaryOp::Ge => cmp(&[Greater, Equal]),
        BinaryOp::In => match (&a, &b) {
            (x, List(xs)) => Known(Bool(xs.iter().any(|y| equal(x, y)))),
            (Str(k), Map(m)) => Known(Bool(m.iter().any(|(mk, _)| mk == k))),
            (Str(sub), Str(x)) => Known(Bool(x.contains(sub.as_str()))),
            _ => Unknown,
        },
        // `error is timeout`, lowered as the attempt's class `== "timeout"`.
        BinaryOp::Is => Known(Bool(equal(&a, &b))),
        BinaryOp::Add => match (a, b) {
            (Int(x), Int(y)) => x
                .checked_add(y)
                .map_or(Error("integer overflow".into()), |v| Known(Int(v))),
            (Str(x), Str(y)) => Known(Str(x + &y)),
            (Duration(x), Duration(y)) => x
                .checked_add(y)
                .map_or(Error("duration overflow".into()), |v| Known(Duration(v))),
            (List(mut x), List(y)) => {
                x.extend(y);
                Known(List(x))
            }
            (x, y) => float_op(op, &x, &y),
        },
        BinaryOp::Sub => match (a, b) {
            (Int(x), Int(y)) => x
                .checked_sub(y)
                .map_or(Error("integer overflow".into()), |v| Known(Int(v))),
            (Duration(x), Duration(y)) => match x.checked_sub(y) {
                Some(v) => Known(Duration(v)),
                // (Durations are never negative: no `0s` for `1h - 2h`.)
                None if l.tainted || r.tainted => Error("negative duration".into()),
                None => Error(format!(
                    "negative duration: {} - {}",
                    Duration(x).to_text(),
                    Duration(y).to_text()
                )),
            },
            (x, y) => float_op(op, &x, &y),
        },
        BinaryOp::Mul => match (a, b) {
            (Int(x), Int(y)) => x
                .checked_mul(y)
                .map_or(Error("integer overflow".into()), |v| Known(Int(v))),
            (Duration(d), Int(n)) | (Int(n), Duration(d)) => match u64::try_from(n) {
                Ok(n) => d
                    .checked_mul(n)
                    .map_or(Error("duration overflow".into()), |v| Known(Duration(v))),
                Err(_) => Error(format!("negative duration: a duration times {n}")),
            },
            (x, y) => float_op(op, &x, &y),
        },
        BinaryOp::Div | BinaryOp::Rem => match (a, b) {
            (Int(_), Int(0)) | (Duration(_), Int(0)) => Error("division by zero".into()),
            (Duration(d), Int(n)) if op == BinaryOp::Div => match u64::try_from(n) {
                Ok(n) => Known(Duration(d / n)),
                Err(_) => Error(format!("negative duration: a duration divided by {n}")),
            },
            (Int(x), Int(y)) => {
                let v = if op == BinaryOp::Div {
                    x.checked_div(y)
                } else {
                    x.checked_rem(y)
                };
                v.map_or(Error("integer overflow".into()), |v| Known(Int(v)))
            }
            (x, y) => float_op(op, &x, &y),
        },
        BinaryOp::And | BinaryOp::Or => unreachable!("handled above"),
    }
}

/// Float arithmetic (an int operand widened): an error rather than an
/// infinity or a NaN.
fn float_op(op: BinaryOp, a: &Value, b: &Value) -> Eval {
    let num = |v: &Value| match v {
        Value::Int(i) => Some(*i as f64),
        Value::Float(x) => Some(*x),
        _ => None,
    };
    let (Some(x), Some(y)) = (num(a), num(b)) else {
        return Unknown;
    };
    let v = match op {
        BinaryOp::Add => x + y,
        BinaryOp::Sub => x - y,
        BinaryOp::Mul => x * y,
        _ if y == 0.0 => return Error("division by zero".into()),
        BinaryOp::Div => x / y,
        _ => x % y,
    };
    if v.is_finite() {
        Known(Value::Float(v))
    } else {
        Error("the result is too large for a float".into())
    }
}

/// `base[i]`; `shown`: the index may be named in an error (it is not
/// derived from a secret).
fn index(base: Value, i: &Value, shown: bool) -> Eval {
    match (&base, i) {
        (Value::List(xs), Value::Int(n)) => {
            match usize::try_from(*n).ok().and_then(|n| xs.get(n)) {
                Some(v) => Known(v.clone()),
                None if !shown => Error(format!(
                    "the index is out of range (the list has {} elements)",
                    xs.len()
                )),
                None => Error(format!(
                    "index {n} is out of range (the list has {} elements)",
                    xs.len()
                )),
            }
        }
        (Value::Map(m), Value::Str(k)) => match m.iter().find(|(mk, _)| mk == k) {
            Some((_, v)) => Known(v.clone()),
            None if !shown => Error("the map has no such key".into()),
            None => Error(format!("the map has no key {k:?}")),
        },
        (Value::Null, _) => Known(Value::Null),
        _ => Unknown,
    }
}

/// The expression with everything known at plan time replaced by literals.
/// See the module docs for what is kept.
pub fn fold(e: &Expr, s: &Scope) -> Expr {
    fold_checked(e, s, &mut Vec::new())
}

/// [`fold`], noting in `failures` each part of `e` that is known to fail
/// whenever it is evaluated (an index out of range, an overflow, …): the
/// innermost failing expression's span and why. Values derived from a
/// secret are evaluated for this too (never folded); their messages do not
/// show them.
pub fn fold_checked(e: &Expr, s: &Scope, failures: &mut Vec<(Span, String)>) -> Expr {
    match &e.kind {
        ExprKind::Interp(parts) => {
            let parts = parts
                .iter()
                .map(|p| match p {
                    InterpPart::Text(t) => InterpPart::Text(t.clone()),
                    // A string inside (a let's value) is one value: folded whole.
                    InterpPart::Expr(x) if matches!(x.kind, ExprKind::Interp(_)) && !x.tainted => {
                        match eval(x, s) {
                            Known(Value::Str(v)) => {
                                InterpPart::Expr(with_kind(x, ExprKind::Str(v)))
                            }
                            _ => InterpPart::Expr(fold_checked(x, s, failures)),
                        }
                    }
                    InterpPart::Expr(x) => InterpPart::Expr(fold_checked(x, s, failures)),
                })
                .collect();
            return with_kind(e, ExprKind::Interp(parts));
        }
        // A known condition leaves its arm, folded as an arm: a `run`
        // command's `${…}` stay values (quoted by the run), not text.
        ExprKind::Cond(c, a, b) if !c.tainted => match eval(c, s) {
            Known(Value::Bool(true)) => return fold_checked(a, s, failures),
            Known(Value::Bool(false)) => return fold_checked(b, s, failures),
            _ => {}
        },
        // `raw(…)` marks unescaped shell text: keep the marker.
        ExprKind::Call(Func::Raw, args) => {
            let args = args.iter().map(|a| fold_checked(a, s, failures)).collect();
            return with_kind(e, ExprKind::Call(Func::Raw, args));
        }
        _ => {}
    }
    let mut failed = None;
    if !e.ty.contains_invalid() {
        match eval(e, s) {
            Known(v) if !e.tainted => {
                if let Some(lit) = v.to_expr(&concrete(&e.ty, &v), e.span) {
                    return lit;
                }
            }
            Error(why) => failed = Some(why),
            _ => {}
        }
    }
    let before = failures.len();
    let mut f = |x: &Expr| fold_checked(x, s, failures);
    let kind = match &e.kind {
        ExprKind::List(xs) => ExprKind::List(xs.iter().map(f).collect()),
        ExprKind::Map(m) => ExprKind::Map(m.iter().map(|(k, v)| (k.clone(), f(v))).collect()),
        ExprKind::Call(func, args) => ExprKind::Call(*func, args.iter().map(f).collect()),
        ExprKind::Unary(op, x) => ExprKind::Unary(*op, Box::new(f(x))),
        ExprKind::Binary(op, l, r) => {
            let folded = fold_binary(e, *op, f(l), f(r));
            note(failures, before, e.span, failed);
            return folded;
        }
        ExprKind::Index(b, i) => ExprKind::Index(Box::new(f(b)), Box::new(f(i))),
        ExprKind::Field(b, name) => ExprKind::Field(Box::new(f(b)), name.clone()),
        ExprKind::Cond(c, a, b) => {
            let c = f(c);
            // A known condition leaves only its arm; with an unknown one,
            // an arm that would fail may never be chosen: not a failure yet.
            let kind = match c.as_bool() {
                Some(true) => return fold_checked(a, s, failures),
                Some(false) => return fold_checked(b, s, failures),
                None => {
                    let mut maybe = Vec::new();
                    let (a, b) = (
                        fold_checked(a, s, &mut maybe),
                        fold_checked(b, s, &mut maybe),
                    );
                    ExprKind::Cond(Box::new(c), Box::new(a), Box::new(b))
                }
            };
            note(failures, before, e.span, failed);
            return with_kind(e, kind);
        }
        // The element and filter may fail only for some elements.
        ExprKind::Comprehension(c) => {
            let source = f(&c.source);
            let mut maybe = Vec::new();
            let c = c.map(|x| fold_checked(x, s, &mut maybe));
            ExprKind::Comprehension(Box::new(wfc_language::ir::Comprehension { source, ..c }))
        }
        // A secret param stays a reference; everything else is a leaf.
        other => other.clone(),
    };
    note(failures, before, e.span, failed);
    with_kind(e, kind)
}

/// Notes `e`'s failure unless a part of it (noted since `before`) explains it.
fn note(failures: &mut Vec<(Span, String)>, before: usize, span: Span, why: Option<String>) {
    if let (Some(why), true) = (why, failures.len() == before) {
        failures.push((span, why));
    }
}

/// `true && x` is `x`; `false || x` is `x`; otherwise both sides folded.
fn fold_binary(e: &Expr, op: BinaryOp, l: Expr, r: Expr) -> Expr {
    if matches!(op, BinaryOp::And | BinaryOp::Or) {
        let identity = op == BinaryOp::And;
        if l.as_bool() == Some(identity) {
            return r;
        }
        if r.as_bool() == Some(identity) {
            return l;
        }
    }
    with_kind(e, ExprKind::Binary(op, Box::new(l), Box::new(r)))
}

fn with_kind(e: &Expr, kind: ExprKind) -> Expr {
    Expr {
        kind,
        ty: e.ty.clone(),
        span: e.span,
        tainted: e.tainted,
    }
}

/// The type a folded literal gets: `json` values take the type of what they hold.
fn concrete(ty: &Type, v: &Value) -> Type {
    match ty {
        Type::Json | Type::Optional(_) => match v {
            Value::Str(_) => Type::String,
            Value::Int(_) => Type::Int,
            Value::Float(_) => Type::Float,
            Value::Bool(_) => Type::Bool,
            Value::Duration(_) => Type::Duration,
            _ => Type::Json,
        },
        t => t.clone(),
    }
}

/// Calls `f` on every step-output reference in `e` (the run-time reads).
pub fn step_reads(e: &Expr, f: &mut impl FnMut(StepId)) {
    e.walk(&mut |x| {
        if let ExprKind::StepOutput { step, .. } | ExprKind::StepStatus(step) = &x.kind {
            f(*step)
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_integers_are_exact_or_an_error() {
        assert_eq!(inexact_integer(r#"{"a": [1, -2, 3.5, 1e30]}"#), None);
        // 2^63 and 10^20 are exactly floats; these are not.
        assert_eq!(
            inexact_integer("[9223372036854775808, 100000000000000000000]"),
            None
        );
        assert_eq!(
            inexact_integer(r#"{"id": 12345678901234567890}"#),
            Some("12345678901234567890")
        );
        assert_eq!(
            inexact_integer("-9223372036854775809"),
            Some("-9223372036854775809")
        );
        assert_eq!(inexact_integer(r#"["12345678901234567890", "\"1"]"#), None);
    }

    #[test]
    fn floats_never_become_infinite_or_nan() {
        use Value::{Float, Int};
        let div = |a, b| float_op(BinaryOp::Div, &a, &b);
        assert_eq!(
            div(Float(1.0), Float(0.0)),
            Error("division by zero".into())
        );
        assert_eq!(div(Int(1), Float(-0.0)), Error("division by zero".into()));
        assert_eq!(
            float_op(BinaryOp::Rem, &Float(1.0), &Float(0.0)),
            Error("division by zero".into())
        );
        assert!(matches!(
            float_op(BinaryOp::Mul, &Float(1e308), &Int(10)),
            Error(_)
        ));
        assert_eq!(div(Float(1.0), Int(4)), Known(Float(0.25)));
        assert_eq!(
            unary(UnaryOp::Neg, Int(i64::MIN)),
            Error("integer overflow".into())
        );
    }
}

//! Values of comprehensions and of the collection functions (`flatten`
//! through `count`), for [`crate::eval`]: at plan time when everything they
//! read is known, at run time otherwise.

use crate::eval::Eval::{self, Error, Known, Unknown};
use crate::eval::{self, Scope};
use crate::functions::MAX_ELEMENTS;
use crate::value::Value;
use std::cmp::Ordering;
use wfc_language::ir::{BlockId, CompVar, Comprehension, Func};

/// Comprehension variables are bound among the scope's loop variables
/// under ids from here on, which no block and none of the run's synthetic
/// variables (from `usize::MAX / 2`) has.
const COMP_VARS: BlockId = usize::MAX / 8;

/// `min` or `max` of an empty list (a run-time error; at plan time, E0407).
pub const EMPTY_MIN_MAX: &str = "E0820";

fn slot(v: &CompVar) -> BlockId {
    COMP_VARS + v.id as usize
}

/// A comprehension variable's value (unknown outside its comprehension).
pub fn var(v: &CompVar, s: &Scope) -> Eval {
    let id = slot(v);
    match s.loops.iter().rev().find(|(b, _)| *b == id) {
        Some((_, v)) => Known(v.clone()),
        None => Unknown,
    }
}

/// `[elem for x in source if filter]`.
pub fn comprehension(c: &Comprehension, s: &Scope) -> Eval {
    let items = match eval::eval(&c.source, s) {
        Known(Value::List(xs)) => xs,
        // An output of a step that did not run.
        Known(Value::Null) => return Known(Value::Null),
        Known(_) => return Unknown,
        other => return other,
    };
    let mut loops = s.loops.to_vec();
    loops.push((slot(&c.var), Value::Null));
    let mut out = Vec::new();
    for item in items {
        *loops.last_mut().expect("pushed above") = (slot(&c.var), item);
        let inner = Scope {
            params: s.params,
            loops: &loops,
            pruned: s.pruned,
        };
        if let Some(f) = &c.filter {
            match eval::eval(f, &inner) {
                Known(Value::Bool(true)) => {}
                Known(Value::Bool(false)) => continue,
                Known(_) => return Unknown,
                other => return other,
            }
        }
        match eval::eval(&c.elem, &inner) {
            Known(v) => out.push(v),
            other => return other,
        }
    }
    Known(Value::List(out))
}

/// `f` applied to evaluated arguments; `None` for the other functions.
pub fn call(f: Func, vs: &[Value]) -> Option<Eval> {
    let list = match vs.first() {
        Some(Value::List(xs)) => xs.as_slice(),
        _ if is_collection(f) => return Some(Unknown),
        _ => return None,
    };
    Some(match f {
        Func::Flatten => {
            let mut out = Vec::new();
            for x in list {
                match x {
                    Value::List(inner) => out.extend(inner.iter().cloned()),
                    _ => return Some(Unknown),
                }
                if out.len() > MAX_ELEMENTS {
                    return Some(Error(format!(
                        "flatten(): more than {MAX_ELEMENTS} elements"
                    )));
                }
            }
            Known(Value::List(out))
        }
        Func::Any | Func::All => {
            let want = f == Func::Any;
            let mut found = !want;
            for x in list {
                match x {
                    Value::Bool(b) if *b == want => found = want,
                    Value::Bool(_) => {}
                    _ => return Some(Unknown),
                }
            }
            Known(Value::Bool(found))
        }
        Func::Sum => sum(list),
        Func::Min | Func::Max => {
            let name = if f == Func::Min { "min" } else { "max" };
            let Some(first) = list.first() else {
                return Some(Error(format!("{EMPTY_MIN_MAX}: {name}() of an empty list")));
            };
            let want = if f == Func::Min {
                Ordering::Less
            } else {
                Ordering::Greater
            };
            let mut best = first;
            for x in &list[1..] {
                match eval::compare(x, best) {
                    Some(o) if o == want => best = x,
                    Some(_) => {}
                    None => return Some(Unknown),
                }
            }
            Known(best.clone())
        }
        Func::Sort => {
            if list
                .windows(2)
                .any(|w| eval::compare(&w[0], &w[1]).is_none())
            {
                return Some(Unknown);
            }
            let mut out = list.to_vec();
            out.sort_by(|a, b| eval::compare(a, b).unwrap_or(Ordering::Equal));
            Known(Value::List(out))
        }
        Func::Unique => {
            let mut out: Vec<Value> = Vec::new();
            for x in list {
                if !out.iter().any(|y| eval::equal(x, y)) {
                    out.push(x.clone());
                }
            }
            Known(Value::List(out))
        }
        Func::Count => match vs.get(1) {
            Some(x) => Known(Value::Int(
                list.iter().filter(|y| eval::equal(x, y)).count() as i64,
            )),
            None => Unknown,
        },
        _ => return None,
    })
}

fn is_collection(f: Func) -> bool {
    use Func::*;
    matches!(
        f,
        Flatten | Any | All | Sum | Min | Max | Sort | Unique | Count
    )
}

/// The sum: an int while every element is one, else a float.
fn sum(list: &[Value]) -> Eval {
    let mut int: Option<i64> = Some(0);
    let mut float = 0.0;
    for x in list {
        match x {
            Value::Int(n) => {
                int = match int {
                    Some(acc) => match acc.checked_add(*n) {
                        Some(v) => Some(v),
                        None => return Error("sum(): integer overflow".into()),
                    },
                    None => None,
                };
                float += *n as f64;
            }
            Value::Float(v) => {
                int = None;
                float += v;
            }
            _ => return Unknown,
        }
    }
    match int {
        Some(n) => Known(Value::Int(n)),
        None if float.is_finite() => Known(Value::Float(float)),
        None => Error("sum(): the result is too large for a float".into()),
    }
}

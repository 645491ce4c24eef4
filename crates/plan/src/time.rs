//! Values of `time` expressions: `now()` is never known here (the run binds
//! it), `format_time` and `parse_time` use [`wfc_language::time_value`],
//! and the arithmetic of times and durations is exact or an error.

use crate::eval::Eval::{self, Error, Known, Unknown};
use crate::value::Value;
use wfc_language::ir::{BinaryOp, Func};
use wfc_language::time_value;

/// `f` applied to evaluated arguments; `None` for the other functions.
pub fn call(f: Func, vs: &[Value]) -> Option<Eval> {
    let text = |i: usize| match vs.get(i) {
        Some(Value::Str(x)) => Some(x.as_str()),
        _ => None,
    };
    let done = |r: Result<Value, time_value::TimeError>| match r {
        Ok(v) => Known(v),
        Err(e) => Error(e.to_string()),
    };
    Some(match f {
        // Crossed bounds are an error wherever they are known; a run draws
        // the value itself (`wfc_run::values`).
        Func::RandomInt => match vs {
            [Value::Int(a), Value::Int(b)] if a > b => Error(format!(
                "`random_int({a}, {b})`: the first bound is above the second"
            )),
            _ => Unknown,
        },
        Func::Now | Func::Uuid => Unknown,
        Func::Seconds => match vs.first() {
            Some(Value::Duration(ms)) => Known(Value::Float(*ms as f64 / 1000.0)),
            _ => Unknown,
        },
        Func::Duration => {
            let secs = match vs.first() {
                Some(Value::Int(n)) => *n as f64,
                Some(Value::Float(x)) => *x,
                _ => return Some(Unknown),
            };
            let ms = (secs * 1000.0).round();
            if !ms.is_finite() || !(0.0..=9.0e15).contains(&ms) {
                Error(format!(
                    "duration(): {secs} seconds is not a duration (0 or more, finite)"
                ))
            } else {
                Known(Value::Duration(ms as u64))
            }
        }
        Func::FormatTime => match (vs.first(), text(1)) {
            (Some(Value::Time(ms)), Some(format)) => {
                let zone = match vs.get(2) {
                    None => None,
                    Some(Value::Str(z)) => Some(z.as_str()),
                    Some(_) => return Some(Unknown),
                };
                done(time_value::format(*ms, format, zone).map(Value::Str))
            }
            _ => Unknown,
        },
        Func::ParseTime => match (text(0), vs.get(1)) {
            (Some(s), None) => done(time_value::parse(s, None).map(Value::Time)),
            (Some(s), Some(Value::Str(format))) => {
                done(time_value::parse(s, Some(format)).map(Value::Time))
            }
            _ => Unknown,
        },
        _ => return None,
    })
}

/// `time ± duration` and `time - time`; `None` for other operands.
pub fn binary(op: BinaryOp, a: &Value, b: &Value) -> Option<Eval> {
    let shift = |t: i64, d: u64, sign: i64| -> Eval {
        let moved = i64::try_from(d)
            .ok()
            .and_then(|d| t.checked_add(sign * d))
            .map(time_value::in_range);
        match moved {
            Some(Ok(ms)) => Known(Value::Time(ms)),
            _ => Error(time_value::TimeError::Range.to_string()),
        }
    };
    Some(match (op, a, b) {
        (BinaryOp::Add, Value::Time(t), Value::Duration(d))
        | (BinaryOp::Add, Value::Duration(d), Value::Time(t)) => shift(*t, *d, 1),
        (BinaryOp::Sub, Value::Time(t), Value::Duration(d)) => shift(*t, *d, -1),
        (BinaryOp::Sub, Value::Time(x), Value::Time(y)) => match u64::try_from(x - y) {
            Ok(d) => Known(Value::Duration(d)),
            // (Durations are never negative: subtract the earlier time.)
            Err(_) => Error(format!(
                "negative duration: {} - {} (the second time is later)",
                time_value::rfc3339(*x),
                time_value::rfc3339(*y)
            )),
        },
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_and_durations_convert_both_ways() {
        let secs = |ms| call(Func::Seconds, &[Value::Duration(ms)]);
        assert_eq!(secs(90_000), Some(Known(Value::Float(90.0))));
        assert_eq!(secs(250), Some(Known(Value::Float(0.25))));
        let dur = |v| call(Func::Duration, &[v]);
        assert_eq!(dur(Value::Int(90)), Some(Known(Value::Duration(90_000))));
        assert_eq!(dur(Value::Float(1.5)), Some(Known(Value::Duration(1_500))));
        assert_eq!(dur(Value::Float(0.0004)), Some(Known(Value::Duration(0))));
        assert!(matches!(dur(Value::Int(-1)), Some(Error(_))));
        assert!(matches!(dur(Value::Float(f64::NAN)), Some(Error(_))));
        assert_eq!(dur(Value::Null), Some(Unknown));
    }
}

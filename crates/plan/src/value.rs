//! Values known at plan time: bound params, loop items and folded expressions.
//!
//! A [`Value`] is what an IR expression evaluates to. `Null` stands for a JSON
//! `null` and for the output of a step that was pruned (so `default(x, y)`
//! folds to `y`). Values convert to and from JSON, render as text the way
//! `${…}` interpolation does, and turn back into literal IR expressions.

use wfc_language::ir::{Expr, ExprKind, Func, Type};
use wfc_language::span::Span;
use wfc_language::time_value;

#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Str(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    /// Milliseconds.
    Duration(u64),
    /// An instant: milliseconds since the Unix epoch (UTC).
    Time(i64),
    List(Vec<Value>),
    /// Entries in order (source order, or JSON object order).
    Map(Vec<(String, Value)>),
}

impl Value {
    /// A JSON value as a plan value (integers stay integers).
    pub fn from_json(j: &serde_json::Value) -> Value {
        use serde_json::Value as J;
        match j {
            J::Null => Value::Null,
            J::Bool(b) => Value::Bool(*b),
            J::Number(n) => match n.as_i64() {
                Some(i) => Value::Int(i),
                None => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
            },
            J::String(s) => Value::Str(s.clone()),
            J::Array(xs) => Value::List(xs.iter().map(Value::from_json).collect()),
            J::Object(m) => Value::Map(
                m.iter()
                    .map(|(k, v)| (k.clone(), Value::from_json(v)))
                    .collect(),
            ),
        }
    }

    /// The value as JSON (durations as their text, `"1m30s"`).
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match self {
            Value::Null => J::Null,
            Value::Str(s) => J::String(s.clone()),
            Value::Int(i) => J::from(*i),
            Value::Float(f) => serde_json::Number::from_f64(*f).map_or(J::Null, J::Number),
            Value::Bool(b) => J::Bool(*b),
            Value::Duration(ms) => J::String(format_duration(*ms)),
            Value::Time(ms) => J::String(time_value::rfc3339(*ms)),
            Value::List(xs) => J::Array(xs.iter().map(Value::to_json).collect()),
            Value::Map(m) => J::Object(m.iter().map(|(k, v)| (k.clone(), v.to_json())).collect()),
        }
    }

    /// The text `${…}` interpolation inserts: strings as they are, scalars as
    /// literals, lists and maps as JSON.
    pub fn to_text(&self) -> String {
        match self {
            Value::Null => String::new(),
            Value::Str(s) => s.clone(),
            Value::Int(i) => i.to_string(),
            Value::Float(f) => format_float(*f),
            Value::Bool(b) => b.to_string(),
            Value::Duration(ms) => format_duration(*ms),
            Value::Time(ms) => time_value::rfc3339(*ms),
            Value::List(_) | Value::Map(_) => self.to_json().to_string(),
        }
    }

    /// The value written as a `.wf` literal: `"eu-west"`, `3`, `30s`, `["a", "b"]`.
    pub fn literal(&self) -> String {
        match self {
            Value::Null => "null".into(),
            Value::Str(s) => format!("{s:?}"),
            Value::List(xs) => {
                let items: Vec<String> = xs.iter().map(Value::literal).collect();
                format!("[{}]", items.join(", "))
            }
            Value::Map(m) => {
                if m.is_empty() {
                    return "{}".into();
                }
                let items: Vec<String> = m
                    .iter()
                    .map(|(k, v)| format!("{k}: {}", v.literal()))
                    .collect();
                format!("{{ {} }}", items.join(", "))
            }
            Value::Time(ms) => format!("parse_time({:?})", time_value::rfc3339(*ms)),
            _ => self.to_text(),
        }
    }

    /// The name of the value's type, for messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Str(_) => "string",
            Value::Int(_) => "int",
            Value::Float(_) => "float",
            Value::Bool(_) => "bool",
            Value::Duration(_) => "duration",
            Value::Time(_) => "time",
            Value::List(_) => "list",
            Value::Map(_) => "map",
        }
    }

    /// A literal IR expression holding this value (`None` for `Null`, which
    /// has no literal form).
    pub fn to_expr(&self, ty: &Type, span: Span) -> Option<Expr> {
        let elem = |t: &Type| match t {
            Type::List(e) | Type::Map(e) => (**e).clone(),
            Type::Optional(inner) => match &**inner {
                Type::List(e) | Type::Map(e) => (**e).clone(),
                _ => Type::Json,
            },
            _ => Type::Json,
        };
        let kind = match self {
            Value::Null => return None,
            Value::Str(s) => ExprKind::Str(s.clone()),
            Value::Int(i) => ExprKind::Int(*i),
            Value::Float(f) => ExprKind::Float(*f),
            Value::Bool(b) => ExprKind::Bool(*b),
            Value::Duration(ms) => ExprKind::Duration(*ms),
            // A time has no literal: `parse_time("…")` gives it back.
            Value::Time(ms) => {
                let text = Expr {
                    kind: ExprKind::Str(time_value::rfc3339(*ms)),
                    ty: Type::String,
                    span,
                    tainted: false,
                };
                ExprKind::Call(Func::ParseTime, vec![text])
            }
            Value::List(xs) => {
                let et = elem(ty);
                ExprKind::List(
                    xs.iter()
                        .map(|x| x.to_expr(&et, span))
                        .collect::<Option<Vec<_>>>()?,
                )
            }
            Value::Map(m) => {
                let et = elem(ty);
                ExprKind::Map(
                    m.iter()
                        .map(|(k, v)| Some((k.clone(), v.to_expr(&et, span)?)))
                        .collect::<Option<Vec<_>>>()?,
                )
            }
        };
        Some(Expr {
            kind,
            ty: ty.clone(),
            span,
            tainted: false,
        })
    }

    /// The literal value of an already-folded expression, if it is one.
    pub fn of_literal(e: &Expr) -> Option<Value> {
        Some(match &e.kind {
            ExprKind::Str(s) => Value::Str(s.clone()),
            ExprKind::Int(i) => Value::Int(*i),
            ExprKind::Float(f) => Value::Float(*f),
            ExprKind::Bool(b) => Value::Bool(*b),
            ExprKind::Duration(ms) => Value::Duration(*ms),
            ExprKind::Call(Func::ParseTime, args) if args.len() == 1 => {
                Value::Time(time_value::parse(args[0].as_str()?, None).ok()?)
            }
            ExprKind::List(xs) => {
                Value::List(xs.iter().map(Value::of_literal).collect::<Option<_>>()?)
            }
            ExprKind::Map(m) => Value::Map(
                m.iter()
                    .map(|(k, v)| Some((k.clone(), Value::of_literal(v)?)))
                    .collect::<Option<_>>()?,
            ),
            _ => return None,
        })
    }
}

/// A float as the source would write it (`80.0`, `0.5`).
pub fn format_float(f: f64) -> String {
    if f.is_finite() && f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{f:.1}")
    } else {
        f.to_string()
    }
}

/// A duration in the source's compact form: `500ms`, `40s`, `4m`, `1h30m`, `1d2h`.
pub fn format_duration(ms: u64) -> String {
    wfc_language::syntax::duration::format(ms)
}

/// Parses a duration in the source's form (`500ms`, `30s`, `1h30m`, `1d`).
pub fn parse_duration(s: &str) -> Option<u64> {
    wfc_language::syntax::duration::parse(s.trim()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_round_trip() {
        for (text, ms) in [
            ("500ms", 500),
            ("40s", 40_000),
            ("1h30m", 5_400_000),
            ("1d", 86_400_000),
        ] {
            assert_eq!(parse_duration(text), Some(ms));
            assert_eq!(format_duration(ms), text);
        }
        assert_eq!(parse_duration("30"), None);
        assert_eq!(parse_duration("3x"), None);
    }

    #[test]
    fn literals_read_like_the_source() {
        let v = Value::List(vec![Value::Str("eu".into()), Value::Str("us".into())]);
        assert_eq!(v.literal(), r#"["eu", "us"]"#);
        assert_eq!(Value::Float(80.0).literal(), "80.0");
        assert_eq!(Value::Duration(30_000).literal(), "30s");
    }
}

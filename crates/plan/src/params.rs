//! Parameter binding, shared by `wfc plan` and `wfc run`.
//!
//! Values come from, in order of precedence: `--param NAME=VALUE`, a
//! `--params-file` (a JSON object, each value of its param's JSON type;
//! a request body's strings are read as `--param` text),
//! then the declared default (evaluated with
//! the params declared before it in scope, so `env("X")` reads the
//! environment — the usual source of secrets). Each value is parsed by the
//! declared type and checked against the `in` set or range. An optional
//! param (`T?`) without a default that is not given is bound to `null`
//! (absent; reads of it need `default(…)`, as the checker says). Every
//! problem is reported (not just the first), and nothing is planned if
//! there is one.

use super::errors;
use super::eval::{self, Eval, Scope};
use super::value::{parse_duration, Value};
use wfc_language::diag::{self, Diagnostic};
use wfc_language::ir::{Constraint, ExprKind, Func, Param, ParamId, Type, Workflow};

/// Where a bound value came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ParamSource {
    /// `--param`.
    Cli,
    /// `--params-file`.
    File,
    /// The declared default.
    Default,
    /// A default of the form `env("VAR")`; `set` tells whether `VAR` is set.
    Env { var: String, set: bool },
    /// An optional param (`T?`) without a default, not given: `null`.
    Unset,
}

impl ParamSource {
    pub fn describe(&self) -> String {
        match self {
            ParamSource::Cli => "--param".into(),
            ParamSource::File => "params file".into(),
            ParamSource::Default => "default".into(),
            ParamSource::Env { var, set: true } => format!("${var}"),
            ParamSource::Env { var, set: false } => format!("${var}, not set"),
            ParamSource::Unset => "optional, not given".into(),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct BoundParam {
    pub id: ParamId,
    pub name: String,
    pub ty: Type,
    pub value: Value,
    /// Declared with `secret`, or its default computed from one: never
    /// shown; renderings print `***`, the run masks it.
    pub secret: bool,
    pub source: ParamSource,
}

/// The raw inputs of binding.
#[derive(Clone, Debug, Default)]
pub struct ParamInput {
    /// `--param` values as `(name, text)`, in command-line order (a later one wins).
    pub cli: Vec<(String, String)>,
    /// The params file's name and contents.
    pub file: Option<(String, String)>,
    /// Each value of `file` must be of its param's JSON type (`--params-file`:
    /// `"2"` is no `int`); else a string is read as `--param` text would be
    /// (a request body, a form).
    pub typed_file: bool,
    /// Params already read as JSON values, bound as a params file's object
    /// is (a trigger's `params { … }`, a resumed run's recorded params),
    /// with the name messages give their origin; after the file, before
    /// `--param`.
    pub values: Option<(String, serde_json::Map<String, serde_json::Value>)>,
}

impl ParamInput {
    /// Adds a `--param NAME=VALUE` argument.
    pub fn push_assignment(&mut self, arg: &str) -> Result<(), Diagnostic> {
        match arg.split_once('=') {
            Some((name, value)) if !name.trim().is_empty() => {
                self.cli.push((name.trim().to_string(), value.to_string()));
                Ok(())
            }
            _ => Err(errors::bad_assignment(arg)),
        }
    }
}

/// Binds every param of `wf`, or reports every problem.
pub fn bind(wf: &Workflow, input: &ParamInput) -> Result<Vec<BoundParam>, Vec<Diagnostic>> {
    bind_leaving(wf, input, &[])
}

/// [`bind`], leaving the params of `unset` that have no value unbound
/// instead of E0402: an export's params that its triggers set per event.
pub fn bind_leaving(
    wf: &Workflow,
    input: &ParamInput,
    unset: &[ParamId],
) -> Result<Vec<BoundParam>, Vec<Diagnostic>> {
    let mut diags = Vec::new();
    let names: Vec<String> = wf.params.iter().map(|p| p.name.clone()).collect();
    let unknown = |name: &str, origin: &str| {
        let sugg = diag::did_you_mean(name, names.iter().map(String::as_str));
        errors::unknown_param(name, origin, sugg, &names)
    };

    // Given values, by param: (text or JSON, origin).
    let mut given: Vec<Option<(Given, ParamSource)>> = vec![None; wf.params.len()];
    if let Some((fname, text)) = &input.file {
        match super::strict_json::parse(text) {
            Ok(serde_json::Value::Object(m)) => {
                for (k, v) in m {
                    match wf.param_named(&k) {
                        Some(id) => {
                            let g = if input.typed_file {
                                Given::File(v)
                            } else {
                                Given::Json(v)
                            };
                            given[id] = Some((g, ParamSource::File));
                        }
                        None => diags.push(unknown(&k, &format!("in {fname}"))),
                    }
                }
            }
            Ok(_) => diags.push(errors::bad_params_file(fname, "it is not a JSON object")),
            Err(super::strict_json::Refused::Duplicate(key)) => {
                diags.push(errors::duplicate_params_key(fname, &key));
            }
            Err(super::strict_json::Refused::Invalid(e)) => diags.push(errors::bad_params_file(
                fname,
                &format!("invalid JSON: {e}"),
            )),
        }
    }
    if let Some((origin, values)) = &input.values {
        for (k, v) in values {
            match wf.param_named(k) {
                Some(id) => given[id] = Some((Given::Json(v.clone()), ParamSource::File)),
                None => diags.push(unknown(k, &format!("in {origin}"))),
            }
        }
    }
    for (name, text) in &input.cli {
        match wf.param_named(name) {
            Some(id) => given[id] = Some((Given::Text(text.clone()), ParamSource::Cli)),
            None => diags.push(unknown(name, "with --param")),
        }
    }

    let mut values: Vec<Option<Value>> = vec![None; wf.params.len()];
    let mut bound = Vec::with_capacity(wf.params.len());
    for (id, p) in wf.params.iter().enumerate() {
        let (value, source) = match given[id].take() {
            Some((g, source)) => {
                let origin = match source {
                    ParamSource::Cli => "with --param".to_string(),
                    _ => "in the params file".to_string(),
                };
                match g.parse(&p.ty) {
                    Ok(v) => match check_constraint(p, &v, &values) {
                        Ok(()) => (v, source),
                        Err(allowed) => {
                            diags.push(errors::not_allowed(p, &origin, &shown(p, &v), &allowed));
                            continue;
                        }
                    },
                    Err(why) => {
                        diags.push(errors::bad_value(p, &origin, &g.text(p.is_tainted()), &why));
                        continue;
                    }
                }
            }
            None => match &p.default {
                Some(d) => {
                    let none = |_| false;
                    let scope = Scope {
                        params: &values,
                        loops: &[],
                        pruned: &none,
                    };
                    let default = || {
                        let source = match &d.kind {
                            ExprKind::Call(Func::Env | Func::RequireEnv, args) => {
                                match args.first().and_then(|a| a.as_str()) {
                                    Some(var) => ParamSource::Env {
                                        var: var.to_string(),
                                        set: std::env::var_os(var).is_some(),
                                    },
                                    None => ParamSource::Default,
                                }
                            }
                            _ => ParamSource::Default,
                        };
                        (source, eval::eval(d, &scope))
                    };
                    let (source, evaluated) = default();
                    match evaluated {
                        Eval::Known(v) => (coerce(&p.ty, v), source),
                        Eval::Error(why) => {
                            diags.push(errors::eval_failed(d.span, "the default", &why));
                            continue;
                        }
                        Eval::Unknown => continue,
                    }
                }
                None if matches!(p.ty, Type::Optional(_)) => (Value::Null, ParamSource::Unset),
                None if unset.contains(&id) => continue,
                None => {
                    diags.push(errors::missing_param(p));
                    continue;
                }
            },
        };
        values[id] = Some(value.clone());
        bound.push(BoundParam {
            id,
            name: p.name.clone(),
            ty: p.ty.clone(),
            value,
            secret: p.is_tainted(),
            source,
        });
    }
    if diags.is_empty() {
        Ok(bound)
    } else {
        Err(diags)
    }
}

/// The value as a message may show it (never a secret).
fn shown(p: &Param, v: &Value) -> String {
    if p.is_tainted() {
        "***".into()
    } else {
        v.literal()
    }
}

#[derive(Clone, Debug)]
enum Given {
    Text(String),
    /// A value already read as JSON (a trigger's `params`, a resumed run's
    /// record, MCP): a string for a typed param is read as `--param` text.
    Json(serde_json::Value),
    /// A `--params-file` value ([`ParamInput::typed_file`]): a JSON file
    /// says its types, so `"2"` is a string, not an int.
    File(serde_json::Value),
}

impl Given {
    fn text(&self, secret: bool) -> String {
        if secret {
            return "***".into();
        }
        match self {
            Given::Text(t) => t.clone(),
            Given::Json(j) | Given::File(j) => j.to_string(),
        }
    }

    fn parse(&self, ty: &Type) -> Result<Value, String> {
        match self {
            Given::Text(t) => parse_text(t, ty),
            // A JSON string for a non-string type is read like a command-line value.
            Given::Json(serde_json::Value::String(s))
                if !matches!(
                    wfc_language::check::types::non_optional(ty),
                    Type::String | Type::Json
                ) =>
            {
                parse_text(s, ty)
            }
            Given::Json(j) => from_json(j, ty),
            Given::File(j) => from_json(j, ty).map_err(|why| match j {
                serde_json::Value::String(s) if parse_text(s, ty).is_ok() => {
                    format!("{why}: a params file is JSON, write {s} without quotes")
                }
                _ => why,
            }),
        }
    }
}

/// Parses a command-line value by the declared type.
pub fn parse_text(text: &str, ty: &Type) -> Result<Value, String> {
    let t = text.trim();
    match ty {
        Type::String => Ok(Value::Str(text.to_string())),
        Type::Int => t
            .parse()
            .map(Value::Int)
            .map_err(|_| "not a whole number".into()),
        Type::Float => t
            .parse::<f64>()
            .ok()
            .filter(|f| f.is_finite())
            .map(Value::Float)
            .ok_or_else(|| "not a number".into()),
        Type::Bool => match t {
            "true" => Ok(Value::Bool(true)),
            "false" => Ok(Value::Bool(false)),
            _ => Err("not `true` or `false`".into()),
        },
        Type::Duration => parse_duration(t)
            .map(Value::Duration)
            .ok_or_else(|| "not a duration (a number and a unit: ms, s, m, h, d)".into()),
        Type::Time => wfc_language::time_value::parse(t, None)
            .map(Value::Time)
            .map_err(|_| "not a time in RFC 3339 (e.g. 2026-05-01T09:30:00Z)".into()),
        Type::List(elem) => {
            if t.starts_with('[') {
                let j: serde_json::Value =
                    serde_json::from_str(t).map_err(|e| format!("invalid JSON list: {e}"))?;
                from_json(&j, ty)
            } else if t.is_empty() {
                Ok(Value::List(Vec::new()))
            } else {
                t.split(',')
                    .enumerate()
                    .map(|(i, part)| {
                        let part = if **elem == Type::String {
                            part.trim()
                        } else {
                            part
                        };
                        parse_text(part, elem).map_err(|e| format!("element {}: {e}", i + 1))
                    })
                    .collect::<Result<Vec<_>, _>>()
                    .map(Value::List)
            }
        }
        // `-p maybe=x` of a `string?` is the string `x`.
        Type::Optional(inner) => parse_text(text, inner),
        Type::Map(_) | Type::Json | Type::Invalid => {
            let j: serde_json::Value =
                serde_json::from_str(t).map_err(|e| format!("invalid JSON: {e}"))?;
            from_json(&j, ty)
        }
    }
}

/// Converts a JSON value by the declared type.
pub fn from_json(j: &serde_json::Value, ty: &Type) -> Result<Value, String> {
    use serde_json::Value as J;
    let wrong = || format!("expected {ty}, found JSON {}", json_kind(j));
    match (ty, j) {
        (Type::String, J::String(s)) => Ok(Value::Str(s.clone())),
        (Type::Int, J::Number(n)) => n.as_i64().map(Value::Int).ok_or_else(|| {
            let f = n.as_f64().unwrap_or(f64::NAN);
            if f.fract() != 0.0 || !f.is_finite() {
                "not a whole number".into()
            } else if f.abs() < 9.2e18 && !n.is_u64() {
                format!(
                    "{n} is written as a JSON float: write {} for an int",
                    f as i64
                )
            } else {
                format!("{n} is out of range for an int (64-bit)")
            }
        }),
        (Type::Float, J::Number(n)) => n.as_f64().map(Value::Float).ok_or_else(wrong),
        (Type::Bool, J::Bool(b)) => Ok(Value::Bool(*b)),
        (Type::Duration | Type::Time, J::String(s)) => parse_text(s, ty),
        (Type::List(elem), J::Array(xs)) => xs
            .iter()
            .enumerate()
            .map(|(i, x)| from_json(x, elem).map_err(|e| format!("element {}: {e}", i + 1)))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::List),
        (Type::Map(elem), J::Object(m)) => m
            .iter()
            .map(|(k, v)| {
                Ok((
                    k.clone(),
                    from_json(v, elem).map_err(|e| format!("key {k:?}: {e}"))?,
                ))
            })
            .collect::<Result<Vec<_>, String>>()
            .map(Value::Map),
        (Type::Json | Type::Invalid, j) => Ok(Value::from_json(j)),
        (Type::Optional(_), J::Null) => Ok(Value::Null),
        (Type::Optional(t), j) => from_json(j, t),
        _ => Err(wrong()),
    }
}

fn json_kind(j: &serde_json::Value) -> &'static str {
    use serde_json::Value as J;
    match j {
        J::Null => "null",
        J::Bool(_) => "bool",
        J::Number(_) => "number",
        J::String(_) => "string",
        J::Array(_) => "array",
        J::Object(_) => "object",
    }
}

/// An int default of a float param is a float.
fn coerce(ty: &Type, v: Value) -> Value {
    match (ty, v) {
        (Type::Float, Value::Int(i)) => Value::Float(i as f64),
        (Type::List(t), Value::List(xs)) => {
            Value::List(xs.into_iter().map(|x| coerce(t, x)).collect())
        }
        (_, v) => v,
    }
}

/// `Err(allowed)` when `v` breaks the param's `in` constraint.
pub(crate) fn check_constraint(
    p: &Param,
    v: &Value,
    values: &[Option<Value>],
) -> Result<(), String> {
    let none = |_| false;
    let scope = Scope {
        params: values,
        loops: &[],
        pruned: &none,
    };
    let value_of = |e| match eval::eval(e, &scope) {
        Eval::Known(v) => Some(v),
        _ => None,
    };
    match &p.constraint {
        None => Ok(()),
        Some(Constraint::OneOf(xs)) => {
            let opts: Vec<Value> = xs.iter().filter_map(value_of).collect();
            if opts.iter().any(|o| eval::equal(o, v)) {
                Ok(())
            } else {
                let shown: Vec<String> = opts.iter().map(Value::literal).collect();
                Err(format!("one of {}", shown.join(", ")))
            }
        }
        Some(Constraint::Range(lo, hi)) => {
            let (Some(lo), Some(hi)) = (value_of(lo), value_of(hi)) else {
                return Ok(());
            };
            let num = |x: &Value| match x {
                Value::Int(i) => Some(*i as f64),
                Value::Float(f) => Some(*f),
                Value::Duration(d) => Some(*d as f64),
                _ => None,
            };
            match (num(&lo), num(&hi), num(v)) {
                (Some(a), Some(b), Some(x)) if x < a || x > b => {
                    Err(format!("in {}..{} (inclusive)", lo.literal(), hi.literal()))
                }
                _ => Ok(()),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// #69's probe: whole numbers written as JSON floats, and numbers out
    /// of an int's range, were all "not a whole number".
    #[test]
    fn an_int_says_why_a_json_number_is_not_one() {
        let why = |text: &str| {
            let j: serde_json::Value = serde_json::from_str(text).unwrap();
            from_json(&j, &Type::Int).unwrap_err()
        };
        assert_eq!(
            why("2.0"),
            "2.0 is written as a JSON float: write 2 for an int"
        );
        assert_eq!(
            why("1e3"),
            "1000.0 is written as a JSON float: write 1000 for an int"
        );
        assert_eq!(why("2.5"), "not a whole number");
        assert!(why("99999999999999999999").ends_with("is out of range for an int (64-bit)"));
        assert!(why("18446744073709551615").ends_with("is out of range for an int (64-bit)"));
        assert_eq!(
            from_json(&serde_json::json!(-3), &Type::Int),
            Ok(Value::Int(-3))
        );
    }
}

//! Approval inputs between the plan and whoever decides: the declarations
//! as JSON (what the recorded plan keeps, so `wfc approve`, the API, the
//! dashboard and MCP validate against the run's own plan, not today's
//! file), and the binding of given values to them, checked as params are.
//!
//! The spec is a list, in declaration order, of
//! `{"name", "type", "default"?, "min"?, "max"?, "one_of"?}` with every
//! value as JSON (the plan folded them).

use crate::value::Value;
use serde_json::{json, Map, Value as J};
use wfc_language::diag;
use wfc_language::ir::{Constraint, FieldValue, GateInput};

/// The spec of `inputs` (folded), as the plan's JSON carries it.
pub fn spec_json(inputs: &[GateInput]) -> J {
    let literal = |e: &wfc_language::ir::Expr| Value::of_literal(e).map(|v| v.to_json());
    J::Array(
        inputs
            .iter()
            .map(|i| {
                let mut o = Map::new();
                o.insert("name".into(), json!(i.name));
                o.insert("type".into(), json!(i.ty.to_string()));
                if let Some(d) = i.default.as_ref().and_then(literal) {
                    o.insert("default".into(), d);
                }
                match &i.constraint {
                    Some(Constraint::Range(lo, hi)) => {
                        o.extend(literal(lo).map(|v| ("min".to_owned(), v)));
                        o.extend(literal(hi).map(|v| ("max".to_owned(), v)));
                    }
                    Some(Constraint::OneOf(xs)) => {
                        let xs: Vec<J> = xs.iter().filter_map(literal).collect();
                        o.insert("one_of".into(), J::Array(xs));
                    }
                    None => {}
                }
                J::Object(o)
            })
            .collect(),
    )
}

/// The spec of a planned gate's fields (an empty list for a gate without
/// `inputs`).
pub fn spec_of(fields: &[wfc_language::ir::StepField]) -> J {
    fields
        .iter()
        .find_map(|f| match &f.value {
            FieldValue::Inputs(inputs) => Some(spec_json(inputs)),
            _ => None,
        })
        .unwrap_or_else(|| J::Array(Vec::new()))
}

/// A value as given: typed on a command line or in a form (`Text`), or
/// sent as JSON (`Json`, where a string is also read as text).
#[derive(Clone, Debug, PartialEq)]
pub enum Given {
    Text(String),
    Json(J),
}

/// Binds `given` (name, value) to `spec`: every input typed, checked against
/// its constraint, and defaulted; or every problem, one line each.
pub fn bind(spec: &J, given: &[(String, Given)]) -> Result<Map<String, J>, Vec<String>> {
    let decls: &[J] = spec.as_array().map_or(&[], Vec::as_slice);
    let names: Vec<&str> = decls.iter().filter_map(|d| d["name"].as_str()).collect();
    let mut problems = Vec::new();
    for (name, _) in given {
        if !names.contains(&name.as_str()) {
            problems.push(
                match (
                    names.is_empty(),
                    diag::did_you_mean(name, names.iter().copied()),
                ) {
                    (true, _) => format!("the gate takes no inputs, but `{name}` was given"),
                    (false, Some(s)) => format!(
                        "no input `{name}`: did you mean `{s}`? (inputs: {})",
                        names.join(", ")
                    ),
                    (false, None) => format!("no input `{name}` (inputs: {})", names.join(", ")),
                },
            );
        }
    }
    let mut out = Map::new();
    for d in decls {
        let (Some(name), Some(ty)) = (d["name"].as_str(), d["type"].as_str()) else {
            continue;
        };
        // The last value given wins, as with `--param`.
        let value = match given.iter().rev().find(|(n, _)| n == name) {
            Some((_, g)) => match typed(g, ty) {
                Ok(v) => v,
                Err(why) => {
                    problems.push(format!("input `{name}`: {why}"));
                    continue;
                }
            },
            None => match d.get("default") {
                Some(v) => v.clone(),
                None => {
                    problems.push(format!("input `{name}` ({ty}) is required"));
                    continue;
                }
            },
        };
        if let Some(why) = outside(d, &value) {
            problems.push(format!("input `{name}`: {why}"));
            continue;
        }
        out.insert(name.to_owned(), value);
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

/// [`bind`] of values as an approval carries them: JSON, a string read as
/// typed text.
pub fn bind_json(spec: &J, given: &Map<String, J>) -> Result<Map<String, J>, Vec<String>> {
    let given: Vec<(String, Given)> = given
        .iter()
        .map(|(k, v)| (k.clone(), Given::Json(v.clone())))
        .collect();
    bind(spec, &given)
}

/// `given` as a value of type `ty` (`string`, `int`, `float`, `bool`).
fn typed(given: &Given, ty: &str) -> Result<J, String> {
    let text = match given {
        Given::Json(J::String(s)) | Given::Text(s) => Some(s.as_str()),
        _ => None,
    };
    let wrong = |found: &str| Err(format!("expected {ty}, found {found}"));
    match (ty, given, text) {
        ("string", _, Some(s)) => Ok(json!(s)),
        ("int", Given::Json(J::Number(n)), _) if n.is_i64() => Ok(J::Number(n.clone())),
        ("int", _, Some(s)) => s
            .trim()
            .parse::<i64>()
            .map(|i| json!(i))
            .or_else(|_| wrong(&format!("`{s}`"))),
        ("float", Given::Json(J::Number(n)), _) => Ok(J::Number(n.clone())),
        ("float", _, Some(s)) => match s.trim().parse::<f64>() {
            Ok(f) if f.is_finite() => Ok(json!(f)),
            _ => wrong(&format!("`{s}`")),
        },
        ("bool", Given::Json(J::Bool(b)), _) => Ok(json!(b)),
        ("bool", _, Some("true")) => Ok(json!(true)),
        ("bool", _, Some("false")) => Ok(json!(false)),
        (_, _, Some(s)) => wrong(&format!("`{s}`")),
        (_, Given::Json(j), None) => wrong(&j.to_string()),
        (_, Given::Text(_), None) => unreachable!("text is always text"),
    }
}

/// Why `value` is outside the constraint of declaration `d`, if it is.
fn outside(d: &J, value: &J) -> Option<String> {
    let num = |v: &J| v.as_f64();
    if let Some(xs) = d.get("one_of").and_then(J::as_array) {
        if !xs
            .iter()
            .any(|x| x == value || num(x).is_some_and(|a| Some(a) == num(value)))
        {
            let list: Vec<String> = xs.iter().map(J::to_string).collect();
            return Some(format!("{value} is not one of {}", list.join(", ")));
        }
    }
    let (lo, hi) = (d.get("min").and_then(num), d.get("max").and_then(num));
    match num(value) {
        Some(v) if lo.is_some_and(|lo| v < lo) || hi.is_some_and(|hi| v > hi) => {
            Some(format!("{value} is outside {}..{}", d["min"], d["max"]))
        }
        _ => None,
    }
}

/// What an approval given without values binds to (`wfc run --approve`):
/// the defaults, or the names of the inputs that have none.
pub fn defaults(spec: &J) -> Result<Map<String, J>, Vec<String>> {
    bind(spec, &[]).map_err(|_| {
        spec.as_array()
            .map_or(&[][..], Vec::as_slice)
            .iter()
            .filter(|d| d.get("default").is_none())
            .filter_map(|d| d["name"].as_str().map(str::to_owned))
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> J {
        json!([
            {"name": "notes", "type": "string", "default": ""},
            {"name": "rollout", "type": "int", "default": 10, "min": 1, "max": 100},
            {"name": "region", "type": "string", "one_of": ["eu", "us"]},
            {"name": "dry", "type": "bool", "default": false},
        ])
    }

    fn text(pairs: &[(&str, &str)]) -> Vec<(String, Given)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), Given::Text(v.to_string())))
            .collect()
    }

    #[test]
    fn given_values_are_typed_and_the_rest_defaulted() {
        let m = bind(&spec(), &text(&[("rollout", "25"), ("region", "eu")])).unwrap();
        assert_eq!(
            J::Object(m),
            json!({"notes": "", "rollout": 25, "region": "eu", "dry": false})
        );
        let m = bind(
            &spec(),
            &[
                ("dry".into(), Given::Json(json!(true))),
                ("region".into(), Given::Json(json!("us"))),
            ],
        )
        .unwrap();
        assert_eq!(m["dry"], json!(true));
    }

    #[test]
    fn every_problem_is_reported_with_the_input_named() {
        let e = bind(
            &spec(),
            &text(&[("rollout", "250"), ("dry", "yes"), ("regoin", "eu")]),
        )
        .unwrap_err();
        assert_eq!(
            e,
            [
                "no input `regoin`: did you mean `region`? (inputs: notes, rollout, region, dry)",
                "input `rollout`: 250 is outside 1..100",
                "input `region` (string) is required",
                "input `dry`: expected bool, found `yes`",
            ]
        );
        let e = bind(
            &spec(),
            &[
                ("rollout".into(), Given::Json(json!(2.5))),
                ("region".into(), Given::Text("asia".into())),
            ],
        )
        .unwrap_err();
        assert_eq!(
            e,
            [
                "input `rollout`: expected int, found 2.5",
                "input `region`: \"asia\" is not one of \"eu\", \"us\""
            ]
        );
        assert_eq!(
            bind(&json!([]), &text(&[("x", "1")])).unwrap_err(),
            ["the gate takes no inputs, but `x` was given"]
        );
    }

    #[test]
    fn defaults_name_the_inputs_without_one() {
        assert_eq!(defaults(&spec()).unwrap_err(), ["region"]);
        assert!(defaults(&json!([{"name": "n", "type": "string", "default": "x"}])).is_ok());
    }
}

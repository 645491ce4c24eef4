//! A waiting gate's form on the run page: one field per declared `inputs`
//! entry (read from the run's recorded plan, as the decision is checked
//! against it), a comment, and Approve / Reject buttons. (A decided gate's
//! line is `DecisionRow::summary`, as `wfc status` shows it.)

use serde::Serialize;
use serde_json::Value as J;
use std::collections::HashMap;

/// One input's form field.
#[derive(Clone, Debug, Serialize)]
pub struct InputField {
    pub name: String,
    /// The declared type, shown beside the name.
    pub ty: String,
    /// `text`, `number`, `bool` or `choice` (a `one_of` constraint).
    pub kind: &'static str,
    /// The default, as typed (empty without one).
    pub value: String,
    /// A choice's options.
    pub options: Vec<String>,
    /// A number's bounds and step (`1` for an int, `any` for a float).
    pub min: Option<String>,
    pub max: Option<String>,
    pub step: &'static str,
    /// No default: the approver must give it.
    pub required: bool,
}

/// The form fields of each waiting gate of run `id` named in `waiting`.
pub fn fields(
    store: &wfc_store::Store,
    id: &str,
    waiting: &[&str],
) -> HashMap<String, Vec<InputField>> {
    if waiting.is_empty() {
        return HashMap::new();
    }
    let Ok(Some(plan)) = wfc_store::reuse::read_plan(store, id) else {
        return HashMap::new();
    };
    waiting
        .iter()
        .map(|g| {
            let spec = wfc_store::reuse::gate_inputs(&plan, g);
            let list = spec.as_array().map_or(&[][..], Vec::as_slice);
            (g.to_string(), list.iter().filter_map(field).collect())
        })
        .collect()
}

/// A waiting step's text split into what it asks, in words, and how the
/// command line would answer (`approve with \`wfc approve …\``), kept as a
/// small hint beside the form's buttons.
pub fn prompt_parts(waiting: &str) -> (String, Option<String>) {
    let Some(cli) = waiting.find("`wfc ") else {
        return (waiting.to_owned(), None);
    };
    let head = &waiting[..cli];
    match head.rfind([':', ';']) {
        Some(cut) => (
            waiting[..cut].trim().to_owned(),
            Some(waiting[cut + 1..].trim().to_owned()),
        ),
        None => (waiting.to_owned(), None),
    }
}

/// The field of one input's spec ([`wfc_plan::gate_inputs`]).
fn field(d: &J) -> Option<InputField> {
    let text = |v: &J| match v {
        J::String(s) => s.clone(),
        other => other.to_string(),
    };
    let ty = d["type"].as_str()?.to_owned();
    let options: Vec<String> = d
        .get("one_of")
        .and_then(J::as_array)
        .map(|xs| xs.iter().map(text).collect())
        .unwrap_or_default();
    let kind = match ty.as_str() {
        _ if !options.is_empty() => "choice",
        "int" | "float" => "number",
        "bool" => "bool",
        _ => "text",
    };
    Some(InputField {
        name: d["name"].as_str()?.to_owned(),
        kind,
        value: d.get("default").map(text).unwrap_or_default(),
        options,
        min: d.get("min").map(text),
        max: d.get("max").map(text),
        step: if ty == "int" { "1" } else { "any" },
        required: d.get("default").is_none(),
        ty,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_command_line_hint_is_split_from_the_question() {
        let (asks, hint) = prompt_parts(
            "waiting for approval by release manager (up to 1h): approve with `wfc approve r1 go` (or `wfc reject r1 go`)",
        );
        assert_eq!(asks, "waiting for approval by release manager (up to 1h)");
        assert_eq!(
            hint.unwrap(),
            "approve with `wfc approve r1 go` (or `wfc reject r1 go`)"
        );
        let (asks, hint) = prompt_parts(
            "waiting for a person: it failed after 2 attempts (boom); decide with `wfc retry r1 s`",
        );
        assert_eq!(
            asks,
            "waiting for a person: it failed after 2 attempts (boom)"
        );
        assert!(hint.unwrap().starts_with("decide with"));
        assert_eq!(prompt_parts("approve <me>"), ("approve <me>".into(), None));
    }

    #[test]
    fn each_type_gets_its_field_and_defaults_are_filled_in() {
        let f =
            field(&json!({"name": "rollout", "type": "int", "default": 10, "min": 1, "max": 100}))
                .unwrap();
        assert_eq!(
            (
                f.kind,
                f.value.as_str(),
                f.min.as_deref(),
                f.step,
                f.required
            ),
            ("number", "10", Some("1"), "1", false)
        );
        let f =
            field(&json!({"name": "region", "type": "string", "one_of": ["eu", "us"]})).unwrap();
        assert_eq!((f.kind, f.options.len(), f.required), ("choice", 2, true));
        assert_eq!(
            field(&json!({"name": "dry", "type": "bool", "default": false}))
                .unwrap()
                .kind,
            "bool"
        );
    }
}

//! `http` steps: Argo's `http` template (`expect` its `successCondition`,
//! a header whose value is a secret its `secretKeyRef`), or, when the URL,
//! part of a header or the body holds a secret (which the template cannot
//! take), its retry is one Argo cannot wait or it polls (`until`), the
//! curl container of a `webhook` step ([`super::notify`]).

use super::runtime::RunTime;
use super::step::{field, field_of};
use super::{diag, notify, retries, text, Options};
use serde_json::{json, Map, Value as Json};
use wfc_language::diag::Diagnostic;
use wfc_language::ir::{FieldValue, Workflow};
use wfc_plan::PlannedStep;

/// `s`'s template body.
pub fn template(
    wf: &Workflow,
    s: &PlannedStep,
    options: &Options,
    rt: &mut RunTime,
) -> Result<(&'static str, Json), Vec<Diagnostic>> {
    // `until` over the answer: the request in rounds, in the curl container.
    // A value only the run knows (a `json` body over outputs, computed by a
    // task; a URL), or an answer another step reads: sent by curl.
    let run_time = s.fields.iter().any(|f| match &f.value {
        FieldValue::Expr(e) => RunTime::reads(e),
        FieldValue::Map(m) => m.iter().any(|(_, e)| RunTime::reads(e)),
        _ => false,
    });
    let answer_read = !rt.file_outputs.is_empty();
    if secret_in_request(wf, s)
        || retries::in_script(s)
        || s.until.is_some()
        || run_time
        || answer_read
        || rt.race_member
    {
        let codes = expect_codes(s).map_err(|e| vec![e])?;
        return notify::request(wf, s, options, rt, &codes);
    }
    http(wf, s, options)
}

fn http(
    wf: &Workflow,
    s: &PlannedStep,
    options: &Options,
) -> Result<(&'static str, Json), Vec<Diagnostic>> {
    let mut errors = Vec::new();
    let mut h = Map::new();
    for method in ["get", "post", "put", "patch", "delete", "head"] {
        if let Some(e) = field(s, method) {
            h.insert("method".into(), json!(method.to_uppercase()));
            match text::plain(wf, &s.name, e) {
                Ok(url) => {
                    h.insert("url".into(), json!(url));
                }
                Err(e) => errors.push(e),
            }
        }
    }
    if let Some(FieldValue::Map(m)) = field_of(s, "headers").map(|f| &f.value) {
        let mut headers = Vec::new();
        for (k, v) in m {
            if let Some(key) = text::whole_secret(wf, v) {
                headers.push(json!({ "name": k, "valueFrom": { "secretKeyRef": { "name": options.secret_name, "key": key } } }));
                continue;
            }
            match text::plain(wf, &s.name, v) {
                Ok(v) => headers.push(json!({ "name": k, "value": v })),
                Err(e) => errors.push(e),
            }
        }
        h.insert("headers".into(), Json::Array(headers));
    }
    // `wfc run` sends a `json` body as `application/json` unless a header
    // says otherwise; so does this template.
    if field(s, "json").is_some() {
        let headers = h
            .entry("headers")
            .or_insert_with(|| Json::Array(Vec::new()));
        if let Json::Array(list) = headers {
            let set = list.iter().any(|x| {
                x["name"]
                    .as_str()
                    .is_some_and(|n| n.eq_ignore_ascii_case("content-type"))
            });
            if !set {
                list.push(json!({ "name": "Content-Type", "value": "application/json" }));
            }
        }
    }
    for body in ["body", "json"] {
        if let Some(e) = field(s, body) {
            let text = if body == "json" {
                text::plain(wf, &s.name, e).and_then(|_| {
                    let json = wfc_plan::Value::of_literal(e)
                        .map_or_else(String::new, |v| v.to_json().to_string());
                    text::no_braces(&s.name, e.span, json)
                })
            } else {
                text::plain(wf, &s.name, e)
            };
            match text {
                Ok(t) => {
                    h.insert("body".into(), json!(t));
                }
                Err(e) => errors.push(e),
            }
        }
    }
    let codes: Vec<String> = match field(s, "expect").and_then(wfc_plan::Value::of_literal) {
        Some(wfc_plan::Value::Int(c)) => vec![c.to_string()],
        Some(wfc_plan::Value::List(xs)) => xs.iter().map(wfc_plan::Value::to_text).collect(),
        _ => Vec::new(),
    };
    // wfc's default: any 2xx.
    let condition = if codes.is_empty() {
        "response.statusCode >= 200 && response.statusCode < 300".to_owned()
    } else {
        codes
            .iter()
            .map(|c| format!("response.statusCode == {c}"))
            .collect::<Vec<_>>()
            .join(" || ")
    };
    h.insert("successCondition".into(), json!(condition));
    if errors.is_empty() {
        Ok(("http", Json::Object(h)))
    } else {
        Err(errors)
    }
}

/// Whether an `http` step's URL, a header (other than a whole secret
/// value, a `secretKeyRef` of its own) or body holds a secret: Argo's
/// `http` template cannot take it, a curl container can.
fn secret_in_request(wf: &Workflow, s: &PlannedStep) -> bool {
    s.fields.iter().any(|f| match &f.value {
        FieldValue::Expr(e) if f.name != "expect" => e.tainted,
        FieldValue::Map(m) if f.name == "headers" => m
            .iter()
            .any(|(_, v)| v.tainted && text::whole_secret(wf, v).is_none()),
        _ => false,
    })
}

/// An `http` step's `expect`: the status codes accepted (empty: any 2xx).
fn expect_codes(s: &PlannedStep) -> Result<Vec<u16>, Diagnostic> {
    let Some(e) = field(s, "expect") else {
        return Ok(Vec::new());
    };
    let code = |v: &wfc_plan::Value| match v {
        wfc_plan::Value::Int(c) => u16::try_from(*c).ok(),
        _ => None,
    };
    let codes = match wfc_plan::Value::of_literal(e) {
        Some(wfc_plan::Value::List(xs)) => xs.iter().map(code).collect(),
        Some(v) => code(&v).map(|c| vec![c]),
        None => None,
    };
    codes.ok_or_else(|| {
        diag::cannot_express(
            e.span,
            "an `expect` that is not literal status codes",
            "write the codes as numbers or a list of numbers",
        )
    })
}

//! `http` and `webhook` steps as a pinned `curl`, and `sleep` as `sleep`.
//! The script is fixed text (flags, variable names, numbers wfc checked);
//! the method, URL, header names and values and the body reach it only
//! through `env:`. A header value holding a line break fails the step
//! before any request: curl would send it as a second header.

use super::values::Values;
use wfc_language::diag::Diagnostic;
use wfc_language::ir::{FieldValue, Step, StepField};

/// The request's script and its `env:`, or why not.
pub fn request(
    values: &Values,
    step: &Step,
    webhook: bool,
    codes: &[u16],
    env: &mut Vec<(String, String)>,
) -> Result<String, Vec<Diagnostic>> {
    let mut errors = Vec::new();
    let field = |name: &str| step.fields.iter().find(|f| f.name == name);
    let text =
        |var: String, f: &StepField, env: &mut Vec<(String, String)>, errors: &mut Vec<_>| {
            if let FieldValue::Expr(e) = &f.value {
                match values.text(e) {
                    Ok(v) => env.push((var, v)),
                    Err(d) => errors.push(d),
                }
            }
        };
    if webhook {
        env.push(("WF_METHOD".into(), "POST".into()));
        if let Some(f) = field("method") {
            env.pop();
            text("WF_METHOD".into(), f, env, &mut errors);
        }
        if let Some(f) = field("url") {
            text("WF_URL".into(), f, env, &mut errors);
        }
    }
    for method in ["get", "post", "put", "patch", "delete", "head"] {
        if let Some(f) = field(method).filter(|_| !webhook) {
            env.push(("WF_METHOD".into(), method.to_uppercase()));
            text("WF_URL".into(), f, env, &mut errors);
        }
    }
    let mut headers = 0;
    if let Some(FieldValue::Map(entries)) = field("headers").map(|f| &f.value) {
        for (name, e) in entries {
            headers += 1;
            env.push((format!("WF_HEADER_NAME_{headers}"), name.clone()));
            match values.text(e) {
                Ok(v) => env.push((format!("WF_HEADER_{headers}"), v)),
                Err(d) => errors.push(d),
            }
        }
    }
    let mut body = false;
    if let Some(f) = field("body") {
        text("WF_BODY".into(), f, env, &mut errors);
        body = true;
    }
    if let Some(FieldValue::Expr(e)) = field("json").map(|f| &f.value) {
        // Folded at export, as every expression over params: the document
        // is written whole, never spliced together from text.
        // (Over outputs: computed whole by jq before the step.)
        match values.known(e).map(|v| v.to_json()) {
            Some(doc) => env.push(("WF_BODY".into(), doc.to_string())),
            None => match values.computed_json(e) {
                Ok(doc) => env.push(("WF_BODY".into(), doc)),
                Err(d) => errors.push(d),
            },
        }
        if !crate::curl::sets_content_type(field("headers").map(|f| &f.value)) {
            headers += 1;
            env.push((format!("WF_HEADER_NAME_{headers}"), "Content-Type".into()));
            env.push((format!("WF_HEADER_{headers}"), "application/json".into()));
        }
        body = true;
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(crate::curl::request(headers, body, codes, "$RUNNER_TEMP"))
}

/// A `sleep` step's script: the duration in whole seconds (rounded up).
pub fn sleep(values: &Values, step: &Step) -> Result<String, Diagnostic> {
    let f = step.fields.iter().find(|f| f.name == "duration");
    let e = match f.map(|f| &f.value) {
        Some(FieldValue::Expr(e)) => e,
        _ => return Ok("sleep 0".into()),
    };
    match values.known(e) {
        Some(wfc_plan::Value::Duration(ms)) => Ok(format!("sleep {}", ms.div_ceil(1000))),
        _ => Err(Diagnostic::error(
            "E0738",
            "GitHub Actions export needs a `sleep` duration known at export",
        )
        .primary(e.span, "read while the workflow runs")
        .help("write the duration from params and literals")),
    }
}

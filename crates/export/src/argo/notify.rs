//! `--approximate`: a `slack` step as a container posting the message with
//! `curl` (Argo's `http` template cannot take its URL from a secret). The
//! webhook is a `secretKeyRef` (or the literal URL), the message an env
//! value; the script JSON-escapes it, so neither becomes code.

use super::runtime::RunTime;
use super::step::env_var;
use super::{diag, text, Options};
use serde_json::{json, Value as Json};
use wfc_language::diag::Diagnostic;
use wfc_language::ir::{FieldValue, Workflow};
use wfc_plan::PlannedStep;

/// The image that posts: small, with `sh`, `sed`, `tr` and `curl`.
pub const CURL_IMAGE: &str = "curlimages/curl:8.11.1";

/// Escapes `$WF_MESSAGE` for a JSON string (backslash, quote, control
/// characters as spaces) and posts `{"text": …}` to `$WF_WEBHOOK`.
const POST: &str = r#"text=$(printf '%s' "$WF_MESSAGE" | tr '\n\r\t' '   ' | tr -d '\000-\037' | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g')
curl -fsS -X POST -H 'Content-Type: application/json' --data-binary "{\"text\":\"$text\"}" "$WF_WEBHOOK""#;

pub fn slack(
    wf: &Workflow,
    s: &PlannedStep,
    options: &Options,
    rt: &mut RunTime,
) -> Result<(&'static str, Json), Vec<Diagnostic>> {
    if !rt.approximate {
        return Err(vec![diag::notification(s.span, &s.name, s.kind.name())]);
    }
    let mut errors = Vec::new();
    let mut env = Vec::new();
    for f in &s.fields {
        let FieldValue::Expr(e) = &f.value else {
            continue;
        };
        let var = match f.name.as_str() {
            "webhook" => env_var(wf, &s.name, "WF_WEBHOOK", e, options),
            "message" if RunTime::reads(e) => rt
                .value_text(wf, &s.name, e)
                .map(|v| json!({ "name": "WF_MESSAGE", "value": v })),
            "message" => {
                text::plain(wf, &s.name, e).map(|v| json!({ "name": "WF_MESSAGE", "value": v }))
            }
            _ => continue,
        };
        match var {
            Ok(v) => env.push(v),
            Err(e) => errors.push(e),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    rt.warnings.push(diag::approximated(
        s.span,
        &format!("`{}` step", s.kind.name()),
        &format!("a `{CURL_IMAGE}` container posts `{{\"text\": MESSAGE}}` with curl; the message's control characters become spaces"),
    ));
    Ok((
        "container",
        json!({ "image": CURL_IMAGE, "command": ["sh", "-c", POST], "env": env }),
    ))
}

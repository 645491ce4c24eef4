//! `slack`, `webhook` and `email` steps as a pinned `curl` container: the fixed
//! script is `sh` text; the URL, the message, the header names and values
//! and the body reach it only as env values (a secret as a
//! `secretKeyRef`, never its value; a value only the run knows as an
//! Argo reference, data). Argo's `http` template cannot take a URL from a
//! secret, which a webhook's usually is.
//!
//! `slack` posts `{"text": MESSAGE}` (and `"channel"`), as `wfc run` does:
//! the script escapes each value for JSON with `awk` (backslash, quote,
//! every control character as `\uXXXX`), so the text arrives exactly.
//! `webhook` sends its method (default `POST`), headers and body (`json`
//! folded at export, with `Content-Type: application/json`) with the
//! request script both exports share ([`crate::curl`]); any 2xx succeeds.
//! So does an `http` step with a secret in its URL, a header (beyond a
//! whole value) or its body, its `expect` the codes accepted.

use super::runtime::RunTime;
use super::step::{field, field_of};
use super::{diag, text, Options};
use serde_json::{json, Value as Json};
use wfc_language::diag::Diagnostic;
use wfc_language::ir::{Expr, FieldValue, Workflow};
use wfc_plan::PlannedStep;

/// The image that posts: small, with `sh`, `awk` and `curl`.
pub const CURL_IMAGE: &str = "curlimages/curl:8.11.1";

/// `wfc_json VALUE` prints VALUE as a JSON string. The input gets a last
/// `x` so that awk sees a final line break, which it then drops.
const JSON_STRING: &str = r#"wfc_json() {
  printf '%sx' "$1" | awk 'BEGIN { for (i = 1; i < 32; i++) ord[sprintf("%c", i)] = i }
  { o = ""; n = length($0)
    for (j = 1; j <= n; j++) { c = substr($0, j, 1)
      if (c == "\\") o = o "\\\\"; else if (c == "\"") o = o "\\\""
      else if (c in ord) o = o sprintf("\\u%04x", ord[c]); else o = o c }
    out = (NR > 1) ? out "\\n" o : o }
  END { printf "\"%s\"", substr(out, 1, length(out) - 1) }'
}"#;

/// Posts `{"text": …, "channel": …}` to `$WF_WEBHOOK`.
const SLACK: &str = r#"wfc_payload="{\"text\":$(wfc_json "$WF_MESSAGE")"
if [ -n "${WF_CHANNEL+set}" ]; then wfc_payload="$wfc_payload,\"channel\":$(wfc_json "$WF_CHANNEL")"; fi
printf '%s}' "$wfc_payload" | curl -fsS -X POST -H 'Content-Type: application/json' --data-binary @- "$WF_WEBHOOK""#;

/// A `slack` step's container.
pub fn slack(
    wf: &Workflow,
    s: &PlannedStep,
    options: &Options,
    rt: &mut RunTime,
) -> Result<(&'static str, Json), Vec<Diagnostic>> {
    let mut errors = Vec::new();
    let mut env = Vec::new();
    for (var, name) in [
        ("WF_WEBHOOK", "webhook"),
        ("WF_MESSAGE", "message"),
        ("WF_CHANNEL", "channel"),
    ] {
        if let Some(e) = field(s, name) {
            match value(wf, s, var, e, options, rt) {
                Ok(v) => env.push(v),
                Err(d) => errors.push(d),
            }
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let script = retried(wf, s, format!("{JSON_STRING}\n{SLACK}"), rt)?;
    Ok(container(script, env, rt, options))
}

/// An `email` step's container: the fixed script of [`crate::mail`] with
/// curl's SMTP client; the recipients are `WF_TO_N`, each a value as the
/// others (a list the plan folded, item by item).
pub fn email(
    wf: &Workflow,
    s: &PlannedStep,
    options: &Options,
    rt: &mut RunTime,
) -> Result<(&'static str, Json), Vec<Diagnostic>> {
    let mut errors = Vec::new();
    let mut env = Vec::new();
    for (var, name) in [
        ("WF_SMTP", "smtp"),
        ("WF_FROM", "from"),
        ("WF_SUBJECT", "subject"),
        ("WF_BODY", "body"),
        ("WF_SMTP_USER", "username"),
        ("WF_SMTP_PASSWORD", "password"),
    ] {
        if let Some(e) = field(s, name) {
            match value(wf, s, var, e, options, rt) {
                Ok(v) => env.push(v),
                Err(d) => errors.push(d),
            }
        }
    }
    let mut to = 0;
    if let Some(e) = field(s, "to") {
        let items: Vec<&Expr> = match &e.kind {
            wfc_language::ir::ExprKind::List(items) => items.iter().collect(),
            _ if matches!(e.ty, wfc_language::ir::Type::List(_)) => {
                errors.push(diag::run_time_value(
                    e.span,
                    &s.name,
                    "a list of recipients only the run knows",
                ));
                Vec::new()
            }
            _ => vec![e],
        };
        for item in items {
            to += 1;
            match value(wf, s, &format!("WF_TO_{to}"), item, options, rt) {
                Ok(v) => env.push(v),
                Err(d) => errors.push(d),
            }
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let script = retried(
        wf,
        s,
        crate::mail::script(crate::mail::To::Fixed(to), rt.tmp()),
        rt,
    )?;
    Ok(container(script, env, rt, options))
}

/// A `webhook` step's container; an `http` step's when its URL, a header
/// or its body holds a secret, which Argo's `http` template cannot take
/// (`codes`: its `expect`, empty for any 2xx).
pub fn request(
    wf: &Workflow,
    s: &PlannedStep,
    options: &Options,
    rt: &mut RunTime,
    codes: &[u16],
) -> Result<(&'static str, Json), Vec<Diagnostic>> {
    let mut errors = Vec::new();
    let mut env = Vec::new();
    let mut push = |r: Result<Json, Diagnostic>, env: &mut Vec<Json>| match r {
        Ok(v) => env.push(v),
        Err(d) => errors.push(d),
    };
    match field(s, "method") {
        Some(e) => push(value(wf, s, "WF_METHOD", e, options, rt), &mut env),
        None if s.kind == wfc_language::ir::StepKind::Webhook => {
            env.push(json!({ "name": "WF_METHOD", "value": "POST" }))
        }
        None => {}
    }
    if let Some(e) = field(s, "url") {
        push(value(wf, s, "WF_URL", e, options, rt), &mut env);
    }
    for method in ["get", "post", "put", "patch", "delete", "head"] {
        if let Some(e) = field(s, method) {
            env.push(json!({ "name": "WF_METHOD", "value": method.to_uppercase() }));
            push(value(wf, s, "WF_URL", e, options, rt), &mut env);
        }
    }
    let mut headers = 0;
    if let Some(FieldValue::Map(entries)) = field_of(s, "headers").map(|f| &f.value) {
        for (name, e) in entries {
            headers += 1;
            env.push(json!({ "name": format!("WF_HEADER_NAME_{headers}"), "value": name }));
            let var = format!("WF_HEADER_{headers}");
            push(value(wf, s, &var, e, options, rt), &mut env);
        }
    }
    let mut body = false;
    if let Some(e) = field(s, "body") {
        push(value(wf, s, "WF_BODY", e, options, rt), &mut env);
        body = true;
    }
    if let Some(e) = field(s, "json") {
        // Folded at export, as every expression over params: the document
        // is written whole, never spliced together from text.
        // Over outputs: computed whole by jq before the request.
        let computed = RunTime::reads(e).then(|| rt.computed_json(e)).flatten();
        let doc = match computed {
            Some(doc) => Ok(doc),
            None => text::plain(wf, &s.name, e).and_then(|_| {
                wfc_plan::Value::of_literal(e)
                    .map(|v| v.to_json().to_string())
                    .ok_or_else(|| {
                        diag::run_time_value(e.span, &s.name, "a `json` body only the run knows")
                    })
                    .and_then(|doc| text::no_braces(&s.name, e.span, doc))
            }),
        };
        push(
            doc.map(|d| json!({ "name": "WF_BODY", "value": d })),
            &mut env,
        );
        if !crate::curl::sets_content_type(field_of(s, "headers").map(|f| &f.value)) {
            headers += 1;
            env.push(
                json!({ "name": format!("WF_HEADER_NAME_{headers}"), "value": "Content-Type" }),
            );
            env.push(
                json!({ "name": format!("WF_HEADER_{headers}"), "value": "application/json" }),
            );
        }
        body = true;
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut script = crate::curl::request(headers, body, codes, rt.tmp());
    // Its answer read by another step: kept as output parameters.
    if !rt.file_outputs.is_empty() {
        script = super::answer::keep(&script);
    }
    let script = retried(wf, s, script, rt)?;
    Ok(container(script, env, rt, options))
}

/// `script` in the retry loop Argo's `retryStrategy` cannot say, after
/// the prelude.
pub(super) fn retried(
    wf: &Workflow,
    s: &PlannedStep,
    script: String,
    rt: &mut RunTime,
) -> Result<String, Vec<Diagnostic>> {
    let mut env = Vec::new();
    // `until` over the answer: the request in rounds, then any retry of
    // the whole poll.
    let script = match &s.until {
        Some(u) => {
            super::retries::poll_http(wf, s, u, &script, rt.tmp(), &mut env).map_err(|d| vec![d])?
        }
        None => script,
    };
    let script = if super::retries::in_script(s) {
        super::retries::wrap(wf, s, script, &mut env).map_err(|d| vec![d])?
    } else {
        script
    };
    rt.env.extend(env);
    Ok(rt.with_prelude(script))
}

fn container(
    script: String,
    env: Vec<Json>,
    rt: &RunTime,
    options: &Options,
) -> (&'static str, Json) {
    container_on(CURL_IMAGE, script, env, rt, options)
}

/// A container of `image` running `script` with `env`, the run-time
/// values and the secrets the script reads.
pub(super) fn container_on(
    image: &str,
    script: String,
    mut env: Vec<Json>,
    rt: &RunTime,
    options: &Options,
) -> (&'static str, Json) {
    env.extend(rt.env.iter().map(|(k, v)| json!({ "name": k, "value": v })));
    env.extend(rt.secrets.iter().map(|(k, key)| {
        json!({ "name": k, "valueFrom": { "secretKeyRef": { "name": options.secret_name, "key": key } } })
    }));
    (
        "container",
        json!({ "image": image, "command": ["sh", "-c", script], "env": env }),
    )
}

/// `VAR='text'"$WFC_SECRET_1"'text'` when `e` is text with secrets in it
/// as they are (`"Bearer ${token}"`): each secret a `secretKeyRef`
/// variable, the text single-quoted; None when it holds no secret.
fn with_secrets(
    wf: &Workflow,
    s: &PlannedStep,
    var: &str,
    e: &Expr,
    rt: &mut RunTime,
) -> Result<Option<String>, Diagnostic> {
    let wfc_language::ir::ExprKind::Interp(parts) = &e.kind else {
        return Ok(None);
    };
    let secret_of = |p: &wfc_language::ir::InterpPart| match p {
        wfc_language::ir::InterpPart::Expr(x) => text::whole_secret(wf, x),
        _ => None,
    };
    if !parts.iter().any(|p| secret_of(p).is_some()) {
        return Ok(None);
    }
    let mut line = format!("{var}=");
    for p in parts {
        if let Some(key) = secret_of(p) {
            let name = format!("WFC_SECRET_{}", rt.secrets.len() + 1);
            line.push_str(&format!("\"${name}\""));
            rt.secrets.push((name, key.to_owned()));
            continue;
        }
        let t = match p {
            wfc_language::ir::InterpPart::Text(t) => text::no_braces(&s.name, e.span, t.clone())?,
            wfc_language::ir::InterpPart::Expr(x) => text::plain(wf, &s.name, x)?,
        };
        line.push_str(&wfc_language::shell_syntax::quote(&t));
    }
    Ok(Some(line))
}

/// Env variable `var` for `e`: a whole secret as a `secretKeyRef`, a
/// value only the run knows as Argo text (a message's parts in place),
/// else the text it folds to.
pub(super) fn value(
    wf: &Workflow,
    s: &PlannedStep,
    var: &str,
    e: &Expr,
    options: &Options,
    rt: &mut RunTime,
) -> Result<Json, Diagnostic> {
    if let Some(key) = text::whole_secret(wf, e) {
        return Ok(json!({
            "name": var,
            "valueFrom": { "secretKeyRef": { "name": options.secret_name, "key": key } },
        }));
    }
    if let Some(line) = with_secrets(wf, s, var, e, rt)? {
        // Built by the script from its parts: text and secret variables.
        rt.prelude.push(line);
        return Ok(json!({ "name": var, "value": "" }));
    }
    let v = if RunTime::reads(e) {
        match &e.kind {
            wfc_language::ir::ExprKind::Interp(_) => rt.value_text(wf, &s.name, e),
            _ => rt.env_value(wf, &s.name, var, e),
        }
    } else {
        text::plain(wf, &s.name, e)
    }?;
    Ok(json!({ "name": var, "value": v }))
}

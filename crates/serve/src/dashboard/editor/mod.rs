//! The workflow editor (operator keys): `/edit/{path}` shows a served
//! file's text in CodeMirror (vendored, `assets/vendor/codemirror.min.js`;
//! the page's logic is `assets/editor.js`), `/edit` makes a new one from a
//! template. As the text is typed the page asks, in JSON, with the
//! session's CSRF token in `X-CSRF-Token`:
//!
//! - `POST /editor/analyze`, `/editor/complete`, `/editor/hover`,
//!   `/editor/plan` — [`analysis`]: the text's diagnostics, completion and
//!   hover at an offset, the plan of each workflow;
//! - `POST /editor/save` — [`save`]: formatted, then written as the files
//!   API writes (checked, atomic, the replaced text kept as a version);
//! - `GET /editor/version?path=P&version=N` — a kept version's text, which
//!   the page loads into the editor to be saved again (restored).
//!
//! Every text is bounded by `--max-body` (`API010`, 413) and analysed on
//! the blocking pool, a few at a time (`ANALYSES`). Errors are
//! problem+json with the API's codes.

pub mod analysis;
pub mod save;

use super::session::{csrf_ok, Session};
use super::{Dash, BAD_CSRF};
use crate::files;
use crate::keys::Role;
use crate::problem::{Code, Problem};
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::sync::OnceLock;
use tokio::sync::Semaphore;
use wfc_plan::templates::{Template, TEMPLATES};

/// How many texts are analysed at once: typing in many editors queues
/// here rather than taking every blocking thread.
static ANALYSES: Semaphore = Semaphore::const_new(2);

/// The editor's routes (behind the session check), their bodies bounded
/// by `max_body` (the JSON of a text that long, escaped).
pub fn routes(max_body: usize) -> Router<Dash> {
    let json_limit = max_body.saturating_mul(2).saturating_add(4096);
    Router::new()
        .route("/edit", get(new_page))
        .route("/edit/{*path}", get(edit_page))
        .route("/editor/analyze", post(analyze))
        .route("/editor/complete", post(complete))
        .route("/editor/hover", post(hover))
        .route("/editor/plan", post(plan))
        .route("/editor/save", post(save::save))
        .route("/editor/version", get(save::version))
        .layer(axum::extract::DefaultBodyLimit::max(json_limit))
}

/// What the page posts: the file it edits, its text, and for completion
/// and hover a UTF-16 offset in it.
#[derive(Deserialize)]
pub struct EditBody {
    pub path: String,
    pub text: String,
    #[serde(default)]
    pub offset: usize,
    /// `save`: format the text first (when it parses).
    #[serde(default)]
    pub format: bool,
    /// `save`: the file must not exist yet (a new workflow).
    #[serde(default)]
    pub create: bool,
    /// `save`: the [`text_hash`] of the file's text the editor started
    /// from; a file changed since (by another editor, the API) is not
    /// replaced unless it is left out.
    #[serde(default)]
    pub base: Option<String>,
}

/// The SHA-256 of a text, in hex: what the page says it started from.
pub fn text_hash(text: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The `403` of a request that is not an operator's.
pub fn operator(session: &Session) -> Result<(), Problem> {
    (session.role == Role::Operator)
        .then_some(())
        .ok_or_else(|| {
            Problem::new(
                Code::Forbidden,
                format!(
                    "key `{}` has the role `read`; editing workflows needs an `operator` key",
                    session.name
                ),
            )
        })
}

/// A JSON request's body once it is an operator's, with the session's
/// CSRF token, and its text within `--max-body`; else the refusal.
pub fn admit(
    dash: &Dash,
    session: &Session,
    headers: &HeaderMap,
    body: Result<Json<EditBody>, JsonRejection>,
) -> Result<EditBody, Box<Response>> {
    let token = (headers.get("x-csrf-token"))
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if !csrf_ok(session, token) {
        let body = json!({
            "status": 403, "code": BAD_CSRF,
            "detail": "the request's CSRF token is missing or not this session's: reload the page",
        });
        return Err(Box::new(
            (StatusCode::FORBIDDEN, Json(body)).into_response(),
        ));
    }
    operator(session).map_err(|p| Box::new(p.into_response()))?;
    let body = match body {
        Ok(Json(b)) => b,
        Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            return Err(Box::new(too_large(dash.max_body).into_response()))
        }
        Err(e) => {
            let p = Problem::new(Code::BadRequest, e.body_text());
            return Err(Box::new(p.into_response()));
        }
    };
    if body.text.len() > dash.max_body {
        return Err(Box::new(too_large(dash.max_body).into_response()));
    }
    Ok(body)
}

fn too_large(max: usize) -> Problem {
    Problem::new(
        Code::TooLarge,
        format!("the text is longer than this server takes ({max} bytes, --max-body)"),
    )
}

/// Runs `f` on the blocking pool once one of [`ANALYSES`] is free.
async fn analysing<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, Problem> {
    let _one = ANALYSES.acquire().await.map_err(Problem::store)?;
    tokio::task::spawn_blocking(f).await.map_err(Problem::store)
}

/// Runs `query` on the body's text analysed as its file.
async fn query(
    dash: Dash,
    session: Session,
    headers: HeaderMap,
    body: Result<Json<EditBody>, JsonRejection>,
    query: impl FnOnce(&wfc_language::ide::Doc, usize) -> Value + Send + 'static,
) -> Response {
    let body = match admit(&dash, &session, &headers, body) {
        Ok(b) => b,
        Err(refused) => return *refused,
    };
    let catalog = dash.app.catalog.clone();
    let answer = analysing(move || -> Result<Value, Problem> {
        let name = files::resolve(&catalog, &body.path)?.name();
        let doc = analysis::doc(&catalog, &name, &body.text);
        Ok(query(&doc, body.offset))
    })
    .await
    .and_then(|r| r);
    match answer {
        Ok(v) => Json(v).into_response(),
        Err(p) => p.into_response(),
    }
}

/// `POST /editor/analyze`: `{diagnostics: [{code, severity, message, from, to, line, column}]}`.
pub async fn analyze(
    State(dash): State<Dash>,
    Extension(session): Extension<Session>,
    headers: HeaderMap,
    body: Result<Json<EditBody>, JsonRejection>,
) -> Response {
    query(
        dash,
        session,
        headers,
        body,
        |doc, _| json!({"diagnostics": analysis::diagnostics(doc)}),
    )
    .await
}

/// `POST /editor/complete`: `{from, to, items: [{label, type, detail, info, apply, snippet}]}`.
pub async fn complete(
    State(dash): State<Dash>,
    Extension(session): Extension<Session>,
    headers: HeaderMap,
    body: Result<Json<EditBody>, JsonRejection>,
) -> Response {
    query(dash, session, headers, body, analysis::completion).await
}

/// `POST /editor/hover`: `{markdown, from, to}` or `null`.
pub async fn hover(
    State(dash): State<Dash>,
    Extension(session): Extension<Session>,
    headers: HeaderMap,
    body: Result<Json<EditBody>, JsonRejection>,
) -> Response {
    query(dash, session, headers, body, analysis::hover).await
}

/// `POST /editor/plan`: `{plans: [{workflow, text}]}` (`note` when none can be).
pub async fn plan(
    State(dash): State<Dash>,
    Extension(session): Extension<Session>,
    headers: HeaderMap,
    body: Result<Json<EditBody>, JsonRejection>,
) -> Response {
    let body = match admit(&dash, &session, &headers, body) {
        Ok(b) => b,
        Err(refused) => return *refused,
    };
    let catalog = dash.app.catalog.clone();
    let state = dash.app.launcher.state_dir().to_path_buf();
    let answer = analysing(move || -> Result<Value, Problem> {
        let name = files::resolve(&catalog, &body.path)?.name();
        Ok(analysis::plans(&catalog, &name, &body.text, &state))
    })
    .await
    .and_then(|r| r);
    match answer {
        Ok(v) => Json(v).into_response(),
        Err(p) => p.into_response(),
    }
}

/// A template as the new workflow form lists it.
#[derive(Serialize, Clone)]
struct TemplateChoice {
    name: &'static str,
    summary: String,
}

/// Every template with its summary (read once: each is an analysis).
fn templates() -> &'static [TemplateChoice] {
    static ALL: OnceLock<Vec<TemplateChoice>> = OnceLock::new();
    ALL.get_or_init(|| {
        (TEMPLATES.iter())
            .map(|t| TemplateChoice {
                name: t.name,
                summary: t.summary(),
            })
            .collect()
    })
}

#[derive(Deserialize, Default)]
pub struct NewQuery {
    /// The template to start from (a file that does not exist yet).
    template: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct NewForm {
    template: Option<String>,
    path: Option<String>,
}

/// `GET /edit`: the form for a new workflow (a template and a file name);
/// filled in (`?template=NAME&path=P`), on to `/edit/{P}?template=NAME`.
pub async fn new_page(
    State(dash): State<Dash>,
    Extension(session): Extension<Session>,
    Query(form): Query<NewForm>,
) -> Response {
    if let Err(p) = operator(&session) {
        return dash.error(p.code.status(), p.code.id(), &p.detail, Some(&session));
    }
    if let (Some(t), Some(path)) = (&form.template, &form.path) {
        let path = path.trim().trim_start_matches('/');
        let encoded: Vec<String> = path.split('/').map(super::runs::encode).collect();
        let to = format!(
            "/edit/{}?template={}",
            encoded.join("/"),
            super::runs::encode(t)
        );
        return axum::response::Redirect::to(&to).into_response();
    }
    let templates = templates().to_vec();
    dash.render(
        "new.html",
        "workflows",
        Some(&session),
        minijinja::context! { templates },
    )
}

/// `GET /edit/{path}[?template=NAME]`: the editor on the file, or on a
/// template's text when there is no such file yet (saving creates it).
pub async fn edit_page(
    State(dash): State<Dash>,
    Extension(session): Extension<Session>,
    Path(path): Path<String>,
    Query(q): Query<NewQuery>,
) -> Response {
    if let Err(p) = operator(&session) {
        return dash.error(p.code.status(), p.code.id(), &p.detail, Some(&session));
    }
    let catalog = dash.app.catalog.clone();
    let state = dash.app.launcher.state_dir().to_path_buf();
    let read = crate::api::files::blocking(move || {
        let target = files::resolve(&catalog, &path)?;
        match files::read(&state, &target, None) {
            Ok(t) => Ok((t.path, t.file, t.text, t.versions, false)),
            Err(p) if p.code == Code::NotFound => {
                let versions = files::versions_of(&state, &target).list();
                let text = match q.template.as_deref() {
                    Some(name) => Template::named(name)
                        .map(|t| t.text.to_owned())
                        .ok_or_else(|| {
                            Problem::new(Code::NotFound, format!("no template `{name}`"))
                        })?,
                    None => return Err(p),
                };
                Ok((target.path.clone(), target.name(), text, versions, true))
            }
            Err(p) => Err(p),
        }
    })
    .await;
    let (path, file, text, versions, new) = match read {
        Ok(r) => r,
        Err(p) => return dash.error(p.code.status(), p.code.id(), &p.detail, Some(&session)),
    };
    let base = (!new).then(|| text_hash(&text));
    let data =
        json!({ "path": path, "text": text, "versions": versions, "new": new, "base": base });
    dash.render(
        "editor.html",
        "workflows",
        Some(&session),
        minijinja::context! {
            path, file, new, versions,
            data => minijinja::Value::from_safe_string(script_json(&data)),
        },
    )
}

/// `value` as JSON that is safe inside `<script type="application/json">`:
/// no `<`, `>` or `&` (escaped as `\u003c`…), so no `</script>` ends it.
pub fn script_json(value: &Value) -> String {
    value
        .to_string()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_cannot_close_its_script_element() {
        let v = json!({"text": "</script><script>alert(1)</script> & more"});
        let s = script_json(&v);
        assert!(
            !s.contains('<') && !s.contains('>') && !s.contains('&'),
            "{s}"
        );
        let back: Value = serde_json::from_str(&s).unwrap();
        assert_eq!(back, v);
    }
}

//! `/workflows/{name}/start`: a form generated from the served workflow's
//! typed params, for operator sessions. Its values become a JSON object by
//! each param's type and go through the API's own start
//! ([`crate::api::workflows::start_run`]): the same binding, the same
//! diagnostics (`E04xx`), shown next to the field they name.

use super::session::Session;
use super::{Dash, BAD_START};
use crate::keys::Role;
use crate::problem::{Code, Problem};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::Arc;
use wfc_language::check::types::non_optional;
use wfc_language::ir::{Constraint, Expr, ExprKind, Param, Type, Workflow};
use wfc_plan::render::expr::show;

/// The prefix of a param's field name (`p.replicas`), apart from `csrf`.
const FIELD: &str = "p.";

/// One param's input, as `start.html` draws it.
#[derive(Serialize)]
struct Field {
    name: String,
    /// The element id; `{id}-doc` and `{id}-err` describe it.
    id: String,
    /// `select`, `number`, `checkbox`, `json`, `datetime`, `password` or `text`.
    input: &'static str,
    /// The declared type, as written (`list<string>`).
    ty: String,
    doc: Option<String>,
    required: bool,
    /// Pre-filled: the default, or what was typed (never a secret).
    value: String,
    options: Vec<String>,
    min: Option<String>,
    max: Option<String>,
    step: Option<&'static str>,
    /// A default the field cannot show as a value (`env("TOKEN")`, a secret's).
    default_hint: Option<String>,
    errors: Vec<Diag>,
}

/// Diagnostics by the index of the param they name.
type ByField = Vec<(Option<usize>, Diag)>;

/// A diagnostic as the form shows it.
#[derive(Clone, Serialize)]
struct Diag {
    code: String,
    message: String,
    help: Option<String>,
    /// The id of the field it names, if any (the summary links to it).
    field: Option<String>,
}

/// The served workflow `name`'s checked IR.
async fn served(dash: &Dash, name: &str) -> Option<Arc<Workflow>> {
    dash.app.catalog.find(name).ok().map(|w| w.ir)
}

#[derive(serde::Deserialize)]
pub struct StartQuery {
    /// A run whose params fill the form in (a re-run with changes).
    from: Option<String>,
}

/// `GET /workflows/{name}/start[?from=RUN]`: with `from`, the fields hold
/// that run's recorded params (never a secret: they are not stored).
pub async fn form(
    State(dash): State<Dash>,
    Extension(session): Extension<Session>,
    Path(name): Path<String>,
    Query(q): Query<StartQuery>,
) -> Response {
    if let Err(r) = operator(&dash, &session) {
        return r;
    }
    let Some(wf) = served(&dash, &name).await else {
        return not_served(&dash, &session, &name);
    };
    let from = q.from.filter(|f| !f.trim().is_empty());
    let typed = match &from {
        Some(id) => match recorded(&dash, &wf, id).await {
            Ok(typed) => typed,
            Err(detail) => {
                let code = Code::NotFound;
                return dash.error(code.status(), "API083", &detail, Some(&session));
            }
        },
        None => HashMap::new(),
    };
    let fields = fields(&wf, &typed, &[]);
    page(
        &dash,
        &session,
        &wf,
        fields,
        Vec::new(),
        StatusCode::OK,
        from,
    )
}

/// Run `id`'s recorded params as the form's fields hold them (a time in
/// UTC as `datetime-local` takes it), secrets left out.
async fn recorded(dash: &Dash, wf: &Workflow, id: &str) -> Result<HashMap<String, String>, String> {
    let dir = dash.app.launcher.state_dir().to_path_buf();
    let owned = id.to_owned();
    let run = tokio::task::spawn_blocking(move || -> Result<_, String> {
        let Some(store) = wfc_store::Store::open_existing(&dir)? else {
            return Ok(None);
        };
        wfc_store::query::run(&store, &owned).map_err(|e| e.to_string())
    })
    .await
    .map_err(|e| e.to_string())??;
    let Some(run) = run.filter(|r| r.workflow == wf.name) else {
        return Err(format!(
            "no run `{id}` of workflow `{}` in the store",
            wf.name
        ));
    };
    let mut typed = HashMap::new();
    for p in wf.params.iter().filter(|p| !p.is_tainted()) {
        let Some(v) = run.params.get(&p.name) else {
            continue;
        };
        let text = match v {
            serde_json::Value::String(s) if s == wfc_contract::MASK => continue,
            serde_json::Value::String(s) if *non_optional(&p.ty) == Type::Time => {
                chrono::DateTime::parse_from_rfc3339(s)
                    .map(|t| t.naive_utc().format("%Y-%m-%dT%H:%M:%S").to_string())
                    .unwrap_or_else(|_| s.clone())
            }
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Null => continue,
            other => other.to_string(),
        };
        typed.insert(p.name.clone(), text);
    }
    Ok(typed)
}

/// `POST /workflows/{name}/start`: 303 to the run; bad values get the form
/// again (400) with the diagnostics by field.
pub async fn submit(
    State(dash): State<Dash>,
    Extension(session): Extension<Session>,
    Path(name): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    if let Err(r) = operator(&dash, &session) {
        return r;
    }
    let token = pairs.iter().rev().find(|(k, _)| k == "csrf");
    let token = token.map_or("", |(_, t)| t.as_str());
    if let Some(refused) = super::session::forged(&dash, &session, token) {
        return refused;
    }
    let Some(wf) = served(&dash, &name).await else {
        return not_served(&dash, &session, &name);
    };
    // The last value of a name wins: a checked box follows its hidden `false`.
    let typed: HashMap<String, String> = pairs
        .iter()
        .cloned()
        .filter_map(|(k, v)| k.strip_prefix(FIELD).map(|k| (k.to_owned(), v)))
        .collect();
    let force = pairs.iter().any(|(k, v)| k == "force" && v == "true");
    let (params, local) = to_json(&wf, &typed);
    let body = Some(serde_json::Value::Object(params).to_string());
    let result = if local.is_empty() {
        let origin = Some(crate::triggers::DASHBOARD);
        let rerun = wfc_launch::Rerun {
            all: force,
            steps: Vec::new(),
        };
        crate::api::workflows::start_run(
            &dash.app,
            name.clone(),
            body,
            origin,
            &session.name,
            rerun.into(),
        )
        .await
        .map(Some)
    } else {
        // Still compiled, for the other fields' diagnostics; never started.
        crate::api::workflows::compile_served(&dash.app, name.clone(), body)
            .await
            .map(|_| None)
    };
    let mut diags: ByField = local;
    match result {
        Ok(Some(started)) => {
            tracing::info!(run = %started.id, by = %session.name, "run started from the dashboard");
            return Redirect::to(&format!("/runs/{}", started.id)).into_response();
        }
        Ok(None) => {}
        Err(p) if p.diagnostics.is_empty() => return problem_page(&dash, &session, &p),
        Err(p) => {
            let named: Vec<usize> = diags.iter().filter_map(|(i, _)| *i).collect();
            for d in &p.diagnostics {
                let (field, diag) = from_json(&wf, d);
                // A field refused here was left out of the body: not "missing".
                if !field.is_some_and(|i| named.contains(&i)) {
                    diags.push((field, diag));
                }
            }
        }
    }
    let fields = fields(&wf, &typed, &diags);
    let summary = diags.into_iter().map(|(_, d)| d).collect();
    page(
        &dash,
        &session,
        &wf,
        fields,
        summary,
        StatusCode::BAD_REQUEST,
        None,
    )
}

/// A read session may not start runs: `403` `API002`, as the API answers.
#[allow(clippy::result_large_err)]
fn operator(dash: &Dash, session: &Session) -> Result<(), Response> {
    if session.role == Role::Operator {
        return Ok(());
    }
    let detail = format!(
        "key `{}` has the role `read`; starting a run needs an `operator` key",
        session.name
    );
    Err(dash.error(
        StatusCode::FORBIDDEN,
        Code::Forbidden.id(),
        &detail,
        Some(session),
    ))
}

fn not_served(dash: &Dash, session: &Session, name: &str) -> Response {
    let detail = format!("no served workflow is named `{name}`");
    dash.error(
        StatusCode::NOT_FOUND,
        Code::NotFound.id(),
        &detail,
        Some(session),
    )
}

fn problem_page(dash: &Dash, session: &Session, p: &Problem) -> Response {
    dash.error(p.code.status(), p.code.id(), &p.detail, Some(session))
}

fn page(
    dash: &Dash,
    session: &Session,
    wf: &Workflow,
    fields: Vec<Field>,
    errors: Vec<Diag>,
    status: StatusCode,
    from: Option<String>,
) -> Response {
    let ctx = minijinja::context! {
        from,
        workflow => &wf.name,
        description => wf.summary(),
        fields,
        errors,
        code => BAD_START,
    };
    let html = dash.render("start.html", "workflows", Some(session), ctx);
    (status, html).into_response()
}

/// The fields of `wf`'s params, with `typed` values kept (not secrets)
/// and each diagnostic next to the field it names.
fn fields(
    wf: &Workflow,
    typed: &HashMap<String, String>,
    diags: &[(Option<usize>, Diag)],
) -> Vec<Field> {
    wf.params
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let ty = non_optional(&p.ty);
            let optional = matches!(p.ty, Type::Optional(_));
            let default = p.default.as_ref().and_then(literal);
            let mut f = Field {
                name: p.name.clone(),
                id: format!("p-{i}"),
                input: "text",
                ty: p.ty.to_string(),
                doc: p.doc.clone(),
                required: p.default.is_none() && !optional,
                value: default.clone().unwrap_or_default(),
                options: Vec::new(),
                min: None,
                max: None,
                step: None,
                default_hint: None,
                errors: diags
                    .iter()
                    .filter(|(f, _)| *f == Some(i))
                    .map(|(_, d)| d.clone())
                    .collect(),
            };
            match (&p.constraint, ty) {
                _ if p.is_tainted() => f.input = "password",
                (Some(Constraint::OneOf(xs)), _) => {
                    f.input = "select";
                    f.options = xs.iter().filter_map(literal).collect();
                }
                (Some(Constraint::Range(lo, hi)), Type::Int | Type::Float) => {
                    f.input = "number";
                    (f.min, f.max) = (literal(lo), literal(hi));
                }
                _ => {}
            }
            match ty {
                Type::Int | Type::Float if f.input == "text" => f.input = "number",
                Type::Bool if !p.is_tainted() => f.input = "checkbox",
                Type::List(_) | Type::Map(_) | Type::Json if !p.is_tainted() => f.input = "json",
                Type::Time if f.input == "text" => f.input = "datetime",
                _ => {}
            }
            if f.input == "datetime" {
                f.default_hint = Some(match f.default_hint.take() {
                    Some(h) => format!("in UTC; {h}"),
                    None => "in UTC".into(),
                });
            }
            if f.input == "number" {
                f.step = Some(if *ty == Type::Int { "1" } else { "any" });
            }
            if p.is_tainted() {
                // Never echoed: an empty secret field means its default.
                f.value.clear();
                f.ty = "secret".into();
                f.default_hint = match (&p.default, &default) {
                    // A literal default is not shown (`***` elsewhere).
                    (Some(_), Some(_)) => Some("leave empty to use its default".into()),
                    (Some(d), None) => Some(format!("leave empty for {}", show(wf, d))),
                    (None, _) => None,
                };
            } else if let (Some(d), None) = (&p.default, &default) {
                f.default_hint = Some(format!("leave empty for {}", show(wf, d)));
            }
            if f.input == "json" {
                let what = format!("JSON ({})", f.ty);
                f.default_hint = Some(match f.default_hint.take() {
                    Some(h) => format!("{what}; {h}"),
                    None => what,
                });
            }
            if let Some(v) = typed.get(&p.name).filter(|_| !p.is_tainted()) {
                f.value = v.clone();
            }
            f
        })
        .collect()
}

/// A constant expression as a field shows it (lists and maps as JSON).
fn literal(e: &Expr) -> Option<String> {
    match &e.kind {
        ExprKind::Str(s) => Some(s.clone()),
        ExprKind::Int(_) | ExprKind::Float(_) | ExprKind::Bool(_) => json(e).map(|j| j.to_string()),
        ExprKind::List(_) | ExprKind::Map(_) => json(e).map(|j| j.to_string()),
        _ => None,
    }
}

fn json(e: &Expr) -> Option<serde_json::Value> {
    use serde_json::Value as J;
    Some(match &e.kind {
        ExprKind::Str(s) => J::from(s.clone()),
        ExprKind::Int(n) => J::from(*n),
        ExprKind::Float(f) => J::from(*f),
        ExprKind::Bool(b) => J::from(*b),
        ExprKind::List(xs) => J::Array(xs.iter().map(json).collect::<Option<_>>()?),
        ExprKind::Map(kv) => J::Object(
            kv.iter()
                .map(|(k, v)| json(v).map(|v| (k.clone(), v)))
                .collect::<Option<_>>()?,
        ),
        _ => return None,
    })
}

/// The params object the typed values make: an empty field is left out
/// (its default); a number that is not one is sent as text, so the params'
/// binding reports it (`E0403`). JSON that does not parse is refused here.
fn to_json(
    wf: &Workflow,
    typed: &HashMap<String, String>,
) -> (serde_json::Map<String, serde_json::Value>, ByField) {
    use serde_json::Value as J;
    let mut out = serde_json::Map::new();
    let mut refused = Vec::new();
    for (i, p) in wf.params.iter().enumerate() {
        let Some(raw) = typed.get(&p.name) else {
            continue;
        };
        let t = raw.trim();
        if t.is_empty() {
            continue;
        }
        let value = match non_optional(&p.ty) {
            Type::Int => t.parse::<i64>().map(J::from).unwrap_or_else(|_| J::from(t)),
            Type::Float => t
                .parse::<f64>()
                .ok()
                .filter(|f| f.is_finite())
                .map(J::from)
                .unwrap_or_else(|| J::from(t)),
            Type::Bool => match t {
                "true" => J::Bool(true),
                "false" => J::Bool(false),
                _ => J::from(t),
            },
            Type::List(_) | Type::Map(_) | Type::Json => match serde_json::from_str(t) {
                Ok(j) => j,
                Err(e) => {
                    refused.push((Some(i), refused_json(p, i, t, &e)));
                    continue;
                }
            },
            Type::Time => J::from(as_utc(t)),
            // Strings as typed (not trimmed), durations as text.
            _ => J::from(raw.as_str()),
        };
        out.insert(p.name.clone(), value);
    }
    (out, refused)
}

/// A `datetime-local` field's value (`2026-05-01T09:30`, seconds when
/// given, no offset) as RFC 3339 in UTC; text with an offset, or that is no
/// such value, as typed (the params' binding reports what is not a time).
fn as_utc(t: &str) -> String {
    let local = |f| chrono::NaiveDateTime::parse_from_str(t, f).ok();
    match local("%Y-%m-%dT%H:%M:%S").or_else(|| local("%Y-%m-%dT%H:%M")) {
        Some(at) => at
            .and_utc()
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        None => t.to_owned(),
    }
}

/// `E0403` for a list or map field that is not JSON.
fn refused_json(p: &Param, i: usize, given: &str, e: &serde_json::Error) -> Diag {
    let given = if p.is_tainted() { "***" } else { given };
    let d = wfc_plan::errors::bad_value(p, "in the form", given, &format!("invalid JSON: {e}"));
    Diag {
        code: d.code.to_owned(),
        message: web_words(&d.message),
        help: d.help.as_deref().map(web_words),
        field: Some(format!("p-{i}")),
    }
}

/// A diagnostic's text as the form says it: the binding speaks of the
/// command line (`--param NAME=VALUE`, a params file), the form of fields.
fn web_words(text: &str) -> String {
    if text.starts_with("pass it with `--param") {
        return "fill in its field".into();
    }
    let mut s = text
        .replace("given in the params file", "given in the form")
        .replace("given with --param", "given in the form")
        .replace(" (`--param NAME=VALUE`)", "")
        .replace(" or in a `--params-file`", "");
    // `--param NAME=EXAMPLE` → `EXAMPLE`.
    while let Some(at) = s.find("`--param ") {
        let rest = &s[at + 9..];
        match (rest.find('='), rest.find('`')) {
            (Some(eq), Some(tick)) if eq < tick => {
                s.replace_range(at + 1..at + 9 + eq + 1, "");
            }
            _ => {
                s.replace_range(at + 1..at + 9, "");
            }
        }
    }
    s
}

/// A diagnostic of the API's answer, and the param it names: its primary
/// label starts at the param's declaration (`wfc_plan::errors`).
fn from_json(wf: &Workflow, d: &serde_json::Value) -> (Option<usize>, Diag) {
    let offset = d["labels"]
        .as_array()
        .and_then(|ls| ls.iter().find(|l| l["primary"] == true))
        .and_then(|l| l["offset"].as_u64());
    let field = offset.and_then(|o| wf.params.iter().position(|p| p.span.start as u64 == o));
    let text = |k: &str| d[k].as_str().map(web_words);
    let diag = Diag {
        code: text("code").unwrap_or_default(),
        message: text("message").unwrap_or_default(),
        help: text("help"),
        field: field.map(|i| format!("p-{i}")),
    };
    (field, diag)
}

//! The run page's buttons: plain HTML forms that `POST` to
//! `/runs/{id}/cancel`, `/runs/{id}/pause`,
//! `/runs/{id}/gates/{gate}/approve|reject` and `/runs/{id}/resume`. Each carries the session's CSRF token (checked
//! here, [`super::BAD_CSRF`] otherwise) and calls the same code as the API's
//! handlers with the session's key as the caller, so a `read` key is
//! refused as the API refuses it (`API002`) and a decision records the
//! key's name. Done, it answers `303` back to the run's page with
//! `?done=…`; refused, an error page with the API's code.

use super::runs::encode;
use super::session::Session;
use super::Dash;
use crate::api::{gates, resume, runs};
use crate::problem::{Code, Problem};
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use serde::Deserialize;
use wfc_store::control::Decision;

#[derive(Deserialize)]
pub struct ActForm {
    #[serde(default)]
    csrf: String,
    /// The page to go back to: `/triggers`, else the workflows page.
    #[serde(default)]
    back: String,
}

/// Checks the form's token, then `act`: a redirect to the run's page with
/// `?done={done}`, or the refusal as a page.
async fn act(
    dash: Dash,
    session: Session,
    form: ActForm,
    done: &str,
    act: impl std::future::Future<Output = Result<String, Problem>>,
) -> Response {
    if let Some(refused) = super::session::forged(&dash, &session, &form.csrf) {
        return refused;
    }
    match act.await {
        Ok(id) => Redirect::to(&format!("/runs/{}?done={done}", encode(&id))).into_response(),
        Err(p) => dash.error(p.code.status(), p.code.id(), &p.detail, Some(&session)),
    }
}

/// `POST /runs/{id}/cancel`.
pub async fn cancel(
    State(dash): State<Dash>,
    Extension(session): Extension<Session>,
    Path(id): Path<String>,
    Form(form): Form<ActForm>,
) -> Response {
    let (app, who) = (dash.app.clone(), session.caller());
    let run = async move { runs::cancel_run(&app, &who, id).await };
    act(dash, session, form, "cancelled", run).await
}

/// `POST /runs/{id}/pause`.
pub async fn pause(
    State(dash): State<Dash>,
    Extension(session): Extension<Session>,
    Path(id): Path<String>,
    Form(form): Form<ActForm>,
) -> Response {
    let (app, who) = (dash.app.clone(), session.caller());
    let run = async move { crate::api::pause::pause_run(&app, &who, id).await };
    act(dash, session, form, "paused", run).await
}

/// `POST /workflows/{name}/triggers/pause` and `…/resume` (every kind):
/// back to the workflows page, or to `/triggers` when the form says so
/// (no other place: this is no open redirect).
pub async fn triggers(
    State(dash): State<Dash>,
    Extension(session): Extension<Session>,
    Path((name, verb)): Path<(String, String)>,
    Form(form): Form<ActForm>,
) -> Response {
    if let Some(refused) = super::session::forged(&dash, &session, &form.csrf) {
        return refused;
    }
    let paused = match verb.as_str() {
        "pause" => true,
        "resume" => false,
        _ => {
            return dash.error(
                axum::http::StatusCode::NOT_FOUND,
                "API003",
                &format!("no route /workflows/{name}/triggers/{verb}"),
                Some(&session),
            )
        }
    };
    let kind = crate::api::triggers::TriggerKind::default();
    match crate::api::triggers::change(dash.app.clone(), session.caller(), name, kind, paused).await
    {
        Ok(_) if form.back == "/triggers" => Redirect::to("/triggers").into_response(),
        Ok(_) => Redirect::to("/").into_response(),
        Err(p) => dash.error(p.code.status(), p.code.id(), &p.detail, Some(&session)),
    }
}

/// `POST /runs/{id}/resume`.
pub async fn resume(
    State(dash): State<Dash>,
    Extension(session): Extension<Session>,
    Path(id): Path<String>,
    Form(form): Form<ActForm>,
) -> Response {
    let (app, who) = (dash.app.clone(), session.caller());
    let run = async move { resume::resume_run(&app, &who, id).await };
    act(dash, session, form, "resumed", run).await
}

/// `POST /runs/{id}/gates/{gate}/approve`: the form's `comment` and each
/// `input.NAME` (as typed; checked against the run's plan).
pub async fn approve(
    state: State<Dash>,
    session: Extension<Session>,
    path: Path<(String, String)>,
    form: Form<Vec<(String, String)>>,
) -> Response {
    decide(state, session, path, form, Decision::Approved).await
}

/// `POST /runs/{id}/gates/{gate}/reject`: the form's `comment`.
pub async fn reject(
    state: State<Dash>,
    session: Extension<Session>,
    path: Path<(String, String)>,
    form: Form<Vec<(String, String)>>,
) -> Response {
    decide(state, session, path, form, Decision::Rejected).await
}

async fn decide(
    State(dash): State<Dash>,
    Extension(session): Extension<Session>,
    Path((id, gate)): Path<(String, String)>,
    Form(fields): Form<Vec<(String, String)>>,
    d: Decision,
) -> Response {
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let form = ActForm {
        csrf: field("csrf"),
        back: String::new(),
    };
    let comment = field("comment");
    let inputs: serde_json::Map<String, serde_json::Value> = fields
        .iter()
        .filter_map(|(k, v)| Some((k.strip_prefix("input.")?.to_owned(), v.clone().into())))
        .collect();
    let body = gates::DecisionBody {
        inputs: (d == Decision::Approved && !inputs.is_empty()).then_some(inputs),
        comment: (!comment.trim().is_empty()).then_some(comment),
    };
    if let Some(refused) = super::session::forged(&dash, &session, &form.csrf) {
        return refused;
    }
    let (app, who) = (dash.app.clone(), session.caller());
    let (run, step) = (id.clone(), gate.clone());
    match gates::decide(app, who, id, gate, d, body).await {
        Ok(accepted) => {
            let to = format!("/runs/{}?done={}", encode(&accepted.0.id), d.name());
            Redirect::to(&to).into_response()
        }
        // Inputs the gate refuses: its form again, as typed, with why.
        Err(p) if matches!(p.code, Code::Invalid | Code::BadRequest) => {
            super::gate_retry::page(&dash, &session, &run, &step, &p, &fields).await
        }
        Err(p) => dash.error(p.code.status(), p.code.id(), &p.detail, Some(&session)),
    }
}

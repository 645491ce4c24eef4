//! `POST /deliveries/{id}/redeliver`: the Redeliver button of a failed
//! webhook delivery on `/triggers` ([`crate::hooks::failed`]). With the
//! session's CSRF token and key, as the API's redelivery: a run it starts
//! opens (`?done=redelivered`), a delivery its `when` turns down again
//! goes back to `/triggers` (where it is listed anew), a refusal is an
//! error page with the hook's code.

use super::runs::encode;
use super::session::Session;
use super::Dash;
use crate::hooks::deliver::Answer;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use serde::Deserialize;

#[derive(Deserialize)]
pub struct RedeliverForm {
    #[serde(default)]
    csrf: String,
}

/// `POST /deliveries/{id}/redeliver`.
pub async fn redeliver(
    State(dash): State<Dash>,
    Extension(session): Extension<Session>,
    Path(id): Path<String>,
    Form(form): Form<RedeliverForm>,
) -> Response {
    if let Some(refused) = super::session::forged(&dash, &session, &form.csrf) {
        return refused;
    }
    let caller = session.caller();
    match crate::hooks::failed::redeliver_as(&dash.app, &dash.hooks, caller, id).await {
        Ok(Answer::Started { id, .. }) => {
            Redirect::to(&format!("/runs/{}?done=redelivered", encode(&id))).into_response()
        }
        Ok(Answer::Ignored(_)) => Redirect::to("/triggers").into_response(),
        Err(p) => dash.error(p.code.status(), p.code.id(), &p.detail, Some(&session)),
    }
}

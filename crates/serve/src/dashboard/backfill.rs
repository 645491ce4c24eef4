//! `POST /workflows/{name}/backfill`: the Backfill form of a schedule on
//! `/triggers` ([`crate::backfill`]). First the slots the range holds, on a
//! page that asks to confirm (or says what is wrong with the range, the
//! form filled in again); confirmed, they start one after another and the
//! runs page opens on the workflow's backfill runs.

use super::session::Session;
use super::Dash;
use crate::api::backfill::{start, BackfillBody};
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use serde::Deserialize;

#[derive(Deserialize)]
pub struct BackfillForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    schedule: Option<usize>,
    #[serde(default)]
    max: Option<usize>,
    /// Set by the confirming page's button.
    #[serde(default)]
    confirm: Option<String>,
}

/// `POST /workflows/{name}/backfill`.
pub async fn backfill(
    State(dash): State<Dash>,
    Extension(session): Extension<Session>,
    Path(name): Path<String>,
    Form(form): Form<BackfillForm>,
) -> Response {
    if let Some(refused) = super::session::forged(&dash, &session, &form.csrf) {
        return refused;
    }
    let caller = session.caller();
    let body = BackfillBody {
        from: form.from.clone(),
        to: form.to.clone(),
        schedule: form.schedule,
        max: form.max,
        confirm: form.confirm.is_some(),
    };
    let answer = start(&dash.app, &caller, &name, &body).await;
    let (answer, error) = match answer {
        Ok(a) if a.started => {
            let to = format!(
                "/runs?workflow={}&trigger=backfill",
                super::runs::encode(&name)
            );
            return Redirect::to(&to).into_response();
        }
        Ok(a) => (Some(a), None),
        Err(p) if p.code == crate::problem::Code::Forbidden => {
            return dash.error(p.code.status(), p.code.id(), &p.detail, Some(&session));
        }
        Err(p) => (None, Some(format!("{} ({})", p.detail, p.code.id()))),
    };
    dash.render(
        "backfill.html",
        "triggers",
        Some(&session),
        minijinja::context! {
            name, answer, error,
            from => form.from, to => form.to, schedule => form.schedule, max => form.max,
        },
    )
}

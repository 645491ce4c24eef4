//! `POST /runs/{id}/pause`: a running run starts nothing new (its running
//! steps finish) until `POST /runs/{id}/resume` — as `wfc pause` and
//! `wfc resume` ([`wfc_store::pause`]). The pause is in the run store, so
//! it reaches a run of any process, and a restart keeps it.

use super::runs::Accepted;
use super::{find_run, with_store, App};
use crate::auth::Caller;
use crate::problem::{Code, Problem, ProblemBody};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};

/// Pauses a running run: its running steps finish, nothing new starts (no
/// step, no retry) until the run is resumed. 409 when the run is not
/// running or is paused already.
#[utoipa::path(post, path = "/api/v1/runs/{id}/pause", operation_id = "pauseRun", tag = "runs",
    params(("id" = String, Path, description = "the run")),
    responses((status = 202, body = Accepted), (status = 401, body = ProblemBody), (status = 403, body = ProblemBody),
        (status = 404, body = ProblemBody), (status = 409, body = ProblemBody)),
    security(("bearer" = [])))]
pub async fn pause(
    State(app): State<App>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    let id = pause_run(&app, &caller, id).await?;
    let body = Accepted {
        detail: format!(
            "paused run {id}: its running steps finish, nothing new starts until it is resumed"
        ),
        id,
    };
    Ok((StatusCode::ACCEPTED, Json(body)).into_response())
}

/// Pauses run `typed` as `caller` (the API's, the dashboard's and MCP's
/// pause); the run's id.
pub async fn pause_run(app: &App, caller: &Caller, typed: String) -> Result<String, Problem> {
    caller.operator()?;
    let by = caller.name.clone();
    let id = with_store(app, move |s| {
        let id = find_run(s, &typed)?;
        wfc_store::pause::pause(s, &id, &by).map_err(|e| Problem::new(Code::Conflict, e))?;
        Ok(id)
    })
    .await?;
    tracing::info!(run = %id, by = %caller.name, "pause asked");
    Ok(id)
}

/// Lets paused run `id` go on, as `caller`; whether it was paused.
pub async fn unpause_run(app: &App, caller: &Caller, id: &str) -> Result<bool, Problem> {
    let by = caller.name.clone();
    let run = id.to_owned();
    let was = with_store(app, move |s| {
        wfc_store::pause::unpause(s, &run, &by).map_err(Problem::store)
    })
    .await?;
    if was {
        tracing::info!(run = %id, by = %caller.name, "unpaused");
        app.launcher.tell_parked();
    }
    Ok(was)
}

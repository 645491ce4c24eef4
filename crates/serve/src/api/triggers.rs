//! `POST /workflows/{name}/triggers/pause` and `…/resume`, `GET
//! /triggers/paused`: a workflow's triggers (all, or one kind) stop
//! starting runs, and start them again — as `wfc triggers pause|resume`
//! ([`wfc_store::pause`]). The server reads the pause at each firing.

use super::{with_store, App};
use crate::auth::Caller;
use crate::problem::{Code, Problem, ProblemBody};
use axum::extract::{Path, State};
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use wfc_store::pause::{self, TRIGGER_KINDS};

/// Which of the workflow's triggers.
#[derive(Default, Deserialize, ToSchema)]
pub struct TriggerKind {
    /// `schedule`, `webhook` or `change`; none: every kind.
    pub kind: Option<String>,
}

/// A workflow's triggers as they are now.
#[derive(Serialize, ToSchema)]
pub struct TriggerState {
    pub workflow: String,
    /// The kind paused or resumed; `null`: every kind.
    pub kind: Option<String>,
    pub paused: bool,
}

/// One paused trigger.
#[derive(Serialize, ToSchema)]
pub struct PausedTriggerJson {
    pub workflow: String,
    /// `schedule`, `webhook`, `change`, or `*` (every kind).
    pub kind: String,
    pub by: String,
    /// When, UTC (RFC 3339).
    pub at: String,
}

/// Pauses a served workflow's triggers: a schedule's slots are kept as
/// ignored firings, a webhook is answered 409 (`API102`), a changed file
/// is ignored. Runs started through the API still start.
#[utoipa::path(post, path = "/api/v1/workflows/{name}/triggers/pause", operation_id = "pauseTriggers", tag = "workflows",
    params(("name" = String, Path, description = "the workflow")),
    request_body(content = TriggerKind, description = "the kind to pause (none: every kind)"),
    responses((status = 200, body = TriggerState), (status = 400, body = ProblemBody), (status = 401, body = ProblemBody),
        (status = 403, body = ProblemBody), (status = 404, body = ProblemBody),
        (status = 415, body = ProblemBody, description = "a body that is not sent as `application/json` (`API005`)"),
        (status = 422, body = ProblemBody, description = "a body that is not `{\"kind\": …}` (`API005`)")),
    security(("bearer" = [])))]
pub async fn pause_triggers(
    State(app): State<App>,
    Extension(caller): Extension<Caller>,
    Path(name): Path<String>,
    body: Option<Json<TriggerKind>>,
) -> Result<Json<TriggerState>, Problem> {
    change(
        app,
        caller,
        name,
        body.map(|b| b.0).unwrap_or_default(),
        true,
    )
    .await
}

/// Lets a workflow's paused triggers start runs again.
#[utoipa::path(post, path = "/api/v1/workflows/{name}/triggers/resume", operation_id = "resumeTriggers", tag = "workflows",
    params(("name" = String, Path, description = "the workflow")),
    request_body(content = TriggerKind, description = "the kind to resume (none: every kind)"),
    responses((status = 200, body = TriggerState), (status = 400, body = ProblemBody), (status = 401, body = ProblemBody),
        (status = 403, body = ProblemBody), (status = 404, body = ProblemBody),
        (status = 415, body = ProblemBody, description = "a body that is not sent as `application/json` (`API005`)"),
        (status = 422, body = ProblemBody, description = "a body that is not `{\"kind\": …}` (`API005`)")),
    security(("bearer" = [])))]
pub async fn resume_triggers(
    State(app): State<App>,
    Extension(caller): Extension<Caller>,
    Path(name): Path<String>,
    body: Option<Json<TriggerKind>>,
) -> Result<Json<TriggerState>, Problem> {
    change(
        app,
        caller,
        name,
        body.map(|b| b.0).unwrap_or_default(),
        false,
    )
    .await
}

/// Pauses or resumes `name`'s triggers of `kind`, as `caller` (the API's,
/// the dashboard's and MCP's).
pub async fn change(
    app: App,
    caller: Caller,
    name: String,
    kind: TriggerKind,
    paused: bool,
) -> Result<Json<TriggerState>, Problem> {
    caller.operator()?;
    if let Some(k) = kind.kind.as_deref() {
        if !TRIGGER_KINDS.contains(&k) {
            return Err(Problem::new(
                Code::BadRequest,
                format!(
                    "`{k}` is no kind of trigger: one of {} (none: every kind)",
                    TRIGGER_KINDS.join(", ")
                ),
            ));
        }
    }
    app.catalog.find(&name)?;
    let (workflow, k, by) = (name.clone(), kind.kind.clone(), caller.name.clone());
    with_store(&app, move |s| {
        if paused {
            pause::pause_triggers(s, &workflow, k.as_deref(), &by).map_err(Problem::store)
        } else {
            pause::resume_triggers(s, &workflow, k.as_deref())
                .map(drop)
                .map_err(Problem::store)
        }
    })
    .await?;
    let what = if paused { "paused" } else { "resumed" };
    let shown = kind.kind.as_deref().unwrap_or("every kind");
    tracing::info!(workflow = %name, kind = %shown, by = %caller.name, "triggers {what}");
    Ok(Json(TriggerState {
        workflow: name,
        kind: kind.kind,
        paused,
    }))
}

/// The paused triggers, by workflow and kind.
#[utoipa::path(get, path = "/api/v1/triggers/paused", operation_id = "pausedTriggers", tag = "workflows",
    responses((status = 200, body = [PausedTriggerJson]), (status = 401, body = ProblemBody)),
    security(("bearer" = [])))]
pub async fn paused(State(app): State<App>) -> Result<Json<Vec<PausedTriggerJson>>, Problem> {
    if !wfc_store::exists(app.launcher.state_dir()) {
        return Ok(Json(Vec::new()));
    }
    let all = with_store(&app, |s| pause::paused_triggers(s).map_err(Problem::store)).await?;
    Ok(Json(
        all.into_iter()
            .map(|p| PausedTriggerJson {
                workflow: p.workflow,
                kind: p.kind,
                by: p.by,
                at: pause::when(p.at),
            })
            .collect(),
    ))
}

//! `GET /workflows/{name}/ignored`: the firings of a workflow's triggers
//! that started no run (a `when` that turned them down, a lock held with
//! `on busy skip`), newest first, with their reasons ([`crate::ignored`]).

use super::{with_store, App};
use crate::problem::{Problem, ProblemBody};
use axum::extract::{Path, Query, State};
use axum::Json;
use serde::Deserialize;
use utoipa::IntoParams;

/// At most this many are answered.
const MAX: i64 = 1000;

/// How many to answer.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct IgnoredQuery {
    /// At most this many, newest first (default 100, at most 1000).
    pub limit: Option<i64>,
}

/// The firings of workflow `name`'s triggers that started no run, newest
/// first: `at` (ms since the epoch), `file`, `workflow`, `trigger`
/// (`webhook /push`), `reason`, `delivery` (a webhook's delivery id).
#[utoipa::path(get, path = "/api/v1/workflows/{name}/ignored", operation_id = "ignoredFirings", tag = "workflows",
    params(("name" = String, Path, description = "The workflow"), IgnoredQuery),
    responses((status = 200, body = Vec<Object>), (status = 401, body = ProblemBody)),
    security(("bearer" = [])))]
pub async fn list(
    State(app): State<App>,
    Path(name): Path<String>,
    Query(q): Query<IgnoredQuery>,
) -> Result<Json<serde_json::Value>, Problem> {
    if !wfc_store::exists(app.launcher.state_dir()) {
        return Ok(Json(serde_json::json!([])));
    }
    let limit = q.limit.unwrap_or(100).clamp(1, MAX);
    with_store(&app, move |s| {
        let found = wfc_store::ignored::of_workflow(s, &name, limit).map_err(Problem::store)?;
        Ok(Json(serde_json::to_value(found).unwrap_or_default()))
    })
    .await
}

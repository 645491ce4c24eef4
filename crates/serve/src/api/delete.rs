//! `DELETE /runs/{id}`: a run deleted with everything the store keeps of
//! it, as `wfc runs delete` does (`wfc_store::delete`); refused for a run
//! still going (`409`), and `404` once it is gone.

use super::runs::Accepted;
use super::{with_store, App};
use crate::auth::Caller;
use crate::problem::{Code, Problem, ProblemBody};
use axum::extract::{Path, State};
use axum::{Extension, Json};
use wfc_store::delete::{self, DeleteError};

/// Deletes a run: its rows, step logs and artifact copies. Refused (409)
/// while it runs, waits for an approval or a lock, or is queued to be
/// resumed by this server.
#[utoipa::path(delete, path = "/api/v1/runs/{id}", operation_id = "deleteRun", tag = "runs",
    params(("id" = String, Path, description = "the run: an id, a unique prefix of one, or `last`")),
    responses((status = 200, body = Accepted), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody), (status = 409, body = ProblemBody)),
    security(("bearer" = [])))]
pub async fn delete(
    State(app): State<App>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Json<Accepted>, Problem> {
    caller.operator()?;
    let (id, ended) = with_store(&app, move |s| {
        let id = wfc_store::control::find_run(s, &id).map_err(|e| {
            let gone = e
                .starts_with("no run `")
                .then(|| DeleteError::Gone(id.clone()));
            Problem::new(Code::NotFound, gone.map_or(e, |g| g.to_string()))
        })?;
        let status = wfc_store::control::run_status(s, &id).map_err(Problem::store)?;
        Ok((id, status.is_some_and(|s| s != "running")))
    })
    .await?;
    if ended {
        app.launcher
            .let_go(&id, std::time::Duration::from_secs(5))
            .await;
    }
    let launcher = app.launcher.clone();
    let id = with_store(&app, move |s| {
        if let Some(state) = launcher.state(&id) {
            let why = DeleteError::Running {
                id: id.clone(),
                why: format!("is {state:?} in this server").to_lowercase(),
            };
            return Err(Problem::new(Code::Conflict, why.to_string()));
        }
        delete::delete_run(s, &id).map_err(|e| match e {
            DeleteError::Running { .. } => Problem::new(Code::Conflict, e.to_string()),
            DeleteError::Gone(_) => Problem::new(Code::NotFound, e.to_string()),
            DeleteError::Store(e) => Problem::store(e),
        })?;
        Ok(id)
    })
    .await?;
    tracing::info!(run = %id, by = %caller.name, "run deleted");
    Ok(Json(Accepted {
        detail: format!("deleted run {id}"),
        id,
    }))
}

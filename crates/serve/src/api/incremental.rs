//! Incremental runs on the API: why a step ran or was up to date
//! (`/runs/{id}/steps/{step}/explain`, as `wfc explain`) and what changed
//! in the plan since the run before (`/runs/{id}/diff`, as `wfc plan
//! --diff`). The dashboard's run page and MCP's `explain_step` and
//! `run_diff` read the same answers.

use super::{find_run, with_store, App};
use crate::problem::{Code, Problem, ProblemBody};
use axum::extract::{Path, Query, State};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use wfc_launch::incremental::Explanation;
use wfc_store::plan_diff::{self, PlanDelta};
use wfc_store::Store;

/// Why step `step` of run `typed` ran, was up to date, was skipped or did
/// not run (`wfc explain RUN STEP`): its verdict and reasons.
#[utoipa::path(get, path = "/api/v1/runs/{id}/steps/{step}/explain", operation_id = "explainStep", tag = "runs",
    params(("id" = String, Path, description = "a run id, a unique prefix of one, or `last`"),
        ("step" = String, Path, description = "a step of the run's main graph (an instance name such as `ship[eu-west]`)")),
    responses((status = 200, body = Explanation, description = "its `verdict` (`ran`, `up_to_date`, `skipped`, `did_not_run`, `failed`, `running`), the run it was up to date with or compared with, and why"),
        (status = 404, body = ProblemBody, description = "no such run, or the run has no such step (`API003`, with a suggestion)")),
    security(("bearer" = [])))]
pub async fn explain(
    State(app): State<App>,
    Path((typed, step)): Path<(String, String)>,
) -> Result<Json<Explanation>, Problem> {
    with_store(&app, move |s| explain_in(s, &typed, &step))
        .await
        .map(Json)
}

/// [`explain`] on an open store.
pub fn explain_in(store: &Store, typed: &str, step: &str) -> Result<Explanation, Problem> {
    let id = find_run(store, typed)?;
    wfc_launch::incremental::explain(store, &id, step)
        .map_err(Problem::store)?
        .map_err(|e| Problem::new(Code::NotFound, e))
}

/// Which run to compare with.
#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct DiffQuery {
    /// The run compared with (an id, a unique prefix, `last`); default:
    /// the run of the same workflow started just before.
    pub against: Option<String>,
}

/// What changed in a run's plan since another run's.
#[derive(Serialize, ToSchema)]
pub struct RunChanges {
    /// The run compared with: `null` when there is none (the workflow's
    /// first run), and then `changes` is empty.
    pub against: Option<String>,
    /// Steps added, removed and changed field by field, and the params and
    /// env that changed, as `wfc plan --diff` shows them (empty when either
    /// run has no recorded plan).
    pub changes: PlanDelta,
}

/// What changed since the last run: run `against`'s plan (default: the run
/// of the same workflow started just before) against this run's — steps
/// added, removed and changed field by field (text line by line), params
/// and env — as `wfc plan --diff` shows it. A workflow's first run has
/// nothing to compare with: `against` is `null`, `changes` empty.
#[utoipa::path(get, path = "/api/v1/runs/{id}/diff", operation_id = "runDiff", tag = "runs",
    params(("id" = String, Path, description = "a run id, a unique prefix of one, or `last`"), DiffQuery),
    responses((status = 200, body = RunChanges),
        (status = 404, body = ProblemBody, description = "no such run, or no such `against` run (`API003`)")),
    security(("bearer" = [])))]
pub async fn diff(
    State(app): State<App>,
    Path(typed): Path<String>,
    Query(q): Query<DiffQuery>,
) -> Result<Json<RunChanges>, Problem> {
    with_store(&app, move |s| changes(s, &typed, q.against.as_deref()))
        .await
        .map(Json)
}

/// [`diff`] on an open store.
pub fn changes(store: &Store, typed: &str, against: Option<&str>) -> Result<RunChanges, Problem> {
    let id = find_run(store, typed)?;
    let against = match against {
        Some(a) => Some(find_run(store, a)?),
        None => plan_diff::previous_of(store, &id).map_err(Problem::store)?,
    };
    let changes = match &against {
        Some(a) => plan_diff::between(store, a, &id)
            .map_err(Problem::store)?
            .unwrap_or_default(),
        None => PlanDelta::default(),
    };
    Ok(RunChanges { against, changes })
}

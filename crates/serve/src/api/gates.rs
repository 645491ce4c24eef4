//! Decisions on gates: approve (with the gate's `inputs` and a comment)
//! and reject (with a comment), through the run manager for the server's
//! own runs (the gate passes at once) and through the store for the
//! others. The API, the dashboard's form and MCP all come here.

use super::runs::Accepted;
use super::{find_run, with_store, App};
use crate::auth::Caller;
use crate::problem::{Code, Problem, ProblemBody};
use axum::extract::{Path, State};
use axum::{Extension, Json};
use serde::Deserialize;
use serde_json::{Map, Value as J};
use utoipa::ToSchema;
use wfc_contract::GateDecision;
use wfc_store::control::{self, Decision};

/// What a decision may carry (every field optional; an empty body is none).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionBody {
    /// The gate's `inputs` by name (approvals only): JSON values of their
    /// types, or their text as it would be typed (`"25"` for an int).
    #[schema(value_type = Object)]
    pub inputs: Option<Map<String, J>>,
    /// Why: recorded with the decision and shown with it.
    pub comment: Option<String>,
}

impl DecisionBody {
    /// A body's text read as [`DecisionBody`] (duplicate keys refused).
    pub fn parse(text: &str) -> Result<DecisionBody, Problem> {
        if text.trim().is_empty() {
            return Ok(DecisionBody::default());
        }
        let bad =
            |why: String| Problem::new(Code::BadRequest, format!("the decision's body: {why}"));
        let value = wfc_plan::strict_json::parse(text).map_err(|e| match e {
            wfc_plan::strict_json::Refused::Duplicate(k) => {
                bad(format!("key `{k}` is given twice"))
            }
            wfc_plan::strict_json::Refused::Invalid(e) => bad(format!("invalid JSON: {e}")),
        })?;
        serde_json::from_value(value).map_err(|e| bad(e.to_string()))
    }

    /// The decision `d` by `by` with this body's inputs and comment.
    pub fn decision(self, d: Decision, by: &str) -> GateDecision {
        GateDecision {
            inputs: self.inputs.unwrap_or_default(),
            comment: self.comment.unwrap_or_default().trim().to_owned(),
            ..d.by(by)
        }
    }
}

/// Approves a gate (an `approval` step, or a check paused by `on fail
/// pause`), with the gate's `inputs` and a comment. Inputs are checked
/// against the run's plan as params are: `API004` (400) names each problem.
#[utoipa::path(post, path = "/api/v1/runs/{id}/gates/{gate}/approve", operation_id = "approveGate", tag = "runs",
    params(("id" = String, Path, description = "the run"), ("gate" = String, Path, description = "the gate step")),
    request_body(content = Option<DecisionBody>, content_type = "application/json"),
    responses((status = 200, body = Accepted), (status = 400, body = ProblemBody), (status = 403, body = ProblemBody),
        (status = 404, body = ProblemBody), (status = 409, body = ProblemBody)),
    security(("bearer" = [])))]
pub async fn approve(
    State(app): State<App>,
    Extension(caller): Extension<Caller>,
    Path((id, gate)): Path<(String, String)>,
    body: String,
) -> Result<Json<Accepted>, Problem> {
    let body = DecisionBody::parse(&body)?;
    decide(app, caller, id, gate, Decision::Approved, body).await
}

/// Rejects a gate, with a comment: it fails.
#[utoipa::path(post, path = "/api/v1/runs/{id}/gates/{gate}/reject", operation_id = "rejectGate", tag = "runs",
    params(("id" = String, Path, description = "the run"), ("gate" = String, Path, description = "the gate step")),
    request_body(content = Option<DecisionBody>, content_type = "application/json"),
    responses((status = 200, body = Accepted), (status = 400, body = ProblemBody), (status = 403, body = ProblemBody),
        (status = 404, body = ProblemBody), (status = 409, body = ProblemBody)),
    security(("bearer" = [])))]
pub async fn reject(
    State(app): State<App>,
    Extension(caller): Extension<Caller>,
    Path((id, gate)): Path<(String, String)>,
    body: String,
) -> Result<Json<Accepted>, Problem> {
    let body = DecisionBody::parse(&body)?;
    if body.inputs.as_ref().is_some_and(|i| !i.is_empty()) {
        return Err(Problem::new(
            Code::BadRequest,
            "a rejection takes no inputs",
        ));
    }
    decide(app, caller, id, gate, Decision::Rejected, body).await
}

/// A decision by the key's name (the API's, the dashboard's and MCP's).
pub async fn decide(
    app: App,
    caller: Caller,
    id: String,
    gate: String,
    d: Decision,
    body: DecisionBody,
) -> Result<Json<Accepted>, Problem> {
    caller.operator()?;
    let by = caller.name.clone();
    let decision = body.decision(d, &by);
    // Inputs are checked first, against the run's recorded plan: a wrong
    // one is the caller's to fix (`API004`), not a conflict with the run.
    let (given, g) = (decision.clone(), gate.clone());
    let id = with_store(&app, move |s| {
        let id = find_run(s, &id)?;
        control::check_inputs(s, &id, &g, &given).map_err(|problems| {
            Problem::new(
                Code::Invalid,
                format!("gate `{g}` of run {id}: {}", problems.join("; ")),
            )
        })?;
        Ok(id)
    })
    .await?;
    let through_manager = app
        .launcher
        .manager()
        .decide(&id, &gate, decision.clone())
        .await;
    match through_manager {
        Ok(()) => {}
        Err(wfc_run::manager::ManagerError::NotRunning(_)) => {
            let (run, g) = (id.clone(), gate.clone());
            with_store(&app, move |s| {
                control::decide(s, &run, &g, &decision).map_err(|e| Problem::new(Code::Conflict, e))
            })
            .await?;
            // A parked run waits at the gate: woken now, not at the next look.
            app.launcher.tell_parked();
        }
        Err(wfc_run::manager::ManagerError::NoSuchGate { .. }) => {
            return Err(Problem::new(
                Code::NotFound,
                format!("run {id} has no gate `{gate}`"),
            ));
        }
        Err(e) => return Err(Problem::new(Code::Conflict, e.to_string())),
    }
    tracing::info!(run = %id, gate = %gate, by = %by, decision = d.name(), "gate decided");
    Ok(Json(Accepted {
        detail: format!("{} gate `{gate}` of run {id} as {by}", d.name()),
        id,
    }))
}

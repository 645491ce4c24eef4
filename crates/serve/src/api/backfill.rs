//! `POST /workflows/{name}/backfill`: a served workflow's schedule over a
//! past range ([`crate::backfill`]): without `"confirm": true` the slots
//! it would run; with it, they start, one after another, on this server
//! (the answer does not wait for them: `GET /runs?trigger=backfill`).

use super::App;
use crate::auth::Caller;
use crate::backfill::{self, range::stamp};
use crate::problem::{Code, Problem, ProblemBody};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use wfc_language::ir::Trigger;

/// What to backfill.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BackfillBody {
    /// The range's start, included: RFC 3339, a date, or a local time in the schedule's zone.
    pub from: String,
    /// The range's end, included (a date is its whole day).
    pub to: String,
    /// Which of the workflow's schedules, from 1, when it has several.
    pub schedule: Option<usize>,
    /// The most slots the range may hold (default 100, at most 10000).
    pub max: Option<usize>,
    /// Start the runs; without it, only the slots are answered.
    #[serde(default)]
    pub confirm: bool,
}

/// A backfill's slots, and whether they are being run.
#[derive(Serialize, ToSchema)]
pub struct BackfillAnswer {
    pub workflow: String,
    /// The schedule, as `wfc` describes it.
    pub schedule: String,
    /// Its slots, oldest first (RFC 3339, UTC).
    pub slots: Vec<String>,
    /// `true`: they start one after another (`GET /runs?trigger=backfill`);
    /// `false`: nothing started (send `"confirm": true`).
    pub started: bool,
}

/// Runs a served workflow's schedule over a past range: one run per slot,
/// each given its slot as `run.scheduled`, recorded with the trigger
/// `backfill`, one after another and after any run of the schedule still
/// going; a slot a run covers already is skipped (a backfill sent twice
/// runs each slot once). Without `"confirm": true`, only the slots.
#[utoipa::path(post, path = "/api/v1/workflows/{name}/backfill", operation_id = "backfill", tag = "workflows",
    params(("name" = String, Path, description = "the workflow")),
    request_body(content = BackfillBody),
    responses(
        (status = 200, body = BackfillAnswer, description = "the slots; nothing started"),
        (status = 202, body = BackfillAnswer, description = "the slots, starting one after another"),
        (status = 400, body = ProblemBody, description = "no schedule (`E0993`), a bad range (`E0990`), over `max` (`E0991`): `API005`"),
        (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)),
    security(("bearer" = [])))]
pub async fn backfill(
    State(app): State<App>,
    Extension(caller): Extension<Caller>,
    Path(name): Path<String>,
    Json(body): Json<BackfillBody>,
) -> Result<Response, Problem> {
    let answer = start(&app, &caller, &name, &body).await?;
    let status = match answer.started {
        true => StatusCode::ACCEPTED,
        false => StatusCode::OK,
    };
    Ok((status, Json(answer)).into_response())
}

/// The slots of `body`'s range for workflow `name`, started when it says
/// `confirm` (the API's and the dashboard's backfill).
pub async fn start(
    app: &App,
    caller: &Caller,
    name: &str,
    body: &BackfillBody,
) -> Result<BackfillAnswer, Problem> {
    caller.operator()?;
    let workflow = app.catalog.find(name)?;
    let bad = |e: String| Problem::new(Code::BadRequest, e);
    let schedule = backfill::schedule_of(&workflow.ir, body.schedule).map_err(bad)?;
    let zone = schedule.timezone;
    let from = backfill::parse_time(&body.from, zone).map_err(bad)?;
    let to = backfill::parse_end(&body.to, zone).map_err(bad)?;
    let trigger = Trigger::Schedule(schedule.clone());
    let describe = wfc_plan::render::triggers::describe(&workflow.ir, &trigger);
    let max = body.max.unwrap_or(backfill::MAX_DEFAULT);
    let slots = backfill::slots(schedule, describe, from, to, max).map_err(bad)?;
    let answer = BackfillAnswer {
        workflow: workflow.ir.name.clone(),
        schedule: slots.schedule.clone(),
        slots: slots.slots.iter().map(|s| stamp(*s)).collect(),
        started: body.confirm,
    };
    if body.confirm {
        let launcher = app.launcher.clone();
        let by = caller.name.clone();
        tracing::info!(workflow = %answer.workflow, slots = slots.slots.len(), %by, "backfill started");
        tokio::spawn(async move {
            let stop = launcher.stopping();
            let outcomes =
                backfill::run(&launcher, &workflow, &slots.slots, &by, &stop, |_| {}).await;
            let ran = outcomes
                .iter()
                .filter(|o| matches!(o, backfill::Outcome::Ran { .. }))
                .count();
            tracing::info!(workflow = %workflow.ir.name, ran, slots = outcomes.len(), "backfill ended");
        });
    }
    Ok(answer)
}

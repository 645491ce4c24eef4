//! `/runs` and `/stats`: runs listed and summed up (what `wfc history` and
//! `stats` show), and cancel and gate decisions. One run is
//! [`super::run_detail`], a step's log [`super::logs`].

use super::{find_run, with_store, App};
use crate::auth::Caller;
use crate::problem::{Code, Problem, ProblemBody};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use wfc_store::control;
use wfc_store::listing::{self, Filter};
use wfc_store::query::RunRow;
use wfc_store::stats::WorkflowStats;

/// The most runs one page holds.
pub const MAX_LIMIT: usize = 500;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RunsQuery {
    /// `running`, `waiting` (a running run held by a person: an approval,
    /// a check paused by `on fail pause`), `succeeded`, `failed`,
    /// `cancelled` or `interrupted`; several, comma-separated: any of them.
    pub status: Option<String>,
    pub workflow: Option<String>,
    /// What started the run: `api`, `manual` (`wfc run`)…
    pub trigger: Option<String>,
    /// Runs whose workflow had this tag (its `tags [...]`) when they started.
    pub tag: Option<String>,
    /// Runs started at or after (RFC 3339, or ms since the epoch).
    pub since: Option<String>,
    /// Runs started before (RFC 3339, or ms since the epoch).
    pub until: Option<String>,
    /// Runs per page (default 50, at most 500).
    pub limit: Option<usize>,
    /// The previous page's `next_cursor`.
    pub cursor: Option<String>,
}

/// A page of runs, newest first.
#[derive(Serialize, ToSchema)]
pub struct RunPage {
    /// Each as `wfc history --format json` shows it, with its `trigger`.
    pub runs: Vec<RunItem>,
    /// Pass as `cursor` for the next page; absent on the last.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// One run of a listing: its row as `wfc history --format json` shows it,
/// what started it, and whether it is queued to be resumed.
#[derive(Serialize, ToSchema)]
pub struct RunItem {
    #[serde(flatten)]
    pub run: RunRow,
    /// What started it: `api`, `schedule`, `webhook`, `change`, `manual`.
    pub trigger: String,
    /// Interrupted and queued to be resumed by this server (absent: not).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub queued_for_resume: bool,
}

/// Lists runs, newest first, filtered, a page at a time.
#[utoipa::path(get, path = "/api/v1/runs", operation_id = "listRuns", tag = "runs", params(RunsQuery),
    responses((status = 200, body = RunPage), (status = 400, body = ProblemBody)),
    security(("bearer" = [])))]
pub async fn list(
    State(app): State<App>,
    Query(q): Query<RunsQuery>,
) -> Result<Json<RunPage>, Problem> {
    let statuses: Vec<String> = q
        .status
        .as_deref()
        .map(|s| s.split(',').map(|s| s.trim().to_owned()).collect())
        .unwrap_or_default();
    if let Some(s) = statuses
        .iter()
        .find(|s| !listing::STATUSES.contains(&s.as_str()))
    {
        return Err(Problem::new(
            Code::BadRequest,
            format!(
                "`status={s}` is not a run status: use one of {}",
                listing::STATUSES.join(", ")
            ),
        ));
    }
    if q.limit == Some(0) {
        return Err(Problem::new(
            Code::BadRequest,
            format!("`limit=0`: a page holds 1 to {MAX_LIMIT} runs"),
        ));
    }
    let filter = Filter {
        status: statuses,
        workflow: q.workflow,
        trigger: q.trigger,
        tag: q.tag,
        since_ms: q.since.as_deref().map(|t| time(t, "since")).transpose()?,
        until_ms: q.until.as_deref().map(|t| time(t, "until")).transpose()?,
        after: q.cursor.as_deref().map(cursor).transpose()?,
        limit: q.limit.unwrap_or(50).clamp(1, MAX_LIMIT),
        ..Filter::default()
    };
    let dir = app.launcher.state_dir().to_path_buf();
    // An empty store lists no runs (not a 404).
    if !wfc_store::exists(&dir) {
        return Ok(Json(RunPage {
            runs: Vec::new(),
            next_cursor: None,
        }));
    }
    let page = with_store(&app, move |s| {
        listing::list(s, &filter).map_err(Problem::store)
    })
    .await?;
    let runs = page
        .runs
        .into_iter()
        .map(|(run, trigger)| RunItem {
            queued_for_resume: queued(&app, &run.id),
            run,
            trigger,
        })
        .collect();
    Ok(Json(RunPage {
        runs,
        next_cursor: page.next.map(|(ms, id)| format!("{ms}:{id}")),
    }))
}

/// Whether run `id` is interrupted and queued to be resumed at the
/// server's start, waiting for a slot.
pub(super) fn queued(app: &App, id: &str) -> bool {
    app.launcher.state(id) == Some(wfc_launch::State::Queued)
}

/// `2024-05-01T12:00:00Z` or milliseconds since the epoch.
fn time(text: &str, what: &str) -> Result<i64, Problem> {
    if let Ok(ms) = text.parse::<i64>() {
        return Ok(ms);
    }
    utc_ms(text).ok_or_else(|| {
            Problem::new(
                Code::BadRequest,
                format!("`{what}={text}` is not a time: use RFC 3339 (2024-05-01T12:00:00Z) or ms since the epoch"),
            )
        })
}

/// Milliseconds since the epoch of `YYYY-MM-DDTHH:MM:SS[.fff]Z` (UTC, as
/// the store's timestamps are written).
fn utc_ms(text: &str) -> Option<i64> {
    let t = text.strip_suffix('Z')?;
    let (date, clock) = t.split_once('T')?;
    let mut d = date.splitn(3, '-').map(|x| x.parse::<i64>().ok());
    let (y, m, day) = (d.next()??, d.next()??, d.next()??);
    let (hms, frac) = clock.split_once('.').unwrap_or((clock, "0"));
    let mut c = hms.splitn(3, ':').map(|x| x.parse::<i64>().ok());
    let (h, min, sec) = (c.next()??, c.next()??, c.next()??);
    if !(1..=12).contains(&m) || !(1..=31).contains(&day) || h > 23 || min > 59 || sec > 60 {
        return None;
    }
    let ms: i64 = format!("{:0<3}", frac).get(..3)?.parse().ok()?;
    // Days from the civil date (Howard Hinnant's algorithm).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * ((m + 9) % 12) + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(((days * 24 + h) * 60 + min) * 60_000 + sec * 1000 + ms)
}

fn cursor(text: &str) -> Result<(i64, String), Problem> {
    text.split_once(':')
        .and_then(|(ms, id)| Some((ms.parse().ok()?, id.to_owned())))
        .ok_or_else(|| {
            Problem::new(
                Code::BadRequest,
                format!("`cursor={text}` is not a cursor this API gave"),
            )
        })
}

/// What was asked of a run.
#[derive(Serialize, ToSchema)]
pub struct Accepted {
    pub id: String,
    pub detail: String,
}

/// Cancels a run gracefully: running steps stop, compensations and
/// `finally` run. A run of another process (`wfc run`) is asked through
/// the store, as `wfc cancel` asks.
#[utoipa::path(post, path = "/api/v1/runs/{id}/cancel", operation_id = "cancelRun", tag = "runs",
    params(("id" = String, Path, description = "the run")),
    responses((status = 202, body = Accepted), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody), (status = 409, body = ProblemBody)),
    security(("bearer" = [])))]
pub async fn cancel(
    State(app): State<App>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    let id = cancel_run(&app, &caller, id).await?;
    let body = Accepted {
        detail: format!("asked run {id} to cancel"),
        id,
    };
    Ok((StatusCode::ACCEPTED, Json(body)).into_response())
}

/// Asks run `typed` to cancel, as `caller` (the API's and the dashboard's
/// cancel); the run's id.
pub async fn cancel_run(app: &App, caller: &Caller, typed: String) -> Result<String, Problem> {
    caller.operator()?;
    let launcher = app.launcher.clone();
    let id = with_store(app, move |s| {
        let id = find_run(s, &typed)?;
        // (A start queued in the store for any server ends there.)
        if !launcher.cancel(&id) && !wfc_store::queued::cancel(s, &id).map_err(Problem::store)? {
            control::request_cancel(s, &id).map_err(|e| Problem::new(Code::Conflict, e))?;
        }
        Ok(id)
    })
    .await?;
    app.launcher.tell_parked();
    tracing::info!(run = %id, by = %caller.name, "cancel asked");
    Ok(id)
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StatsQuery {
    /// Only this workflow.
    pub workflow: Option<String>,
    /// Only the most recent N runs of each workflow.
    pub last: Option<usize>,
}

/// Per workflow and step: runs, success rate, p50/p95 durations, retries
/// (as `wfc stats --format json`).
#[utoipa::path(get, path = "/api/v1/stats", operation_id = "stats", tag = "runs", params(StatsQuery),
    responses((status = 200, body = Vec<WorkflowStats>), (status = 400, body = ProblemBody, description = "a `last` that is not a number")),
    security(("bearer" = [])))]
pub async fn stats(
    State(app): State<App>,
    Query(q): Query<StatsQuery>,
) -> Result<Json<Vec<WorkflowStats>>, Problem> {
    if !wfc_store::exists(app.launcher.state_dir()) {
        return Ok(Json(Vec::new()));
    }
    with_store(&app, move |s| {
        let all = wfc_store::stats::stats(s, q.workflow.as_deref(), q.last.filter(|n| *n > 0))
            .map_err(Problem::store)?;
        Ok(Json(all))
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_utc_timestamps_as_the_store_writes_them() {
        let t = std::time::UNIX_EPOCH + std::time::Duration::from_millis(1_714_564_800_123);
        let written = wfc_contract::time::timestamp(t);
        assert_eq!(utc_ms(&written), Some(1_714_564_800_123), "{written}");
        assert_eq!(utc_ms("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(utc_ms("2024-05-01"), None);
    }
}

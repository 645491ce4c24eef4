//! `/runs…` and `/stats`: the run store read back (what `wfc history`,
//! `status`, `logs` and `stats` show), and cancel and gate decisions.

use super::{find_run, with_store, App};
use crate::auth::Caller;
use crate::problem::{Code, Problem, ProblemBody};
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};
use std::time::Duration;
use tokio::sync::{Semaphore, SemaphorePermit};
use utoipa::{IntoParams, ToSchema};
use wfc_store::control::{self, Decision};
use wfc_store::listing::{self, Filter};
use wfc_store::logs::read::{self, Chain, Lines};
use wfc_store::query::RunDetail;

/// The most runs one page holds.
pub const MAX_LIMIT: usize = 500;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RunsQuery {
    /// `running`, `succeeded`, `failed`, `cancelled` or `interrupted`.
    pub status: Option<String>,
    pub workflow: Option<String>,
    /// What started the run: `api`, `manual` (`wfc run`)…
    pub trigger: Option<String>,
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
    #[schema(value_type = Vec<Object>)]
    pub runs: Vec<serde_json::Value>,
    /// Pass as `cursor` for the next page; absent on the last.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// Lists runs, newest first, filtered, a page at a time.
#[utoipa::path(get, path = "/api/v1/runs", operation_id = "listRuns", tag = "runs", params(RunsQuery),
    responses((status = 200, body = RunPage), (status = 400, body = ProblemBody)),
    security(("bearer" = [])))]
pub async fn list(
    State(app): State<App>,
    Query(q): Query<RunsQuery>,
) -> Result<Json<RunPage>, Problem> {
    if let Some(s) = q
        .status
        .as_deref()
        .filter(|s| !listing::STATUSES.contains(s))
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
        status: q.status,
        workflow: q.workflow,
        trigger: q.trigger,
        since_ms: q.since.as_deref().map(|t| time(t, "since")).transpose()?,
        until_ms: q.until.as_deref().map(|t| time(t, "until")).transpose()?,
        after: q.cursor.as_deref().map(cursor).transpose()?,
        limit: q.limit.unwrap_or(50).clamp(1, MAX_LIMIT),
    };
    let dir = app.launcher.state_dir().to_path_buf();
    // An empty store lists no runs (not a 404).
    if !dir.join("runs.db").exists() {
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
        .map(|(row, trigger)| {
            let queued = queued(&app, &row.id);
            let v = with_trigger(serde_json::to_value(row).unwrap_or_default(), trigger);
            with_queued(v, queued)
        })
        .collect();
    Ok(Json(RunPage {
        runs,
        next_cursor: page.next.map(|(ms, id)| format!("{ms}:{id}")),
    }))
}

/// Whether run `id` is interrupted and queued to be resumed at the
/// server's start, waiting for a slot.
fn queued(app: &App, id: &str) -> bool {
    app.launcher.state(id) == Some(wfc_launch::State::Queued)
}

/// `v` with `queued_for_resume: true` when `queued`.
fn with_queued(mut v: serde_json::Value, queued: bool) -> serde_json::Value {
    if let (true, Some(o)) = (queued, v.as_object_mut()) {
        o.insert("queued_for_resume".into(), true.into());
    }
    v
}

fn with_trigger(mut v: serde_json::Value, trigger: String) -> serde_json::Value {
    if let Some(o) = v.as_object_mut() {
        o.insert("trigger".into(), trigger.into());
    }
    v
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

/// Answers of runs of more than this many planned steps take a permit of
/// [`BUILDING`]: a smaller one is built and sent without waiting.
const SMALL_RUN: i64 = 2_000;
/// How many answers of big runs are built and sent at once: one of 50,000
/// steps holds ~30 MB of typed rows and ~25 MB of JSON until it is sent.
const BIG_ANSWERS: usize = 2;
static BUILDING: Semaphore = Semaphore::const_new(BIG_ANSWERS);
/// How long a request waits for a permit before its 503.
const PERMIT_WAIT: Duration = Duration::from_secs(5);
/// The bytes of one chunk of a run's answer as it is written and sent.
const CHUNK: usize = 64 << 10;

/// A run as the API answers it: [`wfc_store::query::RunDetail`] (whose
/// `trigger` the API always gives, `manual` too) and whether it is queued
/// to be resumed.
#[derive(Serialize)]
struct RunAnswer<'a> {
    #[serde(flatten)]
    run: &'a RunDetail,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    queued_for_resume: bool,
}

/// One run: its steps with their attempts, durations and outputs (secrets
/// masked), as `wfc status --format json` shows it, with its `trigger` and,
/// for an `api` run from MCP or the dashboard, its `origin` (`mcp`, `dashboard`).
/// At most two answers of runs over 2,000 steps are made at once; a request
/// that waits 5 s for its turn gets a 503 (`API008`) with `Retry-After`.
#[utoipa::path(get, path = "/api/v1/runs/{id}", operation_id = "getRun", tag = "runs",
    params(("id" = String, Path, description = "a run id, a unique prefix of one, or `last`")),
    responses((status = 200, body = Object), (status = 404, body = ProblemBody),
        (status = 503, body = ProblemBody, description = "too many answers of big runs are being made: try again after `Retry-After`")),
    security(("bearer" = [])))]
pub async fn detail(State(app): State<App>, Path(id): Path<String>) -> Result<Response, Problem> {
    let (run, queued, permit) = run_detail(&app, id).await?;
    // Written as it is sent, on a blocking thread, a chunk at a time: the
    // answer is never whole in memory, and the permit is held until its
    // last chunk is sent (or the client left and a send failed).
    let (tx, rx) = tokio::sync::mpsc::channel(4);
    tokio::task::spawn_blocking(move || {
        let _permit = permit;
        let answer = RunAnswer {
            run: &run,
            queued_for_resume: queued,
        };
        let mut out = Chunks {
            buf: Vec::with_capacity(CHUNK),
            tx,
        };
        let written = serde_json::to_writer(&mut out, &answer)
            .map_err(std::io::Error::other)
            .and_then(|()| out.send());
        if let Err(e) = written {
            let _ = out.tx.blocking_send(Err(e));
        }
    });
    let chunks = futures::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|chunk| (chunk, rx))
    });
    Ok((
        [(header::CONTENT_TYPE, "application/json")],
        axum::body::Body::from_stream(chunks),
    )
        .into_response())
}

/// A writer that sends what it is given in chunks of [`CHUNK`] bytes.
struct Chunks {
    buf: Vec<u8>,
    tx: tokio::sync::mpsc::Sender<std::io::Result<axum::body::Bytes>>,
}

impl Chunks {
    /// Sends what is buffered; fails once the answer's reader is gone.
    fn send(&mut self) -> std::io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK));
        self.tx
            .blocking_send(Ok(chunk.into()))
            .map_err(|_| std::io::Error::from(std::io::ErrorKind::BrokenPipe))
    }
}

impl std::io::Write for Chunks {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(bytes);
        if self.buf.len() >= CHUNK {
            self.send()?;
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.send()
    }
}

/// Run `typed` as `GET /runs/{id}` answers it, as JSON (what MCP's
/// `run_status` shows).
pub async fn run_value(app: &App, typed: String) -> Result<serde_json::Value, Problem> {
    let (run, queued, _permit) = run_detail(app, typed).await?;
    let answer = RunAnswer {
        run: &run,
        queued_for_resume: queued,
    };
    serde_json::to_value(answer).map_err(Problem::store)
}

/// Run `typed` in its typed form (serialized straight from it: a
/// `serde_json::Value` of 40,000 steps took ~300 MB), whether it is queued
/// to be resumed, and for a big run the permit to make its answer.
async fn run_detail(
    app: &App,
    typed: String,
) -> Result<(RunDetail, bool, Option<SemaphorePermit<'static>>), Problem> {
    let (id, steps) = with_store(app, move |s| {
        let id = find_run(s, &typed)?;
        let run = wfc_store::query::run(s, &id).map_err(Problem::store)?;
        Ok((id, run.map_or(0, |r| r.steps)))
    })
    .await?;
    let permit = match steps > SMALL_RUN {
        true => Some(permit(&id).await?),
        false => None,
    };
    let queued = queued(app, &id);
    let d = with_store(app, move |s| {
        let mut d = wfc_store::query::detail(s, &id)
            .map_err(Problem::store)?
            .ok_or_else(|| Problem::new(Code::NotFound, format!("run {id} vanished")))?;
        d.trigger = Some(listing::trigger(s, &id).map_err(Problem::store)?);
        Ok(d)
    })
    .await?;
    Ok((d, queued, permit))
}

/// A permit to build and send the answer of big run `id`, or a 503 after
/// [`PERMIT_WAIT`].
async fn permit(id: &str) -> Result<SemaphorePermit<'static>, Problem> {
    match tokio::time::timeout(PERMIT_WAIT, BUILDING.acquire()).await {
        Ok(Ok(p)) => Ok(p),
        _ => Err(Problem {
            retry_after: Some(PERMIT_WAIT.as_secs()),
            ..Problem::new(
                Code::Busy,
                format!(
                    "run {id} is big and {BIG_ANSWERS} answers of big runs are being made: try again"
                ),
            )
        }),
    }
}

/// The most lines one answer of a step's log holds.
pub const MAX_LOG_LINES: usize = 10_000;
/// The most bytes of text one answer of a step's log holds (lines are cut
/// at 16 KiB, [`wfc_store::logs::read::LINE_CAP`]).
pub const MAX_LOG_BYTES: usize = 4 << 20;
/// The lines of an `after` page when `limit` is not given.
const DEFAULT_LOG_LIMIT: usize = 1000;

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct LogQuery {
    /// The last N lines (1 to 10000).
    pub tail: Option<String>,
    /// Lines from this cursor on: `0` for the first, or the
    /// `Wfc-Log-Cursor` of an earlier answer.
    pub after: Option<String>,
    /// The most lines of an `after` page (1 to 10000, default 1000).
    pub limit: Option<String>,
}

/// What of a step's log is asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogRead {
    /// All of it, as it is on disk (streamed).
    Whole,
    /// The last N lines.
    Tail(usize),
    /// At most `limit` lines from byte offset `after` on.
    Page { after: u64, limit: usize },
}

impl LogQuery {
    pub fn read(&self) -> Result<LogRead, Problem> {
        let lines = |what: &str, text: &str| {
            text.parse::<usize>()
                .ok()
                .filter(|n| (1..=MAX_LOG_LINES).contains(n))
                .ok_or_else(|| {
                    Problem::new(
                        Code::BadRequest,
                        format!(
                            "`{what}={text}` is not a number of lines from 1 to {MAX_LOG_LINES}"
                        ),
                    )
                })
        };
        match (&self.tail, &self.after, &self.limit) {
            (None, None, None) => Ok(LogRead::Whole),
            (Some(t), None, None) => Ok(LogRead::Tail(lines("tail", t)?)),
            (Some(_), _, _) => Err(Problem::new(
                Code::BadRequest,
                "`tail` goes alone: `after` and `limit` page from a cursor",
            )),
            (None, after, limit) => {
                let after = match after {
                    None => 0,
                    Some(a) => a.parse::<u64>().map_err(|_| {
                        Problem::new(
                            Code::BadRequest,
                            format!("`after={a}` is not a cursor this API gave"),
                        )
                    })?,
                };
                let limit = limit.as_deref().map(|l| lines("limit", l)).transpose()?;
                Ok(LogRead::Page {
                    after,
                    limit: limit.unwrap_or(DEFAULT_LOG_LIMIT),
                })
            }
        }
    }
}

/// The log files of step `step` of run `typed`, in the order the steps
/// started (a name in two graphs has two); `API003` when it has none.
async fn log_files(
    app: &App,
    typed: String,
    step: String,
) -> Result<Vec<std::path::PathBuf>, Problem> {
    with_store(app, move |s| {
        let id = find_run(s, &typed)?;
        let logs = wfc_store::logs::step_logs(s, &id, Some(&step)).map_err(Problem::store)?;
        if logs.is_empty() {
            return Err(Problem::new(
                Code::NotFound,
                format!("run {id} has no log of a step `{step}`"),
            ));
        }
        Ok(logs.into_iter().map(|l| l.path).collect())
    })
    .await
}

/// Lines of step `step`'s log, `how` asks (not [`LogRead::Whole`]), in at
/// most `max_bytes` of text: what the API and MCP's `logs` answer.
pub async fn log_lines(
    app: &App,
    typed: String,
    step: String,
    how: LogRead,
    max_bytes: usize,
) -> Result<Lines, Problem> {
    let paths = log_files(app, typed, step).await?;
    tokio::task::spawn_blocking(move || {
        let mut chain = Chain::open(&paths)?;
        match how {
            LogRead::Tail(n) => read::tail(&mut chain, n, max_bytes),
            LogRead::Page { after, limit } => read::page(&mut chain, after, limit, max_bytes),
            LogRead::Whole => read::page(&mut chain, 0, MAX_LOG_LINES, max_bytes),
        }
    })
    .await
    .map_err(Problem::store)?
    .map_err(|e| match e.kind() {
        std::io::ErrorKind::InvalidInput => Problem::new(
            Code::BadRequest,
            format!("`after` is not a cursor this API gave: {e}"),
        ),
        _ => Problem::store(e),
    })
}

/// The log of step `step` of a run (every attempt, as `wfc logs RUN STEP`):
/// all of it streamed from disk, or the last `tail` lines, or a page of
/// `limit` lines `after` a cursor. A tail or a page holds at most 10,000
/// lines and 4 MiB (a line is cut at 16 KiB) and says in `Wfc-Log-Cursor`
/// (and a `Link` `rel="next"`) where the next page starts.
#[utoipa::path(get, path = "/api/v1/runs/{id}/logs/{step}", operation_id = "getStepLog", tag = "runs",
    params(("id" = String, Path, description = "the run"), ("step" = String, Path, description = "the step (an instance name such as `ship[eu-west]`)"), LogQuery),
    responses((status = 200, body = String, content_type = "text/plain"), (status = 400, body = ProblemBody), (status = 404, body = ProblemBody)),
    security(("bearer" = [])))]
pub async fn logs(
    State(app): State<App>,
    Path((id, step)): Path<(String, String)>,
    Query(q): Query<LogQuery>,
) -> Result<Response, Problem> {
    const TEXT: &str = "text/plain; charset=utf-8";
    let how = q.read()?;
    if how == LogRead::Whole {
        let paths = log_files(&app, id, step).await?;
        let chain = tokio::task::spawn_blocking(move || Chain::open(&paths))
            .await
            .map_err(Problem::store)?
            .map_err(Problem::store)?;
        let len = chain.len();
        let body = axum::body::Body::from_stream(whole(chain));
        return Ok((
            [
                (header::CONTENT_TYPE, TEXT.to_owned()),
                (header::CONTENT_LENGTH, len.to_string()),
            ],
            body,
        )
            .into_response());
    }
    let limit = match how {
        LogRead::Tail(n) | LogRead::Page { limit: n, .. } => n,
        LogRead::Whole => MAX_LOG_LINES,
    };
    let lines = log_lines(&app, id, step, how, MAX_LOG_BYTES).await?;
    let next = format!("<?after={}&limit={limit}>; rel=\"next\"", lines.end);
    Ok((
        [
            (header::CONTENT_TYPE, TEXT.to_owned()),
            (
                header::HeaderName::from_static("wfc-log-cursor"),
                lines.end.to_string(),
            ),
            (header::LINK, next),
        ],
        lines.text(),
    )
        .into_response())
}

/// The bytes of `chain`, a chunk at a time (read on a blocking thread),
/// as the connection takes them.
fn whole(chain: Chain) -> impl futures::Stream<Item = std::io::Result<axum::body::Bytes>> {
    futures::stream::unfold(Some(chain), |chain| async move {
        let mut chain = chain?;
        let read = tokio::task::spawn_blocking(move || {
            let mut buf = vec![0u8; read::CHUNK];
            let n = std::io::Read::read(&mut chain, &mut buf)?;
            buf.truncate(n);
            Ok::<_, std::io::Error>((chain, buf))
        })
        .await
        .map_err(std::io::Error::other)
        .and_then(|r| r);
        match read {
            Ok((_, buf)) if buf.is_empty() => None,
            Ok((chain, buf)) => Some((Ok(buf.into()), Some(chain))),
            Err(e) => Some((Err(e), None)),
        }
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
        if !launcher.cancel(&id) {
            control::request_cancel(s, &id).map_err(|e| Problem::new(Code::Conflict, e))?;
        }
        Ok(id)
    })
    .await?;
    tracing::info!(run = %id, by = %caller.name, "cancel asked");
    Ok(id)
}

/// Approves a gate (an `approval` step, or a check paused by `on fail pause`).
#[utoipa::path(post, path = "/api/v1/runs/{id}/gates/{gate}/approve", operation_id = "approveGate", tag = "runs",
    params(("id" = String, Path, description = "the run"), ("gate" = String, Path, description = "the gate step")),
    responses((status = 200, body = Accepted), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody), (status = 409, body = ProblemBody)),
    security(("bearer" = [])))]
pub async fn approve(
    State(app): State<App>,
    Extension(caller): Extension<Caller>,
    Path((id, gate)): Path<(String, String)>,
) -> Result<Json<Accepted>, Problem> {
    decide(app, caller, id, gate, Decision::Approved).await
}

/// Rejects a gate: it fails.
#[utoipa::path(post, path = "/api/v1/runs/{id}/gates/{gate}/reject", operation_id = "rejectGate", tag = "runs",
    params(("id" = String, Path, description = "the run"), ("gate" = String, Path, description = "the gate step")),
    responses((status = 200, body = Accepted), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody), (status = 409, body = ProblemBody)),
    security(("bearer" = [])))]
pub async fn reject(
    State(app): State<App>,
    Extension(caller): Extension<Caller>,
    Path((id, gate)): Path<(String, String)>,
) -> Result<Json<Accepted>, Problem> {
    decide(app, caller, id, gate, Decision::Rejected).await
}

/// A decision by the key's name: through the manager for the server's own
/// runs (the gate passes at once), through the store for the others (the
/// API's and the dashboard's approve and reject).
pub async fn decide(
    app: App,
    caller: Caller,
    id: String,
    gate: String,
    d: Decision,
) -> Result<Json<Accepted>, Problem> {
    caller.operator()?;
    let id = with_store(&app, move |s| find_run(s, &id)).await?;
    let m = app.launcher.manager();
    let by = caller.name.clone();
    let through_manager = match d {
        Decision::Approved => m.approve(&id, &gate, &by).await,
        Decision::Rejected => m.reject(&id, &gate, &by).await,
    };
    match through_manager {
        Ok(()) => {}
        Err(wfc_run::manager::ManagerError::NotRunning(_)) => {
            let (run, g, who) = (id.clone(), gate.clone(), by.clone());
            with_store(&app, move |s| {
                control::decide(s, &run, &g, d, &who).map_err(|e| Problem::new(Code::Conflict, e))
            })
            .await?;
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
    responses((status = 200, body = Vec<Object>)),
    security(("bearer" = [])))]
pub async fn stats(
    State(app): State<App>,
    Query(q): Query<StatsQuery>,
) -> Result<Json<serde_json::Value>, Problem> {
    if !app.launcher.state_dir().join("runs.db").exists() {
        return Ok(Json(serde_json::json!([])));
    }
    with_store(&app, move |s| {
        let all = wfc_store::stats::stats(s, q.workflow.as_deref(), q.last.filter(|n| *n > 0))
            .map_err(Problem::store)?;
        Ok(Json(serde_json::to_value(all).unwrap_or_default()))
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

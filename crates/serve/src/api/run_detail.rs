//! `GET /runs/{id}`: one run read back, a page of its steps at a time
//! ([`super::step_pages`]), or every step in one answer written as it is
//! sent (`?steps=all`).

use super::runs::queued;
use super::step_pages::{
    self, RunQuery, RunStepPage, Steps, DEFAULT_STEP_LIMIT, MAX_STEP_LIMIT, PAGE_BYTES,
};
use super::{find_run, with_store, App};
use crate::problem::{Code, Problem, ProblemBody};
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use std::time::Duration;
use tokio::sync::{Semaphore, SemaphorePermit};
use wfc_store::listing;
use wfc_store::query::RunDetail;

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

/// One run, as `wfc status --format json` shows it (its `status` is
/// `waiting` while a person holds it: a gate's approval), with its `trigger`
/// and, for an `api` run from MCP or the dashboard, its `origin` (`mcp`,
/// `dashboard`); how many steps have each status (`step_counts`), and its
/// steps with their attempts, durations and outputs (secrets masked) a page
/// at a time: 200 by default, at most 1,000 and 1 MiB a page. A page with
/// more after it says where the next starts: `next_cursor`, `next` (its
/// URL) and a `Link` header `rel="next"`. `steps=all` gives every step in
/// one answer, written as it is sent: at most two such answers of runs over
/// 2,000 steps are made at once (four pages), and a request that waits 5 s
/// for its turn gets a 503 (`API008`) with `Retry-After`.
#[utoipa::path(get, path = "/api/v1/runs/{id}", operation_id = "getRun", tag = "runs",
    params(("id" = String, Path, description = "a run id, a unique prefix of one, or `last`"), RunQuery),
    responses((status = 200, body = RunStepPage, description = "the run (`status` is `waiting` while a person holds it), `step_counts`, `step_total`, a page of steps in `step_list` (each with its attempts and, where known, `cpu_seconds` and `peak_memory_bytes`), and `next_cursor` and `next` when more follow"),
        (status = 400, body = ProblemBody, description = "a bad `steps`, `limit` or `cursor` (`API005`)"),
        (status = 404, body = ProblemBody),
        (status = 503, body = ProblemBody, description = "a run over 2,000 steps: too many of its answers (`steps=all`) or pages are being made: try again after `Retry-After`")),
    security(("bearer" = [])))]
pub async fn detail(
    State(app): State<App>,
    Path(id): Path<String>,
    Query(q): Query<RunQuery>,
) -> Result<Response, Problem> {
    let (statuses, from, limit) = match q.read(DEFAULT_STEP_LIMIT, MAX_STEP_LIMIT)? {
        Steps::All => return whole(app, id).await,
        Steps::Page {
            statuses,
            from,
            limit,
        } => (statuses, from, limit),
    };
    let page = step_pages::read(&app, id, statuses, from, limit, PAGE_BYTES).await?;
    let link = page.next.as_ref().map(|n| format!("<{n}>; rel=\"next\""));
    let mut answer = Json(page).into_response();
    if let Some(link) = link.and_then(|l| header::HeaderValue::from_str(&l).ok()) {
        answer.headers_mut().insert(header::LINK, link);
    }
    Ok(answer)
}

/// Every step of run `id` in one answer (`?steps=all`).
async fn whole(app: App, id: String) -> Result<Response, Problem> {
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

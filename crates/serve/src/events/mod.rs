//! Live events as Server-Sent Events: `GET /api/v1/runs/{id}/events` (one
//! run: its run and step events and its log lines) and `GET
//! /api/v1/events` (every run: run and step events, no log lines).
//!
//! Both are read from the run store — its `events` rows and the step log
//! files, which hold masked values only — a bounded amount a read (at once
//! again while more is left: [`wfc_store::tail`]), so a stream is the same
//! whether a client watched live or connects later: every event has an id
//! ([`wfc_store::tail::cursor`]) and a reconnect with `Last-Event-ID` goes
//! on from there, from the store. A run's stream ends after its `end`
//! event, which follows its last lines.
//!
//! When to read is pushed (`stream.rs`): the run manager's bus says when a
//! run of this server recorded a turn or a step printed a line, and the
//! stream reads at once — folding the run's journal first, which the store
//! would otherwise get up to 200 ms later. A line so reaches a client in
//! about a millisecond (`cargo bench --bench sse_latency`). Every 200 ms
//! it reads anyway: runs of another process (a `wfc run` on the same state
//! folder) are not on the bus, nor are rows other processes write (`wfc
//! cancel`, decisions), and a bus that fell behind is no loss.
//!
//! A comment every 15 s keeps idle connections open. A stream ends too
//! once its caller's [`Access`] no longer holds (a revoked key, a closed
//! session): it asks before every read.

mod stream;

use crate::api::{find_run, with_store, App};
use crate::auth::Access;
use crate::problem::{Code, Problem, ProblemBody};
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::sse::{Event, Sse};
use axum::Extension;
use futures::Stream;
use std::convert::Infallible;
use stream::{stream, Source};
use wfc_store::tail::global::GlobalTail;
use wfc_store::tail::{GlobalCursor, RunCursor, RunTail};

/// A run's events and log lines, replayed from `Last-Event-ID` (or from
/// the start), live until the run's `end`.
#[utoipa::path(get, path = "/api/v1/runs/{id}/events", operation_id = "runEvents", tag = "events",
    params(("id" = String, Path, description = "the run"),
        ("Last-Event-ID" = Option<String>, Header, description = "the id of the last event received: the stream goes on after it")),
    responses((status = 200, description = "Server-Sent Events: `run_started`, `step_started`, `log`, `step_ended`, …, `end`", content_type = "text/event-stream", body = String),
        (status = 400, body = ProblemBody), (status = 404, body = ProblemBody)),
    security(("bearer" = [])))]
pub async fn run_events(
    State(app): State<App>,
    Extension(access): Extension<Access>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, Problem> {
    run_stream(&app, access, id, last_event_id(&headers)).await
}

/// Run `id`'s stream from the event id `from` on (from the start when
/// `None`): the API's and the dashboard's run streams.
pub async fn run_stream(
    app: &App,
    access: Access,
    id: String,
    from: Option<String>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>> + use<>>, Problem> {
    let cursor = match from {
        Some(text) => RunCursor::parse(&text).ok_or_else(|| bad_id(&text))?,
        None => RunCursor::default(),
    };
    // A run just started may not be in the store yet: the manager knows it.
    let live = app.launcher.state(&id).is_some();
    let tail = with_store(app, move |s| {
        let id = match find_run(s, &id) {
            Err(_) if live => id,
            found => found?,
        };
        let store = s.reopen().map_err(Problem::store)?;
        let tail = RunTail::new(&store, id, cursor, true).map_err(Problem::store)?;
        Ok((tail, store))
    })
    .await?;
    let source = Source::Run(Box::new(tail.0), tail.1);
    Ok(stream(app, access, source))
}

/// Every run's run and step events, from `Last-Event-ID` or from now on.
#[utoipa::path(get, path = "/api/v1/events", operation_id = "events", tag = "events",
    params(("Last-Event-ID" = Option<String>, Header, description = "the id of the last event received: the stream goes on after it")),
    responses((status = 200, description = "Server-Sent Events of every run (no log lines)", content_type = "text/event-stream", body = String),
        (status = 400, body = ProblemBody)),
    security(("bearer" = [])))]
pub async fn all_events(
    State(app): State<App>,
    Extension(access): Extension<Access>,
    headers: HeaderMap,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, Problem> {
    let cursor = match last_event_id(&headers) {
        Some(text) => Some(GlobalCursor::parse(&text).ok_or_else(|| bad_id(&text))?),
        None => None,
    };
    let dir = app.launcher.state_dir().to_path_buf();
    let tail =
        tokio::task::spawn_blocking(move || GlobalTail::new(wfc_store::Store::open(&dir)?, cursor))
            .await
            .map_err(Problem::store)?
            .map_err(Problem::store)?;
    Ok(stream(&app, access, Source::All(Box::new(tail))))
}

/// The `Last-Event-ID` a reconnecting client sends.
pub fn last_event_id(headers: &HeaderMap) -> Option<String> {
    let v = headers.get("last-event-id")?;
    Some(String::from_utf8_lossy(v.as_bytes()).into_owned())
}

fn bad_id(text: &str) -> Problem {
    Problem::new(
        Code::BadEventId,
        format!("`Last-Event-ID: {text}` is not an id of this stream; reconnect without it to start over"),
    )
}

//! One stream's task: read what its source holds past the stream's
//! cursor, send it, then wait until the run manager's bus says a run wrote
//! (or [`POLL`] passed), and read again.
//!
//! The bus says only *when*, never *what* ([`wfc_run::manager::events`]):
//! what goes out is read from the store, so its ids are the store's
//! cursors and its lines the masked lines the store wrote, whether the
//! client watches live or reconnects. Memory is bounded on both sides: the
//! bus drops the oldest nudges of a subscriber that fell behind (which
//! reads the store anyway), and a read takes a bounded amount from the
//! store, the task waiting on a client slower than the events — it reads
//! on from its cursor once the client took them.

use crate::api::App;
use crate::auth::Access;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures::Stream;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;
use wfc_run::manager::events::{RecvError, RunEvent, RunEventKind, Subscription, TryRecvError};
use wfc_store::tail::global::GlobalTail;
use wfc_store::tail::{catch_up, Out, RunTail};
use wfc_store::Store;

/// How often the store is read when the bus says nothing: for runs of
/// other processes, rows other processes write, and a revoked key.
const POLL: Duration = Duration::from_millis(200);

/// What a stream reads.
pub(super) enum Source {
    Run(Box<RunTail>, Store),
    All(Box<GlobalTail>),
}

impl Source {
    /// The one run this stream follows (`None`: every run).
    fn run(&self) -> Option<&str> {
        match self {
            Source::Run(t, _) => Some(&t.run),
            Source::All(_) => None,
        }
    }

    /// Folds what the journals of `runs` hold into the store, so that the
    /// next poll reads the present. A failure (the store busy for long)
    /// costs only time: the run's own fold brings it within 200 ms.
    fn catch_up(&self, runs: &[Arc<str>]) {
        for run in runs {
            let folded = match self {
                Source::Run(_, store) => catch_up(store, run),
                Source::All(t) => t.catch_up(run),
            };
            if let Err(e) = folded {
                tracing::debug!(run = %run, error = %e, "an event stream could not fold a run's journal");
            }
        }
    }

    fn poll(&mut self) -> Result<Vec<Out>, String> {
        match self {
            Source::Run(t, store) => t.poll(store).map_err(|e| e.to_string()),
            Source::All(t) => t.poll(),
        }
    }

    fn done(&self) -> bool {
        matches!(self, Source::Run(t, _) if t.done)
    }

    /// More is there to read at once (a replay of many runs, a log
    /// bigger than a poll reads).
    fn behind(&self) -> bool {
        match self {
            Source::Run(t, _) => t.behind(),
            Source::All(t) => t.behind(),
        }
    }
}

/// Reads `source` on a task until it is done, the client goes, the
/// caller's `access` ends, or the server stops (a client then reconnects
/// with its last id).
pub(super) fn stream(
    app: &App,
    access: Access,
    mut source: Source,
) -> Sse<impl Stream<Item = Result<Event, Infallible>> + use<>> {
    let stopping = app.launcher.stopping();
    let run: Option<Arc<str>> = source.run().map(Arc::from);
    // Subscribed before the first read: whatever is written after it is told.
    let manager = app.launcher.manager();
    let mut bus = Some(match run {
        Some(_) => manager.subscribe_with_lines(),
        None => manager.subscribe(),
    });
    let (tx, rx) = tokio::sync::mpsc::channel::<Event>(256);
    tokio::spawn(async move {
        // A run's first read sees the present too: what its journal holds.
        let mut fold: Vec<Arc<str>> = run.iter().cloned().collect();
        loop {
            if !access.holds() {
                return;
            }
            let runs = std::mem::take(&mut fold);
            let polled = tokio::task::spawn_blocking(move || {
                source.catch_up(&runs);
                let r = source.poll();
                (source, r)
            })
            .await;
            let Ok((s, result)) = polled else { return };
            source = s;
            match result {
                Ok(outs) => {
                    for o in outs {
                        let e = Event::default()
                            .id(o.id)
                            .event(o.event)
                            .data(o.data.to_string());
                        if tx.send(e).await.is_err() {
                            return;
                        }
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, "an event stream cannot read the run store");
                    return;
                }
            }
            if source.done() {
                return;
            }
            if source.behind() && !stopping.is_cancelled() && !tx.is_closed() {
                continue;
            }
            tokio::select! {
                _ = stopping.cancelled() => return,
                _ = tx.closed() => return,
                _ = tokio::time::sleep(POLL) => {}
                runs = told(&mut bus, run.as_deref()) => fold = runs,
            }
        }
    });
    let events =
        futures::stream::unfold(
            rx,
            |mut rx| async move { rx.recv().await.map(|e| (Ok(e), rx)) },
        );
    Sse::new(events).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}

/// Waits until the bus tells of `run` (of any run when `None`), then takes
/// what else it holds: the runs whose journals to fold before reading
/// (none for lines alone: a step's log is written before it is told). A
/// subscriber that fell behind folds its run. Never ends once the bus is
/// gone (the stream polls).
async fn told(bus: &mut Option<Subscription>, run: Option<&str>) -> Vec<Arc<str>> {
    let mut fold = Vec::new();
    let Some(sub) = bus.as_mut() else {
        return std::future::pending().await;
    };
    let note = |e: RunEvent, fold: &mut Vec<Arc<str>>| {
        if run.is_some_and(|r| *e.run_id != *r) {
            return false;
        }
        if e.kind != RunEventKind::Printed && !fold.contains(&e.run_id) {
            fold.push(e.run_id);
        }
        true
    };
    loop {
        match sub.recv().await {
            Ok(e) => {
                if note(e, &mut fold) {
                    break;
                }
            }
            Err(RecvError::Lagged(_)) => {
                fold.extend(run.map(Arc::from));
                break;
            }
            Err(RecvError::Closed) => {
                *bus = None;
                return std::future::pending().await;
            }
        }
    }
    loop {
        match sub.try_recv() {
            Ok(e) => {
                note(e, &mut fold);
            }
            Err(TryRecvError::Lagged(_)) => {
                if let Some(r) = run.filter(|r| !fold.iter().any(|f| **f == **r)) {
                    fold.push(Arc::from(r));
                }
            }
            Err(_) => break,
        }
    }
    fold
}

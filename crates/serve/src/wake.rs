//! The waker: wakes the runs that parked (see `wfc_run::park`) when what
//! they wait for happens — a decision, a deadline, a pause lifted, a
//! cancel — whichever process wrote it (this server's API, `wfc approve` in
//! a terminal, a clock). It reads the store's state, not a stream of
//! changes ([`wfc_store::park::due`]): whenever the store changed (on
//! SQLite it asks every [`TICK`], which costs one page read when nothing
//! did; a database tells it, `LISTEN`, and it looks anyway every
//! [`SLOW_TICK`]), at once when this server parked a run or took a
//! decision ([`wfc_launch::Launcher::tell_parked`]), and at the earliest
//! deadline.
//!
//! A woken run is the run's next session, prepared as the API's resume
//! prepares one (its recorded params, its file as served; what succeeded is
//! restored) but keeping every decision, and queued for a slot
//! ([`wfc_launch::Launcher::wake`]): never refused, never lost. One that
//! cannot be prepared (its file is gone, a secret has no value) is made
//! `interrupted` with the reason, for a person to resume.

use crate::api::{resume as api_resume, App};
use std::time::Duration;
use wfc_store::Store;

/// Registers the store's parked runs with the launcher (before the
/// schedules start: their overlap sees them), then wakes runs as they are
/// due, until the launcher stops.
pub async fn start(app: App) {
    let dir = app.launcher.state_dir().to_path_buf();
    let found = tokio::task::spawn_blocking(move || {
        let store = Store::open(&dir).map_err(|e| e.to_string())?;
        wfc_store::park::all(&store).map_err(|e| e.to_string())
    })
    .await
    .map_err(|e| e.to_string())
    .and_then(|r| r);
    match found {
        Ok(ids) => {
            if !ids.is_empty() {
                tracing::info!(
                    runs = ids.len(),
                    "parked runs found; each is woken when what it waits for happens"
                );
            }
            app.launcher.adopt_parked(&ids);
        }
        Err(e) => {
            tracing::warn!(error = %e, "cannot read the parked runs; they are woken once the store can be read")
        }
    }
    tokio::spawn(run(app));
}

/// How often the waker asks the store whether anything changed (`PRAGMA
/// data_version`: one page read, no query, when nothing did). A decision
/// written by another process (`wfc approve`) is seen within this.
pub const TICK: Duration = Duration::from_millis(25);

/// How often the waker looks anyway on a store that tells it of changes
/// (a database's `NOTIFY`, [`wfc_store::park::WAKE_CHANNEL`]): a notice
/// lost with its connection is made up for within this.
pub const SLOW_TICK: Duration = Duration::from_secs(2);

/// What one look at the store found.
struct Looked {
    /// The runs due, with when each parked.
    due: Vec<(String, i64)>,
    /// The earliest deadline of a parked run (store ms).
    next: Option<i64>,
    /// Held parked here, no longer parked there: another process (`wfc
    /// resume` in a terminal) woke them.
    gone: Vec<String>,
}

async fn run(app: App) {
    let stopping = app.launcher.stopping();
    // On a database, its triggers tell of changes: each notice is counted,
    // and the count is the "version" the look compares.
    let news = std::sync::Arc::new(std::sync::atomic::AtomicI64::new(0));
    let heard = std::sync::Arc::new(tokio::sync::Notify::new());
    let (n, h) = (news.clone(), heard.clone());
    let told_by_store = wfc_store::remote::listen(
        app.launcher.state_dir(),
        wfc_store::park::WAKE_CHANNEL,
        Box::new(move || {
            n.fetch_add(1, std::sync::atomic::Ordering::AcqRel);
            h.notify_one();
        }),
    );
    let tick = if told_by_store { SLOW_TICK } else { TICK };
    let mut looked_at = tokio::time::Instant::now();
    let mut store: Option<Store> = None;
    // The store's `data_version` at the last look, and the deadline then.
    let (mut version, mut next) = (None::<i64>, None::<i64>);
    let mut told = true;
    let mut retries = Retries::default();
    loop {
        let dir = app.launcher.state_dir().to_path_buf();
        // Before the store is read: a run parked by then has its row.
        let held: Vec<String> = app
            .launcher
            .owned_runs()
            .into_iter()
            .filter(|(_, s)| *s == wfc_launch::State::Parked)
            .map(|(id, _)| id)
            .collect();
        let kept = store.take();
        let force = std::mem::take(&mut told)
            || retries.due()
            || (told_by_store && looked_at.elapsed() >= SLOW_TICK);
        let (seen, deadline) = (version, next);
        let news_now = told_by_store.then(|| news.load(std::sync::atomic::Ordering::Acquire));
        let looked = tokio::task::spawn_blocking(move || {
            let s = match kept {
                Some(s) => s,
                None => Store::open(&dir).map_err(|e| e.to_string())?,
            };
            let now = wfc_store::now_ms();
            let changed = match news_now {
                Some(n) => n,
                None => wfc_store::park::changes(&s).map_err(|e| e.to_string())?,
            };
            let quiet = !force && seen == Some(changed) && deadline.is_none_or(|t| t > now);
            if quiet {
                return Ok::<_, String>((s, changed, None));
            }
            let due = wfc_store::park::due(&s, now).map_err(|e| e.to_string())?;
            let next = wfc_store::park::next_wake(&s, now).map_err(|e| e.to_string())?;
            let gone: Vec<String> = if held.is_empty() {
                Vec::new()
            } else {
                let all: std::collections::HashSet<String> = wfc_store::park::all(&s)
                    .map_err(|e| e.to_string())?
                    .into_iter()
                    .collect();
                held.into_iter().filter(|id| !all.contains(id)).collect()
            };
            Ok((s, changed, Some(Looked { due, next, gone })))
        })
        .await
        .map_err(|e| e.to_string())
        .and_then(|r| r);
        match looked {
            Ok((s, changed, found)) => {
                store = Some(s);
                version = Some(changed);
                if let Some(found) = found {
                    looked_at = tokio::time::Instant::now();
                    next = found.next;
                    for id in found.gone {
                        tracing::info!(run = %id, "parked run woken by another process");
                        app.launcher.forget_parked(&id);
                    }
                    retries.keep(&found.due);
                    for (id, since) in found.due {
                        match app.launcher.state(&id) {
                            Some(wfc_launch::State::Parked) | None => {
                                if retries.may_try(&id, since) {
                                    wake(&app, id).await;
                                }
                            }
                            // Being woken: a wake that fails leaves it unowned.
                            Some(_) => retries.forget(&id),
                        }
                    }
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot look for parked runs to wake");
                version = None;
            }
        }
        // Until the next deadline, on a store that tells of changes.
        let wait = match (told_by_store, next) {
            (true, Some(t)) => {
                let ms = u64::try_from(t - wfc_store::now_ms()).unwrap_or(0);
                // (Not less than a tick: a wake that did not take waits
                // for its retry, not in a loop.)
                tick.min(Duration::from_millis(ms).max(TICK))
            }
            _ => tick,
        };
        tokio::select! {
            _ = stopping.cancelled() => return,
            _ = app.launcher.parked_news() => told = true,
            _ = heard.notified() => {}
            _ = tokio::time::sleep(wait) => {}
        }
    }
}

/// The wakes tried of runs still parked since: a wake that did not take
/// (the store refused the claim, the disk is full) is tried again after
/// [`RETRY_FIRST`], doubling up to [`RETRY_MOST`], not at every look.
#[derive(Default)]
struct Retries(std::collections::HashMap<String, Retry>);

struct Retry {
    /// When the run parked, as the tried wake found it.
    since: i64,
    tries: u32,
    not_before: tokio::time::Instant,
}

/// The wait before the first retry of a wake, and the longest.
const RETRY_FIRST: Duration = Duration::from_millis(500);
const RETRY_MOST: Duration = Duration::from_secs(60);

impl Retries {
    /// Forgets the runs no longer due (woken, or parked anew).
    fn keep(&mut self, due: &[(String, i64)]) {
        self.0
            .retain(|id, r| due.iter().any(|(d, since)| d == id && *since == r.since));
    }

    /// Whether a wake of run `id`, parked since `since`, may be tried now;
    /// if so, it counts as tried.
    fn may_try(&mut self, id: &str, since: i64) -> bool {
        let now = tokio::time::Instant::now();
        let tried = self.0.entry(id.to_owned()).or_insert(Retry {
            since,
            tries: 0,
            not_before: now,
        });
        if now < tried.not_before {
            return false;
        }
        if tried.tries > 0 {
            tracing::warn!(run = %id, tries = tried.tries, "parked run still not woken; trying again");
        }
        let wait = RETRY_FIRST.saturating_mul(1 << tried.tries.min(10));
        tried.tries += 1;
        tried.not_before = now + wait.min(RETRY_MOST);
        true
    }

    /// Run `id` is being woken: what happens next is a new story.
    fn forget(&mut self, id: &str) {
        self.0.remove(id);
    }

    /// Whether a retry is due (the store may not have changed since).
    fn due(&self) -> bool {
        let now = tokio::time::Instant::now();
        self.0.values().any(|r| r.tries > 0 && r.not_before <= now)
    }
}

/// Wakes parked run `id` if the launcher holds it parked (one it holds
/// otherwise is parking or waking already).
async fn wake(app: &App, id: String) {
    match app.launcher.state(&id) {
        Some(wfc_launch::State::Parked) => {}
        Some(_) => return,
        // Parked by a process that had no launcher of this server's.
        None => app.launcher.adopt_parked(std::slice::from_ref(&id)),
    }
    match prepare(app, &id).await {
        Ok(run) => {
            if app.launcher.wake(run) {
                tracing::info!(run = %id, "parked run woken");
            }
        }
        Err(why) => {
            tracing::warn!(run = %id, "parked run {id} cannot be woken: {why}; it is interrupted, `wfc resume {id}` resumes it");
            let dir = app.launcher.state_dir().to_path_buf();
            let run = id.clone();
            let given_up = tokio::task::spawn_blocking(move || {
                let store = Store::open(&dir).map_err(|e| e.to_string())?;
                wfc_store::park::give_up(&store, &run, &why).map_err(|e| e.to_string())
            })
            .await;
            if !matches!(given_up, Ok(Ok(()))) {
                tracing::warn!(run = %id, "cannot mark the run interrupted: {given_up:?}");
            }
            app.launcher.forget_parked(&id);
        }
    }
}

/// The next session of parked run `id`.
async fn prepare(app: &App, id: &str) -> Result<wfc_launch::Run, String> {
    let why = |p: crate::problem::Problem| p.detail;
    let (id, rec, trigger) = api_resume::recorded(app, id.to_owned())
        .await
        .map_err(why)?;
    let workflow = api_resume::workflow_of(app, &id, &rec).await.map_err(why)?;
    // Every decision stands: a rejection taken while it was parked is the gate's.
    let mut run = api_resume::prepare(app, id, rec, trigger, workflow, false)
        .await
        .map_err(why)?;
    run.woken = true;
    run.admission = wfc_launch::Admission::Queue;
    Ok(run)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wake_that_did_not_take_waits_before_it_is_tried_again() {
        let mut r = Retries::default();
        assert!(r.may_try("a", 10), "the first wake is tried at once");
        assert!(!r.may_try("a", 10), "not again at the next look");
        assert!(!r.due(), "no retry is due yet");
        assert!(r.may_try("b", 10), "another run is its own story");
        // Parked anew (woken, then parked at its next gate): a new story.
        r.keep(&[("a".into(), 20)]);
        assert!(r.may_try("a", 20));
        // Being woken, then unowned again: tried at once.
        r.forget("a");
        assert!(r.may_try("a", 20));
        assert_eq!(r.0["a"].tries, 1);
        assert!(r.0["a"].not_before > tokio::time::Instant::now() + RETRY_FIRST / 2);
    }
}

//! `lock EXPR` for the server's runs: the run's key is taken in the run
//! store's lock table, the one `wfc run` and `wfc resume` take (so server
//! and CLI runs of one key exclude each other), before its first step.
//!
//! The run is started at once (the API answers 202 without waiting) and
//! recorded as running; it then waits, without holding a runtime thread:
//! the store is tried on the blocking pool every [`locks::RETRY`], and
//! between tries the wait is a timer that a cancel ends. A run that waits
//! records a `waiting_for_lock` event (`{"key", "held_by"}`: its stream,
//! `wfc status` and `GET /runs/{id}` show it) and logs "waiting for lock
//! KEY (held by run ID)"; once it has the key, `lock_taken`. A run
//! cancelled while it waits ends `cancelled` with nothing run.
//!
//! The key is given back when the run ends ([`Held::release`]), or freed
//! for the next taker when the server dies (the table keeps the holder's
//! process).

use crate::problem::{Code, Problem};
use std::path::PathBuf;
use std::time::SystemTime;
use tokio_util::sync::CancellationToken;
use wfc_plan::triggers::RunInfo;
use wfc_plan::Plan;
use wfc_run::mask::Masker;
use wfc_run::runner::BeforeSteps;
use wfc_store::locks::{self, Holder};
use wfc_store::Store;

/// The lock key of run `run_id` of `plan`, started by `trigger` at
/// `started`, if the workflow has a `lock`. Secret params' values in it
/// are masked where the key is shown (it is the key all the same).
pub fn key(
    plan: &Plan,
    run_id: &str,
    trigger: &str,
    started: SystemTime,
) -> Result<Option<String>, Problem> {
    // As `run.started` reads in the run: RFC 3339 UTC, whole seconds.
    let full = wfc_contract::time::timestamp(started);
    let started = match full.rfind('.') {
        Some(dot) => format!("{}Z", &full[..dot]),
        None => full,
    };
    let run = RunInfo {
        id: run_id,
        workflow: &plan.workflow,
        trigger,
        started: &started,
    };
    match plan.lock_key(&run) {
        None => Ok(None),
        Some(Ok(key)) => Ok(Some(key)),
        Some(Err(e)) => Err(Problem::new(
            Code::LockKey,
            format!(
                "workflow `{}`: the lock key cannot be computed: {e}",
                plan.workflow
            ),
        )),
    }
}

/// The masker of `plan`'s secret params, for showing a key.
pub fn masker(plan: &Plan) -> Masker {
    Masker::new(
        plan.params
            .iter()
            .filter(|p| p.secret)
            .map(|p| p.value.to_text())
            .filter(|t| !t.is_empty()),
    )
}

/// A lock a run takes (or took): what gives it back.
#[derive(Clone)]
pub struct Held {
    dir: PathBuf,
    key: String,
    run_id: String,
}

impl Held {
    pub fn new(dir: PathBuf, key: String, run_id: String) -> Held {
        Held { dir, key, run_id }
    }

    /// What the run waits for before its first step: the key, taken.
    /// `shown` is the key as logs and events show it (secrets masked).
    pub fn before_steps(&self, shown: String) -> BeforeSteps {
        let held = self.clone();
        Box::new(move |cancel| Box::pin(async move { held.take(&shown, cancel).await }))
    }

    /// Takes the key, waiting while a live run holds it; `false` if the
    /// run was cancelled first.
    async fn take(self, shown: &str, cancel: CancellationToken) -> bool {
        let mut store: Option<Store> = None;
        let mut waited = false;
        let mut warned = false;
        loop {
            let (s, tried) = self.try_take(store.take()).await;
            store = s;
            match tried {
                Ok(None) => {
                    if waited {
                        tracing::info!(run = %self.run_id, "took lock {shown}");
                        let key = shown.to_owned();
                        self.record(store, move |c, id| locks::record_taken(c, id, &key))
                            .await;
                    }
                    return true;
                }
                Ok(Some(holder)) if !waited => {
                    waited = true;
                    tracing::info!(
                        run = %self.run_id,
                        "waiting for lock {shown} (held by run {})",
                        holder.run_id
                    );
                    let key = shown.to_owned();
                    store = self
                        .record(store, move |c, id| {
                            locks::record_waiting(c, id, &key, &holder)
                        })
                        .await;
                }
                Ok(Some(_)) => {}
                // A store that fails (locked, full) is tried again: the run
                // must not start without its lock.
                Err(e) if !warned => {
                    warned = true;
                    tracing::warn!(run = %self.run_id, error = %e, "cannot take lock {shown} yet");
                }
                Err(_) => {}
            }
            tokio::select! {
                _ = tokio::time::sleep(locks::RETRY) => {}
                _ = cancel.cancelled() => {
                    tracing::info!(run = %self.run_id, "cancelled while waiting for lock {shown}");
                    return false;
                }
            }
        }
    }

    /// One try on the blocking pool (reaping dead runs first, as `wfc run`
    /// does, so a holder whose run was interrupted holds nothing).
    async fn try_take(
        &self,
        store: Option<Store>,
    ) -> (Option<Store>, Result<Option<Holder>, String>) {
        let this = self.clone();
        tokio::task::spawn_blocking(move || {
            let store = match store.map_or_else(|| Store::open(&this.dir), Ok) {
                Ok(s) => s,
                Err(e) => return (None, Err(e.to_string())),
            };
            let _ = wfc_store::control::reap(&store);
            let tried = locks::try_take(&store, &this.key, &this.run_id).map_err(|e| e.to_string());
            (Some(store), tried)
        })
        .await
        .unwrap_or_else(|e| (None, Err(e.to_string())))
    }

    /// Records an event of the run on the blocking pool; a failure is
    /// logged (the run goes on: the event only tells).
    async fn record(
        &self,
        store: Option<Store>,
        write: impl FnOnce(&Store, &str) -> wfc_store::Result<()> + Send + 'static,
    ) -> Option<Store> {
        let this = self.clone();
        tokio::task::spawn_blocking(move || {
            let store = store.map_or_else(|| Store::open(&this.dir), Ok).ok()?;
            if let Err(e) = write(&store, &this.run_id) {
                tracing::warn!(run = %this.run_id, error = %e, "cannot record the lock's state");
            }
            Some(store)
        })
        .await
        .ok()
        .flatten()
    }

    /// Gives the key back if the run holds it. Called once the run ended,
    /// whatever happened: a try still on the blocking pool when the run
    /// was cancelled has finished by then (the run's task awaited it).
    pub async fn release(self) {
        let this = self.clone();
        let released = tokio::task::spawn_blocking(move || {
            let store = Store::open(&this.dir)?;
            locks::release(&store, &this.key, &this.run_id).map_err(|e| e.to_string())
        })
        .await
        .unwrap_or_else(|e| Err(e.to_string()));
        if let Err(e) = released {
            tracing::warn!(run = %self.run_id, error = %e, "cannot give the run's lock back; it is freed when the server stops");
        }
    }
}

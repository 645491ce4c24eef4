//! `lock EXPR`: a run's key, taken in the run store's lock table before its
//! first step, so runs of one key never overlap — whichever process starts
//! them (`wfc run`, `wfc resume`, `wfc serve`).
//!
//! A run is recorded as started, then waits for its key without holding a
//! runtime thread: the store is tried on the blocking pool every
//! [`locks::RETRY`], and between tries the wait is a timer that a cancel
//! ends. A run that waits records a `waiting_for_lock` event (`{"key",
//! "held_by"}`: its stream, `wfc status` and `GET /runs/{id}` show it) and
//! says "waiting for lock KEY (held by run ID)"; once it has the key,
//! `lock_taken`. A run cancelled while it waits ends `cancelled` with
//! nothing run.
//!
//! The key is given back when the run ends ([`Held::release`]), or freed
//! for the next taker when its process dies (the table keeps the holder's
//! process).
//!
//! `lock … { on busy MODE }`: `queue` waits as above; `skip` takes the key
//! before the run is recorded ([`Held::take_or_refuse`]) and starts nothing
//! while another run holds it; `cancel` asks the holder to cancel (through
//! the store, as `wfc cancel` does, so a holder in another process is
//! reached too: its compensations and `finally` run), then waits for it.

use crate::LaunchError;
use std::path::PathBuf;
use std::time::SystemTime;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use wfc_language::ir::LockBusy;
use wfc_plan::triggers::RunInfo;
use wfc_plan::Plan;
use wfc_run::mask::Masker;
use wfc_run::park::ParkPolicy;
use wfc_run::runner::{Before, BeforeSteps};
use wfc_store::locks::{self, Holder};
use wfc_store::Store;

/// The lock key of run `run_id` of `plan`, started by `trigger` at
/// `started` for the slot `scheduled` (if any), if the workflow has a `lock`.
pub fn key(
    plan: &Plan,
    run_id: &str,
    trigger: &str,
    started: SystemTime,
    scheduled: Option<SystemTime>,
) -> Result<Option<String>, LaunchError> {
    // As `run.started` reads in the run: RFC 3339 UTC, whole seconds.
    let seconds = |at: SystemTime| {
        let full = wfc_contract::timestamp(at);
        match full.rfind('.') {
            Some(dot) => format!("{}Z", &full[..dot]),
            None => full,
        }
    };
    let (started, scheduled) = (seconds(started), seconds(scheduled.unwrap_or(started)));
    let run = RunInfo {
        id: run_id,
        workflow: &plan.workflow,
        trigger,
        started: &started,
        scheduled: &scheduled,
    };
    match plan.lock_key(&run) {
        None => Ok(None),
        Some(Ok(key)) => Ok(Some(key)),
        Some(Err(e)) => Err(LaunchError::LockKey(format!(
            "workflow `{}`: the lock key cannot be computed: {e}",
            plan.workflow
        ))),
    }
}

/// The masker of `plan`'s secret params: a key is shown with their values
/// masked (it is the key all the same).
fn masker(plan: &Plan) -> Masker {
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
    /// The key as logs and events show it (secrets masked).
    shown: String,
    run_id: String,
    busy: LockBusy,
}

impl Held {
    /// The lock of run `run_id` on `key` of `plan`, in the store in `dir`.
    pub fn new(dir: PathBuf, plan: &Plan, key: String, run_id: String) -> Held {
        let shown = masker(plan).mask(&key);
        Held {
            dir,
            key,
            shown,
            run_id,
            busy: plan.lock_busy,
        }
    }

    /// What a run whose lock says `on busy skip` does before it is
    /// recorded: takes the key, or refuses the start naming the holder.
    pub async fn take_or_refuse(&self) -> Result<(), LaunchError> {
        match self.try_take(None).await.1 {
            Ok(None) => Ok(()),
            Ok(Some(holder)) => {
                tracing::info!(run = %self.run_id, "not started: lock {} is held by run {}", self.shown, holder.run_id);
                Err(LaunchError::LockHeld {
                    key: self.shown.clone(),
                    holder: holder.run_id,
                })
            }
            Err(e) => Err(LaunchError::Store(format!(
                "cannot take lock {}: {e}",
                self.shown
            ))),
        }
    }

    /// What the run waits for before its first step: the key, taken.
    pub fn before_steps(&self) -> BeforeSteps {
        let held = self.clone();
        Box::new(move |cancel, park| {
            let held = held.clone();
            Box::pin(async move { held.take(cancel, park).await })
        })
    }

    /// Takes the key, waiting while a live run holds it: `Cancelled` if the
    /// run was cancelled first, `Park` once it has waited for the policy's
    /// `settle` (or at once when asked), if `park` allows.
    async fn take(self, cancel: CancellationToken, park: Option<ParkPolicy>) -> Before {
        let shown = self.shown.clone();
        let mut store: Option<Store> = None;
        let mut waited = false;
        let mut warned = false;
        let park = park.filter(|p| p.auto || p.now.is_some());
        let mut asked = park.as_ref().and_then(|p| p.now.clone());
        let mut parks_at: Option<Instant> = None;
        // A waiter woken to be cancelled takes no key (a holder woken so
        // goes on: its compensations and `finally` run).
        if cancel.is_cancelled() && !self.holds().await {
            tracing::info!(run = %self.run_id, "cancelled while waiting for lock {shown}");
            return Before::Cancelled;
        }
        loop {
            let (s, tried) = self.try_take(store.take()).await;
            store = s;
            match tried {
                Ok(None) => {
                    if waited {
                        tracing::info!(run = %self.run_id, "took lock {shown}");
                        let key = shown.clone();
                        self.record(store, move |s, id| locks::record_taken(s, id, &key))
                            .await;
                    }
                    return Before::Go;
                }
                Ok(Some(_)) if parks_at.is_some_and(|t| Instant::now() >= t) => {
                    tracing::info!(run = %self.run_id, "parked waiting for lock {shown}");
                    return Before::Park(self.key.clone());
                }
                Ok(Some(holder)) if !waited => {
                    waited = true;
                    parks_at = park
                        .as_ref()
                        .filter(|p| p.auto)
                        .map(|p| Instant::now() + p.settle);
                    if self.busy == LockBusy::Cancel {
                        store = self.cancel_holder(store, &holder.run_id).await;
                    }
                    tracing::info!(
                        run = %self.run_id,
                        "waiting for lock {shown} (held by run {})",
                        holder.run_id
                    );
                    let key = shown.clone();
                    store = self
                        .record(store, move |s, id| {
                            locks::record_waiting(s, id, &key, &holder)
                        })
                        .await;
                }
                Ok(Some(_)) => {}
                // A store that fails (locked, full) is tried again: the run
                // must not start without its lock.
                Err(e) if !warned => {
                    warned = true;
                    tracing::warn!(run = %self.run_id, "cannot take lock {shown} yet: {e}");
                }
                Err(_) => {}
            }
            tokio::select! {
                _ = tokio::time::sleep(locks::RETRY) => {}
                _ = cancel.cancelled() => {
                    tracing::info!(run = %self.run_id, "cancelled while waiting for lock {shown}");
                    return Before::Cancelled;
                }
                // A server that stops parks the waiting runs at once.
                Some(()) = asked_now(&mut asked), if waited => {
                    parks_at = Some(Instant::now());
                }
            }
        }
    }

    /// `on busy cancel`: asks `holder`'s process to cancel it, as `wfc
    /// cancel` does; a holder that ended meanwhile is logged.
    async fn cancel_holder(&self, store: Option<Store>, holder: &str) -> Option<Store> {
        tracing::info!(run = %self.run_id, "cancelling run {holder}, which holds lock {} (`on busy cancel`)", self.shown);
        let holder = holder.to_owned();
        self.record(store, move |s, id| {
            if let Err(e) = wfc_store::control::request_cancel(s, &holder) {
                tracing::info!(run = %id, "run {holder} not cancelled: {e}");
            }
            Ok(())
        })
        .await
    }

    /// One try on the blocking pool (reaping dead runs first, so a holder
    /// whose run was interrupted holds nothing).
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

    /// Whether the run holds its key already (a parked holder woken).
    async fn holds(&self) -> bool {
        let this = self.clone();
        tokio::task::spawn_blocking(move || {
            let store = Store::open(&this.dir).ok()?;
            locks::holds(&store, &this.key, &this.run_id).ok()
        })
        .await
        .ok()
        .flatten()
        .unwrap_or(false)
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
                tracing::warn!(run = %this.run_id, "cannot record the lock's state: {e}");
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
            tracing::warn!(run = %self.run_id, "cannot give lock {} back; it is freed when this process ends: {e}", self.shown);
        }
    }
}

/// Resolves once `now` says "park at once" (never, once its sender is gone
/// or when there is none).
async fn asked_now(now: &mut Option<tokio::sync::watch::Receiver<bool>>) -> Option<()> {
    let Some(rx) = now else {
        return std::future::pending().await;
    };
    let asked = rx.wait_for(|at_once| *at_once).await.is_ok();
    if asked {
        return Some(());
    }
    *now = None;
    std::future::pending().await
}

//! The [`Launcher`]: admission, ownership and cancellation of every run a
//! process starts.
//!
//! A start is admitted when a slot is free (`--max-runs`; [`Admission`]
//! says how long it may wait); from then on the run belongs to the
//! launcher, not to whoever asked: a task on the launcher's tracker opens
//! its record, starts it on the run manager, keeps its slot and its lock
//! until it ends, and records how it ended (the private module `own`). The caller
//! gets the run's id once its start is recorded, or the reason nothing was
//! started; a caller that goes away meanwhile (a client that disconnects)
//! changes nothing for the run.
//!
//! Every cancel goes through [`Launcher::cancel`]: it reaches a run that is
//! queued, starting or running alike, so a Ctrl-C, a `wfc cancel` or a
//! server's shutdown is never lost in the moment between a run's admission
//! and its start.

use crate::ahead::Ahead;
use crate::own;
use crate::run::{Admission, Run, Started};
use crate::LaunchError;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{oneshot, OwnedSemaphorePermit, Semaphore};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use wfc_run::RunManager;

/// What [`Launcher::drain`] does with the runs still going when its grace
/// period is over.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AfterGrace {
    /// Cancel them (their compensations and `finally` run) and wait for
    /// them: for a process whose runs nothing resumes (`wfc mcp`).
    Cancel,
    /// Leave them as they are, recorded as going, and return: the process
    /// exits, its steps' processes die with it (the reaper), and the next
    /// start on the store resumes them, as after `kill -9` (`wfc serve`).
    /// A run waiting for a person or a time loses nothing.
    Leave,
}

/// Starts runs and owns them until they end; cheap to clone (the clones
/// share everything).
#[derive(Clone)]
pub struct Launcher {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) manager: RunManager,
    pub(crate) state_dir: PathBuf,
    /// One permit per run at once.
    slots: Arc<Semaphore>,
    /// Every owned run's task: a drain waits for them.
    pub(crate) tracker: TaskTracker,
    /// Set once the launcher stops: nothing is admitted after.
    stopping: CancellationToken,
    /// Every run the launcher owns, from its admission (or its queueing)
    /// to its end.
    pub(crate) owned: Mutex<HashMap<String, Arc<Owned>>>,
    /// What a serving launcher keeps ready between runs.
    pub(crate) ahead: Ahead,
    /// How many owned runs have ended ([`Launcher::ends`]).
    pub(crate) ended: tokio::sync::watch::Sender<u64>,
    /// Parking (see `wfc_run::park`): whether runs may park, and the
    /// drain's "park at once" (`None`: runs never park).
    pub(crate) park: Option<(wfc_run::park::ParkPolicy, tokio::sync::watch::Sender<bool>)>,
    /// What waits for the end of each parked run (a schedule's overlap, an
    /// API `?wait=`), handed to its next session.
    pub(crate) parked_ends: Mutex<HashMap<String, Vec<oneshot::Sender<wfc_run::RunResult>>>>,
    /// Told when a run parks, or something may have woken one.
    pub(crate) parked_news: tokio::sync::Notify,
    /// A start with no free slot is queued for the other servers
    /// ([`crate::spill`]) instead of refused.
    queue_starts: std::sync::atomic::AtomicBool,
    /// A server's: its runs' gates are answered on the dashboard or
    /// through the API, not in the server's state folder.
    pub(crate) served: bool,
}

/// What the launcher keeps of a run it owns.
pub(crate) struct Owned {
    /// A graceful cancel: nothing new starts, compensations and `finally` run.
    pub(crate) cancel: CancellationToken,
    /// A second cancel: compensations and handlers stop too.
    pub(crate) force: CancellationToken,
    pub(crate) state: Mutex<State>,
}

impl Owned {
    fn is_parked(&self) -> bool {
        *self.state.lock().unwrap_or_else(|e| e.into_inner()) == State::Parked
    }
}

/// Where an owned run stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    /// Waiting for a slot ([`Admission::Queue`]).
    Queued,
    /// Admitted: its record is being opened and its start recorded.
    Starting,
    /// On the run manager.
    Running,
    /// Parked: no task, no slot; woken by [`Launcher::wake`].
    Parked,
}

impl Launcher {
    /// A launcher of runs on `manager`, recorded in the store in
    /// `state_dir`, at most `max_runs` at once.
    pub fn new(manager: RunManager, state_dir: PathBuf, max_runs: usize) -> Launcher {
        Launcher::with(manager, state_dir, max_runs, Ahead::default(), false)
    }

    /// [`Launcher::new`] for a process that starts run after run (`wfc
    /// serve`): between runs it keeps a store connection opened ahead for
    /// the next run's record, and reuses a workflow's history estimates for
    /// up to [`crate::ahead::FRESH`].
    pub fn serving(manager: RunManager, state_dir: PathBuf, max_runs: usize) -> Launcher {
        Launcher::with(manager, state_dir, max_runs, Ahead::serving(), true)
    }

    fn with(
        manager: RunManager,
        state_dir: PathBuf,
        max_runs: usize,
        ahead: Ahead,
        served: bool,
    ) -> Launcher {
        Launcher {
            inner: Arc::new(Inner {
                manager,
                state_dir,
                slots: Arc::new(Semaphore::new(max_runs.max(1))),
                tracker: TaskTracker::new(),
                stopping: CancellationToken::new(),
                owned: Mutex::default(),
                ahead,
                ended: tokio::sync::watch::Sender::new(0),
                park: None,
                parked_ends: Mutex::default(),
                parked_news: tokio::sync::Notify::new(),
                queue_starts: std::sync::atomic::AtomicBool::new(false),
                served,
            }),
        }
    }

    /// This launcher's recorded runs park when they only wait (see
    /// `wfc_run::park`): something must wake them ([`Launcher::wake`]).
    /// Call before the first start.
    pub fn parking(mut self, policy: wfc_run::park::ParkPolicy) -> Launcher {
        let (now, rx) = tokio::sync::watch::channel(false);
        let policy = wfc_run::park::ParkPolicy {
            now: Some(rx),
            ..policy
        };
        if let Some(inner) = Arc::get_mut(&mut self.inner) {
            inner.park = Some((policy, now));
        }
        self
    }

    /// Whether this launcher's parked runs wait to be woken here (a
    /// server's), not handed back to their caller as ended (`wfc run`).
    pub(crate) fn wakes_parked(&self) -> bool {
        self.inner.park.as_ref().is_some_and(|(p, _)| p.auto)
    }

    /// The parking policy of a run this launcher starts, if runs park.
    pub(crate) fn park_policy(&self) -> Option<wfc_run::park::ParkPolicy> {
        self.inner.park.as_ref().map(|(p, _)| p.clone())
    }

    /// Parks every run that only waits at once (and any that comes to
    /// only wait from now on).
    pub fn park_now(&self) {
        if let Some((_, now)) = &self.inner.park {
            now.send_replace(true);
        }
    }

    /// Waits until a run parked, or [`Launcher::parked_news`] was told.
    pub async fn parked_news(&self) {
        self.inner.parked_news.notified().await
    }

    /// Tells whoever wakes parked runs to look now (a decision, a pause
    /// lifted, a cancel asked in this process).
    pub fn tell_parked(&self) {
        self.inner.parked_news.notify_one();
    }

    /// Registers runs the store says are parked (a server's start), so
    /// that they are owned — listed, not started twice — until woken.
    pub fn adopt_parked(&self, ids: &[String]) {
        for id in ids {
            let _ = self.own(id, State::Parked);
        }
        self.tell_parked();
    }

    /// Wakes parked run `run` (its next session, prepared as a resume):
    /// it queues for a slot (never refused), then goes on where it waited.
    /// `false` when the launcher does not hold it parked, or stops.
    pub fn wake(&self, run: Run) -> bool {
        let id = id_of(&run);
        let owned = {
            let mut map = self.owned();
            let parked = map.get(&id).is_some_and(|o| o.is_parked());
            if !parked || self.inner.stopping.is_cancelled() {
                return false;
            }
            // Fresh tokens: a cancel of the parked session went to the store.
            let fresh = Arc::new(Owned {
                cancel: CancellationToken::new(),
                force: CancellationToken::new(),
                state: Mutex::new(State::Queued),
            });
            map.insert(id.clone(), fresh.clone());
            fresh
        };
        let this = self.clone();
        self.inner.tracker.spawn(async move {
            let permit = match this.admit(Admission::Queue, &owned).await {
                Ok(p) => p,
                Err(e) => {
                    // Stopping: it stays parked, for the next start.
                    *owned.state.lock().unwrap_or_else(|e| e.into_inner()) = State::Parked;
                    tracing::info!(run = %id, "parked run not woken: {e}");
                    return;
                }
            };
            let answered = this.hand_over(run, id.clone(), owned, permit);
            if let Ok(Err(e)) = answered.await {
                tracing::warn!(run = %id, "parked run not woken: {e}");
            }
        });
        true
    }

    /// Forgets parked run `id` (it cannot be woken: the store says it is
    /// interrupted); what waited for its end is told it will not come.
    pub fn forget_parked(&self, id: &str) {
        let mut owned = self.owned();
        if owned.get(id).is_some_and(|o| o.is_parked()) {
            owned.remove(id);
        }
        drop(owned);
        drop(self.parked_ends(id));
    }

    /// Takes what waits for parked run `id`'s end.
    pub(crate) fn parked_ends(&self, id: &str) -> Vec<oneshot::Sender<wfc_run::RunResult>> {
        let mut ends = self
            .inner
            .parked_ends
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        ends.remove(id).unwrap_or_default()
    }

    /// Run `id`'s session parked: it holds no slot and no task; what waits
    /// for its end waits on.
    pub(crate) fn parked(&self, id: &str, ends: Vec<oneshot::Sender<wfc_run::RunResult>>) {
        if let Some(o) = self.owned().get(id) {
            *o.state.lock().unwrap_or_else(|e| e.into_inner()) = State::Parked;
        }
        let mut parked = self
            .inner
            .parked_ends
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        parked.insert(id.to_owned(), ends);
        drop(parked);
        self.tell_parked();
    }

    /// The run manager (gate decisions, events, what runs).
    pub fn manager(&self) -> &RunManager {
        &self.inner.manager
    }

    /// The store the runs are recorded in.
    pub fn state_dir(&self) -> &Path {
        &self.inner.state_dir
    }

    /// Changes each time a run the launcher owned ends (its end recorded,
    /// its slot given back): what a task that acts after runs end waits
    /// for, instead of reading every event of every run.
    pub fn ends(&self) -> tokio::sync::watch::Receiver<u64> {
        self.inner.ended.subscribe()
    }

    /// From now on a start that finds no free slot is queued in the store
    /// for another server ([`crate::spill`]) when one is alive, instead of
    /// refused: for a server sharing its store with others.
    pub fn queue_starts(&self, on: bool) {
        self.inner
            .queue_starts
            .store(on, std::sync::atomic::Ordering::Release);
    }

    pub(crate) fn queues_starts(&self) -> bool {
        self.inner
            .queue_starts
            .load(std::sync::atomic::Ordering::Acquire)
    }

    /// Cancelled once the launcher stops admitting runs.
    pub fn stopping(&self) -> CancellationToken {
        self.inner.stopping.clone()
    }

    /// Admits `run` and starts it; the launcher owns it from admission to
    /// its end, whatever becomes of this call. `Ok` once its start is
    /// recorded; an error means nothing was started or recorded.
    pub async fn start(&self, run: Run) -> Result<Started, LaunchError> {
        let id = id_of(&run);
        if self.inner.stopping.is_cancelled() {
            return Err(LaunchError::Busy("the server is stopping".into()));
        }
        let queued = run.admission == Admission::Queue;
        let owned = self.own(
            &id,
            if queued {
                State::Queued
            } else {
                State::Starting
            },
        )?;
        // Whatever happens before the run's task takes over, the registry
        // entry goes (dropped with this frame unless disarmed).
        let mut entry = Entry {
            launcher: self,
            id: &id,
            armed: true,
        };
        let permit = match self.admit(run.admission, &owned).await {
            // Full, not stopping nor cancelled: another server may take it.
            Err(LaunchError::Busy(why))
                if crate::spill::may(self, &run)
                    && !self.inner.stopping.is_cancelled()
                    && !owned.cancel.is_cancelled() =>
            {
                // (Not this server's: `entry` gives its registration up.)
                return crate::spill::queue(self, run, id.clone(), why).await;
            }
            admitted => admitted?,
        };
        // From here the run's task owns the run: this call only waits for
        // the answer, and may be dropped without effect.
        entry.armed = false;
        let answered = self.hand_over(run, id.clone(), owned, permit);
        answered.await.unwrap_or_else(|_| {
            Err(LaunchError::Store(
                "the run's task ended without saying how its start went".into(),
            ))
        })
    }

    /// Queues `runs`, in this order: each is owned, and listed as
    /// [`State::Queued`], at once, and is started as a slot frees, the
    /// first first (an interrupted run resumed at a server's start waits
    /// for capacity instead of being dropped). Returns their ids at once;
    /// a run that cannot be queued (its id is owned already) is left out,
    /// and what becomes of each is logged.
    pub fn queue(&self, runs: Vec<Run>) -> Vec<String> {
        let mut queued = Vec::new();
        for run in runs {
            let id = id_of(&run);
            match self.own(&id, State::Queued) {
                Ok(owned) => queued.push((run, id, owned)),
                Err(e) => tracing::warn!(run = %id, "not queued: {e}"),
            }
        }
        let ids = queued.iter().map(|(_, id, _)| id.clone()).collect();
        let this = self.clone();
        self.inner.tracker.spawn(async move {
            for (run, id, owned) in queued {
                let permit = match this.admit(Admission::Queue, &owned).await {
                    Ok(p) => p,
                    Err(e) => {
                        this.disown(&id);
                        tracing::info!(run = %id, "queued run not started: {e}");
                        continue;
                    }
                };
                let answered = this.hand_over(run, id.clone(), owned, permit);
                tokio::spawn(async move {
                    if let Ok(Err(e)) = answered.await {
                        tracing::warn!(run = %id, "queued run not started: {e}");
                    }
                });
            }
        });
        ids
    }

    /// Gives an admitted run to its task (see [`crate::launcher`]'s docs):
    /// the answer comes once its start is recorded.
    fn hand_over(
        &self,
        run: Run,
        id: String,
        owned: Arc<Owned>,
        permit: OwnedSemaphorePermit,
    ) -> oneshot::Receiver<Result<Started, LaunchError>> {
        *owned.state.lock().unwrap_or_else(|e| e.into_inner()) = State::Starting;
        let (answer, answered) = oneshot::channel();
        self.inner
            .tracker
            .spawn(own::own(self.clone(), run, id, owned, permit, answer));
        answered
    }

    /// Registers run `id` as owned, in state `state`.
    fn own(&self, id: &str, state: State) -> Result<Arc<Owned>, LaunchError> {
        let mut owned = self.owned();
        if owned.contains_key(id) {
            return Err(LaunchError::Conflict(format!(
                "run {id} is running already"
            )));
        }
        let o = Arc::new(Owned {
            cancel: CancellationToken::new(),
            force: CancellationToken::new(),
            state: Mutex::new(state),
        });
        owned.insert(id.to_owned(), o.clone());
        Ok(o)
    }

    /// A slot for a run, by `admission`; an error when none came (or the
    /// run was cancelled, or the launcher stops, while it waited).
    async fn admit(
        &self,
        admission: Admission,
        owned: &Owned,
    ) -> Result<OwnedSemaphorePermit, LaunchError> {
        let busy = || {
            LaunchError::Busy("as many runs run as --max-runs allows; try again later".to_owned())
        };
        let slot = self.inner.slots.clone().acquire_owned();
        let wait = async {
            match admission {
                Admission::Try(within) => tokio::time::timeout(within, slot)
                    .await
                    .map_err(|_| busy())?
                    .map_err(|_| busy()),
                Admission::Queue => slot.await.map_err(|_| busy()),
            }
        };
        tokio::select! {
            permit = wait => permit,
            _ = self.inner.stopping.cancelled() => {
                Err(LaunchError::Busy("the server is stopping".into()))
            }
            _ = owned.cancel.cancelled() => {
                Err(LaunchError::Busy("the run was cancelled before it started".into()))
            }
        }
    }

    /// How many more runs it could start now: its free `--max-runs` slots
    /// less the runs already queued for one.
    pub fn room(&self) -> usize {
        let queued = self
            .owned()
            .values()
            .filter(|o| *o.state.lock().unwrap_or_else(|e| e.into_inner()) == State::Queued)
            .count();
        self.inner.slots.available_permits().saturating_sub(queued)
    }

    /// Cancels run `id` gracefully, wherever it stands: queued or starting
    /// (it then starts nothing), or running (running steps stop, nothing new
    /// starts, compensations and `finally` still run). `false` when the
    /// launcher owns no such run, or holds it parked (a cancel in the
    /// store wakes it: `wfc_store::control::request_cancel`).
    pub fn cancel(&self, id: &str) -> bool {
        match self.owned().get(id).filter(|o| !o.is_parked()) {
            Some(o) => {
                o.cancel.cancel();
                true
            }
            None => false,
        }
    }

    /// Cancels run `id` and its compensations and handlers too.
    pub fn force_cancel(&self, id: &str) -> bool {
        match self.owned().get(id).filter(|o| !o.is_parked()) {
            Some(o) => {
                o.cancel.cancel();
                o.force.cancel();
                true
            }
            None => false,
        }
    }

    /// Where run `id` stands, if the launcher owns it.
    pub fn state(&self, id: &str) -> Option<State> {
        let owned = self.owned();
        let o = owned.get(id)?;
        let state = *o.state.lock().unwrap_or_else(|e| e.into_inner());
        Some(state)
    }

    /// Waits (at most `within`) until the launcher no longer runs run `id`.
    /// A run whose end is recorded is still owned for a moment while its
    /// task closes its logs and gives its slot back: a delete or a resume
    /// asked right after the end waits for that instead of being refused.
    pub async fn let_go(&self, id: &str, within: Duration) {
        let mut ends = self.ends();
        let until = tokio::time::Instant::now() + within;
        while self.state(id) == Some(State::Running) {
            if !matches!(
                tokio::time::timeout_at(until, ends.changed()).await,
                Ok(Ok(()))
            ) {
                return;
            }
        }
    }

    /// The runs the launcher owns, with where each stands, by id.
    pub fn owned_runs(&self) -> Vec<(String, State)> {
        let owned = self.owned();
        let mut runs: Vec<(String, State)> = owned
            .iter()
            .map(|(id, o)| {
                (
                    id.clone(),
                    *o.state.lock().unwrap_or_else(|e| e.into_inner()),
                )
            })
            .collect();
        runs.sort_by(|a, b| a.0.cmp(&b.0));
        runs
    }

    /// Stops admitting runs (queued ones give up) and lets the owned runs
    /// end within `grace`; then does with those still going what `after`
    /// says. Gives the runs it left (none, after [`AfterGrace::Cancel`]).
    pub async fn drain(&self, grace: Duration, after: AfterGrace) -> Vec<String> {
        self.inner.stopping.cancel();
        self.inner.tracker.close();
        // A run that only waits parks at once: it has nothing to finish.
        if let Some((_, now)) = &self.inner.park {
            now.send_replace(true);
        }
        let running = self.going();
        if !running.is_empty() {
            tracing::info!(runs = ?running, grace_seconds = grace.as_secs_f64(), "waiting for running runs");
        }
        if tokio::time::timeout(grace, self.inner.tracker.wait())
            .await
            .is_ok()
        {
            return Vec::new();
        }
        let left = self.going();
        match after {
            AfterGrace::Cancel => {
                tracing::warn!(runs = ?left, "grace period over: cancelling the runs still running");
                for id in &left {
                    self.cancel(id);
                }
                self.inner.tracker.wait().await;
                Vec::new()
            }
            AfterGrace::Leave => {
                tracing::warn!(
                    runs = ?left,
                    "grace period over: leaving {} run(s) as they are, for the next start to resume",
                    left.len()
                );
                left
            }
        }
    }

    /// The owned runs that are not parked.
    fn going(&self) -> Vec<String> {
        self.owned_runs()
            .into_iter()
            .filter(|(_, s)| *s != State::Parked)
            .map(|(id, _)| id)
            .collect()
    }

    pub(crate) fn owned(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<Owned>>> {
        self.inner.owned.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Forgets run `id` (its task ended, or nothing was started).
    pub(crate) fn disown(&self, id: &str) {
        self.owned().remove(id);
    }
}

/// The id a run starts under: the resumed run's, the one asked for, or a
/// new one.
fn id_of(run: &Run) -> String {
    match &run.resume {
        Some(r) => r.run_id.clone(),
        None => run.id.clone().unwrap_or_else(crate::new_run_id),
    }
}

/// A run's registry entry until its task takes it over.
struct Entry<'a> {
    launcher: &'a Launcher,
    id: &'a str,
    armed: bool,
}

impl Drop for Entry<'_> {
    fn drop(&mut self) {
        if self.armed {
            self.launcher.disown(self.id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn owning(id: &str) -> Launcher {
        let manager = RunManager::new(wfc_run::exec::ExecOptions::default());
        let launcher = Launcher::new(manager, std::env::temp_dir(), 1);
        let owned = Arc::new(Owned {
            cancel: CancellationToken::new(),
            force: CancellationToken::new(),
            state: Mutex::new(State::Running),
        });
        launcher.owned().insert(id.to_owned(), owned);
        launcher
    }

    #[tokio::test]
    async fn let_go_waits_for_a_run_to_be_disowned_and_no_longer() {
        let launcher = owning("r1");
        let ends = launcher.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(150)).await;
            ends.disown("r1");
            ends.inner.ended.send_modify(|n| *n += 1);
        });
        let started = std::time::Instant::now();
        launcher.let_go("r1", Duration::from_secs(20)).await;
        assert_eq!(launcher.state("r1"), None);
        let waited = started.elapsed();
        assert!(waited >= Duration::from_millis(140), "{waited:?}");
        assert!(waited < Duration::from_secs(10), "{waited:?}");
        // A run it does not own: at once.
        let started = std::time::Instant::now();
        launcher.let_go("r2", Duration::from_secs(20)).await;
        assert!(started.elapsed() < Duration::from_secs(1));
    }

    #[tokio::test]
    async fn let_go_gives_up_at_its_bound_on_a_run_still_going() {
        let launcher = owning("r1");
        let started = std::time::Instant::now();
        launcher.let_go("r1", Duration::from_millis(200)).await;
        assert!(started.elapsed() >= Duration::from_millis(190));
        assert_eq!(launcher.state("r1"), Some(State::Running));
    }
}

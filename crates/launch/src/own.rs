//! An admitted run's task: it opens the run's record, starts the run on
//! the run manager, answers the caller once the start is recorded, then
//! waits for the end — passing on cancels — and gives back what the run
//! held (its lock, its record's watch, its slot) before it says how the run
//! ended. It runs on the launcher's tracker, so a drain waits for it, and
//! nothing a caller does (a client gone mid-request) stops it.

use crate::launcher::{Launcher, Owned, State};
use crate::lock::Held;
use crate::run::{Estimates, Fingerprints, Run, Started};
use crate::session::RunSession;
use crate::LaunchError;
use std::sync::Arc;
use std::time::SystemTime;
use tokio::sync::{oneshot, OwnedSemaphorePermit};
use wfc_contract::{Recorder, Recorders};
use wfc_run::gates::CliApprovals;
use wfc_run::manager::ManagerError;
use wfc_run::{RunHandle, RunRequest, RunResult};
use wfc_store::control::Watch;
use wfc_store::store_recorder::RunMeta;

/// What a started run holds until it ends.
struct Live {
    handle: RunHandle,
    session: Option<RunSession>,
    watch: Option<Watch>,
    held: Option<Held>,
    /// The run's folder, removed at its end unless kept (`run_dir::kept`).
    run_dir: FolderKept,
}

/// The run's folder, and what decides whether it stays when the run ends.
struct FolderKept {
    dir: std::path::PathBuf,
    record: bool,
    keep: bool,
}

/// The task of run `id` (see the module docs).
pub(crate) async fn own(
    launcher: Launcher,
    run: Run,
    id: String,
    owned: Arc<Owned>,
    permit: OwnedSemaphorePermit,
    answer: oneshot::Sender<Result<Started, LaunchError>>,
) {
    let resuming = run.resume.is_some();
    // The server's log names the workflow on each line about the run.
    let workflow = run.plan.workflow.clone();
    // A woken run's earlier sessions parked: what waits for its end waits
    // for this session's.
    let mut waiting = launcher.parked_ends(&id);
    // Decided once the run's end is in the store (a run not recorded decides none).
    let alerts = (run.record && !run.plan.alerts.is_empty()).then(|| run.plan.alerts.clone());
    let early = match early_lock(&launcher, &run, &id) {
        Ok(Some(held)) => held.take_or_refuse().await.map(|()| Some(held)),
        other => other,
    };
    let early = match early {
        Ok(early) => early,
        Err(e) => {
            launcher.disown(&id);
            drop(permit);
            let _ = answer.send(Err(e));
            return;
        }
    };
    let live = match start(&launcher, run, &id, &owned, early.clone()).await {
        Ok(live) => live,
        Err(e) => {
            if let Some(held) = early {
                held.release().await;
            }
            launcher.disown(&id);
            drop(permit);
            let _ = answer.send(Err(e));
            return;
        }
    };
    if resuming {
        tracing::info!(run = %id, workflow = %workflow, "run resumed");
    } else {
        tracing::info!(run = %id, workflow = %workflow, "run started");
    }
    let (ended, end) = oneshot::channel();
    waiting.push(ended);
    // A caller gone meanwhile changes nothing: the run is this task's.
    let _ = answer.send(Ok(Started {
        id: id.clone(),
        ended: end,
        queued: false,
    }));
    let Live {
        handle,
        session,
        watch,
        held,
        run_dir,
    } = live;
    let result = wait(&launcher, handle, &owned, &id).await;
    if result.parked {
        // Its folder and what waits for its end stay for the next session;
        // a cancel that came as it parked goes to the store, which wakes it.
        drop((watch, session, held));
        drop(permit);
        tracing::info!(run = %id, workflow = %workflow, "run parked: it waits, holding no slot");
        if launcher.wakes_parked() {
            launcher.parked(&id, waiting);
            // Checked once it is marked parked: a cancel from then on goes
            // to the store itself (the launcher's `cancel` passes parked
            // runs by), and one that came before took only the token.
            if owned.cancel.is_cancelled() {
                ask_cancel(&launcher, &id).await;
            }
        } else {
            if owned.cancel.is_cancelled() {
                ask_cancel(&launcher, &id).await;
            }
            // Nothing here wakes it (`wfc run` left it): its caller is told.
            launcher.disown(&id);
            for ended in waiting {
                let _ = ended.send(result.clone());
            }
        }
        return;
    }
    if !crate::run_dir::kept(result.status, run_dir.record, run_dir.keep) {
        crate::run_dir::remove(&run_dir.dir);
    }
    if let Some(held) = held {
        held.release().await;
    }
    drop((watch, session));
    // Free before the end is told: whoever waits for it may start the next
    // run (of this id, too) at once.
    launcher.disown(&id);
    drop(permit);
    // (Fields added after `status`: readers of `run ended run=… status=…` keep it.)
    tracing::info!(
        run = %id,
        status = result.status.name(),
        workflow = %workflow,
        duration_ms = result.duration.as_millis() as u64,
        "run ended"
    );
    if let Some(rules) = alerts {
        crate::alerts::after_run(launcher.state_dir(), &rules).await;
    }
    launcher.inner.ended.send_modify(|n| *n += 1);
    for ended in waiting {
        let _ = ended.send(result.clone());
    }
}

/// Asks the store to cancel parked run `id` (what wakes it then cancels it).
async fn ask_cancel(launcher: &Launcher, id: &str) {
    let (dir, run) = (launcher.state_dir().to_path_buf(), id.to_owned());
    let asked = tokio::task::spawn_blocking(move || {
        let store = wfc_store::Store::open(&dir).map_err(|e| e.to_string())?;
        wfc_store::control::request_cancel(&store, &run)
    })
    .await;
    if !matches!(asked, Ok(Ok(_))) {
        tracing::warn!(run = %id, "a cancel asked as the run parked could not be recorded: {asked:?}");
    }
}

/// The lock of a run whose lock says `on busy skip`: taken before anything
/// is recorded, so that a held key refuses the start.
fn early_lock(launcher: &Launcher, run: &Run, id: &str) -> Result<Option<Held>, LaunchError> {
    if run.plan.lock_busy != wfc_language::ir::LockBusy::Skip || run.resume.is_some() {
        return Ok(None);
    }
    let dir = launcher.state_dir().to_path_buf();
    let now = SystemTime::now();
    let Some(key) = crate::lock::key(&run.plan, id, &run.trigger, now, run.scheduled)? else {
        return Ok(None);
    };
    Ok(Some(Held::new(dir, &run.plan, key, id.to_owned())))
}

/// Opens the run's record and starts it; `Ok` once its start is recorded.
/// `early`: the lock, taken already.
async fn start(
    launcher: &Launcher,
    run: Run,
    id: &str,
    owned: &Owned,
    early: Option<Held>,
) -> Result<Live, LaunchError> {
    let Run {
        plan,
        names,
        fingerprints,
        file,
        file_hash,
        trigger,
        origin,
        started_by,
        delivery,
        slot,
        scheduled,
        resume,
        record,
        reap,
        estimates,
        keep_going,
        approvals,
        observer,
        lines,
        base_dir,
        keep_run_dir,
        rerun,
        woken,
        queued,
        ..
    } = run;
    // Only a recorded run whose approvals all go through the store can
    // wait with no process (`--approve` cannot). A parked run keeps its
    // lock: the store judges a parked holder alive.
    let may_park = record && approvals.is_none();
    let (restored, first_started, scheduled) = match resume {
        Some(r) => (Some(r.restored), Some(r.started), r.scheduled),
        None => (None, None, scheduled),
    };
    let resuming = restored.is_some();
    let started_at = first_started.unwrap_or_else(SystemTime::now);
    let dir = launcher.state_dir().to_path_buf();
    let held = match early {
        Some(held) => Some(held),
        None => crate::lock::key(&plan, id, &trigger, started_at, scheduled)?
            .map(|key| Held::new(dir.clone(), &plan, key, id.to_owned())),
    };
    let (at_start, taken, later) = match fingerprints {
        Fingerprints::Taken(bytes) => (None, bytes, None),
        Fingerprints::AtStart(ir) => (record.then_some(ir), Vec::new(), None),
        Fingerprints::Later(ir) => (None, Vec::new(), record.then_some(ir)),
    };
    let open = Open {
        launcher: launcher.clone(),
        dir,
        file: file.clone(),
        id: id.to_owned(),
        meta: RunMeta {
            file_hash,
            plan: taken,
            start: wfc_store::store_recorder::StartRows {
                slot: slot.filter(|_| !resuming),
                scheduled: scheduled.map(wfc_store::ms),
                queued,
                ..Default::default()
            },
        },
        trigger: trigger.clone(),
        origin,
        started_by,
        delivery,
        resuming,
        restore: restored
            .iter()
            .flatten()
            .map(|(name, _)| name.clone())
            .collect(),
        record,
        reap,
    };
    let opened = tokio::task::spawn_blocking(move || open.run(plan, at_start, estimates))
        .await
        .map_err(|e| LaunchError::Store(e.to_string()))?;
    let (mut session, plan, prior, paused, cancelled) = opened?;
    tracing::trace!(target: "wfc::timing", "launch: record opened");
    if owned.cancel.is_cancelled() {
        return Err(LaunchError::Busy(
            "the run was cancelled before it started".into(),
        ));
    }
    let state_dir = launcher.state_dir();
    let paths = crate::run_dir::open(state_dir, id, resuming, record, base_dir, &file)?;
    // A fresh folder goes with a start that fails from here on.
    let made = (!resuming).then(|| paths.run_dir.clone());
    let unmade = |e: LaunchError| {
        if let Some(dir) = &made {
            crate::run_dir::remove(dir);
        }
        e
    };
    let fingerprints = later.zip(session.as_mut()).map(|(ir, s)| {
        let (tx, rx) = std::sync::mpsc::channel();
        s.plan_later(rx);
        (ir, tx)
    });
    let plan = Arc::new(plan);
    if let Some((ir, tx)) = fingerprints {
        take_fingerprints(&plan, ir, file.clone(), tx);
    }
    let mut request = RunRequest::new(plan, names, id.to_owned());
    request.file = file;
    request.trigger = trigger;
    request.keep_going = keep_going;
    request.restored = restored.unwrap_or_default();
    if record {
        request.incremental = crate::incremental::settings(
            launcher.state_dir(),
            &request.plan,
            &request.file,
            &rerun,
            resuming.then_some(id),
        );
    }
    request.prior = prior;
    // The instant the lock key read is the run's `run.started` too.
    request.started = Some(started_at);
    request.scheduled = scheduled;
    request.session = session.as_ref().map_or(1, RunSession::number);
    request.artifacts = session
        .as_ref()
        .map(|_| wfc_store::artifacts::run_folder(launcher.state_dir(), id));
    request.base_dir = paths.base_dir;
    request.run_dir = Some(paths.run_dir.clone());
    // `wfc pause` reaches a recorded run through the store's watch.
    let (pause_tx, pause_rx) = tokio::sync::watch::channel(paused);
    if session.is_some() {
        request.pause = Some(pause_rx);
    }
    let approvals = approvals.unwrap_or_else(|| Arc::new(CliApprovals::default()));
    let mut recorders: Vec<Box<dyn Recorder>> = Vec::new();
    match &mut session {
        Some(s) => {
            recorders.push(s.recorder());
            request.lines = Some(s.lines(lines));
            request.approvals = Some(s.approvals(approvals, launcher.inner.served));
            request.decisions = Some(s.decisions());
        }
        None => {
            request.lines = lines;
            request.approvals = Some(approvals);
        }
    }
    recorders.extend(observer);
    request.recorder = Box::new(Recorders(recorders));
    request.before_steps = held.as_ref().map(Held::before_steps);
    request.park = launcher.park_policy().filter(|_| may_park);
    request.woken = woken;
    request.cancelled = cancelled && woken;
    let mut handle = launcher
        .manager()
        .start(request)
        .map_err(|e| match e {
            ManagerError::AlreadyRunning(_) => LaunchError::Conflict(e.to_string()),
            other => LaunchError::Store(other.to_string()),
        })
        .map_err(unmade)?;
    *owned.state.lock().unwrap_or_else(|e| e.into_inner()) = State::Running;
    // The caller answers with the id: any read of it must find the run. A
    // start that could not be recorded ran nothing: nothing was created.
    if let Err(e) = handle.recorded().await {
        let _ = handle.wait().await;
        // Another server's start of the same slot or delivery came first.
        let taken = [
            wfc_store::fires::SLOT_TAKEN,
            wfc_store::deliveries::DELIVERY_TAKEN,
        ];
        if taken.iter().any(|code| e.0.starts_with(code)) {
            return Err(unmade(LaunchError::Conflict(e.0)));
        }
        return Err(unmade(LaunchError::Store(e.to_string())));
    }
    tracing::trace!(target: "wfc::timing", "launch: start recorded");
    if launcher.inner.ahead.wants_spare() {
        // The next run's connection, opened now that this one's answer is on its way.
        let launcher = launcher.clone();
        tokio::task::spawn_blocking(move || launcher.inner.ahead.fill(launcher.state_dir()));
    }
    let watch = session.as_ref().and_then(|s| {
        let (cancel, force) = (owned.cancel.clone(), owned.force.clone());
        s.watch(cancel, force, pause_tx)
            .map_err(|e| tracing::warn!(run = %id, "`wfc cancel` cannot reach this run: {e}"))
            .ok()
    });
    Ok(Live {
        handle,
        session,
        watch,
        held,
        run_dir: FolderKept {
            dir: paths.run_dir,
            record,
            keep: keep_run_dir,
        },
    })
}

/// Waits for the run's end, passing the launcher's cancels on to it.
async fn wait(launcher: &Launcher, handle: RunHandle, owned: &Owned, id: &str) -> RunResult {
    let manager = launcher.manager();
    let end = handle.wait();
    tokio::pin!(end);
    let (mut cancelled, mut forced) = (false, false);
    loop {
        tokio::select! {
            result = &mut end => return result,
            _ = owned.cancel.cancelled(), if !cancelled => {
                cancelled = true;
                let _ = manager.cancel(id);
            }
            _ = owned.force.cancelled(), if !forced => {
                forced = true;
                let _ = manager.force_cancel(id);
            }
        }
    }
}

/// What opening a run's record needs, moved to the blocking pool.
struct Open {
    /// Its spare connection and recent estimates (a serving launcher's).
    launcher: Launcher,
    dir: std::path::PathBuf,
    /// The workflow file, beside which the fingerprints read code files.
    file: String,
    id: String,
    meta: RunMeta,
    trigger: String,
    origin: Option<String>,
    started_by: Option<String>,
    delivery: Option<String>,
    resuming: bool,
    /// The steps a resumed run restores: their artifacts are put back.
    restore: Vec<String>,
    record: bool,
    reap: bool,
}

impl Open {
    /// Opens the store (one connection for the history, the trigger and the
    /// run's recorder), takes the estimates into `plan`, records what
    /// started the run and opens its session.
    fn run(
        mut self,
        mut plan: wfc_plan::Plan,
        ir: Option<wfc_language::ir::Workflow>,
        estimates: Estimates,
    ) -> Result<Opened, LaunchError> {
        let store_error = |e: &dyn std::fmt::Display| LaunchError::Store(e.to_string());
        let mut prior = Vec::new();
        let mut paused = false;
        let mut cancelled = false;
        if let Some(ir) = ir {
            self.meta.plan = wfc_store::reuse::stored_fingerprints_of(&plan, &ir, Some(&self.file));
        }
        let session = if self.record {
            let store = self.launcher.inner.ahead.store(&self.dir)?;
            tracing::trace!(target: "wfc::timing", "store: open");
            if self.reap {
                let _ = wfc_store::control::reap(&store);
                tracing::trace!(target: "wfc::timing", "store: reap");
            }
            if matches!(estimates, Estimates::FromStore) {
                self.launcher.inner.ahead.estimate(&mut plan, &store);
            }
            // Written with the run's own row (`StartRows`). A resumed run
            // keeps its first session's trigger; no row means `manual`
            // (`wfc run`).
            let manual = self.trigger == wfc_store::listing::MANUAL && self.origin.is_none();
            if !self.resuming {
                let start = &mut self.meta.start;
                if !manual {
                    start.trigger = Some((
                        self.trigger.clone(),
                        self.origin.clone(),
                        self.started_by.clone(),
                    ));
                }
                start.version.clone_from(&plan.version);
                start.tags.clone_from(&plan.tags);
                start.delivery.clone_from(&self.delivery);
            }
            // Before the session opens: what the earlier ones left, and
            // whether the run was paused (a restart keeps the pause).
            if self.resuming {
                prior = wfc_store::prior_attempts::prior_attempts(&store, &self.id)
                    .map_err(|e| store_error(&e))?;
                paused = wfc_store::pause::paused(&store, &self.id)
                    .map_err(|e| store_error(&e))?
                    .is_some();
                // A parked run woken to be cancelled starts cancelled.
                cancelled =
                    wfc_store::park::cancel_asked(&store, &self.id).map_err(|e| store_error(&e))?;
            }
            if !self.restore.is_empty() {
                let steps: Vec<&str> = self.restore.iter().map(String::as_str).collect();
                wfc_store::artifacts::restore(&store, &self.id, &steps)
                    .map_err(LaunchError::Store)?;
            }
            let session = RunSession::on(store, &self.id, self.meta, self.resuming)
                .map_err(|e| store_error(&e))?;
            Some(session)
        } else {
            if matches!(estimates, Estimates::FromStore) {
                crate::estimates::from_dir(&mut plan, &self.dir);
            }
            None
        };
        if let Estimates::Given(take) = estimates {
            take(&mut plan);
        }
        Ok((session, plan, prior, paused, cancelled))
    }
}

/// The run's session (when recorded), its plan, a resumed run's steps cut
/// short, with their attempts (see `wfc_store::prior_attempts`), whether
/// it was paused (`wfc pause`) and whether it is a parked run's cancel.
type Opened = (
    Option<RunSession>,
    wfc_plan::Plan,
    Vec<(String, wfc_contract::PriorAttempts)>,
    bool,
    bool,
);

/// Takes the plan's fingerprints (~1.3 µs a step, mostly printing each
/// step's definition and compressing it) on a thread and sends them to the
/// run's recorder, which records them once they come. The IR goes with the
/// thread. Without a thread the run is recorded without them (as when the
/// process is killed before they come).
fn take_fingerprints(
    plan: &Arc<wfc_plan::Plan>,
    ir: wfc_language::ir::Workflow,
    file: String,
    tx: std::sync::mpsc::Sender<Vec<u8>>,
) {
    let plan = plan.clone();
    let started = std::thread::Builder::new()
        .name("wfc-fingerprint".into())
        .spawn(move || {
            let taken = wfc_store::reuse::stored_fingerprints_of(&plan, &ir, Some(&file));
            drop(ir);
            let _ = tx.send(taken);
            tracing::trace!(target: "wfc::timing", "fingerprints (recorded at the next turn)");
            tracing::trace!(target: "wfc::timing", thread = "fingerprints", "thread ended");
        });
    if let Err(e) = started {
        tracing::warn!("no thread for the plan's fingerprints ({e}); the run is recorded without them, and `wfc resume` will need the file unchanged");
    }
}

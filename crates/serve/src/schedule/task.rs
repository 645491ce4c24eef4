//! One schedule's loop: sleep until its next slot, then start a run (or
//! pass the slot over, queue it, or cancel the previous run, as `overlap`
//! says), recording each slot in the store before its run starts.
//!
//! "Owed" slots are those still to run: missed ones being caught up (one
//! after another) and the one slot `overlap queue` holds. A slot passed
//! over is recorded as done only when no owed slot comes before it, so the
//! record never runs past work still to do: after a crash, owed slots are
//! missed ones again.
//!
//! A run this schedule started before a restart and recovery resumed is
//! its previous run ([`Task::after`]): the slots caught up at start, and
//! those that come while it goes on, meet `overlap` as with any run.

use super::slots;
use crate::catalog::Catalog;
use chrono::{DateTime, Utc};
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{oneshot, watch};
use tokio_util::sync::CancellationToken;
use wfc_contract::RunStatus;
use wfc_language::ir::{Overlap, Schedule};
use wfc_launch::{Compiled, Launcher, Run};
use wfc_store::fires::{self, ScheduleId};

/// The trigger scheduled runs record.
pub const TRIGGER: &str = "schedule";

/// The longest sleep: the wall clock is read again at least this often
/// (it may have been set, or the machine suspended).
const MAX_SLEEP: Duration = Duration::from_secs(30);

/// How long before a server's start a slot is left for the servers
/// already running to fire (the record starts there, not at now).
const SLOT_GRACE: chrono::Duration = chrono::Duration::seconds(2);

/// How often the store is asked whether a previous run another server
/// runs still goes.
const ELSEWHERE_POLL: Duration = Duration::from_secs(1);

/// A hold-up shorter than this (a busy server) runs the slots it passed,
/// at most [`HELD_UP_FIRED`] of them; a longer one only the latest.
const HELD_UP_WINDOW: chrono::Duration = chrono::Duration::seconds(10);
const HELD_UP_FIRED: usize = 5;

/// How often a start refused by `--max-runs` is tried again.
const BUSY_RETRY: Duration = Duration::from_secs(1);

/// How often the launcher is asked whether a resumed run still goes (it
/// tells no one of their ends, whose starts recovery queued).
const RESUMED_POLL: Duration = Duration::from_millis(100);

/// What every schedule's task shares.
pub(super) struct Ctx {
    pub catalog: Arc<Catalog>,
    pub launcher: Launcher,
}

/// A run this schedule started (or, after a restart, the runs it had
/// started that recovery resumed), until it ends.
struct Current {
    /// Its id (ids, for resumed runs: at most one in practice).
    runs: Vec<String>,
    /// Another server runs it: asked of the store anew at each slot (its
    /// end is polled, and may be a poll late).
    elsewhere: bool,
    /// Its end, with its status's name.
    ended: Pin<Box<dyn Future<Output = String> + Send>>,
}

impl Current {
    /// The run that `fire` started.
    fn started(id: String, ended: oneshot::Receiver<wfc_run::RunResult>) -> Current {
        Current {
            runs: vec![id],
            elsewhere: false,
            // A dropped sender: the run's task is gone, as good as ended.
            ended: Box::pin(async move {
                ended
                    .await
                    .map_or(RunStatus::Failed, |r| r.status)
                    .name()
                    .to_owned()
            }),
        }
    }

    /// Runs the launcher owns (queued to resume, or resumed): ended once it
    /// owns none of them.
    fn resumed(runs: Vec<String>, launcher: Launcher) -> Current {
        let ids = runs.clone();
        Current {
            runs,
            elsewhere: false,
            ended: Box::pin(async move {
                while ids.iter().any(|id| launcher.state(id).is_some()) {
                    tokio::time::sleep(RESUMED_POLL).await;
                }
                "resumed run ended".to_owned()
            }),
        }
    }

    /// Runs another server runs (on a store several share): ended once
    /// the store has none of them going on.
    fn elsewhere(runs: Vec<String>, dir: std::path::PathBuf) -> Current {
        let ids = runs.clone();
        Current {
            runs,
            elsewhere: true,
            ended: Box::pin(async move {
                loop {
                    tokio::time::sleep(ELSEWHERE_POLL).await;
                    let (dir, ids) = (dir.clone(), ids.clone());
                    let going = tokio::task::spawn_blocking(move || {
                        let store = wfc_store::Store::open(&dir).ok()?;
                        let status = |id: &String| wfc_store::control::run_status(&store, id);
                        let going = ids.iter().map(status).collect::<Result<Vec<_>, _>>();
                        Some(going.ok()?.iter().any(|s| s.as_deref() == Some("running")))
                    })
                    .await;
                    // (A store that cannot say: asked again.)
                    if let Ok(Some(false)) = going {
                        return "ended on another server".to_owned();
                    }
                }
            }),
        }
    }

    /// Its id(s), for the log.
    fn id(&self) -> String {
        self.runs.join(",")
    }
}

/// One schedule of one served workflow.
pub(super) struct Task {
    pub id: ScheduleId,
    /// `overlap` and `catch up` as the file says now (a changed pattern or
    /// zone is another schedule, another task).
    pub settings: watch::Receiver<Schedule>,
    pub ctx: Arc<Ctx>,
    /// The server's `stopping`, or the schedule's removal.
    pub stop: CancellationToken,
    /// Whether slots missed since the last record are caught up: at the
    /// server's start. A schedule that appears while the server runs (a
    /// new or fixed file) starts from now.
    pub catch_up: bool,
    owed: VecDeque<DateTime<Utc>>,
    queued: Option<DateTime<Utc>>,
    /// Runs of this schedule resumed at the server's start.
    resumed: Vec<String>,
}

impl Task {
    pub fn new(
        id: ScheduleId,
        settings: watch::Receiver<Schedule>,
        ctx: Arc<Ctx>,
        stop: CancellationToken,
        catch_up: bool,
    ) -> Task {
        Task {
            id,
            settings,
            ctx,
            stop,
            catch_up,
            owed: VecDeque::new(),
            queued: None,
            resumed: Vec::new(),
        }
    }

    /// The task with `resumed` — runs this schedule started before a
    /// restart, resumed by recovery — as its previous run.
    pub fn after(mut self, resumed: Vec<String>) -> Task {
        self.resumed = resumed;
        self
    }

    pub async fn run(mut self) {
        let Some(mut cursor) = self.begin().await else {
            return;
        };
        let mut current = self.behind_resumed().await;
        loop {
            if self.stop.is_cancelled() {
                return;
            }
            if current.is_none() {
                if let Some(slot) = self.owed.pop_front().or_else(|| self.queued.take()) {
                    current = self.fire(slot).await;
                    continue;
                }
            }
            let schedule = self.settings.borrow().clone();
            let next = slots::next_after(&schedule, cursor);
            let wait = next.map_or(MAX_SLEEP, |n| {
                (n - now()).to_std().unwrap_or_default().min(MAX_SLEEP)
            });
            tokio::select! {
                _ = self.stop.cancelled() => return,
                status = ended(&mut current) => {
                    if let Some(c) = current.take() {
                        tracing::debug!(run = %c.id(), %status, "scheduled run ended");
                    }
                }
                changed = self.settings.changed() => {
                    if changed.is_err() {
                        return;
                    }
                }
                _ = tokio::time::sleep(wait) => {
                    let now = now();
                    if next.is_none_or(|n| n > now) {
                        continue;
                    }
                    let due = slots::passed(&schedule, cursor, now, HELD_UP_FIRED);
                    let Some(&slot) = due.latest.last() else { continue };
                    // A short hold-up (a busy server): the slots of the
                    // last seconds run in order, as owed ones do, each
                    // claimed before the next — a later slot claimed
                    // first would leave the earlier one to no server.
                    if due.count > 1 && current.is_none() && self.owed.is_empty() {
                        let recent: VecDeque<_> =
                            due.latest.iter().copied().filter(|s| now - *s <= HELD_UP_WINDOW).collect();
                        let dropped = due.count - recent.len() as u64;
                        if dropped > 0 {
                            tracing::warn!(
                                workflow = %self.id.workflow, schedule = %self.id.schedule,
                                passed = dropped, "slots passed while the schedule was held up"
                            );
                        }
                        cursor = slot;
                        self.owed = recent;
                        continue;
                    }
                    // A long one (a suspended machine, a clock set
                    // forward), or a run still going: the latest only.
                    if due.count > 1 {
                        tracing::warn!(
                            workflow = %self.id.workflow, schedule = %self.id.schedule,
                            passed = due.count - 1, "slots passed while the schedule was held up"
                        );
                    }
                    cursor = slot;
                    current = self.on_slot(slot, current).await;
                }
            }
        }
    }

    /// Where the schedule stands: the cursor to go on from, with the slots
    /// missed while the server was down owed (at most `catch up`, the
    /// latest). `None`: the store cannot say, so it never fires.
    async fn begin(&mut self) -> Option<DateTime<Utc>> {
        let now = now();
        let id = self.id.clone();
        let done = self.store(move |c| fires::done_until(c, &id)).await;
        let schedule = self.settings.borrow().clone();
        let (wf, sched) = (&self.id.workflow, &self.id.schedule);
        let done = match done {
            Err(e) => {
                tracing::error!(workflow = %wf, schedule = %sched, error = %e,
                    "cannot read where the schedule stands: it does not fire");
                return None;
            }
            Ok(d) => d.and_then(DateTime::<Utc>::from_timestamp_millis),
        };
        let missed = match done {
            Some(last) if self.catch_up => {
                slots::passed(&schedule, last, now, schedule.catch_up as usize)
            }
            _ => slots::Passed {
                latest: Vec::new(),
                count: 0,
            },
        };
        if missed.count > 0 {
            tracing::info!(
                workflow = %wf, schedule = %sched, missed = missed.count,
                catching_up = missed.latest.len(),
                skipped = missed.count - missed.latest.len() as u64,
                "slots missed while the server was down"
            );
        }
        if missed.latest.is_empty() {
            // Nothing owed: the record starts (or goes on) from now.
            let id = self.id.clone();
            let at = now.timestamp_millis();
            let graced = (now - SLOT_GRACE).timestamp_millis();
            let skipped = self.store(move |c| {
                // (A slot just before now stays another running server's
                // to fire: it may not have woken for it yet.)
                let at = if wfc_store::servers::others_alive(c)? {
                    graced
                } else {
                    at
                };
                fires::skip_to(c, &id, at)
            });
            if let Err(e) = skipped.await {
                tracing::error!(workflow = %wf, error = %e, "cannot record the schedule's start: it does not fire");
                return None;
            }
        }
        self.owed = missed.latest.into();
        let next = slots::next_after(&schedule, now);
        let next = next.map_or_else(|| "never".to_owned(), |t| t.to_rfc3339());
        tracing::info!(workflow = %wf, schedule = %sched, next = %next, "scheduled");
        Some(now)
    }

    /// The runs resumed at start as this schedule's previous run, the
    /// slots caught up (owed) meeting `overlap` behind it: `skip` passes
    /// them over, `queue` keeps the latest for its end, `cancel` cancels it
    /// and they run after.
    async fn behind_resumed(&mut self) -> Option<Current> {
        let resumed = std::mem::take(&mut self.resumed);
        if resumed.is_empty() {
            return None;
        }
        let run = Current::resumed(resumed, self.ctx.launcher.clone());
        tracing::info!(
            workflow = %self.id.workflow, schedule = %self.id.schedule, previous = %run.id(),
            "a run of this schedule was resumed: slots wait for it as overlap says"
        );
        let overlap = self.settings.borrow().overlap;
        match overlap {
            Overlap::Skip | Overlap::Queue => {
                let mut current = Some(run);
                for slot in std::mem::take(&mut self.owed) {
                    current = self.on_slot(slot, current).await;
                }
                current
            }
            Overlap::Cancel if !self.owed.is_empty() => {
                tracing::info!(workflow = %self.id.workflow, schedule = %self.id.schedule,
                    previous = %run.id(), "cancelling the previous run for the slots caught up (overlap cancel)");
                for id in &run.runs {
                    self.ctx.launcher.cancel(id);
                }
                // Its end, then the owed slots, one after the other.
                Some(run)
            }
            Overlap::Cancel => Some(run),
        }
    }

    /// A slot has come while `current` may still run.
    async fn on_slot(&mut self, slot: DateTime<Utc>, current: Option<Current>) -> Option<Current> {
        let current = match current {
            Some(c) if !c.elsewhere => Some(c),
            _ => self.previous_elsewhere().await,
        };
        let Some(run) = current else {
            return self.fire(slot).await;
        };
        let (wf, sched) = (self.id.workflow.clone(), self.id.schedule.clone());
        let overlap = self.settings.borrow().overlap;
        match overlap {
            Overlap::Skip => {
                tracing::info!(workflow = %wf, schedule = %sched, %slot, previous = %run.id(),
                    "slot passed over: the previous run still runs (overlap skip)");
                self.pass_over(slot).await;
                Some(run)
            }
            Overlap::Queue => {
                match self.queued.replace(slot) {
                    Some(earlier) => {
                        tracing::info!(workflow = %wf, schedule = %sched, slot = %earlier, queued = %slot,
                            "queued slot passed over: a later one takes its place (overlap queue)");
                        self.pass_over(earlier).await;
                    }
                    None => {
                        tracing::info!(workflow = %wf, schedule = %sched, %slot, previous = %run.id(),
                        "slot queued behind the previous run (overlap queue)")
                    }
                }
                Some(run)
            }
            Overlap::Cancel => {
                let dropped = self.owed.len() + usize::from(self.queued.is_some());
                self.owed.clear();
                self.queued = None;
                tracing::info!(workflow = %wf, schedule = %sched, %slot, previous = %run.id(), dropped,
                    "cancelling the previous run (overlap cancel)");
                self.cancel(&run.runs).await;
                tokio::select! {
                    _ = self.stop.cancelled() => return None,
                    _ = run.ended => {}
                }
                self.fire(slot).await
            }
        }
    }

    /// On a store several servers share: this schedule's run going on
    /// there, which another server fired (or resumed) — `overlap` meets it
    /// as this server's own previous run.
    async fn previous_elsewhere(&self) -> Option<Current> {
        if !wfc_store::servers::serving() {
            return None;
        }
        let id = self.id.clone();
        let going = match self.store(move |c| fires::going(c, &id)).await {
            Ok(g) if g.is_empty() => return None,
            Ok(g) => g,
            Err(e) => {
                tracing::warn!(workflow = %self.id.workflow, error = %e,
                    "cannot tell whether the schedule's previous run goes on elsewhere");
                return None;
            }
        };
        let dir = self.ctx.launcher.state_dir().to_path_buf();
        Some(Current::elsewhere(going, dir))
    }

    /// Cancels `runs`: through the launcher when this server runs it, else
    /// through the store, for the server that does.
    async fn cancel(&self, runs: &[String]) {
        for id in runs {
            if self.ctx.launcher.cancel(id) {
                continue;
            }
            let id = id.clone();
            let asked = self
                .store(move |c| Ok(wfc_store::control::request_cancel(c, &id)))
                .await;
            if let Err(e) = asked.and_then(|r| r) {
                tracing::warn!(workflow = %self.id.workflow, error = %e, "cannot cancel the previous run");
            }
        }
    }

    /// Records `slot` as done unless an owed slot comes before it.
    async fn pass_over(&self, slot: DateTime<Utc>) {
        let owed_before =
            self.owed.front().is_some_and(|o| *o <= slot) || self.queued.is_some_and(|q| q <= slot);
        if owed_before {
            return;
        }
        let id = self.id.clone();
        let at = slot.timestamp_millis();
        if let Err(e) = self.store(move |c| fires::skip_to(c, &id, at)).await {
            tracing::warn!(workflow = %self.id.workflow, error = %e, "cannot record a passed slot");
        }
    }

    /// Starts `slot`'s run with the params' defaults, the slot claimed in
    /// the transaction that records the run: of several servers firing
    /// it, the first to record it starts it, and a crash never leaves the
    /// slot claimed with no run. A start refused by `--max-runs` is tried
    /// again every second (unless another server fires the slot meanwhile).
    async fn fire(&self, slot: DateTime<Utc>) -> Option<Current> {
        let wf = &self.id.workflow;
        let at = slot.timestamp_millis();
        let paused = crate::ignored::paused(&self.ctx.launcher, wf, "schedule").await;
        if let Some(reason) = paused.or_else(|| self.turned_down()) {
            if self.handled(slot).await {
                let trigger = format!("{TRIGGER} {}", self.id.schedule);
                let firing = crate::ignored::firing(&self.id.file, wf, trigger, reason);
                crate::ignored::record(&self.ctx.launcher, firing).await;
            }
            return None;
        }
        let mut told = false;
        loop {
            if self.stop.is_cancelled() {
                tracing::info!(workflow = %wf, %slot, "slot not started: the schedule stopped");
                return None;
            }
            let Some(compiled) = self.compile().await else {
                self.handled(slot).await;
                return None;
            };
            let mut run = Run::from(compiled)
                .triggered_by(TRIGGER)
                .started_by(self.id.schedule.clone());
            run.slot = Some((self.id.clone(), at));
            run.scheduled = Some(slot.into());
            match self.ctx.launcher.start(run).await {
                Ok(started) => {
                    tracing::info!(workflow = %wf, schedule = %self.id.schedule, %slot, run = %started.id, "schedule fired");
                    return Some(Current::started(started.id, started.ended));
                }
                Err(e) if e.is_busy() && !self.ctx.launcher.stopping().is_cancelled() => {
                    if !told {
                        tracing::warn!(workflow = %wf, %slot, "--max-runs runs are running: the scheduled run waits, trying every second");
                        told = true;
                    }
                    tokio::select! {
                        _ = self.stop.cancelled() => {}
                        _ = tokio::time::sleep(BUSY_RETRY) => {}
                    }
                }
                Err(wfc_launch::LaunchError::Conflict(e)) if e.starts_with(fires::SLOT_TAKEN) => {
                    tracing::info!(workflow = %wf, schedule = %self.id.schedule, %slot, "slot fired by another server");
                    return None;
                }
                Err(e @ wfc_launch::LaunchError::LockHeld { .. }) => {
                    if self.handled(slot).await {
                        let trigger = format!("{TRIGGER} {}", self.id.schedule);
                        let firing =
                            crate::ignored::firing(&self.id.file, wf, trigger, e.to_string());
                        crate::ignored::record(&self.ctx.launcher, firing).await;
                    }
                    return None;
                }
                Err(e) => {
                    let p = crate::problem::Problem::from(e);
                    tracing::error!(workflow = %wf, %slot, code = p.code.id(), "scheduled run not started: {}", p.detail);
                    self.handled(slot).await;
                    return None;
                }
            }
        }
    }

    /// Claims `slot`, which starts no run (turned down, or its start
    /// failed): whether this server took it — `false` when another server
    /// handled it first, or the store cannot say (logged).
    async fn handled(&self, slot: DateTime<Utc>) -> bool {
        let (id, at) = (self.id.clone(), slot.timestamp_millis());
        match self.store(move |c| fires::claim(c, &id, at)).await {
            Ok(ours) => ours,
            Err(e) => {
                tracing::error!(workflow = %self.id.workflow, %slot, error = %e, "cannot record the slot");
                false
            }
        }
    }

    /// Why the schedule's `when` turns a slot down, if it does (it reads
    /// the params' defaults).
    fn turned_down(&self) -> Option<String> {
        let when = self.settings.borrow().when.clone()?;
        let workflow = self.ctx.catalog.find(&self.id.workflow).ok()?;
        let inputs = wfc_plan::trigger_params::TriggerInputs::default();
        wfc_plan::trigger_when::decide(&workflow.ir, Some(&when), &inputs).err()
    }

    /// The workflow as its file is served, with its params' defaults;
    /// `None` (logged with the diagnostics) when it cannot run.
    async fn compile(&self) -> Option<Compiled> {
        let wf = self.id.workflow.clone();
        let workflow = match self.ctx.catalog.find(&wf) {
            Ok(w) if w.file == self.id.file => w,
            _ => {
                tracing::warn!(workflow = %wf, file = %self.id.file, "not started: the file no longer serves the workflow");
                return None;
            }
        };
        match crate::launch::compile(workflow, wfc_plan::ParamInput::default()).await {
            Ok(c) => Some(c),
            Err(p) => {
                let diagnostics: Vec<String> = p
                    .diagnostics
                    .iter()
                    .map(|d| {
                        format!(
                            "{}: {}",
                            d["code"].as_str().unwrap_or("?"),
                            d["message"].as_str().unwrap_or("")
                        )
                    })
                    .collect();
                tracing::error!(
                    workflow = %wf, file = %self.id.file,
                    "scheduled run not started: {} (give the params defaults):\n{}",
                    p.detail, diagnostics.join("\n")
                );
                None
            }
        }
    }

    /// Runs `f` on the store, off the async threads.
    async fn store<T: Send + 'static>(
        &self,
        f: impl FnOnce(&wfc_store::Store) -> wfc_store::Result<T> + Send + 'static,
    ) -> Result<T, String> {
        let dir = self.ctx.launcher.state_dir().to_path_buf();
        tokio::task::spawn_blocking(move || {
            let store = wfc_store::Store::open(&dir)?;
            f(&store).map_err(|e| e.to_string())
        })
        .await
        .map_err(|e| e.to_string())?
    }
}

/// The time now by the store's clock: on a store in a database, the
/// database's (as this server's lease measured its clock against it), so
/// that servers whose clocks disagree fire each slot at the same moment.
fn now() -> DateTime<Utc> {
    let offset = chrono::Duration::milliseconds(wfc_store::servers::clock_offset_ms());
    Utc::now() + offset
}

/// `current`'s end (its status); never, when there is none.
async fn ended(current: &mut Option<Current>) -> String {
    match current {
        Some(c) => (&mut c.ended).await,
        None => std::future::pending().await,
    }
}

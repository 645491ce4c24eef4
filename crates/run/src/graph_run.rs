//! One graph's run (`GraphRun`): the runner's loop that runs a graph (the
//! main graph, a compensation, a handler) to the end, scheduling its steps.
//! The submodules are the parts of that loop: calls' timeouts (`calls`),
//! how steps end and what that decides (`ends`), `after` steps while the
//! run stops (`finally`), `wait any` races (`race`), skips (`skips`) and
//! run-time loops (`unroll`), and how a ready step starts (`start`).
//!
//! One loop owns all the state ([`Topology`], outputs, per-step records);
//! steps run as tokio tasks ([`super::attempt`]) that report back through a
//! channel, so nothing is shared or locked. The loop:
//!
//! 1. starts ready steps, highest remaining critical path first
//!    ([`wfc_plan::priorities`], the rule `wfc plan` simulates), while
//!    fewer than `jobs` run and the run is not stopping, and while the
//!    step's `for each … parallel N` has a free iteration slot;
//! 2. starting a step evaluates its run-time `if` (false: skipped) and its
//!    fields; gates with `check` are decided on the spot; the first ready
//!    step of a loop over a run-time list unrolls the loop instead
//!    (`unroll`);
//! 3. waits for an event: a step ended, the run was cancelled (Ctrl-C), or
//!    the workflow's `timeout` expired;
//! 4. a step that ended tells its dependents (a success or an absent step
//!    counts down; a failure, even an optional one, ends them as not run,
//!    but for edges that only order — see [`super::state`]); a
//!    required failure stops new starts unless `--keep-going`, and always
//!    stops new iterations of its loop; the first success in a `wait any`
//!    block cancels the other members (their processes are killed).

use super::attempt::{self, AttemptResult, Event, Job};
use super::exec::Status;
use super::poll::Poll;
use super::retry_when::RetryWhen;
use super::runner::Runner;
use super::spec::{prepare, GateSpec, Prepared};
use super::state::{Admit, Resolution, State, Topology};
use super::values::{map, Ended, Evaluator};
use std::cmp::Reverse;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use wfc_contract::{Attempt, GraphName, StepEnd, StepKey, StepStatus};
use wfc_language::ir::OnFail;
use wfc_plan::{Graph, GroupKind, InstanceId, Value};

/// How a graph treats failures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// The main graph: a required failure fails the run and stops new
    /// starts (unless `keep_going`).
    Main { keep_going: bool },
    /// A compensation or handler: failures are reported, nothing stops.
    Sub,
}

/// What a graph's run left behind.
pub struct GraphOutcome {
    /// The graph as run, when unrolling run-time loops grew it (its instance
    /// ids extend the plan's).
    pub grown: Option<Arc<Graph>>,
    /// Each unrolled template with its copies (for readers in other graphs).
    pub copies: Vec<(InstanceId, Vec<InstanceId>)>,
    pub status: Vec<StepStatus>,
    pub outputs: Vec<Option<Value>>,
    /// Steps that started, in order of completion.
    pub completion: Vec<InstanceId>,
    /// The first required failure: (instance name, error).
    pub failure: Option<(String, String)>,
    /// Every step that failed (optional ones too): (instance name, error).
    pub failures: Vec<(String, String)>,
    pub cancelled: bool,
    /// The graph did not end: the run parked (see [`crate::park`]), and
    /// the record says what it waits for.
    pub parked: Option<wfc_contract::Parked>,
}

mod any;
mod calls;
mod ends;
mod file_call;
mod finally;
mod fresh;
mod max_failures;
mod park;
mod prior;
mod race;
mod rest;
mod skips;
#[cfg(test)]
mod slot_tests;
mod start;
mod unroll;
mod up_to_date;

#[derive(Default)]
struct StepRun {
    attempts: u32,
    started: Option<(SystemTime, Instant)>,
    last: Option<Box<Last>>,
    cancel: Option<CancellationToken>,
    /// A gate waiting for a person (`approval`, or a check's `on fail pause`).
    approval: bool,
    /// Paused between attempts: its slots are free (see [`rest`]).
    resting: bool,
    /// Cancelled because the run failed while it only waited ([`rest`]).
    stopped_waiting: bool,
    /// Cancelled while it ran by `fail fast` ([`rest`]).
    stopped_fast: bool,
    /// What it waits for, while it only waits (see [`park`]).
    wake: Option<crate::park::Wake>,
    /// Skipped by a person after it failed (`on fail pause`): why. Its
    /// failure counts as an optional step's.
    waived: Option<String>,
    /// What decided a step with `sources` that runs or is up to date.
    inputs: Option<Box<wfc_contract::up_to_date::StepInputs>>,
    /// With incremental runs on: a hash of what it gave (outputs, files).
    gave: Option<Box<(String, String)>>,
    /// Asking its `up to date when` check: the run it would be up to date
    /// with ([`fresh`]).
    checking: Option<Box<wfc_contract::up_to_date::Found>>,
}

/// A step's last attempt, and its outputs as recorded for it (masked JSON),
/// with the count of secrets they were masked against: the step's end
/// records the same JSON unless a secret came since.
struct Last {
    result: AttemptResult,
    recorded: serde_json::Value,
    secrets: usize,
}

/// The graph a [`GraphRun`] runs: the plan's, or its copy grown by unrolling
/// run-time loops. Cheap to clone, so a step's fields can be read while the
/// run's state changes.
#[derive(Clone)]
enum GraphRef<'g> {
    Plan(&'g Graph),
    Grown(Arc<Graph>),
}

impl std::ops::Deref for GraphRef<'_> {
    type Target = Graph;
    fn deref(&self) -> &Graph {
        match self {
            GraphRef::Plan(g) => g,
            GraphRef::Grown(g) => g,
        }
    }
}

/// The state of one graph's run: its steps' states and outputs, what runs,
/// what failed, whether it stops.
pub(crate) struct GraphRun<'g> {
    graph: GraphRef<'g>,
    /// The templates of unrolled run-time loops: joins of their copies, never
    /// run or recorded themselves (empty until a loop is unrolled).
    joins: Vec<bool>,
    /// Each unrolled template with its copies.
    copies: Vec<(InstanceId, Vec<InstanceId>)>,
    /// Steps that succeeded in an earlier session (`wfc resume`) and are not
    /// in the plan: iterations of run-time loops, restored when unrolled.
    restore_later: Vec<(String, Value)>,
    name: GraphName,
    mode: Mode,
    topo: Topology,
    outputs: Vec<Option<Value>>,
    /// Whose outputs to keep once recorded: those some expression reads.
    keep: Vec<bool>,
    steps: Vec<StepRun>,
    running: usize,
    /// Concurrency slots the running steps hold (see [`slots`]).
    slots: usize,
    /// Paused steps asking for their slots back, in order (see [`rest`]).
    resuming: std::collections::VecDeque<(InstanceId, tokio::sync::oneshot::Sender<()>)>,
    completion: Vec<InstanceId>,
    failure: Option<(String, String)>,
    failures: Vec<(String, String)>,
    /// Per loop with `max failures`, the iterations that failed.
    tolerated: rustc_hash::FxHashMap<wfc_plan::GroupId, rustc_hash::FxHashSet<usize>>,
    stopping: bool,
    cancelled: bool,
    timed_out: bool,
    /// When each timed call's first step started (see `calls`).
    call_clock: rustc_hash::FxHashMap<InstanceId, Instant>,
    /// Cancelled when the run parks: every step task returns from its wait.
    park: CancellationToken,
    /// Steps started this turn whose processes wait for the turn's flush:
    /// on a multi-threaded runtime (the server) a task spawned at once
    /// could start its process before its start was on disk.
    to_spawn: Vec<(crate::exec::StepSpec, Job)>,
}

impl Runner<'_> {
    /// Runs `graph` to the end. `cancel` stops it (running steps are
    /// cancelled, nothing new starts); `deadline` is the workflow timeout.
    pub(crate) async fn run_graph(
        &mut self,
        graph: &Graph,
        name: GraphName,
        mode: Mode,
        cancel: &CancellationToken,
        deadline: Option<tokio::time::Instant>,
        failed: Option<(&str, &str)>,
    ) -> GraphOutcome {
        let prio = if name == GraphName::Main && self.plan.schedule.priority.len() == graph.len() {
            self.plan.schedule.priority.clone()
        } else {
            let est: Vec<u64> = graph.steps.iter().map(|s| s.estimate.ms).collect();
            wfc_plan::priorities(&graph.dependents(), &est)
        };
        let keep = self.kept_outputs(graph, &name);
        let mut g = GraphRun {
            graph: GraphRef::Plan(graph),
            joins: Vec::new(),
            copies: Vec::new(),
            restore_later: Vec::new(),
            name,
            mode,
            topo: Topology::new(graph, prio),
            outputs: vec![None; graph.len()],
            keep,
            steps: (0..graph.len()).map(|_| StepRun::default()).collect(),
            running: 0,
            slots: 0,
            resuming: Default::default(),
            completion: Vec::new(),
            failure: None,
            failures: Vec::new(),
            tolerated: Default::default(),
            stopping: false,
            cancelled: false,
            timed_out: false,
            call_clock: Default::default(),
            park: CancellationToken::new(),
            to_spawn: Vec::new(),
        };
        if g.name == GraphName::Main {
            let restored = finally::restorable(graph, std::mem::take(&mut self.restored));
            for (step, value) in restored {
                match graph.named(&step) {
                    Some(v) => self.restored_step(&mut g, v, value),
                    // An iteration of a run-time loop, restored once unrolled.
                    None => g.restore_later.push((step, value)),
                }
            }
        }
        let (tx, mut rx) = mpsc::unbounded_channel();
        let mut blocked: Vec<InstanceId> = Vec::new();
        let jobs = self.opts.jobs.max(1);
        // `wfc pause` holds the main graph only: a compensation or a
        // handler runs once the run has failed, whatever else was asked.
        let mut pause = self
            .opts
            .pause
            .clone()
            .filter(|_| g.name == GraphName::Main);
        if cancel.is_cancelled() && matches!(mode, Mode::Main { .. }) {
            // Cancelled before it started (a parked run's cancel woke it).
            g.cancelled = true;
            g.stopping = true;
        }
        let mut parking = park::Parking::default();
        let mut parked = None;
        let mut park_now = self.opts.park.as_ref().and_then(|p| p.now.clone());
        loop {
            let is_held = |g: &GraphRun| !g.stopping && pause.as_ref().is_some_and(|p| *p.borrow());
            if !is_held(&g) {
                self.resume_rested(&mut g, jobs);
            }
            // A step that takes no slot may start even when all are taken.
            // (A pause is read before each start: once its watch took it,
            // nothing more starts.)
            while !is_held(&g) {
                let Some(v) = self.next_ready(&mut g) else {
                    break;
                };
                if g.topo.state[v] != State::Pending {
                    continue;
                }
                match g.topo.loop_admits(v) {
                    Admit::Never => {
                        self.cannot_run(&mut g, v, "an earlier iteration of its loop failed");
                        continue;
                    }
                    Admit::Later => {
                        blocked.push(v);
                        continue;
                    }
                    Admit::Now => {}
                }
                if g.slots + self.held(&g, v) > jobs {
                    // Not enough free slots for its `cpus`: it waits, and
                    // nothing of lower priority overtakes it.
                    g.topo.ready.push((g.topo.prio[v], Reverse(v)));
                    break;
                }
                self.start(&mut g, v, &tx, failed);
            }
            let waits = is_held(&g) && !(g.topo.ready.is_empty() && blocked.is_empty());
            if g.running == 0 && !waits {
                if g.stopping && self.wind_down(&mut g) {
                    continue;
                }
                if g.stopping || (g.topo.ready.is_empty() && blocked.is_empty()) {
                    break;
                }
                if g.topo.ready.is_empty() {
                    // Nothing runs and only loop-limited steps are left (an
                    // iteration that will never end holds its slot: a step
                    // of it failed): start the best one regardless, rather
                    // than wait forever. Not one a skip or a decided race
                    // ended meanwhile, nor one of a loop an iteration broke.
                    blocked.retain(|&v| g.topo.state[v] == State::Pending);
                    blocked.sort_by_key(|&v| (Reverse(g.topo.prio[v]), v));
                    if let Some(pos) = blocked
                        .iter()
                        .position(|&v| g.topo.loop_admits(v) != Admit::Never)
                    {
                        let v = blocked.remove(pos);
                        self.start(&mut g, v, &tx, failed);
                    }
                }
                for v in blocked.drain(..) {
                    g.topo.ready.push((g.topo.prio[v], Reverse(v)));
                }
                continue;
            }
            let held = is_held(&g);
            if let Some(p) = self.park(&mut g, held, !blocked.is_empty(), &mut parking) {
                parked = Some(p);
                break;
            }
            // One write for this turn: what happened, and the steps just
            // started, before they run and before waiting.
            if let Err(e) = self.recorder.flush() {
                self.record_failed(&mut g, e);
            }
            // Started for real only now: a step whose start could not be
            // written was cancelled above and ends without starting.
            for (spec, job) in g.to_spawn.drain(..) {
                tokio::spawn(attempt::run_step(self.exec.clone(), spec, job));
            }
            let timeout = async {
                match deadline {
                    Some(d) => tokio::time::sleep_until(d).await,
                    None => std::future::pending().await,
                }
            };
            let park_due = parking.due(self.opts.park.as_ref());
            let park_timer = async {
                match park_due {
                    Some(t) => tokio::time::sleep_until(t).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                ev = rx.recv() => {
                    let mut freed = false;
                    if let Some(ev) = ev {
                        freed |= self.handle(&mut g, ev);
                    }
                    while let Ok(ev) = rx.try_recv() {
                        freed |= self.handle(&mut g, ev);
                    }
                    if freed {
                        for v in blocked.drain(..) {
                            g.topo.ready.push((g.topo.prio[v], Reverse(v)));
                        }
                    }
                }
                _ = cancel.cancelled(), if !g.cancelled => {
                    g.cancelled = true;
                    g.stopping = true;
                    cancel_running(&g);
                }
                _ = paused_or_not(&mut pause) => {}
                // Time to park, or parking at once was asked: looked at next turn.
                _ = park_timer => {}
                _ = paused_or_not(&mut park_now) => {}
                _ = timeout, if !g.timed_out => {
                    g.timed_out = true;
                    g.stopping = true;
                    let limit = self.plan.timeout_ms.unwrap_or(0);
                    let running = (0..g.graph.len()).find(|&v| g.topo.state[v] == State::Running);
                    if g.failure.is_none() {
                        let step = running.map_or_else(|| self.plan.workflow.clone(), |v| g.graph.steps[v].name.clone());
                        g.failure = Some((step, format!(
                            "the workflow's timeout ({}) expired",
                            wfc_plan::value::format_duration(limit)
                        )));
                    }
                    cancel_running(&g);
                }
            }
        }
        debug_assert!(g.to_spawn.is_empty(), "a started step was never spawned");
        // Whatever never started (a parked run starts it when woken).
        for v in 0..g.graph.len() {
            if g.topo.state[v] == State::Pending && parked.is_none() {
                let why = self.why_not_run(&g, v);
                // The run is over: a block this decides has no one to tell.
                let _ = self.not_run(&mut g, v, &why);
            }
        }
        if let Err(e) = self.recorder.flush() {
            self.record_failed(&mut g, e);
        }
        GraphOutcome {
            grown: match &g.graph {
                GraphRef::Grown(grown) => Some(grown.clone()),
                GraphRef::Plan(_) => None,
            },
            copies: std::mem::take(&mut g.copies),
            status: g
                .topo
                .state
                .iter()
                .map(|s| match s {
                    State::Done(st) => *st,
                    _ => StepStatus::NotRun,
                })
                .collect(),
            outputs: g.outputs,
            completion: g.completion,
            failure: g.failure,
            failures: g.failures,
            cancelled: g.cancelled,
            parked,
        }
    }

    /// The run's record could not be written. In the main graph nothing
    /// more starts, what runs is stopped (it started without a durable
    /// record), and the run fails with the write error; compensations and
    /// handlers still run (their record is lost too). Said once.
    fn record_failed(&mut self, g: &mut GraphRun, e: wfc_contract::RecordError) {
        if std::mem::replace(&mut self.record_failed, true) {
            return;
        }
        tracing::warn!("{e}; the run stops and fails");
        if matches!(g.mode, Mode::Main { .. }) {
            g.failure
                .get_or_insert_with(|| ("wfc".into(), e.to_string()));
            if !g.stopping {
                g.stopping = true;
                cancel_running(g);
            }
        }
    }

    /// What `step`'s expressions see: params, its items, outputs so far.
    fn evaluator<'a>(
        &'a self,
        g: &'a GraphRun,
        step: &'a wfc_plan::PlannedStep,
        failed: Option<(&'a str, &'a str)>,
    ) -> Evaluator<'a> {
        let main = match &g.name {
            GraphName::Main => &g.outputs,
            _ => &self.main_outputs,
        };
        let local = Ended::States(&g.topo.state);
        let main_ended = match &g.name {
            GraphName::Main => local,
            _ => Ended::Statuses(&self.main_status),
        };
        Evaluator::new(
            &self.params,
            &step.items,
            &step.reads,
            main,
            &g.outputs,
            failed,
        )
        .with_names(&self.names)
        .with_masker(self.secrets.masker())
        .with_ended(main_ended, local)
        .with_run(&self.context)
        .at_step(step.span)
    }

    fn key(&self, g: &GraphRun, v: InstanceId) -> StepKey {
        StepKey {
            graph: g.name.clone(),
            name: g.graph.steps[v].name.clone(),
            kind: g.graph.steps[v].kind.name(),
        }
    }

    /// Ends a started step with `result` without a task.
    fn immediate(&mut self, g: &mut GraphRun, v: InstanceId, result: AttemptResult) {
        let at = self.first_attempt(g, v);
        let ended = Event::AttemptEnded {
            id: v,
            attempt: 1,
            at,
            result: Box::new(result),
        };
        self.handle(g, ended);
        self.handle(g, Event::Done { id: v });
    }

    /// `v` starts: it holds its slots and counts as running from now.
    fn mark_started(&self, g: &mut GraphRun, v: InstanceId) {
        g.topo.start(v);
        g.running += 1;
        g.slots += self.held(g, v);
        g.steps[v].started = Some((SystemTime::now(), Instant::now()));
    }

    /// A step that fails before it can start (a bad field, a failed condition).
    fn fail_now(&mut self, g: &mut GraphRun, v: InstanceId, error: String) {
        self.mark_started(g, v);
        self.immediate(g, v, AttemptResult::failed(error));
    }

    /// Handles one event; returns whether a loop iteration slot was freed.
    fn handle(&mut self, g: &mut GraphRun, ev: Event) -> bool {
        match ev {
            Event::AttemptStarted {
                id,
                attempt,
                at,
                recorded,
            } => {
                g.steps[id].attempts = attempt;
                let key = self.key(g, id);
                self.recorder.attempt_started(&key, attempt, at);
                if let Some(r) = recorded {
                    let _ = r.send(());
                }
                false
            }
            Event::Waiting { id, why, wake } => {
                self.rest(g, id);
                g.steps[id].wake = wake;
                self.stop_if_failed(g, id);
                let key = self.key(g, id);
                self.recorder.waiting(&key, &why);
                false
            }
            Event::Sleeping { id, until } => {
                g.steps[id].wake = Some(crate::park::Wake::At(until));
                false
            }
            Event::Resume { id, go } => {
                g.steps[id].wake = None;
                self.wants_back(g, id, go);
                false
            }
            Event::AttemptEnded {
                id,
                attempt,
                at,
                result,
            } => {
                let key = self.key(g, id);
                let masker = self.secrets.masker();
                let record = Attempt {
                    number: attempt,
                    status: step_status(result.status),
                    started_at: at,
                    duration: result.duration,
                    exit_code: result.exit_code,
                    error: result.error.as_deref().map(|e| masker.mask(e)),
                    outputs: super::report::masked_json(result.outputs.as_ref(), &masker),
                    usage: result.usage,
                };
                self.recorder.attempt_ended(&key, &record);
                g.steps[id].wake = None;
                g.steps[id].last = Some(Box::new(Last {
                    result: *result,
                    recorded: record.outputs,
                    secrets: self.secrets.count(),
                }));
                false
            }
            Event::Waived { id, why } => {
                g.steps[id].wake = None;
                g.steps[id].waived = Some(why);
                false
            }
            Event::Concluded {
                id,
                attempts,
                error,
            } => {
                g.steps[id].wake = None;
                g.steps[id].attempts = attempts;
                g.steps[id].last = Some(Box::new(Last {
                    result: AttemptResult::failed(error),
                    recorded: serde_json::Value::Null,
                    secrets: self.secrets.count(),
                }));
                false
            }
            Event::Done { id } => {
                g.steps[id].wake = None;
                self.finish(g, id)
            }
            Event::Checked { id, answer, go } => self.checked(g, id, answer, go),
        }
    }
}

/// The concurrency slots step `s` holds while it runs: none for a step that
/// only waits (see [`rest`]), its `cpus` when it
/// runs on this machine (capped at `jobs`, so that it can run), else one.
/// A Slurm job takes one (wfc only follows it; the cluster holds its
/// CPUs): a step the file sends to Slurm, or, with `slurm_by_default`
/// (`--executor slurm`), a `shell`, `python`, `node` or `docker` step
/// whose file names no executor (what the Slurm executor sends).
pub(super) fn slots(s: &wfc_plan::PlannedStep, jobs: usize, slurm_by_default: bool) -> usize {
    use wfc_language::ir::{ExecutorKind, StepKind};
    // Waiting is no work: a `sleep`, a gate (its check is decided at once,
    // its approval waits for a person).
    if matches!(s.kind, StepKind::Sleep | StepKind::Gate) {
        return 0;
    }
    let Some(p) = s.placement.as_deref() else {
        return 1;
    };
    let on_slurm = match p.executor {
        Some(x) => x == ExecutorKind::Slurm,
        None => {
            slurm_by_default
                && matches!(
                    s.kind,
                    StepKind::Shell | StepKind::Python | StepKind::Node | StepKind::Docker
                )
        }
    };
    match p.cpus {
        Some(n) if !on_slurm => (n as usize).clamp(1, jobs.max(1)),
        _ => 1,
    }
}

/// Cancels the running steps, but `after` steps (see [`finally`]).
fn cancel_running(g: &GraphRun) {
    for (v, s) in g.steps.iter().enumerate() {
        if let Some(t) = &s.cancel {
            if !g.graph.steps[v].finally {
                t.cancel();
            }
        }
    }
}

fn step_status(s: Status) -> StepStatus {
    match s {
        Status::Succeeded => StepStatus::Succeeded,
        Status::Failed => StepStatus::Failed,
        Status::TimedOut => StepStatus::TimedOut,
        Status::Cancelled => StepStatus::Cancelled,
    }
}

/// The outermost loop holding `v` whose list is known only at run time and
/// not unrolled yet (an inner one's list may read the outer one's item).
fn runtime_loop(g: &Graph, v: InstanceId) -> Option<wfc_plan::GroupId> {
    let mut cur = g.steps[v].group;
    let mut found = None;
    while let Some(gi) = cur {
        let grp = &g.groups[gi];
        if matches!(
            grp.kind,
            GroupKind::ForEach {
                iterations: None,
                ..
            }
        ) {
            found = Some(gi);
        }
        cur = grp.parent;
    }
    found
}

fn is_join(g: &GraphRun, v: InstanceId) -> bool {
    g.joins.get(v).copied().unwrap_or(false)
}

/// Waits until the run is paused or let go on (`wfc pause`, `wfc resume`);
/// never without a pause to watch.
async fn paused_or_not(pause: &mut Option<tokio::sync::watch::Receiver<bool>>) {
    let changed = match pause {
        Some(p) => p.changed().await.is_ok(),
        None => false,
    };
    if !changed {
        // Nothing to watch, or whoever paused is gone: what it said last stands.
        std::future::pending::<()>().await;
    }
}

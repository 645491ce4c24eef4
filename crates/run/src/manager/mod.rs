//! The run manager: one value that starts, cancels, approves and observes
//! any number of concurrent runs in one process.
//!
//! A [`RunManager`] owns what runs share — one [`Executor`] (its HTTP
//! client, its Docker connection) and one [`Reaper`], whose tag marks the
//! steps of every run it starts — and a registry of its live runs.
//! [`RunManager::start`] spawns a run as a task on the caller's tokio
//! runtime and returns a [`RunHandle`]; from then on the run is driven by
//! its id:
//!
//! - [`RunManager::cancel`] cancels it gracefully (running steps stop,
//!   nothing new starts, compensations and `finally` still run — a first
//!   Ctrl-C), [`RunManager::force_cancel`] cancels those too (a second);
//!   each run has its own tokens, so cancelling one leaves the others be;
//! - [`RunManager::approve`] / [`RunManager::reject`] decide a gate, at once
//!   if it waits, or in advance; the decision goes to the run's
//!   [`DecisionLog`] (the store: recorded like `wfc approve`);
//! - [`RunManager::subscribe`] gives the events of every run ([`events`]),
//!   [`RunManager::subscribe_with_lines`] with a nudge for each line printed.
//!
//! The manager takes the store only through the run crate's traits: the
//! request's [`Recorder`], [`LineOutput`], [`Approvals`] and [`DecisionLog`].
//! Process-wide concerns stay with the caller: signals (`wfc run` turns
//! Ctrl-C into [`RunManager::cancel`]) and the scratch directory
//! ([`crate::exec::scratch::remove`], once no run is left).

mod approvals;
pub mod events;

use crate::exec::slurm::SlurmExecutor;
use crate::exec::{ExecOptions, Execute, Executor};
use crate::reaper::Reaper;
use crate::runner::{BeforeSteps, RunOptions, RunResult, Runner};
use approvals::{GateBoard, ManagedApprovals};
use events::{EventBus, Observed, Subscription, Tapped};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use wfc_contract::LineOutput;
use wfc_contract::{Approvals, DecisionLog, GateDecision};
use wfc_contract::{NoRecorder, Recorder, RunStatus};
use wfc_language::ir::NameTable;
use wfc_plan::{Plan, Value};

/// Starts and controls runs; cheap to clone (the clones share everything).
#[derive(Clone)]
pub struct RunManager {
    shared: Arc<Shared>,
}

struct Shared {
    exec: Arc<dyn Execute>,
    /// `exec` sends `shell` steps with no executor in the file to Slurm.
    slurm_by_default: bool,
    /// Finished when the last clone of the manager and the last of its
    /// runs are gone: a run in flight keeps its steps guarded.
    reaper: Option<Reaper>,
    runs: Mutex<HashMap<String, Arc<LiveRun>>>,
    events: Arc<EventBus>,
}

/// What the manager keeps of a run while it runs.
struct LiveRun {
    cancel: CancellationToken,
    force: CancellationToken,
    plan: Arc<Plan>,
    gates: Arc<GateBoard>,
    decisions: Option<Arc<dyn DecisionLog>>,
}

/// A run to start: its plan and where it reports.
pub struct RunRequest {
    pub plan: Arc<Plan>,
    /// The IR's names, for rendering conditions and checks back to source.
    pub names: NameTable,
    /// Unique among the manager's live runs.
    pub run_id: String,
    /// The workflow file, for the records; a script's or a query's relative
    /// `file` is read in its directory.
    pub file: String,
    /// Steps at once (default: the plan's schedule).
    pub jobs: usize,
    /// Let independent branches go on after a required failure.
    pub keep_going: bool,
    /// Every event of the run (the store, the display, a report).
    pub recorder: Box<dyn Recorder>,
    /// Where steps' live output lines go.
    pub lines: Option<Arc<dyn LineOutput>>,
    /// Approvals besides the manager's (`--approve`, the store's `wfc approve`).
    pub approvals: Option<Arc<dyn Approvals>>,
    /// Where the manager's decisions on this run's gates are recorded.
    pub decisions: Option<Arc<dyn DecisionLog>>,
    /// `wfc resume`: main-graph steps that succeeded before, with their
    /// outputs (see [`Runner::restore`]).
    pub restored: Vec<(String, Value)>,
    /// `wfc resume`: the attempts of main-graph steps that were cut short
    /// (see [`Runner::prior_attempts`]).
    pub prior: Vec<(String, wfc_contract::PriorAttempts)>,
    /// What started the run (`run.trigger`; default `"manual"`).
    pub trigger: String,
    /// When the run first started, for a resumed run (`run.started`).
    pub started: Option<std::time::SystemTime>,
    /// The slot it is for (`run.scheduled`; `None`: its start).
    pub scheduled: Option<std::time::SystemTime>,
    /// Which session of the run this is (see [`RunOptions::session`]).
    pub session: i64,
    /// Waited for before the first step (the server's `lock`).
    pub before_steps: Option<BeforeSteps>,
    /// The run's artifact folder (`None`: artifacts are checked, not kept).
    pub artifacts: Option<std::path::PathBuf>,
    /// What the run's relative paths are relative to (`--workdir`;
    /// default: the directory of `file`).
    pub base_dir: Option<std::path::PathBuf>,
    /// The run's own folder (`run.dir`), made by the caller.
    pub run_dir: Option<std::path::PathBuf>,
    /// Whether the run is paused (see [`RunOptions::pause`]).
    pub pause: Option<tokio::sync::watch::Receiver<bool>>,
    /// Incremental runs (see [`RunOptions::incremental`]).
    pub incremental: Option<Arc<crate::up_to_date::Incremental>>,
    /// Whether the run may park (see [`RunOptions::park`]).
    pub park: Option<crate::park::ParkPolicy>,
    /// A parked run woken (see [`RunOptions::woken`]).
    pub woken: bool,
    /// Starts cancelled: a parked run woken because it was cancelled
    /// (nothing new starts; compensations and `finally` run).
    pub cancelled: bool,
}

impl RunRequest {
    /// A run of `plan` under `run_id` that reports nowhere.
    pub fn new(plan: Arc<Plan>, names: NameTable, run_id: impl Into<String>) -> Self {
        RunRequest {
            jobs: plan.schedule.jobs,
            plan,
            names,
            run_id: run_id.into(),
            file: String::new(),
            keep_going: false,
            recorder: Box::new(NoRecorder),
            lines: None,
            approvals: None,
            decisions: None,
            restored: Vec::new(),
            prior: Vec::new(),
            trigger: "manual".into(),
            started: None,
            scheduled: None,
            session: 1,
            before_steps: None,
            artifacts: None,
            base_dir: None,
            run_dir: None,
            pause: None,
            incremental: None,
            park: None,
            woken: false,
            cancelled: false,
        }
    }
}

/// A started run.
pub struct RunHandle {
    run_id: String,
    task: tokio::task::JoinHandle<RunResult>,
    cancel: CancellationToken,
    recorded: Option<tokio::sync::oneshot::Receiver<Result<(), wfc_contract::RecordError>>>,
}

impl RunHandle {
    pub fn run_id(&self) -> &str {
        &self.run_id
    }

    /// The token a graceful cancel fires ([`RunManager::cancel`]): for
    /// whatever else may cancel the run (the store's `wfc cancel` watch).
    pub fn cancel_token(&self) -> CancellationToken {
        self.cancel.clone()
    }

    /// Waits until the run's recorder has recorded its start (or the run
    /// ended without): a server answers a start only then, so a read of
    /// the run's id at once finds it in the store. An error: the start
    /// could not be recorded, and the run ends at once with nothing run.
    pub async fn recorded(&mut self) -> Result<(), wfc_contract::RecordError> {
        match self.recorded.take() {
            Some(rx) => rx.await.unwrap_or(Ok(())),
            None => Ok(()),
        }
    }

    /// Waits for the run's end. By then it has left the manager's registry.
    pub async fn wait(self) -> RunResult {
        match self.task.await {
            Ok(result) => result,
            Err(e) => {
                let why = if e.is_panic() {
                    "the run's task panicked"
                } else {
                    "the run's task was dropped with its runtime"
                };
                RunResult {
                    status: RunStatus::Failed,
                    failed: Some(("wfc".into(), why.into())),
                    duration: Duration::ZERO,
                    parked: false,
                }
            }
        }
    }
}

/// Why the manager refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ManagerError {
    /// A live run has this id already.
    AlreadyRunning(String),
    /// No live run has this id.
    NotRunning(String),
    /// The run's plan has no such gate.
    NoSuchGate { run_id: String, gate: String },
    /// The gate was decided already, or the decision log refused it.
    Refused(String),
}

impl std::fmt::Display for ManagerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ManagerError::AlreadyRunning(id) => write!(f, "run {id} is running already"),
            ManagerError::NotRunning(id) => write!(f, "run {id} is not running"),
            ManagerError::NoSuchGate { run_id, gate } => {
                write!(f, "run {run_id} has no gate `{gate}`")
            }
            ManagerError::Refused(why) => f.write_str(why),
        }
    }
}

impl std::error::Error for ManagerError {}

impl RunManager {
    /// A manager with a reaper of its own (started now) and an executor
    /// with `exec`'s settings. Without a reaper (it could not start: a
    /// warning says why) steps run under per-step supervisors.
    pub fn new(exec: ExecOptions) -> Self {
        let reaper = Reaper::start()
            .map_err(|e| {
                tracing::warn!(
                    "cannot start the process reaper ({e}); steps run under per-step supervisors"
                );
            })
            .ok();
        Self::with_reaper(reaper, exec)
    }

    /// A manager around `reaper`, started by the caller (`wfc run` starts it
    /// on a thread while the workflow compiles); `None`: no reaper.
    pub fn with_reaper(reaper: Option<Reaper>, exec: ExecOptions) -> Self {
        let exec = Executor::new(ExecOptions {
            supervise: reaper.is_none(),
            groups: reaper.as_ref().and_then(Reaper::groups),
            ..exec
        });
        let slurm = exec.opts.slurm.clone();
        let slurm_by_default = slurm.as_ref().is_some_and(|s| s.by_default);
        let local = Arc::new(exec);
        let exec: Arc<dyn Execute> = match slurm {
            Some(opts) => Arc::new(SlurmExecutor::new(local, opts)),
            None => local,
        };
        RunManager {
            shared: Arc::new(Shared {
                exec,
                slurm_by_default,
                reaper,
                runs: Mutex::default(),
                events: Arc::default(),
            }),
        }
    }

    /// Starts `request` as a task on the current tokio runtime (call it
    /// from within one). Its gates wait for the manager's decisions as
    /// well as for the request's approvals.
    pub fn start(&self, request: RunRequest) -> Result<RunHandle, ManagerError> {
        let live = Arc::new(LiveRun {
            cancel: CancellationToken::new(),
            force: CancellationToken::new(),
            plan: request.plan.clone(),
            gates: Arc::default(),
            decisions: request.decisions,
        });
        if request.cancelled {
            live.cancel.cancel();
        }
        {
            let mut runs = self.runs();
            if runs.contains_key(&request.run_id) {
                return Err(ManagerError::AlreadyRunning(request.run_id));
            }
            runs.insert(request.run_id.clone(), live.clone());
        }
        let shared = &self.shared;
        let id: Arc<str> = Arc::from(request.run_id.as_str());
        let (recorded, recorded_rx) = tokio::sync::oneshot::channel();
        let lines = request.lines.map(|inner| {
            Arc::new(Tapped {
                inner,
                bus: shared.events.clone(),
                run_id: id.clone(),
            }) as Arc<dyn LineOutput>
        });
        let recorder = Box::new(Observed {
            inner: request.recorder,
            bus: shared.events.clone(),
            run_id: id,
            gates: live.gates.clone(),
            recorded: Some(recorded),
            unflushed: false,
        });
        let approvals = Arc::new(ManagedApprovals {
            board: live.gates.clone(),
            others: request.approvals,
        });
        let workflow_dir = directory_of(&request.file);
        let base_dir = request.base_dir.or_else(|| workflow_dir.clone());
        let opts = RunOptions {
            run_id: request.run_id.clone(),
            file: request.file,
            jobs: request.jobs,
            keep_going: request.keep_going,
            reaper_tag: shared.reaper.as_ref().map(|r| r.tag().to_owned()),
            trigger: request.trigger,
            started: request.started,
            scheduled: request.scheduled,
            session: request.session,
            slurm_by_default: shared.slurm_by_default,
            workflow_dir,
            artifacts: request.artifacts,
            base_dir,
            run_dir: request.run_dir,
            pause: request.pause,
            incremental: request.incremental,
            park: request.park,
            woken: request.woken,
        };
        let registered = Registered {
            shared: shared.clone(),
            run_id: request.run_id.clone(),
        };
        let (cancel, force) = (live.cancel.clone(), live.force.clone());
        let exec: Arc<dyn Execute> = shared.exec.clone();
        let (plan, names, restored) = (request.plan, request.names, request.restored);
        let before_steps = request.before_steps;
        let prior = request.prior;
        let task = tokio::spawn(async move {
            // Leaves the registry however the task ends, before `wait`
            // returns; holds the reaper until then.
            let _registered = registered;
            // The runner borrows the plan the task owns.
            let mut runner = Runner::new(&plan, names, exec, approvals, recorder, lines, opts);
            runner.restore(restored);
            runner.prior_attempts(prior);
            if let Some(wait) = before_steps {
                runner.wait_before_steps(wait);
            }
            runner.run(cancel, force).await
        });
        Ok(RunHandle {
            run_id: request.run_id,
            task,
            cancel: live.cancel.clone(),
            recorded: Some(recorded_rx),
        })
    }

    /// Starts `request` and waits for its end.
    pub async fn run(&self, request: RunRequest) -> Result<RunResult, ManagerError> {
        Ok(self.start(request)?.wait().await)
    }

    /// Cancels run `run_id` gracefully: its running steps stop, nothing new
    /// starts, its compensations and `finally` still run.
    pub fn cancel(&self, run_id: &str) -> Result<(), ManagerError> {
        self.live(run_id)?.cancel.cancel();
        Ok(())
    }

    /// Cancels run `run_id` and its compensations and handlers too.
    pub fn force_cancel(&self, run_id: &str) -> Result<(), ManagerError> {
        let live = self.live(run_id)?;
        live.cancel.cancel();
        live.force.cancel();
        Ok(())
    }

    /// Approves gate `gate` (an instance name: `ship[eu-west]`) of run
    /// `run_id`, as `by`, with no inputs and no comment (see [`Self::decide`]).
    pub async fn approve(&self, run_id: &str, gate: &str, by: &str) -> Result<(), ManagerError> {
        self.decide(run_id, gate, GateDecision::approved(by)).await
    }

    /// Rejects gate `gate` of run `run_id` as `by`: the gate fails.
    pub async fn reject(&self, run_id: &str, gate: &str, by: &str) -> Result<(), ManagerError> {
        self.decide(run_id, gate, GateDecision::rejected(by)).await
    }

    /// Decides gate `gate` of run `run_id`: approval inputs as given
    /// (strings are read as typed text), a comment. A gate takes one
    /// decision; one made before the gate is reached lets it pass when it
    /// is. The run's [`DecisionLog`] records it first (on a blocking
    /// thread), binding its inputs, and may refuse it.
    pub async fn decide(
        &self,
        run_id: &str,
        gate: &str,
        mut d: GateDecision,
    ) -> Result<(), ManagerError> {
        let live = self.live(run_id)?;
        if !crate::gates::is_gate(&live.plan, gate) {
            return Err(ManagerError::NoSuchGate {
                run_id: run_id.to_owned(),
                gate: gate.to_owned(),
            });
        }
        if let Some(log) = live.decisions.clone() {
            let (run, step, given) = (run_id.to_owned(), gate.to_owned(), d.clone());
            d = tokio::task::spawn_blocking(move || log.record(&run, &step, &given))
                .await
                .unwrap_or_else(|e| Err(format!("the decision could not be recorded: {e}")))
                .map_err(ManagerError::Refused)?;
        }
        // With a log, the log is the judge of a second decision (it keeps
        // those of other processes too); without one, the board is (and
        // the gate binds the inputs when it takes the decision).
        match live.gates.decide(gate, d) {
            Err(taken) if live.decisions.is_none() => Err(ManagerError::Refused(format!(
                "gate `{gate}` of run {run_id} {taken}; a gate takes one decision"
            ))),
            _ => Ok(()),
        }
    }

    /// The events of every run from now on (see [`events`]).
    pub fn subscribe(&self) -> Subscription {
        self.shared.events.subscribe(false)
    }

    /// [`Self::subscribe`], and [`events::RunEventKind::Printed`] for
    /// every line a step prints (a live stream of logs reads them then).
    pub fn subscribe_with_lines(&self) -> Subscription {
        self.shared.events.subscribe(true)
    }

    /// The ids of the live runs.
    pub fn running(&self) -> Vec<String> {
        self.runs().keys().cloned().collect()
    }

    /// The tag of the manager's reaper (`None`: steps are supervised).
    pub fn reaper_tag(&self) -> Option<&str> {
        self.shared.reaper.as_ref().map(Reaper::tag)
    }

    fn live(&self, run_id: &str) -> Result<Arc<LiveRun>, ManagerError> {
        self.runs()
            .get(run_id)
            .cloned()
            .ok_or_else(|| ManagerError::NotRunning(run_id.to_owned()))
    }

    fn runs(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<LiveRun>>> {
        self.shared.runs.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A run's place in the registry, given up when its task ends.
struct Registered {
    shared: Arc<Shared>,
    run_id: String,
}

impl Drop for Registered {
    fn drop(&mut self) {
        let mut runs = self.shared.runs.lock().unwrap_or_else(|e| e.into_inner());
        runs.remove(&self.run_id);
    }
}

/// The directory of workflow file `file` (as given: relative to wfc's
/// working directory), made absolute; `None` when it is not there (a run
/// of no file, or of one since removed).
fn directory_of(file: &str) -> Option<std::path::PathBuf> {
    let dir = std::path::Path::new(file).parent()?;
    let dir = if dir.as_os_str().is_empty() {
        std::path::Path::new(".")
    } else {
        dir
    };
    std::fs::canonicalize(dir).ok()
}

//! What a run reports as it goes: the [`Recorder`] trait and its events.
//!
//! The scheduler calls a `Recorder` at every point worth keeping — the run
//! starting, each attempt starting and ending (with its outputs), a step
//! skipped or left out, each step's final state, the run ending. The run
//! store, the terminal display and the JSON report are recorders;
//! [`Recorders`] fans events out to several. Everything a recorder receives
//! is already masked: no secret value reaches one.

use std::time::{Duration, SystemTime};

/// A run's handlers, in the order they may run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Handler {
    /// `on failure`
    Failure,
    /// `on success`
    Success,
    /// `finally`
    Finally,
}

/// Which graph a step instance belongs to.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum GraphName {
    Main,
    /// The compensation registered by this main-graph instance.
    Rollback(String),
    Handler(Handler),
}

impl GraphName {
    /// `main`, `rollback`, `on_failure`, `on_success`, `finally` (the report's names).
    pub fn id(&self) -> &'static str {
        match self {
            GraphName::Main => "main",
            GraphName::Rollback(_) => "rollback",
            GraphName::Handler(Handler::Failure) => "on_failure",
            GraphName::Handler(Handler::Success) => "on_success",
            GraphName::Handler(Handler::Finally) => "finally",
        }
    }
}

/// A step instance, as recorders see it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct StepKey {
    pub graph: GraphName,
    /// The instance name (`ship[eu-west]`).
    pub name: String,
    /// The kind (`shell`, `gate`, …).
    pub kind: &'static str,
}

/// How a step (or one attempt) ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StepStatus {
    Succeeded,
    Failed,
    TimedOut,
    Cancelled,
    /// Not run: its `if` was false, a dependency was skipped, or another
    /// member of its `wait any` block won.
    Skipped,
    /// Never started: the run stopped first, or a dependency failed.
    NotRun,
}

impl StepStatus {
    pub fn name(self) -> &'static str {
        match self {
            StepStatus::Succeeded => "succeeded",
            StepStatus::Failed => "failed",
            StepStatus::TimedOut => "timed_out",
            StepStatus::Cancelled => "cancelled",
            StepStatus::Skipped => "skipped",
            StepStatus::NotRun => "not_run",
        }
    }

    /// A failure of the step itself (not a cancellation).
    pub fn is_failure(self) -> bool {
        matches!(self, StepStatus::Failed | StepStatus::TimedOut)
    }
}

/// How the whole run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunStatus {
    Succeeded,
    Failed,
    Cancelled,
}

impl RunStatus {
    pub fn name(self) -> &'static str {
        match self {
            RunStatus::Succeeded => "succeeded",
            RunStatus::Failed => "failed",
            RunStatus::Cancelled => "cancelled",
        }
    }

    /// The process exit code: 0, 1, 130.
    pub fn exit_code(self) -> u8 {
        match self {
            RunStatus::Succeeded => 0,
            RunStatus::Failed => 1,
            RunStatus::Cancelled => 130,
        }
    }
}

/// The run, as it starts.
#[derive(Clone, Debug)]
pub struct RunInfo {
    pub run_id: String,
    pub workflow: String,
    pub file: String,
    /// Params by name; secrets are `"***"`.
    pub params: Vec<(String, serde_json::Value)>,
    pub jobs: usize,
    /// Main-graph instances.
    pub steps: usize,
    pub started_at: SystemTime,
}

/// One attempt that ended.
#[derive(Clone, Debug)]
pub struct Attempt {
    /// 1-based.
    pub number: u32,
    pub status: StepStatus,
    pub started_at: SystemTime,
    pub duration: Duration,
    pub exit_code: Option<i64>,
    /// Masked.
    pub error: Option<String>,
    /// The attempt's outputs, masked (`null` when it produced none).
    pub outputs: serde_json::Value,
    /// The CPU time and peak memory of its process or container, where
    /// wfc can tell ([`crate::Usage`]).
    pub usage: Option<crate::Usage>,
}

/// A step's final state.
#[derive(Clone, Debug)]
pub struct StepEnd {
    pub status: StepStatus,
    pub attempts: u32,
    pub started_at: Option<SystemTime>,
    pub duration: Duration,
    pub exit_code: Option<i64>,
    /// Why it failed, or why it was skipped / not run (masked).
    pub error: Option<String>,
    pub outputs: serde_json::Value,
    pub optional: bool,
}

/// The run's end.
#[derive(Clone, Debug)]
pub struct RunEnd {
    pub status: RunStatus,
    pub duration: Duration,
    pub ended_at: SystemTime,
    /// `failed.step` and `failed.error` (masked).
    pub failed: Option<(String, String)>,
}

/// A run's record could not be written (a full disk, a read-only or failing
/// store): from then on the run cannot be trusted to be recorded, so it
/// starts nothing more and ends failed with this as its reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordError(pub String);

impl std::fmt::Display for RecordError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the run's record could not be written: {}", self.0)
    }
}

impl std::error::Error for RecordError {}

/// Receives the run's events; every method has a no-op default.
///
/// A recorder that keeps the run's record says when a write failed:
/// [`Recorder::run_started`] (nothing is run), [`Recorder::flush`] (the
/// run stops starting steps and fails) and [`Recorder::run_ended`] (a run
/// that succeeded is reported failed).
pub trait Recorder: Send {
    fn run_started(&mut self, _run: &RunInfo) -> Result<(), RecordError> {
        Ok(())
    }
    fn attempt_started(&mut self, _step: &StepKey, _attempt: u32, _at: SystemTime) {}
    fn attempt_ended(&mut self, _step: &StepKey, _attempt: &Attempt) {}
    /// Waiting before a retry, or for an approval (for display).
    fn waiting(&mut self, _step: &StepKey, _why: &str) {}
    fn step_skipped(&mut self, _step: &StepKey, _reason: &str) {}
    fn step_ended(&mut self, _step: &StepKey, _end: &StepEnd) {}
    /// A step that succeeded in an earlier session of the run (`wfc resume`)
    /// and is not run again: for the display and the report (the store
    /// recorded it then).
    fn step_restored(&mut self, _step: &StepKey) {}
    /// The files a step that succeeded keeps as artifacts, already copied
    /// into the run's artifact folder and synced; just before its
    /// [`Recorder::step_ended`], in the same turn.
    fn artifacts_kept(&mut self, _step: &StepKey, _files: &[crate::ArtifactFile]) {}
    /// What decided a step that declares `sources` and succeeded or was up
    /// to date ([`crate::up_to_date`]); just before its
    /// [`Recorder::step_ended`], in the same turn.
    fn step_inputs(&mut self, _step: &StepKey, _inputs: &crate::up_to_date::StepInputs) {}
    /// A run phase begins: `"rollback"`, `"on failure"`, `"finally"`, … (for display).
    fn phase(&mut self, _name: &str) {}
    /// The workflow's own outputs (masked), once its main graph succeeded;
    /// before [`Recorder::run_ended`].
    fn workflow_outputs(&mut self, _outputs: &[(String, serde_json::Value)]) {}
    fn run_ended(&mut self, _end: &RunEnd) -> Result<(), RecordError> {
        Ok(())
    }
    /// The run's session ends with the run parked ([`crate::park`]): only a
    /// recorder that keeps the run's record where something can wake it
    /// can say yes; the default refuses, and the run goes on waiting.
    fn run_parked(&mut self, _parked: &crate::Parked) -> Result<(), RecordError> {
        Err(RecordError("nothing here can wake a parked run".into()))
    }
    /// Makes everything recorded so far durable. The scheduler calls it
    /// before it acts on what it recorded (starting the steps a success
    /// unblocks) and before it waits, so a recorder may batch the events of
    /// one scheduler turn into one write.
    fn flush(&mut self) -> Result<(), RecordError> {
        Ok(())
    }
}

/// Records nothing.
pub struct NoRecorder;

impl Recorder for NoRecorder {}

/// Sends every event to each recorder in turn; a failure is the first
/// recorder's that failed (the others are still told).
#[derive(Default)]
pub struct Recorders(pub Vec<Box<dyn Recorder>>);

impl Recorder for Recorders {
    fn run_started(&mut self, run: &RunInfo) -> Result<(), RecordError> {
        let mut result = Ok(());
        for r in &mut self.0 {
            let done = r.run_started(run);
            if result.is_ok() {
                result = done;
            }
        }
        tracing::trace!(target: "wfc::timing", "run recorded as started");
        result
    }
    fn attempt_started(&mut self, step: &StepKey, attempt: u32, at: SystemTime) {
        first_step();
        self.0
            .iter_mut()
            .for_each(|r| r.attempt_started(step, attempt, at));
    }
    fn attempt_ended(&mut self, step: &StepKey, attempt: &Attempt) {
        self.0
            .iter_mut()
            .for_each(|r| r.attempt_ended(step, attempt));
    }
    fn waiting(&mut self, step: &StepKey, why: &str) {
        self.0.iter_mut().for_each(|r| r.waiting(step, why));
    }
    fn step_skipped(&mut self, step: &StepKey, reason: &str) {
        self.0.iter_mut().for_each(|r| r.step_skipped(step, reason));
    }
    fn step_ended(&mut self, step: &StepKey, end: &StepEnd) {
        self.0.iter_mut().for_each(|r| r.step_ended(step, end));
    }
    fn step_restored(&mut self, step: &StepKey) {
        self.0.iter_mut().for_each(|r| r.step_restored(step));
    }
    fn artifacts_kept(&mut self, step: &StepKey, files: &[crate::ArtifactFile]) {
        self.0
            .iter_mut()
            .for_each(|r| r.artifacts_kept(step, files));
    }
    fn step_inputs(&mut self, step: &StepKey, inputs: &crate::up_to_date::StepInputs) {
        self.0.iter_mut().for_each(|r| r.step_inputs(step, inputs));
    }
    fn phase(&mut self, name: &str) {
        self.0.iter_mut().for_each(|r| r.phase(name));
    }
    fn workflow_outputs(&mut self, outputs: &[(String, serde_json::Value)]) {
        self.0.iter_mut().for_each(|r| r.workflow_outputs(outputs));
    }
    /// Once one recorder failed to record a success, the ones after it are
    /// told the run failed, as the run will report it.
    fn run_ended(&mut self, end: &RunEnd) -> Result<(), RecordError> {
        let mut result = Ok(());
        let mut told = end.clone();
        for r in &mut self.0 {
            let done = r.run_ended(&told);
            if let Err(e) = &done {
                if told.status == RunStatus::Succeeded {
                    told.status = RunStatus::Failed;
                    told.failed = Some(("wfc".to_owned(), e.to_string()));
                }
            }
            if result.is_ok() {
                result = done;
            }
        }
        result
    }
    /// Parked only when the first recorder (the store) parks it; the others
    /// are told once it did.
    fn run_parked(&mut self, parked: &crate::Parked) -> Result<(), RecordError> {
        let Some((first, rest)) = self.0.split_first_mut() else {
            return Err(RecordError("no recorder".into()));
        };
        first.run_parked(parked)?;
        for r in rest {
            let _ = r.run_parked(parked);
        }
        Ok(())
    }
    fn flush(&mut self) -> Result<(), RecordError> {
        let mut result = Ok(());
        for r in &mut self.0 {
            let done = r.flush();
            if result.is_ok() {
                result = done;
            }
        }
        result
    }
}

/// Marks the first step's start for `WFC_TIMINGS` (once a process: one
/// relaxed load an attempt after that).
fn first_step() {
    use std::sync::atomic::{AtomicBool, Ordering};
    static DONE: AtomicBool = AtomicBool::new(false);
    if !DONE.load(Ordering::Relaxed) && !DONE.swap(true, Ordering::Relaxed) {
        tracing::trace!(target: "wfc::timing", "first step starting");
    }
}

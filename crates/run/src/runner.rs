//! A whole run: the main graph, then — as the language orders it — the
//! compensations, the handlers and `finally`.
//!
//! 1. The main graph runs ([`super::graph_run`]) under the workflow's
//!    `timeout` and the run's cancellation (Ctrl-C).
//! 2. If the run failed or was cancelled, the compensations (`on failure
//!    rollback`) of every main-graph step that started run one after the
//!    other, in reverse order of completion; each is a graph of its own.
//! 3. `on failure` (with `failed.step` and `failed.error`) if the run failed,
//!    `on success` if it succeeded; then `finally` in every case. Failing
//!    compensations and handler steps are reported but never change the
//!    run's result.
//!
//! Compensations and handlers still run after a first Ctrl-C; a second one
//! cancels them too (the `force` token).

use super::exec::Execute;
use super::graph_run::Mode;
use super::mask::Masker;
use super::paths::RUN_DIR;
use super::run_context::{MainEnded, RunContext};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};
use tokio_util::sync::CancellationToken;
use wfc_contract::Approvals;
use wfc_contract::LineOutput;
use wfc_contract::{GraphName, Handler, Recorder, RunEnd, RunInfo, RunStatus};
use wfc_language::ir::{HandlerKind, NameTable};
use wfc_plan::{Graph, Plan, Value};

/// What a run waits for once it is recorded as started and before its
/// first step (a `lock`). It gets the run's cancel token and the run's
/// [`crate::park::ParkPolicy`] (`None`: it may not park), and says how the
/// wait ended ([`Before`]). Called again, with no policy, when the record
/// refused a park.
pub type BeforeSteps = Box<
    dyn FnMut(
            CancellationToken,
            Option<crate::park::ParkPolicy>,
        ) -> Pin<Box<dyn Future<Output = Before> + Send>>
        + Send,
>;

/// How the wait before the first step ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Before {
    /// The run goes on.
    Go,
    /// Cancelled while it waited: nothing runs, not even `finally` (it
    /// would run outside what the run waited for); the run ends `cancelled`.
    Cancelled,
    /// It would wait long for lock key `.0`, held by another run: it parks
    /// with nothing run, and the key given back wakes it.
    Park(String),
}

/// Run settings.
#[derive(Clone, Debug)]
pub struct RunOptions {
    pub run_id: String,
    /// The workflow file, for the records.
    pub file: String,
    /// Steps at once.
    pub jobs: usize,
    /// Let independent branches go on after a required failure.
    pub keep_going: bool,
    /// The mark of this session's reaper, if there is one.
    pub reaper_tag: Option<String>,
    /// What started the run (`run.trigger`): `"manual"` for the CLI.
    pub trigger: String,
    /// When the run first started: before this session (`wfc resume`), or
    /// when its launch took the instant (a `lock` key read `run.started`).
    pub started: Option<SystemTime>,
    /// The slot a schedule's or a backfill's run is for (`run.scheduled`).
    pub scheduled: Option<SystemTime>,
    /// Which session of the run this is (1, then one more each resume).
    pub session: i64,
    /// `--executor slurm`: `shell` steps whose file names no executor are
    /// Slurm jobs, so their `cpus` take no slots here (scheduler's `slots`).
    pub slurm_by_default: bool,
    /// The workflow file's directory: a relative `file` of a script or a
    /// query is read there (`None`: wfc's working directory).
    pub workflow_dir: Option<std::path::PathBuf>,
    /// The run's artifact folder, where steps' artifacts are kept (`None`:
    /// the run is not recorded).
    pub artifacts: Option<std::path::PathBuf>,
    /// What relative paths of the run are relative to: a step's default
    /// working folder, a relative `workdir`, `sqlite:PATH` (`--workdir`,
    /// else the workflow file's directory; `None`: wfc's working directory).
    pub base_dir: Option<std::path::PathBuf>,
    /// The run's own folder (`run.dir`, `$WFC_RUN_DIR`), made by whoever
    /// started the run.
    pub run_dir: Option<std::path::PathBuf>,
    /// Whether the run is paused (`wfc pause`): while it is, the main graph
    /// starts nothing new (running steps finish); `None`: never paused.
    pub pause: Option<tokio::sync::watch::Receiver<bool>>,
    /// Incremental runs: where steps with `sources` look for a run they
    /// are up to date with (`None`: every step runs).
    pub incremental: Option<Arc<crate::up_to_date::Incremental>>,
    /// Whether and when the run may park (see [`crate::park`]); `None`:
    /// it waits here for whatever it waits for.
    pub park: Option<crate::park::ParkPolicy>,
    /// A parked run woken: its workflow `timeout` counts from its first
    /// start, once steps ran (a person's `wfc resume` gives it a whole new
    /// one).
    pub woken: bool,
}

/// How the run ended.
#[derive(Clone, Debug)]
pub struct RunResult {
    pub status: RunStatus,
    pub failed: Option<(String, String)>,
    pub duration: Duration,
    /// The run did not end: it parked (see [`crate::park`]), and `status`
    /// means nothing.
    pub parked: bool,
}

/// The secret values of the run, and a masker for them (rebuilt when a new
/// secret-derived value appears).
pub struct Secrets {
    values: Vec<String>,
    masker: Masker,
}

impl Secrets {
    pub fn new(values: Vec<String>) -> Self {
        let masker = Masker::new(&values);
        Secrets { values, masker }
    }

    pub fn add(&mut self, more: Vec<String>) {
        let before = self.values.len();
        for v in more {
            if !self.values.contains(&v) {
                self.values.push(v);
            }
        }
        if self.values.len() != before {
            self.masker = Masker::new(&self.values);
        }
    }

    pub fn masker(&self) -> Masker {
        self.masker.clone()
    }

    /// How many secret values there are: it changes exactly when the
    /// masker does.
    pub fn count(&self) -> usize {
        self.values.len()
    }
}

/// Runs one plan.
pub struct Runner<'p> {
    pub(crate) plan: &'p Plan,
    /// What rendering a condition or check back to source needs of the IR.
    pub(crate) names: NameTable,
    pub(crate) exec: Arc<dyn Execute>,
    pub(crate) approvals: Arc<dyn Approvals>,
    pub(crate) recorder: Box<dyn Recorder>,
    pub(crate) lines: Option<Arc<dyn LineOutput>>,
    pub(crate) opts: RunOptions,
    /// Param values by id (secrets included).
    pub(crate) params: Vec<Option<Value>>,
    pub(crate) secrets: Secrets,
    pub(crate) workflow_env: Vec<(String, String)>,
    pub(crate) main_outputs: Vec<Option<Value>>,
    /// How each main-graph step ended (for `x.status` in handlers).
    pub(crate) main_status: Vec<wfc_contract::StepStatus>,
    /// Some call has a `timeout` (else starting a step looks for none).
    pub(crate) timed_calls: bool,
    /// The second Ctrl-C: it cancels `after` steps, which the first leaves
    /// running as it leaves the handlers (see `graph_run::finally`).
    pub(crate) force: CancellationToken,
    /// Main-graph steps that succeeded in an earlier session of the run
    /// (`wfc resume`), with their outputs: not run again.
    pub(crate) restored: Vec<(String, Value)>,
    /// Main-graph steps cut short in an earlier session: their attempts so far.
    pub(crate) prior: Vec<(String, wfc_contract::PriorAttempts)>,
    /// What `run.…` reads.
    pub(crate) context: RunContext,
    /// Waited for before the first step ([`BeforeSteps`]).
    pub(crate) before_steps: Option<BeforeSteps>,
    /// A write of the run's record failed: the run fails (see the
    /// `graph_run`'s `record_failed`).
    pub(crate) record_failed: bool,
    /// When the workflow's `timeout` ends, by the wall clock: a parked
    /// run's record says it, to be woken then.
    pub(crate) workflow_deadline: Option<SystemTime>,
    /// The workflow the run's file calls are inlined into: the plan's, then
    /// grown by each file call spliced (see `graph_run::file_call`).
    pub(crate) file_ir: Option<Arc<wfc_language::ir::Workflow>>,
}

impl<'p> Runner<'p> {
    pub fn new(
        plan: &'p Plan,
        names: NameTable,
        exec: Arc<dyn Execute>,
        approvals: Arc<dyn Approvals>,
        recorder: Box<dyn Recorder>,
        lines: Option<Arc<dyn LineOutput>>,
        opts: RunOptions,
    ) -> Self {
        let mut params = vec![None; names.param_count()];
        let mut secret_values = Vec::new();
        for p in &plan.params {
            if p.id < params.len() {
                params[p.id] = Some(p.value.clone());
            }
            if p.secret {
                collect_secret(&p.value, &mut secret_values);
            }
        }
        let context = RunContext {
            id: opts.run_id.clone(),
            workflow: plan.workflow.clone(),
            trigger: opts.trigger.clone(),
            started: opts.started.unwrap_or_else(SystemTime::now),
            scheduled: opts.scheduled,
            ended: None,
            dir: (opts.run_dir.as_deref()).map_or_else(String::new, |d| d.display().to_string()),
        };
        Runner {
            context,
            plan,
            names,
            exec,
            approvals,
            recorder,
            lines,
            opts,
            params,
            secrets: Secrets::new(secret_values),
            workflow_env: Vec::new(),
            main_outputs: Vec::new(),
            main_status: Vec::new(),
            timed_calls: std::iter::once(&plan.main)
                .chain(plan.handlers.iter().map(|h| &h.graph))
                .flat_map(|g| &g.steps)
                .any(|s| s.kind == wfc_language::ir::StepKind::Call && s.timeout_ms.is_some()),
            force: CancellationToken::new(),
            file_ir: plan.file_calls.clone(),
            restored: Vec::new(),
            prior: Vec::new(),
            before_steps: None,
            record_failed: false,
            workflow_deadline: None,
        }
    }

    /// The run waits for `wait` before its first step (see [`BeforeSteps`]).
    pub fn wait_before_steps(&mut self, wait: BeforeSteps) {
        self.before_steps = Some(wait);
    }

    /// Resumes a run: these main-graph steps (by instance name) succeeded
    /// before, with these outputs. They count as succeeded from the start
    /// and are not run again; their dependents see the restored outputs.
    pub fn restore(&mut self, steps: Vec<(String, Value)>) {
        self.restored = steps;
    }

    /// Resumes a run: these main-graph steps (by instance name) were cut
    /// short with these attempts. They go on counting: their retries and a
    /// retry's `within` continue from them.
    pub fn prior_attempts(&mut self, steps: Vec<(String, wfc_contract::PriorAttempts)>) {
        self.prior = steps;
    }

    /// The run's masker (secret params and values derived from them so far).
    pub fn masker(&self) -> Masker {
        self.secrets.masker()
    }

    /// Runs everything. `cancel` is the first Ctrl-C, `force` the second.
    pub async fn run(&mut self, cancel: CancellationToken, force: CancellationToken) -> RunResult {
        let started = Instant::now();
        self.force = force.clone();
        let info = RunInfo {
            run_id: self.opts.run_id.clone(),
            workflow: self.plan.workflow.clone(),
            file: self.opts.file.clone(),
            params: self
                .plan
                .params
                .iter()
                .map(|p| {
                    let v = if p.secret {
                        serde_json::Value::String(wfc_contract::MASK.into())
                    } else {
                        p.value.to_json()
                    };
                    (p.name.clone(), v)
                })
                .collect(),
            jobs: self.opts.jobs,
            steps: self.plan.main.len(),
            // A new run records the very instant `run.started` reads, so a
            // resumed session sees it to the millisecond; a resumed session
            // records its own start (the run's first is kept apart).
            started_at: match self.opts.session {
                1 => self.context.started,
                _ => SystemTime::now(),
            },
        };
        if let Err(e) = self.recorder.run_started(&info) {
            // Nothing is recorded, so nothing runs: not even `finally`.
            return RunResult {
                status: RunStatus::Failed,
                failed: Some(("wfc".into(), e.to_string())),
                duration: started.elapsed(),
                parked: false,
            };
        }
        if let Some(wait) = self.before_steps.take() {
            match self.wait_before_steps_or_park(wait, &cancel).await {
                Before::Go => {}
                Before::Cancelled => return self.ended_before_steps(started),
                Before::Park(_) => {
                    return RunResult {
                        status: RunStatus::Succeeded,
                        failed: None,
                        duration: started.elapsed(),
                        parked: true,
                    }
                }
            }
        }
        let env_failure = self.eval_workflow_env();
        // Cancelling the run also cancels whatever the handlers run after a
        // second Ctrl-C; `force` alone drives the handler phase.
        // A run parked waiting for its lock ran nothing: it counts from now.
        let ran_before = !self.prior.is_empty() || !self.restored.is_empty();
        let counted_from = match self.opts.woken && ran_before {
            true => self.context.started,
            false => SystemTime::now(),
        };
        let limit = self.plan.timeout_ms.map(Duration::from_millis);
        self.workflow_deadline = limit.map(|t| counted_from + t);
        let deadline = limit.map(|t| {
            let gone = SystemTime::now()
                .duration_since(counted_from)
                .unwrap_or_default();
            tokio::time::Instant::now() + t.saturating_sub(gone)
        });
        let plan = self.plan;
        let main = match env_failure {
            Some(e) => super::graph_run::GraphOutcome {
                grown: None,
                copies: Vec::new(),
                status: Vec::new(),
                outputs: vec![None; plan.main.len()],
                completion: Vec::new(),
                failures: vec![("env".into(), e.clone())],
                failure: Some(("env".into(), e)),
                cancelled: false,
                parked: None,
            },
            None => {
                let keep_going = self.opts.keep_going;
                self.run_graph(
                    &plan.main,
                    GraphName::Main,
                    Mode::Main { keep_going },
                    &cancel,
                    deadline,
                    None,
                )
                .await
            }
        };
        if main.parked.is_some() {
            // Its session ends here: nothing failed, nothing to hand on.
            return RunResult {
                status: RunStatus::Succeeded,
                failed: None,
                duration: started.elapsed(),
                parked: true,
            };
        }
        let mut status = if main.cancelled {
            RunStatus::Cancelled
        } else if main.failure.is_some() {
            RunStatus::Failed
        } else {
            RunStatus::Succeeded
        };
        self.main_outputs = main.outputs;
        self.main_status = main.status;
        let mut failed = main.failure;
        // The main graph as run: with run-time loops unrolled, if any.
        let grown = main.grown;
        let copies = main.copies;
        // The workflow's outputs exist only for a run whose main graph
        // succeeded; one that cannot be evaluated fails the run.
        if status == RunStatus::Succeeded && !plan.outputs.is_empty() {
            match self.eval_workflow_outputs(&copies) {
                Ok(values) => self.recorder.workflow_outputs(&values),
                Err(e) => {
                    status = RunStatus::Failed;
                    failed = Some(e);
                }
            }
        }
        let main_graph = grown.as_deref().unwrap_or(&plan.main);
        if status != RunStatus::Succeeded {
            let with_rollback: Vec<usize> = main
                .completion
                .iter()
                .rev()
                .copied()
                .filter(|&v| main_graph.steps[v].rollback.is_some())
                .collect();
            if !with_rollback.is_empty() {
                self.recorder.phase("rollback");
            }
            for v in with_rollback {
                let step = &main_graph.steps[v];
                if let Some(rb) = &step.rollback {
                    let name = GraphName::Rollback(step.name.clone());
                    self.run_graph(rb, name, Mode::Sub, &force, None, None)
                        .await;
                }
            }
        }
        let handler = match status {
            RunStatus::Failed => Some(HandlerKind::Failure),
            RunStatus::Succeeded => Some(HandlerKind::Success),
            RunStatus::Cancelled => None,
        };
        let failed_ref = failed.as_ref().map(|(s, e)| (s.as_str(), e.as_str()));
        let masker = self.secrets.masker();
        self.context.ended = Some(MainEnded {
            status: match status {
                RunStatus::Succeeded => "succeeded",
                RunStatus::Failed => "failed",
                RunStatus::Cancelled => "cancelled",
            },
            duration: started.elapsed(),
            failures: main
                .failures
                .iter()
                .map(|(s, e)| (s.clone(), masker.mask(e)))
                .collect(),
        });
        for kind in handler.into_iter().chain([HandlerKind::Finally]) {
            if let Some(graph) = plan.handler(kind) {
                // Its reads of unrolled loops' outputs, pointed at the copies.
                let reread = (!copies.is_empty()).then(|| {
                    let mut g = graph.clone();
                    wfc_plan::expand::reread(&mut g, &copies, true);
                    g
                });
                let graph = reread.as_ref().unwrap_or(graph);
                self.recorder.phase(match kind {
                    HandlerKind::Failure => "on failure",
                    HandlerKind::Success => "on success",
                    HandlerKind::Finally => "finally",
                });
                let f = (kind == HandlerKind::Failure)
                    .then_some(failed_ref)
                    .flatten();
                let name = GraphName::Handler(match kind {
                    HandlerKind::Failure => Handler::Failure,
                    HandlerKind::Success => Handler::Success,
                    HandlerKind::Finally => Handler::Finally,
                });
                self.run_graph(graph, name, Mode::Sub, &force, None, f)
                    .await;
            }
        }
        if cancel.is_cancelled() && status == RunStatus::Succeeded {
            status = RunStatus::Cancelled;
        }
        if let Some(inc) = &self.opts.incremental {
            inc.save();
        }
        let duration = started.elapsed();
        let masker = self.secrets.masker();
        let mut failed = failed.map(|(s, e)| (s, masker.mask(&e)));
        let recorded = self.recorder.run_ended(&RunEnd {
            status,
            duration,
            ended_at: SystemTime::now(),
            failed: failed.clone(),
        });
        // A success is reported only once its record is written.
        if let Err(e) = recorded {
            if status == RunStatus::Succeeded {
                status = RunStatus::Failed;
                failed = Some(("wfc".into(), e.to_string()));
            }
        }
        RunResult {
            status,
            failed,
            duration,
            parked: false,
        }
    }

    /// Waits before the first step; `Park` once the record says the run
    /// is parked (a record that refuses has the run wait here, as before).
    async fn wait_before_steps_or_park(
        &mut self,
        mut wait: BeforeSteps,
        cancel: &CancellationToken,
    ) -> Before {
        let mut policy = self.opts.park.clone();
        loop {
            let key = match wait(cancel.clone(), policy.take()).await {
                Before::Park(key) => key,
                ended => return ended,
            };
            let parked = wfc_contract::Parked {
                wake_at: None,
                paused: false,
                lock: Some(key.clone()),
            };
            match self
                .recorder
                .flush()
                .and_then(|()| self.recorder.run_parked(&parked))
            {
                Ok(()) => return Before::Park(key),
                Err(e) => tracing::debug!(run = %self.opts.run_id, "not parked: {e}"),
            }
        }
    }

    /// A run cancelled before its first step: recorded as cancelled, with
    /// nothing run.
    fn ended_before_steps(&mut self, started: Instant) -> RunResult {
        let (status, duration) = (RunStatus::Cancelled, started.elapsed());
        let _ = self.recorder.run_ended(&RunEnd {
            status,
            duration,
            ended_at: SystemTime::now(),
            failed: None,
        });
        RunResult {
            status,
            failed: None,
            duration,
            parked: false,
        }
    }

    /// Evaluates the workflow's `env { }` (params only, decided before any step).
    fn eval_workflow_env(&mut self) -> Option<String> {
        let mut ev = super::values::Evaluator::new(&self.params, &[], &[], &[], &[], None)
            .with_run(&self.context);
        let mut out = Vec::with_capacity(self.plan.env.len());
        for (k, e) in &self.plan.env {
            match ev.text(e) {
                Ok(v) => out.push((k.clone(), v)),
                Err(why) => return Some(format!("workflow env `{k}`: {why}")),
            }
        }
        out.push((super::reaper::RUN_ID.to_owned(), self.opts.run_id.clone()));
        out.push((
            super::reaper::SESSION.to_owned(),
            self.opts.session.to_string(),
        ));
        if let Some(dir) = &self.opts.run_dir {
            out.push((RUN_DIR.to_owned(), dir.display().to_string()));
        }
        // Marks every step process as this session's (see `run::reaper`).
        if let Some(tag) = &self.opts.reaper_tag {
            out.push((super::reaper::TAG.to_owned(), tag.clone()));
        }
        let derived = ev.take_derived();
        self.secrets.add(derived);
        self.workflow_env = out;
        None
    }

    /// Which instances of `graph` must keep their outputs for the rest of
    /// the run: those read by its own steps, and for the main graph those
    /// read from handlers and rollbacks. (Keeping every output cost ~0.5 KB a
    /// step; the record and the report have their own copies.)
    pub(crate) fn kept_outputs(&self, graph: &Graph, name: &GraphName) -> Vec<bool> {
        let mut keep = vec![false; graph.len()];
        graph.mark_reads(false, &mut keep);
        if *name == GraphName::Main {
            for h in &self.plan.handlers {
                h.graph.mark_reads(true, &mut keep);
            }
            for s in &graph.steps {
                if let Some(rb) = &s.rollback {
                    rb.mark_reads(true, &mut keep);
                }
            }
            // The workflow's outputs read the main graph once it is done.
            for r in self.plan.outputs.iter().flat_map(|o| &o.reads) {
                let targets = match &r.target {
                    wfc_plan::RefTarget::One(i) => std::slice::from_ref(i),
                    wfc_plan::RefTarget::List(xs) => xs.as_slice(),
                    wfc_plan::RefTarget::Absent => &[],
                };
                for &i in targets {
                    if let Some(k) = keep.get_mut(i) {
                        *k = true;
                    }
                }
            }
        }
        keep
    }
}

fn collect_secret(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::List(xs) => xs.iter().for_each(|x| collect_secret(x, out)),
        Value::Map(m) => m.iter().for_each(|(_, x)| collect_secret(x, out)),
        Value::Null => {}
        other => {
            let t = other.to_text();
            if !t.is_empty() {
                out.push(t);
            }
        }
    }
}

//! Starting a served workflow: compile it with the request's params (bound
//! exactly as `wfc run --params-file` binds them), record it in the run
//! store as `wfc run` does, and run it on the server's [`RunManager`].

use crate::problem::{Code, Problem};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::sync::{oneshot, Semaphore};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use wfc_contract::RunStatus;
use wfc_language::diag::Diagnostic;
use wfc_language::ir::{NameTable, Workflow};
use wfc_language::program::{self, Disk};
use wfc_language::span::SourceFile;
use wfc_launch::session::RunSession;
use wfc_plan::{DefaultEstimator, ParamInput, Plan};
use wfc_run::gates::CliApprovals;
use wfc_run::{RunManager, RunRequest};
use wfc_store::store_recorder::RunMeta;

/// A workflow compiled for one run.
pub struct Compiled {
    pub plan: Plan,
    pub ir: Workflow,
    pub source: SourceFile,
}

/// Compiles workflow `workflow` of `text` (the file `file`) with `params`,
/// a JSON object as a params file holds. Errors are the diagnostics, with
/// their codes, as a 400.
pub fn compile(
    file: &str,
    text: String,
    workflow: &str,
    params: Option<String>,
) -> Result<Compiled, Problem> {
    let program = program::load(Path::new(file), text, &Disk, false);
    let Some(analysis) = program.units.into_iter().next().map(|u| u.analysis) else {
        return Err(Problem::new(Code::NotFound, format!("{file} is empty")));
    };
    let invalid = |diags: &[Diagnostic], source: &SourceFile, what: &str| {
        let mut p = Problem::new(Code::Invalid, what.to_owned());
        p.diagnostics = diags
            .iter()
            .map(|d| crate::catalog::to_value(d, source))
            .collect();
        p
    };
    let errors: Vec<Diagnostic> = analysis
        .diagnostics()
        .into_iter()
        .filter(Diagnostic::is_error)
        .collect();
    if !errors.is_empty() {
        return Err(invalid(
            &errors,
            &analysis.source,
            "the workflow has errors",
        ));
    }
    let source = analysis.source;
    let ir = analysis
        .module
        .and_then(|m| m.workflows.into_iter().find(|c| c.ir.name == workflow))
        .map(|c| c.ir)
        .ok_or_else(|| {
            Problem::new(
                Code::NotFound,
                format!("{file} has no workflow `{workflow}`"),
            )
        })?;
    let input = ParamInput {
        cli: Vec::new(),
        file: params.map(|p| ("<request body: params>".to_owned(), p)),
    };
    let options = wfc_plan::Options { jobs: None };
    match wfc_plan::plan_with_calls(ir, &input, options, &DefaultEstimator) {
        Ok((plan, ir)) => Ok(Compiled { plan, ir, source }),
        Err(diags) => {
            let what = if diags
                .iter()
                .all(|d| wfc_plan::errors::of_the_workflow(d.code))
            {
                "the workflow has errors"
            } else {
                "bad params"
            };
            Err(invalid(&diags, &source, what))
        }
    }
}

/// Starts runs for the API (and, later, for triggers) and keeps track of
/// them until they end.
#[derive(Clone)]
pub struct Launcher {
    pub manager: RunManager,
    pub state_dir: PathBuf,
    /// Every run's task: the shutdown waits for them.
    pub tracker: TaskTracker,
    /// One permit per run at once (`--max-runs`).
    slots: Arc<Semaphore>,
    /// Set once the server stops: no run starts after.
    pub stopping: CancellationToken,
}

/// A recorded run to go on with (`POST /runs/{id}/resume`), as a new
/// session under its id.
pub struct Resume {
    pub run_id: String,
    /// Main-graph steps that succeeded, with their outputs: not run again.
    pub restored: Vec<(String, wfc_plan::Value)>,
    /// When the run first started (`run.started` keeps it).
    pub started: std::time::SystemTime,
    /// What started it first (`run.trigger` keeps it).
    pub trigger: String,
}

/// A started run: its id, and its end once it comes.
pub struct Started {
    pub id: String,
    pub ended: oneshot::Receiver<RunStatus>,
}

impl Launcher {
    pub fn new(manager: RunManager, state_dir: PathBuf, max_runs: usize) -> Launcher {
        Launcher {
            manager,
            state_dir,
            tracker: TaskTracker::new(),
            slots: Arc::new(Semaphore::new(max_runs.max(1))),
            stopping: CancellationToken::new(),
        }
    }

    /// Records and starts `compiled` as a run started by `trigger`.
    pub async fn start(&self, compiled: Compiled, trigger: &str) -> Result<Started, Problem> {
        self.launch(compiled, trigger, None, None).await
    }

    /// As [`Launcher::start`], recording where the run came from too
    /// (`origin`: [`crate::triggers::MCP`], [`crate::triggers::DASHBOARD`]).
    pub async fn start_from(
        &self,
        compiled: Compiled,
        trigger: &str,
        origin: &str,
    ) -> Result<Started, Problem> {
        self.launch(compiled, trigger, Some(origin), None).await
    }

    /// Starts `compiled` as a new session of the recorded run `resume`.
    pub async fn resume(&self, compiled: Compiled, resume: Resume) -> Result<Started, Problem> {
        let trigger = resume.trigger.clone();
        self.launch(compiled, &trigger, None, Some(resume)).await
    }

    async fn launch(
        &self,
        compiled: Compiled,
        trigger: &str,
        origin: Option<&str>,
        resume: Option<Resume>,
    ) -> Result<Started, Problem> {
        if self.stopping.is_cancelled() {
            return Err(busy("the server is stopping"));
        }
        // A run's end is recorded just before its slot is freed: a caller
        // that saw it end and starts the next one waits that moment out.
        let permit = tokio::time::timeout(SLOT_WAIT, self.slots.clone().acquire_owned())
            .await
            .ok()
            .and_then(Result::ok)
            .ok_or_else(|| {
                busy("the server runs as many runs as --max-runs allows; try again later")
            })?;
        let (id, restored, first_started) = match resume {
            Some(r) => (r.run_id, Some(r.restored), Some(r.started)),
            None => (new_run_id(), None, None),
        };
        let resuming = restored.is_some();
        let started_at = first_started.unwrap_or_else(std::time::SystemTime::now);
        let lock = crate::lock::key(&compiled.plan, &id, trigger, started_at)?.map(|key| {
            let shown = crate::lock::masker(&compiled.plan).mask(&key);
            let held = crate::lock::Held::new(self.state_dir.clone(), key, id.clone());
            (held.before_steps(shown), held)
        });
        let dir = self.state_dir.clone();
        let run_id = id.clone();
        let started_by = trigger.to_owned();
        let origin = origin.map(str::to_owned);
        let opened = tokio::task::spawn_blocking(move || {
            let Compiled {
                mut plan,
                ir,
                source,
            } = compiled;
            let meta = RunMeta {
                file_hash: wfc_store::file_hash(&source.text),
                plan: wfc_store::reuse::stored_fingerprints(&plan, &ir),
            };
            // One connection for the history, the trigger and the run: the
            // server reaps dead runs when it starts, not at each run.
            let store = wfc_store::Store::open(&dir)?;
            tracing::trace!(target: "wfc::timing", "launch: store open");
            with_history(&mut plan, &store);
            tracing::trace!(target: "wfc::timing", "launch: history");
            // Before the run's own record: a listing never shows it untriggered.
            // A resumed run keeps the trigger of its first session.
            if !resuming {
                let origin = origin.as_deref();
                wfc_store::listing::record_trigger(&store, &run_id, &started_by, origin)
                    .map_err(|e| e.to_string())?;
            }
            tracing::trace!(target: "wfc::timing", "launch: trigger");
            let names = NameTable::from(&ir);
            RunSession::on(store, &run_id, meta, resuming).map(|s| (s, plan, names, source.name))
        })
        .await
        .map_err(Problem::store)?;
        let (mut session, plan, names, file) = opened.map_err(Problem::store)?;
        tracing::trace!(target: "wfc::timing", "launch: session");
        let mut request = RunRequest::new(Arc::new(plan), names, id.clone());
        request.file = file;
        request.trigger = trigger.to_owned();
        request.restored = restored.unwrap_or_default();
        request.started = first_started;
        request.recorder = session.recorder();
        request.lines = Some(session.lines(None));
        // Gates wait for the API's approve (through the manager) or `wfc approve`.
        request.approvals = Some(session.approvals(Arc::new(CliApprovals {
            steps: Vec::new(),
            by: String::new(),
        })));
        request.decisions = Some(session.decisions());
        let (before_steps, held) = lock.unzip();
        request.before_steps = before_steps;
        let mut handle = self
            .manager
            .start(request)
            .map_err(|e| Problem::new(Code::Conflict, e.to_string()))?;
        tracing::trace!(target: "wfc::timing", "launch: manager");
        // The caller answers with the id: any read of it must find the run.
        handle.recorded().await;
        tracing::trace!(target: "wfc::timing", "launch: recorded");
        let watch = session
            .watch(handle.cancel_token())
            .map_err(
                |e| tracing::warn!(run = %id, error = %e, "`wfc cancel` cannot reach this run"),
            )
            .ok();
        let (tx, ended) = oneshot::channel();
        let run = id.clone();
        let trigger = trigger.to_owned();
        if resuming {
            tracing::info!(run = %id, "run resumed");
        } else {
            tracing::info!(run = %id, trigger = %trigger, "run started");
        }
        self.tracker.spawn(async move {
            let result = handle.wait().await;
            if let Some(held) = held {
                held.release().await;
            }
            drop((watch, session, permit));
            tracing::info!(run = %run, status = result.status.name(), "run ended");
            let _ = tx.send(result.status);
        });
        Ok(Started { id, ended })
    }
}

/// How long a start waits for a run's slot before answering busy.
const SLOT_WAIT: std::time::Duration = std::time::Duration::from_millis(250);

fn busy(detail: &str) -> Problem {
    let mut p = Problem::new(Code::Busy, detail);
    p.retry_after = Some(5);
    p
}

/// The store's history estimates for `plan`'s steps (the scheduler's
/// priorities), as `wfc run` takes them.
fn with_history(plan: &mut Plan, store: &wfc_store::Store) {
    let only = plan.main.steps.iter().map(|s| s.name.as_str()).collect();
    if let Some(h) =
        wfc_store::history_estimator::from_open_store(store, &plan.workflow, Some(&only))
    {
        plan.reestimate(&|name| h.median(name));
    }
}

/// `20240501-123456-1a2b3c4d`: the UTC time of the start (as `wfc run`'s
/// ids) and 32 random bits, so runs started in one second stay apart.
pub fn new_run_id() -> String {
    let ts = wfc_contract::time::timestamp(std::time::SystemTime::now());
    let digits: String = ts.chars().filter(char::is_ascii_digit).take(14).collect();
    let mut bytes = [0u8; 4];
    let _ = getrandom::fill(&mut bytes);
    format!(
        "{}-{}-{:08x}",
        &digits[..8],
        &digits[8..],
        u32::from_be_bytes(bytes)
    )
}

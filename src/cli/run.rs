//! `wfc run FILE`: compile the plan, run it, show it happening, report.
//!
//! Exit codes: 0 the run succeeded, 1 it failed, 2 bad invocation or params,
//! 3 the workflow has errors, 130 cancelled (Ctrl-C).

use super::plan::{self as plan_cmd, PlanArgs, PlanFormat, PlanInput};
use clap::Args;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;
use wfc_contract::Approvals;
use wfc_contract::LineOutput;
use wfc_contract::{Recorders, RunStatus};
use wfc_language::diag::render;
use wfc_language::ir::NameTable;
use wfc_launch::session::RunSession;
use wfc_run::exec::slurm::SlurmOptions;
use wfc_run::exec::ExecOptions;
use wfc_run::gates::CliApprovals;
use wfc_run::progress::Display;
use wfc_run::reaper::Reaper;
use wfc_run::report::ReportWriter;
use wfc_run::{say, RunManager, RunRequest, RunResult};
use wfc_store::store_recorder::RunMeta;

#[derive(Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub input: PlanInput,
    /// Show the plan (exactly as `wfc plan` does) and run nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// With `--dry-run`: the plan's format.
    #[arg(long, value_enum, default_value_t)]
    pub format: PlanFormat,
    #[command(flatten)]
    pub exec: ExecArgs,
    /// Do not record the run in the run store (no history, logs or resume).
    #[arg(long)]
    pub no_store: bool,
}

/// How a run behaves and shows itself: the options `wfc run` and `wfc resume` share.
#[derive(Args)]
pub struct ExecArgs {
    /// After a step fails, keep running the branches that do not depend on it.
    #[arg(short = 'k', long)]
    pub keep_going: bool,
    /// Write a JSON report of the run (schema in docs/run.md).
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Approve this gate in advance (`approval`, or a check with `on fail pause`);
    /// repeatable; `all` approves every gate.
    #[arg(long, value_name = "STEP")]
    pub approve: Vec<String>,
    /// Plain lines (prefixed with the step name) even on a terminal.
    #[arg(long)]
    pub plain: bool,
    /// Where `shell` and `docker` steps run: `local`, or `slurm` batch jobs
    /// (`sbatch`; a docker job runs the container with the node's
    /// `$WFC_SLURM_CONTAINER_CLI`, default `docker`; other step kinds still
    /// run here; docs/slurm.md).
    #[arg(long, value_enum, default_value_t)]
    pub executor: ExecutorKind,
    /// With `--executor slurm`: the partition to submit to (`sbatch --partition`).
    #[arg(long, value_name = "NAME", requires = "executor")]
    pub slurm_partition: Option<String>,
    /// With `--executor slurm`: the account to charge (`sbatch --account`).
    #[arg(long, value_name = "NAME", requires = "executor")]
    pub slurm_account: Option<String>,
}

/// `--executor`: where `shell` and `docker` steps run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum ExecutorKind {
    /// Processes on this machine.
    #[default]
    Local,
    /// Slurm batch jobs; job files under `$WFC_SLURM_DIR`, else `<state-dir>/slurm`.
    Slurm,
}

impl ExecArgs {
    /// The executor's settings these options ask for; `state_dir` holds
    /// the Slurm job directories unless `WFC_SLURM_DIR` says where.
    pub fn exec_options(&self, state_dir: &std::path::Path) -> ExecOptions {
        ExecOptions {
            slurm: Some(slurm_options(
                self.executor,
                self.slurm_partition.clone(),
                self.slurm_account.clone(),
                state_dir,
            )),
            ..ExecOptions::default()
        }
    }
}

/// The Slurm executor's settings for `--executor` and its `--slurm-*`
/// flags (`wfc run`, `wfc resume`, `wfc serve`). Always built: a step's own
/// `executor slurm` runs as a job whatever `--executor` says
/// (docs/slurm.md, "In the file").
pub fn slurm_options(
    executor: ExecutorKind,
    partition: Option<String>,
    account: Option<String>,
    state_dir: &std::path::Path,
) -> SlurmOptions {
    SlurmOptions {
        dir: std::env::var_os("WFC_SLURM_DIR")
            .filter(|d| !d.is_empty())
            .map_or_else(|| state_dir.join("slurm"), PathBuf::from),
        partition,
        account,
        by_default: executor == ExecutorKind::Slurm,
    }
}

/// How to run a compiled plan (`wfc run`, `wfc resume`).
pub struct Launch {
    pub exec: ExecArgs,
    /// The state directory to record the run in (`None`: not recorded).
    pub store: Option<PathBuf>,
    /// The state directory whose history gives the steps' estimates (read
    /// also when the run is not recorded).
    pub history: PathBuf,
    /// `wfc resume`: the run to continue and its main-graph steps that
    /// succeeded, with their outputs.
    pub resume: Option<(String, Vec<(String, wfc_plan::Value)>)>,
    /// A new run's id, and its reaper if already being started (`None`:
    /// a new id, or the resumed run's, and the reaper starts in `execute`).
    pub started: Option<(String, Option<ReaperStart>)>,
    /// The history's store, if being opened while the file compiled.
    pub early_history: Option<plan_cmd::HistoryReader>,
    /// `wfc resume`: when the run first started (`run.started` keeps it).
    pub first_started: Option<std::time::SystemTime>,
}

pub fn run(args: RunArgs) -> ExitCode {
    if args.dry_run {
        return plan_cmd::run(PlanArgs {
            input: args.input,
            format: args.format,
        });
    }
    // The run manager's reaper (a `/bin/sh`) starts on a thread while the
    // file compiles: the spawn waits for its `exec`, which waited for a CPU
    // when it came after compiling (~1–3 ms before the first step).
    let run_id = new_run_id();
    // The thread shares the main malloc arena (see `heap::one_arena`), as
    // the later ones do: an arena it made would outlive it, for them.
    super::heap::one_arena();
    let reaper = std::thread::Builder::new()
        .name("wfc-reaper-start".into())
        .spawn(Reaper::start)
        .ok();
    let early_history = plan_cmd::HistoryReader::early(&args.input.file, &args.input.store.dir());
    let (plan, wf, source) = match plan_cmd::compile(&args.input) {
        Ok(x) => x,
        Err(code) => {
            // Dropping the reaper finishes it.
            drop(reaper.map(|t| t.join()));
            return code;
        }
    };
    let launch = Launch {
        exec: args.exec,
        store: (!args.no_store).then(|| args.input.store.dir()),
        history: args.input.store.dir(),
        resume: None,
        started: Some((run_id, reaper)),
        early_history,
        first_started: None,
    };
    let front = Front {
        wf,
        source,
        file_hash: None,
    };
    execute(plan, front, launch)
}

/// What a run needs of its compiled workflow besides the plan.
pub struct Front {
    /// The IR: the plan's fingerprints and the names the run shows come from it.
    pub wf: wfc_language::ir::Workflow,
    pub source: wfc_language::span::SourceFile,
    /// [`wfc_store::file_hash`] of the source, if taken already.
    pub file_hash: Option<String>,
}

/// A reaper being started on a thread.
type ReaperStart = std::thread::JoinHandle<std::io::Result<Reaper>>;

/// Plans of up to this many steps read their history on a thread (see
/// [`execute`]).
const HISTORY_ON_A_THREAD: usize = 1_000;

/// Runs a compiled plan on a [`RunManager`] of its own; the exit code is
/// the run's. The IR and the source go once the run is recorded: the plan
/// carries what the run needs.
pub fn execute(mut plan: wfc_plan::Plan, front: Front, args: Launch) -> ExitCode {
    // The file's name and names, and what the store records of it (only a
    // recorded run needs the hash); the source goes here.
    let Front {
        wf,
        source,
        file_hash,
    } = front;
    let file_hash = match (file_hash, &args.store) {
        (Some(h), _) => h,
        (None, Some(_)) => wfc_store::file_hash(&source.text),
        (None, None) => String::new(),
    };
    let file = source.name.clone();
    drop(source);
    let ir_names = NameTable::from(&wf);
    let unknown = wfc_run::gates::unknown_approvals(&plan, &args.exec.approve);
    if !unknown.is_empty() {
        unknown.iter().for_each(super::print_diagnostic);
        return ExitCode::from(2);
    }
    // Nothing runs for a report that cannot be written.
    if let Some(path) = &args.exec.output {
        if let Err(why) = ReportWriter::check_writable(path) {
            let shown = path.display().to_string();
            super::print_diagnostic(&wfc_plan::errors::report_not_writable(&shown, &why));
            return ExitCode::from(2);
        }
    }
    // (A reaper dropped on a return before the run finishes it too.)
    let (run_id, reaper_started) = match (&args.resume, args.started) {
        (Some((id, _)), _) => (id.clone(), None),
        (None, Some((id, start))) => (id, start.and_then(|t| t.join().ok())),
        (None, None) => (new_run_id(), None),
    };
    let resume = args.resume.is_some();
    // Held until the run ends (dropped with this frame).
    let _lock = match super::lock::take(&plan, &run_id, &args.history) {
        Ok(lock) => lock,
        Err(e) => {
            say::err(&format!("error: {e}"));
            return ExitCode::from(2);
        }
    };
    super::heap::one_arena();
    let small = plan.main.steps.len() <= HISTORY_ON_A_THREAD;
    let open = |fingerprints: Option<Vec<u8>>| {
        let dir = args.store.as_ref()?;
        let meta = RunMeta {
            file_hash,
            plan: fingerprints.unwrap_or_default(),
        };
        Some(RunSession::open(dir, &run_id, meta, resume))
    };
    // A small plan's IR stays for its fingerprints, taken on a thread while
    // the run starts (the IR goes with the thread).
    let (opened, history, kept_ir) = if small {
        // A small plan's history is read on a thread while the store opens
        // and the reaper starts: ~2 ms sooner to the first step at 220
        // steps, ~7 ms at 1,000.
        let reader = args
            .early_history
            .or_else(|| plan_cmd::HistoryReader::open(&args.history));
        let history: Box<dyn FnOnce(&mut wfc_plan::Plan)> = match reader {
            Some(reader) => Box::new(reader.read(&plan)),
            // No store (nothing to read), or no thread: read it when needed.
            None => {
                let dir = args.history.clone();
                Box::new(move |plan: &mut wfc_plan::Plan| plan_cmd::with_history(plan, &dir))
            }
        };
        let opened = open(None);
        // (Not recorded: the IR goes here.)
        let kept_ir = opened.is_some().then_some(wf);
        (opened, Some(history), kept_ir)
    } else {
        // A big plan's IR goes before the store opens (the front end's peak
        // and the store's connection are not held at once), and its history
        // is read first, alone: beside the run's store connection it added
        // ~1 MiB to the peak at 5,000 steps. (A small file may unroll to a
        // big plan: its early connection goes.)
        drop(args.early_history);
        let fingerprints = args
            .store
            .as_ref()
            .map(|_| wfc_store::reuse::stored_fingerprints(&plan, &wf));
        tracing::trace!(target: "wfc::timing", "fingerprints");
        drop(wf);
        plan_cmd::with_history(&mut plan, &args.history);
        tracing::trace!(target: "wfc::timing", "history read");
        (open(fingerprints), None, None)
    };
    tracing::trace!(target: "wfc::timing", "store opened");
    super::heap::release_free_memory();
    super::sched::short_slice_for_this_thread();
    let mut session = match opened {
        Some(Ok(s)) => Some(s),
        Some(Err(e)) => {
            say::err(&format!(
                "error: {e}\n(`--no-store` runs without recording the run)"
            ));
            return ExitCode::from(2);
        }
        None => None,
    };
    let live = std::io::stdout().is_terminal() && !args.exec.plain;
    let color = render::use_color(std::io::stdout().is_terminal() && !args.exec.plain);
    let mut names: Vec<&str> = plan.main.steps.iter().map(|s| s.name.as_str()).collect();
    for h in &plan.handlers {
        names.extend(h.graph.steps.iter().map(|s| s.name.as_str()));
    }
    for rb in plan.main.steps.iter().filter_map(|s| s.rollback.as_ref()) {
        names.extend(rb.steps.iter().map(|s| s.name.as_str()));
    }
    let display = Display::new(live, color, &names);
    // The report costs memory per step: only collect it when asked for.
    let report = args.exec.output.clone().map(|o| ReportWriter::new(Some(o)));
    let mut recorders = Recorders(vec![Box::new(display.clone())]);
    if let Some(r) = &report {
        recorders.0.push(Box::new(r.clone()));
    }
    let fingerprints = kept_ir.zip(session.as_mut()).map(|(wf, s)| {
        let (tx, rx) = std::sync::mpsc::channel();
        s.plan_later(rx);
        (wf, tx)
    });
    if let Some(s) = &mut session {
        recorders.0.insert(0, s.recorder());
    }
    // See `run::reaper`: one for the manager's runs instead of a
    // supervisor per step.
    let reaper = match reaper_started.unwrap_or_else(Reaper::start) {
        Ok(r) => Some(r),
        Err(e) => {
            say::err(&format!("warning: cannot start the process reaper ({e}); steps run under per-step supervisors"));
            None
        }
    };
    let exec_options = args.exec.exec_options(&args.history);
    let manager = RunManager::with_reaper(reaper, exec_options);
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            say::err(&format!("error: cannot start the async runtime: {e}"));
            return ExitCode::from(1);
        }
    };
    // The scheduler's priorities come from the estimates: history first.
    if let Some(history) = history {
        history(&mut plan);
    }
    tracing::trace!(target: "wfc::timing", "ready to run");
    let plan = Arc::new(plan);
    let fingerprinting = fingerprints.and_then(|(wf, tx)| take_fingerprints(&plan, wf, tx));
    let mut approvals: Arc<dyn Approvals> = Arc::new(CliApprovals {
        steps: args.exec.approve.clone(),
        by: std::env::var("USER").unwrap_or_else(|_| "wfc run --approve".into()),
    });
    let mut lines: Arc<dyn LineOutput> = Arc::new(display);
    let mut request = RunRequest::new(plan, ir_names, run_id.clone());
    if let Some(s) = &session {
        approvals = s.approvals(approvals);
        lines = s.lines(Some(lines));
        request.decisions = Some(s.decisions());
    }
    request.file = file;
    request.keep_going = args.exec.keep_going;
    request.recorder = Box::new(recorders);
    request.lines = Some(lines);
    request.approvals = Some(approvals);
    if let Some((_, restored)) = args.resume {
        request.restored = restored;
    }
    request.started = args.first_started;
    let result = runtime.block_on(async {
        // The run's task first runs at `wait`: signals and the store's
        // watch are in place before its first step.
        let handle = match manager.start(request) {
            Ok(h) => h,
            Err(e) => return not_started(&e.to_string()),
        };
        if let Err(e) = super::signals::install(manager.clone(), run_id.clone()) {
            say::err(&format!("warning: cannot handle Ctrl-C: {e}"));
        }
        tracing::trace!(target: "wfc::timing", "runtime, signals");
        let _watch = session.as_ref().and_then(|s| {
            s.watch(handle.cancel_token())
                .map_err(|e| say::err(&format!("warning: `wfc cancel` cannot reach this run: {e}")))
                .ok()
        });
        handle.wait().await
    });
    if let Some(thread) = fingerprinting {
        let _ = thread.join();
    }
    if session.is_some() && result.status != wfc_contract::RunStatus::Succeeded {
        say::err(&format!("wfc: the run is recorded: `wfc status {run_id}` shows it, `wfc resume {run_id}` continues it"));
    }
    tracing::trace!(target: "wfc::timing", "run ended");
    // The signal task holds a clone of the manager: the reaper finishes
    // with the last one, once the runtime is down.
    runtime.shutdown_timeout(Duration::from_millis(200));
    drop(manager);
    wfc_run::exec::scratch::remove();
    let mut code = result.status.exit_code();
    if let Some(e) = report.and_then(|r| r.write_error()) {
        // The report was asked for: a run without it is not a success.
        say::err(&format!("error: {e}; without its report the run exits 1"));
        if code == 0 {
            code = 1;
        }
    }
    tracing::trace!(target: "wfc::timing", "finished");
    super::logging::print_cpu();
    ExitCode::from(code)
}

/// A run the manager refused to start (its only run: never expected).
fn not_started(why: &str) -> RunResult {
    say::err(&format!("error: the run could not start: {why}"));
    RunResult {
        status: RunStatus::Failed,
        failed: None,
        duration: Duration::ZERO,
    }
}

/// Takes the plan's fingerprints (~1.3 µs a step, mostly printing each
/// step's definition and compressing it) on a thread, which the caller
/// joins once the run is over, and sends them to the run's recorder,
/// which records them once they come. The IR goes with the thread.
/// Without a thread the run is recorded without them (as when wfc is
/// killed before they come).
fn take_fingerprints(
    plan: &Arc<wfc_plan::Plan>,
    wf: wfc_language::ir::Workflow,
    tx: std::sync::mpsc::Sender<Vec<u8>>,
) -> Option<std::thread::JoinHandle<()>> {
    let plan = plan.clone();
    let started = std::thread::Builder::new()
        .name("wfc-fingerprint".into())
        .spawn(move || {
            let taken = wfc_store::reuse::stored_fingerprints(&plan, &wf);
            drop(wf);
            let _ = tx.send(taken);
            tracing::trace!(target: "wfc::timing", "fingerprints (recorded at the next turn)");
            tracing::trace!(target: "wfc::timing", thread = "fingerprints", "thread ended");
        });
    started
        .map_err(|e| say::err(&format!("wfc: warning: no thread for the plan's fingerprints ({e}); the run is recorded without them, and `wfc resume` will need the file unchanged")))
        .ok()
}

/// `20240501-123456-3fa9`: UTC time of the start and 16 random bits.
pub fn new_run_id() -> String {
    use std::hash::{BuildHasher, Hasher};
    let now = std::time::SystemTime::now();
    let ts = wfc_contract::time::timestamp(now);
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u32(std::process::id());
    let digits: String = ts.chars().filter(char::is_ascii_digit).take(14).collect();
    format!(
        "{}-{}-{:04x}",
        &digits[..8],
        &digits[8..],
        h.finish() & 0xffff
    )
}

//! `wfc run FILE`: compile the plan, run it, show it happening, report.
//!
//! Exit codes: 0 the run succeeded, 1 it failed, 2 bad invocation or params,
//! 3 the workflow has errors, 130 cancelled (Ctrl-C).

use super::plan::{self as plan_cmd, PlanArgs, PlanFormat, PlanInput};
use super::say;
use crate::cli::progress::Display;
use clap::Args;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;
use wfc_contract::{Recorders, RunStatus};
use wfc_language::diag::render;
use wfc_language::ir::NameTable;
use wfc_launch::{Admission, Estimates, Fingerprints, LaunchError, Launcher, Run};
use wfc_run::exec::slurm::SlurmOptions;
use wfc_run::exec::ExecOptions;
use wfc_run::gates::CliApprovals;
use wfc_run::reaper::Reaper;
use wfc_run::report::ReportWriter;
use wfc_run::{RunManager, RunResult};

#[derive(Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub input: PlanInput,
    #[command(flatten)]
    pub select: plan_cmd::SelectArgs,
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
    /// Write a JSON report of the run (schema in docs/run.md); `-`: on
    /// standard output (the run's lines then go to stderr).
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
    /// What the workflow's relative paths are relative to (steps' working
    /// folder, `workdir`, `sqlite:PATH`, mounts); default: the workflow
    /// file's folder. `--workdir .` is the current folder, as before.
    #[arg(long, value_name = "DIR")]
    pub workdir: Option<PathBuf>,
    /// Keep the run's folder (`run.dir`, `$WFC_RUN_DIR`) when the run ends
    /// (it is kept anyway while the run can be resumed).
    #[arg(long)]
    pub keep_run_dir: bool,
    /// Run every step, even those up to date with an earlier run (steps
    /// with `sources`); what they read is recorded for next time.
    #[arg(long)]
    pub force: bool,
    /// Run this step even if it is up to date (repeatable; a loop's name
    /// reruns all its iterations).
    #[arg(long, value_name = "STEP")]
    pub rerun: Vec<String>,
    /// What Ctrl-C (or SIGTERM) does while the run only waits (for a
    /// person, a `sleep`, a retry): `cancel` it, or `leave` it waiting in
    /// the store, for `wfc approve … && wfc resume RUN` or a `wfc serve`
    /// serving the file to finish (exit code 4). Default: ask on a
    /// terminal, else cancel.
    #[arg(long, value_enum, value_name = "WHAT")]
    pub on_interrupt: Option<OnInterrupt>,
}

/// `--on-interrupt`: what a signal does to a run that only waits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum OnInterrupt {
    /// Cancel the run (compensations and `finally` run).
    Cancel,
    /// Leave it waiting, recorded, with no process.
    Leave,
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
    /// `--workdir`, absolute (a resumed run may start elsewhere), or an
    /// error with its code when it is no folder.
    pub fn base_dir(&self) -> Result<Option<PathBuf>, ExitCode> {
        let Some(dir) = &self.workdir else {
            return Ok(None);
        };
        match std::fs::canonicalize(dir) {
            Ok(d) if d.is_dir() => Ok(Some(d)),
            Ok(_) | Err(_) => {
                let d = wfc_language::diag::Diagnostic::error(
                    "E0803",
                    format!("--workdir {}: no such folder", dir.display()),
                )
                .help("give a folder that exists; `--workdir .` is the current one");
                super::print_diagnostic(&d);
                Err(ExitCode::from(2))
            }
        }
    }

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
    /// Record the run in the store (`--no-store`: no).
    pub record: bool,
    /// The state directory: the run's record, its history estimates and
    /// its `lock` (taken there even when the run is not recorded).
    pub state_dir: PathBuf,
    /// `wfc resume`: the recorded run to go on with.
    pub resume: Option<wfc_launch::Resume>,
    /// A new run's id, and its reaper if already being started (`None`:
    /// a new id, or the resumed run's, and the reaper starts in `execute`).
    pub started: Option<(String, Option<ReaperStart>)>,
    /// The history's store, if being opened while the file compiled.
    pub early_history: Option<wfc_launch::estimates::Reader>,
    /// `wfc resume` of a run that parked (see `wfc_run::park`).
    pub woken: bool,
}

pub fn run(mut args: RunArgs) -> ExitCode {
    if args.dry_run {
        return plan_cmd::run(PlanArgs {
            input: args.input,
            select: args.select,
            format: args.format,
            diff: None,
        });
    }
    // The run manager's reaper (a `/bin/sh`) starts on a thread while the
    // file compiles: the spawn waits for its `exec`, which waited for a CPU
    // when it came after compiling (~1–3 ms before the first step).
    let run_id = wfc_launch::new_run_id();
    // The thread shares the main malloc arena (see `heap::one_arena`), as
    // the later ones do: an arena it made would outlive it, for them.
    super::heap::one_arena();
    let reaper = std::thread::Builder::new()
        .name("wfc-reaper-start".into())
        .spawn(Reaper::start)
        .ok();
    let state_dir = args.input.store.dir_for(&args.input.file);
    let early_history = wfc_launch::estimates::Reader::early(&args.input.file, &state_dir);
    // A person at a terminal is asked for what is missing, and sees the
    // file's warnings; a dry run only shows the plan.
    args.input.ask = !args.dry_run;
    args.input.warn = !args.dry_run;
    let (plan, wf, source) = match plan_cmd::compile(&args.input).and_then(|(mut p, w, s)| {
        args.select.apply(&mut p)?;
        Ok((p, w, s))
    }) {
        Ok(x) => x,
        Err(code) => {
            // Dropping the reaper finishes it.
            drop(reaper.map(|t| t.join()));
            return code;
        }
    };
    jobs_note(&plan);
    let launch = Launch {
        exec: args.exec,
        record: !args.no_store,
        state_dir,
        resume: None,
        started: Some((run_id, reaper)),
        early_history,
        woken: false,
    };
    let front = Front {
        wf,
        source,
        file_hash: None,
    };
    execute(plan, front, launch)
}

/// Says, for each `for each … parallel N` that `--jobs` holds to fewer at
/// once, that the smaller number wins (`wfc check` says it for
/// `concurrency`: W0362).
fn jobs_note(plan: &wfc_plan::Plan) {
    let sch = &plan.schedule;
    if sch.jobs_source != "workers" {
        return;
    }
    for (gi, grp) in plan.main.groups.iter().enumerate() {
        if let wfc_plan::GroupKind::ForEach {
            parallel: Some(Some(n)),
            ..
        } = grp.kind
        {
            if sch.group_concurrency(&plan.main, gi) < n as usize {
                say::err(&format!(
                    "note: `{}` runs {} at once, not {n}: --jobs {} is smaller",
                    grp.name, sch.jobs, sch.jobs
                ));
            }
        }
    }
}

/// `--from`: refuses the run (exit 2, nothing recorded) when a step it
/// takes from an earlier run has none to take, or no store keeps runs.
fn earlier_results(plan: &wfc_plan::Plan, file: &str, args: &Launch) -> Result<(), ExitCode> {
    let refuse = |d: wfc_language::diag::Diagnostic| {
        super::print_diagnostic(&d);
        ExitCode::from(2)
    };
    if !args.record {
        return Err(refuse(wfc_language::diag::Diagnostic::error(
            "E0806",
            "--from takes steps from earlier recorded runs: it cannot go with --no-store",
        )));
    }
    match wfc_launch::incremental::missing_earlier(&args.state_dir, plan, file) {
        Ok(missing) if missing.is_empty() => Ok(()),
        Ok(missing) => Err(refuse(wfc_launch::incremental::missing_earlier_error(
            &missing,
        ))),
        Err(e) => Err(refuse(wfc_language::diag::Diagnostic::error(
            "E0806",
            format!("--from: the run store cannot be read: {e}"),
        ))),
    }
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

/// Runs a compiled plan through a launcher of its own (one run, on a
/// [`RunManager`] of its own); the exit code is the run's. The IR and the
/// source go once the run's start is under way: the plan carries what the
/// run needs.
pub fn execute(mut plan: wfc_plan::Plan, front: Front, args: Launch) -> ExitCode {
    let Front {
        wf,
        source,
        file_hash,
    } = front;
    let file_hash = match (file_hash, args.record) {
        (Some(h), _) => h,
        (None, true) => wfc_store::file_hash(&source.text),
        (None, false) => String::new(),
    };
    let file = source.name.clone();
    drop(source);
    let base_dir = match args.exec.base_dir() {
        Ok(b) => b,
        Err(code) => return code,
    };
    if !plan.earlier.is_empty() && args.resume.is_none() {
        if let Err(code) = earlier_results(&plan, &file, &args) {
            return code;
        }
    }
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
        (Some(r), _) => (r.run_id.clone(), None),
        (None, Some((id, start))) => (id, start.and_then(|t| t.join().ok())),
        (None, None) => (wfc_launch::new_run_id(), None),
    };
    super::heap::one_arena();
    let (names, fingerprints, estimates) = if plan.main.steps.len() <= HISTORY_ON_A_THREAD {
        // A small plan's history is read on a thread while the run's
        // record opens and the reaper starts (~2 ms sooner to the first
        // step at 220 steps, ~7 ms at 1,000); its fingerprints are taken on
        // a thread while the run starts (the IR goes with it).
        let names = NameTable::from(&wf);
        let reader = args
            .early_history
            .or_else(|| wfc_launch::estimates::Reader::open(&args.state_dir));
        let estimates = match reader {
            Some(r) => Estimates::Given(Box::new(r.read(&plan))),
            None => Estimates::FromStore,
        };
        // Not recorded: nothing takes them, and the IR goes now, before the
        // allocator gives its free pages back.
        let fingerprints = if args.record {
            Fingerprints::Later(wf)
        } else {
            drop(wf);
            Fingerprints::Taken(Vec::new())
        };
        (names, fingerprints, estimates)
    } else {
        // A big plan's IR goes before the store opens (the front end's peak
        // and the store's connection are not held at once), and its history
        // is read first, alone: beside the run's store connection it added
        // ~1 MiB to the peak at 5,000 steps. (A small file may unroll to a
        // big plan: its early connection goes.)
        drop(args.early_history);
        let taken = if args.record {
            wfc_store::reuse::stored_fingerprints_of(&plan, &wf, Some(&file))
        } else {
            Vec::new()
        };
        tracing::trace!(target: "wfc::timing", "fingerprints");
        let names = NameTable::from(&wf);
        drop(wf);
        wfc_launch::estimates::from_dir(&mut plan, &args.state_dir);
        tracing::trace!(target: "wfc::timing", "history read");
        (names, Fingerprints::Taken(taken), Estimates::Taken)
    };
    super::heap::release_free_memory();
    super::sched::short_slice_for_this_thread();
    // `--output -`: the report is the standard output; the run's lines
    // go to stderr, live when that is a terminal.
    let on_terminal = if args.exec.output.as_deref() == Some(Path::new("-")) {
        say::lines_to_stderr();
        std::io::stderr().is_terminal()
    } else {
        std::io::stdout().is_terminal()
    };
    let live = on_terminal && !args.exec.plain;
    let color = render::use_color(on_terminal && !args.exec.plain);
    let mut step_names: Vec<&str> = plan.main.steps.iter().map(|s| s.name.as_str()).collect();
    for h in &plan.handlers {
        step_names.extend(h.graph.steps.iter().map(|s| s.name.as_str()));
    }
    for rb in plan.main.steps.iter().filter_map(|s| s.rollback.as_ref()) {
        step_names.extend(rb.steps.iter().map(|s| s.name.as_str()));
    }
    let display = Display::new(live, color, &step_names);
    // The report costs memory per step: only collect it when asked for.
    let report = args.exec.output.clone().map(|o| ReportWriter::new(Some(o)));
    let mut observers = Recorders(vec![Box::new(display.clone())]);
    if let Some(r) = &report {
        observers.0.push(Box::new(r.clone()));
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
    let exec_options = args.exec.exec_options(&args.state_dir);
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
    tracing::trace!(target: "wfc::timing", "ready to run");
    // A run that only waits parks only when a signal asks to leave it.
    let launcher =
        Launcher::new(manager, args.state_dir.clone(), 1).parking(wfc_run::park::ParkPolicy {
            auto: false,
            ..Default::default()
        });
    let mut run = Run::with(plan, names, fingerprints, file, file_hash);
    run.id = Some(run_id.clone());
    run.resume = args.resume;
    run.record = args.record;
    run.reap = true;
    run.estimates = estimates;
    run.keep_going = args.exec.keep_going;
    run.admission = Admission::Queue;
    run.woken = args.woken;
    // (Approvals given here are this process's: such a run is never left.)
    if !args.exec.approve.is_empty() {
        run.approvals = Some(Arc::new(CliApprovals {
            steps: args.exec.approve.clone(),
            by: crate::cli::act::login_name(),
        }));
    }
    run.observer = Some(Box::new(observers));
    run.lines = Some(Arc::new(display));
    run.base_dir = base_dir;
    run.keep_run_dir = args.exec.keep_run_dir;
    run.rerun = wfc_launch::Rerun {
        all: args.exec.force,
        steps: args.exec.rerun.clone(),
    };
    let names: Vec<&str> = run
        .plan
        .main
        .steps
        .iter()
        .map(|s| s.name.as_str())
        .collect();
    let known = |r: &str| {
        names
            .iter()
            .any(|n| *n == r || n.split('[').next() == Some(r))
    };
    if let Some(unknown) = run.rerun.steps.iter().find(|r| !known(r)) {
        let hint = wfc_language::diag::did_you_mean(unknown, names.iter().copied())
            .map(|s| format!("; did you mean `{s}`?"))
            .unwrap_or_default();
        super::say::err(&format!(
            "error: `--rerun {unknown}`: the workflow has no step `{unknown}`{hint}"
        ));
        return ExitCode::from(2);
    }
    let ended = runtime.block_on(async {
        // Before the start: a Ctrl-C that comes while the run's record
        // opens reaches it through the launcher.
        let asked = super::signals::Asked {
            on_interrupt: args.exec.on_interrupt,
            record: args.record,
        };
        if let Err(e) = super::signals::install(launcher.clone(), run_id.clone(), asked) {
            say::err(&format!("warning: cannot handle Ctrl-C: {e}"));
        }
        tracing::trace!(target: "wfc::timing", "runtime, signals");
        let started = launcher.start(run).await?;
        Ok(started
            .ended
            .await
            .unwrap_or_else(|_| not_started("its task ended without its end")))
    });
    let result = match ended {
        Ok(result) => result,
        Err(e) => {
            runtime.shutdown_timeout(Duration::from_millis(200));
            return not_launched(&e);
        }
    };
    if result.parked {
        runtime.shutdown_timeout(Duration::from_millis(200));
        drop(launcher);
        wfc_run::exec::scratch::remove();
        say::err(&format!("wfc: run {run_id} is left waiting, recorded: `wfc status {run_id}` shows what it waits for; `wfc approve {run_id} GATE` (or `retry`, `skip`, `abort` a step) and then `wfc resume {run_id}` finish it, as does a `wfc serve` serving its file"));
        return ExitCode::from(LEFT);
    }
    if args.record && result.status != RunStatus::Succeeded && !super::quiet() {
        say::err(&format!("wfc: the run is recorded: `wfc status {run_id}` shows it, `wfc resume {run_id}` continues it"));
    }
    tracing::trace!(target: "wfc::timing", "run ended");
    // The signal task holds a clone of the launcher: the reaper finishes
    // with the last clone of the manager, once the runtime is down.
    runtime.shutdown_timeout(Duration::from_millis(200));
    drop(launcher);
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

/// The exit code of a run left waiting (`--on-interrupt leave`).
pub const LEFT: u8 = 4;

/// A run that ended without its end being told (never expected).
fn not_started(why: &str) -> RunResult {
    say::err(&format!("error: the run did not end properly: {why}"));
    RunResult {
        status: RunStatus::Failed,
        failed: None,
        duration: Duration::ZERO,
        parked: false,
    }
}

/// Why nothing was started, said; its exit code (130: cancelled first).
fn not_launched(e: &LaunchError) -> ExitCode {
    match e {
        LaunchError::Store(_) => {
            say::err(&format!(
                "error: {e}\n(`--no-store` runs without recording the run)"
            ));
            ExitCode::from(2)
        }
        LaunchError::Busy(_) => {
            say::err(&format!("wfc: {e}"));
            ExitCode::from(130)
        }
        // `lock … { on busy skip }`: EX_TEMPFAIL, try again later.
        LaunchError::LockHeld { .. } => {
            say::err(&format!("wfc: {e}"));
            ExitCode::from(75)
        }
        _ => {
            say::err(&format!("error: {e}"));
            ExitCode::from(2)
        }
    }
}

//! `wfc resume RUN`: continue a failed, cancelled or interrupted run with
//! the same params and the same plan.
//!
//! 1. The run must not be running (a crashed one is first marked
//!    interrupted) and must not have succeeded.
//! 2. The workflow file is compiled again with the run's recorded params
//!    (written to `logs/RUN/params.json` in the state directory and read as
//!    a params file); secrets are not in the store, so they come from their
//!    defaults (the environment) or `--param` again.
//! 3. The new plan is compared with the recorded one
//!    ([`wfc_store::resume::check_plan`], which `wfc serve`'s resume
//!    shares): a change to a step that succeeded refuses the resume,
//!    naming the step and what changed.
//! 4. The run goes on under the same id, as a new session: the steps that
//!    succeeded are restored with their outputs and not run again; failed,
//!    interrupted and never-started steps run.

use super::history::{store_error, StoreArgs};
use super::plan::{self as plan_cmd, PlanInput};
use super::run::{execute, Front, Launch};
use crate::cli::complete;
use clap::Args;
use clap_complete::engine::ArgValueCompleter;
use std::path::PathBuf;
use std::process::ExitCode;
use wfc_store::{resume, reuse};

#[derive(Args)]
pub struct ResumeArgs {
    /// The run: its id, a unique prefix of it, or `last`.
    #[arg(add = ArgValueCompleter::new(complete::names::runs))]
    pub run: String,
    /// Set a secret param again (secrets are never stored): `--param name=value`.
    #[arg(short = 'p', long = "param", value_name = "NAME=VALUE")]
    pub params: Vec<String>,
    /// The workflow file, when it has moved since the run (default: the recorded path).
    #[arg(long, value_name = "FILE")]
    pub file: Option<PathBuf>,
    #[command(flatten)]
    pub exec: super::run::ExecArgs,
    #[command(flatten)]
    pub store: StoreArgs,
}

fn refuse(msg: &str) -> ExitCode {
    crate::cli::say::err(&format!("error: {msg}"));
    ExitCode::from(2)
}

pub fn run(args: ResumeArgs) -> ExitCode {
    let (store, id) = match args.store.open_run(&args.run) {
        Ok(x) => x,
        Err(code) => return code,
    };
    // A paused run goes on: at once when it still runs, else as resumed.
    match wfc_store::pause::paused(&store, &id) {
        Ok(Some(p)) => {
            let by = super::act::login_name();
            if let Err(e) = wfc_store::pause::unpause(&store, &id, &by) {
                return store_error(e);
            }
            let running = wfc_store::control::run_status(&store, &id)
                .ok()
                .flatten()
                .is_some_and(|s| s == "running");
            if running {
                crate::cli::say::out(&format!(
                    "run {id} goes on (paused by {} at {})",
                    p.by,
                    wfc_store::pause::when(p.at)
                ));
                return ExitCode::SUCCESS;
            }
        }
        Ok(None) => {}
        Err(e) => return store_error(e),
    }
    let rec = match reuse::recorded(&store, &id) {
        Ok(r) => r,
        Err(e) => return store_error(e),
    };
    // A parked run has no process: it is resumed here unless a server
    // wakes it first (one of them claims it).
    let parked = match wfc_store::park::is_parked(&store, &id) {
        Ok(p) => p,
        Err(e) => return store_error(e),
    };
    if !parked {
        if let Err(why) = resume::resumable(&rec, &id) {
            return refuse(&why.0);
        }
    }
    let given: Vec<&str> = args
        .params
        .iter()
        .map(|p| p.split_once('=').map_or(p.as_str(), |(n, _)| n.trim()))
        .collect();
    let text = match resume::params_file(&rec, &given) {
        Ok(t) => t,
        Err(why) => return refuse(&why.0),
    };
    let params_path = store.log_dir(&id).join("params.json");
    if let Err(e) = std::fs::create_dir_all(store.log_dir(&id))
        .and_then(|()| std::fs::write(&params_path, text))
    {
        return store_error(format!("cannot write {}: {e}", params_path.display()));
    }
    let input = PlanInput {
        file: args.file.clone().unwrap_or_else(|| {
            // Recorded relative to where the run started; from elsewhere,
            // the file it was (when it is still there).
            let file = PathBuf::from(&rec.file);
            match wfc_launch::run_dir::recorded_file(&args.store.dir(), &id) {
                Some(abs) if !file.exists() && abs.exists() => abs,
                _ => file,
            }
        }),
        workflow: Some(rec.workflow.clone()),
        params: args.params.clone(),
        params_file: Some(params_path),
        jobs: resumed_jobs(rec.jobs),
        store: args.store.clone(),
        ask: false,
        warn: false,
    };
    if !input.file.exists()
        && input.file.as_os_str() != "-"
        && super::new::builtin(&input.file).is_none()
    {
        return refuse(&format!(
            "the workflow file {} of run {id} is not there (run from the directory it ran in, or give `--file PATH`)",
            input.file.display()
        ));
    }
    let (plan, wf, source) = match plan_cmd::compile(&input) {
        Ok(x) => x,
        Err(code) => {
            crate::cli::say::err(&format!("error: run {id} cannot be resumed: its workflow no longer compiles with the run's params"));
            return code;
        }
    };
    // A run of `--target` / `--from` goes on with the same part of the plan.
    let mut plan = plan;
    let recorded = reuse::read_plan(&store, &id).ok().flatten();
    if let Some(sel) = recorded.as_ref().and_then(reuse::selection) {
        if let Err(d) = wfc_plan::select::select(&mut plan, &sel) {
            super::print_diagnostic(&d);
            return refuse("its `--target` / `--from` no longer name steps of the workflow");
        }
    }
    let file_hash = wfc_store::file_hash(&source.text);
    let shown = input.file.display().to_string();
    let checked = resume::check_plan(&store, &id, &rec, &plan, &wf, &shown, &file_hash);
    let r = match checked {
        Ok(Ok(r)) => r,
        Ok(Err(why)) => return refuse(&why.0),
        Err(e) => return store_error(e),
    };
    // A file a step runs can change while the workflow file does not.
    if r.file_changed || !r.changes.is_empty() {
        if r.changes.is_empty() {
            crate::cli::say::err(&format!(
                "wfc: {shown} changed since the run, but not its plan"
            ));
        } else {
            crate::cli::say::err(&if r.file_changed {
                format!("wfc: {shown} changed since the run; the resume takes in:")
            } else {
                "wfc: the plan changed since the run; the resume takes in:".to_owned()
            });
            for line in &r.changes {
                crate::cli::say::err(&format!("  - {line}"));
            }
        }
    }
    // A person's resume asks a rejected gate again; a parked run's
    // decisions, taken while it waited, stand.
    if !parked {
        if let Err(e) = reuse::clear_rejections(&store, &id) {
            return store_error(e);
        }
    }
    crate::cli::say::err(&format!(
        "wfc: resuming run {id} ({}): {}",
        rec.status,
        restored_summary(&r.restored, plan.main.len(), |n| {
            wfc_plan::file_call::in_a_file_call(&plan.main, n)
        })
    ));
    for name in &r.compensated {
        crate::cli::say::err(&format!(
            "wfc: `{name}` succeeded before, but its compensation ran: it runs again"
        ));
    }
    for name in &r.built_on_undone {
        crate::cli::say::err(&format!(
            "wfc: `{name}` succeeded before, on top of a step whose compensation ran: it runs again"
        ));
    }
    // A resumed run keeps the trigger of its first session (`run.trigger`).
    let (trigger, scheduled) = match wfc_store::listing::started_by(&store, &id) {
        Ok(s) => (s.trigger, s.scheduled),
        Err(e) => return store_error(e),
    };
    drop(store);
    let started = u64::try_from(rec.started_ms)
        .ok()
        .map_or(std::time::UNIX_EPOCH, |ms| {
            std::time::UNIX_EPOCH + std::time::Duration::from_millis(ms)
        });
    execute(
        plan,
        Front {
            wf,
            source,
            file_hash: Some(file_hash),
        },
        Launch {
            exec: args.exec,
            record: true,
            state_dir: args.store.dir(),
            early_history: None,
            resume: Some(wfc_launch::Resume {
                run_id: id,
                restored: r.restored,
                started,
                trigger,
                scheduled: scheduled
                    .and_then(|ms| u64::try_from(ms).ok())
                    .map(|ms| std::time::UNIX_EPOCH + std::time::Duration::from_millis(ms)),
            }),
            started: None,
            woken: parked,
        },
    )
}

/// The `--jobs` a resume plans with: the run's, unless it was this
/// machine's CPU count — the default, which a `parallel N` written in the
/// file may exceed, where an explicit `--jobs` caps it. (A run given
/// `--jobs` equal to the CPU count resumes as if it was not given.)
fn resumed_jobs(recorded: usize) -> Option<u32> {
    let cpus = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    (recorded != cpus)
        .then(|| u32::try_from(recorded).ok())
        .flatten()
}

/// "2 of 3 steps succeeded before and are not run again", counting the
/// plan's steps: a loop's instances (`build[eu]`) are its step's, and
/// their count is said apart ("… (5 loop instances)").
/// Steps of a file a file call read (`in_file`) are counted apart too
/// ("… (2 steps of files called)"): the plan does not hold them.
fn restored_summary(
    restored: &[(String, wfc_plan::Value)],
    steps: usize,
    in_file: impl Fn(&str) -> bool,
) -> String {
    let base = |name: &str| name.split('[').next().unwrap_or(name).to_owned();
    let (called, planned): (Vec<_>, Vec<_>) = restored.iter().partition(|(n, _)| in_file(n));
    let of_steps: std::collections::BTreeSet<String> =
        planned.iter().map(|(n, _)| base(n)).collect();
    let instances = planned.iter().filter(|(n, _)| n.contains('[')).count();
    let is = if of_steps.len() == 1 { "is" } else { "are" };
    let mut apart = Vec::new();
    if instances > 0 {
        apart.push(wfc_language::words::count(
            instances as u64,
            "loop instance",
        ));
    }
    if !called.is_empty() {
        let n = wfc_language::words::count(called.len() as u64, "step");
        apart.push(format!("{n} of files called"));
    }
    let loops = if apart.is_empty() {
        String::new()
    } else {
        format!(" ({})", apart.join(", "))
    };
    format!(
        "{} of {} succeeded before{loops} and {is} not run again",
        of_steps.len(),
        wfc_language::words::count(steps as u64, "step"),
    )
}

#[cfg(test)]
mod tests {
    use super::restored_summary;
    use wfc_plan::Value;

    fn named(names: &[&str]) -> Vec<(String, Value)> {
        names.iter().map(|n| (n.to_string(), Value::Null)).collect()
    }

    #[test]
    fn restored_steps_are_counted_as_the_plans_steps() {
        assert_eq!(
            restored_summary(&named(&["a"]), 3, |_| false),
            "1 of 3 steps succeeded before and is not run again"
        );
        // Issue 73: "4 of 2 steps" counted loop instances against steps.
        assert_eq!(
            restored_summary(
                &named(&["prep", "build[a]", "build[b]", "build[c]"]),
                2,
                |_| false
            ),
            "2 of 2 steps succeeded before (3 loop instances) and are not run again"
        );
        // The steps of a file a file call read are not the plan's.
        assert_eq!(
            restored_summary(&named(&["gen", "up.build", "up.w[a]"]), 3, |n| n
                .starts_with("up.")),
            "1 of 3 steps succeeded before (2 steps of files called) and is not run again"
        );
    }
}

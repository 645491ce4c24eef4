//! `wfc backfill FILE [WORKFLOW] --from TIME --to TIME`: one run per slot
//! of the workflow's schedule in a past range, one after another, each
//! with its slot as `run.scheduled`, recorded with the trigger `backfill`
//! (the rules: [`wfc_serve::backfill`]). Shown first; on a terminal asked,
//! else `--yes` (E0992). A slot a run covers already is skipped, so a
//! backfill run twice runs each slot once.

use super::history::StoreArgs;
use super::say;
use chrono::{DateTime, Utc};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use wfc_language::ir::Trigger;
use wfc_serve::backfill::{self, range::stamp, Outcome, Slots};

#[derive(clap::Args)]
pub struct BackfillArgs {
    /// The workflow file.
    file: PathBuf,
    /// The workflow to backfill (default: the file's one workflow with a schedule).
    workflow: Option<String>,
    /// The range's start, included: RFC 3339, a date, or a local time in the schedule's zone.
    #[arg(long, value_name = "TIME")]
    from: String,
    /// The range's end, included (same forms as --from; a date is its whole day).
    #[arg(long, value_name = "TIME")]
    to: String,
    /// Which of the workflow's schedules, from 1, when it has several.
    #[arg(long, value_name = "N")]
    schedule: Option<usize>,
    /// The most slots the range may hold (more is refused: E0991).
    #[arg(long, value_name = "N", default_value_t = backfill::MAX_DEFAULT)]
    max: usize,
    /// Start without asking.
    #[arg(long, short)]
    yes: bool,
    /// List the slots and start nothing.
    #[arg(long)]
    dry_run: bool,
    #[command(flatten)]
    store: StoreArgs,
}

pub fn run(args: BackfillArgs) -> ExitCode {
    let catalog = match wfc_serve::catalog::Catalog::load(vec![args.file.clone()]) {
        Ok(c) => c,
        Err(e) => {
            say::err(&format!("error: {e}"));
            return ExitCode::from(2);
        }
    };
    let workflow = match pick(&catalog, args.workflow.as_deref(), &args.file) {
        Ok(w) => w,
        Err(e) => {
            say::err(&format!("error: {e}"));
            return ExitCode::from(2);
        }
    };
    let slots = match slots_of(&workflow, &args) {
        Ok(s) => s,
        Err(e) => {
            say::err(&format!("error: {e}"));
            return ExitCode::from(2);
        }
    };
    show(&workflow.ir.name, &slots);
    if args.dry_run {
        return ExitCode::SUCCESS;
    }
    if let Err(code) = confirm(&slots, args.yes) {
        return code;
    }
    let state_dir = args.store.dir();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            say::err(&format!("error: cannot start the async runtime: {e}"));
            return ExitCode::from(2);
        }
    };
    let by = std::env::var("USER").unwrap_or_else(|_| wfc_store::listing::CLI.to_owned());
    let outcomes = runtime.block_on(async move {
        let manager = wfc_run::RunManager::new(wfc_run::exec::ExecOptions::default());
        let launcher = wfc_launch::Launcher::new(manager, state_dir, 1);
        let stop = tokio_util::sync::CancellationToken::new();
        let interrupted = stop.clone();
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                say::err("interrupted: no further slot starts (the one going is cancelled)");
                interrupted.cancel();
            }
        });
        let stopping = stop.clone();
        let each = |o: &Outcome| println!("{}", line(o));
        let run = backfill::run(&launcher, &workflow, &slots.slots, &by, &stop, each);
        let cancel_going = async {
            stopping.cancelled().await;
            for (id, _) in launcher.owned_runs() {
                launcher.cancel(&id);
            }
            std::future::pending::<()>().await
        };
        let outcomes = tokio::select! {
            o = run => o,
            _ = cancel_going => unreachable!(),
        };
        launcher
            .drain(
                std::time::Duration::from_secs(5),
                wfc_launch::AfterGrace::Cancel,
            )
            .await;
        outcomes
    });
    runtime.shutdown_timeout(std::time::Duration::from_secs(1));
    wfc_run::exec::scratch::remove();
    summary(&outcomes)
}

/// The workflow `name` of the file, or its one workflow with a schedule.
fn pick(
    catalog: &wfc_serve::catalog::Catalog,
    name: Option<&str>,
    file: &std::path::Path,
) -> Result<wfc_launch::Checked, String> {
    if let Some(name) = name {
        return catalog.find(name).map_err(|p| p.detail);
    }
    let scheduled: Vec<_> = catalog
        .served()
        .into_iter()
        .filter(|w| {
            w.ir.triggers
                .iter()
                .any(|t| matches!(t, Trigger::Schedule(_)))
        })
        .collect();
    match scheduled.len() {
        1 => Ok(scheduled.into_iter().next().expect("one")),
        0 => Err(format!(
            "{}: no workflow of {} has an `on schedule` to backfill",
            backfill::NO_SCHEDULE,
            file.display()
        )),
        _ => Err(format!(
            "{}: {} workflows of {} have schedules ({}): name one",
            backfill::NO_SCHEDULE,
            scheduled.len(),
            file.display(),
            scheduled
                .iter()
                .map(|w| w.ir.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

fn slots_of(workflow: &wfc_launch::Checked, args: &BackfillArgs) -> Result<Slots, String> {
    let schedule = backfill::schedule_of(&workflow.ir, args.schedule)?;
    let zone = schedule.timezone;
    let from = backfill::parse_time(&args.from, zone)?;
    let to = backfill::parse_end(&args.to, zone)?;
    let trigger = Trigger::Schedule(schedule.clone());
    let describe = wfc_plan::render::triggers::describe(&workflow.ir, &trigger);
    backfill::slots(schedule, describe, from, to, args.max)
}

/// The slots, the first and last ten when there are many.
fn show(workflow: &str, slots: &Slots) {
    let n = slots.slots.len();
    println!(
        "backfill `{workflow}` by {}: {n} slot{} from {} to {}",
        slots.schedule,
        if n == 1 { "" } else { "s" },
        stamp(slots.slots[0]),
        stamp(slots.slots[n - 1])
    );
    for (i, slot) in slots.slots.iter().enumerate() {
        if n > 20 && (10..n - 10).contains(&i) {
            if i == 10 {
                println!("  … {} more", n - 20);
            }
            continue;
        }
        println!("  {}", zoned(*slot, slots));
    }
}

fn zoned(slot: DateTime<Utc>, slots: &Slots) -> String {
    let local = slot.with_timezone(&slots.zone);
    if slots.zone == chrono_tz::UTC {
        stamp(slot)
    } else {
        format!("{} ({})", stamp(slot), local.format("%Y-%m-%d %H:%M %Z"))
    }
}

/// Asks on a terminal; refuses without one unless `yes`.
fn confirm(slots: &Slots, yes: bool) -> Result<(), ExitCode> {
    if yes {
        return Ok(());
    }
    let n = slots.slots.len();
    if !(std::io::stdin().is_terminal() && std::io::stderr().is_terminal()) {
        say::err(&format!(
            "error: {}: a backfill of {n} slots starts up to {n} runs; pass --yes to confirm (there is no terminal to ask on), or --dry-run to list them only",
            backfill::NOT_CONFIRMED
        ));
        return Err(ExitCode::from(2));
    }
    let runs = if n == 1 { "run" } else { "runs" };
    if say::ask_yes(&format!("start up to {n} {runs}?")) {
        Ok(())
    } else {
        say::err("nothing started");
        Err(ExitCode::from(1))
    }
}

fn line(o: &Outcome) -> String {
    let slot = stamp(o.slot());
    match o {
        Outcome::Ran { run, status, .. } => format!("{slot}  run {run}  {status}"),
        Outcome::Covered { run, .. } => format!("{slot}  run {run}  (ran before: skipped)"),
        Outcome::NotStarted { why, .. } => format!("{slot}  not started: {why}"),
        Outcome::Stopped { .. } => format!("{slot}  not started: the backfill stopped"),
    }
}

/// The tally; exit 0 when every slot ran (or had run) and succeeded.
fn summary(outcomes: &[Outcome]) -> ExitCode {
    let count = |f: &dyn Fn(&Outcome) -> bool| outcomes.iter().filter(|o| f(o)).count();
    let ok = count(&|o| matches!(o, Outcome::Ran { status, .. } if status == "succeeded"));
    let covered = count(&|o| matches!(o, Outcome::Covered { .. }));
    let bad = outcomes.len() - ok - covered;
    println!("{ok} succeeded, {covered} skipped (ran before), {bad} failed or not started");
    if bad == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

//! `wfc schedule install | list | remove | due`: a workflow's `on
//! schedule` triggers handed to the system's scheduler instead of `wfc
//! serve` — a systemd service and timer per workflow ([`units`]), or a
//! block of the user's crontab ([`crontab`], each line guarded by `wfc
//! schedule due`, [`due`]) — each slot a `wfc run` of the workflow
//! ([`job`]). What a timer or cron cannot do as `wfc serve` does is
//! refused with a code at the schedule ([`diag`]); the cron pattern
//! becomes `OnCalendar=` in [`calendar`].

mod calendar;
mod crontab;
mod diag;
mod due;
mod job;
mod units;

use super::plan::PlanInput;
use super::say;
use clap::{Args, Subcommand};
use crontab::Crontab;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use wfc_language::diag::{render, Diagnostic};
use wfc_language::ir::{Overlap, Trigger};

#[derive(Args)]
pub struct ScheduleArgs {
    #[command(subcommand)]
    command: ScheduleCommand,
}

#[derive(Subcommand)]
enum ScheduleCommand {
    /// Write `wfc-NAME.service` and `wfc-NAME.timer` for the workflow's `on schedule` triggers
    /// (`--systemd`), or install them in the user's crontab (`--cron`).
    Install(InstallArgs),
    /// List the timers `wfc schedule install` wrote in the folder, and its crontab lines.
    List {
        #[command(flatten)]
        place: Place,
        #[command(flatten)]
        crontab: CrontabFile,
    },
    /// Remove the units and the crontab lines `wfc schedule install` wrote for NAME (`wfc-NAME`
    /// or the workflow's name).
    Remove {
        name: String,
        #[command(flatten)]
        place: Place,
        #[command(flatten)]
        crontab: CrontabFile,
    },
    /// Exit 0 when the current minute holds a slot of the cron pattern in the zone, else 1: the
    /// guard of each crontab line, as cron runs every line in the system's zone.
    Due(due::DueArgs),
}

#[derive(Args)]
struct InstallArgs {
    /// The workflow file.
    file: PathBuf,
    /// Which workflow of the file (default: its first).
    workflow: Option<String>,
    /// Write a systemd service and timer(s).
    #[arg(long, conflicts_with_all = ["cron", "crontab_file"], required_unless_present = "cron")]
    systemd: bool,
    /// Install them in the user's crontab (through `crontab`), each line guarded by `wfc
    /// schedule due` so slots follow the schedule's zone.
    #[arg(long, conflicts_with_all = ["dir", "user"])]
    cron: bool,
    /// With `--cron`: print the crontab lines on standard output; install nothing.
    #[arg(long, requires = "cron", conflicts_with = "crontab_file")]
    print: bool,
    #[command(flatten)]
    place: Place,
    #[command(flatten)]
    crontab: CrontabFile,
    #[command(flatten)]
    store: super::history::StoreArgs,
}

/// Where units are: `--dir`, else the user's or the system's unit folder.
#[derive(Args)]
struct Place {
    /// User units (`~/.config/systemd/user`, `systemctl --user`), not system ones.
    #[arg(long)]
    user: bool,
    /// The unit folder (default: `~/.config/systemd/user` with `--user`, else `/etc/systemd/system`).
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,
}

/// Which crontab: the user's (through `crontab`), or a file.
#[derive(Args)]
struct CrontabFile {
    /// Edit this file (in crontab's form) instead of the user's crontab.
    #[arg(long, value_name = "FILE")]
    crontab_file: Option<PathBuf>,
}

impl Place {
    fn dir(&self) -> Result<PathBuf, String> {
        if let Some(d) = &self.dir {
            return Ok(d.clone());
        }
        if !self.user {
            return Ok(PathBuf::from("/etc/systemd/system"));
        }
        let config = std::env::var_os("XDG_CONFIG_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))
            .ok_or("error: neither XDG_CONFIG_HOME nor HOME is set: give --dir")?;
        Ok(config.join("systemd/user"))
    }
}

pub fn run(args: ScheduleArgs) -> ExitCode {
    let done = match args.command {
        ScheduleCommand::Install(a) => return install(a),
        ScheduleCommand::Due(a) => return due::run(a),
        ScheduleCommand::List { place, crontab } => place
            .dir()
            .and_then(|d| list(&d, &Crontab::new(crontab.crontab_file))),
        ScheduleCommand::Remove {
            name,
            place,
            crontab,
        } => place
            .dir()
            .and_then(|d| remove(&d, &name, place.user, &Crontab::new(crontab.crontab_file))),
    };
    match done {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => super::usage_error(&e),
    }
}

fn install(args: InstallArgs) -> ExitCode {
    if args.file.as_os_str() == "-" {
        return super::usage_error(
            "error: `wfc schedule install` needs a file, not standard input",
        );
    }
    let input = PlanInput {
        file: args.file.clone(),
        workflow: args.workflow.clone(),
        params: Vec::new(),
        params_file: None,
        jobs: None,
        store: args.store.clone(),
        ask: false,
        warn: false,
    };
    let (_, wf, source) = match super::plan::compile(&input) {
        Ok(compiled) => compiled,
        Err(code) => return code,
    };
    let mut schedules = Vec::new();
    let mut diags: Vec<Diagnostic> = Vec::new();
    for t in &wf.triggers {
        if let Trigger::Schedule(s) = t {
            let mut s = s.clone();
            match s.resolve_env(&|var| std::env::var(var).ok()) {
                Ok(()) => schedules.push(s),
                Err(d) => diags.extend(d),
            }
        }
    }
    if schedules.is_empty() && diags.is_empty() {
        diags.push(diag::no_schedule(wf.name_span, &wf.name));
    }
    let mut lines = Vec::new();
    for s in &schedules {
        if s.when.is_some() {
            diags.push(diag::when(s));
        }
        if s.overlap != Overlap::Skip {
            diags.push(diag::overlap(s));
        }
        if args.cron {
            if s.cron.split_whitespace().count() == 6 {
                diags.push(diag::seconds(s));
            }
            if s.catch_up > 0 {
                diags.push(diag::catch_up(s, true));
            }
        } else {
            match calendar::on_calendar(s) {
                Ok(c) => lines.push(c),
                Err(d) => diags.push(d),
            }
            if s.catch_up > 1 {
                diags.push(diag::catch_up(s, false));
            }
        }
    }
    let color = render::use_color(std::io::stderr().is_terminal());
    if !diags.is_empty() {
        let _ = std::io::Write::write_all(
            &mut std::io::stderr(),
            render::render_all(&diags, &source, color).as_bytes(),
        );
    }
    let errors = diags.iter().filter(|d| d.is_error()).count();
    if errors > 0 {
        say::err(&format!(
            "{}: {errors} error{}; nothing installed",
            source.name,
            if errors == 1 { "" } else { "s" }
        ));
        return ExitCode::from(3);
    }
    let job = job::Job::new(&args.file, &wf.name, &args.store.dir_for(&args.file));
    let job = match job {
        Ok(j) => j,
        Err(e) => return super::usage_error(&format!("error: {e}")),
    };
    let done = if args.cron {
        install_cron(
            &job,
            &schedules,
            args.print,
            &Crontab::new(args.crontab.crontab_file),
        )
    } else {
        args.place
            .dir()
            .and_then(|dir| units::write(&dir, &job, &schedules, &lines, args.place.user))
    };
    match done {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => super::usage_error(&e),
    }
}

/// Puts the workflow's block into the crontab (or prints it), and says so.
fn install_cron(
    job: &job::Job,
    schedules: &[wfc_language::ir::Schedule],
    print_only: bool,
    target: &Crontab,
) -> Result<(), String> {
    let block = crontab::block(job, schedules)?;
    if print_only {
        say::write_lines(block.as_bytes());
        say::err("printed only: nothing installed (add the lines with `crontab -e`)");
        return Ok(());
    }
    let Some(text) = target.read()? else {
        return Err("error: there is no `crontab` command: install cron (Debian: `apt install cron`), or print the lines with `--print`".into());
    };
    let (text, replaced) = crontab::splice(&text, &job.name(), &block)?;
    target.write(&text)?;
    let n = schedules.len();
    say::err(&format!(
        "{} {n} line{} for `{}` in {} (`{}`): each runs every minute, and starts the workflow when `wfc schedule due` says the minute holds a slot in its schedule's zone",
        if replaced { "replaced its lines with" } else { "installed" },
        if n == 1 { "" } else { "s" },
        job.workflow,
        target.describe(),
        job.name(),
    ));
    Ok(())
}

/// Prints our timers in `dir`, then our crontab lines.
fn list(dir: &std::path::Path, target: &Crontab) -> Result<(), String> {
    units::list(dir)?;
    for (name, schedule) in crontab::entries(&target.read()?.unwrap_or_default()) {
        say::out(&format!(
            "{:<32}  {schedule:<40}  crontab",
            format!("{name} (cron)")
        ));
    }
    Ok(())
}

/// Removes NAME's units from `dir` and its block from the crontab.
fn remove(dir: &std::path::Path, name: &str, user: bool, target: &Crontab) -> Result<(), String> {
    let unit = format!("wfc-{}", name.strip_prefix("wfc-").unwrap_or(name));
    let units = units::remove(dir, &unit, user)?;
    let mut lines = false;
    if let Some(text) = target.read()? {
        let (text, found) = crontab::splice(&text, &unit, "")?;
        if found {
            target.write(&text)?;
            say::err(&format!(
                "removed the lines of {unit} from {}",
                target.describe()
            ));
            lines = true;
        }
    }
    if units == 0 && !lines {
        return Err(format!(
            "error: no units of `wfc schedule install` named {unit} in {}, and no lines of it in {}",
            dir.display(),
            target.describe()
        ));
    }
    Ok(())
}

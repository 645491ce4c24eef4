//! `wfc runs delete RUN… [--before DATE [--workflow W]] [--yes]`: deletes
//! runs from the store with everything it keeps of them (rows, step logs,
//! artifact copies), as retention does (`wfc_store::delete`).
//!
//! Runs named are deleted at once, as `rm FILE` and `kubectl delete pod X`
//! do. `--before` picks runs by date, so it asks first on a terminal, and
//! without one (a script, CI) it refuses unless `--yes` says so (E0982),
//! as `terraform destroy` does: a typo in a date must not empty a store.

use super::history::{store_error, StoreArgs};
use super::say;
use clap::{Args, Subcommand};
use std::io::IsTerminal;
use std::process::ExitCode;
use wfc_store::delete::{self, DeleteError};
use wfc_store::{control, Store};

/// `--before` without `--yes` and no terminal to ask on.
const NOT_CONFIRMED: &str = "E0982";

#[derive(Args)]
pub struct RunsArgs {
    #[command(subcommand)]
    pub command: RunsCommand,
}

#[derive(Subcommand)]
pub enum RunsCommand {
    /// Delete runs with their rows, step logs and artifact copies (never a running one).
    #[command(
        after_help = "RUN is a run id, a unique prefix of one, or `last`. DATE is a date (2024-05-01, UTC), an RFC 3339 time or a duration back from now (30d, 12h).\n\nExamples:\n  wfc runs delete 20240501-123456-3fa9\n  wfc runs delete last\n  wfc runs delete --before 30d                 # asks on a terminal\n  wfc runs delete --before 2024-05-01 --workflow deploy --yes\n\nA running run is refused (E0980): cancel it first. `--before` skips running runs; without a terminal it needs --yes (E0982).\n\nExit status: 0 deleted (or nothing to delete), 1 a run was refused or is gone (E0980, E0981), 2 bad arguments or --before not confirmed."
    )]
    Delete(DeleteArgs),
}

#[derive(Args)]
pub struct DeleteArgs {
    /// The runs: ids, unique prefixes of ids, or `last`.
    #[arg(required_unless_present = "before")]
    pub runs: Vec<String>,
    /// Also every run that started before DATE and is not running.
    #[arg(long, value_name = "DATE", value_parser = super::when::at)]
    pub before: Option<i64>,
    /// With --before: only runs of this workflow.
    #[arg(long, value_name = "WORKFLOW", requires = "before")]
    pub workflow: Option<String>,
    /// Do not ask before deleting the runs --before picks.
    #[arg(short, long)]
    pub yes: bool,
    #[command(flatten)]
    pub store: StoreArgs,
}

pub fn run(args: RunsArgs) -> ExitCode {
    match args.command {
        RunsCommand::Delete(d) => delete_runs(d),
    }
}

fn delete_runs(args: DeleteArgs) -> ExitCode {
    let store = match args.store.open() {
        Ok(s) => s,
        Err(code) => return code,
    };
    let mut failed = false;
    let mut ids = Vec::new();
    for typed in &args.runs {
        match control::find_run(&store, typed) {
            Ok(id) => ids.push(id),
            Err(e) if e.starts_with("no run `") => {
                say::err(&format!("error: {}", DeleteError::Gone(typed.clone())));
                failed = true;
            }
            Err(e) => {
                say::err(&format!("error: {e}"));
                return ExitCode::from(2);
            }
        }
    }
    if let Some(before) = args.before {
        let picked = match delete::started_before(&store, before, args.workflow.as_deref()) {
            Ok(p) => p,
            Err(e) => return store_error(e),
        };
        if !picked.is_empty() {
            if let Err(code) = confirm(&picked, before, args.yes) {
                return code;
            }
        } else if ids.is_empty() {
            say::out("no runs to delete");
        }
        ids.extend(picked);
    }
    let mut seen = std::collections::HashSet::new();
    ids.retain(|id| seen.insert(id.clone()));
    failed |= delete_each(&store, &ids);
    if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// Deletes each run, saying so; whether one was refused or gone.
fn delete_each(store: &Store, ids: &[String]) -> bool {
    let mut failed = false;
    for id in ids {
        match delete::delete_run(store, id) {
            Ok(()) => say::out(&format!("deleted run {id}")),
            Err(DeleteError::Store(e)) => {
                say::err(&format!("error: the run store: {e}"));
                failed = true;
            }
            Err(e) => {
                say::err(&format!("error: {e}"));
                failed = true;
            }
        }
    }
    failed
}

/// Asks on a terminal whether to delete `picked`; refuses without one
/// unless `yes`.
fn confirm(picked: &[String], before: i64, yes: bool) -> Result<(), ExitCode> {
    if yes {
        return Ok(());
    }
    let what = format!(
        "{} run{} started before {}",
        picked.len(),
        if picked.len() == 1 { "" } else { "s" },
        wfc_store::stamp(before)
    );
    if !(std::io::stdin().is_terminal() && std::io::stderr().is_terminal()) {
        say::err(&format!(
            "error: {NOT_CONFIRMED}: --before would delete {what}; pass --yes to confirm (there is no terminal to ask on)"
        ));
        return Err(ExitCode::from(2));
    }
    if say::ask_yes(&format!("delete {what} (oldest {})?", picked[0])) {
        Ok(())
    } else {
        say::err("nothing deleted");
        Err(ExitCode::from(1))
    }
}

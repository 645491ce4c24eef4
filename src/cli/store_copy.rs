//! `wfc store copy FROM TO`: copies a run history from one store to
//! another — a state folder's SQLite file to a team's PostgreSQL, or back
//! (`wfc_store::copy`). FROM and TO are what `--store` takes.

use super::say;
use clap::{Args, Subcommand};
use std::process::ExitCode;
use wfc_store::location::Location;
use wfc_store::Store;

#[derive(Args)]
pub struct StoreCommandArgs {
    #[command(subcommand)]
    pub command: StoreCommand,
}

#[derive(Subcommand)]
pub enum StoreCommand {
    /// Copy every run, with its steps, attempts, events, decisions and the schedules' and
    /// webhooks' records, from the store FROM into the empty store TO.
    #[command(
        after_help = "FROM and TO are state folders (their runs.db) or PostgreSQL URLs, `postgres://USER@HOST:PORT/DB` (the password from $PGPASSWORD or ~/.pgpass, never on the command line). All or nothing: one transaction on TO. Logs kept in a database are copied with their runs; step log files and artifacts stay in the state folder: use it with TO (`--state-dir`).\n\nExamples:\n  wfc store copy .wfc postgres://wfc@db.internal/wfc\n  WFC_STORE=postgres://wfc@db.internal/wfc wfc history --state-dir .wfc\n\nExit status: 0 copied, 1 TO holds runs, FROM has runs going on, or a store failed, 2 bad arguments or no store at FROM."
    )]
    Copy(CopyArgs),
}

#[derive(Args)]
pub struct CopyArgs {
    /// The store to copy from: a state folder or a PostgreSQL URL.
    #[arg(value_name = "FROM")]
    pub from: String,
    /// The store to copy into (made if it is a new folder; it must hold no run).
    #[arg(value_name = "TO")]
    pub to: String,
}

pub fn run(args: StoreCommandArgs) -> ExitCode {
    match args.command {
        StoreCommand::Copy(c) => copy(&c),
    }
}

fn copy(args: &CopyArgs) -> ExitCode {
    let from = match open(&args.from, true) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let to = match open(&args.to, false) {
        Ok(s) => s,
        Err(code) => return code,
    };
    match wfc_store::copy::copy(&from, &to) {
        Ok(c) => {
            say::err(&format!(
                "copied {} runs ({} rows) from {} to {}",
                c.runs,
                c.rows,
                shown(&args.from),
                shown(&args.to)
            ));
            ExitCode::SUCCESS
        }
        Err(e) => {
            say::err(&format!("error: nothing was copied: {e}"));
            ExitCode::from(1)
        }
    }
}

/// The location as messages show it (a URL without its password).
fn shown(text: &str) -> String {
    Location::parse(text, true).map_or_else(|_| text.to_owned(), |l| l.shown())
}

/// The store at `text`; `existing`: one that holds a history already.
fn open(text: &str, existing: bool) -> Result<Store, ExitCode> {
    let failed = |e: &dyn std::fmt::Display, code: u8| {
        say::err(&format!("error: {e}"));
        ExitCode::from(code)
    };
    match Location::parse(text, true) {
        Err(e) => Err(failed(&e, 2)),
        Ok(Location::Folder(dir)) if existing => match Store::open_existing(&dir) {
            Ok(Some(s)) => Ok(s),
            Ok(None) => Err(failed(
                &format!("no run store in {} (no runs.db there)", dir.display()),
                2,
            )),
            Err(e) => Err(failed(&e, 1)),
        },
        Ok(Location::Folder(dir)) => Store::open(&dir).map_err(|e| failed(&e, 1)),
        Ok(Location::Postgres(url)) => {
            let shown = url.shown();
            // (The copy reads and writes rows only: no folder of files.)
            let here = std::env::current_dir().unwrap_or_default();
            let again = std::sync::Arc::new(move || wfc_store_postgres::connect(&url));
            Store::open_db(again, &here, &shown).map_err(|e| failed(&e, 1))
        }
    }
}

//! `wfc cancel RUN`, `wfc approve RUN GATE`, `wfc reject RUN GATE`: act on a
//! run from another terminal, through the run store.
//!
//! Cancel asks the wfc running the run to cancel (it notices within
//! [`wfc_store::control::POLL`] and stops as on Ctrl-C); `--wait` waits
//! until it has. Approve and reject complete an `approval` gate (or a check
//! gate paused by `on fail pause`); a gate of a run that is not running
//! (interrupted, failed) keeps the decision for `wfc resume`.

use super::history::{store_error, StoreArgs};
use clap::Args;
use std::process::ExitCode;
use std::time::{Duration, Instant};
use wfc_store::control::{self, Decision};

#[derive(Args)]
pub struct CancelArgs {
    /// The run: its id, a unique prefix of it, or `last`.
    pub run: String,
    /// Wait until the run has stopped (at most 60 s).
    #[arg(long)]
    pub wait: bool,
    #[command(flatten)]
    pub store: StoreArgs,
}

#[derive(Args)]
pub struct DecideArgs {
    /// The run: its id, a unique prefix of it, or `last`.
    pub run: String,
    /// The gate step (an instance name such as `approve[eu-west]`).
    pub gate: String,
    /// Who decides (recorded as the gate's `approved_by`; default: $USER).
    #[arg(long = "as", value_name = "NAME")]
    pub by: Option<String>,
    #[command(flatten)]
    pub store: StoreArgs,
}

pub fn cancel(args: CancelArgs) -> ExitCode {
    let (store, id) = match args.store.open_run(&args.run) {
        Ok(x) => x,
        Err(code) => return code,
    };
    if let Err(e) = control::request_cancel(&store.conn, &id) {
        wfc_run::say::err(&format!("error: {e}"));
        return ExitCode::from(1);
    }
    wfc_run::say::out(&format!("asked run {id} to cancel"));
    if !args.wait {
        return ExitCode::SUCCESS;
    }
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(60) {
        let _ = control::reap(&store.conn);
        match control::run_status(&store.conn, &id) {
            Ok(Some(s)) if s == "running" => std::thread::sleep(control::POLL),
            Ok(Some(s)) => {
                wfc_run::say::out(&format!("run {id} is {s}"));
                return ExitCode::SUCCESS;
            }
            Ok(None) => return store_error(format!("run {id} vanished")),
            Err(e) => return store_error(e),
        }
    }
    wfc_run::say::err(&format!("error: run {id} is still running after 60 s"));
    ExitCode::from(1)
}

pub fn decide(args: DecideArgs, decision: Decision) -> ExitCode {
    let (store, id) = match args.store.open_run(&args.run) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let by = args
        .by
        .or_else(|| std::env::var("USER").ok())
        .filter(|b| !b.trim().is_empty())
        .unwrap_or_else(|| "unknown".into());
    if let Err(e) = control::decide(&store.conn, &id, &args.gate, decision, &by) {
        wfc_run::say::err(&format!("error: {e}"));
        return ExitCode::from(1);
    }
    let status = control::run_status(&store.conn, &id)
        .ok()
        .flatten()
        .unwrap_or_default();
    let what = decision.name();
    if status == "running" {
        wfc_run::say::out(&format!("{what} gate `{}` of run {id} as {by}", args.gate));
    } else {
        wfc_run::say::out(&format!(
            "{what} gate `{}` of run {id} as {by}; the run is {status}: `wfc resume {id}` continues it",
            args.gate
        ));
    }
    ExitCode::SUCCESS
}

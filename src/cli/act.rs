//! `wfc cancel RUN`, `wfc pause RUN`, `wfc approve RUN GATE`, `wfc reject
//! RUN GATE`: act on a run from another terminal, through the run store.
//!
//! Pause asks the wfc running the run to start nothing new (running steps
//! finish); `wfc resume RUN` lets it go on ([`wfc_store::pause`]).
//! Cancel asks the wfc running the run to cancel (it notices within
//! [`wfc_store::control::POLL`] and stops as on Ctrl-C); `--wait` waits
//! until it has. Approve and reject complete an `approval` gate (or a check
//! gate paused by `on fail pause`); a gate of a run that is not running
//! (interrupted, failed) keeps the decision for `wfc resume`.

use super::history::{store_error, StoreArgs};
use super::remote::ServerArgs;
use crate::cli::complete;
use clap::Args;
use clap_complete::engine::ArgValueCompleter;
use std::process::ExitCode;
use std::time::{Duration, Instant};
use wfc_store::control::{self, Decision};

#[derive(Args)]
pub struct CancelArgs {
    /// The run: its id, a unique prefix of it, or `last`.
    #[arg(add = ArgValueCompleter::new(complete::names::runs))]
    pub run: String,
    /// Wait until the run has stopped (at most 60 s).
    #[arg(long)]
    pub wait: bool,
    #[command(flatten)]
    pub store: StoreArgs,
    #[command(flatten)]
    pub remote: ServerArgs,
}

#[derive(Args)]
pub struct PauseArgs {
    /// The run: its id, a unique prefix of it, or `last`.
    #[arg(add = ArgValueCompleter::new(complete::names::runs))]
    pub run: String,
    /// Who pauses it (recorded; default: $USER; with --server, the API
    /// key's name).
    #[arg(long = "as", value_name = "NAME")]
    pub by: Option<String>,
    #[command(flatten)]
    pub store: StoreArgs,
    #[command(flatten)]
    pub remote: ServerArgs,
}

#[derive(Args)]
pub struct EscalationArgs {
    /// The run: its id, a unique prefix of it, or `last`.
    #[arg(add = ArgValueCompleter::new(complete::names::runs))]
    pub run: String,
    /// The step that failed and waits (`on fail pause`).
    #[arg(add = ArgValueCompleter::new(complete::names::gates))]
    pub step: String,
    /// Who decides (recorded; default: $USER; with --server, the API key's name).
    #[arg(long = "as", value_name = "NAME")]
    pub by: Option<String>,
    /// Why: recorded with the decision, shown by `wfc status`.
    #[arg(long, value_name = "TEXT")]
    pub comment: Option<String>,
    #[command(flatten)]
    pub store: StoreArgs,
    #[command(flatten)]
    pub remote: ServerArgs,
}

#[derive(Args)]
pub struct DecideArgs {
    /// The run: its id, a unique prefix of it, or `last`.
    #[arg(add = ArgValueCompleter::new(complete::names::runs))]
    pub run: String,
    /// The gate step (an instance name such as `approve[eu-west]`).
    #[arg(add = ArgValueCompleter::new(complete::names::gates))]
    pub gate: String,
    /// Who decides (recorded as the gate's `approved_by`; default: $USER;
    /// with --server, the API key's name).
    #[arg(long = "as", value_name = "NAME")]
    pub by: Option<String>,
    /// A value for one of the gate's `inputs` (approve only; repeatable),
    /// checked against its declaration as `--param` values are.
    #[arg(long = "input", value_name = "NAME=VALUE")]
    pub inputs: Vec<String>,
    /// Why: recorded with the decision, shown by `wfc status`.
    #[arg(long, value_name = "TEXT")]
    pub comment: Option<String>,
    #[command(flatten)]
    pub store: StoreArgs,
    #[command(flatten)]
    pub remote: ServerArgs,
}

impl DecideArgs {
    /// `--input` values as given (typed text, read by each input's type)
    /// and the comment; or why they cannot be read (exit 2).
    pub fn body(&self, decision: Decision) -> Result<serde_json::Value, ExitCode> {
        let mut inputs = serde_json::Map::new();
        for arg in &self.inputs {
            match arg.split_once('=') {
                Some((name, value)) if !name.trim().is_empty() => {
                    inputs.insert(name.trim().to_owned(), value.into());
                }
                _ => {
                    crate::cli::say::err(&format!(
                        "error: `--input {arg}` is not NAME=VALUE (e.g. `--input rollout=25`)"
                    ));
                    return Err(ExitCode::from(2));
                }
            }
        }
        if decision == Decision::Rejected && !inputs.is_empty() {
            crate::cli::say::err("error: a rejection takes no `--input`");
            return Err(ExitCode::from(2));
        }
        let mut body = serde_json::json!({ "inputs": inputs });
        if let Some(c) = self.comment.as_deref().filter(|c| !c.trim().is_empty()) {
            body["comment"] = c.trim().into();
        }
        Ok(body)
    }
}

pub fn cancel(args: CancelArgs) -> ExitCode {
    if let Some(client) = args.remote.client() {
        return client.map_or_else(|code| code, |c| super::remote::commands::cancel(&c, &args));
    }
    let (store, id) = match args.store.open_run(&args.run) {
        Ok(x) => x,
        Err(code) => return code,
    };
    if let Err(e) = control::request_cancel(&store, &id) {
        crate::cli::say::err(&format!("error: {e}"));
        return ExitCode::from(1);
    }
    crate::cli::say::out(&format!("asked run {id} to cancel"));
    // A parked run has no process to take the cancel: a server serving it
    // wakes it to cancel it; with none, `wfc resume` does.
    if wfc_store::park::is_parked(&store, &id).unwrap_or(false) {
        crate::cli::say::err(&format!(
            "wfc: run {id} waits parked, with no process: a `wfc serve` on this state folder cancels it at once (its compensations and `finally` run); with none running, `wfc resume {id}` does"
        ));
    }
    if !args.wait {
        return ExitCode::SUCCESS;
    }
    wait_for_end(&id, || {
        let _ = control::reap(&store);
        match control::run_status(&store, &id) {
            Ok(Some(s)) => Ok(s),
            Ok(None) => Err(store_error(format!("run {id} vanished"))),
            Err(e) => Err(store_error(e)),
        }
    })
}

pub fn pause(args: PauseArgs) -> ExitCode {
    if let Some(client) = args.remote.client() {
        return client.map_or_else(|code| code, |c| super::remote::commands::pause(&c, &args));
    }
    let (store, id) = match args.store.open_run(&args.run) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let by = args
        .by
        .clone()
        .filter(|b| !b.trim().is_empty())
        .unwrap_or_else(login_name);
    if let Err(e) = wfc_store::pause::pause(&store, &id, &by) {
        crate::cli::say::err(&format!("error: {e}"));
        return ExitCode::from(1);
    }
    // Until the run's process took it: from then on nothing new starts.
    let start = Instant::now();
    let taken = loop {
        let _ = control::reap(&store);
        match wfc_store::pause::taken(&store, &id) {
            Ok(true) => break true,
            Ok(false) if start.elapsed() < PAUSE_TAKEN => std::thread::sleep(control::POLL / 4),
            Ok(false) => break false,
            Err(e) => return store_error(e),
        }
    };
    if taken {
        crate::cli::say::out(&format!(
            "paused run {id}: its running steps finish, nothing new starts; `wfc resume {id}` lets it go on"
        ));
    } else {
        crate::cli::say::out(&format!(
            "asked run {id} to pause; its process has not taken the pause yet (it will when it next looks); `wfc resume {id}` lets it go on"
        ));
    }
    ExitCode::SUCCESS
}

/// How long `wfc pause` waits for the run's process to take the pause.
const PAUSE_TAKEN: Duration = Duration::from_secs(5);

/// `--wait`: asks `status` until the run is no longer running, waiting
/// or paused (at most 60 s), and says how it ended.
pub fn wait_for_end(id: &str, mut status: impl FnMut() -> Result<String, ExitCode>) -> ExitCode {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(60) {
        match status() {
            Ok(s) if matches!(s.as_str(), "running" | "waiting" | "paused") => {
                std::thread::sleep(control::POLL)
            }
            Ok(s) => {
                crate::cli::say::out(&format!("run {id} is {s}"));
                return ExitCode::SUCCESS;
            }
            Err(code) => return code,
        }
    }
    crate::cli::say::err(&format!("error: run {id} is still running after 60 s"));
    ExitCode::from(1)
}

pub fn decide(args: DecideArgs, decision: Decision) -> ExitCode {
    if let Some(client) = args.remote.client() {
        return client.map_or_else(
            |code| code,
            |c| super::remote::commands::decide(&c, &args, decision),
        );
    }
    let (store, id) = match args.store.open_run(&args.run) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let body = match args.body(decision) {
        Ok(b) => b,
        Err(code) => return code,
    };
    let by = args
        .by
        .clone()
        .filter(|b| !b.trim().is_empty())
        .unwrap_or_else(login_name);
    let d = wfc_contract::GateDecision {
        inputs: body["inputs"].as_object().cloned().unwrap_or_default(),
        comment: body["comment"].as_str().unwrap_or_default().to_owned(),
        ..decision.by(&by)
    };
    if let Err(e) = control::decide(&store, &id, &args.gate, &d) {
        crate::cli::say::err(&format!("error: {e}"));
        return ExitCode::from(1);
    }
    let status = control::run_status(&store, &id)
        .ok()
        .flatten()
        .unwrap_or_default();
    let what = decision.name();
    let done = format!("{what} gate `{}` of run {id} as {by}", args.gate);
    crate::cli::say::out(&with_status(done, &id, &status, "`wfc resume {id}`"));
    ExitCode::SUCCESS
}

/// `wfc retry|skip|abort RUN STEP`: decides on a step that failed after
/// its retries and waits for a person (`on fail pause`). Recorded as a
/// gate's decision is: an approval whose `action` input says `retry` or
/// `skip`, or a rejection (`abort`).
pub fn escalation(args: EscalationArgs, what: wfc_contract::Escalation) -> ExitCode {
    use wfc_contract::Escalation;
    let comment = args
        .comment
        .as_deref()
        .map(str::trim)
        .unwrap_or_default()
        .to_owned();
    let mut inputs = serde_json::Map::new();
    if what != Escalation::Abort {
        inputs.insert(wfc_contract::approvals::ACTION.into(), what.name().into());
    }
    if let Some(client) = args.remote.client() {
        return client.map_or_else(
            |code| code,
            |c| super::remote::commands::escalation(&c, &args, what, inputs, &comment),
        );
    }
    let (store, id) = match args.store.open_run(&args.run) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let by = args
        .by
        .clone()
        .filter(|b| !b.trim().is_empty())
        .unwrap_or_else(login_name);
    let decision = if what == Escalation::Abort {
        Decision::Rejected
    } else {
        Decision::Approved
    };
    let d = wfc_contract::GateDecision {
        inputs,
        comment,
        ..decision.by(&by)
    };
    if let Err(e) = control::decide(&store, &id, &args.step, &d) {
        crate::cli::say::err(&format!("error: {e}"));
        return ExitCode::from(1);
    }
    let done = match what {
        Escalation::Retry => "runs again",
        Escalation::Skip => "is skipped: its failure no longer fails the run",
        Escalation::Abort => "fails: the run goes on as its failure says",
    };
    crate::cli::say::out(&format!(
        "step `{}` of run {id} {done} (decided by {by})",
        args.step
    ));
    ExitCode::SUCCESS
}

/// A decision's message, with what to do when the run stopped before it
/// went on (`resume` says how to continue it; `{id}` stands for the run).
/// A run that went on and ended since, or still runs, needs nothing.
pub fn with_status(done: String, id: &str, status: &str, resume: &str) -> String {
    if matches!(status, "failed" | "cancelled" | "interrupted") {
        let resume = resume.replace("{id}", id);
        format!("{done}; the run is {status}: {resume} continues it")
    } else {
        done
    }
}

/// Who is deciding, when `--as` does not say: `$USER`, else `$LOGNAME`,
/// else the account's name in the password database, else `uid N` (a
/// container or a cron job may set neither variable).
pub(crate) fn login_name() -> String {
    ["USER", "LOGNAME"]
        .iter()
        .filter_map(|v| std::env::var(v).ok())
        .find(|n| !n.trim().is_empty())
        .or_else(|| {
            let uid = nix::unistd::getuid();
            nix::unistd::User::from_uid(uid)
                .ok()
                .flatten()
                .map(|u| u.name)
        })
        .unwrap_or_else(|| format!("uid {}", nix::unistd::getuid()))
}

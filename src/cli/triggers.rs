//! `wfc triggers pause|resume WORKFLOW [KIND]`, `wfc triggers list`: stop a
//! workflow's triggers from starting runs under `wfc serve`, and let them
//! again ([`wfc_store::pause`]), as Airflow's `dags pause` and Kestra's
//! toggle do. The pause lives in the run store, which the server reads at
//! each firing: a paused schedule's slots are kept as ignored firings (no
//! catching up once resumed), a changed file is ignored, and a webhook is
//! answered 409 (`API102`). Runs started by hand or through the API are not
//! triggers: they still start.

use super::history::{store_error, StoreArgs};
use super::remote::ServerArgs;
use super::say;
use clap::{Args, Subcommand};
use std::process::ExitCode;
use wfc_store::pause::{self, PausedTrigger, TRIGGER_KINDS};

#[derive(Args)]
pub struct TriggersArgs {
    #[command(subcommand)]
    pub command: TriggersCommand,
}

#[derive(Subcommand)]
pub enum TriggersCommand {
    /// Stop a workflow's triggers (all, or one kind) from starting runs.
    #[command(
        after_help = "KIND is schedule, webhook or change; without it, every trigger of the workflow.\n\nExamples:\n  wfc triggers pause nightly\n  wfc triggers pause deploy webhook\n  wfc triggers pause deploy --server http://127.0.0.1:7878 --api-key-file ~/.wfc-key\n\nA paused schedule's slots are recorded as ignored (not caught up later); a paused webhook is answered 409 (API102); a changed file is ignored.\n\nExit status: 0 paused, 2 bad arguments (an unknown kind; with --server, an unknown workflow)."
    )]
    Pause(TriggerArgs),
    /// Let a workflow's paused triggers (all, or one kind) start runs again.
    #[command(
        after_help = "Examples:\n  wfc triggers resume nightly\n  wfc triggers resume deploy webhook"
    )]
    Resume(TriggerArgs),
    /// List the paused triggers.
    #[command(after_help = "Example:\n  wfc triggers list --format json")]
    List(ListArgs),
}

#[derive(Args)]
pub struct TriggerArgs {
    /// The workflow, by name.
    pub workflow: String,
    /// schedule, webhook or change (default: every kind).
    pub kind: Option<String>,
    /// Who pauses them (recorded; default: $USER; with --server, the API key's name).
    #[arg(long = "as", value_name = "NAME")]
    pub by: Option<String>,
    #[command(flatten)]
    pub store: StoreArgs,
    #[command(flatten)]
    pub remote: ServerArgs,
}

#[derive(Args)]
pub struct ListArgs {
    #[arg(long, value_enum, default_value = "text")]
    pub format: super::Format,
    #[command(flatten)]
    pub store: StoreArgs,
    #[command(flatten)]
    pub remote: ServerArgs,
}

pub fn run(args: TriggersArgs) -> ExitCode {
    match args.command {
        TriggersCommand::Pause(a) => change(a, true),
        TriggersCommand::Resume(a) => change(a, false),
        TriggersCommand::List(a) => list(a),
    }
}

fn change(args: TriggerArgs, paused: bool) -> ExitCode {
    if let Some(kind) = args.kind.as_deref() {
        if !TRIGGER_KINDS.contains(&kind) {
            say::err(&format!(
                "error: `{kind}` is no kind of trigger: one of {} (none: every kind)",
                TRIGGER_KINDS.join(", ")
            ));
            return ExitCode::from(2);
        }
    }
    let what = match args.kind.as_deref() {
        Some(k) => format!("the {k} triggers of workflow `{}`", args.workflow),
        None => format!("the triggers of workflow `{}`", args.workflow),
    };
    if let Some(client) = args.remote.client() {
        let Ok(client) = client else {
            return client.err().unwrap_or(ExitCode::from(2));
        };
        if args.by.is_some() {
            say::err(
                "error: --as is not taken with --server: the server records the API key's name",
            );
            return ExitCode::from(2);
        }
        let route = if paused { "pause" } else { "resume" };
        let body = serde_json::json!({ "kind": args.kind });
        let path = ["workflows", args.workflow.as_str(), "triggers", route];
        return match client.post_json::<serde_json::Value>(&path, &body) {
            Ok(_) => done(&what, paused),
            Err(f) => f.print(),
        };
    }
    let store = match wfc_store::Store::open(&args.store.dir()) {
        Ok(s) => s,
        Err(e) => return store_error(e),
    };
    let result = if paused {
        let by = args
            .by
            .clone()
            .filter(|b| !b.trim().is_empty())
            .unwrap_or_else(super::act::login_name);
        pause::pause_triggers(&store, &args.workflow, args.kind.as_deref(), &by).map(drop)
    } else {
        pause::resume_triggers(&store, &args.workflow, args.kind.as_deref()).map(|n| {
            if n == 0 {
                say::out(&format!("{what} were not paused"));
            }
        })
    };
    match result {
        Ok(()) => done(&what, paused),
        Err(e) => store_error(e),
    }
}

fn done(what: &str, paused: bool) -> ExitCode {
    if paused {
        say::out(&format!(
            "paused {what}: under `wfc serve` they start no run until `wfc triggers resume`"
        ));
    } else {
        say::out(&format!("{what} fire again"));
    }
    ExitCode::SUCCESS
}

fn list(args: ListArgs) -> ExitCode {
    let all: Vec<PausedTrigger> = match args.remote.client() {
        Some(Ok(client)) => match client.get(&["triggers", "paused"], &[]) {
            Ok(all) => all,
            Err(f) => return f.print(),
        },
        Some(Err(code)) => return code,
        None => match wfc_store::Store::open_existing(&args.store.dir()) {
            Ok(Some(store)) => match pause::paused_triggers(&store) {
                Ok(all) => all,
                Err(e) => return store_error(e),
            },
            Ok(None) => Vec::new(),
            Err(e) => return store_error(e),
        },
    };
    if args.format == super::Format::Json {
        say::out(&serde_json::to_string_pretty(&all).unwrap_or_default());
        return ExitCode::SUCCESS;
    }
    if all.is_empty() {
        say::out("no trigger is paused");
        return ExitCode::SUCCESS;
    }
    for p in &all {
        let kind = if p.kind == "*" {
            "every trigger"
        } else {
            p.kind.as_str()
        };
        say::out(&format!(
            "{}  {kind}  paused by {} at {}",
            p.workflow,
            p.by,
            pause::when(p.at)
        ));
    }
    ExitCode::SUCCESS
}

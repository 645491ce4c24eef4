//! `wfc alerts [WORKFLOW]`: the alert rules of the workflows under the
//! current folder (or `--path`), each with its state in the run store and
//! its last firing; `wfc alerts test WORKFLOW RULE`: a test message through
//! the rule's channels, saying where each went — never a webhook URL, a
//! token or a password.

use super::history::{store_error, StoreArgs};
use super::remote::ServerArgs;
use super::{read_input, say, Format};
use crate::cli::complete;
use clap::{Args, Subcommand};
use clap_complete::engine::ArgValueCompleter;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::process::ExitCode;
use wfc_language::diag::Diagnostic;
use wfc_plan::alerts::Rules;
use wfc_store::alerts::AlertState;
use wfc_store::pause::when;

#[derive(Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct AlertsArgs {
    #[command(subcommand)]
    pub command: Option<AlertsCommand>,
    /// Only the rules of this workflow (its name).
    #[arg(add = ArgValueCompleter::new(complete::names::recorded_workflows))]
    pub workflow: Option<String>,
    #[command(flatten)]
    pub paths: PathArgs,
    /// `text` (a table) or `json` (for tools).
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
    #[command(flatten)]
    pub store: StoreArgs,
    #[command(flatten)]
    pub remote: ServerArgs,
}

#[derive(Args)]
pub struct PathArgs {
    /// Files or folders holding the workflows (every `.wf` below them; default: the current folder).
    #[arg(long = "path", value_name = "PATH")]
    pub paths: Vec<PathBuf>,
}

#[derive(Subcommand)]
pub enum AlertsCommand {
    /// Send a test message through each channel of a rule.
    #[command(
        after_help = "WORKFLOW is a workflow's name (found under --path, default the current folder) or its file.\n\nExamples:\n  wfc alerts test nightly failing\n  wfc alerts test flows/nightly.wf failing\n\nExit status: 0 every channel took the message, 1 one did not, 2 no such workflow or rule."
    )]
    Test(TestArgs),
}

#[derive(Args)]
pub struct TestArgs {
    /// The workflow: its name, or its file.
    pub workflow: String,
    /// The rule: `alert NAME { … }`.
    pub rule: String,
    #[command(flatten)]
    pub paths: PathArgs,
    #[command(flatten)]
    pub store: StoreArgs,
}

/// One rule in the listing (as `GET /api/v1/alerts` has it, with the file
/// when listed from the files here).
#[derive(Serialize, Deserialize)]
struct Row {
    workflow: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    file: Option<String>,
    alert: String,
    condition: String,
    channels: Vec<String>,
    cooldown_seconds: f64,
    /// `ok` or `firing` (`ok` for a rule never decided).
    state: String,
    since: Option<String>,
    last_fired_at: Option<String>,
    last_resolved_at: Option<String>,
    /// What the runs did at the last decision.
    last_value: Option<String>,
    last_run: Option<String>,
    /// The last send that failed, until one succeeds.
    last_error: Option<String>,
}

pub fn run(args: AlertsArgs) -> ExitCode {
    match args.command {
        Some(AlertsCommand::Test(t)) => test(t),
        None => list(args),
    }
}

/// The rules of every workflow under `paths` (`None`: an error was said).
fn load(paths: &PathArgs) -> Option<Vec<(String, Rules)>> {
    let roots = if paths.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        paths.paths.clone()
    };
    let found = wfc_serve::discover::workflow_files(&roots);
    for root in &found.missing {
        say::err(&format!("error: {} does not exist", root.display()));
    }
    if !found.missing.is_empty() {
        return None;
    }
    let mut out = Vec::new();
    for path in &found.files {
        let (name, text) = match read_input(path) {
            Ok(t) => t,
            Err(msg) => {
                say::err(&msg);
                return None;
            }
        };
        let program = super::program::load(&name, text);
        let analysis = &program.root().analysis;
        if analysis.diagnostics().iter().any(Diagnostic::is_error) {
            say::err(&format!(
                "warning: {name} has errors (`wfc check {name}`): its rules are not listed"
            ));
            continue;
        }
        for w in analysis.module.iter().flat_map(|m| &m.workflows) {
            out.push((name.clone(), Rules::of(&w.ir)));
        }
    }
    Some(out)
}

fn list(args: AlertsArgs) -> ExitCode {
    match args.remote.client() {
        None => {}
        Some(Err(code)) => return code,
        Some(Ok(client)) => {
            let query: Vec<(&str, &str)> = (args.workflow.as_deref())
                .map(|w| ("workflow", w))
                .into_iter()
                .collect();
            return match client.get::<Vec<Row>>(&["alerts"], &query) {
                Ok(rows) => show(&rows, args.format, args.workflow.as_deref()),
                Err(f) => f.print(),
            };
        }
    }
    let Some(all) = load(&args.paths) else {
        return ExitCode::from(2);
    };
    let states: Vec<AlertState> = match args.store.open_listing() {
        Ok(Some(store)) => match wfc_store::alerts::list(&store, args.workflow.as_deref()) {
            Ok(s) => s,
            Err(e) => return store_error(e),
        },
        Ok(None) => Vec::new(),
        Err(code) => return code,
    };
    let mut rows = Vec::new();
    for (file, rules) in &all {
        if args.workflow.as_ref().is_some_and(|w| *w != rules.workflow) {
            continue;
        }
        for a in &rules.alerts {
            let s = states
                .iter()
                .find(|s| s.workflow == rules.workflow && s.alert == a.name);
            rows.push(Row {
                workflow: rules.workflow.clone(),
                file: Some(file.clone()),
                alert: a.name.clone(),
                condition: a.condition.show(),
                channels: (a.channels.iter())
                    .map(|c| c.kind.name().to_owned())
                    .collect(),
                cooldown_seconds: a.cooldown_ms as f64 / 1000.0,
                state: s.map_or("ok", |s| s.state.as_str()).to_owned(),
                since: s.map(|s| when(s.since)),
                last_fired_at: s.and_then(|s| s.last_fired_at).map(when),
                last_resolved_at: s.and_then(|s| s.last_resolved_at).map(when),
                last_value: s.and_then(|s| s.last_value.clone()),
                last_run: s.and_then(|s| s.last_run.clone()),
                last_error: s.and_then(|s| s.last_error.clone()),
            });
        }
    }
    if let Some(w) = &args.workflow {
        if !all.iter().any(|(_, r)| r.workflow == *w) {
            let names: Vec<&str> = all.iter().map(|(_, r)| r.workflow.as_str()).collect();
            let hint = match wfc_language::diag::did_you_mean(w, names.iter().copied()) {
                Some(near) => format!(" (did you mean `{near}`?)"),
                None => String::new(),
            };
            say::err(&format!(
                "error: no workflow `{w}` here{hint}; `--path` says where the workflows are"
            ));
            return ExitCode::from(2);
        }
    }
    show(&rows, args.format, args.workflow.as_deref())
}

/// Prints `rows` as a table or JSON.
fn show(rows: &[Row], format: Format, workflow: Option<&str>) -> ExitCode {
    if format == Format::Json {
        say::out(&serde_json::to_string_pretty(&rows).unwrap_or_default());
        return ExitCode::SUCCESS;
    }
    if rows.is_empty() {
        match workflow {
            Some(w) => say::out(&format!("workflow `{w}` has no alert rules")),
            None => say::out("no alert rules in the workflows here"),
        }
        return ExitCode::SUCCESS;
    }
    let dash = || "-".to_owned();
    let mut table = vec![[
        "WORKFLOW".to_owned(),
        "RULE".to_owned(),
        "CONDITION".to_owned(),
        "STATE".to_owned(),
        "SINCE".to_owned(),
        "LAST FIRED".to_owned(),
    ]];
    for r in rows {
        table.push([
            r.workflow.clone(),
            r.alert.clone(),
            r.condition.clone(),
            r.state.clone(),
            r.since.clone().unwrap_or_else(dash),
            r.last_fired_at.clone().unwrap_or_else(dash),
        ]);
    }
    let widths: Vec<usize> = (0..6)
        .map(|i| {
            table
                .iter()
                .map(|r| r[i].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    for r in &table {
        let line: Vec<String> = (r.iter().zip(&widths))
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        say::out(line.join("  ").trim_end());
    }
    for r in rows.iter().filter(|r| r.last_error.is_some()) {
        say::out(&format!(
            "{} {}: the last message was not sent: {}",
            r.workflow,
            r.alert,
            r.last_error.as_deref().unwrap_or_default()
        ));
    }
    ExitCode::SUCCESS
}

fn test(args: TestArgs) -> ExitCode {
    let file = PathBuf::from(&args.workflow);
    let paths = if file.is_file() {
        PathArgs {
            paths: vec![file.clone()],
        }
    } else {
        args.paths
    };
    let Some(all) = load(&paths) else {
        return ExitCode::from(2);
    };
    let rules = if file.is_file() {
        let mut found: Vec<Rules> = all.into_iter().map(|(_, r)| r).collect();
        if found.len() > 1 {
            say::err(&format!(
                "error: {} holds more than one workflow: name one of them instead",
                args.workflow
            ));
            return ExitCode::from(2);
        }
        found.pop()
    } else {
        all.into_iter()
            .map(|(_, r)| r)
            .find(|r| r.workflow == args.workflow)
    };
    let Some(rules) = rules else {
        say::err(&format!(
            "error: no workflow `{}` here (`--path` says where the workflows are)",
            args.workflow
        ));
        return ExitCode::from(2);
    };
    let Some(alert) = rules.get(&args.rule).cloned() else {
        let names: Vec<&str> = rules.alerts.iter().map(|a| a.name.as_str()).collect();
        say::err(&format!(
            "error: workflow `{}` has no alert rule `{}` (its rules: {})",
            rules.workflow,
            args.rule,
            if names.is_empty() {
                "none".to_owned()
            } else {
                names.join(", ")
            }
        ));
        return ExitCode::from(2);
    };
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
    let dir = args.store.dir();
    let sent = runtime.block_on(wfc_launch::alerts::test(Some(&dir), &rules, &alert));
    let mut failed = false;
    for s in &sent {
        match &s.result {
            Ok(()) => say::out(&format!(
                "sent a test message of `{}` to {}",
                alert.name, s.channel
            )),
            Err(e) => {
                failed = true;
                say::err(&format!(
                    "error: the test message of `{}` to {} was not sent: {e}",
                    alert.name, s.channel
                ));
            }
        }
    }
    if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

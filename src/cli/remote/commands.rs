//! The commands of [`super`] against a server: each reads the API's JSON
//! into the store's structs and prints them with the local command's
//! printer, with its exit codes.

use super::{Client, Failure};
use crate::cli::act::{self, CancelArgs, DecideArgs, EscalationArgs, PauseArgs};
use crate::cli::history::{self, HistoryArgs};
use crate::cli::logs::{self, LogsArgs};
use crate::cli::status::{self, Hints, StatusArgs};
use serde::Deserialize;
use std::io::Write;
use std::process::ExitCode;
use wfc_store::control::Decision;
use wfc_store::query::{RunDetail, RunRow};

/// The most runs the API gives in one page.
const PAGE: usize = 500;

/// `wfc status --server`.
pub fn status(client: &Client, args: &StatusArgs) -> ExitCode {
    if args.events {
        return unsupported(
            "--events",
            "GET /api/v1/runs/RUN/events streams a run's events",
        );
    }
    match detail(client, &args.run) {
        Ok(d) => {
            let flag = client.flag();
            let hints = Hints {
                flag: &flag,
                remote: true,
            };
            status::show(&d, args, &hints)
        }
        Err(f) => f.print(),
    }
}

/// `wfc history --server`: pages of `GET /runs` until `--limit` runs.
pub fn history(client: &Client, args: &HistoryArgs) -> ExitCode {
    #[derive(Deserialize)]
    struct Page {
        runs: Vec<RunRow>,
        next_cursor: Option<String>,
    }
    let statuses = args.status.join(",");
    let (since, until) = (
        args.since.map(|t| t.to_string()),
        args.until.map(|t| t.to_string()),
    );
    let mut runs = Vec::new();
    let mut cursor: Option<String> = None;
    while runs.len() < args.limit {
        let limit = (args.limit - runs.len()).min(PAGE).to_string();
        let mut query = vec![("limit", limit.as_str())];
        if let Some(w) = &args.workflow {
            query.push(("workflow", w));
        }
        if let Some(t) = &args.trigger {
            query.push(("trigger", t));
        }
        if let Some(t) = &args.tag {
            query.push(("tag", t));
        }
        if !statuses.is_empty() {
            query.push(("status", &statuses));
        }
        if let Some(s) = &since {
            query.push(("since", s));
        }
        if let Some(u) = &until {
            query.push(("until", u));
        }
        if let Some(c) = &cursor {
            query.push(("cursor", c));
        }
        let page: Page = match client.get(&["runs"], &query) {
            Ok(p) => p,
            Err(f) => return f.print(),
        };
        runs.extend(page.runs);
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    history::show(&runs, args)
}

/// `wfc logs --server RUN [STEP]`: the step's log, or every step's in the
/// order they started under `==> STEP <==` headers.
pub fn logs(client: &Client, args: &LogsArgs) -> ExitCode {
    if args.follow {
        return unsupported(
            "--follow",
            "GET /api/v1/runs/RUN/events streams a run's lines",
        );
    }
    let d = match detail(client, &args.run) {
        Ok(d) => d,
        Err(f) => return f.print(),
    };
    let id = &d.run.id;
    if let Some(step) = &args.step {
        if !d.step_list.iter().any(|s| &s.name == step) {
            crate::cli::say::err(&logs::no_step(id, step, &client.flag()));
            return ExitCode::from(2);
        }
    }
    // The steps, in the order they started (as the local command reads
    // the store); the API gives a step's log by its name.
    let mut steps: Vec<_> = d
        .step_list
        .iter()
        .filter(|s| args.step.as_ref().is_none_or(|n| &s.name == n))
        .filter(|s| !args.failed || logs::failed_for_good(&s.status))
        .collect();
    steps.sort_by(|a, b| a.started_at.cmp(&b.started_at));
    let mut names: Vec<(&str, &str)> = Vec::new();
    let mut printed_any = false;
    let mut out = std::io::stdout().lock();
    for s in steps {
        if names.contains(&(s.name.as_str(), s.graph.as_str())) {
            continue;
        }
        names.push((&s.name, &s.graph));
        let text = match &s.log {
            Some(_) => match client.text(&["runs", id, "logs", &s.name]) {
                Ok(t) => t,
                Err(f) => return f.print(),
            },
            None => String::new(),
        };
        let failures = logs::failures(&s.attempt_log);
        if text.is_empty() && failures.is_empty() {
            continue;
        }
        if args.step.is_none() {
            let label = logs::label(s.name.clone(), &s.graph);
            let _ = writeln!(out, "{}", logs::header(&label, !printed_any));
        }
        let _ = out.write_all(crate::cli::say::NoClipboard::line(&text).as_bytes());
        for f in failures {
            let _ = writeln!(out, "{f}");
        }
        printed_any = true;
    }
    let _ = out.flush();
    if !printed_any {
        crate::cli::say::err(logs::NO_OUTPUT);
    }
    ExitCode::SUCCESS
}

/// `wfc cancel --server RUN [--wait]`.
pub fn cancel(client: &Client, args: &CancelArgs) -> ExitCode {
    let id = match client.post::<Accepted>(&["runs", &args.run, "cancel"]) {
        Ok(a) => {
            crate::cli::say::out(&a.detail);
            a.id
        }
        Err(f) => return f.print(),
    };
    if !args.wait {
        return ExitCode::SUCCESS;
    }
    act::wait_for_end(&id, || {
        detail(client, &id)
            .map(|d| d.run.status)
            .map_err(|f| f.print())
    })
}

/// `wfc pause --server RUN`: paused by the API key's name.
pub fn pause(client: &Client, args: &PauseArgs) -> ExitCode {
    if args.by.is_some() {
        crate::cli::say::err(
            "error: --as is not taken with --server: the server records the API key's name",
        );
        return ExitCode::from(2);
    }
    match client.post::<Accepted>(&["runs", &args.run, "pause"]) {
        Ok(a) => {
            crate::cli::say::out(&a.detail);
            ExitCode::SUCCESS
        }
        Err(f) => f.print(),
    }
}

/// `wfc retry|skip|abort --server RUN STEP`: an approval with the
/// `action` input, or a rejection, by the API key's name.
pub fn escalation(
    client: &Client,
    args: &EscalationArgs,
    what: wfc_contract::Escalation,
    inputs: serde_json::Map<String, serde_json::Value>,
    comment: &str,
) -> ExitCode {
    if args.by.is_some() {
        crate::cli::say::err(
            "error: --as is not taken with --server: the server records the API key's name",
        );
        return ExitCode::from(2);
    }
    let id = match detail(client, &args.run) {
        Ok(d) => d.run.id,
        Err(f) => return f.print(),
    };
    let route = match what {
        wfc_contract::Escalation::Abort => "reject",
        _ => "approve",
    };
    let mut body = serde_json::json!({ "inputs": inputs });
    if !comment.is_empty() {
        body["comment"] = comment.into();
    }
    let path = ["runs", &id, "gates", &args.step, route];
    match client.post_json::<serde_json::Value>(&path, &body) {
        Ok(_) => {
            crate::cli::say::out(&format!(
                "asked {} of step `{}` of run {id}",
                what.name(),
                args.step
            ));
            ExitCode::SUCCESS
        }
        Err(f) => f.print(),
    }
}

/// `wfc approve|reject --server RUN GATE`: decided by the API key's name.
pub fn decide(client: &Client, args: &DecideArgs, decision: Decision) -> ExitCode {
    if args.by.is_some() {
        crate::cli::say::err(
            "error: --as is not taken with --server: the server records the API key's name",
        );
        return ExitCode::from(2);
    }
    // The run first: an unknown run is a bad invocation (2), while an
    // unknown gate of a known run is a refusal (1), as locally.
    let id = match detail(client, &args.run) {
        Ok(d) => d.run.id,
        Err(f) => return f.print(),
    };
    let route = match decision {
        Decision::Approved => "approve",
        Decision::Rejected => "reject",
    };
    let body = match args.body(decision) {
        Ok(b) => b,
        Err(code) => return code,
    };
    let path = ["runs", &id, "gates", &args.gate, route];
    let done = match client.post_json::<Accepted>(&path, &body) {
        Ok(a) => a.detail,
        Err(f) if f.code == "API003" || f.code == "API004" => {
            crate::cli::say::err(&format!("error[{}]: {}", f.code, f.detail));
            return ExitCode::from(1);
        }
        Err(f) => return f.print(),
    };
    let status = detail(client, &id)
        .map(|d| d.run.status)
        .unwrap_or_default();
    let resume = "`POST /api/v1/runs/{id}/resume`";
    crate::cli::say::out(&act::with_status(done, &id, &status, resume));
    ExitCode::SUCCESS
}

/// What the API answers a cancel or a decision.
#[derive(Deserialize)]
struct Accepted {
    id: String,
    detail: String,
}

/// `GET /runs/RUN?steps=all`: the run as `wfc status --format json` shows
/// it, every step in one answer (the API pages them by default).
fn detail(client: &Client, run: &str) -> Result<RunDetail, Failure> {
    client.get(&["runs", run], &[("steps", "all")])
}

/// A flag the server's API has no answer for yet: exit 2, and what to use.
fn unsupported(flag: &str, instead: &str) -> ExitCode {
    crate::cli::say::err(&format!(
        "error: {flag} is not available with --server ({instead})"
    ));
    ExitCode::from(2)
}

//! `wfc status RUN`: one run in detail — every step's state, attempts and
//! durations, what it waits for, and what to do next (approve, cancel, resume).

use super::history::{dur, store_error, StoreArgs};
use super::remote::ServerArgs;
use super::say::{self, escaped, escaped_lines};
use super::usage;
use super::Format;
use crate::cli::complete;
use clap::Args;
use clap_complete::engine::ArgValueCompleter;
use std::process::ExitCode;
use wfc_store::control::shell_word;
use wfc_store::query::{self, RunDetail, StepRow};

#[derive(Args)]
pub struct StatusArgs {
    /// The run: its id, a unique prefix of it, or `last`.
    #[arg(add = ArgValueCompleter::new(complete::names::runs))]
    pub run: String,
    /// `text`, or `json` (the run with `step_list`, each step with its `attempt_log`).
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
    /// Also list each attempt of each step.
    #[arg(short, long)]
    pub attempts: bool,
    /// Print the run's event log (every recorded state change) instead.
    #[arg(long)]
    pub events: bool,
    /// Redraw the status as the run goes, until it ends (on a terminal;
    /// elsewhere, wait for its end and print it once). With --server, from
    /// the server's live events.
    #[arg(long, conflicts_with = "events")]
    pub watch: bool,
    #[command(flatten)]
    pub store: StoreArgs,
    #[command(flatten)]
    pub remote: ServerArgs,
}

pub fn run(args: StatusArgs) -> ExitCode {
    if let Some(client) = args.remote.client() {
        return client.map_or_else(
            |code| code,
            |c| match args.watch {
                true => super::watch::remote(&c, &args),
                false => super::remote::commands::status(&c, &args),
            },
        );
    }
    let (store, id) = match args.store.open_run(&args.run) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let detail = match query::detail(&store, &id) {
        Ok(Some(d)) => d,
        Ok(None) => return store_error(format!("run {id} vanished")),
        Err(e) => return store_error(e),
    };
    if args.events {
        return events(&store, &id, args.format);
    }
    let flag = state_dir_flag(&args.store);
    let hints = Hints {
        flag: &flag,
        remote: false,
    };
    if args.watch {
        return super::watch::local(&store, &id, &args, &hints);
    }
    let shown = show(&detail, &args, &hints);
    if args.format == Format::Text {
        print!("{}", escaped_lines(&artifacts_text(&store, &id, &flag)));
    }
    shown
}

/// The files the run's steps kept (none: nothing), and how to copy them out.
fn artifacts_text(store: &wfc_store::Store, id: &str, flag: &str) -> String {
    let all = wfc_store::artifacts::list(store, id).unwrap_or_default();
    if all.is_empty() {
        return String::new();
    }
    let step_w = all.iter().map(|a| a.step.len()).max().unwrap_or(0);
    let name_w = all.iter().map(|a| a.name.len()).max().unwrap_or(0);
    let mut out = format!("ARTIFACTS (`wfc artifacts{flag} {id} -o DIR` copies them out)\n");
    for a in &all {
        out.push_str(&format!(
            "{:<step_w$}  {:<name_w$}  {}  {} bytes\n",
            a.step, a.name, a.path, a.size
        ));
    }
    out
}

/// Prints run `detail` as `args` ask (the local store's or a server's).
pub fn show(detail: &RunDetail, args: &StatusArgs, hints: &Hints) -> ExitCode {
    if args.format == Format::Json {
        println!(
            "{}",
            serde_json::to_string_pretty(detail).unwrap_or_default()
        );
        return ExitCode::SUCCESS;
    }
    print!("{}", escaped_lines(&render(detail, args.attempts, hints)));
    ExitCode::SUCCESS
}

/// What the commands the text suggests look like.
pub struct Hints<'a> {
    /// ` --state-dir DIR` or ` --server URL` when the next command needs it.
    pub flag: &'a str,
    /// Read from a server: no `--follow` or `wfc resume` there, but its API.
    pub remote: bool,
}

/// `--events`: the run's event log.
fn events(store: &wfc_store::Store, id: &str, format: Format) -> ExitCode {
    let events = match query::events(store, id) {
        Ok(e) => e,
        Err(e) => return store_error(e),
    };
    if format == Format::Json {
        println!(
            "{}",
            serde_json::to_string_pretty(&events).unwrap_or_default()
        );
        return ExitCode::SUCCESS;
    }
    for e in events {
        let detail = if e.detail.is_null() {
            String::new()
        } else {
            e.detail.to_string()
        };
        let step = e.step.unwrap_or_default();
        let line = format!("{}  {:<16} {step:<20} {detail}", e.at, e.kind);
        println!("{}", escaped(line.trim_end()));
    }
    ExitCode::SUCCESS
}

/// ` --state-dir DIR` when the store is not where a bare `wfc` looks.
pub fn state_dir_flag(args: &StoreArgs) -> String {
    match &args.state_dir {
        Some(d) if std::env::var_os(wfc_store::ENV_VAR).is_none() => {
            format!(" --state-dir {}", shell_word(&d.display().to_string()))
        }
        _ => String::new(),
    }
}

/// Escaped here, so that the columns are as wide as what is printed.
fn step_name(s: &StepRow) -> String {
    let name = escaped(&s.name);
    match (&s.graph[..], &s.rollback_of) {
        ("main", _) => name.into_owned(),
        (_, Some(of)) => format!("{name} (rollback of {})", escaped(of)),
        (g, None) => format!("{name} ({})", g.replace('_', " ")),
    }
}

/// How the waiting text of a step that asks a person after its retries
/// begins (`on fail pause`).
const ESCALATED: &str = "waiting for a person:";

/// The text form.
pub fn render(d: &RunDetail, attempts: bool, hints: &Hints) -> String {
    let flag = hints.flag;
    let r = &d.run;
    let mut o = String::new();
    o.push_str(&format!("Run {} — {} ({})\n", r.id, r.workflow, r.file));
    let mut status = r.status.clone();
    // Held by a person (the store reads it so): say for what.
    let gate_waits = |s: &StepRow| s.status == "waiting" && s.kind == "gate";
    if r.status == "waiting" && d.step_list.iter().any(gate_waits) {
        status = "waiting (for a decision on a gate, below)".to_owned();
    }
    if let Some(p) = d.paused.as_ref().filter(|_| r.status == "paused") {
        status = format!(
            "paused by {} at {} (running steps finish, nothing new starts; `wfc resume{flag} {}` lets it go on)",
            p.by,
            wfc_store::pause::when(p.at),
            r.id
        );
    }
    if let Some(s) = &r.failed_step {
        status.push_str(&format!(
            " at `{s}`: {}",
            say::hanging(r.failed_error.as_deref().unwrap_or(""), "            ")
        ));
    }
    if let Some(w) = &d.waiting_for_lock {
        status.push_str(&format!(
            " — waiting for lock {} (held by run {})",
            w["key"].as_str().unwrap_or_default(),
            w["held_by"].as_str().unwrap_or_default()
        ));
    }
    o.push_str(&format!("  status    {status}\n"));
    o.push_str(&format!(
        "  started   {}{}\n",
        r.started_at,
        match &r.ended_at {
            Some(e) => format!(" · ended {e}"),
            None => String::new(),
        }
    ));
    // A server's answer names `manual` too: say only what is not `wfc run`.
    if let Some(t) = d
        .trigger
        .as_ref()
        .filter(|t| *t != wfc_store::listing::MANUAL)
    {
        let origin = d.origin.as_deref().map(|o| format!(" ({o})"));
        let by = r.started_by.as_deref().map(|b| format!(", by {b}"));
        o.push_str(&format!(
            "  trigger   {t}{}{}\n",
            origin.unwrap_or_default(),
            by.unwrap_or_default()
        ));
    }
    let sessions = if r.sessions > 1 {
        format!(
            " over {} sessions (resumed {}×)",
            r.sessions,
            r.sessions - 1
        )
    } else {
        String::new()
    };
    o.push_str(&format!(
        "  duration  {}{sessions}\n",
        dur(r.duration_seconds)
    ));
    if let Some(p) = r.params.as_object().filter(|p| !p.is_empty()) {
        let shown: Vec<String> = p
            .iter()
            .map(|(k, v)| match v {
                serde_json::Value::String(s) => format!("{k}={}", escaped(s)),
                other => format!("{k}={other}"),
            })
            .collect();
        o.push_str(&format!("  params    {}\n", shown.join(" ")));
    }
    if let Some(out) = d.outputs.as_ref().and_then(|o| o.as_object()) {
        let w = out.keys().map(String::len).max().unwrap_or(0);
        for (i, (k, v)) in out.iter().enumerate() {
            let v = match v {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            let head = if i == 0 { "outputs " } else { "        " };
            o.push_str(&format!("  {head}  {k:w$} = {v}\n"));
        }
    }
    let w = d
        .step_list
        .iter()
        .map(|s| step_name(s).chars().count())
        .max()
        .unwrap_or(4)
        .max(4);
    o.push_str(&format!(
        "\n  {:<w$}  {:<6}  {:<11}  {:>8}  {:>9}  {:>8}  {:>10}  NOTE\n",
        "STEP", "KIND", "STATUS", "ATTEMPTS", "DURATION", "CPU", "PEAK MEM"
    ));
    let mut waiting_gates = Vec::new();
    let mut waiting_steps = Vec::new();
    for s in &d.step_list {
        let note = match (&s.waiting, &s.error) {
            (Some(w), _) => w.clone(),
            (None, Some(e)) if s.status != "succeeded" => e.clone(),
            _ if s.up_to_date.is_some() => format!(
                "up to date with run {}: not run (`wfc explain {} {}`)",
                s.up_to_date.as_deref().unwrap_or_default(),
                d.run.id,
                s.name
            ),
            _ if s.status == "succeeded" && s.attempts > 1 => {
                format!("after {} attempts", s.attempts)
            }
            _ => String::new(),
        };
        // A cut output is worth a note whatever else the step says.
        let note = match wfc_run::exec::truncation_note(&s.outputs) {
            Some(cut) if note.is_empty() => cut,
            Some(cut) => format!("{}; {cut}", first_line(&note)),
            None => note,
        };
        if s.status == "waiting" && s.kind == "gate" {
            waiting_gates.push(s.name.clone());
        }
        let escalated = s
            .waiting
            .as_deref()
            .is_some_and(|w| w.starts_with(ESCALATED));
        if s.status == "waiting" && escalated {
            waiting_steps.push(s.name.clone());
        }
        let line = format!(
            "  {:<w$}  {:<6}  {:<11}  {:>8}  {:>9}  {:>8}  {:>10}  {}",
            step_name(s),
            s.kind,
            s.status,
            s.attempts,
            s.duration_seconds.map(dur).unwrap_or_default(),
            usage::cpu(s.cpu_seconds),
            usage::memory(s.peak_memory_bytes),
            first_line(&note)
        );
        o.push_str(line.trim_end());
        o.push('\n');
        if attempts {
            for a in &s.attempt_log {
                let used = match (a.cpu_seconds, a.peak_memory_bytes) {
                    (None, None) => String::new(),
                    (cpu, peak) => {
                        format!(" · cpu {} · peak {}", usage::cpu(cpu), usage::memory(peak))
                    }
                };
                let line = format!(
                    "  {:<w$}    attempt {} (session {}) {} · {}{used}{}{}",
                    "",
                    a.number,
                    a.session,
                    a.status,
                    a.duration_seconds.map(dur).unwrap_or_default(),
                    a.exit_code
                        .map(|c| format!(" · exit {c}"))
                        .unwrap_or_default(),
                    a.error
                        .as_deref()
                        .map(|e| format!(" · {}", first_line(e)))
                        .unwrap_or_default()
                );
                o.push_str(line.trim_end());
                o.push('\n');
            }
        }
    }
    let id = &r.id;
    o.push_str(&decisions_text(&d.decisions, w));
    o.push('\n');
    for s in &waiting_steps {
        let s = shell_word(s);
        o.push_str(&format!(
            "Waiting for a person: wfc retry{flag} {id} {s}   (or: wfc skip{flag} {id} {s}, wfc abort{flag} {id} {s})\n"
        ));
    }
    for g in &waiting_gates {
        let g = shell_word(g);
        o.push_str(&format!(
            "Waiting for approval: wfc approve{flag} {id} {g}   (or: wfc reject{flag} {id} {g})\n"
        ));
    }
    match r.status.as_str() {
        "running" | "waiting" | "paused" if hints.remote => {
            o.push_str(&format!("Cancel it with `wfc cancel{flag} {id}`.\n"));
        }
        "failed" | "cancelled" | "interrupted" if hints.remote => o.push_str(&format!(
            "Continue it with `POST /api/v1/runs/{id}/resume` (steps that succeeded are not run again).\n"
        )),
        "running" | "waiting" | "paused" => o.push_str(&format!(
            "Follow it with `wfc logs{flag} {id} --follow`; cancel it with `wfc cancel{flag} {id}`.\n"
        )),
        "failed" | "cancelled" | "interrupted" => o.push_str(&format!(
            "Continue it with `wfc resume{flag} {id}` (steps that succeeded are not run again).\n"
        )),
        _ => {}
    }
    o
}

/// Who decided each gate, when, with what inputs and why.
fn decisions_text(decisions: &[wfc_store::decisions::DecisionRow], w: usize) -> String {
    if decisions.is_empty() {
        return String::new();
    }
    let mut o = "\n  DECISIONS\n".to_owned();
    for d in decisions {
        o.push_str(&format!("  {:<w$}  {}\n", d.step, d.summary()));
    }
    o
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or("")
}

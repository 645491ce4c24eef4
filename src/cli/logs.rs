//! `wfc logs RUN [STEP] [--follow]`: the output of a run's steps, from the
//! log files beside the store (`.wfc/logs/RUN/STEP.log`).
//!
//! Without STEP every step's log is printed in the order the steps started,
//! each under a `==> STEP <==` header. `--follow` keeps printing what the
//! steps write (new steps as they start, each line prefixed with its step
//! when several are followed) until the run is no longer running.

use super::history::{store_error, StoreArgs};
use super::remote::ServerArgs;
use super::say::{escaped, escaped_lines, NoClipboard};
use crate::cli::complete;
use clap::Args;
use clap_complete::engine::ArgValueCompleter;
use std::io::{Read, Seek, SeekFrom, Write};
use std::process::ExitCode;
use wfc_store::control::{self, POLL};
use wfc_store::logs::{read::Chain, Source};
use wfc_store::Store;

#[derive(Args)]
pub struct LogsArgs {
    /// The run: its id, a unique prefix of it, or `last`.
    #[arg(add = ArgValueCompleter::new(complete::names::runs))]
    pub run: String,
    /// Only this step (an instance name such as `ship[eu-west]`).
    #[arg(add = ArgValueCompleter::new(complete::names::steps))]
    pub step: Option<String>,
    /// Keep printing new output until the run ends.
    #[arg(short, long, conflicts_with = "failed")]
    pub follow: bool,
    /// Only the steps that failed (or timed out) for good.
    #[arg(long)]
    pub failed: bool,
    #[command(flatten)]
    pub store: StoreArgs,
    #[command(flatten)]
    pub remote: ServerArgs,
}

/// How a step's log is headed when several are printed: its name
/// (escaped: a loop item may name it), and its graph when that is not the
/// main one.
pub fn label(name: String, graph: &str) -> String {
    let name = escaped(&name).into_owned();
    if graph == "main" {
        name
    } else {
        format!("{name} ({})", graph.replace('_', " "))
    }
}

/// A `==> STEP <==` header (with a blank line before all but the first).
pub fn header(label: &str, first: bool) -> String {
    format!("{}==> {label} <==", if first { "" } else { "\n" })
}

/// The message of a run without such a step.
pub fn no_step(id: &str, step: &str, flag: &str) -> String {
    let step = escaped(step);
    format!("error: run {id} has no step `{step}` (`wfc status{flag} {id}` lists its steps)")
}

/// What is printed when no step of the run printed anything.
pub const NO_OUTPUT: &str = "(no output recorded)";

/// (step label, log) of a run's logs, in the order the steps started.
fn log_files(
    store: &Store,
    id: &str,
    step: Option<&str>,
) -> wfc_store::Result<Vec<(String, Source)>> {
    let logs = wfc_store::logs::step_logs(store, id, step)?;
    Ok(logs
        .into_iter()
        .map(|l| (label(l.name, &l.graph), l.source))
        .collect())
}

pub fn run(args: LogsArgs) -> ExitCode {
    if let Some(client) = args.remote.client() {
        return client.map_or_else(|code| code, |c| super::remote::commands::logs(&c, &args));
    }
    let (store, id) = match args.store.open_run(&args.run) {
        Ok(x) => x,
        Err(code) => return code,
    };
    // Logs kept in a database are read on a connection of their own
    // (`Chain`), each time they are opened (each poll of `--follow`): kept
    // open between them, not made again.
    wfc_store::pool::keep_open(store.dir(), 2);
    if let Some(step) = &args.step {
        let started = wfc_store::query::has_step(&store, &id, step).unwrap_or(false);
        let planned = || {
            let plan = wfc_store::reuse::read_plan(&store, &id).ok().flatten();
            plan.is_some_and(|p| {
                p["steps"]
                    .as_array()
                    .is_some_and(|xs| xs.iter().any(|s| s["name"] == step.as_str()))
            })
        };
        let known = started || planned();
        if !known {
            let names = wfc_store::reuse::read_plan(&store, &id)
                .ok()
                .flatten()
                .map(|p| wfc_store::reuse::step_names(&p))
                .unwrap_or_default();
            let hint = wfc_language::diag::did_you_mean(step, names.iter().map(String::as_str))
                .map(|s| format!(" Did you mean `{s}`?"))
                .unwrap_or_default();
            eprintln!("{}{hint}", no_step(&id, step, ""));
            return ExitCode::from(2);
        }
    }
    if let Some(step) = &args.step {
        // An up-to-date step did not run here: its log is its origin's.
        if let Ok(Some(row)) = wfc_store::up_to_date::of_run(&store, &id, step) {
            if let Some(origin) = row.origin {
                super::say::err(&format!(
                    "`{step}` was up to date with run {origin}: it did not run in run {id}; its output is that run's (`wfc logs {origin} {step}`)"
                ));
                return ExitCode::SUCCESS;
            }
        }
    }
    if !args.follow {
        return recorded(&store, &id, &args);
    }
    let mut out = std::io::stdout().lock();
    let mut offsets: Vec<(String, Source, u64)> = Vec::new();
    let mut printed_any = false;
    loop {
        let files = match log_files(&store, &id, args.step.as_deref()) {
            Ok(f) => f,
            Err(e) => return store_error(e),
        };
        for (label, path) in files {
            if !offsets.iter().any(|(_, p, _)| p == &path) {
                offsets.push((label, path, 0));
            }
        }
        let several = args.step.is_none();
        for (label, path, offset) in &mut offsets {
            let prefix = (args.follow && several).then(|| format!("{label} | "));
            let head = (several && !args.follow).then(|| header(label, !printed_any));
            if let Ok(true) = copy_from(path, offset, &mut out, prefix.as_deref(), head) {
                printed_any = true;
            }
        }
        let _ = out.flush();
        if !args.follow {
            break;
        }
        let _ = control::reap(&store);
        match control::run_status(&store, &id) {
            Ok(Some(s)) if s == "running" => std::thread::sleep(POLL),
            _ => {
                // One last read for lines written just before the end.
                for (label, path, offset) in &mut offsets {
                    let prefix = args.step.is_none().then(|| format!("{label} | "));
                    let _ = copy_from(path, offset, &mut out, prefix.as_deref(), None);
                }
                break;
            }
        }
    }
    if !printed_any && !args.follow {
        eprintln!("{NO_OUTPUT}");
    }
    ExitCode::SUCCESS
}

/// What the run recorded of its steps (of `args.step` alone, or of those
/// that failed with `--failed`): each step's log, then why each of its
/// attempts failed — for a step that prints nothing (an `http` step: the
/// status and the start of the body) the only record there is.
fn recorded(store: &Store, id: &str, args: &LogsArgs) -> ExitCode {
    let detail = match wfc_store::query::detail(store, id) {
        Ok(Some(d)) => d,
        Ok(None) => return store_error(format!("run {id} is gone")),
        Err(e) => return store_error(e),
    };
    let logs = match wfc_store::logs::step_logs(store, id, args.step.as_deref()) {
        Ok(l) => l,
        Err(e) => return store_error(e),
    };
    let mut out = std::io::stdout().lock();
    let several = args.step.is_none();
    let mut printed_any = false;
    let steps = detail
        .step_list
        .iter()
        .filter(|s| args.step.as_deref().is_none_or(|n| s.name == n))
        .filter(|s| !args.failed || failed_for_good(&s.status));
    for step in steps {
        let log = logs
            .iter()
            .find(|l| l.name == step.name && l.graph == step.graph);
        let failures = failures(&step.attempt_log);
        if log.is_none() && failures.is_empty() {
            continue;
        }
        if several {
            let _ = writeln!(
                out,
                "{}",
                header(&label(step.name.clone(), &step.graph), !printed_any)
            );
        }
        if let Some(l) = log {
            let _ = copy_from(&l.source, &mut 0, &mut out, None, None);
        }
        for f in failures {
            let _ = writeln!(out, "{f}");
        }
        printed_any = true;
    }
    let _ = out.flush();
    if !printed_any {
        eprintln!(
            "{}",
            if args.failed {
                "(no step failed)"
            } else {
                NO_OUTPUT
            }
        );
    }
    ExitCode::SUCCESS
}

/// Whether a step (or an attempt) of this status failed (`--failed`).
pub fn failed_for_good(status: &str) -> bool {
    matches!(status, "failed" | "timed_out")
}

/// Why each attempt that failed or timed out did, one line each (a
/// cancelled attempt was stopped, not failed: the run says so).
pub fn failures(attempts: &[wfc_store::query::AttemptRow]) -> Vec<String> {
    attempts
        .iter()
        .filter(|a| failed_for_good(&a.status))
        .filter_map(|a| a.error.as_deref().map(|e| failure(a, e)))
        .collect()
}

/// `wfc: attempt N failed: ERROR`, the error's further lines under it.
fn failure(a: &wfc_store::query::AttemptRow, error: &str) -> String {
    let what = match a.status.as_str() {
        "timed_out" => "timed out",
        _ => "failed",
    };
    let session = if a.session > 1 {
        format!(" (session {})", a.session)
    } else {
        String::new()
    };
    let error = super::say::hanging(&escaped_lines(error), "     ");
    format!("wfc: attempt {}{session} {what}: {error}", a.number)
}

/// Copies what was appended to `path` since `offset` to `out`, whole
/// lines only (a partial last line waits for its newline), each after
/// `prefix` if given and all after the line `head`: a chunk at a time, so a
/// log of gigabytes costs a chunk. Clipboard accesses are left out
/// ([`NoClipboard`]). Whether anything was copied.
fn copy_from(
    log: &Source,
    offset: &mut u64,
    out: &mut impl Write,
    prefix: Option<&str>,
    head: Option<String>,
) -> std::io::Result<bool> {
    let mut f = Chain::open(std::slice::from_ref(log))?;
    let mut buf = vec![0u8; CHUNK];
    // The end of the last complete line, looked for backwards.
    let mut end = f.len();
    loop {
        if end <= *offset {
            return Ok(false);
        }
        let size = ((end - *offset) as usize).min(CHUNK);
        f.seek(SeekFrom::Start(end - size as u64))?;
        f.read_exact(&mut buf[..size])?;
        match buf[..size].iter().rposition(|&b| b == b'\n') {
            Some(i) => {
                end = end - size as u64 + i as u64 + 1;
                break;
            }
            None => end -= size as u64,
        }
    }
    if let Some(head) = head {
        writeln!(out, "{head}")?;
    }
    f.seek(SeekFrom::Start(*offset))?;
    let mut left = end - *offset;
    let mut line_start = true;
    // Fresh for each call: what is copied ends with a newline, where no
    // clipboard access goes on.
    let mut clip = NoClipboard::default();
    while left > 0 {
        let size = (left as usize).min(CHUNK);
        f.read_exact(&mut buf[..size])?;
        left -= size as u64;
        let Some(prefix) = prefix else {
            out.write_all(&clip.push(&buf[..size]))?;
            continue;
        };
        for line in buf[..size].split_inclusive(|&b| b == b'\n') {
            if line_start {
                out.write_all(prefix.as_bytes())?;
            }
            out.write_all(&clip.push(line))?;
            line_start = line.ends_with(b"\n");
        }
    }
    out.write_all(&clip.finish())?;
    *offset = end;
    Ok(true)
}

/// What is read and written at once.
const CHUNK: usize = 64 * 1024;

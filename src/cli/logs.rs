//! `wfc logs RUN [STEP] [--follow]`: the output of a run's steps, from the
//! log files beside the store (`.wfc/logs/RUN/STEP.log`).
//!
//! Without STEP every step's log is printed in the order the steps started,
//! each under a `==> STEP <==` header. `--follow` keeps printing what the
//! steps write (new steps as they start, each line prefixed with its step
//! when several are followed) until the run is no longer running.

use super::history::{store_error, StoreArgs};
use super::remote::ServerArgs;
use clap::Args;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use wfc_store::control::{self, POLL};
use wfc_store::Store;

#[derive(Args)]
pub struct LogsArgs {
    /// The run: its id, a unique prefix of it, or `last`.
    pub run: String,
    /// Only this step (an instance name such as `ship[eu-west]`).
    pub step: Option<String>,
    /// Keep printing new output until the run ends.
    #[arg(short, long)]
    pub follow: bool,
    #[command(flatten)]
    pub store: StoreArgs,
    #[command(flatten)]
    pub remote: ServerArgs,
}

/// How a step's log is headed when several are printed: its name, and its
/// graph when that is not the main one.
pub fn label(name: String, graph: &str) -> String {
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
    format!("error: run {id} has no step `{step}` (`wfc status{flag} {id}` lists its steps)")
}

/// What is printed when no step of the run printed anything.
pub const NO_OUTPUT: &str = "(no output recorded)";

/// (step label, file) of a run's logs, in the order the steps started.
fn log_files(
    store: &Store,
    id: &str,
    step: Option<&str>,
) -> wfc_store::Result<Vec<(String, PathBuf)>> {
    let logs = wfc_store::logs::step_logs(store, id, step)?;
    Ok(logs
        .into_iter()
        .map(|l| (label(l.name, &l.graph), l.path))
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
            eprintln!("{}", no_step(&id, step, ""));
            return ExitCode::from(2);
        }
    }
    let mut out = std::io::stdout().lock();
    let mut offsets: Vec<(String, PathBuf, u64)> = Vec::new();
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
            let Some(text) = read_from(path, offset) else {
                continue;
            };
            if text.is_empty() {
                continue;
            }
            let _ = if args.follow && several {
                text.lines()
                    .try_for_each(|l| writeln!(out, "{label} | {l}"))
            } else if several {
                writeln!(out, "{}", header(label, !printed_any))
                    .and_then(|()| out.write_all(text.as_bytes()))
            } else {
                out.write_all(text.as_bytes())
            };
            printed_any = true;
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
                    if let Some(text) = read_from(path, offset) {
                        let _ = text.lines().try_for_each(|l| {
                            if args.step.is_none() {
                                writeln!(out, "{label} | {l}")
                            } else {
                                writeln!(out, "{l}")
                            }
                        });
                    }
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

/// What was appended to `path` since `offset` (whole lines only when
/// following; a partial last line waits for its newline).
fn read_from(path: &PathBuf, offset: &mut u64) -> Option<String> {
    let mut f = std::fs::File::open(path).ok()?;
    f.seek(SeekFrom::Start(*offset)).ok()?;
    let mut buf = Vec::new();
    f.read_to_end(&mut buf).ok()?;
    let end = buf.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    buf.truncate(end);
    *offset += end as u64;
    Some(String::from_utf8_lossy(&buf).into_owned())
}

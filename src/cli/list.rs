//! `wfc list [PATH…]`: every workflow under the given files and folders —
//! file, name, description, params, outputs and triggers — as a table or
//! as JSON (`wfc-list/1`, see docs/language.md). A file with errors is
//! listed with its error count, never skipped.

use super::{read_input, Format};
use clap::Args;
use serde::Serialize;
use std::path::PathBuf;
use std::process::ExitCode;
use wfc_language::diag::Diagnostic;
use wfc_language::ir::{Param, Workflow};
use wfc_plan::render::expr::show;

/// The JSON form's schema name.
pub const SCHEMA: &str = "wfc-list/1";

#[derive(Args)]
pub struct ListArgs {
    /// Files or folders (every `.wf` and `*.workflow.json` below them; default: the current folder).
    paths: Vec<PathBuf>,
    /// Only workflows with this tag (their `tags [...]` setting); repeated:
    /// with every one of them.
    #[arg(long, value_name = "TAG")]
    tag: Vec<String>,
    /// `text` (a table) or `json` (for tools).
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

#[derive(Serialize)]
struct Listing {
    schema: &'static str,
    files: Vec<FileEntry>,
}

#[derive(Serialize)]
struct FileEntry {
    file: String,
    /// Errors `wfc check` reports (its workflows are listed as far as known).
    errors: usize,
    workflows: Vec<WorkflowEntry>,
}

#[derive(Serialize)]
struct WorkflowEntry {
    name: String,
    description: Option<String>,
    /// Its `version "…"` setting.
    #[serde(skip_serializing_if = "Option::is_none")]
    version: Option<String>,
    /// Its `tags [...]` setting.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tags: Vec<String>,
    params: Vec<ParamEntry>,
    outputs: Vec<OutputEntry>,
    /// What starts the workflow besides `wfc run` (none yet).
    /// Each `on …` as in `wfc plan --format json` (a schedule with its next fire times).
    triggers: Vec<serde_json::Value>,
    /// `lock EXPR` as written.
    #[serde(skip_serializing_if = "Option::is_none")]
    lock: Option<String>,
}

#[derive(Serialize)]
struct ParamEntry {
    name: String,
    #[serde(rename = "type")]
    ty: String,
    secret: bool,
    /// As written (`***` for a secret's literal default); `null` when required.
    default: Option<String>,
    /// `in [a, b]` or `in lo..hi`, as written.
    constraint: Option<String>,
}

#[derive(Serialize)]
struct OutputEntry {
    name: String,
    #[serde(rename = "type")]
    ty: String,
}

pub fn run(args: ListArgs) -> ExitCode {
    let roots = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let found = wfc_serve::discover::workflow_files(&roots);
    let files = found.files;
    let mut unreadable = !found.missing.is_empty();
    for root in &found.missing {
        eprintln!("error: {} does not exist", root.display());
    }
    let now = match super::plan::now() {
        Ok(now) => now,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let mut listing = Listing {
        schema: SCHEMA,
        files: Vec::new(),
    };
    for path in &files {
        match read_input(path) {
            Ok((name, text)) => {
                let mut file = entry(name, text, now);
                file.workflows
                    .retain(|w| args.tag.iter().all(|t| w.tags.contains(t)));
                // A file with errors stays: its workflows may be the ones sought.
                if !file.workflows.is_empty() || file.errors > 0 || args.tag.is_empty() {
                    listing.files.push(file);
                }
            }
            Err(msg) => {
                eprintln!("{msg}");
                unreadable = true;
            }
        }
    }
    match args.format {
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&listing).unwrap_or_default()
        ),
        Format::Text => print!("{}", super::say::escaped_lines(&table(&listing))),
    }
    if unreadable {
        ExitCode::from(2)
    } else if listing.files.iter().any(|f| f.errors > 0) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn entry(name: String, text: String, now: chrono::DateTime<chrono::Utc>) -> FileEntry {
    // With its imports, so a file that calls a module is not counted as broken.
    let program = super::program::load(&name, text);
    let analysis = &program.root().analysis;
    let errors = analysis
        .diagnostics()
        .iter()
        .filter(|d| Diagnostic::is_error(d))
        .count();
    let workflows = analysis
        .module
        .iter()
        .flat_map(|m| &m.workflows)
        .map(|c| workflow(&c.ir, now))
        .collect();
    FileEntry {
        file: analysis.source.name.clone(),
        errors,
        workflows,
    }
}

fn workflow(wf: &Workflow, now: chrono::DateTime<chrono::Utc>) -> WorkflowEntry {
    WorkflowEntry {
        name: wf.name.clone(),
        description: wf.summary(),
        version: wf.version.clone(),
        tags: wf.tags.clone(),
        params: wf.params.iter().map(|p| param(wf, p)).collect(),
        outputs: wf
            .outputs
            .iter()
            .map(|o| OutputEntry {
                name: o.name.clone(),
                ty: o.ty.to_string(),
            })
            .collect(),
        triggers: triggers(wf, now),
        lock: wf.lock.as_ref().map(|k| show(wf, k)),
    }
}

/// The workflow's triggers as JSON, a schedule's fire times counted from `now`.
fn triggers(wf: &Workflow, now: chrono::DateTime<chrono::Utc>) -> Vec<serde_json::Value> {
    let mut planned = wfc_plan::triggers::plan_triggers(wf);
    for t in &mut planned {
        if let wfc_language::ir::Trigger::Schedule(s) = &t.trigger {
            t.next_fires = wfc_language::ir::next_fires(s, now, wfc_plan::triggers::SHOWN_FIRES);
        }
    }
    planned
        .iter()
        .map(|t| wfc_plan::render::triggers::trigger_json(wf, t))
        .collect()
}

fn param(wf: &Workflow, p: &Param) -> ParamEntry {
    let text = wfc_plan::render::params::param_text(wf, p);
    ParamEntry {
        name: p.name.clone(),
        ty: p.ty.to_string(),
        secret: p.secret,
        default: text.default,
        constraint: text.constraint,
    }
}

/// The widest the table's PARAMS column gets.
const PARAMS_WIDTH: usize = 40;

/// `text` cut to `max` characters, ending in `…` when cut.
fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(max - 1).collect();
    out.push('…');
    out
}

/// One line per workflow (`FILE  NAME  PARAMS  DESCRIPTION`; `*` marks a
/// required param), and a line per file with errors.
fn table(l: &Listing) -> String {
    let mut rows: Vec<[String; 4]> = vec![[
        "FILE".into(),
        "WORKFLOW".into(),
        "PARAMS".into(),
        "DESCRIPTION".into(),
    ]];
    for f in &l.files {
        for w in &f.workflows {
            // Names only (a required one marked `*`): types, defaults and
            // constraints are in `--format json`.
            let params: Vec<String> = w
                .params
                .iter()
                .map(|p| match &p.default {
                    Some(_) => p.name.clone(),
                    None => format!("{}*", p.name),
                })
                .collect();
            rows.push([
                f.file.clone(),
                w.name.clone(),
                shorten(&params.join(", "), PARAMS_WIDTH),
                with_labels(w),
            ]);
        }
        if f.errors > 0 {
            let n = wfc_language::words::count(f.errors as u64, "error");
            rows.push([
                f.file.clone(),
                "-".into(),
                String::new(),
                format!("{n} (`wfc check {}` shows them)", f.file),
            ]);
        }
    }
    with_triggers(l, &mut rows);
    let widths: Vec<usize> = (0..3)
        .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
        .collect();
    let mut o = String::new();
    for r in &rows {
        let line = format!(
            "{:w0$}  {:w1$}  {:w2$}  {}",
            r[0],
            r[1],
            r[2],
            r[3],
            w0 = widths[0],
            w1 = widths[1],
            w2 = widths[2]
        );
        o.push_str(line.trim_end());
        o.push('\n');
    }
    o
}

/// Adds a TRIGGERS column right of PARAMS (`schedule "0 2 * * *", webhook
/// "/deploy"`, and the lock) when a workflow has a trigger or a lock: a
/// listing without any keeps its four columns.
fn with_triggers(l: &Listing, rows: &mut [[String; 4]]) {
    let all: Vec<&WorkflowEntry> = l.files.iter().flat_map(|f| &f.workflows).collect();
    if all
        .iter()
        .all(|w| w.triggers.is_empty() && w.lock.is_none())
    {
        return;
    }
    let mut cells = vec!["TRIGGERS".to_string()];
    for f in &l.files {
        for w in &f.workflows {
            let mut parts: Vec<String> = w
                .triggers
                .iter()
                .map(|t| {
                    let kind = t["kind"].as_str().unwrap_or_default();
                    let target = ["cron", "path", "glob"]
                        .iter()
                        .find_map(|k| t[k].as_str())
                        .unwrap_or_default();
                    format!("{kind} {target:?}")
                })
                .collect();
            if let Some(lock) = &w.lock {
                parts.push(format!("lock {lock}"));
            }
            cells.push(shorten(&parts.join(", "), PARAMS_WIDTH));
        }
        if f.errors > 0 {
            cells.push(String::new());
        }
    }
    let width = rows.iter().map(|r| r[2].chars().count()).max().unwrap_or(0);
    for (row, cell) in rows.iter_mut().zip(cells) {
        row[2] = format!("{:width$}  {cell}", row[2]);
    }
}
/// The description, then the version and tags (`Nightly load (version
/// 1.2; tags etl, nightly)`).
fn with_labels(w: &WorkflowEntry) -> String {
    let mut labels = Vec::new();
    if let Some(v) = &w.version {
        labels.push(format!("version {v}"));
    }
    if !w.tags.is_empty() {
        labels.push(format!("tags {}", w.tags.join(", ")));
    }
    let description = w.description.clone().unwrap_or_default();
    match (labels.is_empty(), description.is_empty()) {
        (true, _) => description,
        (false, true) => format!("({})", labels.join("; ")),
        (false, false) => format!("{description} ({})", labels.join("; ")),
    }
}

//! The completers: each takes the word being completed and returns the
//! names that start with it, with a short help each (the shells that can
//! show it do: zsh and fish). A completer never fails: what it cannot
//! read (no file, no store) completes to nothing.

use super::Line;
use clap_complete::engine::CompletionCandidate as Candidate;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use wfc_language::analysis;
use wfc_language::ir::{Constraint, Type, Workflow};
use wfc_store::Store;

fn typed(current: &OsStr) -> String {
    current.to_string_lossy().into_owned()
}

fn candidate(value: impl Into<String>, help: impl Into<String>) -> Candidate {
    let help: String = help.into();
    let c = Candidate::new(value.into());
    if help.is_empty() {
        c
    } else {
        c.help(Some(help.into()))
    }
}

/// `.wf` files and folders that start with the word (hidden ones only
/// when the word starts with a dot).
pub fn wf_files(current: &OsStr) -> Vec<Candidate> {
    let word = typed(current);
    let (dir, prefix) = match word.rfind('/') {
        Some(i) => (&word[..=i], &word[i + 1..]),
        None => ("", word.as_str()),
    };
    let Ok(entries) = std::fs::read_dir(if dir.is_empty() { "." } else { dir }) else {
        return Vec::new();
    };
    let mut out: Vec<Candidate> = entries
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            if !name.starts_with(prefix) || (name.starts_with('.') && !prefix.starts_with('.')) {
                return None;
            }
            if e.path().is_dir() {
                Some(candidate(format!("{dir}{name}/"), ""))
            } else if name.ends_with(".wf") {
                Some(candidate(format!("{dir}{name}"), ""))
            } else {
                None
            }
        })
        .collect();
    out.sort_by(|a, b| a.get_value().cmp(b.get_value()));
    out
}

/// What `wfc run` and `wfc plan` take: `.wf` files, and the built-in
/// templates by name.
pub fn runnable(current: &OsStr) -> Vec<Candidate> {
    let mut out = wf_files(current);
    if !typed(current).contains('/') {
        out.extend(
            templates(current)
                .into_iter()
                .filter(|t| !Path::new(t.get_value()).exists()),
        );
    }
    out
}

/// The built-in templates.
pub fn templates(current: &OsStr) -> Vec<Candidate> {
    let word = typed(current);
    super::super::new::template_names()
        .into_iter()
        .filter(|(name, _)| name.starts_with(&word))
        .map(|(name, summary)| candidate(name, format!("template: {summary}")))
        .collect()
}

/// The workflows of the file typed first on the line.
pub fn workflows_in_file(current: &OsStr) -> Vec<Candidate> {
    let word = typed(current);
    let Some(module) = file_module(&Line::current()) else {
        return Vec::new();
    };
    module
        .workflows
        .iter()
        .filter(|w| w.ir.name.starts_with(&word))
        .map(|w| candidate(&w.ir.name, w.ir.description.clone().unwrap_or_default()))
        .collect()
}

/// `--param`: `NAME=` for each param of the workflow on the line, then,
/// after `NAME=`, the values it allows (`in [...]`, a `bool`'s two).
pub fn params(current: &OsStr) -> Vec<Candidate> {
    let word = typed(current);
    of_line_workflow(|wf| match word.split_once('=') {
        Some((name, value)) => allowed(wf, name)
            .into_iter()
            .filter(|v| v.starts_with(value))
            .map(|v| candidate(format!("{name}={v}"), ""))
            .collect(),
        None => wf
            .params
            .iter()
            .filter(|p| !p.secret && p.name.starts_with(&word))
            .map(|p| {
                let doc = p.doc.as_deref().unwrap_or("").lines().next().unwrap_or("");
                let need = if p.default.is_none() {
                    ", required"
                } else {
                    ""
                };
                candidate(
                    format!("{}=", p.name),
                    format!("{}{need} {doc}", p.ty).trim_end().to_string(),
                )
            })
            .collect(),
    })
}

/// `complete` of the workflow on the line (the file's first one unless
/// named); nothing when the file does not check.
fn of_line_workflow(complete: impl FnOnce(&Workflow) -> Vec<Candidate>) -> Vec<Candidate> {
    let line = Line::current();
    let Some(module) = file_module(&line) else {
        return Vec::new();
    };
    let named = line.positional(1);
    module
        .workflows
        .iter()
        .find(|w| named.as_deref().is_none_or(|n| w.ir.name == n))
        .map_or_else(Vec::new, |w| complete(&w.ir))
}

/// `--target` and `--from`: the steps of the workflow on the line (a
/// loop's step name stands for all its iterations).
pub fn steps_in_file(current: &OsStr) -> Vec<Candidate> {
    let word = typed(current);
    of_line_workflow(|wf| {
        wf.steps
            .iter()
            .filter(|s| s.role == wfc_language::ir::Role::Main && s.name.starts_with(&word))
            .map(|s| {
                let doc = s.doc.as_deref().unwrap_or("").lines().next().unwrap_or("");
                candidate(
                    &s.name,
                    format!("{} {doc}", s.kind.name()).trim_end().to_string(),
                )
            })
            .collect()
    })
}

/// The values param `name` allows, when it names them.
fn allowed(wf: &Workflow, name: &str) -> Vec<String> {
    let Some(p) = wf.params.iter().find(|p| p.name == name) else {
        return Vec::new();
    };
    match (&p.ty, &p.constraint) {
        (Type::Bool, _) => vec!["true".into(), "false".into()],
        (_, Some(Constraint::OneOf(xs))) => xs
            .iter()
            .filter_map(super::super::new::answers::constant)
            .map(|v| super::super::new::answers::as_param_text(&v))
            .collect(),
        _ => Vec::new(),
    }
}

/// The checked module of the file (or template) typed first on the line.
fn file_module(line: &Line) -> Option<wfc_language::check::Module> {
    let file = PathBuf::from(line.positional(0)?);
    let text = match super::super::new::builtin(&file) {
        Some((_, text)) => text.to_string(),
        None => std::fs::read_to_string(&file).ok()?,
    };
    analysis::analyze_lean(file.display().to_string(), text).module
}

/// The run store the line's command would read.
fn store(line: &Line) -> Option<Store> {
    let flag = line
        .option("state-dir")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("WFC_STATE_DIR").map(PathBuf::from));
    Store::open_existing(&wfc_store::state_dir(flag.as_deref()))
        .ok()
        .flatten()
}

/// Run ids, the latest first, each with its workflow, status and start;
/// and `last`.
pub fn runs(current: &OsStr) -> Vec<Candidate> {
    let word = typed(current);
    let Some(store) = store(&Line::current()) else {
        return Vec::new();
    };
    let mut out = vec![candidate("last", "the latest run")];
    for r in wfc_store::query::history(&store, None, 200).unwrap_or_default() {
        let status = wfc_store::listing::shown_status(&r.status);
        out.push(candidate(
            r.id,
            format!("{} · {status} · {}", r.workflow, r.started_at),
        ));
    }
    out.retain(|c| c.get_value().to_string_lossy().starts_with(&word));
    out
}

/// The steps of the run typed first on the line.
pub fn steps(current: &OsStr) -> Vec<Candidate> {
    of_run_plan(current, wfc_store::reuse::step_names)
}

/// The gates (and the steps waiting for a person) of the run typed first.
pub fn gates(current: &OsStr) -> Vec<Candidate> {
    of_run_plan(current, wfc_store::reuse::gates)
}

fn of_run_plan(current: &OsStr, names: fn(&serde_json::Value) -> Vec<String>) -> Vec<Candidate> {
    let word = typed(current);
    let line = Line::current();
    let (Some(store), Some(run)) = (store(&line), line.positional(0)) else {
        return Vec::new();
    };
    let Ok(id) = wfc_store::control::find_run(&store, &run) else {
        return Vec::new();
    };
    let plan = wfc_store::reuse::read_plan(&store, &id).ok().flatten();
    plan.map(|p| names(&p))
        .unwrap_or_default()
        .into_iter()
        .filter(|n| n.starts_with(&word))
        .map(|n| candidate(n, ""))
        .collect()
}

/// The workflows the run store has runs of.
pub fn recorded_workflows(current: &OsStr) -> Vec<Candidate> {
    let word = typed(current);
    let Some(store) = store(&Line::current()) else {
        return Vec::new();
    };
    let mut names: Vec<String> = wfc_store::query::history(&store, None, 1000)
        .unwrap_or_default()
        .into_iter()
        .map(|r| r.workflow)
        .filter(|w| w.starts_with(&word))
        .collect();
    names.sort();
    names.dedup();
    names.into_iter().map(|n| candidate(n, "")).collect()
}

//! The workflows a server serves: the files found under its paths, each
//! kept at its last version that checks — its text and its workflows' checked
//! IR, which every run of them starts from ([`wfc_launch::Checked`]): a run
//! never reads or checks the file again, so it runs exactly what was
//! checked, imports included. A changed file is read again
//! ([`Catalog::reload`]); a version with errors is logged with its
//! diagnostics and the last good one goes on serving.

mod posted;

use crate::discover;
use crate::problem::{Code, Problem};
pub use posted::ServedOnly;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use utoipa::ToSchema;
use wfc_language::diag::{json, render, Diagnostic};
use wfc_language::ir::{Param, Workflow};
use wfc_language::program::{self, Disk, Program};
use wfc_language::span::SourceFile;
use wfc_launch::Checked;

/// A workflow as the API lists it.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct WorkflowInfo {
    pub name: String,
    pub file: String,
    pub description: Option<String>,
    pub params: Vec<ParamInfo>,
    pub outputs: Vec<OutputInfo>,
    /// What starts the workflow besides the API (see [`crate::triggers`]).
    pub triggers: Vec<String>,
}

/// A param: its type, default and constraint as written.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ParamInfo {
    pub name: String,
    #[serde(rename = "type")]
    pub ty: String,
    pub secret: bool,
    /// As written (`***` for a secret's literal default); `null` when required.
    pub default: Option<String>,
    /// `in [a, b]` or `in lo..hi`, as written.
    pub constraint: Option<String>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct OutputInfo {
    pub name: String,
    #[serde(rename = "type")]
    pub ty: String,
}

/// A served file.
#[derive(Clone, Debug)]
pub struct Served {
    /// The last version that checked (what runs start from).
    pub text: String,
    pub workflows: Vec<WorkflowInfo>,
    /// Its workflows as checked, in file order.
    pub checked: Vec<Checked>,
    /// The errors of a newer version that did not check (empty: none).
    pub newer_errors: Vec<serde_json::Value>,
}

/// Every served file by its name.
pub struct Catalog {
    roots: Vec<PathBuf>,
    files: RwLock<BTreeMap<String, Served>>,
}

/// What checking a file's text found.
pub struct CheckedFile {
    pub workflows: Vec<WorkflowInfo>,
    /// The workflows as checked (empty when there are errors).
    pub checked: Vec<Checked>,
    /// Errors (of the file and of what it imports), as JSON.
    pub errors: Vec<serde_json::Value>,
    /// The same, rendered for the log.
    pub rendered: String,
}

/// Loads and checks `text` as the file `name`, with its imports.
pub fn check(name: &str, text: String) -> CheckedFile {
    check_with(name, text, &Disk)
}

/// [`check`], reading imports from `sources`.
pub fn check_with(name: &str, text: String, sources: &dyn program::Sources) -> CheckedFile {
    let program: Program = program::load(Path::new(name), text, sources, false);
    let mut errors = Vec::new();
    let mut rendered = String::new();
    for u in &program.units {
        let a = &u.analysis;
        let errs: Vec<Diagnostic> = a
            .diagnostics()
            .into_iter()
            .filter(Diagnostic::is_error)
            .collect();
        errors.extend(errs.iter().map(|d| to_value(d, &a.source)));
        if !errs.is_empty() {
            rendered.push_str(&render::render_all(&errs, &a.source, false));
        }
    }
    let root = &program.root().analysis;
    let workflows = root
        .module
        .iter()
        .flat_map(|m| &m.workflows)
        .map(|c| info(&c.ir, name))
        .collect();
    let checked = if errors.is_empty() {
        let root = program.units.into_iter().next().map(|u| u.analysis);
        let source = root.as_ref().map(|a| Arc::new(a.source.clone()));
        let module = root.and_then(|a| a.module);
        source
            .zip(module)
            .map(|(source, m)| {
                m.workflows
                    .into_iter()
                    .map(|c| Checked::new(source.clone(), Arc::new(c.ir)))
                    .collect()
            })
            .unwrap_or_default()
    } else {
        Vec::new()
    };
    CheckedFile {
        workflows,
        checked,
        errors,
        rendered,
    }
}

/// Workflow `name` of file `file`, checked from `text` (with its imports
/// from disk): what a run of a file the server does not serve (any more)
/// starts from. Errors are a 400 with the diagnostics.
pub fn check_workflow(file: &str, text: String, name: &str) -> Result<Checked, Problem> {
    let checked = check(file, text);
    if !checked.errors.is_empty() {
        let mut p = Problem::new(Code::Invalid, "the workflow has errors");
        p.diagnostics = checked.errors;
        return Err(p);
    }
    checked
        .checked
        .into_iter()
        .find(|c| c.name() == name)
        .ok_or_else(|| Problem::new(Code::NotFound, format!("{file} has no workflow `{name}`")))
}

/// A diagnostic as `wfc check --format json` shows it.
pub fn to_value(d: &Diagnostic, source: &SourceFile) -> serde_json::Value {
    serde_json::to_value(json::to_json(d, source)).unwrap_or_default()
}

impl Catalog {
    /// The workflows under `roots`, checked. Files with errors are logged
    /// and not served until a version checks.
    pub fn load(roots: Vec<PathBuf>) -> Result<Catalog, String> {
        let found = discover::workflow_files(&roots);
        if let Some(p) = found.missing.first() {
            return Err(format!("{} does not exist", p.display()));
        }
        let catalog = Catalog {
            roots,
            files: RwLock::default(),
        };
        for f in &found.files {
            catalog.reload(f);
        }
        Ok(catalog)
    }

    /// The folders and files served (for the watch).
    pub fn roots(&self) -> &[PathBuf] {
        &self.roots
    }

    /// Reads `path` again: a version that checks replaces the served one,
    /// one with errors is logged and kept out, a removed file is no longer
    /// served.
    pub fn reload(&self, path: &Path) {
        let name = path.strip_prefix(".").unwrap_or(path).display().to_string();
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if self.write().remove(&name).is_some() {
                    tracing::info!(file = %name, "workflow file removed; no longer served");
                }
                return;
            }
            Err(e) => {
                tracing::warn!(file = %name, error = %e, "cannot read a workflow file");
                return;
            }
        };
        if self
            .read()
            .get(&name)
            .is_some_and(|s| s.text == text && s.newer_errors.is_empty())
        {
            return;
        }
        let checked = check(&name, text.clone());
        let mut files = self.write();
        if checked.errors.is_empty() {
            let names: Vec<&str> = checked.workflows.iter().map(|w| w.name.as_str()).collect();
            tracing::info!(file = %name, workflows = ?names, "serving");
            files.insert(
                name,
                Served {
                    text,
                    workflows: checked.workflows,
                    checked: checked.checked,
                    newer_errors: Vec::new(),
                },
            );
            return;
        }
        let kept = files.get(&name).is_some();
        tracing::warn!(
            file = %name,
            errors = checked.errors.len(),
            kept_last_good = kept,
            "workflow file has errors; {}:\n{}",
            if kept { "the last good version is served" } else { "not served" },
            checked.rendered
        );
        if let Some(s) = files.get_mut(&name) {
            s.newer_errors = checked.errors;
        }
    }

    /// Every served workflow as checked, by file then in file order; a
    /// name served by two files is the first file's, as the API starts it.
    pub fn served(&self) -> Vec<Checked> {
        let mut names = std::collections::BTreeSet::new();
        self.read()
            .values()
            .flat_map(|s| s.checked.iter())
            .filter(|c| names.insert(c.name().to_owned()))
            .cloned()
            .collect()
    }

    /// Every served workflow, by file.
    pub fn workflows(&self) -> Vec<WorkflowInfo> {
        self.read()
            .values()
            .flat_map(|s| s.workflows.iter().cloned())
            .collect()
    }

    /// What a posted file may import: the served files, nothing else.
    pub fn posted_sources(&self) -> ServedOnly {
        let names: Vec<String> = self.read().keys().cloned().collect();
        ServedOnly::new(names.iter().map(String::as_str), &self.roots)
    }

    /// Workflow `name` as served: by the first file, by name, that has
    /// one, at its last version that checked.
    pub fn find(&self, name: &str) -> Result<Checked, Problem> {
        let files = self.read();
        for s in files.values() {
            if let Some(c) = s.checked.iter().find(|c| c.name() == name) {
                return Ok(c.clone());
            }
        }
        let names: Vec<String> = files
            .values()
            .flat_map(|s| s.workflows.iter().map(|w| w.name.clone()))
            .collect();
        let hint = wfc_language::diag::did_you_mean(name, names.iter().map(String::as_str))
            .map(|s| format!("; did you mean `{s}`?"))
            .unwrap_or_default();
        Err(Problem::new(
            Code::NotFound,
            format!("no workflow `{name}` is served{hint}"),
        ))
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, BTreeMap<String, Served>> {
        self.files.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, BTreeMap<String, Served>> {
        self.files.write().unwrap_or_else(|e| e.into_inner())
    }
}

fn info(wf: &Workflow, file: &str) -> WorkflowInfo {
    WorkflowInfo {
        name: wf.name.clone(),
        file: file.to_owned(),
        description: wf.summary(),
        params: wf.params.iter().map(|p| param(wf, p)).collect(),
        outputs: wf
            .outputs
            .iter()
            .map(|o| OutputInfo {
                name: o.name.clone(),
                ty: o.ty.to_string(),
            })
            .collect(),
        triggers: crate::triggers::of(wf),
    }
}

/// As `wfc list --format json` shows a param: a secret's literal default
/// is masked, one read from the environment is shown.
fn param(wf: &Workflow, p: &Param) -> ParamInfo {
    let text = wfc_plan::render::params::param_text(wf, p);
    ParamInfo {
        name: p.name.clone(),
        ty: p.ty.to_string(),
        secret: p.secret,
        default: text.default,
        constraint: text.constraint,
    }
}

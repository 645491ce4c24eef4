//! The workflows a server serves: the files found under its paths, each
//! kept at its last version that checks — its text and its workflows' checked
//! IR, which every run of them starts from ([`wfc_launch::Checked`]): a run
//! never reads or checks the file again, so it runs exactly what was
//! checked, imports included. A changed file is read again
//! ([`Catalog::reload`]) only when it or a file it imports changed (their
//! contents, `seen`); a version with errors is logged with its
//! diagnostics once, the last good one goes on serving, and the listing
//! says so ([`FileStatus`]).

mod posted;
mod seen;

use crate::discover;
use crate::problem::{Code, Problem};
pub use posted::ServedOnly;
use seen::{Recording, Seen};
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
    /// Its `version "…"` setting.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Its `tags [...]` setting.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    pub params: Vec<ParamInfo>,
    pub outputs: Vec<OutputInfo>,
    /// What starts the workflow besides the API (see [`crate::triggers`]).
    pub triggers: Vec<String>,
    /// Served from its file's last good version: the newest one does not
    /// load (`load_error` says why).
    pub last_good: bool,
    /// Why its file's newest version does not load; `null` when it does.
    pub load_error: Option<LoadError>,
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

/// Why a served file's newest version is not served: its first error
/// (the server's log has them all).
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct LoadError {
    /// The checker's code (`E0…`), or `API030` for a file that cannot be read.
    pub code: String,
    pub message: String,
    pub help: Option<String>,
    /// Where: the served file or a file it imports, and the 1-based line
    /// and column (none for a file that cannot be read).
    pub file: String,
    pub line: Option<u32>,
    pub column: Option<u32>,
    /// How many errors the version has.
    pub errors: usize,
}

/// A served file: what it serves, and why its newest version does not load.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct FileStatus {
    pub file: String,
    /// The workflows it serves (at its last good version when `last_good`).
    pub workflows: Vec<String>,
    /// Its newest version does not load and an earlier one is served.
    pub last_good: bool,
    /// Why its newest version does not load; `null` when it does. With
    /// `last_good` false, the file serves nothing until a version loads.
    pub load_error: Option<LoadError>,
}

/// A served file's version that checked: what runs start from.
#[derive(Clone, Debug)]
struct Good {
    workflows: Vec<WorkflowInfo>,
    /// Its workflows as checked, in file order.
    checked: Vec<Checked>,
}

/// A file found under the served paths.
#[derive(Clone, Debug)]
struct Entry {
    /// Its last version that checked (none yet: it serves nothing).
    good: Option<Good>,
    /// Why its newest version is not served; `None`: it is.
    error: Option<LoadError>,
    /// What the check of its newest version read: itself first, then its
    /// imports (found or not); checked again only when one of them changed.
    seen: Vec<Seen>,
}

/// Every file found under the served paths, by its name.
pub struct Catalog {
    roots: Vec<PathBuf>,
    /// Each root's real path when it was loaded (`None`: not a folder):
    /// what its files are written under, whatever link replaces it later.
    real_roots: Vec<Option<PathBuf>>,
    files: RwLock<BTreeMap<String, Entry>>,
    /// The served folders are one folder every server sharing the store
    /// serves (`--shared-flows`): files may be written through the API.
    shared: std::sync::atomic::AtomicBool,
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
    let mut program: Program = program::load(Path::new(name), text, sources, false);
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
    if errors.is_empty() {
        // `on schedule env("…")`: read now; a bad value refuses the file.
        let a = &mut program.units[0].analysis;
        if let Some(m) = a.module.as_mut() {
            let irs = m.workflows.iter_mut().map(|c| &mut c.ir);
            if let Err(diags) = wfc_language::ir::resolve_schedules(irs) {
                errors.extend(diags.iter().map(|d| to_value(d, &a.source)));
                rendered.push_str(&render::render_all(&diags, &a.source, false));
            }
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
        let real_roots = (roots.iter())
            .map(|r| r.canonicalize().ok().filter(|p| p.is_dir()))
            .collect();
        let catalog = Catalog {
            roots,
            real_roots,
            files: RwLock::default(),
            shared: Default::default(),
        };
        catalog.sync(&found.files);
        Ok(catalog)
    }

    /// Says whether the served folders are shared by every server on the
    /// store (`wfc serve --shared-flows`).
    pub fn set_shared(&self, shared: bool) {
        self.shared
            .store(shared, std::sync::atomic::Ordering::Relaxed);
    }

    /// Whether the served folders are shared ([`Catalog::set_shared`]).
    pub fn shared(&self) -> bool {
        self.shared.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The folders and files served (for the watch).
    pub fn roots(&self) -> &[PathBuf] {
        &self.roots
    }

    /// Served folder `root`'s real path when it was loaded.
    pub fn real_root(&self, root: &Path) -> Option<PathBuf> {
        let i = self.roots.iter().position(|r| r == root)?;
        self.real_roots[i].clone()
    }

    /// Follows a new search of the roots, which found `files`: each is
    /// looked at again ([`Catalog::reload`]), and a file no longer found
    /// is no longer served.
    pub fn sync(&self, files: &[PathBuf]) {
        let names: std::collections::BTreeSet<String> = files.iter().map(|f| name_of(f)).collect();
        let gone: Vec<String> = self
            .read()
            .keys()
            .filter(|n| !names.contains(*n))
            .cloned()
            .collect();
        for name in gone {
            if self.write().remove(&name).is_some() {
                tracing::info!(file = %name, "workflow file gone; no longer served");
            }
        }
        for f in files {
            self.reload(f);
        }
    }

    /// Looks at `path` again. Unless it or a file it imports changed since
    /// its last check, nothing happens. Otherwise a version that checks
    /// replaces the served one; one with errors is logged (once: until the
    /// next change) and the last good version, if any, goes on serving; a
    /// removed file is no longer served.
    pub fn reload(&self, path: &Path) {
        let name = name_of(path);
        let before = self.read().get(&name).map(|e| e.seen.clone());
        if let Some(before) = before {
            let now: Vec<(Seen, bool)> = before.iter().map(Seen::again).collect();
            let still = now.first().is_some_and(|(own, _)| own.exists());
            if still && !now.iter().any(|(_, changed)| *changed) {
                // Keep the statuses: the next look need not read the files.
                if let Some(e) = self.write().get_mut(&name) {
                    e.seen = now.into_iter().map(|(s, _)| s).collect();
                }
                return;
            }
        }
        let (text, own) = Seen::read(path);
        let text = match text {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if self.write().remove(&name).is_some() {
                    tracing::info!(file = %name, "workflow file removed; no longer served");
                }
                return;
            }
            Err(e) => {
                let error = LoadError {
                    code: UNREADABLE.into(),
                    message: format!("cannot read the file: {e}"),
                    help: None,
                    file: name.clone(),
                    line: None,
                    column: None,
                    errors: 1,
                };
                let kept = self.failed(&name, error, vec![own]);
                tracing::warn!(file = %name, error = %e, kept_last_good = kept, "cannot read a workflow file");
                return;
            }
        };
        let sources = Recording::new(own);
        let checked = check_with(&name, text, &sources);
        let seen = sources.into_seen();
        if checked.errors.is_empty() {
            let names: Vec<&str> = checked.workflows.iter().map(|w| w.name.as_str()).collect();
            tracing::info!(file = %name, workflows = ?names, "serving");
            let good = Good {
                workflows: checked.workflows,
                checked: checked.checked,
            };
            self.write().insert(
                name,
                Entry {
                    good: Some(good),
                    error: None,
                    seen,
                },
            );
            return;
        }
        let kept = self.failed(&name, load_error(&checked.errors), seen);
        tracing::warn!(
            file = %name,
            errors = checked.errors.len(),
            kept_last_good = kept,
            "workflow file has errors; {}:\n{}",
            if kept { "the last good version is served" } else { "not served" },
            checked.rendered
        );
    }

    /// Notes that `name`'s newest version does not load; whether a last
    /// good version goes on serving.
    fn failed(&self, name: &str, error: LoadError, seen: Vec<Seen>) -> bool {
        let mut files = self.write();
        let entry = files.entry(name.to_owned()).or_insert(Entry {
            good: None,
            error: None,
            seen: Vec::new(),
        });
        entry.error = Some(error);
        entry.seen = seen;
        entry.good.is_some()
    }

    /// Every served workflow as checked, by file then in file order; a
    /// name served by two files is the first file's, as the API starts it.
    pub fn served(&self) -> Vec<Checked> {
        let mut names = std::collections::BTreeSet::new();
        self.read()
            .values()
            .flat_map(|e| e.good.iter().flat_map(|g| g.checked.iter()))
            .filter(|c| names.insert(c.name().to_owned()))
            .cloned()
            .collect()
    }

    /// The served workflows (as [`Catalog::served`] has them) with a webhook
    /// on `path`, each with that trigger: what a hook's request looks up,
    /// without a copy of every served workflow.
    pub fn hooked(&self, path: &str) -> Vec<(Checked, wfc_language::ir::Webhook)> {
        let files = self.read();
        let mut names = std::collections::BTreeSet::new();
        let mut found = Vec::new();
        let served = files
            .values()
            .flat_map(|e| e.good.iter().flat_map(|g| g.checked.iter()))
            .filter(|c| names.insert(c.name()));
        for c in served {
            for t in &c.ir.triggers {
                match t {
                    wfc_language::ir::Trigger::Webhook(h) if h.path == path => {
                        found.push((c.clone(), h.clone()));
                    }
                    _ => {}
                }
            }
        }
        found
    }

    /// Every served workflow, by file; a file whose newest version does not
    /// load says so on each of its workflows.
    pub fn workflows(&self) -> Vec<WorkflowInfo> {
        let mut out = Vec::new();
        for e in self.read().values() {
            for w in e.good.iter().flat_map(|g| &g.workflows) {
                let mut w = w.clone();
                w.last_good = e.error.is_some();
                w.load_error = e.error.clone();
                out.push(w);
            }
        }
        out
    }

    /// Every served workflow ([`Catalog::served`]) with its file and the
    /// file's hash: what this server says it serves ([`crate::served`]).
    pub fn published(&self) -> Vec<wfc_store::served::Served> {
        let mut out: Vec<_> = (self.served().into_iter())
            .map(|c| wfc_store::served::Served {
                workflow: c.name().to_owned(),
                file: c.file.clone(),
                file_hash: c.file_hash.clone(),
            })
            .collect();
        out.sort();
        out
    }

    /// Every file found under the served paths, by name: what it serves
    /// and why its newest version does not load.
    pub fn files(&self) -> Vec<FileStatus> {
        self.read()
            .iter()
            .map(|(name, e)| FileStatus {
                file: name.clone(),
                workflows: e
                    .good
                    .iter()
                    .flat_map(|g| g.workflows.iter().map(|w| w.name.clone()))
                    .collect(),
                last_good: e.good.is_some() && e.error.is_some(),
                load_error: e.error.clone(),
            })
            .collect()
    }

    /// The folders of the files the served files import, found or not:
    /// watched too, so that a change to an import from elsewhere is seen.
    pub fn import_folders(&self) -> Vec<PathBuf> {
        let files = self.read();
        let mut out: Vec<PathBuf> = files
            .values()
            .flat_map(|e| e.seen.iter().skip(1))
            .filter_map(|s| s.path.parent().map(Path::to_path_buf))
            .map(|p| {
                if p.as_os_str().is_empty() {
                    PathBuf::from(".")
                } else {
                    p
                }
            })
            .collect();
        out.sort();
        out.dedup();
        out
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
        for e in files.values() {
            let checked = e.good.iter().flat_map(|g| &g.checked);
            if let Some(c) = checked.into_iter().find(|c| c.name() == name) {
                return Ok(c.clone());
            }
        }
        let names: Vec<String> = files
            .values()
            .flat_map(|e| {
                e.good
                    .iter()
                    .flat_map(|g| g.workflows.iter().map(|w| w.name.clone()))
            })
            .collect();
        let hint = wfc_language::diag::did_you_mean(name, names.iter().map(String::as_str))
            .map(|s| format!("; did you mean `{s}`?"))
            .unwrap_or_default();
        Err(Problem::new(
            Code::NotFound,
            format!("no workflow `{name}` is served{hint}"),
        ))
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, BTreeMap<String, Entry>> {
        self.files.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, BTreeMap<String, Entry>> {
        self.files.write().unwrap_or_else(|e| e.into_inner())
    }
}

/// The code of a [`LoadError`] for a file that cannot be read.
pub const UNREADABLE: &str = "API030";

/// A file as the catalog names it: as found, without a leading `./`.
pub fn name_of(path: &Path) -> String {
    path.strip_prefix(".").unwrap_or(path).display().to_string()
}

/// The first of `errors` (diagnostics as JSON, not empty), with their count.
fn load_error(errors: &[serde_json::Value]) -> LoadError {
    let first = &errors[0];
    let labels = first["labels"].as_array();
    let label = labels.and_then(|ls| ls.iter().find(|l| l["primary"] == true).or(ls.first()));
    let at = |key: &str| label.and_then(|l| l[key].as_u64()).map(|n| n as u32);
    let text = |key: &str| first[key].as_str().map(str::to_owned);
    LoadError {
        code: text("code").unwrap_or_default(),
        message: text("message").unwrap_or_default(),
        help: text("help"),
        file: text("file").unwrap_or_default(),
        line: at("line"),
        column: at("column"),
        errors: errors.len(),
    }
}

fn info(wf: &Workflow, file: &str) -> WorkflowInfo {
    WorkflowInfo {
        name: wf.name.clone(),
        file: file.to_owned(),
        description: wf.summary(),
        version: wf.version.clone(),
        tags: wf.tags.clone(),
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
        last_good: false,
        load_error: None,
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

//! A program: a file and every file it imports, each parsed and checked
//! once, imported modules before their importers, so a call is checked
//! against its callee wherever the callee lives.
//!
//! Paths are relative to the importing file; `std/…` names the library
//! embedded in wfc ([`stdlib`]). Diagnostics stay with the file they are
//! about: a unit's [`Analysis`] holds its own, at its own spans, and an
//! importer gets one E0224 per broken import.

mod files;
mod read;
pub mod stdlib;

pub use read::read_source;

use crate::analysis::{self, Analysis};
use crate::check::{self, Callable, ModuleEntry};
use crate::diag::{check as dc, Diagnostic};
use crate::ir::Workflow;
use crate::span::Span;
use crate::syntax::ast;
use rustc_hash::FxHashMap;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

/// Where the program's files come from (the disk; an editor adds its open buffers).
pub trait Sources {
    fn read(&self, path: &Path) -> std::io::Result<String>;

    /// Whether `path` is a file (a `python`/`node`/`sql` step's `file`,
    /// looked for as the file is loaded: W0156).
    fn exists(&self, path: &Path) -> bool {
        self.read(path).is_ok()
    }

    /// Whether the caller no longer wants the program (an editor's text
    /// changed meanwhile): the loader then skips the checks still to come,
    /// and the program it returns is of no use.
    fn cancelled(&self) -> bool {
        false
    }
}

/// Files as they are on disk.
pub struct Disk;

impl Sources for Disk {
    /// Regular files only: an import of a FIFO is refused, not waited on.
    fn read(&self, path: &Path) -> std::io::Result<String> {
        read_source(path)
    }

    fn exists(&self, path: &Path) -> bool {
        path.is_file()
    }
}

/// A file of the program.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum FileKey {
    /// A file on disk, as reached from the root's path.
    Path(PathBuf),
    /// A std module: `notify.wf` for `std/notify.wf`.
    Std(String),
}

impl FileKey {
    /// How the file is named in messages: its path, or `std/notify.wf`.
    pub fn display(&self) -> String {
        match self {
            FileKey::Path(p) => p.display().to_string(),
            FileKey::Std(n) => format!("std/{n}"),
        }
    }
}

/// One file of the program, analysed.
pub struct Unit {
    pub key: FileKey,
    /// Its parse, its check, and its diagnostics (imports' problems included).
    pub analysis: Analysis,
    /// For each of its imports, in order: the unit it loaded (None: not loaded).
    pub imports: Vec<Option<usize>>,
    /// Its workflows as callees (set when some file imports it).
    shared: Vec<Arc<Workflow>>,
}

/// A root file and what it imports, transitively.
pub struct Program {
    /// The root first, then every imported file once.
    pub units: Vec<Unit>,
}

impl Program {
    pub fn root(&self) -> &Unit {
        &self.units[0]
    }

    /// Whether any file of the program has errors.
    pub fn has_errors(&self) -> bool {
        self.units.iter().any(|u| u.analysis.has_errors())
    }
}

/// Loads `root` (whose text is `text`) and everything it imports, checked;
/// `references` keeps the tables the language server navigates by.
pub fn load(root: &Path, text: String, sources: &dyn Sources, references: bool) -> Program {
    load_file(FileKey::Path(root.to_path_buf()), text, sources, references)
}

/// [`load`] with the root named by its key: an editor opens a std module as
/// `FileKey::Std`, so its imports resolve as std's.
pub fn load_file(root: FileKey, text: String, sources: &dyn Sources, references: bool) -> Program {
    let mut l = Loader {
        sources,
        references,
        units: Vec::new(),
        index: FxHashMap::default(),
        stack: Vec::new(),
        cycles: Vec::new(),
    };
    l.load(root, text);
    Program {
        units: l.units.into_iter().map(|u| u.expect("loaded")).collect(),
    }
}

struct Loader<'s> {
    sources: &'s dyn Sources,
    references: bool,
    /// Slots in load order (a slot is filled once its file is checked).
    units: Vec<Option<Unit>>,
    index: FxHashMap<FileKey, usize>,
    /// The files being loaded, outermost first (for import cycles).
    stack: Vec<FileKey>,
    /// Cycles found deeper down, for the file that opened them to report
    /// too: (its depth in `stack`, the chain).
    cycles: Vec<(usize, Vec<String>)>,
}

impl Loader<'_> {
    fn load(&mut self, key: FileKey, text: String) -> usize {
        let slot = self.units.len();
        self.units.push(None);
        self.index.insert(key.clone(), slot);
        self.stack.push(key.clone());
        let name = key.display();
        let mut a = match &key {
            FileKey::Path(p) if crate::json_form::is_json_path(p) => {
                crate::json_form::parse_only(&name, text)
            }
            _ => analysis::parse_only(&name, text),
        };
        let mut imports = Vec::new();
        let mut modules: Vec<(ModuleEntry, Span)> = Vec::new();
        let mut diags = Vec::new();
        // Checkpoints: after the parse and after the imports, before checking.
        let file = a.parsed.file.as_ref().filter(|_| !self.sources.cancelled());
        if let Some(file) = file {
            let mut bound = Vec::new();
            for im in &file.imports {
                let loaded = self.import(&key, im, &mut diags);
                imports.push(loaded);
                let Some(name) = im.module_name() else {
                    if loaded.is_some() {
                        diags.push(dc::bad_import_path(im.path_span, "has no file name"));
                    }
                    continue;
                };
                if let Some((_, first)) = modules.iter().find(|(m, _)| m.name == name) {
                    diags.push(dc::module_name_clash(im.span, *first, &name, "module"));
                    continue;
                }
                if let Some(w) = file.workflow(&name) {
                    diags.push(dc::module_name_clash(
                        im.span,
                        w.name.span,
                        &name,
                        "workflow",
                    ));
                    continue;
                }
                let entry = match loaded {
                    Some(u) => {
                        bound.push(im);
                        let mut entry = self.entry(u, name);
                        entry.dir = im.path.as_deref().and_then(import_dir);
                        entry
                    }
                    // Calls into it resolve to nothing, quietly: the import is reported.
                    None => ModuleEntry {
                        name,
                        workflows: Vec::new(),
                        broken: true,
                        dir: None,
                    },
                };
                modules.push((entry, im.span));
            }
            unused_imports(file, &bound, &a.source.text, &mut diags);
            let file_name = (slot > 0).then(|| Arc::<str>::from(name.as_str()));
            let entries: Vec<_> = modules.into_iter().map(|(m, _)| m).collect();
            a.module = (!self.sources.cancelled()).then(|| {
                check::check_module_with(file, self.references, entries.clone(), file_name.clone())
            });
            if let (Some(m), FileKey::Path(p)) = (&a.module, &key) {
                let dir = p.parent().unwrap_or(Path::new(""));
                diags.extend(files::missing(m, dir, self.sources));
            }
            if !self.sources.cancelled() {
                a.check_bodies(|f| check::check_module_with(f, false, entries, file_name));
            }
        }
        a.import_diagnostics = diags;
        self.stack.pop();
        self.units[slot] = Some(Unit {
            key,
            analysis: a,
            imports,
            shared: Vec::new(),
        });
        slot
    }

    /// Resolves and loads one import of `from`; reports what goes wrong.
    fn import(
        &mut self,
        from: &FileKey,
        im: &ast::Import,
        diags: &mut Vec<Diagnostic>,
    ) -> Option<usize> {
        let Some(path) = im.path.as_deref() else {
            diags.push(dc::bad_import_path(im.path_span, "has `${…}` in it"));
            return None;
        };
        if !path.ends_with(".wf") {
            diags.push(dc::bad_import_path(
                im.path_span,
                "does not name a `.wf` file",
            ));
            return None;
        }
        let key = resolve(from, path);
        if let Some(at) = self.stack.iter().position(|k| *k == key) {
            let mut chain: Vec<String> = self.stack[at..].iter().map(FileKey::display).collect();
            chain.push(key.display());
            diags.push(dc::import_cycle(im.path_span, &chain));
            if at + 1 < self.stack.len() {
                self.cycles.push((at, chain));
            }
            return None;
        }
        let depth = self.stack.len() - 1;
        let u = match self.index.get(&key) {
            Some(&u) => u,
            None => {
                let text = match &key {
                    FileKey::Std(n) => stdlib::get(n)
                        .map(str::to_string)
                        .ok_or_else(|| "no such module in the std library".to_string()),
                    FileKey::Path(p) => self.sources.read(p).map_err(|e| io_reason(&e)),
                };
                match text {
                    Ok(text) => self.load(key.clone(), text),
                    Err(why) => {
                        let std: Vec<String> = stdlib::paths();
                        let std: Vec<&str> = std.iter().map(String::as_str).collect();
                        let tried = format!("`{}`", key.display());
                        diags.push(dc::import_not_found(im.path_span, path, &tried, &why, &std));
                        return None;
                    }
                }
            }
        };
        if let Some(i) = self.cycles.iter().position(|(d, _)| *d == depth) {
            let (_, chain) = self.cycles.remove(i);
            diags.push(dc::import_cycle(im.path_span, &chain));
            return None;
        }
        let errors = self.units[u].as_ref().map_or(0, |unit| {
            unit.analysis
                .diagnostics()
                .iter()
                .filter(|d| d.is_error())
                .count()
        });
        if errors > 0 {
            diags.push(dc::imported_errors(im.path_span, &key.display(), errors));
        }
        Some(u)
    }

    /// Unit `u`'s workflows, as the module `name` binds them.
    fn entry(&mut self, u: usize, name: String) -> ModuleEntry {
        let unit = self.units[u]
            .as_mut()
            .expect("an imported unit is loaded first");
        if unit.shared.is_empty() {
            if let Some(m) = &unit.analysis.module {
                unit.shared = m
                    .workflows
                    .iter()
                    .map(|c| {
                        let mut ir = c.ir.clone();
                        ir.references = Vec::new();
                        Arc::new(ir)
                    })
                    .collect();
            }
        }
        ModuleEntry {
            name,
            workflows: unit
                .shared
                .iter()
                .map(|ir| Callable {
                    name: ir.name.clone(),
                    ir: Some(ir.clone()),
                })
                .collect(),
            broken: false,
            dir: None,
        }
    }
}

/// The directory of import `path` relative to the importing file's: `lib`
/// for `"lib/deploy.wf"`, `../shared` for `"../shared/x.wf"`; `None` for the
/// same directory and for std modules (they have no files of their own).
fn import_dir(path: &str) -> Option<String> {
    if path.starts_with("std/") {
        return None;
    }
    let dir = normalize(Path::new(path).parent()?);
    (!dir.as_os_str().is_empty()).then(|| dir.display().to_string())
}

/// The file `path` names, imported from `from`.
fn resolve(from: &FileKey, path: &str) -> FileKey {
    if let Some(rest) = path.strip_prefix("std/") {
        return FileKey::Std(normalize(Path::new(rest)).display().to_string());
    }
    match from {
        FileKey::Path(p) => {
            let base = p.parent().unwrap_or(Path::new(""));
            FileKey::Path(normalize(&base.join(path)))
        }
        // A std module imports its siblings.
        FileKey::Std(n) => {
            let base = Path::new(n).parent().unwrap_or(Path::new(""));
            FileKey::Std(normalize(&base.join(path)).display().to_string())
        }
    }
}

/// `a/./b/../c.wf` → `a/c.wf`, without touching the disk (so a message names
/// the path the user wrote, and one file reached two ways is one unit).
pub fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir if out.file_name().is_some() => {
                out.pop();
            }
            c => out.push(c.as_os_str()),
        }
    }
    out
}

fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

/// W0135 for each import whose module no call names.
fn unused_imports(
    file: &ast::File,
    bound: &[&ast::Import],
    text: &str,
    diags: &mut Vec<Diagnostic>,
) {
    let mut targets = Vec::new();
    for w in &file.workflows {
        check::call_targets(&w.items, &mut targets);
    }
    for im in bound {
        let Some(name) = im.module_name() else {
            continue;
        };
        let used = targets.iter().any(|t| match t.parts.as_slice() {
            [m, _] => *m.name == *name,
            [one] => *one.name == *name && file.workflow(&name).is_none(),
            _ => false,
        });
        if !used {
            diags.push(dc::unused_import(im.span, line_of(text, im.span), &name));
        }
    }
}

/// The whole line `span` starts on, with its line end.
fn line_of(text: &str, span: Span) -> Span {
    let start = text[..span.start as usize].rfind('\n').map_or(0, |i| i + 1);
    let end = text[span.end as usize..]
        .find('\n')
        .map_or(text.len(), |i| span.end as usize + i + 1);
    Span::new(start, end)
}

//! Workflow files as resources of the server (issue 56): read, written and
//! deleted through the API (`/api/v1/files/{path}`) and MCP's authoring
//! tools, within the served folders only.
//!
//! - A path is relative to a served folder (`deploy/api.wf`): never
//!   absolute, never through `..`, a hidden folder or a symbolic link that
//!   leads out of the folder ([`resolve`]); only `.wf` files.
//! - A text is checked before anything is written ([`write()`]): one with
//!   errors is refused with its diagnostics (codes, places), as is one
//!   whose `secret` has a literal default (a secret's value is never
//!   written to a file). It may import the served files and `std/…` only.
//! - A write is atomic: a temporary file in the same folder, synced, then
//!   renamed over the file; the folder is synced too.
//! - The text a write or a delete replaces is kept ([`versions`]) under the
//!   state folder, never in the served one: the last [`versions::KEEP`].
//! - The catalog reads the file again at once ([`Catalog::reload`]).

pub mod versions;

use crate::catalog::{self, Catalog, WorkflowInfo};
use crate::problem::{Code, Problem};
use serde::Serialize;
use std::io::Write;
use std::path::{Component, Path, PathBuf};
use std::sync::Mutex;
use utoipa::ToSchema;
use versions::{VersionInfo, Versions};

/// One write or delete at a time: a version is kept, then the file
/// changed, without another change in between.
static CHANGING: Mutex<()> = Mutex::new(());

/// A `.wf` file within a served folder, as a request named it.
#[derive(Clone, Debug)]
pub struct Target {
    /// Relative to its served folder, with `/` between folders.
    pub path: String,
    /// The served folder (as served) joined with `path`: the catalog's name
    /// for it (`files[].file` in `GET /workflows`).
    pub file: PathBuf,
    /// The same under the served folder's real path (the links on the way
    /// resolved once, when it was checked): what is read, written and
    /// deleted, and what its versions are kept by.
    real: PathBuf,
}

impl Target {
    /// The file's name as the catalog lists it.
    pub fn name(&self) -> String {
        catalog::name_of(&self.file)
    }
}

/// A file's text as read, with its kept versions (newest first).
#[derive(Serialize, ToSchema)]
pub struct FileText {
    /// As the request named it, relative to its served folder.
    pub path: String,
    /// As `GET /workflows` lists it.
    pub file: String,
    /// The version read (`?version=N`); `null`: the file as it is now.
    pub version: Option<u32>,
    pub text: String,
    /// The texts kept of it, newest first: each one a write or a delete
    /// replaced.
    pub versions: Vec<VersionInfo>,
}

/// What a write did.
#[derive(Serialize, ToSchema)]
pub struct Written {
    pub path: String,
    pub file: String,
    /// No file was there before.
    pub created: bool,
    /// The version the replaced text was kept as (`null` when created).
    pub kept_version: Option<u32>,
    /// The workflows the file serves now.
    pub workflows: Vec<WorkflowInfo>,
}

/// What a delete did.
#[derive(Serialize, ToSchema)]
pub struct Deleted {
    pub path: String,
    pub file: String,
    /// The version the deleted text was kept as: `GET …?version=N` reads
    /// it, a `PUT` of it restores the file.
    pub kept_version: u32,
}

/// The served folders (a served file is not a folder one may write in).
fn folders(catalog: &Catalog) -> Vec<PathBuf> {
    catalog
        .roots()
        .iter()
        .filter(|r| r.is_dir())
        .cloned()
        .collect()
}

/// The `.wf` files the catalog found within the served folders, by the
/// catalog's name for each: its path relative to its folder (as
/// `/files/{path}` names it).
pub fn served_paths_by_file(catalog: &Catalog) -> std::collections::BTreeMap<String, String> {
    let roots: Vec<String> = folders(catalog)
        .iter()
        .map(|f| catalog::name_of(f).trim_end_matches('/').to_owned())
        .collect();
    catalog
        .files()
        .into_iter()
        .filter_map(|f| {
            let rel = roots.iter().find_map(|r| {
                if r.is_empty() {
                    Some(f.file.as_str())
                } else {
                    f.file.strip_prefix(r.as_str())?.strip_prefix('/')
                }
            })?;
            let rel = rel.strip_prefix("./").unwrap_or(rel);
            rel.ends_with(".wf")
                .then(|| (f.file.clone(), rel.to_owned()))
        })
        .collect()
}

/// [`served_paths_by_file`]'s paths, sorted.
pub fn served_paths(catalog: &Catalog) -> Vec<String> {
    let mut paths: Vec<String> = served_paths_by_file(catalog).into_values().collect();
    paths.sort();
    paths
}

/// `path`, checked to name a `.wf` file within a served folder: the first
/// folder that has it, else the first folder.
pub fn resolve(catalog: &Catalog, path: &str) -> Result<Target, Problem> {
    let rel = relative(path)?;
    let folders = folders(catalog);
    let root = folders
        .iter()
        .find(|f| f.join(&rel).symlink_metadata().is_ok())
        .or(folders.first())
        .ok_or_else(|| outside("no folder is served: files are written only within one"))?;
    let real = confined(root, &rel)?;
    let path = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/");
    Ok(Target {
        path,
        file: root.join(&rel),
        real,
    })
}

/// `path` as a relative path of normal components, ending in `.wf`, in no
/// folder the served folders' search skips.
fn relative(path: &str) -> Result<PathBuf, Problem> {
    let p = Path::new(path);
    if path.is_empty() || path.contains('\0') {
        return Err(outside("the path is empty or holds a NUL byte"));
    }
    if p.is_absolute() {
        return Err(outside(format!(
            "`{path}` is absolute: name a file relative to a served folder"
        )));
    }
    let mut rel = PathBuf::new();
    for c in p.components() {
        match c {
            Component::Normal(part) => {
                let part_text = part.to_string_lossy();
                if !crate::discover::searched_folder(&part_text) {
                    return Err(outside(format!(
                        "`{path}` is in `{part_text}`, which the served folders' search skips"
                    )));
                }
                rel.push(part);
            }
            Component::CurDir => {}
            _ => {
                return Err(outside(format!(
                    "`{path}` leaves its folder: name a file within a served folder, without `..`"
                )))
            }
        }
    }
    if rel.extension().is_none_or(|e| e != "wf") {
        return Err(outside(format!("`{path}` is not a `.wf` file")));
    }
    Ok(rel)
}

/// `root/rel`'s real path, once sure that no link leads it out of `root`
/// and that it is not itself a link (a write would replace the link).
fn confined(root: &Path, rel: &Path) -> Result<PathBuf, Problem> {
    let real_root = root.canonicalize().map_err(Problem::store)?;
    let file = root.join(rel);
    // The deepest folder of it that exists, links resolved, is within.
    let mut folder = file.parent().map(Path::to_path_buf).unwrap_or_default();
    let mut missing = Vec::new();
    while folder.symlink_metadata().is_err() {
        let Some(name) = folder.file_name().map(|n| n.to_os_string()) else {
            break;
        };
        missing.push(name);
        folder.pop();
    }
    // A link that leads nowhere (or round in a loop) is no way in either.
    let real_folder = folder.canonicalize().map_err(|e| {
        outside(format!(
            "`{}` goes through `{}`, which cannot be followed: {e}",
            rel.display(),
            folder.display()
        ))
    })?;
    if !real_folder.starts_with(&real_root) || !real_folder.is_dir() {
        return Err(outside(format!(
            "`{}` leads out of the served folder (through a link) or through a file",
            rel.display()
        )));
    }
    if file
        .symlink_metadata()
        .is_ok_and(|m| m.file_type().is_symlink() || !m.is_file())
    {
        return Err(outside(format!(
            "`{}` is a link or not a file: only plain files are read and written",
            rel.display()
        )));
    }
    let mut real = real_folder;
    real.extend(missing.into_iter().rev());
    real.push(file.file_name().unwrap_or_default());
    Ok(real)
}

fn outside(detail: impl Into<String>) -> Problem {
    Problem::new(Code::OutsideServed, detail)
}

/// The versions kept of `target` under `state_dir`.
pub fn versions_of(state_dir: &Path, target: &Target) -> Versions {
    Versions::of(state_dir, &target.real)
}

/// `target`'s text now, or version `version` of it.
pub fn read(state_dir: &Path, target: &Target, version: Option<u32>) -> Result<FileText, Problem> {
    let versions = versions_of(state_dir, target);
    let text = match version {
        Some(n) => versions.read(n).ok_or_else(|| {
            Problem::new(
                Code::NoVersion,
                format!(
                    "{} has no version {n} (its versions list says which it has)",
                    target.path
                ),
            )
        })?,
        None => std::fs::read_to_string(&target.real).map_err(|e| not_there(target, e))?,
    };
    Ok(FileText {
        path: target.path.clone(),
        file: target.name(),
        version,
        text,
        versions: versions.list(),
    })
}

fn not_there(target: &Target, e: std::io::Error) -> Problem {
    if e.kind() == std::io::ErrorKind::NotFound {
        Problem::new(
            Code::NotFound,
            format!("no file {} in the served folders", target.path),
        )
    } else {
        Problem::store(format!("cannot read {}: {e}", target.path))
    }
}

/// Checks `text` as `target`'s: its errors (and a secret's literal
/// default) refuse it, with the diagnostics. It may import the served
/// files and `std/…` only, as a posted file may (`POST /validate`): any
/// other path is one `E0220`, whether a file is there or not, so that
/// writing is no way to read or probe the rest of the machine.
pub fn check(catalog: &Catalog, target: &Target, text: &str) -> Result<Vec<WorkflowInfo>, Problem> {
    let sources = catalog.posted_sources();
    let checked = catalog::check_with(&target.name(), text.to_owned(), &sources);
    if !checked.errors.is_empty() {
        let mut p = Problem::new(
            Code::Invalid,
            format!("{} has errors; nothing was written", target.path),
        );
        p.diagnostics = checked.errors;
        return Err(p);
    }
    for w in &checked.workflows {
        if let Some(s) = w
            .params
            .iter()
            .find(|p| p.secret && p.default.as_deref() == Some(MASK))
        {
            return Err(Problem::new(
                Code::Invalid,
                format!(
                    "secret `{}` of workflow `{}` has a literal default: a secret's value is never written to a file; read it with `env(\"NAME\")`. Nothing was written",
                    s.name, w.name
                ),
            ));
        }
    }
    Ok(checked.workflows)
}

/// How a masked default shows (`wfc list`'s `***`): a secret's literal.
const MASK: &str = "***";

/// Whether a write may create the file, replace it, or both.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Created or replaced (`PUT`).
    Any,
    /// Created only: refused (`API142`) when the file exists.
    Create,
    /// Replaced only: refused (`API003`) when there is no such file.
    Update,
}

/// Writes `text` to `target` once it checks, as `mode` allows. The text
/// replaced is kept as a version; the catalog reads the file again.
pub fn write(
    catalog: &Catalog,
    state_dir: &Path,
    target: &Target,
    text: &str,
    mode: Mode,
) -> Result<Written, Problem> {
    let workflows = check(catalog, target, text)?;
    let _one = CHANGING.lock().unwrap_or_else(|e| e.into_inner());
    let before = match std::fs::read_to_string(&target.real) {
        Ok(t) => Some(t),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(not_there(target, e)),
    };
    match (mode, &before) {
        (Mode::Create, Some(_)) => {
            return Err(Problem::new(
                Code::FileExists,
                format!(
                    "{} exists; nothing was written (update it instead)",
                    target.path
                ),
            ))
        }
        (Mode::Update, None) => {
            return Err(Problem::new(
                Code::NotFound,
                format!(
                    "no file {} in the served folders; nothing was written (create it instead)",
                    target.path
                ),
            ))
        }
        _ => {}
    }
    let kept_version = match &before {
        Some(t) => Some(versions_of(state_dir, target).keep(t).map_err(|e| {
            Problem::store(format!("cannot keep a version of {}: {e}", target.path))
        })?),
        None => None,
    };
    atomic_write(&target.real, text)
        .map_err(|e| Problem::store(format!("cannot write {}: {e}", target.path)))?;
    served_again(catalog, target);
    Ok(Written {
        path: target.path.clone(),
        file: target.name(),
        created: before.is_none(),
        kept_version,
        workflows,
    })
}

/// Deletes `target`, its text kept as a version first.
pub fn delete(catalog: &Catalog, state_dir: &Path, target: &Target) -> Result<Deleted, Problem> {
    let _one = CHANGING.lock().unwrap_or_else(|e| e.into_inner());
    let before = std::fs::read_to_string(&target.real).map_err(|e| not_there(target, e))?;
    let kept_version = versions_of(state_dir, target)
        .keep(&before)
        .map_err(|e| Problem::store(format!("cannot keep a version of {}: {e}", target.path)))?;
    std::fs::remove_file(&target.real)
        .map_err(|e| Problem::store(format!("cannot delete {}: {e}", target.path)))?;
    if let Some(folder) = target.real.parent() {
        sync_folder(folder);
    }
    served_again(catalog, target);
    Ok(Deleted {
        path: target.path.clone(),
        file: target.name(),
        kept_version,
    })
}

/// The catalog reads `target` again now (the watch would, a moment
/// later), then the files that import it: their checks read it too.
fn served_again(catalog: &Catalog, target: &Target) {
    catalog.reload(&target.file);
    catalog.sync(&crate::discover::search(catalog.roots()).files);
}

/// Writes `text` to `file` whole or not at all: a temporary file in the
/// same folder (missing folders made), synced, renamed over it (with the
/// old file's permissions), then the folder synced.
pub fn atomic_write(file: &Path, text: &str) -> std::io::Result<()> {
    let folder = match file.parent() {
        Some(f) if !f.as_os_str().is_empty() => f.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&folder)?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".wfc-")
        .suffix(".tmp")
        .tempfile_in(&folder)?;
    tmp.write_all(text.as_bytes())?;
    let permissions = match std::fs::metadata(file) {
        Ok(m) => m.permissions(),
        Err(_) => std::os::unix::fs::PermissionsExt::from_mode(0o644),
    };
    tmp.as_file().set_permissions(permissions)?;
    tmp.as_file().sync_all()?;
    tmp.persist(file).map_err(|e| e.error)?;
    sync_folder(&folder);
    Ok(())
}

/// Syncs a folder's entries (a rename or a removal in it) to disk.
fn sync_folder(folder: &Path) {
    if let Ok(f) = std::fs::File::open(folder) {
        let _ = f.sync_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_stay_relative_and_within() {
        assert!(relative("a/b.wf").is_ok());
        assert_eq!(relative("./a/./b.wf").unwrap(), PathBuf::from("a/b.wf"));
        for bad in [
            "",
            "../x.wf",
            "a/../../x.wf",
            "/etc/x.wf",
            "a/b.txt",
            ".git/x.wf",
            "a/target/x.wf",
        ] {
            let p = relative(bad).unwrap_err();
            assert_eq!(p.code, Code::OutsideServed, "{bad}");
        }
    }

    #[test]
    fn a_write_is_whole_and_keeps_permissions() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("sub/a.wf");
        atomic_write(&f, "one").unwrap();
        assert_eq!(std::fs::read_to_string(&f).unwrap(), "one");
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o600)).unwrap();
        atomic_write(&f, "two").unwrap();
        assert_eq!(std::fs::read_to_string(&f).unwrap(), "two");
        let mode = std::fs::metadata(&f).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let left: Vec<_> = std::fs::read_dir(dir.path().join("sub")).unwrap().collect();
        assert_eq!(left.len(), 1, "no temporary file is left");
    }
}

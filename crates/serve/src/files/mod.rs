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
//! - Every read, write and delete goes through the served folder's handle
//!   ([`folder`]): a link swapped in after the check leads nowhere out.
//! - A write is atomic: a temporary file in the same folder, synced, then
//!   renamed over the file; the folder is synced too.
//! - The text a write or a delete replaces is kept ([`versions`]) under the
//!   state folder, never in the served one: the last [`versions::KEEP`];
//!   one change at a time on a state folder, whichever process makes it
//!   (`wfc serve`, `wfc mcp`): [`versions::Changing`].
//! - The catalog reads the file again at once ([`Catalog::reload`]).

pub mod folder;
pub mod versions;

use crate::catalog::{self, Catalog, WorkflowInfo};
use crate::problem::{Code, Problem};
use serde::Serialize;
use std::io::Write;
use std::path::{Component, Path, PathBuf};
use utoipa::ToSchema;
use versions::{VersionInfo, Versions};

/// A `.wf` file within a served folder, as a request named it.
#[derive(Clone, Debug)]
pub struct Target {
    /// Relative to its served folder, with `/` between folders.
    pub path: String,
    /// The served folder (as served) joined with `path`: the catalog's name
    /// for it (`files[].file` in `GET /workflows`).
    pub file: PathBuf,
    /// The served folder's real path when the server started: opened
    /// ([`folder::Folder`]) for each read, write and delete.
    root: PathBuf,
    /// `path` as a relative path under it.
    rel: PathBuf,
}

impl Target {
    /// The file's name as the catalog lists it.
    pub fn name(&self) -> String {
        catalog::name_of(&self.file)
    }

    /// What its versions are kept by: the real path it has under its
    /// folder.
    fn key(&self) -> PathBuf {
        self.root.join(&self.rel)
    }

    /// Its folder, opened; a folder that cannot be (replaced by a link,
    /// removed) is a problem.
    fn folder(&self) -> Result<folder::Folder, Problem> {
        folder::Folder::open(&self.root).map_err(|e| {
            outside(format!(
                "the served folder of {} cannot be opened as it was served ({}): {e}",
                self.path,
                self.root.display()
            ))
        })
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
    let real_root = catalog
        .real_root(root)
        .ok_or_else(|| outside(format!("{} is no longer a folder", root.display())))?;
    confined(root, &rel)?;
    let path = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/");
    Ok(Target {
        path,
        file: root.join(&rel),
        root: real_root,
        rel,
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
    // What Linux's file systems hold: a path of 4,096 bytes, names of 255.
    if path.len() > 4096 || p.components().any(|c| c.as_os_str().len() > 255) {
        return Err(outside(
            "the path is longer than a file system holds (4,096 bytes, 255 a name)",
        ));
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

/// Checks at once that no link leads `root/rel` out of `root` and that it
/// is not itself a link (a write would replace the link), for a clear
/// answer; the handle of [`folder`] is what holds it when the file is used.
fn confined(root: &Path, rel: &Path) -> Result<(), Problem> {
    let real_root = root.canonicalize().map_err(Problem::store)?;
    let file = root.join(rel);
    // The deepest folder of it that exists, links resolved, is within.
    let mut folder = file.parent().map(Path::to_path_buf).unwrap_or_default();
    while folder.symlink_metadata().is_err() {
        if !folder.pop() {
            break;
        }
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
    Ok(())
}

fn outside(detail: impl Into<String>) -> Problem {
    Problem::new(Code::OutsideServed, detail)
}

/// The versions kept of `target` under `state_dir`.
pub fn versions_of(state_dir: &Path, target: &Target) -> Versions {
    Versions::of(state_dir, &target.key())
}

/// `target`'s text now; `None` when there is no such file.
fn text_now(target: &Target) -> Result<Option<String>, Problem> {
    let folder = target.folder()?;
    match folder.kind(&target.rel) {
        Ok(None) => return Ok(None),
        Ok(Some(folder::Kind::File)) => {}
        Ok(Some(_)) => {
            return Err(outside(format!(
                "`{}` is a link or not a file: only plain files are read and written",
                target.path
            )))
        }
        Err(e) => return Err(used(target, e)),
    }
    match folder.read(&target.rel) {
        Ok(t) => Ok(Some(t)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(used(target, e)),
    }
}

/// A failed read, write or delete of `target`: a way out of its folder (a
/// link swapped in) is refused as such; anything else is the server's.
fn used(target: &Target, e: std::io::Error) -> Problem {
    // (EEXIST: a link or a file where a folder of the path was to be made.)
    // (ENAMETOOLONG: a path no file system holds; InvalidInput: not a
    // regular file once opened.)
    let out = [
        nix::libc::ELOOP,
        nix::libc::EXDEV,
        nix::libc::ENOTDIR,
        nix::libc::EEXIST,
        nix::libc::ENAMETOOLONG,
    ];
    if matches!(
        e.kind(),
        std::io::ErrorKind::PermissionDenied | std::io::ErrorKind::InvalidInput
    ) || e.raw_os_error().is_some_and(|n| out.contains(&n))
    {
        outside(format!(
            "`{}` leads out of the served folder (through a link) or cannot be reached: {e}",
            target.path
        ))
    } else {
        Problem::store(format!("{}: {e}", target.path))
    }
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
        None => text_now(target)?.ok_or_else(|| {
            Problem::new(
                Code::NotFound,
                format!("no file {} in the served folders", target.path),
            )
        })?,
    };
    Ok(FileText {
        path: target.path.clone(),
        file: target.name(),
        version,
        text,
        versions: versions.list(),
    })
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
    writable(catalog, state_dir)?;
    let workflows = check(catalog, target, text)?;
    let _one = changing(state_dir)?;
    let before = text_now(target)?;
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
    target
        .folder()?
        .write(&target.rel, text)
        .map_err(|e| used(target, e))?;
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
    writable(catalog, state_dir)?;
    let _one = changing(state_dir)?;
    let before = text_now(target)?.ok_or_else(|| {
        Problem::new(
            Code::NotFound,
            format!("no file {} in the served folders", target.path),
        )
    })?;
    let kept_version = versions_of(state_dir, target)
        .keep(&before)
        .map_err(|e| Problem::store(format!("cannot keep a version of {}: {e}", target.path)))?;
    target
        .folder()?
        .remove(&target.rel)
        .map_err(|e| used(target, e))?;
    served_again(catalog, target);
    Ok(Deleted {
        path: target.path.clone(),
        file: target.name(),
        kept_version,
    })
}

/// The lock of one change at a time on `state_dir`'s files.
/// Refuses a change on a server that shares its store with other live
/// servers while its served folders are its own: the others would not
/// serve the file, nor resume its runs.
fn writable(catalog: &Catalog, state_dir: &Path) -> Result<(), Problem> {
    if catalog.shared() || crate::lease::current().is_none() {
        return Ok(());
    }
    let store = wfc_store::Store::open(state_dir).map_err(|e| Problem::store(e.to_string()))?;
    let others = wfc_store::servers::others_alive(&store).map_err(Problem::store)?;
    if !others {
        return Ok(());
    }
    Err(Problem::new(
        Code::FolderNotShared,
        "this server shares its run store with other live servers, and its served folders are \
         its own (it was started without --shared-flows): a file changed here would be served \
         by this server only, and its runs could not be resumed by the others. Change the files \
         where every server's folders come from (a deployment, a checkout), or start every \
         server with --shared-flows when they serve one shared folder; nothing was written",
    ))
}

fn changing(state_dir: &Path) -> Result<versions::Changing, Problem> {
    versions::Changing::take(state_dir)
        .map_err(|e| Problem::store(format!("cannot lock the file versions: {e}")))
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

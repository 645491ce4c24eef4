//! The files around a document: where its imports are read from (the open
//! buffers first, then the disk), the std library as read-only files an
//! editor can open, and `.wf` files for import path completion.
//!
//! The std library is embedded in wfc; to let any editor jump into it, a
//! definition there materialises the module as a read-only (0444) file under
//! `$XDG_CACHE_HOME/wfc/std/<version>/`. A document opened from that
//! directory is analysed as the std module it is, so its own imports resolve
//! as std's.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tower_lsp::lsp_types::Url;
use wfc_language::ide::{CompletionItem, CompletionKind};
use wfc_language::program::{stdlib, FileKey, Sources};

/// Open documents' texts by path, over the disk.
pub struct OpenFiles(pub HashMap<PathBuf, Arc<str>>);

impl Sources for OpenFiles {
    fn read(&self, path: &Path) -> std::io::Result<String> {
        match self.0.get(path) {
            Some(text) => Ok(text.to_string()),
            // A FIFO is refused, not waited on (the editor would hang).
            None => wfc_language::program::read_source(path),
        }
    }
}

/// Where std modules are materialised: `$XDG_CACHE_HOME/wfc/std/<version>`
/// (`~/.cache` without it); `None` when neither is set.
pub fn default_std_dir() -> Option<PathBuf> {
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))?;
    Some(
        cache
            .join("wfc")
            .join("std")
            .join(env!("CARGO_PKG_VERSION")),
    )
}

/// The program file a document is: a std module when it lies in `std_dir`.
pub fn key_of(uri: &Url, std_dir: Option<&Path>) -> FileKey {
    let Ok(path) = uri.to_file_path() else {
        // An unsaved buffer (`untitled:`): its relative imports resolve nowhere.
        return FileKey::Path(PathBuf::from(uri.as_str()));
    };
    if let Some(rest) = std_dir.and_then(|d| path.strip_prefix(d).ok()) {
        let name = rest.to_string_lossy().replace('\\', "/");
        if stdlib::get(&name).is_some() {
            return FileKey::Std(name);
        }
    }
    FileKey::Path(path)
}

/// The URI of a program file; a std module is written out first.
pub fn uri_of(key: &FileKey, std_dir: Option<&Path>) -> Option<Url> {
    match key {
        FileKey::Path(p) => Url::from_file_path(p).ok(),
        FileKey::Std(name) => Url::from_file_path(materialise_std(std_dir?, name).ok()?).ok(),
    }
}

/// Writes std module `name` under `dir`, read-only; rewrites it only when
/// its text differs (a build of the same version with another std).
pub fn materialise_std(dir: &Path, name: &str) -> std::io::Result<PathBuf> {
    let text = stdlib::get(name).ok_or(std::io::ErrorKind::NotFound)?;
    let path = dir.join(name);
    if wfc_language::program::read_source(&path).is_ok_and(|t| t == text) {
        return Ok(path);
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    // Write beside it and rename, so a reader never sees half a module and
    // an older read-only copy needs no chmod.
    let tmp = path.with_extension(format!("wf.{}.tmp", std::process::id()));
    std::fs::write(&tmp, text)?;
    set_read_only(&tmp)?;
    std::fs::rename(&tmp, &path)?;
    Ok(path)
}

#[cfg(unix)]
fn set_read_only(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o444))
}

#[cfg(not(unix))]
fn set_read_only(path: &Path) -> std::io::Result<()> {
    let mut p = std::fs::metadata(path)?.permissions();
    p.set_readonly(true);
    std::fs::set_permissions(path, p)
}

/// How deep import path completion looks below the typed directory.
const MAX_DEPTH: usize = 3;
/// At most this many files are offered.
const MAX_FILES: usize = 200;

/// `.wf` files an import in `document` could name, given the path typed so
/// far: those under the typed directory (relative to the document's), as
/// the import would write them.
pub fn import_files(document: &Path, typed: &str) -> Vec<CompletionItem> {
    let Some(base) = document.parent() else {
        return Vec::new();
    };
    let typed_dir = typed.rfind('/').map_or("", |i| &typed[..=i]);
    if typed_dir.starts_with("std/") {
        return Vec::new();
    }
    let mut found = Vec::new();
    walk(&base.join(typed_dir), typed_dir, 0, &mut found);
    found
        .into_iter()
        .filter(|(_, path)| path != document)
        .map(|(rel, _)| {
            let mut item = CompletionItem::new(rel, CompletionKind::Block);
            item.detail = Some("workflow file".into());
            item
        })
        .collect()
}

fn walk(dir: &Path, prefix: &str, depth: usize, out: &mut Vec<(String, PathBuf)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.filter_map(Result::ok).collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        if out.len() >= MAX_FILES {
            return;
        }
        let name = e.file_name().to_string_lossy().into_owned();
        // Hidden directories (`.git`, `.wfc`) and build output hold no modules.
        if name.starts_with('.') || name == "target" || name == "node_modules" {
            continue;
        }
        let path = e.path();
        let Ok(kind) = e.file_type() else { continue };
        if kind.is_dir() && depth < MAX_DEPTH {
            walk(&path, &format!("{prefix}{name}/"), depth + 1, out);
        } else if kind.is_file() && name.ends_with(".wf") {
            out.push((format!("{prefix}{name}"), path));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_materialised_std_module_is_read_only_and_analysed_as_std() {
        let dir = std::env::temp_dir().join(format!("wfc-std-test-{}", std::process::id()));
        let (name, text) = stdlib::FILES[0];
        let path = materialise_std(&dir, name).expect("written");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
        let readonly = std::fs::metadata(&path).unwrap().permissions().readonly();
        assert!(readonly, "the copy is read-only");
        // Twice is fine: the file is there with the same text.
        assert_eq!(materialise_std(&dir, name).unwrap(), path);
        let uri = Url::from_file_path(&path).unwrap();
        assert_eq!(key_of(&uri, Some(&dir)), FileKey::Std(name.to_string()));
        let _ = std::fs::remove_dir_all(&dir);
    }
}

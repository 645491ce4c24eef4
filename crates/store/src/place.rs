//! Where the run store is, found as git finds `.git`: `--state-dir`, else
//! `$WFC_STATE_DIR`, else the nearest `.wfc` at or above the current
//! folder, else a new one beside the workflow file (or, for a command
//! without one, in the current folder). A new store folder gets a
//! `.gitignore` of `*`, so that nothing of it is committed by accident.

use crate::{DEFAULT_DIR, ENV_VAR};
use std::path::{Path, PathBuf};

/// The state directory for a command: `flag` (`--state-dir`), else
/// `$WFC_STATE_DIR`, else the nearest `.wfc` folder at or above the current
/// folder, else `.wfc` beside `workflow` (the file a command runs), else
/// `.wfc` in the current folder.
pub fn find(flag: Option<&Path>, workflow: Option<&Path>) -> PathBuf {
    if let Some(p) = flag {
        return p.to_path_buf();
    }
    if let Some(v) = std::env::var_os(ENV_VAR).filter(|v| !v.is_empty()) {
        return PathBuf::from(v);
    }
    let found = match std::env::current_dir().ok().and_then(|d| nearest(&d)) {
        Some(found) => found,
        None => match workflow.filter(|f| f.as_os_str() != "-") {
            Some(file) => match file.parent() {
                Some(dir) if !dir.as_os_str().is_empty() => dir.join(DEFAULT_DIR),
                _ => PathBuf::from(DEFAULT_DIR),
            },
            None => PathBuf::from(DEFAULT_DIR),
        },
    };
    fence(&found);
    found
}

/// The variable a test runner sets to a folder (the system's temp folder)
/// that every store a command finds or places by itself must be within:
/// a test then cannot read or write a store it did not make — the
/// checkout's, or one a person's own runs left above it.
pub const TEST_ROOT_VAR: &str = "WFC_TEST_STATE_ROOT";

/// Under [`TEST_ROOT_VAR`], ends the command (exit 2, saying why) when
/// `found` is a store outside that folder: loudly, so that the test is
/// mended (its own `--state-dir`, or its own temporary folder), not its
/// result changed by someone else's runs. (One not there yet is fenced
/// when it would be made: [`create`].)
fn fence(found: &Path) {
    if found.is_dir() {
        fence_at(found, "found its run store");
    }
}

fn fence_at(dir: &Path, what: &str) {
    let Some(root) = std::env::var_os(TEST_ROOT_VAR).filter(|v| !v.is_empty()) else {
        return;
    };
    let root = std::fs::canonicalize(&root).unwrap_or_else(|_| PathBuf::from(&root));
    if !within(dir, &root) {
        eprintln!(
            "error: {TEST_ROOT_VAR} is {}, and this command {what} at {}, outside it: a test must use a store of its own (`--state-dir`, or a temporary working folder)",
            root.display(),
            dir.display()
        );
        std::process::exit(2);
    }
}

/// Whether `path` (relative to the working folder, maybe not made yet) is
/// within `root` once the links of what exists of it are resolved.
fn within(path: &Path, root: &Path) -> bool {
    let abs = match std::env::current_dir() {
        Ok(cwd) => cwd.join(path),
        Err(_) => return false,
    };
    let mut existing = abs.as_path();
    let mut rest = Vec::new();
    while std::fs::symlink_metadata(existing).is_err() {
        let (Some(parent), Some(name)) = (existing.parent(), existing.file_name()) else {
            return false;
        };
        rest.push(name.to_os_string());
        existing = parent;
    }
    let Ok(mut real) = std::fs::canonicalize(existing) else {
        return false;
    };
    real.extend(rest.into_iter().rev());
    real.starts_with(root)
}

/// The nearest `.wfc` folder at or above `dir`, shown relative to `dir`
/// when it is `dir`'s own (`.wfc`, as before stores were searched for).
/// The search stops below `/` and the system temp folder: a store there
/// belongs to no project, and would gather every run of the folders below.
pub fn nearest(dir: &Path) -> Option<PathBuf> {
    let own = dir.join(DEFAULT_DIR);
    if own.is_dir() {
        return Some(PathBuf::from(DEFAULT_DIR));
    }
    let temp = std::fs::canonicalize(std::env::temp_dir()).ok();
    dir.ancestors()
        .skip(1)
        .take_while(|d| d.parent().is_some() && Some(*d) != temp.as_deref())
        .map(|d| d.join(DEFAULT_DIR))
        .find(|p| p.is_dir())
}

/// Makes the state directory `dir` if it is not there, with a `.gitignore`
/// that ignores everything in it.
pub fn create(dir: &Path) -> std::io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    fence_at(dir, "would make a run store");
    std::fs::create_dir_all(dir)?;
    std::fs::write(dir.join(".gitignore"), "*\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_nearest_store_above_is_found_and_a_new_one_ignores_itself() {
        let tmp = tempfile::tempdir().unwrap();
        let sub = tmp.path().join("a/b");
        std::fs::create_dir_all(&sub).unwrap();
        assert_eq!(nearest(&sub), None);
        let store = tmp.path().join("a").join(DEFAULT_DIR);
        create(&store).unwrap();
        assert_eq!(
            std::fs::read_to_string(store.join(".gitignore")).unwrap(),
            "*\n"
        );
        assert_eq!(nearest(&sub), Some(store));
        assert_eq!(
            nearest(&tmp.path().join("a")),
            Some(PathBuf::from(DEFAULT_DIR))
        );
    }
}

//! What a posted file (`POST /validate`, MCP's `validate`) may read: the
//! served workflow files, and nothing else of the server's machine. Every
//! other path, whether a file is there or not, gets one and the same
//! answer, so that validating is no way to learn what exists elsewhere.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use wfc_language::program::Sources;

/// Why an import of a posted file was not read: the same for every path
/// that is not a served file.
const NOT_SERVED: &str =
    "not a workflow file this server serves (a posted file may import only those, and `std/…`)";

/// The served files (and folders) a posted file may read.
pub struct ServedOnly {
    /// Each served file, by its real path.
    files: HashSet<PathBuf>,
    /// The served folders, by their real paths (for a step's `file`).
    folders: Vec<PathBuf>,
}

impl ServedOnly {
    /// `files` as the catalog names them, under `roots`.
    pub fn new<'a>(files: impl IntoIterator<Item = &'a str>, roots: &[PathBuf]) -> ServedOnly {
        ServedOnly {
            files: files
                .into_iter()
                .filter_map(|f| std::fs::canonicalize(f).ok())
                .collect(),
            folders: roots
                .iter()
                .filter_map(|r| std::fs::canonicalize(r).ok())
                .filter(|r| r.is_dir())
                .collect(),
        }
    }
}

impl Sources for ServedOnly {
    fn read(&self, path: &Path) -> std::io::Result<String> {
        match std::fs::canonicalize(path) {
            Ok(real) if self.files.contains(&real) => wfc_language::program::read_source(&real),
            _ => Err(std::io::Error::other(NOT_SERVED)),
        }
    }

    /// A file below a served folder; `false` for every other path.
    fn exists(&self, path: &Path) -> bool {
        std::fs::canonicalize(path)
            .is_ok_and(|real| real.is_file() && self.folders.iter().any(|f| real.starts_with(f)))
    }
}

//! W0300 for `wfc check`: a relative path of a file checked from another
//! folder, which once resolved in the folder `wfc` ran in and now resolves
//! in the workflow's (or in `--workdir`). One warning per file, at its
//! first such place, so an old file says so once.

use std::path::{Path, PathBuf};
use wfc_language::analysis::Analysis;
use wfc_language::check::moved_paths::relative_places;
use wfc_language::diag::{check as dc, Diagnostic};

/// The folders a check compares: where `wfc` runs and `--workdir`.
pub struct Moved {
    cwd: Option<PathBuf>,
    workdir: Option<PathBuf>,
}

impl Moved {
    pub fn new(workdir: Option<&Path>) -> Moved {
        Moved {
            cwd: std::env::current_dir()
                .ok()
                .and_then(|d| std::fs::canonicalize(d).ok()),
            workdir: workdir.and_then(|d| std::fs::canonicalize(d).ok()),
        }
    }

    /// W0300 for `file` when its relative paths resolve elsewhere than in
    /// the current folder.
    pub fn check(&self, file: &Path, analysis: &Analysis) -> Option<Diagnostic> {
        let cwd = self.cwd.as_ref()?;
        if file.as_os_str() == "-" {
            return None;
        }
        let base = match &self.workdir {
            Some(w) => w.clone(),
            None => {
                let parent = file.parent().filter(|p| !p.as_os_str().is_empty());
                std::fs::canonicalize(parent.unwrap_or(Path::new("."))).ok()?
            }
        };
        if &base == cwd {
            return None;
        }
        let module = analysis.module.as_ref()?;
        let mut places = module.workflows.iter().flat_map(|w| relative_places(&w.ir));
        let (span, what) = places.next()?;
        let shown = base.display().to_string();
        Some(dc::path_moved(span, &what, &shown, places.count()))
    }
}

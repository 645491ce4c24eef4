//! The run's paths: what a relative path in a workflow is relative to, the
//! working folders steps are given, and the run's own folder (`run.dir`).
//!
//! Every relative path of a workflow is relative to a base folder — the
//! workflow file's, or `--workdir` — never to wfc's own working directory,
//! so `wfc run sub/x.wf` does the same from anywhere (as `just`, Task and
//! Terraform do). A step's working folder is made before it starts.

use std::path::{Path, PathBuf};

/// The variable that holds the run's folder in every step's environment.
pub const RUN_DIR: &str = "WFC_RUN_DIR";

/// The code of a `workdir` that cannot be made (docs/diagnostics.md).
pub const WORKDIR_NOT_MADE: &str = "E0800";

/// The code of a run folder that cannot be made (docs/diagnostics.md).
pub const RUN_DIR_NOT_MADE: &str = "E0801";

/// `path` as the run reads it: a relative one in `base`.
pub fn beside(base: Option<&Path>, path: String) -> PathBuf {
    match base {
        Some(dir) if Path::new(&path).is_relative() => dir.join(path),
        _ => PathBuf::from(path),
    }
}

/// A step's working folder: its `workdir` in `base`, else `base` itself.
pub fn workdir(base: Option<&Path>, written: Option<String>) -> Option<PathBuf> {
    match written {
        Some(w) => Some(beside(base, w)),
        None => base.map(Path::to_path_buf),
    }
}

/// Makes a step's working folder `dir` if it is not there (with its
/// parents); the step's error when it cannot be.
pub fn make_workdir(dir: &Path) -> Result<(), String> {
    if dir.is_dir() {
        return Ok(());
    }
    std::fs::create_dir_all(dir).map_err(|e| {
        format!(
            "{WORKDIR_NOT_MADE}: the workdir `{}` cannot be made: {e}",
            dir.display()
        )
    })
}

/// Makes a fresh folder for run `run_id` under the system temp folder,
/// readable by its owner only.
pub fn make_run_dir(run_id: &str) -> Result<PathBuf, String> {
    tempfile::Builder::new()
        .prefix(&format!("wfc-run-{run_id}-"))
        .tempdir()
        .map(tempfile::TempDir::keep)
        .map_err(|e| {
            format!(
                "{RUN_DIR_NOT_MADE}: the run's folder cannot be made in {}: {e}",
                std::env::temp_dir().display()
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_go_in_the_base() {
        let base = Some(Path::new("/w"));
        assert_eq!(workdir(base, None), Some(PathBuf::from("/w")));
        assert_eq!(
            workdir(base, Some("a/b".into())),
            Some(PathBuf::from("/w/a/b"))
        );
        assert_eq!(
            workdir(base, Some("/abs".into())),
            Some(PathBuf::from("/abs"))
        );
        assert_eq!(workdir(None, None), None);
    }

    #[test]
    fn a_missing_workdir_is_made_and_a_run_dir_is_fresh() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("a/b");
        make_workdir(&dir).unwrap();
        assert!(dir.is_dir());
        let file = tmp.path().join("f");
        std::fs::write(&file, "").unwrap();
        let err = make_workdir(&file.join("x")).unwrap_err();
        assert!(err.starts_with("E0800: the workdir"), "{err}");
        let (a, b) = (make_run_dir("r1").unwrap(), make_run_dir("r1").unwrap());
        assert!(a.is_dir() && b.is_dir() && a != b);
        std::fs::remove_dir(a).unwrap();
        std::fs::remove_dir(b).unwrap();
    }
}

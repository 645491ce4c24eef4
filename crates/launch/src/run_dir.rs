//! The run's own folder (`run.dir`, `$WFC_RUN_DIR`) and the base of its
//! relative paths, kept with the run's record so that `wfc resume` — the
//! CLI's or a server's — gets the same ones back.
//!
//! A new run gets a fresh folder under the system temp folder. It is
//! removed when the run ends, unless asked to keep it (`--keep-run-dir`)
//! or the run can still be resumed (it is recorded and did not succeed);
//! then it goes with the run's record (`wfc_store`'s retention and delete
//! read `paths.json` for it).
//! What the record keeps is `logs/RUN/paths.json` in the state directory.

use crate::LaunchError;
use std::path::{Path, PathBuf};
use wfc_contract::RunStatus;

/// The file of a run's log folder that holds its paths.
const FILE: &str = "paths.json";

/// A run's folder and base.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RunPaths {
    pub run_dir: PathBuf,
    /// `--workdir` (absolute); `None`: the workflow file's folder.
    pub base_dir: Option<PathBuf>,
}

/// The paths of run `id`: a resumed run's recorded ones (its folder made
/// again if it went; a `base_dir` given now wins over the recorded one),
/// else a fresh folder, recorded when the run is.
pub(crate) fn open(
    state_dir: &Path,
    id: &str,
    resuming: bool,
    record: bool,
    base_dir: Option<PathBuf>,
    file: &str,
) -> Result<RunPaths, LaunchError> {
    let record_file = state_dir.join("logs").join(id).join(FILE);
    if resuming {
        if let Some(r) = read(&record_file) {
            std::fs::create_dir_all(&r.run_dir).map_err(|e| {
                LaunchError::RunDir(format!(
                    "{}: the run's folder {} cannot be made again: {e}",
                    wfc_run::paths::RUN_DIR_NOT_MADE,
                    r.run_dir.display()
                ))
            })?;
            return Ok(RunPaths {
                run_dir: r.run_dir,
                base_dir: base_dir.or(r.base_dir),
            });
        }
    }
    let run_dir = wfc_run::paths::make_run_dir(id).map_err(LaunchError::RunDir)?;
    let paths = RunPaths { run_dir, base_dir };
    if record {
        let file = std::fs::canonicalize(file).ok();
        let text = serde_json::json!({
            "file": file.as_ref().map(|f| f.to_string_lossy()),
            "run_dir": paths.run_dir.to_string_lossy(),
            "base_dir": paths.base_dir.as_ref().map(|b| b.to_string_lossy()),
        })
        .to_string();
        let written = record_file
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| std::fs::write(&record_file, text));
        if let Err(e) = written {
            let _ = std::fs::remove_dir_all(&paths.run_dir);
            return Err(LaunchError::Store(format!(
                "cannot write {}: {e}",
                record_file.display()
            )));
        }
    }
    Ok(paths)
}

/// The paths recorded in `file`, if it holds them.
fn read(file: &Path) -> Option<RunPaths> {
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(file).ok()?).ok()?;
    Some(RunPaths {
        run_dir: PathBuf::from(v.get("run_dir")?.as_str()?),
        base_dir: v
            .get("base_dir")
            .and_then(|b| b.as_str())
            .map(PathBuf::from),
    })
}

/// The workflow file run `id` of the store in `state_dir` ran, as an
/// absolute path, if recorded: `wfc resume` finds it from any folder.
pub fn recorded_file(state_dir: &Path, id: &str) -> Option<PathBuf> {
    let text = std::fs::read(state_dir.join("logs").join(id).join(FILE)).ok()?;
    let v: serde_json::Value = serde_json::from_slice(&text).ok()?;
    v.get("file")?.as_str().map(PathBuf::from)
}

/// Whether a run that ended `status` keeps its folder: asked to, or it
/// can be resumed (recorded, and did not succeed).
pub(crate) fn kept(status: RunStatus, record: bool, keep: bool) -> bool {
    keep || (record && status != RunStatus::Succeeded)
}

/// Removes the run's folder (a failure is logged: the run's outcome stands).
pub(crate) fn remove(dir: &Path) {
    if let Err(e) = std::fs::remove_dir_all(dir) {
        if e.kind() != std::io::ErrorKind::NotFound {
            tracing::warn!("cannot remove the run's folder {}: {e}", dir.display());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_resumed_run_gets_its_folder_and_base_back() {
        let state = tempfile::tempdir().unwrap();
        let base = Some(PathBuf::from("/somewhere"));
        let first = open(state.path(), "r1", false, true, base.clone(), "Cargo.toml").unwrap();
        let file = recorded_file(state.path(), "r1").unwrap();
        assert!(
            file.is_absolute() && file.ends_with("Cargo.toml"),
            "{file:?}"
        );
        assert!(first.run_dir.is_dir());
        remove(&first.run_dir);
        let again = open(state.path(), "r1", true, true, None, "").unwrap();
        assert_eq!(again, first, "same folder, made again, same base");
        let other = open(state.path(), "r1", true, true, Some("/else".into()), "").unwrap();
        assert_eq!(other.base_dir, Some(PathBuf::from("/else")));
        remove(&first.run_dir);
        assert!(kept(RunStatus::Failed, true, false));
        assert!(!kept(RunStatus::Failed, false, false));
        assert!(!kept(RunStatus::Succeeded, true, false));
        assert!(kept(RunStatus::Succeeded, true, true));
    }
}

//! Artifacts: files a step hands on. After a step that declares
//! `artifacts { … }` succeeds, the run copies each matched file into the
//! run's artifact folder, named by its content's SHA-256 (a file kept twice
//! is stored once), and reports each as an [`ArtifactFile`] before the
//! step's end; the store records them with the step.

use std::path::{Path, PathBuf};

/// The folder of the state directory that holds every run's artifacts
/// (unless the store names another: `wfc_store::artifacts::root`).
pub const ARTIFACTS_DIR: &str = "artifacts";

/// One kept file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArtifactFile {
    /// The artifact's name (`bundle` of `artifacts { bundle = … }`).
    pub name: String,
    /// Where the step left it: an absolute path on this machine, where a
    /// resumed run puts it back.
    pub path: String,
    pub size: u64,
    /// The content's SHA-256, in lower-case hex: the stored copy's name.
    pub sha256: String,
}

/// The stored copy of a file of content `sha256` in a run's folder.
pub fn stored(run_folder: &Path, sha256: &str) -> PathBuf {
    run_folder.join(sha256)
}

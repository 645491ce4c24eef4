//! Incremental runs: a step that declares `sources` is **up to date** when
//! what decides it — its definition as resolved, its sources' contents and
//! its dependencies' artifacts — hashes to the key of a succeeded run of
//! it. The run asks an [`UpToDate`] (the store) for such a run; the
//! recorders get each such step's [`StepInputs`] just before its end.

use crate::ArtifactFile;

/// What decided a main-graph step that declares `sources`, as kept with
/// its end (only for a step that succeeded or was up to date).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StepInputs {
    /// The workflow file's real path and the workflow's name: runs of the
    /// same workflow share up-to-date steps, other files never do.
    pub scope: String,
    /// A keyed BLAKE3 hash, in hex, of what decides the step (secrets
    /// enter it only through the key, which cannot be read back).
    pub key: String,
    /// The sources' manifest: `[[path, blake3-hex], …]` (wfc-sources).
    pub sources: String,
    /// `{dep: {"outputs": hex, "artifacts": hex}}`: what each direct
    /// dependency gave, hashed (to say which one differs).
    pub deps: String,
    /// What the step itself gave (its masked outputs and kept files), hashed.
    pub gave: String,
    /// The run it is up to date with (`None`: it ran). With an empty
    /// `key`: the run `--from` took it from.
    pub origin: Option<String>,
    /// It ran because `--force` or `--rerun` said so.
    pub forced: bool,
    /// What its `up to date when` check said, in words (`None`: it has
    /// none, or the check did not run).
    pub checked: Option<String>,
}

/// A succeeded run of a step with the same key.
#[derive(Clone, Debug)]
pub struct Found {
    /// The run that ran it (an up-to-date step's run names its origin).
    pub run_id: String,
    /// Its outputs as recorded (masked).
    pub outputs: serde_json::Value,
    /// The files it kept, each with its stored copy.
    pub artifacts: Vec<(ArtifactFile, std::path::PathBuf)>,
    /// What it gave, hashed ([`StepInputs::gave`]).
    pub gave: String,
}

/// Where a run looks for an earlier run of a step with the same key.
pub trait UpToDate: Send + Sync {
    /// The latest succeeded run of step `step` of `scope` whose key is
    /// `key`, with its stored artifact copies still there (`Err`: the
    /// store could not be read; the step then runs).
    fn find(&self, scope: &str, step: &str, key: &str) -> Result<Option<Found>, String>;

    /// `--from`: the latest run of `scope` in which step `step` succeeded,
    /// whatever its key, with its stored artifact copies still there.
    fn last(&self, _scope: &str, _step: &str) -> Result<Option<Found>, String> {
        Ok(None)
    }
}

//! Why a run was not started.

use wfc_language::diag::Diagnostic;

/// Why the launcher started nothing. Each front end answers in its own
/// terms (an exit code, an HTTP status, a log line).
#[derive(Debug, thiserror::Error)]
pub enum LaunchError {
    /// No slot (`--max-runs`) came free in time, or the launcher is stopping.
    #[error("{0}")]
    Busy(String),
    /// The workflow's `lock` key cannot be computed for this run.
    #[error("{0}")]
    LockKey(String),
    /// The workflow, or its params for this run, do not check.
    #[error("{what}")]
    Invalid {
        /// `the workflow has errors` or `bad params`.
        what: String,
        diagnostics: Vec<Diagnostic>,
    },
    /// `lock … { on busy skip }`: another run holds the key; nothing started.
    #[error("not started: lock {key} is held by run {holder} (`on busy skip`)")]
    LockHeld {
        /// The key as shown (secrets masked).
        key: String,
        /// The run that holds it.
        holder: String,
    },
    /// A run of this id is running already.
    #[error("{0}")]
    Conflict(String),
    /// The run store failed: nothing was started.
    #[error("the run store failed: {0}")]
    Store(String),
    /// The run's folder (`run.dir`) cannot be made: nothing was started.
    #[error("{0}")]
    RunDir(String),
}

impl LaunchError {
    /// Whether trying again later may succeed (a slot may come free).
    pub fn is_busy(&self) -> bool {
        matches!(self, LaunchError::Busy(_))
    }
}

//! What a run asks: who approves a gate, and where a decision taken in the
//! run's own process is kept.

use std::future::Future;
use std::pin::Pin;

/// A wait for a decision: resolves with who approved (`None`: never, or
/// rejected).
pub type Wait = Pin<Box<dyn Future<Output = Option<String>> + Send + 'static>>;

/// Where approvals come from.
pub trait Approvals: Send + Sync {
    /// Resolves with who approved `step` of run `run_id` (`None`: never).
    fn wait(&self, run_id: &str, step: &str) -> Wait;

    /// How a person approves this gate, for the waiting message.
    fn how(&self, run_id: &str, step: &str) -> String;
}

/// Where a decision taken in this process (the run manager's `approve` /
/// `reject`) is recorded, so it is kept like one made with `wfc approve`
/// (the run store implements it).
pub trait DecisionLog: Send + Sync {
    /// Records that `by` approved (`approved`) or rejected gate `step` of
    /// run `run_id`. An error refuses the decision (a gate takes one
    /// decision; no such gate): nothing is decided.
    fn record(&self, run_id: &str, step: &str, approved: bool, by: &str) -> Result<(), String>;
}

//! Live output lines of steps.

use crate::recorder::StepKey;
use std::sync::Arc;

/// Which output stream a line came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Stream {
    Stdout,
    Stderr,
}

/// Receives live output lines (already masked, without the newline).
pub type LineSink = Arc<dyn Fn(Stream, &str) + Send + Sync>;

/// A live output line, as a channel carries it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    pub stream: Stream,
    pub text: String,
}

/// Where live output lines of steps go (the step logs, the terminal).
pub trait LineOutput: Send + Sync {
    /// A sink for the lines of `step` (already masked by the executor).
    fn sink(&self, step: &StepKey) -> LineSink;
}

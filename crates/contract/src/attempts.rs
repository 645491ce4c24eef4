//! What a resumed run knows of a step's attempts in its earlier sessions,
//! so that the step goes on counting rather than starting afresh.

use std::time::SystemTime;

/// The attempts of a step whose last attempt was cut short (the run was
/// cancelled or its process died), as recorded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PriorAttempts {
    /// The attempts that failed or timed out: each used one try of its
    /// `retry`. A cancelled or interrupted attempt is not counted: it is
    /// done again under its number, so the next attempt is `failures + 1`.
    pub failures: u32,
    /// When the first of them started: a retry's `within` counts from it.
    pub first_started: SystemTime,
}

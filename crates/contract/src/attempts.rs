//! What a resumed run knows of a step's attempts in its earlier sessions,
//! so that the step goes on counting — and waiting — rather than starting
//! afresh.

use std::time::SystemTime;

/// The attempts of a step that was cut short (the run was cancelled or its
/// process died) during an attempt or in the wait after one, as recorded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PriorAttempts {
    /// The attempts that failed or timed out: each used one try of its
    /// `retry`. A cancelled or interrupted attempt is not counted: it is
    /// done again under its number.
    pub failures: u32,
    /// The attempts that ended by themselves: the failures, and the tries
    /// of an `until` whose condition did not hold yet. The next attempt is
    /// number `tries + 1`.
    pub tries: u32,
    /// When the first of them started: a retry's or an `until`'s `within`,
    /// a gate's `timeout` and a `sleep` count from it.
    pub first_started: SystemTime,
    /// When the last attempt ended, if it ended by itself: the wait before
    /// the next one (a retry's backoff, an `until`'s `every`) counts from
    /// it, so a wait cut short goes on where it stopped. `None` when the
    /// last attempt was itself cut short: it is done again at once.
    pub last_ended: Option<SystemTime>,
    /// Whether that last attempt was an `until` try whose condition did not
    /// hold yet (the wait is its `every`), not a failure (a retry's backoff).
    pub last_polled: bool,
    /// The step had failed for good and waited for a person (`on fail
    /// pause`) when its run parked: its last attempt's error. It asks
    /// again, with any decision taken meanwhile standing, before it runs.
    pub escalated: Option<String>,
}

/// How the error of an `until` try whose condition does not hold yet
/// begins: the try succeeded, the step did not (yet).
pub const NOT_YET: &str = "the condition does not hold yet";

//! When a run parks (see `wfc_contract::park`): what the runner is told by
//! whoever may wake it, and what a waiting step says it waits for.
//!
//! A run parks only when every step it runs waits (for a person, or for a
//! time at least [`ParkPolicy::min_timer`] away), nothing else can start,
//! and that has held for [`ParkPolicy::settle`] — so an approval given at
//! once, or a short backoff, never pays for a park and a wake. The graph's
//! loop decides it (`graph_run::park`); the step tasks, told through
//! their `park` token, return without a word, so nothing of theirs is
//! recorded as ended: the steps stay `waiting` for the next session.

use std::time::{Duration, SystemTime};
use tokio::sync::watch;

/// Whether and when a run may park; `None` in [`crate::RunOptions`] for a
/// run nothing would wake (`wfc run` in a terminal, an unrecorded run).
#[derive(Clone, Debug)]
pub struct ParkPolicy {
    /// A timer (a `sleep`, a backoff, an `until`'s `every`) parks the run
    /// only when it ends at least this far ahead.
    pub min_timer: Duration,
    /// How long the run must have only waited before it parks.
    pub settle: Duration,
    /// Set to `true` to park at once whatever is left to wait (a server
    /// that stops): `min_timer` and `settle` are then zero.
    pub now: Option<watch::Receiver<bool>>,
    /// Park by itself (a server); `false`: only when `now` asks (`wfc run`
    /// told to leave the run waiting).
    pub auto: bool,
}

impl Default for ParkPolicy {
    fn default() -> Self {
        ParkPolicy {
            min_timer: Duration::from_secs(5),
            settle: Duration::from_millis(100),
            now: None,
            auto: true,
        }
    }
}

impl ParkPolicy {
    /// Whether parking at once was asked.
    pub fn at_once(&self) -> bool {
        self.now.as_ref().is_some_and(|n| *n.borrow())
    }
}

/// What a waiting step waits for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wake {
    /// A person's decision, perhaps until a deadline (a gate's `timeout`).
    Person { until: Option<SystemTime> },
    /// A time: a `sleep`'s end, a retry's or an `until`'s next try.
    At(SystemTime),
}

impl Wake {
    /// Its deadline, if it has one.
    pub fn deadline(self) -> Option<SystemTime> {
        match self {
            Wake::Person { until } => until,
            Wake::At(t) => Some(t),
        }
    }

    /// Whether a run may park on it now under `policy`.
    pub fn parks(self, policy: &ParkPolicy) -> bool {
        match self {
            Wake::Person { .. } => true,
            Wake::At(t) => {
                policy.at_once()
                    || t.duration_since(SystemTime::now())
                        .is_ok_and(|left| left >= policy.min_timer)
            }
        }
    }
}

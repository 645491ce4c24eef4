//! A run whose only live work is waiting is *parked*: its session ends with
//! nothing cancelled and nothing failed, its steps stay `waiting`, and the
//! store keeps what would wake it. Whoever serves the store wakes it (a new
//! session, as `wfc resume` starts one) when a person decides, a deadline
//! passes, it is let go on after a pause, or it is cancelled.

use std::time::SystemTime;

/// What a parked run waits for, as its recorder keeps it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Parked {
    /// The earliest deadline among its waits (a gate's `timeout`, a
    /// `sleep`'s end, the next try of a retry or an `until`, the workflow's
    /// `timeout`): it is woken then, whatever else happens. `None`: only a
    /// person or a cancel wakes it.
    pub wake_at: Option<SystemTime>,
    /// Parked because it is paused (`wfc pause`) and nothing of it runs:
    /// letting it go on wakes it.
    pub paused: bool,
    /// Parked before its first step, waiting for this `lock` key, held by
    /// another run: the key given back wakes it (the longest waiter first).
    pub lock: Option<String>,
}

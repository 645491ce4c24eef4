//! A resumed step goes on counting: the attempts of run `id`'s main-graph
//! steps whose last attempt was cut short — cancelled, or interrupted when
//! the run's process died — so that their retries and a retry's `within`
//! continue where they stopped rather than start afresh.
//!
//! A step whose attempts ended by themselves (it failed, its retries used
//! up or not wanted) starts afresh: resuming it asks for a new try. Over
//! sessions the count restarts after each session in which the step ended
//! by itself, for the same reason.

use crate::Store;
use rusqlite::params;
use std::time::{Duration, UNIX_EPOCH};
use wfc_contract::PriorAttempts;

/// An attempt's status that does not end a step by itself.
fn cut_short(status: &str) -> bool {
    matches!(status, "cancelled" | "interrupted" | "running")
}

/// The prior attempts of each main-graph step of run `id` that was cut
/// short, by instance name.
pub fn prior_attempts(store: &Store, id: &str) -> rusqlite::Result<Vec<(String, PriorAttempts)>> {
    let mut q = store.conn.prepare(
        "SELECT step, session, status, started_at FROM attempts
         WHERE run_id = ?1 AND graph = 'main' AND rollback_of = ''
         ORDER BY step, session, number",
    )?;
    let rows = q.query_map(params![id], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, i64>(3)?,
        ))
    })?;
    let mut out: Vec<(String, PriorAttempts)> = Vec::new();
    // The step being read, its session and last status, and its count so far.
    let mut cur: Option<(String, i64, String, PriorAttempts)> = None;
    let mut flush = |cur: Option<(String, i64, String, PriorAttempts)>| {
        if let Some((step, _, _, p)) = cur.filter(|(_, _, last, _)| cut_short(last)) {
            out.push((step, p));
        }
    };
    for row in rows {
        let (step, session, status, started_at) = row?;
        let at = UNIX_EPOCH + Duration::from_millis(started_at.max(0) as u64);
        let fresh = PriorAttempts {
            failures: 0,
            first_started: at,
        };
        let mut p = match cur.take() {
            Some((s, ses, last, p)) if s == step => {
                // A new session after one the step ended by itself: afresh.
                if ses != session && !cut_short(&last) {
                    fresh
                } else {
                    p
                }
            }
            other => {
                flush(other);
                fresh
            }
        };
        if matches!(status.as_str(), "failed" | "timed_out") {
            p.failures += 1;
        }
        cur = Some((step, session, status, p));
    }
    flush(cur);
    Ok(out)
}

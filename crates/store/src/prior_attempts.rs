//! A resumed step goes on counting: the attempts of run `id`'s main-graph
//! steps that were cut short — cancelled, or interrupted when the run's
//! process died, during an attempt or in the wait before the next one —
//! so that their retries, the tries of an `until`, their `within` and the
//! wait between two of them continue where they stopped rather than start
//! afresh.
//!
//! A step whose attempts ended by themselves (it failed, its retries used
//! up or not wanted) starts afresh: resuming it asks for a new try. Over
//! sessions the count restarts after each session in which the step ended
//! by itself, for the same reason.
//!
//! Whether a step ended by itself is read from three places: an attempt
//! cut short says so itself; between two earlier sessions, the numbering
//! of the later one says what its resume decided (a step that went on
//! counting numbers its attempts on, a fresh one from 1); after its last
//! attempt, a step whose last attempt failed (or whose last `until` try
//! found the condition not holding yet) ended by itself only when its end
//! was recorded right after — cancelled in the wait before the next try,
//! it ended `cancelled`, and killed there, it has no recorded end at all.

use crate::params;
use crate::Store;
use std::collections::HashMap;
use std::time::{Duration, UNIX_EPOCH};
use wfc_contract::{PriorAttempts, NOT_YET};

/// An attempt's status that does not end a step by itself.
fn cut_short(status: &str) -> bool {
    matches!(status, "cancelled" | "interrupted" | "running")
}

/// An attempt that ended by itself and asked for another: it failed, or it
/// was an `until` try whose condition did not hold yet (it succeeded, and
/// its error says so: [`NOT_YET`]).
fn asks_again(status: &str, error: Option<&str>) -> bool {
    matches!(status, "failed" | "timed_out")
        || (status == "succeeded" && error.is_some_and(|e| e.starts_with(NOT_YET)))
}

/// A step's status that it ended with by itself.
fn by_itself(status: &str) -> bool {
    matches!(status, "failed" | "timed_out" | "succeeded")
}

/// The step being read: its name, the session of its last attempt, that
/// attempt's status, and its count so far.
struct Reading {
    step: String,
    session: i64,
    last: String,
    count: PriorAttempts,
}

/// The prior attempts of each main-graph step of run `id` that was cut
/// short, by instance name.
pub fn prior_attempts(store: &Store, id: &str) -> crate::Result<Vec<(String, PriorAttempts)>> {
    let mut q = store.conn.prepare(
        "SELECT step, session, number, status, started_at, duration_ms, error FROM attempts
         WHERE run_id = ?1 AND graph = 'main' AND rollback_of = ''
         ORDER BY step, session, number",
    )?;
    let rows = q.query_map(params![id], |r| {
        Ok((
            r.get::<String>(0)?,
            r.get::<i64>(1)?,
            r.get::<i64>(2)?,
            r.get::<String>(3)?,
            r.get::<i64>(4)?,
            r.get::<Option<i64>>(5)?,
            r.get::<Option<String>>(6)?,
        ))
    })?;
    let mut last_errors: HashMap<String, Option<String>> = HashMap::new();
    // Steps whose last attempt asked for another: whether they were cut in
    // the wait after it is read from the events once, for all of them.
    let mut waited: Vec<Reading> = Vec::new();
    let mut out: Vec<(String, PriorAttempts)> = Vec::new();
    let mut flush = |r: Option<Reading>, out: &mut Vec<(String, PriorAttempts)>| match r {
        Some(r) if cut_short(&r.last) => out.push((r.step, r.count)),
        Some(r) if r.count.last_ended.is_some() => waited.push(r),
        _ => {}
    };
    let mut cur: Option<Reading> = None;
    for row in rows {
        let (step, session, number, status, started_at, duration_ms, error) = row?;
        last_errors.insert(step.clone(), error.clone());
        let at = UNIX_EPOCH + Duration::from_millis(started_at.max(0) as u64);
        let fresh = PriorAttempts {
            failures: 0,
            tries: 0,
            first_started: at,
            last_ended: None,
            last_polled: false,
            escalated: None,
        };
        let mut count = match cur.take() {
            Some(r) if r.step == step => {
                // A new session goes on counting after one cut short, and
                // says so by numbering on; else it started afresh.
                let went_on = r.session == session || cut_short(&r.last) || number > 1;
                if went_on {
                    r.count
                } else {
                    fresh
                }
            }
            other => {
                flush(other, &mut out);
                fresh
            }
        };
        if matches!(status.as_str(), "failed" | "timed_out") {
            count.failures += 1;
        }
        count.last_ended = None;
        count.last_polled = status == "succeeded";
        if asks_again(&status, error.as_deref()) {
            count.tries += 1;
            let took = Duration::from_millis(duration_ms.unwrap_or(0).max(0) as u64);
            count.last_ended = Some(at + took);
        }
        cur = Some(Reading {
            step,
            session,
            last: status,
            count,
        });
    }
    flush(cur, &mut out);
    if !waited.is_empty() {
        let ends = ends_after_last_attempt(store, id)?;
        for r in waited {
            let ended = ends.get(&r.step).and_then(Option::as_deref);
            if !ended.is_some_and(by_itself) {
                out.push((r.step, r.count));
            }
        }
    }
    for step in escalated(store, id)? {
        if let Some((_, count)) = out.iter_mut().find(|(s, _)| *s == step) {
            let error = last_errors.remove(&step).flatten();
            count.escalated = Some(error.unwrap_or_else(|| "failed".into()));
        }
    }
    Ok(out)
}

/// The main-graph steps of run `id` still waiting for a person after they
/// failed for good (`on fail pause`): a parked run's, which no process
/// marked interrupted.
fn escalated(store: &Store, id: &str) -> crate::Result<Vec<String>> {
    let mut q = store.conn.prepare(
        "SELECT name FROM steps
         WHERE run_id = ?1 AND graph = 'main' AND rollback_of = '' AND status = 'waiting'
           AND kind != 'gate' AND detail LIKE 'waiting for a person:%'",
    )?;
    let rows = q.query_map(params![id], |r| r.get(0))?;
    rows.collect()
}

/// For each step of run `id` that had an attempt, the status its end was
/// recorded with first after its last attempt ended (`None`: no end was
/// recorded since, as when the run's process was killed in the wait).
fn ends_after_last_attempt(
    store: &Store,
    id: &str,
) -> crate::Result<HashMap<String, Option<String>>> {
    let mut q = store.conn.prepare(
        "SELECT step, kind, detail FROM events
         WHERE run_id = ?1 AND kind IN ('attempt_ended', 'step_ended') AND step IS NOT NULL
         ORDER BY seq",
    )?;
    let mut ends: HashMap<String, Option<String>> = HashMap::new();
    let rows = q.query_map(params![id], |r| {
        let step: String = r.get(0)?;
        let kind: String = r.get(1)?;
        if kind == "attempt_ended" {
            ends.insert(step, None);
        } else if let Some(end @ None) = ends.get_mut(&step) {
            let detail: Option<String> = r.get(2)?;
            let status = detail
                .and_then(|d| serde_json::from_str::<serde_json::Value>(&d).ok())
                .and_then(|d| d.get("status")?.as_str().map(str::to_owned));
            *end = Some(status.unwrap_or_default());
        }
        Ok(())
    })?;
    rows.collect::<crate::Result<()>>()?;
    Ok(ends)
}

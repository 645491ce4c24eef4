//! Run locks: `lock EXPR` keeps runs with equal keys from overlapping, for
//! every process on one store (`wfc run`, `wfc resume`, the server).
//!
//! A key is a row of `run_locks`, taken in an immediate transaction (so two
//! takers never both see it free). A holder is alive while its process is:
//! its pid and the process's start time are stored, so a lock held by a
//! process that died (`kill -9`) is free for the next taker, and a recycled
//! pid does not keep it. A holder on another host is alive while its run is
//! `running` (after [`control::reap`](super::control::reap), which marks a
//! run whose heartbeat stopped as interrupted). A parked holder (see
//! `park`) has no process and is alive while it is parked.
//!
//! The table is coordination state, not a record of runs (part of the
//! schema since version 8).

use super::control::pid_alive;
use super::store_recorder::hostname;
use super::{now_ms, Store};
use crate::db::{Db, Optional};
use crate::params;
use std::time::Duration;

/// How often a waiting run tries again.
pub const RETRY: Duration = Duration::from_millis(100);

/// Who holds a lock.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Holder {
    pub run_id: String,
    pub pid: i64,
    pub host: String,
    /// Since when, in milliseconds since the epoch.
    pub since_ms: i64,
}

/// Takes `key` for run `run_id` of this process if it is free (or held by
/// a dead process, or by `run_id` already): `Ok(None)`; else its holder.
pub fn try_take(store: &Store, key: &str, run_id: &str) -> crate::Result<Option<Holder>> {
    let conn = &store.conn;
    let tx = conn.write()?;
    crate::exclusive::key(&tx, crate::exclusive::Space::RunLock, key)?;
    let held = held_by(&tx, key)?;
    if let Some((holder, start)) = held {
        if holder.run_id != run_id && alive(&tx, &holder, start)? {
            return Ok(Some(holder));
        }
    }
    let pid = i64::from(std::process::id());
    tx.execute(
        "INSERT INTO run_locks (key, run_id, pid, pid_start, host, since)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (key) DO UPDATE SET run_id = excluded.run_id, pid = excluded.pid, pid_start = excluded.pid_start, host = excluded.host, since = excluded.since",
        params![key, run_id, pid, process_start(pid), hostname(), now_ms()],
    )?;
    tx.commit()?;
    Ok(None)
}

/// Gives `key` back, if `run_id` holds it.
pub fn release(store: &Store, key: &str, run_id: &str) -> crate::Result<()> {
    let conn = &store.conn;
    conn.execute(
        "DELETE FROM run_locks WHERE key = ?1 AND run_id = ?2",
        [key, run_id],
    )
    .map(drop)
}

/// The holder of `key`, if a live one holds it.
pub fn holder(store: &Store, key: &str) -> crate::Result<Option<Holder>> {
    let conn = &store.conn;
    let row = held_by(conn, key)?;
    match row {
        Some((h, start)) if alive(conn, &h, start)? => Ok(Some(h)),
        _ => Ok(None),
    }
}

/// Whether run `run_id` holds `key` (alive or not: a parked holder woken
/// again holds it from its earlier session).
pub fn holds(store: &Store, key: &str, run_id: &str) -> crate::Result<bool> {
    Ok(held_by(&store.conn, key)?.is_some_and(|(h, _)| h.run_id == run_id))
}

/// The row of `key`: its holder, and the holder's process start time.
fn held_by(conn: &Db, key: &str) -> crate::Result<Option<(Holder, i64)>> {
    conn.query_row(
        "SELECT run_id, pid, pid_start, host, since FROM run_locks WHERE key = ?1",
        [key],
        |r| {
            let holder = Holder {
                run_id: r.get(0)?,
                pid: r.get(1)?,
                host: r.get(3)?,
                since_ms: r.get(4)?,
            };
            Ok((holder, r.get::<i64>(2)?))
        },
    )
    .optional()
}

fn alive(conn: &Db, h: &Holder, start: i64) -> crate::Result<bool> {
    // A parked holder has no process; it holds its key until it ends.
    let parked = conn
        .prepare_cached("SELECT 1 FROM parked WHERE run_id = ?1")?
        .exists([&h.run_id])?;
    if parked {
        return Ok(true);
    }
    if h.host == hostname() {
        let same_process = start == 0 || process_start(h.pid) == start;
        return Ok(pid_alive(h.pid) && same_process);
    }
    let status: Option<String> = conn
        .query_row("SELECT status FROM runs WHERE id = ?1", [&h.run_id], |r| {
            r.get(0)
        })
        .optional()?;
    // A run not recorded yet is starting: alive.
    Ok(status.is_none_or(|s| s == "running"))
}

/// When process `pid` started (field 22 of `/proc/PID/stat`), 0 if unknown.
fn process_start(pid: i64) -> i64 {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| {
            let rest = s.rsplit_once(')')?.1;
            rest.split_whitespace().nth(19)?.parse().ok()
        })
        .unwrap_or(0)
}

/// Records that run `run_id` waits for `key`, held by `holder` (the run's
/// `waiting_for_lock` event: its stream, `wfc status` and the API show it).
pub fn record_waiting(
    store: &Store,
    run_id: &str,
    key: &str,
    holder: &Holder,
) -> crate::Result<()> {
    let conn = &store.conn;
    let detail = serde_json::json!({ "key": key, "held_by": holder.run_id });
    super::record::add_event(
        conn,
        run_id,
        now_ms(),
        "waiting_for_lock",
        None,
        Some(&detail.to_string()),
    )
}

/// Records that run `run_id`, which waited, took `key` (`lock_taken`).
pub fn record_taken(store: &Store, run_id: &str, key: &str) -> crate::Result<()> {
    let conn = &store.conn;
    let detail = serde_json::json!({ "key": key });
    super::record::add_event(
        conn,
        run_id,
        now_ms(),
        "lock_taken",
        None,
        Some(&detail.to_string()),
    )
}

/// What run `id` waits for, if its latest word in this session is a
/// `waiting_for_lock` (`{"key", "held_by"}`). Only meaningful for a run
/// that is `running`: a killed one's last word may be a wait.
pub fn waiting(store: &Store, id: &str) -> crate::Result<Option<serde_json::Value>> {
    let conn = &store.conn;
    let last: Option<(String, Option<String>)> = conn
        .query_row(
            "SELECT kind, detail FROM events WHERE run_id = ?1
               AND kind IN ('waiting_for_lock', 'lock_taken', 'run_started', 'run_resumed')
             ORDER BY seq DESC LIMIT 1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    Ok(match last {
        Some((kind, Some(detail))) if kind == "waiting_for_lock" => {
            serde_json::from_str(&detail).ok()
        }
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_held_until_released_and_a_dead_holder_frees_it() {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::test_store::open(dir.path());
        let c = &store;
        assert_eq!(try_take(c, "k", "run-a").unwrap(), None);
        assert_eq!(try_take(c, "k", "run-a").unwrap(), None, "its holder again");
        let held = try_take(c, "k", "run-b").unwrap().expect("held by run-a");
        assert_eq!(held.run_id, "run-a");
        assert_eq!(
            try_take(c, "other", "run-b").unwrap(),
            None,
            "keys are apart"
        );
        release(c, "k", "run-b").unwrap();
        assert!(
            holder(c, "k").unwrap().is_some(),
            "only its holder releases"
        );
        release(c, "k", "run-a").unwrap();
        assert_eq!(try_take(c, "k", "run-b").unwrap(), None);
        // A holder whose process is gone holds nothing.
        c.conn
            .execute(
                "UPDATE run_locks SET pid = ?1, pid_start = 1 WHERE key = 'k'",
                [i64::from(i32::MAX)],
            )
            .unwrap();
        assert_eq!(holder(c, "k").unwrap(), None);
        assert_eq!(try_take(c, "k", "run-c").unwrap(), None);
    }

    #[test]
    fn a_parked_holder_keeps_its_key_with_no_process() {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::test_store::open(dir.path());
        let c = &store;
        assert_eq!(try_take(c, "k", "run-a").unwrap(), None);
        c.conn
            .execute(
                "UPDATE run_locks SET pid = ?1, pid_start = 1 WHERE key = 'k'",
                [i64::from(i32::MAX)],
            )
            .unwrap();
        c.conn
            .execute_batch(
                "INSERT INTO runs (id, workflow, file, file_hash, params, status, jobs, steps,
                                   pid, started_at, heartbeat_at)
                 VALUES ('run-a', 'w', 'w.wf', '', '{}', 'running', 1, 1, 0, 0, 0);
                 INSERT INTO parked (run_id, session, since) VALUES ('run-a', 1, 0);",
            )
            .unwrap();
        let held = try_take(c, "k", "run-b").unwrap().expect("parked, held");
        assert_eq!(held.run_id, "run-a");
        assert!(holds(c, "k", "run-a").unwrap());
        c.conn.execute("DELETE FROM parked", ()).unwrap();
        assert_eq!(try_take(c, "k", "run-b").unwrap(), None, "no longer parked");
    }
}

//! Parked runs (see `wfc_contract::park`): a `running` run whose session
//! ended because all it did was wait. Its row stays `running`, its steps
//! `waiting`, so every listing shows it as before; a `parked` row says that
//! no process runs it and what would wake it.
//!
//! - `park_in` writes the row, in the transaction that folds the parked
//!   session's journal (the recorder's `run_parked`);
//! - [`due`] gives the parked runs something woke: a decision on a step it
//!   waits at, a deadline passed, a pause lifted, a cancel asked. It looks
//!   at the state, not at what changed, so a decision taken while the run
//!   was being parked is seen at the first look after;
//! - `unpark_in` is the claim of the session that wakes it, in the
//!   transaction that records that session's start: it deletes the row,
//!   so of two that would wake one run, one does;
//! - a parked run is never reaped (no process is its liveness), and
//!   [`give_up`] turns one that cannot be woken `interrupted`, resumable by
//!   hand, never lost.

use super::now_ms;
use super::record::add_event;
use crate::db::{Db, Optional};
use crate::params;
use crate::Store;
use std::time::SystemTime;

/// Parks run `id`, whose session `session` ends now waiting for what
/// `parked` says (in the transaction `tx` that folds the session's record).
pub(crate) fn park_in(
    tx: &Db,
    id: &str,
    session: i64,
    parked: &wfc_contract::Parked,
) -> crate::Result<()> {
    let now = now_ms();
    let wake_at = parked.wake_at.map(crate::ms);
    tx.execute(
        "INSERT INTO parked (run_id, session, since, wake_at, paused, lock_key)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (run_id) DO UPDATE
         SET session = ?2, since = ?3, wake_at = ?4, paused = ?5, lock_key = ?6",
        params![id, session, now, wake_at, parked.paused, parked.lock],
    )?;
    // A session left, not a crash (see `control::left`); its time so far.
    tx.execute(
        "UPDATE runs SET left_sessions = left_sessions + 1, heartbeat_at = ?2,
                duration_ms = prior_ms + GREATEST(0, ?2 - COALESCE(session_started_at, started_at))
         WHERE id = ?1",
        params![id, now],
    )?;
    let detail =
        serde_json::json!({ "session": session, "wake_at": wake_at, "paused": parked.paused });
    add_event(tx, id, now, "run_parked", None, Some(&detail.to_string()))
}

/// The claim of a session that starts run `id`: `true` if it was parked,
/// and is not now. The parked session's waits end `interrupted` as a
/// killed session's do (its attempts say when they began: a gate's
/// timeout, a sleep and a backoff count on from them).
pub(crate) fn unpark_in(tx: &Db, id: &str) -> crate::Result<bool> {
    crate::exclusive::run(tx, id)?;
    let since: Option<i64> = tx
        .query_row(
            "DELETE FROM parked WHERE run_id = ?1 RETURNING since",
            [id],
            |r| r.get(0),
        )
        .optional()?;
    let Some(since) = since else {
        return Ok(false);
    };
    tx.execute(
        "UPDATE steps SET status = 'interrupted', detail = NULL,
                duration_ms = GREATEST(0, ?2 - started_at)
         WHERE run_id = ?1 AND status IN ('running', 'waiting')",
        params![id, since],
    )?;
    tx.execute(
        "UPDATE attempts SET status = 'interrupted', duration_ms = GREATEST(0, ?2 - started_at)
         WHERE run_id = ?1 AND status = 'running'",
        params![id, since],
    )?;
    Ok(true)
}

/// Whether running run `id` does nothing but wait now: no step of it works
/// (a `sleep` only waits), and one waits or the run is paused. What a
/// terminal asks about before it would leave the run.
pub fn only_waits(store: &Store, id: &str) -> crate::Result<bool> {
    store
        .conn
        .query_row(
            "SELECT r.status = 'running'
                AND NOT EXISTS (SELECT 1 FROM steps s WHERE s.run_id = r.id
                                   AND s.status = 'running' AND s.kind != 'sleep')
                AND (r.paused_at IS NOT NULL OR EXISTS (
                        SELECT 1 FROM steps s WHERE s.run_id = r.id
                           AND (s.status = 'waiting' OR s.kind = 'sleep' AND s.status = 'running')))
             FROM runs r WHERE r.id = ?1",
            [id],
            |r| r.get(0),
        )
        .optional()
        .map(|w| w.unwrap_or(false))
}

/// Whether a cancel of run `id` is asked and not yet taken.
pub fn cancel_asked(store: &Store, id: &str) -> crate::Result<bool> {
    store
        .conn
        .query_row(
            "SELECT cancel_requested_at IS NOT NULL FROM runs WHERE id = ?1",
            [id],
            |r| r.get(0),
        )
        .optional()
        .map(|c| c.unwrap_or(false))
}

/// Whether run `id` is parked.
pub fn is_parked(store: &Store, id: &str) -> crate::Result<bool> {
    store
        .conn
        .query_row("SELECT 1 FROM parked WHERE run_id = ?1", [id], |_| Ok(()))
        .optional()
        .map(|r| r.is_some())
}

/// Every parked run, the longest parked first.
pub fn all(store: &Store) -> crate::Result<Vec<String>> {
    let mut q = store
        .conn
        .prepare_cached("SELECT run_id FROM parked ORDER BY since, run_id")?;
    let rows = q.query_map((), |r| r.get(0))?;
    rows.collect::<crate::Result<_>>()
}

/// The parked runs something woke by `now` (ms), the longest parked first:
/// a cancel asked; or, while not paused, a pause it parked in lifted, a
/// deadline passed, or a decision recorded on a step it waits at; then, of
/// the runs parked waiting for a `lock` key that no live run holds now,
/// the longest waiting (so waiters take a key in turn). Each with when it
/// parked: a run due again with the same time was not woken by the last
/// try.
pub fn due(store: &Store, now: i64) -> crate::Result<Vec<(String, i64)>> {
    let mut due = woken(store, now)?;
    let mut q = store.conn.prepare_cached(
        "SELECT p.run_id, p.since, p.lock_key FROM parked p JOIN runs r ON r.id = p.run_id
         WHERE p.lock_key IS NOT NULL AND r.cancel_requested_at IS NULL AND r.paused_at IS NULL
         ORDER BY p.since, p.run_id",
    )?;
    let waiters = q
        .query_map((), |r| {
            Ok((r.get::<String>(0)?, r.get(1)?, r.get::<String>(2)?))
        })?
        .collect::<crate::Result<Vec<_>>>()?;
    let mut keys = std::collections::HashSet::new();
    for (id, since, key) in waiters {
        if keys.insert(key.clone()) && super::locks::holder(store, &key)?.is_none() {
            due.push((id, since));
        }
    }
    Ok(due)
}

/// The parked runs [`due`] wakes for what they waited for, lock waits apart.
fn woken(store: &Store, now: i64) -> crate::Result<Vec<(String, i64)>> {
    let mut q = store.conn.prepare_cached(
        "SELECT p.run_id, p.since FROM parked p JOIN runs r ON r.id = p.run_id
         WHERE r.cancel_requested_at IS NOT NULL
            OR (r.paused_at IS NULL AND (
                  p.paused <> 0
               OR p.wake_at <= ?1
               OR EXISTS (SELECT 1 FROM approvals a JOIN steps s
                            ON s.run_id = a.run_id AND s.name = a.step
                           WHERE a.run_id = p.run_id AND s.graph = 'main'
                             AND s.status = 'waiting')))
         ORDER BY p.since, p.run_id",
    )?;
    let rows = q.query_map([now], |r| Ok((r.get(0)?, r.get(1)?)))?;
    rows.collect()
}

/// The channel of a store in a database on which its triggers tell of
/// what parked runs wait for (a run parked or woken, a decision, a cancel,
/// a pause lifted, a lock let go): a server's waker listens on it
/// ([`crate::remote::listen`]) instead of asking every [`changes`] tick.
pub const WAKE_CHANNEL: &str = "wfc_wake";

/// A number that changes whenever another connection committed to the
/// store (`PRAGMA data_version`): what the waker reads before it looks.
/// PostgreSQL has no such number: there it changes every time, and the
/// waker always looks (one indexed query).
pub fn changes(store: &Store) -> crate::Result<i64> {
    match store.conn.as_sqlite() {
        Some(c) => Ok(c.query_row("PRAGMA data_version", (), |r| r.get(0))?),
        None => Ok(now_ms()),
    }
}

/// When to look again at the latest (ms), if a parked run has a deadline
/// or waits for a lock: its earliest deadline, or [`LOCK_LOOK`] after
/// `now` for a lock (a holder's process may die without a word).
pub fn next_wake(store: &Store, now: i64) -> crate::Result<Option<i64>> {
    let look = now + LOCK_LOOK.as_millis() as i64;
    store.conn.query_row(
        "SELECT MIN(COALESCE(wake_at, CASE WHEN lock_key IS NOT NULL THEN CAST(?1 AS BIGINT) END)) FROM parked",
        [look],
        |r| r.get(0),
    )
}

/// How often the runs parked waiting for a lock are looked at when
/// nothing in the store changed.
pub const LOCK_LOOK: std::time::Duration = std::time::Duration::from_secs(1);

/// Parked run `id` cannot be woken (`why`: its file is gone, a secret has
/// no value): it is `interrupted`, for a person to resume, and no longer
/// parked.
pub fn give_up(store: &Store, id: &str, why: &str) -> crate::Result<()> {
    let n = store
        .conn
        .execute("DELETE FROM parked WHERE run_id = ?1", [id])?;
    if n > 0 {
        // It is no longer running as far as its lock's next taker knows.
        store
            .conn
            .execute("DELETE FROM run_locks WHERE run_id = ?1", [id])?;
        let detail = serde_json::json!({ "why": why }).to_string();
        add_event(
            &store.conn,
            id,
            now_ms(),
            "wake_failed",
            None,
            Some(&detail),
        )?;
        super::control::interrupt(&store.conn, id)?;
    }
    Ok(())
}

/// The wall-clock time of a store time (ms).
pub fn at(ms: i64) -> SystemTime {
    std::time::UNIX_EPOCH + std::time::Duration::from_millis(ms.max(0) as u64)
}

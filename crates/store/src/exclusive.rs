//! What a write transaction that reads before it writes takes first, so
//! that two of them on the same thing take turns.
//!
//! SQLite's write transactions take turns already (`BEGIN IMMEDIATE`: one
//! writer at a time), so these do nothing there. PostgreSQL's run side by
//! side at READ COMMITTED: two that read "free" (a lock's key, the journal
//! folded up to frame N) would both write. Each takes a lock held to its
//! end first, and reads after it in a statement of its own, which sees
//! what the one before committed.

use crate::db::{Db, Dialect, Optional};

/// A run's record written by a process whose session was taken over.
pub const TAKEN_OVER: &str = "E0607";

/// Run `id`'s row, locked until the transaction ends. `NO KEY UPDATE`,
/// not `UPDATE`: the key share that a foreign key's check takes (an
/// approval's insert, an event's) is not blocked by it, so a statement
/// that inserts beside the transaction never waits on it while it waits
/// on that statement's row (a deadlock, seen with 50 approvals at once).
pub(crate) fn run(tx: &Db, id: &str) -> crate::Result<()> {
    if tx.dialect() == Dialect::Postgres {
        tx.prepare_cached("SELECT 1 FROM runs WHERE id = ?1 FOR NO KEY UPDATE")?
            .query_map([id], |_| Ok(()))?
            .for_each(drop);
    }
    Ok(())
}

/// [`run`], and the run's session must still be `session` when one is
/// given (the recorder's own writes): a process whose run another took
/// over (a resume elsewhere bumped `runs.session`) writes nothing more of
/// it. The session is read by the statement that locks the row.
pub(crate) fn fenced(tx: &Db, id: &str, session: Option<i64>) -> crate::Result<()> {
    let Some(mine) = session else {
        return run(tx, id);
    };
    let sql = match tx.dialect() {
        Dialect::Postgres => "SELECT session FROM runs WHERE id = ?1 FOR NO KEY UPDATE",
        Dialect::Sqlite => "SELECT session FROM runs WHERE id = ?1",
    };
    let now: Option<i64> = tx
        .prepare_cached(sql)?
        .query_row([id], |r| r.get(0))
        .optional()?;
    match now {
        Some(now) if now != mine => Err(crate::Error::Conflict(format!(
            "{TAKEN_OVER}: run {id} is in session {now} now, not this process's {mine}: another \
             process took it over, and this one records nothing more of it"
        ))),
        _ => Ok(()),
    }
}

/// The name `key` (of a row that may not exist yet), locked until the
/// transaction ends: an advisory lock in the store's own space of keys.
pub(crate) fn key(tx: &Db, space: Space, key: &str) -> crate::Result<()> {
    if tx.dialect() == Dialect::Postgres {
        tx.prepare_cached("SELECT 1 FROM (SELECT pg_advisory_xact_lock(?1, hashtext(?2))) l")?
            .query_map(crate::params![space as i64, key], |_| Ok(()))?
            .for_each(drop);
    }
    Ok(())
}

/// Which names a [`key`] is among (the first half of PostgreSQL's
/// two-number advisory lock; schema migrations lock one number of their
/// own, `schema::postgres`).
#[derive(Clone, Copy)]
pub(crate) enum Space {
    RunLock = 0x7766_0001,
    Alert = 0x7766_0002,
}

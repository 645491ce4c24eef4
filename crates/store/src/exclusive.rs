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
use std::sync::atomic::{AtomicI64, Ordering};

/// A run's record written by a process whose session was taken over.
pub const TAKEN_OVER: &str = "E0607";

/// What a run's recorder writes under: the session it records, and the
/// server whose lease it runs under (none for `wfc run`). Shared by the
/// recorder, its watch thread's folds and its step logs' sends.
#[derive(Debug)]
pub(crate) struct Fence {
    session: AtomicI64,
    owner: Option<String>,
}

impl Fence {
    /// Session 1 (a resume sets its own), under this process's lease.
    pub(crate) fn new() -> Fence {
        Fence {
            session: AtomicI64::new(1),
            // A server between leases runs nothing: an owner no one is.
            owner: crate::servers::this().or_else(|| crate::servers::serving().then(String::new)),
        }
    }

    /// A fence under server `owner`'s lease (tests).
    #[cfg(test)]
    pub(crate) fn owned_by(owner: &str, session: i64) -> Fence {
        Fence {
            session: AtomicI64::new(session),
            owner: Some(owner.to_owned()),
        }
    }

    pub(crate) fn session(&self) -> i64 {
        self.session.load(Ordering::Acquire)
    }

    pub(crate) fn set_session(&self, session: i64) {
        self.session.store(session, Ordering::Release);
    }

    /// The server the run is recorded as owned by.
    pub(crate) fn owner(&self) -> Option<&str> {
        self.owner.as_deref()
    }

    /// Checked before a write of run `id`, without the database: once this
    /// process no longer holds the lease the run started under (lost, or
    /// held again as a new server), the run may be another server's
    /// already, and nothing more of it is written from here.
    pub(crate) fn held(&self, id: &str) -> crate::Result<()> {
        match &self.owner {
            Some(owner) if owner.is_empty() => Err(crate::Error::Conflict(format!(
                "{TAKEN_OVER}: this server holds no lease on the store now: run {id} is not \
                 recorded from here"
            ))),
            Some(owner) if crate::servers::this().as_deref() != Some(owner.as_str()) => {
                Err(crate::Error::Conflict(format!(
                    "{TAKEN_OVER}: run {id} ran under this server's lease {owner}, which it no \
                     longer holds: another server may have taken it over, and this one \
                     records nothing more of it"
                )))
            }
            _ => Ok(()),
        }
    }
}

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
    /// The servers' sweep (`crate::sweep`): one at a time.
    Sweep = 0x7766_0003,
}

/// Whether this transaction took `space`'s lock on `key` (held to its end),
/// without waiting: `false` while another holds it. Always `true` on
/// SQLite, whose write transactions take turns already.
pub(crate) fn try_key(tx: &Db, space: Space, key: &str) -> crate::Result<bool> {
    if tx.dialect() != Dialect::Postgres {
        return Ok(true);
    }
    tx.query_row(
        "SELECT pg_try_advisory_xact_lock(?1, hashtext(?2))",
        crate::params![space as i64, key],
        |r| r.get(0),
    )
}

//! A run's successful durations in one row: the `durations` table, what
//! the history estimates ([`super::history_estimator`]) read.
//!
//! The same figures are in the run's `steps` rows, but reading them there
//! walks every row of every recent run: at 5,000 steps, ten runs' rows are
//! ~8 MB of pages, 13–18 ms before the first step of every run. One packed
//! row per run is ~50 KB.
//!
//! The row holds every main-graph step instance that succeeded, in the
//! order they ended: its name and its duration (ms), each in postcard (a
//! length and the bytes; a varint). The recorder of the run's first session
//! writes it with the run's end; a resumed session deletes it at its start,
//! since its recorder does not see the earlier sessions' steps. A run
//! without the row (recorded before the table existed, killed, or resumed)
//! is read from its `steps` rows instead.

use crate::db::Db;
use crate::db::Optional;
use crate::params;

/// A run's durations as they are recorded.
#[derive(Debug, Default)]
pub struct Durations {
    packed: Vec<u8>,
}

impl Durations {
    /// Adds a main-graph step that succeeded after `ms`.
    pub fn push(&mut self, name: &str, ms: i64) {
        // Writing to a `Vec` does not fail.
        if let Ok(buf) =
            postcard::to_extend(&(name, ms.max(0) as u64), std::mem::take(&mut self.packed))
        {
            self.packed = buf;
        }
    }

    /// Stores them as run `run_id`'s.
    pub(crate) fn store(&self, tx: &Db, run_id: &str) -> crate::Result<()> {
        tx.execute_later("INSERT INTO durations (run_id, packed) VALUES (?1, ?2) ON CONFLICT (run_id) DO UPDATE SET packed = excluded.packed",
            params![run_id, self.packed])
    }
}

/// Deletes run `run_id`'s row (a resumed session's steps would be missing
/// from it).
pub(crate) fn forget(tx: &Db, run_id: &str) -> crate::Result<()> {
    tx.execute("DELETE FROM durations WHERE run_id = ?1", [run_id])
        .map(drop)
}

/// Calls `f` with each `(name, ms)` of run `run_id`'s row; false when the
/// run has no row (its `steps` rows are then to be read). A damaged row's
/// figures end where the damage starts: they are estimates' inputs, and
/// reading the `steps` rows after some of them were taken would count
/// those twice.
pub(crate) fn each(
    stmt: &mut crate::db::Stmt<'_>,
    run_id: &str,
    mut f: impl FnMut(&str, u64),
) -> crate::Result<bool> {
    let read = stmt.query_row([run_id], |row| {
        // Not a blob: not a row this build wrote; nothing of it was taken.
        let Some(mut rest) = row.get_ref(0)?.blob() else {
            return Ok(false);
        };
        while let Ok(((name, ms), tail)) = postcard::take_from_bytes::<(&str, u64)>(rest) {
            f(name, ms);
            rest = tail;
        }
        Ok(true)
    });
    Ok(read.optional()?.unwrap_or(false))
}

/// The statement `each` runs.
pub const SELECT: &str = "SELECT packed FROM durations WHERE run_id = ?1";

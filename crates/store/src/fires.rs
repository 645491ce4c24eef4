//! Schedule fires: how far each `on schedule` of a served workflow has
//! been handled, so that a restarted `wfc serve` neither fires a slot
//! twice nor skips one without saying so.
//!
//! A row per schedule, named by its file, workflow and pattern (with its
//! zone): `done_until` is the latest slot handled (fired or passed over),
//! in milliseconds since the epoch, and `fired` counts the slots fired. Every slot at or before
//! it is done; a restart sees the slots after it as missed.
//!
//! With several servers on one store in a database, every server's
//! schedule wakes for each slot, and the first to record the slot's run
//! fires it: the slot is claimed (`claim_in`, a compare-and-set on
//! `done_until`) in the transaction that inserts the run — one commit for
//! both, so a crash never loses a claimed slot, and the others' starts of
//! it record nothing ([`SLOT_TAKEN`]).
//!
//! The table, `schedule_fires`, is part of the schema since version 8.

use crate::db::Optional;
use crate::params;
use crate::Store;

/// One schedule of one served workflow.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ScheduleId {
    /// The file as the server names it.
    pub file: String,
    pub workflow: String,
    /// The pattern and its zone (`0 2 * * * Europe/Berlin`): a changed
    /// pattern or zone is a new schedule.
    pub schedule: String,
}

/// A schedule's row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fires {
    pub id: ScheduleId,
    /// Every slot at or before this (ms since the epoch) is handled.
    pub done_until_ms: i64,
    /// Slots claimed ([`claim`]): a run started, or a slot that started none
    /// (turned down, or its start failed).
    pub fired: i64,
}

/// Where schedule `id` stands; `None` for one never seen.
pub fn done_until(store: &Store, id: &ScheduleId) -> crate::Result<Option<i64>> {
    let conn = &store.conn;
    conn.query_row(
        "SELECT done_until FROM schedule_fires
          WHERE file = ?1 AND workflow = ?2 AND schedule = ?3",
        params![id.file, id.workflow, id.schedule],
        |r| r.get(0),
    )
    .optional()
}

/// Marks every slot of `id` up to `ms` as done without a run: a schedule
/// seen for the first time starts there, a slot passed over ends there.
/// Never moves back.
pub fn skip_to(store: &Store, id: &ScheduleId, ms: i64) -> crate::Result<()> {
    let conn = &store.conn;
    conn.execute(
        "INSERT INTO schedule_fires (file, workflow, schedule, done_until, fired)
         VALUES (?1, ?2, ?3, ?4, 0)
         ON CONFLICT (file, workflow, schedule) DO UPDATE
            SET done_until = GREATEST(schedule_fires.done_until, excluded.done_until)",
        params![id.file, id.workflow, id.schedule, ms],
    )
    .map(drop)
}

/// A scheduled run's start that another's took the slot of.
pub const SLOT_TAKEN: &str = "E0608";

/// Claims slot `slot_ms` of `id` for run `run`, in the transaction `tx`
/// that records the run: an error ([`SLOT_TAKEN`]) when the slot is done
/// already — another server fired it, or passed it over.
pub(crate) fn claim_in(
    tx: &crate::db::Db,
    id: &ScheduleId,
    slot_ms: i64,
    run: &str,
) -> crate::Result<()> {
    let n = tx.execute(
        "INSERT INTO schedule_fires (file, workflow, schedule, done_until, fired)
         VALUES (?1, ?2, ?3, ?4, 1)
         ON CONFLICT (file, workflow, schedule) DO UPDATE
            SET done_until = excluded.done_until, fired = schedule_fires.fired + 1
          WHERE schedule_fires.done_until < excluded.done_until",
        params![id.file, id.workflow, id.schedule, slot_ms],
    )?;
    if n == 0 {
        return Err(crate::Error::Conflict(format!(
            "{SLOT_TAKEN}: slot {slot_ms} of schedule `{}` of `{}` was handled already (another \
             server fired it first): run {run} is not started",
            id.schedule, id.workflow
        )));
    }
    Ok(())
}

/// `claim_in` on its own, for a slot that fires no run (its workflow's
/// triggers paused, its `when` false): whether this server took it.
pub fn claim(store: &Store, id: &ScheduleId, slot_ms: i64) -> crate::Result<bool> {
    match claim_in(&store.conn, id, slot_ms, "(none)") {
        Ok(()) => Ok(true),
        Err(e) if e.to_string().starts_with(SLOT_TAKEN) => Ok(false),
        Err(e) => Err(e),
    }
}

/// The runs of schedule `id` still going on (waiting ones too), whichever
/// server runs them, oldest first: the previous run `overlap` meets when
/// the server firing a slot is not the one that fired the last.
pub fn going(store: &Store, id: &ScheduleId) -> crate::Result<Vec<String>> {
    store
        .conn
        .prepare(
            "SELECT r.id FROM runs r JOIN run_triggers t ON t.run_id = r.id
             WHERE r.status = 'running' AND r.workflow = ?1 AND r.file = ?2
               AND t.trigger = 'schedule' AND t.started_by = ?3
             ORDER BY r.started_at, r.id",
        )?
        .query_map(params![id.workflow, id.file, id.schedule], |r| r.get(0))?
        .collect()
}

/// Every schedule's row, by file, workflow and pattern.
pub fn all(store: &Store) -> crate::Result<Vec<Fires>> {
    let conn = &store.conn;
    let mut q = conn.prepare(
        "SELECT file, workflow, schedule, done_until, fired FROM schedule_fires
          ORDER BY file, workflow, schedule",
    )?;
    let rows = q.query_map((), |r| {
        Ok(Fires {
            id: ScheduleId {
                file: r.get(0)?,
                workflow: r.get(1)?,
                schedule: r.get(2)?,
            },
            done_until_ms: r.get(3)?,
            fired: r.get(4)?,
        })
    })?;
    rows.collect::<crate::Result<_>>()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_schedule_only_moves_forward_and_counts_its_fires() {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::test_store::open(dir.path());
        let c = &store;
        let id = ScheduleId {
            file: "flows/a.wf".into(),
            workflow: "nightly".into(),
            schedule: "0 2 * * * UTC".into(),
        };
        assert_eq!(done_until(c, &id).unwrap(), None);
        // A slot is claimed once: the second claim of it, or of an older
        // one, takes nothing.
        assert!(claim(c, &id, 500).unwrap());
        assert!(!claim(c, &id, 500).unwrap());
        assert!(!claim(c, &id, 400).unwrap());
        skip_to(c, &id, 1_000).unwrap();
        assert!(claim(c, &id, 3_000).unwrap());
        assert!(!claim(c, &id, 2_000).unwrap());
        skip_to(c, &id, 2_500).unwrap();
        assert_eq!(done_until(c, &id).unwrap(), Some(3_000), "never back");
        let other = ScheduleId {
            schedule: "0 3 * * * UTC".into(),
            ..id.clone()
        };
        assert!(claim(c, &other, 9_000).unwrap());
        let rows = all(c).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!((rows[0].done_until_ms, rows[0].fired), (3_000, 2));
        assert_eq!((rows[1].id.clone(), rows[1].fired), (other, 1));
    }
}

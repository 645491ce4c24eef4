//! Schedule fires: how far each `on schedule` of a served workflow has
//! been handled, so that a restarted `wfc serve` neither fires a slot
//! twice nor skips one without saying so.
//!
//! A row per schedule, named by its file, workflow and pattern (with its
//! zone): `done_until` is the latest slot handled (fired or passed over),
//! in milliseconds since the epoch, and `fired` counts the slots fired. Every slot at or before
//! it is done; a restart sees the slots after it as missed. The server
//! writes it *before* it starts the slot's run, so a crash between the two
//! loses that slot rather than running it twice.
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
    /// Slots that fired ([`record`]): a start that then failed counts too.
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

/// Records that slot `slot_ms` of `id` fires: written before its run
/// starts. Never moves back: an older slot recorded late leaves a newer
/// one in place.
pub fn record(store: &Store, id: &ScheduleId, slot_ms: i64) -> crate::Result<()> {
    let conn = &store.conn;
    conn.execute(
        "INSERT INTO schedule_fires (file, workflow, schedule, done_until, fired)
         VALUES (?1, ?2, ?3, ?4, 1)
         ON CONFLICT (file, workflow, schedule) DO UPDATE
            SET done_until = GREATEST(schedule_fires.done_until, excluded.done_until),
                fired = schedule_fires.fired + 1",
        params![id.file, id.workflow, id.schedule, slot_ms],
    )
    .map(drop)
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
        skip_to(c, &id, 1_000).unwrap();
        record(c, &id, 3_000).unwrap();
        record(c, &id, 2_000).unwrap();
        skip_to(c, &id, 2_500).unwrap();
        assert_eq!(done_until(c, &id).unwrap(), Some(3_000), "never back");
        let other = ScheduleId {
            schedule: "0 3 * * * UTC".into(),
            ..id.clone()
        };
        record(c, &other, 9_000).unwrap();
        let rows = all(c).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!((rows[0].done_until_ms, rows[0].fired), (3_000, 2));
        assert_eq!((rows[1].id.clone(), rows[1].fired), (other, 1));
    }
}

//! What a backfill asks of the store: the run that already covers a slot
//! (a schedule's or an earlier backfill's, by `run_triggers.scheduled_at`),
//! and the runs of a workflow's schedule still going, which a backfilled
//! slot waits for (its runs never overlap the schedule's).

use crate::db::Optional;
use crate::params;
use crate::Store;

/// The trigger a backfill's runs record.
pub const TRIGGER: &str = "backfill";

/// The run of `workflow` for slot `slot_ms` that its schedule or a
/// backfill started, if any (the oldest): whatever its end, a slot is run
/// once (`wfc resume` it, or delete it to backfill the slot again).
pub fn run_for_slot(store: &Store, workflow: &str, slot_ms: i64) -> crate::Result<Option<String>> {
    store
        .conn
        .query_row(
            "SELECT r.id FROM runs r JOIN run_triggers t ON t.run_id = r.id
             WHERE r.workflow = ?1 AND t.scheduled_at = ?2
               AND t.trigger IN ('schedule', 'backfill')
             ORDER BY r.started_at, r.id LIMIT 1",
            params![workflow, slot_ms],
            |r| r.get(0),
        )
        .optional()
}

/// The runs of `workflow` its schedule or a backfill started that still
/// go on (waiting ones too), oldest first.
pub fn going(store: &Store, workflow: &str) -> crate::Result<Vec<String>> {
    store
        .conn
        .prepare(
            "SELECT r.id FROM runs r JOIN run_triggers t ON t.run_id = r.id
             WHERE r.status = 'running' AND r.workflow = ?1
               AND t.trigger IN ('schedule', 'backfill')
             ORDER BY r.started_at, r.id",
        )?
        .query_map(params![workflow], |r| r.get(0))?
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(s: &Store, id: &str, status: &str, trigger: &str, slot: Option<i64>) {
        s.conn
            .execute(
                "INSERT INTO runs (id, workflow, file, file_hash, params, status, jobs, steps, pid,
                                   started_at, heartbeat_at)
                 VALUES (?1, 'nightly', 'f.wf', '', '{}', ?2, 1, 1, 0, 5, 5)",
                params![id, status],
            )
            .unwrap();
        crate::listing::record_trigger(s, id, trigger, None, Some("ops")).unwrap();
        s.conn
            .execute(
                "UPDATE run_triggers SET scheduled_at = ?1 WHERE run_id = ?2",
                params![slot, id],
            )
            .unwrap();
    }

    #[test]
    fn a_slot_is_found_by_its_run_and_going_runs_are_listed() {
        let dir = tempfile::tempdir().unwrap();
        let s = crate::test_store::open(dir.path());
        run(&s, "r1", "succeeded", TRIGGER, Some(1_000));
        run(&s, "r2", "running", "schedule", Some(2_000));
        run(&s, "r3", "running", "api", Some(3_000));
        assert_eq!(
            run_for_slot(&s, "nightly", 1_000).unwrap().as_deref(),
            Some("r1")
        );
        assert_eq!(
            run_for_slot(&s, "nightly", 2_000).unwrap().as_deref(),
            Some("r2")
        );
        // Only a schedule's or a backfill's run covers a slot.
        assert_eq!(run_for_slot(&s, "nightly", 3_000).unwrap(), None);
        assert_eq!(run_for_slot(&s, "other", 1_000).unwrap(), None);
        assert_eq!(going(&s, "nightly").unwrap(), ["r2"]);
        assert!(going(&s, "other").unwrap().is_empty());
    }
}

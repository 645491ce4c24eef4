//! Webhook deliveries that started runs (schema 9). A sender that retries
//! a delivery (GitHub's `X-GitHub-Delivery`, GitLab's
//! `X-Gitlab-Event-UUID`, …) sends the same id again; the server looks it
//! up and starts nothing for an id that already started a run. The row is
//! written with the run's trigger, before the run's own record, and only
//! counts while that run is in the store: a start that never reached the
//! store does not block the sender's next try. A delivery counts for
//! [`WINDOW`] after it was first seen (senders retry within minutes).

use super::{now_ms, Store};
use crate::db::Optional;
use crate::params;

/// How long a delivery id counts: 24 hours, in milliseconds.
pub const WINDOW: i64 = 24 * 60 * 60 * 1000;

/// A webhook delivery's start that another start of it came before.
pub const DELIVERY_TAKEN: &str = "E0609";

/// Records that the delivery `key` started run `run_id`, now.
pub fn record(store: &Store, key: &str, run_id: &str) -> crate::Result<()> {
    record_in(&store.conn, key, run_id)
}

/// [`record`] on a connection, in the transaction that records the run:
/// the first of several servers to record a start of the delivery wins
/// (the row is inserted first); the others' get [`DELIVERY_TAKEN`], and
/// record nothing. A row counts while its run is in the store and for
/// [`WINDOW`]; an older one is taken over.
pub(crate) fn record_in(conn: &crate::db::Db, key: &str, run_id: &str) -> crate::Result<()> {
    let now = now_ms();
    let n = conn.execute(
        "INSERT INTO deliveries (key, run_id, at) VALUES (?1, ?2, ?3)
         ON CONFLICT (key) DO UPDATE SET run_id = excluded.run_id, at = excluded.at
          WHERE deliveries.at < ?4 OR deliveries.run_id = excluded.run_id
             OR NOT EXISTS (SELECT 1 FROM runs r WHERE r.id = deliveries.run_id)",
        params![key, run_id, now, now - WINDOW],
    )?;
    if n == 0 {
        return Err(crate::Error::Conflict(format!(
            "{DELIVERY_TAKEN}: delivery `{key}` started a run already (on another server): run \
             {run_id} is not started"
        )));
    }
    Ok(())
}

/// The run the delivery `key` started within the last [`WINDOW`], if it is
/// in the store.
pub fn run_of(store: &Store, key: &str) -> crate::Result<Option<String>> {
    store
        .conn
        .query_row(
            "SELECT d.run_id FROM deliveries d JOIN runs r ON r.id = d.run_id
             WHERE d.key = ?1 AND d.at >= ?2",
            params![key, now_ms() - WINDOW],
            |r| r.get(0),
        )
        .optional()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_delivery_counts_once_its_run_is_recorded() {
        let dir = tempfile::tempdir().unwrap();
        let s = crate::test_store::open(dir.path());
        record(&s, "/deploy 42", "r1").unwrap();
        assert_eq!(run_of(&s, "/deploy 42").unwrap(), None, "no run r1 yet");
        s.conn
            .execute(
                "INSERT INTO runs (id, workflow, file, file_hash, params, status, jobs, steps, pid,
                   started_at, heartbeat_at) VALUES ('r1', 'w', 'f', 'h', '{}', 'running', 1, 1, 1, 0, 0)",
                (),
            )
            .unwrap();
        assert_eq!(run_of(&s, "/deploy 42").unwrap().as_deref(), Some("r1"));
        assert_eq!(run_of(&s, "/deploy 43").unwrap(), None);
        // A day later the id is free again.
        s.conn
            .execute("UPDATE deliveries SET at = at - ?1 - 1", [WINDOW])
            .unwrap();
        assert_eq!(run_of(&s, "/deploy 42").unwrap(), None);
    }
}

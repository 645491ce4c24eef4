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
/// (the row is inserted first); the others' inserts break the key, which
/// [`is_taken`] tells, and record nothing. A row counts while its run is
/// in the store and for [`WINDOW`]; an older one gives way. Both
/// statements are sent without waiting for their answers (a webhook's
/// start is one round trip less): a taken key fails the transaction's
/// commit at the latest.
pub(crate) fn record_in(conn: &crate::db::Db, key: &str, run_id: &str) -> crate::Result<()> {
    let now = now_ms();
    conn.execute_later(
        "DELETE FROM deliveries WHERE key = ?1
            AND (at < ?2 OR NOT EXISTS (SELECT 1 FROM runs r WHERE r.id = deliveries.run_id))",
        params![key, now - WINDOW],
    )?;
    conn.execute_later(
        "INSERT INTO deliveries (key, run_id, at) VALUES (?1, ?2, ?3)",
        params![key, run_id, now],
    )?;
    Ok(())
}

/// Whether `e`, from the transaction that records a run, is its
/// delivery's insert finding the delivery started already ([`record_in`]).
pub(crate) fn is_taken(e: &crate::Error) -> bool {
    // (SQLite: "UNIQUE constraint failed: deliveries.key"; PostgreSQL:
    // "duplicate key value violates unique constraint "deliveries_pkey"".)
    matches!(e, crate::Error::Conflict(t) if t.contains("deliveries"))
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
        // Another start of it is refused while r1 is in the store.
        let tx = s.conn.write().unwrap();
        // (A statement after it, prepared in the transaction its failure
        // aborted, does not hide why: the first error is the one told.)
        let again = record_in(&tx, "/deploy 42", "r2")
            .and_then(|()| tx.execute_later("UPDATE runs SET pid = pid + 0 WHERE id = ?1", ["r2"]))
            .and_then(|()| tx.commit());
        assert!(again.as_ref().is_err_and(is_taken), "{again:?}");
        assert_eq!(run_of(&s, "/deploy 42").unwrap().as_deref(), Some("r1"));
        // A day later the id is free again.
        s.conn
            .execute("UPDATE deliveries SET at = at - ?1 - 1", [WINDOW])
            .unwrap();
        assert_eq!(run_of(&s, "/deploy 42").unwrap(), None);
    }
}

//! Webhook deliveries that started runs (schema 9). A sender that retries
//! a delivery (GitHub's `X-GitHub-Delivery`, GitLab's
//! `X-Gitlab-Event-UUID`, …) sends the same id again; the server looks it
//! up and starts nothing for an id that already started a run. The row is
//! written with the run's trigger, before the run's own record, and only
//! counts while that run is in the store: a start that never reached the
//! store does not block the sender's next try.

use super::Store;
use rusqlite::{params, OptionalExtension};

/// Records that the delivery `key` started run `run_id`.
pub fn record(store: &Store, key: &str, run_id: &str) -> rusqlite::Result<()> {
    store.conn.execute(
        "INSERT OR REPLACE INTO deliveries (key, run_id) VALUES (?1, ?2)",
        params![key, run_id],
    )?;
    Ok(())
}

/// The run the delivery `key` started, if it is in the store.
pub fn run_of(store: &Store, key: &str) -> rusqlite::Result<Option<String>> {
    store
        .conn
        .query_row(
            "SELECT d.run_id FROM deliveries d JOIN runs r ON r.id = d.run_id WHERE d.key = ?1",
            [key],
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
        let s = Store::open(dir.path()).unwrap();
        record(&s, "/deploy 42", "r1").unwrap();
        assert_eq!(run_of(&s, "/deploy 42").unwrap(), None, "no run r1 yet");
        s.conn
            .execute(
                "INSERT INTO runs (id, workflow, file, file_hash, params, status, jobs, steps, pid,
                   started_at, heartbeat_at) VALUES ('r1', 'w', 'f', 'h', '{}', 'running', 1, 1, 1, 0, 0)",
                [],
            )
            .unwrap();
        assert_eq!(run_of(&s, "/deploy 42").unwrap().as_deref(), Some("r1"));
        assert_eq!(run_of(&s, "/deploy 43").unwrap(), None);
    }
}

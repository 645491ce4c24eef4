//! Deleting runs on demand: `wfc runs delete`, `DELETE /api/v1/runs/{id}`
//! and MCP's `delete_run` (docs/store.md, Deleting runs).
//!
//! A run goes as retention prunes one ([`super::retention`]): every row of
//! every table with a `run_id`, then its log folder and its artifact
//! folder, and its journal if one is left. Unlike retention, an
//! `interrupted` run may be deleted: a person asked for it by name.
//!
//! A run still going is refused ([`RUNNING`]): one that is `running`
//! (waiting for an approval or a lock included), and an `interrupted` one
//! whose process is alive on this host (stopped, say, so its heartbeat went
//! stale): it may still write. A `running` run whose process died is marked
//! `interrupted` first ([`super::control::reap`]), and may then go.

use super::control::{self, pid_alive};
use super::Store;
use crate::db::Optional;

/// Refused: the run is still going.
pub const RUNNING: &str = "E0980";
/// No such run (any more).
pub const GONE: &str = "E0981";

/// The statuses a run may be deleted in, as an SQL list.
const DELETABLE: &str = "'succeeded', 'failed', 'cancelled', 'interrupted'";

/// Why a run was not deleted.
#[derive(Debug, thiserror::Error)]
pub enum DeleteError {
    #[error("{RUNNING}: run {id} {why}: it cannot be deleted while it may still write (`wfc cancel {id}` first, then delete it once it ended)")]
    Running { id: String, why: String },
    #[error("{GONE}: no run `{0}` in the store (deleted already?)")]
    Gone(String),
    #[error("the run store: {0}")]
    Store(String),
}

fn store_error(e: impl std::fmt::Display) -> DeleteError {
    DeleteError::Store(e.to_string())
}

/// Deletes run `id` (an exact id) with everything the store keeps of it.
pub fn delete_run(store: &Store, id: &str) -> Result<(), DeleteError> {
    control::reap(store).map_err(store_error)?;
    let row: Option<(String, i64, String)> = store
        .conn
        .query_row(
            "SELECT status, pid, host FROM runs WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()
        .map_err(store_error)?;
    let Some((status, pid, host)) = row else {
        return Err(DeleteError::Gone(id.to_owned()));
    };
    let running = |why: String| DeleteError::Running {
        id: id.to_owned(),
        why,
    };
    if status == "running" {
        return Err(running("is running".to_owned()));
    }
    let own = i64::from(std::process::id());
    if status == "interrupted"
        && host == super::store_recorder::hostname()
        && pid != own
        && pid_alive(pid)
    {
        return Err(running(format!(
            "is interrupted, but its process {pid} is alive"
        )));
    }
    let tables = super::retention::run_tables(&store.conn).map_err(store_error)?;
    let ids = [id.to_owned()];
    let deleted =
        super::retention::delete(&store.conn, &tables, &ids, DELETABLE).map_err(store_error)?;
    if deleted.is_empty() {
        // Resumed since it was read: running again.
        return Err(running("is running again".to_owned()));
    }
    super::journal::remove(&store.conn, id);
    super::retention::remove_files(store, id).map_err(DeleteError::Store)
}

/// The runs `wfc runs delete --before` picks: started before `before_ms`,
/// of `workflow` if given, not running; oldest first.
pub fn started_before(
    store: &Store,
    before_ms: i64,
    workflow: Option<&str>,
) -> crate::Result<Vec<String>> {
    let mut q = store.conn.prepare(
        "SELECT id FROM runs WHERE started_at < ?1 AND (CAST(?2 AS TEXT) IS NULL OR workflow = ?2)
           AND status <> 'running' ORDER BY started_at, id",
    )?;
    let rows = q.query_map(crate::params![before_ms, workflow], |r| r.get(0))?;
    rows.collect::<crate::Result<_>>()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params;

    fn run(s: &Store, id: &str, status: &str, pid: i64) {
        s.conn
            .execute(
                "INSERT INTO runs (id, workflow, file, file_hash, params, status, jobs, steps, pid,
                                   started_at, heartbeat_at, host)
                 VALUES (?1, 'w', 'f.wf', '', '{}', ?2, 1, 1, ?3, 1, ?4, ?5)",
                params![
                    id,
                    status,
                    pid,
                    crate::now_ms(),
                    crate::store_recorder::hostname()
                ],
            )
            .unwrap();
        crate::listing::record_trigger(s, id, "api", None, None).unwrap();
        std::fs::create_dir_all(s.dir().join("logs").join(id)).unwrap();
    }

    #[test]
    fn deletes_an_ended_run_once_and_refuses_one_still_going() {
        let dir = tempfile::tempdir().unwrap();
        let s = crate::test_store::open(dir.path());
        let me = i64::from(std::process::id());
        // A process that is surely alive and not this one: our parent.
        let parent = i64::from(std::os::unix::process::parent_id());
        run(&s, "done", "failed", 0);
        run(&s, "going", "running", me);
        run(&s, "stopped", "interrupted", parent);
        delete_run(&s, "done").unwrap();
        assert!(!dir.path().join("logs/done").exists());
        assert!(matches!(delete_run(&s, "done"), Err(DeleteError::Gone(_))));
        let refused = delete_run(&s, "going").unwrap_err().to_string();
        assert!(
            refused.starts_with("E0980: run going is running"),
            "{refused}"
        );
        let refused = delete_run(&s, "stopped").unwrap_err().to_string();
        assert!(refused.contains("its process"), "{refused}");
        assert_eq!(started_before(&s, 2, None).unwrap(), ["stopped"]);
        assert!(started_before(&s, 1, None).unwrap().is_empty());
        assert!(started_before(&s, 2, Some("other")).unwrap().is_empty());
    }
}

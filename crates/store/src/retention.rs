//! Retention: pruning old runs, with everything the store keeps of them.
//!
//! The rule (`wfc serve --keep-runs N --keep-days D`, docs/serve.md):
//!
//! - the newest `N` runs **of each workflow** are kept, counted by when
//!   they started (running ones count): one workflow run every minute does
//!   not push out the history of a weekly deploy;
//! - a run that ended more than `D` days ago is pruned, whatever its rank;
//! - only runs that **ended** — `succeeded`, `failed` or `cancelled` — are
//!   ever pruned. A `running` run (waiting for an approval or a lock
//!   included) and an `interrupted` one (its wfc died: it may be resumed,
//!   and nothing has decided its end yet) are kept, however old.
//!
//! A pruned run loses its row in `runs` and every row of every table with a
//! `run_id` column (steps, attempts, events, approvals, plans, triggers…:
//! found by name, so a table added later is pruned too and a foreign key
//! never stops the delete), then its log folder `logs/RUN/`, its artifact
//! folder `artifacts/RUN/` and its own folder (`run.dir`) if still there.

use super::logs::LogPaths;
use super::Store;
use crate::db::{Db, Dialect};
use crate::params;

/// How many runs and how many days to keep; `None` keeps every one.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Policy {
    /// The newest runs of each workflow to keep.
    pub keep_runs: Option<usize>,
    /// Days after its end a run is kept.
    pub keep_days: Option<u32>,
}

impl Policy {
    /// A policy from the flags' figures, where `0` turns that limit off.
    pub fn new(keep_runs: usize, keep_days: u32) -> Self {
        Policy {
            keep_runs: (keep_runs > 0).then_some(keep_runs),
            keep_days: (keep_days > 0).then_some(keep_days),
        }
    }

    /// Whether it prunes anything at all.
    pub fn is_off(&self) -> bool {
        self.keep_runs.is_none() && self.keep_days.is_none()
    }
}

/// The statuses of runs that ended: the only ones pruned.
const ENDED: &str = "'succeeded', 'failed', 'cancelled'";

/// Runs deleted in one transaction: the write lock is held for a short
/// while, so the runs going on fold their journals between batches.
const BATCH: usize = 100;

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// Prunes what `policy` does not keep, as of `now_ms`; the ids of the runs
/// pruned, oldest first.
pub fn prune(store: &Store, policy: &Policy, now_ms: i64) -> Result<Vec<String>, String> {
    if policy.is_off() {
        return Ok(Vec::new());
    }
    let conn = &store.conn;
    let doomed = candidates(conn, policy, now_ms).map_err(|e| e.to_string())?;
    let tables = run_tables(conn).map_err(|e| e.to_string())?;
    let mut pruned = Vec::new();
    for batch in doomed.chunks(BATCH) {
        let deleted = delete(conn, &tables, batch, ENDED).map_err(|e| e.to_string())?;
        // The rows are gone first: a log folder left by a failed removal is
        // only disk, while rows without their logs would show a run whose
        // output vanished.
        for id in &deleted {
            remove_files(store, id)?;
        }
        pruned.extend(deleted);
    }
    Ok(pruned)
}

/// Removes run `id`'s log and artifact folders (once its rows are gone),
/// and its own folder (`run.dir`), kept while it could be resumed.
pub(crate) fn remove_files(store: &Store, id: &str) -> Result<(), String> {
    let logs = store.dir().join(LogPaths::new(id).dir());
    let artifacts = crate::artifacts::run_folder(store.dir(), id);
    let own = run_folder(&logs, id);
    for dir in [Some(logs), Some(artifacts), own].into_iter().flatten() {
        if let Err(e) = std::fs::remove_dir_all(&dir) {
            if e.kind() != std::io::ErrorKind::NotFound {
                return Err(format!("cannot remove {}: {e}", dir.display()));
            }
        }
    }
    Ok(())
}

/// Run `id`'s own folder as its launch recorded it (`paths.json` in its log
/// folder, written by `wfc_launch`'s `run_dir`), if wfc made it for this
/// run (`wfc-run-ID-…`): a folder a hand-edited record names is left alone.
fn run_folder(logs: &std::path::Path, id: &str) -> Option<std::path::PathBuf> {
    let text = std::fs::read(logs.join("paths.json")).ok()?;
    let v: serde_json::Value = serde_json::from_slice(&text).ok()?;
    let dir = std::path::PathBuf::from(v.get("run_dir")?.as_str()?);
    let name = dir.file_name()?.to_str()?;
    name.strip_prefix("wfc-run-")?
        .strip_prefix(id)?
        .starts_with('-')
        .then_some(dir)
}

/// The ended runs beyond `keep_runs` in their workflow or ended before
/// `keep_days`, oldest first.
fn candidates(conn: &Db, policy: &Policy, now_ms: i64) -> crate::Result<Vec<String>> {
    let keep_runs = policy.keep_runs.map(|n| n as i64);
    let before = policy
        .keep_days
        .map(|d| now_ms.saturating_sub(i64::from(d) * DAY_MS));
    let sql = format!(
        "SELECT id FROM (
             SELECT id, status, started_at, COALESCE(ended_at, started_at) AS ended,
                    ROW_NUMBER() OVER (PARTITION BY workflow
                                       ORDER BY started_at DESC, id DESC) AS newest
             FROM runs) ranked
         WHERE status IN ({ENDED})
           AND ((CAST(?1 AS BIGINT) IS NOT NULL AND newest > ?1)
                OR (CAST(?2 AS BIGINT) IS NOT NULL AND ended < ?2))
         ORDER BY started_at, id"
    );
    let mut q = conn.prepare(&sql)?;
    let rows = q.query_map(params![keep_runs, before], |r| r.get(0))?;
    rows.collect()
}

/// The tables besides `runs` that hold rows of runs.
pub(crate) fn run_tables(conn: &Db) -> crate::Result<Vec<String>> {
    let mut q = conn.prepare(match conn.dialect() {
        Dialect::Sqlite => {
            "SELECT m.name FROM sqlite_schema m, pragma_table_info(m.name) p
             WHERE m.type = 'table' AND m.name <> 'runs' AND p.name = 'run_id'
             ORDER BY m.name"
        }
        Dialect::Postgres => {
            "SELECT CAST(table_name AS TEXT) FROM information_schema.columns
             WHERE table_schema = current_schema() AND table_name <> 'runs'
               AND column_name = 'run_id'
             ORDER BY 1"
        }
    })?;
    let rows = q.query_map((), |r| r.get(0))?;
    rows.collect()
}

/// Deletes `ids` whose status is still one of `statuses` (an SQL list: a
/// run resumed since it was picked is running again, and kept), in one
/// transaction; the ids deleted.
pub(crate) fn delete(
    conn: &Db,
    tables: &[String],
    ids: &[String],
    statuses: &str,
) -> crate::Result<Vec<String>> {
    // Immediate: the status read and the deletes see one state of the
    // store, which no resume changes in between.
    let tx = conn.write()?;
    let mut deleted = Vec::new();
    {
        let mut ended = tx.prepare(&format!(
            "SELECT EXISTS (SELECT 1 FROM runs WHERE id = ?1 AND status IN ({statuses}))"
        ))?;
        let mut rows: Vec<_> = tables
            .iter()
            .map(|t| tx.prepare(&format!("DELETE FROM \"{t}\" WHERE run_id = ?1")))
            .collect::<Result<_, _>>()?;
        let mut run = tx.prepare("DELETE FROM runs WHERE id = ?1")?;
        for id in ids {
            if !ended.query_row([id], |r| r.get::<bool>(0))? {
                continue;
            }
            for q in &mut rows {
                q.execute([id])?;
            }
            run.execute([id])?;
            deleted.push(id.clone());
        }
    }
    tx.commit()?;
    Ok(deleted)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A run of `workflow` with a step, an event, a trigger and a log file.
    fn run(s: &Store, id: &str, workflow: &str, status: &str, started: i64) {
        let c = &s.conn;
        c.execute(
            "INSERT INTO runs (id, workflow, file, file_hash, params, status, jobs, steps, pid,
                               started_at, heartbeat_at, ended_at)
             VALUES (?1, ?2, 'f.wf', '', '{}', ?3, 1, 1, 0, ?4, ?4, ?5)",
            params![
                id,
                workflow,
                status,
                started,
                (status != "running").then_some(started + 10)
            ],
        )
        .unwrap();
        c.execute(
            "INSERT INTO steps (run_id, graph, name, kind, seq, status, log_path)
             VALUES (?1, 'main', 'a', 'shell', 0, 'succeeded', ?2)",
            params![id, format!("logs/{id}/a.log")],
        )
        .unwrap();
        c.execute(
            "INSERT INTO events (run_id, seq, at, kind) VALUES (?1, 1, ?2, 'run_started')",
            params![id, started],
        )
        .unwrap();
        crate::listing::record_trigger(s, id, "api", None, None).unwrap();
        let log = s.dir().join("logs").join(id);
        std::fs::create_dir_all(&log).unwrap();
        std::fs::write(log.join("a.log"), "hi\n").unwrap();
    }

    fn ids(s: &Store, table: &str) -> Vec<String> {
        s.conn
            .prepare(&format!(
                "SELECT DISTINCT {} FROM {table} ORDER BY 1",
                if table == "runs" { "id" } else { "run_id" }
            ))
            .unwrap()
            .query_map((), |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    }

    #[test]
    fn keeps_the_newest_runs_of_each_workflow_and_never_an_unended_one() {
        let dir = tempfile::tempdir().unwrap();
        let s = crate::test_store::open(dir.path());
        run(&s, "a1", "a", "running", 1);
        run(&s, "a2", "a", "interrupted", 2);
        run(&s, "a3", "a", "failed", 3);
        run(&s, "a4", "a", "succeeded", 4);
        run(&s, "a5", "a", "cancelled", 5);
        run(&s, "b1", "b", "succeeded", 1);
        let policy = Policy::new(2, 0);
        assert_eq!(prune(&s, &policy, 100).unwrap(), ["a3"]);
        assert_eq!(ids(&s, "runs"), ["a1", "a2", "a4", "a5", "b1"]);
        for table in ["steps", "events", "run_triggers"] {
            assert!(!ids(&s, table).contains(&"a3".to_owned()), "{table}");
            assert!(ids(&s, table).contains(&"a4".to_owned()), "{table}");
        }
        assert!(!dir.path().join("logs/a3").exists());
        assert!(dir.path().join("logs/a4/a.log").exists());
        assert!(dir.path().join("logs/a1/a.log").exists());
        // Once the running one ends, it is beyond the newest two.
        s.conn
            .execute("UPDATE runs SET status = 'succeeded' WHERE id = 'a1'", ())
            .unwrap();
        assert_eq!(prune(&s, &policy, 100).unwrap(), ["a1"]);
    }

    #[test]
    fn prunes_runs_that_ended_before_the_days_kept() {
        let dir = tempfile::tempdir().unwrap();
        let s = crate::test_store::open(dir.path());
        let now = 40 * DAY_MS;
        run(&s, "old", "a", "succeeded", now - 31 * DAY_MS);
        run(&s, "old-running", "a", "running", now - 31 * DAY_MS);
        run(&s, "new", "a", "failed", now - 29 * DAY_MS);
        assert_eq!(prune(&s, &Policy::new(0, 30), now).unwrap(), ["old"]);
        assert_eq!(ids(&s, "runs"), ["new", "old-running"]);
        assert!(Policy::new(0, 0).is_off());
        assert!(prune(&s, &Policy::new(0, 0), i64::MAX).unwrap().is_empty());
    }

    #[test]
    fn only_a_folder_wfc_made_for_the_run_is_named_for_removal() {
        let logs = tempfile::tempdir().unwrap();
        let said = |dir: &str| {
            let text = serde_json::json!({ "run_dir": dir }).to_string();
            std::fs::write(logs.path().join("paths.json"), text).unwrap();
            run_folder(logs.path(), "r1")
        };
        let own = "/tmp/wfc-run-r1-AbC123";
        assert_eq!(said(own), Some(std::path::PathBuf::from(own)));
        assert_eq!(said("/home/me/project"), None);
        assert_eq!(said("/tmp/wfc-run-r10-AbC123"), None, "another run's");
        assert_eq!(said("/tmp/wfc-run-r1"), None);
        std::fs::remove_file(logs.path().join("paths.json")).unwrap();
        assert_eq!(run_folder(logs.path(), "r1"), None);
    }
}

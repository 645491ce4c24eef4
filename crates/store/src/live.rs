//! What `wfc top` reads: the runs going on — running, or waiting for a
//! person ([`super::listing::shown_status`]) — each with its steps running
//! or waiting and how many steps ended, and the runs that ended last.
//! Every read is bounded (runs, and steps per run), so a poll of a store
//! with runs of 50,000 steps costs what a page does.

use super::listing::shown_status;
use super::query::{run_row, RunRow, RUN_COLUMNS};
use crate::params;
use crate::Store;

/// A run going on.
#[derive(Clone, Debug)]
pub struct LiveRun {
    /// `status` is `running` or `waiting`.
    pub run: RunRow,
    /// Its steps that run or wait, in the order they started (at most the
    /// limit asked for), and how many more there are.
    pub steps: Vec<LiveStep>,
    pub more_steps: usize,
    /// Its steps that ended, and of those, that failed or timed out.
    pub ended: usize,
    pub failed: usize,
}

/// A step that runs or waits.
#[derive(Clone, Debug)]
pub struct LiveStep {
    pub name: String,
    pub kind: String,
    /// `running` or `waiting`.
    pub status: String,
    /// ms since the epoch.
    pub started_ms: Option<i64>,
    /// Why it waits.
    pub detail: Option<String>,
}

/// The runs going on (newest first, at most `runs`), each with at most
/// `steps` of its running and waiting steps.
pub fn going(store: &Store, runs: usize, steps: usize) -> crate::Result<Vec<LiveRun>> {
    let conn = &store.conn;
    let columns: Vec<String> = RUN_COLUMNS
        .split(',')
        .map(|c| format!("r.{}", c.trim()))
        .collect();
    let sql = format!(
        "SELECT {}, {} FROM runs r WHERE r.status = 'running'
          ORDER BY r.started_at DESC, r.id DESC LIMIT ?1",
        columns.join(", "),
        shown_status("r"),
    );
    let mut q = conn.prepare(&sql)?;
    let rows = q.query_map([runs as i64], |r| {
        let mut row = run_row(r)?;
        row.status = r.get(15)?;
        Ok(row)
    })?;
    let found: Vec<RunRow> = rows.collect::<Result<_, _>>()?;
    let mut out = Vec::with_capacity(found.len());
    for run in found {
        let (ended, failed): (i64, i64) = conn.query_row(
            "SELECT COUNT(*), COALESCE(SUM(CASE WHEN status IN ('failed', 'timed_out') THEN 1 ELSE 0 END), 0) FROM steps
              WHERE run_id = ?1 AND status NOT IN ('running', 'waiting')",
            [&run.id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        let mut q = conn.prepare_cached(
            "SELECT name, kind, status, started_at, detail FROM steps
              WHERE run_id = ?1 AND status IN ('running', 'waiting')
              ORDER BY started_at, seq LIMIT ?2",
        )?;
        let live: Vec<LiveStep> = q
            .query_map(params![run.id, steps as i64 + 1], |r| {
                Ok(LiveStep {
                    name: r.get(0)?,
                    kind: r.get(1)?,
                    status: r.get(2)?,
                    started_ms: r.get(3)?,
                    detail: r.get(4)?,
                })
            })?
            .collect::<Result<_, _>>()?;
        let going: i64 = if live.len() > steps {
            conn.query_row(
                "SELECT COUNT(*) FROM steps WHERE run_id = ?1 AND status IN ('running', 'waiting')",
                [&run.id],
                |r| r.get(0),
            )?
        } else {
            live.len() as i64
        };
        let mut live = live;
        live.truncate(steps);
        out.push(LiveRun {
            more_steps: (going as usize).saturating_sub(live.len()),
            steps: live,
            ended: ended as usize,
            failed: failed as usize,
            run,
        });
    }
    Ok(out)
}

/// The runs that ended last, newest end first, at most `n`.
pub fn ended(store: &Store, n: usize) -> crate::Result<Vec<RunRow>> {
    let sql = format!(
        "SELECT {RUN_COLUMNS} FROM runs WHERE ended_at IS NOT NULL
          ORDER BY ended_at DESC, id DESC LIMIT ?1"
    );
    let mut q = store.conn.prepare(&sql)?;
    let rows = q.query_map([n as i64], run_row)?;
    rows.collect::<crate::Result<_>>()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(store: &Store, id: &str, status: &str, started: i64, ended: Option<i64>) {
        store
            .conn
            .execute(
                "INSERT INTO runs (id, workflow, file, file_hash, params, status, jobs, steps, pid,
                                   started_at, heartbeat_at, ended_at)
                 VALUES (?1, 'w', 'w.wf', 'h', '{}', ?2, 1, 3, 1, ?3, ?3, ?4)",
                params![id, status, started, ended],
            )
            .unwrap();
    }

    fn step(store: &Store, id: &str, name: &str, status: &str, seq: i64) {
        store
            .conn
            .execute(
                "INSERT INTO steps (run_id, graph, name, kind, seq, status, attempts, started_at)
                 VALUES (?1, 'main', ?2, 'shell', ?3, ?4, 1, ?3)",
                params![id, name, seq, status],
            )
            .unwrap();
        if status == "waiting" {
            store
                .conn
                .execute(
                    "INSERT INTO attempts (run_id, graph, rollback_of, step, session, number, status, started_at)
                     VALUES (?1, 'main', '', ?2, 1, 1, 'running', 1)",
                    params![id, name],
                )
                .unwrap();
        }
    }

    #[test]
    fn runs_going_on_with_their_live_steps_and_the_last_ends() {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::test_store::open(dir.path());
        run(&store, "a", "running", 1, None);
        step(&store, "a", "one", "succeeded", 1);
        step(&store, "a", "two", "failed", 2);
        step(&store, "a", "three", "running", 3);
        step(&store, "a", "four", "running", 4);
        step(&store, "a", "five", "running", 5);
        run(&store, "b", "running", 2, None);
        step(&store, "b", "gate", "waiting", 1);
        run(&store, "c", "succeeded", 0, Some(10));
        run(&store, "d", "failed", 3, Some(5));
        let going = going(&store, 10, 2).unwrap();
        let ids: Vec<(&str, &str)> = going
            .iter()
            .map(|g| (g.run.id.as_str(), g.run.status.as_str()))
            .collect();
        assert_eq!(ids, [("b", "waiting"), ("a", "running")]);
        let a = &going[1];
        let names: Vec<&str> = a.steps.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["three", "four"]);
        assert_eq!((a.more_steps, a.ended, a.failed), (1, 2, 1));
        let ended: Vec<String> = ended(&store, 5)
            .unwrap()
            .into_iter()
            .map(|r| r.id)
            .collect();
        assert_eq!(ended, ["c", "d"]);
    }
}

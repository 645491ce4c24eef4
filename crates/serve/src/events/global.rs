//! [`GlobalTail`]: the events of every run (no log lines), as a set of
//! [`RunTail`]s — the runs in view — and a time before which every run not
//! in view was delivered to its end (see [`super::cursor`]).

use super::cursor::{GlobalCursor, RunCursor};
use super::tail::{Out, RunTail};
use rusqlite::Connection;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// How long a run stays in view after it started: longer than a run's
/// start takes to reach the store, so none is missed.
const MARGIN_MS: i64 = 10_000;

/// Every run's events from a [`GlobalCursor`] on.
pub struct GlobalTail {
    dir: PathBuf,
    conn: Connection,
    since_ms: i64,
    view: BTreeMap<String, RunTail>,
}

impl GlobalTail {
    /// From `cursor`; `None`: from now (the runs going on are followed from
    /// their next event).
    pub fn new(dir: PathBuf, cursor: Option<GlobalCursor>) -> Result<GlobalTail, String> {
        let fresh = cursor.is_none();
        let cursor = cursor.unwrap_or(GlobalCursor {
            since_ms: now_ms() - MARGIN_MS,
            runs: BTreeMap::new(),
        });
        let conn = wfc_store::Store::open(&dir)?.conn;
        let mut t = GlobalTail {
            dir,
            conn,
            since_ms: cursor.since_ms,
            view: BTreeMap::new(),
        };
        for (run, seq) in cursor.runs {
            t.follow(run, seq)?;
        }
        if fresh {
            for (run, _) in candidates(&t.conn, t.since_ms).map_err(|e| e.to_string())? {
                let last: i64 = t
                    .conn
                    .query_row(
                        "SELECT COALESCE(MAX(seq), 0) FROM events WHERE run_id = ?1",
                        [&run],
                        |r| r.get(0),
                    )
                    .map_err(|e| e.to_string())?;
                t.follow(run, last)?;
            }
        }
        Ok(t)
    }

    fn follow(&mut self, run: String, seq: i64) -> Result<(), String> {
        let cursor = RunCursor {
            seq,
            ..Default::default()
        };
        let tail = RunTail::new(&self.conn, self.dir.clone(), run.clone(), cursor, false)
            .map_err(|e| e.to_string())?;
        self.view.insert(run, tail);
        Ok(())
    }

    fn cursor(&self) -> GlobalCursor {
        GlobalCursor {
            since_ms: self.since_ms,
            runs: self
                .view
                .iter()
                .map(|(r, t)| (r.clone(), t.cursor().seq))
                .collect(),
        }
    }

    /// What the store holds past the cursor, each event with the id of
    /// the whole stream after it.
    pub fn poll(&mut self) -> Result<Vec<Out>, String> {
        let seen = candidates(&self.conn, self.since_ms).map_err(|e| e.to_string())?;
        for (run, _) in &seen {
            if !self.view.contains_key(run) {
                // New in view: from the start of its latest session.
                let from: i64 = self
                    .conn
                    .query_row(
                        "SELECT COALESCE(MAX(seq) - 1, 0) FROM events
                         WHERE run_id = ?1 AND kind IN ('run_started', 'run_resumed')",
                        [run],
                        |r| r.get(0),
                    )
                    .map_err(|e| e.to_string())?;
                self.follow(run.clone(), from)?;
            }
        }
        let mut out = Vec::new();
        let runs: Vec<String> = self.view.keys().cloned().collect();
        for run in runs {
            let events = match self.view.get_mut(&run) {
                Some(t) => t.poll(&self.conn).map_err(|e| e.to_string())?,
                None => continue,
            };
            for mut e in events {
                let mut c = self.cursor();
                c.runs.insert(run.clone(), e.seq);
                e.id = c.to_string();
                out.push(e);
            }
        }
        // Runs delivered to their end leave the view once older than the margin.
        let since = now_ms() - MARGIN_MS;
        let started: BTreeMap<String, i64> = seen.into_iter().collect();
        self.view
            .retain(|run, t| !t.done || started.get(run).is_some_and(|s| *s >= since));
        self.since_ms = self.since_ms.max(since);
        Ok(out)
    }
}

/// Runs going on or started (their latest session) at or after `since`.
fn candidates(conn: &Connection, since: i64) -> rusqlite::Result<Vec<(String, i64)>> {
    let mut q = conn.prepare_cached(
        "SELECT id, COALESCE(session_started_at, started_at) AS s FROM runs
         WHERE status = 'running' OR COALESCE(session_started_at, started_at) >= ?1 ORDER BY s",
    )?;
    let rows = q.query_map([since], |r| Ok((r.get(0)?, r.get(1)?)))?;
    rows.collect()
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

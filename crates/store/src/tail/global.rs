//! [`GlobalTail`]: the events of every run (no log lines), as a set of
//! [`RunTail`]s — the runs in view — and a time before which every run not
//! in view was delivered to its end (see [`super::cursor`]).

use super::cursor::{GlobalCursor, RunCursor};
use super::{Out, RunTail};
use crate::Store;
use rusqlite::{params, Connection};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// How long a run stays in view after it started: longer than a run's
/// start takes to reach the store, so none is missed.
const MARGIN_MS: i64 = 10_000;

/// Runs one poll brings into view at most (and the runs that started in
/// the same millisecond as the last): a replay of a long history goes
/// through it a few runs at a time, so the view, and each event's id,
/// stays small.
const ADMIT: usize = 32;

/// Every run's events from a [`GlobalCursor`] on.
pub struct GlobalTail {
    store: Store,
    since_ms: i64,
    view: BTreeMap<String, RunTail>,
    /// Runs left out of view by the last poll ([`ADMIT`]), or events of
    /// a run in view ([`RunTail::behind`]): poll again.
    behind: bool,
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
        let store = Store::open(&dir)?;
        let mut t = GlobalTail {
            store,
            since_ms: cursor.since_ms,
            view: BTreeMap::new(),
            behind: false,
        };
        for (run, seq) in cursor.runs {
            t.follow(run, seq)?;
        }
        if fresh {
            for (run, _) in candidates(&t.store.conn, t.since_ms).map_err(|e| e.to_string())? {
                let last: i64 = t
                    .store
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
        let tail =
            RunTail::new(&self.store, run.clone(), cursor, false).map_err(|e| e.to_string())?;
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

    /// [`super::catch_up`] on run `run`, on this tail's connection.
    pub fn catch_up(&self, run: &str) -> rusqlite::Result<bool> {
        super::catch_up(&self.store, run)
    }

    /// Whether the last poll left runs out of view: there is more to
    /// send at once.
    pub fn behind(&self) -> bool {
        self.behind
    }

    /// What the store holds past the cursor, each event with the id of
    /// the whole stream after it.
    ///
    /// Runs come into view in the order they started, at most `ADMIT` (32) a
    /// poll; the time before which every run not in view was delivered to
    /// its end then moves up to the first run left out (never past the
    /// margin), and the runs delivered to their end before it leave the
    /// view. An id so lists the runs not yet delivered to their end and
    /// those of the last `MARGIN_MS` (10 s), never the whole history.
    pub fn poll(&mut self) -> Result<Vec<Out>, String> {
        let seen = candidates(&self.store.conn, self.since_ms).map_err(|e| e.to_string())?;
        let mut admitted = 0;
        let mut last_admitted = None;
        let mut left_out = None;
        for (run, start) in &seen {
            if self.view.contains_key(run) {
                continue;
            }
            if admitted >= ADMIT && last_admitted != Some(*start) {
                left_out = Some(*start);
                break;
            }
            // New in view: from its first session that started since
            // (else its latest: it was resumed since).
            let from: i64 = self
                .store
                .conn
                .query_row(
                    "SELECT COALESCE(MIN(CASE WHEN at >= ?2 THEN seq END), MAX(seq), 1) - 1
                     FROM events
                     WHERE run_id = ?1 AND kind IN ('run_started', 'run_resumed')",
                    params![run, self.since_ms],
                    |r| r.get(0),
                )
                .map_err(|e| e.to_string())?;
            self.follow(run.clone(), from)?;
            admitted += 1;
            last_admitted = Some(*start);
        }
        self.behind = left_out.is_some();
        let mut out = Vec::new();
        let runs: Vec<String> = self.view.keys().cloned().collect();
        for run in runs {
            let events = match self.view.get_mut(&run) {
                Some(t) => {
                    let events = t.poll(&self.store).map_err(|e| e.to_string())?;
                    self.behind |= t.behind();
                    events
                }
                None => continue,
            };
            for mut e in events {
                let mut c = self.cursor();
                c.runs.insert(run.clone(), e.seq);
                e.id = c.to_string();
                out.push(e);
            }
        }
        let margin = now_ms() - MARGIN_MS;
        let floor = left_out.map_or(margin, |l| l.min(margin));
        let started: BTreeMap<String, i64> = seen.into_iter().collect();
        self.view
            .retain(|run, t| !t.done || started.get(run).is_some_and(|s| *s >= floor));
        self.since_ms = self.since_ms.max(floor);
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Two runs in the store: every event of both from the start of time,
    /// and from any id exactly what came after it.
    #[test]
    fn every_run_from_an_id_on() {
        let dir = tempfile::tempdir().unwrap();
        let conn = Store::open(dir.path()).unwrap().conn;
        let now = now_ms();
        for (run, at) in [("a", now - 2000), ("b", now - 1000)] {
            conn.execute(
                "INSERT INTO runs (id, workflow, file, file_hash, params, status, jobs, steps, pid,
                                   started_at, heartbeat_at)
                 VALUES (?1, 'w', 'w.wf', 'h', '{}', 'succeeded', 1, 1, 1, ?2, ?2)",
                params![run, at],
            )
            .unwrap();
            for kind in ["run_started", "step_skipped", "run_ended"] {
                let detail = (kind == "run_ended").then_some(r#"{"status":"succeeded"}"#);
                crate::record::add_event(&conn, run, at, kind, None, detail).unwrap();
            }
        }
        let shown = |out: &[Out]| -> Vec<String> {
            out.iter()
                .map(|o| format!("{} {}", o.data["run"].as_str().unwrap(), o.event))
                .collect()
        };
        let from = |id: &str| {
            let mut t = GlobalTail::new(dir.path().to_path_buf(), GlobalCursor::parse(id)).unwrap();
            t.poll().unwrap()
        };
        let all = from("0");
        assert_eq!(
            shown(&all),
            [
                "a run_started",
                "a step_skipped",
                "a end",
                "b run_started",
                "b step_skipped",
                "b end"
            ]
        );
        for (i, o) in all.iter().enumerate() {
            assert_eq!(shown(&from(&o.id)), shown(&all[i + 1..]), "after {}", o.id);
        }
        // Without an id: from now on.
        let mut fresh = GlobalTail::new(dir.path().to_path_buf(), None).unwrap();
        assert!(fresh.poll().unwrap().is_empty());
    }

    /// A replay of a long history from `0`: every run's events once, in
    /// the order the runs started, and no id grows with the history (it
    /// listed every run replayed: 1,000 runs made ids of 27 KB).
    #[test]
    fn a_replay_of_many_runs_keeps_each_id_small() {
        let dir = tempfile::tempdir().unwrap();
        let conn = Store::open(dir.path()).unwrap().conn;
        let now = now_ms();
        let runs = 300;
        for i in 0..runs {
            let (run, at) = (format!("r{i:04}"), now - 100_000 + i / 2);
            conn.execute(
                "INSERT INTO runs (id, workflow, file, file_hash, params, status, jobs, steps, pid,
                                   started_at, heartbeat_at)
                 VALUES (?1, 'w', 'w.wf', 'h', '{}', 'succeeded', 1, 1, 1, ?2, ?2)",
                params![run, at],
            )
            .unwrap();
            for kind in ["run_started", "run_ended"] {
                let detail = (kind == "run_ended").then_some(r#"{"status":"succeeded"}"#);
                crate::record::add_event(&conn, &run, at, kind, None, detail).unwrap();
            }
        }
        let mut t = GlobalTail::new(dir.path().to_path_buf(), GlobalCursor::parse("0")).unwrap();
        let mut all = Vec::new();
        loop {
            all.extend(t.poll().unwrap());
            if !t.behind() {
                break;
            }
        }
        let ends: Vec<String> = all
            .iter()
            .filter(|o| o.event == "end")
            .map(|o| o.data["run"].as_str().unwrap().to_owned())
            .collect();
        let expected: Vec<String> = (0..runs).map(|i| format!("r{i:04}")).collect();
        assert_eq!(ends, expected);
        let longest = all.iter().map(|o| o.id.len()).max().unwrap();
        assert!(longest < 2_000, "an id of {longest} bytes");
        // From an id in the middle: exactly what came after it.
        let mid = &all[all.len() / 2];
        let mut rest =
            GlobalTail::new(dir.path().to_path_buf(), GlobalCursor::parse(&mid.id)).unwrap();
        let mut after = Vec::new();
        loop {
            after.extend(rest.poll().unwrap());
            if !rest.behind() {
                break;
            }
        }
        let shown = |o: &Out| format!("{} {}", o.data["run"], o.event);
        let want: Vec<String> = all[all.len() / 2 + 1..].iter().map(shown).collect();
        assert_eq!(after.iter().map(shown).collect::<Vec<_>>(), want);
    }
}

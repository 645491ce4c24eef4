//! [`GlobalTail`]: the events of every run (no log lines), as a set of
//! [`RunTail`]s — the runs in view — and a number of sessions (`runs.listed`)
//! up to which every run not in view was delivered to its end (see
//! [`super::cursor`]).
//!
//! Sessions are numbered by the store in the order they reach it (one
//! writer at a time takes the next number in the transaction that records
//! the session's start), so a session numbered above the cursor is one the
//! stream has not seen, however late its start time: no margin of time is
//! needed, and a run leaves the view, and the ids, once it is delivered to
//! its end.

use super::cursor::{GlobalCursor, RunCursor, Since};
use super::{Out, RunTail};
use crate::db::{Db, Optional};
use crate::params;
use crate::Store;
use std::collections::BTreeMap;

/// Runs one poll brings into view at most: a replay of a long history goes
/// through it a few runs at a time, so the view, and each event's id,
/// stays small.
const ADMIT: usize = 16;

/// Every run's events from a [`GlobalCursor`] on.
pub struct GlobalTail {
    store: Store,
    /// Sessions numbered up to this, of runs not in view, were delivered.
    listed: i64,
    view: BTreeMap<String, RunTail>,
    /// Runs left out of view by the last poll ([`ADMIT`]), or events of
    /// a run in view ([`RunTail::behind`]): poll again.
    behind: bool,
}

impl GlobalTail {
    /// From `cursor`; `None`: from now (the runs going on are followed from
    /// their next event).
    pub fn new(store: Store, cursor: Option<GlobalCursor>) -> Result<GlobalTail, String> {
        // (SQLite's errors and the store's, as text.)
        fn db(e: impl std::fmt::Display) -> String {
            e.to_string()
        }
        let (listed, runs, fresh) = match cursor {
            None => (last_listed(&store.conn).map_err(db)?, BTreeMap::new(), true),
            Some(GlobalCursor { since, runs }) => {
                let listed = match since {
                    Since::Listed(k) => k,
                    Since::Time(t) => listed_before(&store.conn, t).map_err(db)?,
                };
                (listed, runs, false)
            }
        };
        let mut t = GlobalTail {
            store,
            listed,
            view: BTreeMap::new(),
            behind: false,
        };
        // A run the store does not have (made up, or deleted since) is
        // dropped: it would never end, and stay in every id.
        for (run, seq) in runs {
            if exists(&t.store.conn, &run).map_err(db)? {
                t.follow(run, seq)?;
            }
        }
        if fresh {
            for run in running(&t.store.conn).map_err(db)? {
                let last = super::last_seq(&t.store, &run).map_err(db)?;
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
            since: Since::Listed(self.listed),
            runs: self
                .view
                .iter()
                .map(|(r, t)| (r.clone(), t.cursor().seq))
                .collect(),
        }
    }

    /// [`super::catch_up`] on run `run`, on this tail's connection.
    pub fn catch_up(&self, run: &str) -> crate::Result<bool> {
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
    /// Sessions come into view in the order they reached the store, at
    /// most `ADMIT` (16) a poll, each from its start; the cursor's number
    /// then moves up to the last session brought into view (or all of them
    /// seen), and the runs delivered to their end at or below it leave the
    /// view. An id so lists the runs not yet delivered to their end.
    pub fn poll(&mut self) -> Result<Vec<Out>, String> {
        // (SQLite's errors and the store's, as text.)
        fn db(e: impl std::fmt::Display) -> String {
            e.to_string()
        }
        let seen = sessions_after(&self.store.conn, self.listed).map_err(db)?;
        let mut admitted = 0;
        let mut upto = self.listed;
        let mut left_out = false;
        for (run, listed) in &seen {
            if admitted >= ADMIT {
                left_out = true;
                break;
            }
            if !self.view.contains_key(run) {
                // New in view: from its first session numbered above the
                // cursor (each start event keeps its number).
                let from = session_start(&self.store.conn, run, self.listed).map_err(db)?;
                self.follow(run.clone(), from)?;
                admitted += 1;
            }
            upto = *listed;
        }
        self.behind = left_out;
        let mut out = Vec::new();
        let runs: Vec<String> = self.view.keys().cloned().collect();
        for run in runs {
            let events = match self.view.get_mut(&run) {
                Some(t) => {
                    let events = t.poll(&self.store).map_err(db)?;
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
        self.listed = upto;
        let numbers: BTreeMap<&str, i64> = seen.iter().map(|(r, l)| (r.as_str(), *l)).collect();
        // A run delivered to its end leaves the view once its session is at
        // or below the number (one resumed since is numbered above it).
        self.view
            .retain(|run, t| !t.done || numbers.get(run.as_str()).is_some_and(|l| *l > upto));
        Ok(out)
    }
}

/// The runs whose session is numbered above `listed`, in that order.
fn sessions_after(conn: &Db, listed: i64) -> crate::Result<Vec<(String, i64)>> {
    let mut q =
        conn.prepare_cached("SELECT id, listed FROM runs WHERE listed > ?1 ORDER BY listed")?;
    let rows = q.query_map([listed], |r| Ok((r.get(0)?, r.get(1)?)))?;
    rows.collect()
}

/// The event row before run `run`'s first session numbered above `listed`
/// started (a start event of an older wfc, without its number: the latest).
fn session_start(conn: &Db, run: &str, listed: i64) -> crate::Result<i64> {
    let listed_of = match conn.dialect() {
        crate::db::Dialect::Sqlite => "json_extract(detail, '$.listed')",
        crate::db::Dialect::Postgres => "CAST(CAST(detail AS JSON) ->> 'listed' AS BIGINT)",
    };
    conn.query_row(
        &format!(
            "SELECT COALESCE(
                 (SELECT MIN(seq) FROM events
                  WHERE run_id = ?1 AND kind IN ('run_started', 'run_resumed')
                    AND {listed_of} > ?2),
                 (SELECT MAX(seq) FROM events
                  WHERE run_id = ?1 AND kind IN ('run_started', 'run_resumed')),
                 1) - 1"
        ),
        params![run, listed],
        |r| r.get(0),
    )
}

/// The number of the last session recorded.
fn last_listed(conn: &Db) -> crate::Result<i64> {
    conn.query_row("SELECT COALESCE(MAX(listed), 0) FROM runs", (), |r| {
        r.get(0)
    })
}

/// What an older wfc's id said — every run started before `time` and
/// not listed was delivered — as a number: the sessions before the first
/// that started at or after it.
fn listed_before(conn: &Db, time: i64) -> crate::Result<i64> {
    let first: Option<i64> = conn
        .query_row(
            "SELECT MIN(listed) FROM runs WHERE COALESCE(session_started_at, started_at) >= ?1",
            [time],
            |r| r.get(0),
        )
        .optional()?
        .flatten();
    match first {
        Some(l) => Ok(l - 1),
        None => last_listed(conn),
    }
}

/// Whether the store has run `run`.
fn exists(conn: &Db, run: &str) -> crate::Result<bool> {
    conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM runs WHERE id = ?1)",
        [run],
        |r| r.get(0),
    )
}

/// The runs going on.
fn running(conn: &Db) -> crate::Result<Vec<String>> {
    let mut q = conn.prepare_cached("SELECT id FROM runs WHERE status = 'running'")?;
    let rows = q.query_map((), |r| r.get(0))?;
    rows.collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::now_ms;

    /// Records run `id`, `status`, started (and last seen) at `at`.
    fn insert_run(conn: &Db, id: &str, status: &str, at: i64) {
        conn.execute(
            "INSERT INTO runs (id, workflow, file, file_hash, params, status, jobs, steps, pid,
                               started_at, heartbeat_at)
             VALUES (?1, 'w', 'w.wf', 'h', '{}', ?2, 1, 1, 1, ?3, ?3)",
            params![id, status, at],
        )
        .unwrap();
    }

    /// Two runs in the store: every event of both from the start of time,
    /// and from any id exactly what came after it.
    #[test]
    fn every_run_from_an_id_on() {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::test_store::open(dir.path());
        let conn = &store.conn;
        let now = now_ms();
        for (run, at) in [("a", now - 2000), ("b", now - 1000)] {
            insert_run(conn, run, "succeeded", at);
            for kind in ["run_started", "step_skipped", "run_ended"] {
                let detail = (kind == "run_ended").then_some(r#"{"status":"succeeded"}"#);
                crate::record::add_event(conn, run, at, kind, None, detail).unwrap();
            }
        }
        let shown = |out: &[Out]| -> Vec<String> {
            out.iter()
                .map(|o| format!("{} {}", o.data["run"].as_str().unwrap(), o.event))
                .collect()
        };
        let from = |id: &str| {
            let mut t = GlobalTail::new(store.reopen().unwrap(), GlobalCursor::parse(id)).unwrap();
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
        let mut fresh = GlobalTail::new(store.reopen().unwrap(), None).unwrap();
        assert!(fresh.poll().unwrap().is_empty());
    }

    /// A replay of a long history from `0`: every run's events once, in
    /// the order the runs started, and no id grows with the history (it
    /// listed every run replayed: 1,000 runs made ids of 27 KB; #69: 300
    /// runs of the last 10 s made ids of 8 KB each).
    #[test]
    fn a_replay_of_many_runs_keeps_each_id_small() {
        a_replay_of(300, 100_000);
        a_replay_of(300, 300);
    }

    /// [`a_replay_of_many_runs_keeps_each_id_small`] with `runs` runs
    /// started over the last `over` ms.
    fn a_replay_of(runs: i64, over: i64) {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::test_store::open(dir.path());
        let conn = &store.conn;
        let now = now_ms();
        for i in 0..runs {
            let (run, at) = (format!("r{i:04}"), now - over + i * over / runs);
            insert_run(conn, &run, "succeeded", at);
            for kind in ["run_started", "run_ended"] {
                let detail = (kind == "run_ended").then_some(r#"{"status":"succeeded"}"#);
                crate::record::add_event(conn, &run, at, kind, None, detail).unwrap();
            }
        }
        let mut t = GlobalTail::new(store.reopen().unwrap(), GlobalCursor::parse("0")).unwrap();
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
        // At most the runs one poll brings into view, whatever the history.
        assert!(longest < 300, "an id of {longest} bytes");
        // From an id in the middle: exactly what came after it.
        let mid = &all[all.len() / 2];
        let mut rest =
            GlobalTail::new(store.reopen().unwrap(), GlobalCursor::parse(&mid.id)).unwrap();
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
    /// A run whose start time is older than what was delivered, recorded
    /// late (a start that took long to reach the store), is delivered: the
    /// store's order counts, not the clock; and a run resumed after it was
    /// delivered comes back into view from its new session, where a replay
    /// from the start gives both sessions.
    #[test]
    fn late_and_resumed_runs_are_delivered() {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::test_store::open(dir.path());
        let conn = &store.conn;
        let now = now_ms();
        let add = |run: &str, at: i64, kinds: &[&str]| {
            for kind in kinds {
                let listed: Option<i64> = conn
                    .query_row("SELECT listed FROM runs WHERE id = ?1", [run], |r| r.get(0))
                    .unwrap();
                let detail = match *kind {
                    "run_ended" => r#"{"status":"failed"}"#.to_owned(),
                    _ => serde_json::json!({ "listed": listed }).to_string(),
                };
                crate::record::add_event(conn, run, at, kind, None, Some(&detail)).unwrap();
            }
        };
        let insert = |run: &str, at: i64| {
            insert_run(conn, run, "failed", at);
        };
        insert("a", now);
        add("a", now, &["run_started", "run_ended"]);
        let mut t = GlobalTail::new(store.reopen().unwrap(), GlobalCursor::parse("s0")).unwrap();
        let got: Vec<String> = t.poll().unwrap().iter().map(|o| o.event.clone()).collect();
        assert_eq!(got, ["run_started", "end"]);
        // Started a minute before `a`, recorded after it.
        insert("late", now - 60_000);
        add("late", now - 60_000, &["run_started", "run_ended"]);
        let out = t.poll().unwrap();
        let runs: Vec<&str> = out
            .iter()
            .map(|o| o.data["run"].as_str().unwrap())
            .collect();
        assert_eq!(runs, ["late", "late"]);
        assert_eq!(
            t.cursor().to_string(),
            "s2",
            "nothing going on, nothing listed"
        );
        // A run no store has, in an id: dropped, not repeated in every id.
        let made_up = GlobalCursor::parse("s2;nosuchrun=5").unwrap();
        let t2 = GlobalTail::new(store.reopen().unwrap(), Some(made_up)).unwrap();
        assert_eq!(t2.cursor().to_string(), "s2");
        // `a` resumed: its second session only.
        conn.execute("UPDATE runs SET session = 2 WHERE id = 'a'", ())
            .unwrap();
        add("a", now + 1, &["run_resumed", "run_ended"]);
        let got: Vec<String> = t.poll().unwrap().iter().map(|o| o.event.clone()).collect();
        assert_eq!(got, ["run_resumed", "end"]);
        // From the start: both of `a`'s sessions, once each.
        let mut all = GlobalTail::new(store.reopen().unwrap(), GlobalCursor::parse("s0")).unwrap();
        let out = all.poll().unwrap();
        let shown: Vec<String> = out
            .iter()
            .map(|o| format!("{} {}", o.data["run"].as_str().unwrap(), o.event))
            .collect();
        assert_eq!(
            shown,
            [
                "a run_started",
                "a end",
                "a run_resumed",
                "a end",
                "late run_started",
                "late end"
            ]
        );
    }
}

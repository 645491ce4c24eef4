//! Live events read back from the store: [`RunTail`] is one run's events
//! from a [`RunCursor`] on — the rows of its `events` table and, between them, the
//! lines of its steps' log files — each with the id of the cursor after it.
//!
//! Order: a step's log lines go out after its start and all before its end
//! (its file is complete once its end is recorded); lines of steps running
//! at once go out as they are read. A log's `── attempt N · TIME ──`
//! lines mark attempts: they are not sent, and one of an attempt whose
//! start has not been read yet stops the reading there (a resumed run
//! appends a later session's attempts to the same file).
//!
//! Memory: a poll reads at most [`ROWS`] events and [`log::POLL_BYTES`] of
//! logs, and says when it left more to read ([`RunTail::behind`]): a step's
//! end waits until its log is sent, the next polls going on from there.
//!
//! [`global::GlobalTail`] follows every run (no log lines); [`cursor`] is
//! how a stream's position is written as an event id. `wfc serve` sends
//! what these read as Server-Sent Events.
//!
//! When: a reader polls, or reads as soon as it is told that the run wrote
//! — after [`catch_up`], which folds what the run's journal holds beyond
//! the store (the store otherwise gets it up to 200 ms later).

pub mod cursor;
mod fold;
pub mod global;
mod log;

use super::Store;
use crate::db::{Db, Optional};
use crate::logs::{read::Chain, Source};
use crate::params;
pub use cursor::{GlobalCursor, RunCursor, Since};
pub use fold::catch_up;
pub use log::POLL_BYTES;
use log::{Key, Open};
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::path::PathBuf;

/// The number of run `run`'s last event (0: none yet): a reader polling
/// the store sees the run moved when it grows.
pub fn last_seq(store: &Store, run: &str) -> crate::Result<i64> {
    store.conn.query_row(
        "SELECT COALESCE(MAX(seq), 0) FROM events WHERE run_id = ?1",
        [run],
        |r| r.get(0),
    )
}

/// The most event rows one poll reads.
pub const ROWS: usize = 500;

/// One event to send.
#[derive(Debug)]
pub struct Out {
    pub id: String,
    /// Its event-table row (the run's stream stands there after it).
    pub seq: i64,
    pub event: String,
    pub data: Value,
}

/// A run's store, read from a cursor on (on a connection the caller
/// keeps: the all-runs stream reads many runs on one).
pub struct RunTail {
    dir: PathBuf,
    /// The store keeps step logs in its database, or holds this run's
    /// (copied from one that does; see `logs::source`).
    logs_in_db: bool,
    pub run: String,
    /// With log lines (a run's own stream) or without (all runs).
    logs: bool,
    cursor: RunCursor,
    open: HashMap<i64, Open>,
    /// Steps by name: their number and log file.
    steps: HashMap<String, (i64, Option<String>)>,
    /// The last event read was the run's end and nothing came after.
    pub done: bool,
    /// The last poll left rows or log bytes to read: poll again at once.
    behind: bool,
    /// Which open log the next poll reads first (each in turn: one busy
    /// log does not take every poll's budget).
    turn: usize,
}

impl RunTail {
    /// Run `run` from `cursor` on; the open logs' attempts are read back
    /// from the events up to it.
    pub fn new(
        store: &Store,
        run: String,
        cursor: RunCursor,
        logs: bool,
    ) -> crate::Result<RunTail> {
        Ok(Self::build(store, run, cursor, logs, false)?.0)
    }

    /// Run `run` from its latest event on, each open log read to its last
    /// complete line: where a page that shows the logs' tails stands, its
    /// stream going on from there. With each log to show and where it ends
    /// (the steps started by then; a step's whole file once it ended).
    pub fn at_end(store: &Store, run: String) -> crate::Result<(RunTail, Vec<LogEnd>)> {
        let seq = last_seq(store, &run)?;
        let cursor = RunCursor {
            seq,
            ..RunCursor::default()
        };
        let (t, started) = Self::build(store, run, cursor, true, true)?;
        let mut ends = Vec::new();
        for step in started {
            let Some((name, source)) = t.step_file(step) else {
                continue;
            };
            let end = match t.open.get(&step) {
                Some(o) => o.offset,
                None => Chain::open(std::slice::from_ref(&source)).map_or(0, |c| c.len()),
            };
            ends.push(LogEnd {
                step: name,
                source,
                end,
            });
        }
        Ok((t, ends))
    }

    /// [`Self::new`], or [`Self::at_end`]'s tail; with the steps started
    /// by the cursor, in the order they started.
    fn build(
        store: &Store,
        run: String,
        cursor: RunCursor,
        logs: bool,
        at_end: bool,
    ) -> crate::Result<(RunTail, Vec<i64>)> {
        let mut started = Vec::new();
        let conn = &store.conn;
        let mut t = RunTail {
            dir: store.dir().to_path_buf(),
            logs_in_db: store.dialect() != crate::db::Dialect::Sqlite
                || store
                    .conn
                    .prepare_cached("SELECT 1 FROM log_chunks WHERE run_id = ?1 LIMIT 1")?
                    .exists([&run])?,
            run,
            logs,
            cursor: RunCursor::default(),
            open: HashMap::new(),
            steps: HashMap::new(),
            done: false,
            behind: false,
            turn: 0,
        };
        if logs {
            t.refresh_steps(conn)?;
            let rows = t.rows(
                conn,
                "AND seq <= ?2 AND kind IN ('attempt_started', 'step_ended')",
                cursor.seq,
                None,
            )?;
            for r in rows {
                let Some(step) = r.step.as_deref().and_then(|s| t.steps.get(s)).map(|s| s.0) else {
                    continue;
                };
                if !started.contains(&step) {
                    started.push(step);
                }
                if r.kind == "step_ended" {
                    t.open.remove(&step);
                    continue;
                }
                let header = header(&r);
                match t.open.get_mut(&step) {
                    Some(o) => o.headers.push(header),
                    None => {
                        let offset = match cursor.open.get(&step) {
                            Some(o) => *o,
                            None if at_end => t.complete_end(step),
                            None => t.start_of(step, &header),
                        };
                        t.open.insert(step, Open::new(offset, header));
                    }
                }
            }
        }
        t.cursor = RunCursor {
            seq: cursor.seq,
            open: t.open.iter().map(|(s, o)| (*s, o.offset)).collect(),
        };
        t.done = t.ended_at(conn, cursor.seq)?;
        Ok((t, started))
    }

    /// Whether row `seq` is the run's end and the last row, the run not
    /// running: a stream from there has nothing more to send.
    fn ended_at(&self, conn: &Db, seq: i64) -> crate::Result<bool> {
        let (last, kind): (i64, Option<String>) = conn.query_row(
            "SELECT COALESCE(MAX(seq), 0),
                    (SELECT kind FROM events WHERE run_id = ?1 AND seq = ?2)
             FROM events WHERE run_id = ?1",
            params![self.run, seq],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        let terminal = matches!(kind.as_deref(), Some("run_ended" | "run_interrupted"));
        Ok(terminal && last == seq && !self.running(conn)?)
    }

    /// Where the stream stands.
    pub fn cursor(&self) -> &RunCursor {
        &self.cursor
    }

    /// Whether the last poll left more to read at once (see the module
    /// docs): poll again without waiting.
    pub fn behind(&self) -> bool {
        self.behind
    }

    /// What the store holds past the cursor: at most [`ROWS`] events and
    /// [`POLL_BYTES`] of log.
    pub fn poll(&mut self, store: &Store) -> crate::Result<Vec<Out>> {
        let conn = &store.conn;
        let mut out = Vec::new();
        // One more than is taken: whether more are left.
        let mut rows = self.rows(conn, "AND seq > ?2", self.cursor.seq, Some(ROWS + 1))?;
        let more = rows.len() > ROWS;
        rows.truncate(ROWS);
        self.behind = more;
        let mut budget = POLL_BYTES;
        // After the rows: a step's row comes in the transaction of its
        // first event (no new row, no new step: a poll for a line reads
        // no table of the run's size).
        if self.logs && !rows.is_empty() {
            self.refresh_steps(conn)?;
        }
        let last = rows.last().map(|r| r.seq);
        if last.is_some() {
            self.done = false;
        }
        for r in rows {
            let step = r
                .step
                .as_deref()
                .and_then(|s| self.steps.get(s))
                .map(|s| s.0);
            let mut data = Map::new();
            data.insert("run".into(), self.run.clone().into());
            if let Some(s) = &r.step {
                data.insert("step".into(), s.clone().into());
            }
            if let Some(Value::Object(d)) = r
                .detail
                .as_deref()
                .and_then(|d| serde_json::from_str(d).ok())
            {
                data.extend(d);
            }
            let event = match r.kind.as_str() {
                "attempt_started" => {
                    if let Some(s) = step.filter(|_| self.logs) {
                        let header = header(&r);
                        match self.open.get_mut(&s) {
                            Some(o) => o.headers.push(header),
                            None => {
                                let offset = self.start_of(s, &header);
                                self.open.insert(s, Open::new(offset, header));
                            }
                        }
                    }
                    "step_started"
                }
                "step_ended" => {
                    if let Some(s) = step.filter(|_| self.logs) {
                        // Its end goes out after its last line: the next
                        // poll reads on if this one's budget ran out.
                        if !self.read_log(s, &mut budget, &mut out) {
                            self.behind = true;
                            return Ok(out);
                        }
                        self.open.remove(&s);
                    }
                    self.step_row(conn, r.step.as_deref().unwrap_or(""), &mut data)?;
                    "step_ended"
                }
                "run_ended" | "run_interrupted" => {
                    let mut open: Vec<i64> = self.open.keys().copied().collect();
                    open.sort_unstable();
                    for s in open {
                        if !self.read_log(s, &mut budget, &mut out) {
                            self.behind = true;
                            return Ok(out);
                        }
                    }
                    self.open.clear();
                    self.end_row(conn, r.seq, r.kind == "run_interrupted", &mut data)?;
                    // The stream ends here unless the run went on (resumed).
                    self.done = Some(r.seq) == last && !more && !self.running(conn)?;
                    "end"
                }
                "waiting" => "step_waiting",
                other => other,
            }
            .to_owned();
            self.cursor.seq = r.seq;
            self.sync_cursor();
            out.push(Out {
                id: self.cursor.to_string(),
                seq: r.seq,
                event,
                data: Value::Object(data),
            });
        }
        if self.logs && !self.done {
            let mut open: Vec<i64> = self.open.keys().copied().collect();
            open.sort_unstable();
            if !open.is_empty() {
                self.turn = (self.turn + 1) % open.len();
                open.rotate_left(self.turn);
            }
            for s in open {
                if !self.read_log(s, &mut budget, &mut out) {
                    self.behind = true;
                }
            }
        }
        Ok(out)
    }

    fn sync_cursor(&mut self) {
        self.cursor.open = self.open.iter().map(|(s, o)| (*s, o.offset)).collect();
    }

    fn running(&self, conn: &Db) -> crate::Result<bool> {
        let status: Option<String> = conn
            .query_row("SELECT status FROM runs WHERE id = ?1", [&self.run], |r| {
                r.get(0)
            })
            .optional()?;
        Ok(status.as_deref() == Some("running"))
    }

    /// The run's events that `filter` keeps (`?2` is `seq`), in order, at
    /// most `limit` (`None`: all).
    fn rows(
        &self,
        conn: &Db,
        filter: &str,
        seq: i64,
        limit: Option<usize>,
    ) -> crate::Result<Vec<Row>> {
        let sql = format!(
            "SELECT seq, at, kind, step, detail FROM events WHERE run_id = ?1 {filter}
             ORDER BY seq LIMIT ?3"
        );
        let mut q = conn.prepare_cached(&sql)?;
        let limit = limit.map_or(i64::MAX, |l| l as i64);
        let rows = q.query_map(params![self.run, seq, limit], |r| {
            Ok(Row {
                seq: r.get(0)?,
                at: r.get(1)?,
                kind: r.get(2)?,
                step: r.get(3)?,
                detail: r.get(4)?,
            })
        })?;
        rows.collect()
    }

    fn refresh_steps(&mut self, conn: &Db) -> crate::Result<()> {
        let mut q = conn.prepare_cached(
            "SELECT name, seq, log_path FROM steps WHERE run_id = ?1 ORDER BY seq DESC",
        )?;
        let rows = q.query_map([&self.run], |r| {
            Ok((r.get::<String>(0)?, (r.get(1)?, r.get(2)?)))
        })?;
        // Descending: a name in two graphs maps to its first step.
        for row in rows {
            let (name, step) = row?;
            self.steps.insert(name, step);
        }
        Ok(())
    }

    /// A step's end as its row says it: attempts and (masked) error.
    fn step_row(&self, conn: &Db, name: &str, data: &mut Map<String, Value>) -> crate::Result<()> {
        let row: Option<(i64, Option<String>)> = conn
            .query_row(
                "SELECT attempts, error FROM steps WHERE run_id = ?1 AND name = ?2 ORDER BY seq LIMIT 1",
                [&self.run, name],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        if let Some((attempts, error)) = row {
            data.insert("attempt".into(), attempts.into());
            data.insert("error".into(), error.into());
        }
        Ok(())
    }

    /// The run's end as its row says it: status, failed step and error
    /// (the row is the latest session's: an earlier session's end, of a
    /// run resumed since, has its status only).
    fn end_row(
        &self,
        conn: &Db,
        seq: i64,
        interrupted: bool,
        data: &mut Map<String, Value>,
    ) -> crate::Result<()> {
        let resumed_since: bool = conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM events WHERE run_id = ?1 AND seq > ?2 AND kind = 'run_resumed')",
            params![self.run, seq],
            |r| r.get(0),
        )?;
        if interrupted {
            data.insert("status".into(), "interrupted".into());
        }
        if resumed_since {
            return Ok(());
        }
        let (status, step, error): (String, Option<String>, Option<String>) = conn.query_row(
            "SELECT status, failed_step, failed_error FROM runs WHERE id = ?1",
            [&self.run],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        if !data.contains_key("status") || interrupted {
            let status = if interrupted {
                "interrupted".to_owned()
            } else {
                status
            };
            data.insert("status".into(), status.into());
        }
        data.insert("failed_step".into(), step.into());
        data.insert("error".into(), error.into());
        Ok(())
    }

    fn log_file(&self, step: i64) -> Option<Source> {
        self.step_file(step).map(|s| s.1)
    }

    /// Step `step`'s name and log: its file, else its chunks on a store
    /// that keeps them (`logs::source`, without a query a poll).
    fn step_file(&self, step: i64) -> Option<(String, Source)> {
        let (name, (_, rel)) = self.steps.iter().find(|(_, s)| s.0 == step)?;
        let rel = rel.as_ref()?;
        let path = self.dir.join(rel);
        let source = if self.logs_in_db && !path.exists() {
            Source::Chunks {
                dir: self.dir.clone(),
                run: self.run.clone(),
                log: rel.clone(),
            }
        } else {
            Source::File(path)
        };
        Some((name.clone(), source))
    }
}

/// What [`RunTail::at_end`] reads a step's log up to.
#[derive(Debug)]
pub struct LogEnd {
    pub step: String,
    pub source: Source,
    /// The bytes of the log that are the stream's past.
    pub end: u64,
}

/// An event row.
struct Row {
    seq: i64,
    at: i64,
    kind: String,
    step: Option<String>,
    detail: Option<String>,
}

/// What tells apart the header line a step's log holds before the first
/// line of the attempt row `r` started: its number and start time (the
/// session a header names is not needed, and a log written before headers
/// named it is read the same).
fn header(r: &Row) -> Key {
    let n = r
        .detail
        .as_deref()
        .and_then(|d| serde_json::from_str::<Value>(d).ok())
        .and_then(|d| d["attempt"].as_u64())
        .and_then(|n| u32::try_from(n).ok())
        .unwrap_or(1);
    let at = std::time::UNIX_EPOCH + std::time::Duration::from_millis(r.at.max(0) as u64);
    (n, wfc_contract::time::timestamp(at))
}

#[cfg(test)]
mod tests;

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
//! [`global::GlobalTail`] follows every run (no log lines); [`cursor`] is
//! how a stream's position is written as an event id. `wfc serve` sends
//! what these read as Server-Sent Events.

pub mod cursor;
pub mod global;

use super::Store;
pub use cursor::{GlobalCursor, RunCursor};
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::io::{BufRead, Read, Seek, SeekFrom};
use std::path::PathBuf;

/// One event to send.
#[derive(Debug)]
pub struct Out {
    pub id: String,
    /// Its event-table row (the run's stream stands there after it).
    pub seq: i64,
    pub event: String,
    pub data: Value,
}

/// A step whose log is open: started, not ended.
struct Open {
    offset: u64,
    /// The header lines of its attempts started so far.
    headers: Vec<String>,
}

/// A run's store, read from a cursor on (on a connection the caller
/// keeps: the all-runs stream reads many runs on one).
pub struct RunTail {
    dir: PathBuf,
    pub run: String,
    /// With log lines (a run's own stream) or without (all runs).
    logs: bool,
    cursor: RunCursor,
    open: HashMap<i64, Open>,
    /// Steps by name: their number and log file.
    steps: HashMap<String, (i64, Option<String>)>,
    /// The last event read was the run's end and nothing came after.
    pub done: bool,
}

impl RunTail {
    /// Run `run` from `cursor` on; the open logs' attempts are read back
    /// from the events up to it.
    pub fn new(
        store: &Store,
        run: String,
        cursor: RunCursor,
        logs: bool,
    ) -> rusqlite::Result<RunTail> {
        Ok(Self::build(store, run, cursor, logs, false)?.0)
    }

    /// Run `run` from its latest event on, each open log read to its last
    /// complete line: where a page that shows the logs' tails stands, its
    /// stream going on from there. With each log to show and where it ends
    /// (the steps started by then; a step's whole file once it ended).
    pub fn at_end(store: &Store, run: String) -> rusqlite::Result<(RunTail, Vec<LogEnd>)> {
        let seq: i64 = store.conn.query_row(
            "SELECT COALESCE(MAX(seq), 0) FROM events WHERE run_id = ?1",
            [&run],
            |r| r.get(0),
        )?;
        let cursor = RunCursor {
            seq,
            ..RunCursor::default()
        };
        let (t, started) = Self::build(store, run, cursor, true, true)?;
        let mut ends = Vec::new();
        for step in started {
            let Some((name, path)) = t.step_file(step) else {
                continue;
            };
            let end = match t.open.get(&step) {
                Some(o) => o.offset,
                None => std::fs::metadata(&path).map_or(0, |m| m.len()),
            };
            ends.push(LogEnd {
                step: name,
                path,
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
    ) -> rusqlite::Result<(RunTail, Vec<i64>)> {
        let mut started = Vec::new();
        let conn = &store.conn;
        let mut t = RunTail {
            dir: store.dir().to_path_buf(),
            run,
            logs,
            cursor: RunCursor::default(),
            open: HashMap::new(),
            steps: HashMap::new(),
            done: false,
        };
        if logs {
            t.refresh_steps(conn)?;
            let rows = t.rows(
                conn,
                "AND seq <= ?2 AND kind IN ('attempt_started', 'step_ended')",
                cursor.seq,
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
                        t.open.insert(
                            step,
                            Open {
                                offset,
                                headers: vec![header],
                            },
                        );
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
    fn ended_at(&self, conn: &Connection, seq: i64) -> rusqlite::Result<bool> {
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

    /// What the store holds past the cursor.
    pub fn poll(&mut self, store: &Store) -> rusqlite::Result<Vec<Out>> {
        let conn = &store.conn;
        let mut out = Vec::new();
        let rows = self.rows(conn, "AND seq > ?2", self.cursor.seq)?;
        // After the rows: a step's row comes in the transaction of its first event.
        if self.logs {
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
                                self.open.insert(
                                    s,
                                    Open {
                                        offset,
                                        headers: vec![header],
                                    },
                                );
                            }
                        }
                    }
                    "step_started"
                }
                "step_ended" => {
                    if let Some(s) = step.filter(|_| self.logs) {
                        self.read_log(s, &mut out)?;
                        self.open.remove(&s);
                    }
                    self.step_row(conn, r.step.as_deref().unwrap_or(""), &mut data)?;
                    "step_ended"
                }
                "run_ended" | "run_interrupted" => {
                    let open: Vec<i64> = self.open.keys().copied().collect();
                    for s in open {
                        self.read_log(s, &mut out)?;
                    }
                    self.open.clear();
                    self.end_row(conn, r.seq, r.kind == "run_interrupted", &mut data)?;
                    // The stream ends here unless the run went on (resumed).
                    self.done = Some(r.seq) == last && !self.running(conn)?;
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
            for s in open {
                self.read_log(s, &mut out)?;
            }
        }
        Ok(out)
    }

    fn sync_cursor(&mut self) {
        self.cursor.open = self.open.iter().map(|(s, o)| (*s, o.offset)).collect();
    }

    fn running(&self, conn: &Connection) -> rusqlite::Result<bool> {
        let status: Option<String> = conn
            .query_row("SELECT status FROM runs WHERE id = ?1", [&self.run], |r| {
                r.get(0)
            })
            .optional()?;
        Ok(status.as_deref() == Some("running"))
    }

    fn rows(&self, conn: &Connection, filter: &str, seq: i64) -> rusqlite::Result<Vec<Row>> {
        let sql = format!(
            "SELECT seq, at, kind, step, detail FROM events WHERE run_id = ?1 {filter} ORDER BY seq"
        );
        let mut q = conn.prepare_cached(&sql)?;
        let rows = q.query_map(params![self.run, seq], |r| {
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

    fn refresh_steps(&mut self, conn: &Connection) -> rusqlite::Result<()> {
        let mut q = conn.prepare_cached(
            "SELECT name, seq, log_path FROM steps WHERE run_id = ?1 ORDER BY seq DESC",
        )?;
        let rows = q.query_map([&self.run], |r| {
            Ok((r.get::<_, String>(0)?, (r.get(1)?, r.get(2)?)))
        })?;
        // Descending: a name in two graphs maps to its first step.
        for row in rows {
            let (name, step) = row?;
            self.steps.insert(name, step);
        }
        Ok(())
    }

    /// A step's end as its row says it: attempts and (masked) error.
    fn step_row(
        &self,
        conn: &Connection,
        name: &str,
        data: &mut Map<String, Value>,
    ) -> rusqlite::Result<()> {
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
        conn: &Connection,
        seq: i64,
        interrupted: bool,
        data: &mut Map<String, Value>,
    ) -> rusqlite::Result<()> {
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

    fn log_file(&self, step: i64) -> Option<PathBuf> {
        let rel = self.steps.values().find(|s| s.0 == step)?.1.as_ref()?;
        Some(self.dir.join(rel))
    }

    /// Step `step`'s name and log file.
    fn step_file(&self, step: i64) -> Option<(String, PathBuf)> {
        let (name, (_, rel)) = self.steps.iter().find(|(_, s)| s.0 == step)?;
        Some((name.clone(), self.dir.join(rel.as_ref()?)))
    }

    /// The end of the last complete line of step `step`'s log (read
    /// backwards from its end a chunk at a time).
    fn complete_end(&self, step: i64) -> u64 {
        let Some(mut f) = self
            .log_file(step)
            .and_then(|p| std::fs::File::open(p).ok())
        else {
            return 0;
        };
        let mut pos = f.seek(SeekFrom::End(0)).unwrap_or(0);
        let mut buf = vec![0u8; CHUNK];
        while pos > 0 {
            let size = (pos as usize).min(CHUNK);
            pos -= size as u64;
            let chunk = &mut buf[..size];
            if f.seek(SeekFrom::Start(pos)).is_err() || f.read_exact(chunk).is_err() {
                return 0;
            }
            if let Some(i) = chunk.iter().rposition(|&b| b == b'\n') {
                return pos + i as u64 + 1;
            }
        }
        0
    }

    /// Where a newly started attempt's lines start: at its header if it
    /// printed already, else after every complete line there. Read a chunk
    /// at a time, keeping of each line only what is compared: a log of
    /// gigabytes costs a chunk.
    fn start_of(&self, step: i64, header: &str) -> u64 {
        let Some(f) = self
            .log_file(step)
            .and_then(|p| std::fs::File::open(p).ok())
        else {
            return 0;
        };
        let want = header.as_bytes();
        let mut r = std::io::BufReader::with_capacity(CHUNK, f);
        // The current line's start, its first bytes and its length.
        let mut at = 0u64;
        let mut line: Vec<u8> = Vec::with_capacity(want.len() + 1);
        let mut len = 0u64;
        loop {
            let buf = match r.fill_buf() {
                Ok(b) if !b.is_empty() => b,
                _ => return at,
            };
            let n = buf.len();
            let mut rest = buf;
            while !rest.is_empty() {
                let nl = rest.iter().position(|&b| b == b'\n');
                let piece = &rest[..nl.unwrap_or(rest.len())];
                let room = (want.len() + 1).saturating_sub(line.len());
                line.extend_from_slice(&piece[..piece.len().min(room)]);
                len += piece.len() as u64;
                let Some(nl) = nl else { break };
                if line == want {
                    return at;
                }
                at += len + 1;
                line.clear();
                len = 0;
                rest = &rest[nl + 1..];
            }
            r.consume(n);
        }
    }

    /// Sends the complete lines of step `step`'s log past its offset.
    fn read_log(&mut self, step: i64, out: &mut Vec<Out>) -> rusqlite::Result<()> {
        let Some(path) = self.log_file(step) else {
            return Ok(());
        };
        let name = self
            .steps
            .iter()
            .find(|(_, s)| s.0 == step)
            .map(|(n, _)| n.clone());
        let Some(open) = self.open.get(&step) else {
            return Ok(());
        };
        let mut buf = Vec::new();
        let read = std::fs::File::open(&path).and_then(|mut f| {
            f.seek(SeekFrom::Start(open.offset))
                .and_then(|_| f.read_to_end(&mut buf))
        });
        if read.is_err() {
            return Ok(());
        }
        let mut offset = open.offset;
        let mut lines = Vec::new();
        for line in buf.split_inclusive(|b| *b == b'\n') {
            if !line.ends_with(b"\n") {
                break;
            }
            let text = String::from_utf8_lossy(&line[..line.len() - 1]).into_owned();
            if text.starts_with("── attempt ") && text.ends_with(" ──") {
                if !open.headers.contains(&text) {
                    break;
                }
            } else {
                lines.push((offset + line.len() as u64, text));
            }
            offset += line.len() as u64;
        }
        if let Some(o) = self.open.get_mut(&step) {
            o.offset = offset;
        }
        for (end, line) in lines {
            self.cursor.open.insert(step, end);
            let data = json!({ "run": self.run, "step": name, "line": line });
            out.push(Out {
                id: self.cursor.to_string(),
                seq: self.cursor.seq,
                event: "log".into(),
                data,
            });
        }
        Ok(())
    }
}

/// What [`RunTail::at_end`] reads a step's log up to.
#[derive(Debug)]
pub struct LogEnd {
    pub step: String,
    pub path: PathBuf,
    /// The bytes of the file that are the stream's past.
    pub end: u64,
}

/// Bytes read at once from a log when looking for a line.
const CHUNK: usize = 64 * 1024;

/// An event row.
struct Row {
    seq: i64,
    at: i64,
    kind: String,
    step: Option<String>,
    detail: Option<String>,
}

/// The line a step's log holds before an attempt's first line.
fn header(r: &Row) -> String {
    let n = r
        .detail
        .as_deref()
        .and_then(|d| serde_json::from_str::<Value>(d).ok())
        .and_then(|d| d["attempt"].as_u64())
        .unwrap_or(1);
    let at = std::time::UNIX_EPOCH + std::time::Duration::from_millis(r.at.max(0) as u64);
    format!("── attempt {n} · {} ──", wfc_contract::time::timestamp(at))
}

#[cfg(test)]
mod tests;

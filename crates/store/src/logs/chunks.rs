//! Step logs kept in the database (table `log_chunks`), where a store on
//! PostgreSQL keeps them: what a server that did not run a step reads, with
//! no shared disk.
//!
//! A run's [`super::LogOutput`] appends each step's lines to [`Chunks`],
//! a buffer of the run's own, and the buffer goes to the database as one
//! row a log (its bytes, where its stderr lines start, its time marks):
//! - in the transaction of each of the journal's folds (the run's watch
//!   thread, every [`crate::control::POLL`]), read after the journal, so a
//!   step's end is never in the store before its lines;
//! - when a step's attempt that printed ends, before its end is journaled
//!   (`Chunks::send_before_end`): a reader that folds the journal itself
//!   never finds the end before the lines;
//! - in the transaction of the run's end, or of its parking;
//! - at once, by the step that printed it, when the buffer holds
//!   [`SHIP_AT`] bytes: a step that prints fast waits for the database as
//!   it would for a slow disk, and the buffer stays small.
//!
//! A row's `start` is where the log ended before it (read in its insert:
//! a resumed session's lines follow the last one's). A kill -9 loses the
//! lines of the last fold's interval at most (the files of a SQLite store
//! lose the line being written). Readers ask for what a page needs: a
//! range of bytes (`read_at`) and the side columns of the rows in it.

use super::LogFailure;
use crate::db::{Db, Optional};
use rustc_hash::FxHashMap;
use std::sync::{Arc, Mutex};

/// The buffer's size at which the printing step sends it itself.
pub const SHIP_AT: usize = 1 << 20;

/// The most the buffer holds while the database does not take it (then
/// lines are lost, and the run fails: output that did not reach the store
/// is a record that did not).
pub const MOST: usize = 64 << 20;

/// The lines of a run's step logs not yet in the database.
#[derive(Clone)]
pub struct Chunks {
    run_id: Arc<str>,
    pending: Arc<Mutex<Pending>>,
    /// The run recorder's connection, for the sends [`SHIP_AT`] asks for.
    conn: Arc<Mutex<crate::pool::Conn>>,
    /// The recorder's session and lease: a send of its own checks the run
    /// is still in them ([`crate::exclusive::fenced`]).
    fence: Arc<crate::exclusive::Fence>,
    failure: LogFailure,
}

#[derive(Default)]
struct Pending {
    logs: FxHashMap<String, Log>,
    bytes: usize,
}

/// One log's lines not sent yet, and their side data, in offsets from the
/// first of them.
#[derive(Default)]
struct Log {
    bytes: Vec<u8>,
    err: Vec<u64>,
    marks: Vec<(u64, i64)>,
}

/// What a send took: each log's bytes, stderr starts and marks, dropped
/// from the buffer once their transaction committed (`Chunks::sent`).
#[derive(Default)]
pub struct Sent(Vec<(String, usize, usize, usize)>);

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Chunks {
    pub(crate) fn new(
        run_id: &str,
        conn: Arc<Mutex<crate::pool::Conn>>,
        fence: Arc<crate::exclusive::Fence>,
        failure: LogFailure,
    ) -> Chunks {
        Chunks {
            run_id: Arc::from(run_id),
            pending: Arc::default(),
            conn,
            fence,
            failure,
        }
    }

    /// Appends `line` (whole lines, each ending in `\n`) to the log `log`;
    /// the step's own line starts at `text_at` in it; `stderr`: it came
    /// from stderr; `mark`: the time (ms) to mark it with.
    pub(crate) fn append(
        &self,
        log: &str,
        line: &[u8],
        text_at: usize,
        stderr: bool,
        mark: Option<i64>,
    ) {
        let full = {
            let mut guard = lock(&self.pending);
            let p = &mut *guard;
            if p.bytes + line.len() > MOST {
                drop(guard);
                self.failure.set(format!(
                    "the step log {log}: the run store took no lines for {} MiB",
                    MOST >> 20
                ));
                return;
            }
            p.bytes += line.len();
            if !p.logs.contains_key(log) {
                p.logs.insert(log.to_owned(), Log::default());
            }
            let Some(l) = p.logs.get_mut(log) else {
                return;
            };
            let at = (l.bytes.len() + text_at) as u64;
            if let Some(ms) = mark {
                l.marks.push((at, ms));
            }
            if stderr {
                l.err.push(at);
            }
            l.bytes.extend_from_slice(line);
            p.bytes >= SHIP_AT
        };
        if full {
            self.send_now();
        }
    }

    /// The attempt logging to `log` ended: what the buffer holds of it
    /// (and of the other logs) goes to the database now, before the end is
    /// journaled — any reader may fold the journal, and must not find the
    /// end before the lines. Nothing to send, nothing done: a step that
    /// printed nothing costs nothing. Not waiting for the disk: a line is
    /// as durable as a fold's (see the module docs).
    pub(crate) fn send_before_end(&self, log: &str) {
        let printed = lock(&self.pending)
            .logs
            .get(log)
            .is_some_and(|l| !l.bytes.is_empty());
        if printed {
            self.send_now();
        }
    }

    /// Sends the buffer in a transaction of its own, on the recorder's
    /// connection. A failure is the next send's to retry: the lines stay.
    fn send_now(&self) {
        if self.fence.held(&self.run_id).is_err() {
            return;
        }
        let mut conn = lock(&self.conn);
        let session = self.fence.session();
        let sent = conn.write().and_then(|tx| {
            if tx.dialect() == crate::db::Dialect::Postgres {
                tx.execute_later("SET LOCAL synchronous_commit TO OFF", ())?;
            }
            crate::exclusive::fenced(&tx, &self.run_id, Some(session))?;
            let sent = self.send_in(&tx)?;
            tx.commit()?;
            self.sent(sent);
            Ok(())
        });
        if sent.is_err() {
            conn.heal();
        }
    }

    /// Sends what the buffer holds in transaction `tx`; once `tx`
    /// committed, [`Chunks::sent`] drops it from the buffer (a transaction
    /// that failed leaves it there, for the next send).
    pub(crate) fn send_in(&self, tx: &Db) -> crate::Result<Sent> {
        // (Held while the rows are put on the wire, not while they are
        // answered: a statement sent later copies its parameters.)
        let p = lock(&self.pending);
        let mut sent = Sent::default();
        for (log, l) in p.logs.iter().filter(|(_, l)| !l.bytes.is_empty()) {
            let err = (!l.err.is_empty()).then(|| join(l.err.iter().map(u64::to_string)));
            let marks = (!l.marks.is_empty())
                .then(|| join(l.marks.iter().map(|(at, ms)| format!("{at}:{ms}"))));
            tx.execute_later(
                "INSERT INTO log_chunks (run_id, log, start, bytes, err, marks)
                 VALUES (?1, ?2, COALESCE((SELECT c.start + length(c.bytes) FROM log_chunks c
                                           WHERE c.run_id = ?1 AND c.log = ?2
                                           ORDER BY c.start DESC LIMIT 1), 0), ?3, ?4, ?5)",
                crate::params![&*self.run_id, log, &l.bytes[..], err, marks],
            )?;
            sent.0
                .push((log.clone(), l.bytes.len(), l.err.len(), l.marks.len()));
        }
        Ok(sent)
    }

    /// What `sent` took is in the database: dropped from the buffer.
    pub(crate) fn sent(&self, sent: Sent) {
        let mut guard = lock(&self.pending);
        let p = &mut *guard;
        for (log, bytes, n_err, n_marks) in sent.0 {
            let Some(l) = p.logs.get_mut(&log) else {
                continue;
            };
            l.bytes.drain(..bytes);
            l.err.drain(..n_err);
            l.marks.drain(..n_marks);
            let cut = bytes as u64;
            l.err.iter_mut().for_each(|at| *at -= cut);
            l.marks.iter_mut().for_each(|m| m.0 -= cut);
            if l.bytes.is_empty() {
                p.logs.remove(&log);
            }
            p.bytes -= bytes;
        }
    }
}

fn join(items: impl Iterator<Item = String>) -> String {
    items.collect::<Vec<_>>().join(" ")
}

/// The length of log `log` of run `run` in the database (0: none).
pub(crate) fn length(db: &Db, run: &str, log: &str) -> crate::Result<u64> {
    let end: Option<i64> = db
        .prepare_cached(
            "SELECT start + length(bytes) FROM log_chunks WHERE run_id = ?1 AND log = ?2
             ORDER BY start DESC LIMIT 1",
        )?
        .query_row([run, log], |r| r.get(0))
        .optional()?;
    Ok(end.map_or(0, |e| e.max(0) as u64))
}

/// Whether run `run` holds chunks of log `log`.
pub(crate) fn holds(db: &Db, run: &str, log: &str) -> crate::Result<bool> {
    db.prepare_cached("SELECT 1 FROM log_chunks WHERE run_id = ?1 AND log = ?2 LIMIT 1")?
        .exists([run, log])
}

/// The start of the row that holds byte `at` of a log (0 before the first).
const FIRST: &str = "COALESCE((SELECT MAX(f.start) FROM log_chunks f
                              WHERE f.run_id = ?1 AND f.log = ?2 AND f.start <= ?3), 0)";

/// Reads log `log` of run `run` from byte `at` into `buf`: how many bytes
/// (0 at the end). One query; each row gives at most `buf`'s length.
pub(crate) fn read_at(
    db: &Db,
    run: &str,
    log: &str,
    at: u64,
    buf: &mut [u8],
) -> crate::Result<usize> {
    let want = buf.len() as i64;
    let mut q = db.prepare_cached(&format!(
        "SELECT start, substr(bytes, CAST(CASE WHEN start < ?3 THEN ?3 - start ELSE 0 END + 1 AS INTEGER),
                              CAST(?4 AS INTEGER))
         FROM log_chunks WHERE run_id = ?1 AND log = ?2 AND start >= {FIRST} AND start < ?3 + ?4
         ORDER BY start"
    ))?;
    let rows = q.query_map(crate::params![run, log, at as i64, want], |r| {
        Ok((r.get::<i64>(0)?, r.get::<Vec<u8>>(1)?))
    })?;
    let mut n = 0usize;
    for row in rows {
        let (start, bytes) = row?;
        // Rows follow each other: the next one starts where this one ends.
        let from = (start.max(at as i64) - at as i64) as usize;
        if from != n {
            break;
        }
        let take = bytes.len().min(buf.len() - n);
        buf[n..n + take].copy_from_slice(&bytes[..take]);
        n += take;
        if n == buf.len() {
            break;
        }
    }
    Ok(n)
}

/// The rows of log `log` with a side column `col` (`err`, `marks`) from
/// the one that holds byte `from` to those starting before `to`: `(start,
/// text)` in order.
fn side(
    db: &Db,
    col: &str,
    run: &str,
    log: &str,
    from: u64,
    to: u64,
) -> crate::Result<Vec<(u64, String)>> {
    let mut q = db.prepare_cached(&format!(
        "SELECT start, {col} FROM log_chunks
         WHERE run_id = ?1 AND log = ?2 AND start >= {FIRST} AND start < ?4 AND {col} IS NOT NULL
         ORDER BY start"
    ))?;
    let rows = q.query_map(crate::params![run, log, from as i64, to as i64], |r| {
        Ok((r.get::<i64>(0)?.max(0) as u64, r.get::<String>(1)?))
    })?;
    rows.collect()
}

/// The starts in `[from, to)` of log `log`'s stderr lines.
pub(crate) fn stderr_in(
    db: &Db,
    run: &str,
    log: &str,
    from: u64,
    to: u64,
) -> crate::Result<Vec<u64>> {
    let mut out = Vec::new();
    for (start, err) in side(db, "err", run, log, from, to)? {
        out.extend(
            err.split(' ')
                .filter_map(|t| t.parse::<u64>().ok())
                .map(|at| start + at)
                .filter(|at| (from..to).contains(at)),
        );
    }
    Ok(out)
}

/// The time marks of log `log` before `to`, from the last at or before
/// `from` (found among the rows before it, if need be).
pub(crate) fn times_in(
    db: &Db,
    run: &str,
    log: &str,
    from: u64,
    to: u64,
) -> crate::Result<Vec<(u64, i64)>> {
    let parse = |start: u64, marks: &str| -> Vec<(u64, i64)> {
        marks
            .split(' ')
            .filter_map(|m| {
                let (at, ms) = m.split_once(':')?;
                Some((start + at.parse::<u64>().ok()?, ms.parse::<i64>().ok()?))
            })
            .collect()
    };
    let mut all: Vec<(u64, i64)> = side(db, "marks", run, log, from, to)?
        .into_iter()
        .flat_map(|(start, m)| parse(start, &m))
        .filter(|m| m.0 < to)
        .collect();
    // A mark at or before `from`: in the rows above, else in the last row
    // before them that has one.
    let mut before = all.iter().rposition(|m| m.0 <= from);
    let mut below = all.first().map_or(from + 1, |m| m.0).min(from + 1);
    while before.is_none() && below > 0 {
        let row: Option<(i64, String)> = db
            .prepare_cached(
                "SELECT start, marks FROM log_chunks
                 WHERE run_id = ?1 AND log = ?2 AND start < ?3 AND marks IS NOT NULL
                 ORDER BY start DESC LIMIT 1",
            )?
            .query_row(crate::params![run, log, below as i64], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?;
        let Some((start, marks)) = row else { break };
        let start = start.max(0) as u64;
        let found: Vec<_> = parse(start, &marks)
            .into_iter()
            .filter(|m| m.0 <= from)
            .collect();
        if let Some(last) = found.last() {
            all.insert(0, *last);
            before = Some(0);
        }
        below = start;
    }
    Ok(match before {
        Some(i) => all.split_off(i),
        None => all,
    })
}

#[cfg(test)]
mod tests;

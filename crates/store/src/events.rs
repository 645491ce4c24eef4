//! A run's event log (table `events`): what happened, in order, for
//! `wfc status --events`.
//!
//! Each event is a row numbered per run (`seq`), except those of a fold: a
//! fold's events (three a step: an attempt's start and end, the step's end)
//! are packed into one row of kind `events`, whose detail is the JSON array
//! `[[at, kind, step, detail], …]`. A b-tree insert of an event cost about a
//! third of a fold (`cargo bench --bench store`); packed, a fold writes one
//! row however many steps it holds. [`unpack`] gives the events back, and the
//! log reads as if each had its own row. (Schema v4: an older wfc could not
//! read packed rows, so it refuses the store.)

use super::schema::NEXT_EVENT;
use rusqlite::{params, Transaction};
use serde_json::Value as J;
use std::ops::Range;

/// Appends `n` to event JSON text (`itoa`: `write!`'s formatting machinery
/// cost more than the rest of an event's number).
pub(super) fn push_int(out: &mut Vec<u8>, n: impl itoa::Integer) {
    out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
}

/// The kind of a row that holds a fold's events.
pub const PACKED: &str = "events";

/// Events a packed row holds at most: its text (~25 KB) and SQLite's copies
/// of it stay small beside the run's memory (a whole fold's events are
/// ~130 KB of text at 400 steps).
pub const PACK: usize = 256;

/// The numbers of the events a transaction appends: looked up once, since
/// the transaction holds the write lock.
pub struct Events(i64);

impl Events {
    pub fn next(tx: &Transaction, run_id: &str) -> rusqlite::Result<Events> {
        tx.query_row(&format!("SELECT {NEXT_EVENT}"), [run_id], |r| r.get(0))
            .map(Events)
    }

    /// Appends an event to run `run_id`'s log (`detail`: JSON text).
    pub fn add(
        &mut self,
        tx: &Transaction,
        run_id: &str,
        at: i64,
        kind: &str,
        step: Option<&str>,
        detail: Option<&str>,
    ) -> rusqlite::Result<()> {
        tx.prepare_cached(
            "INSERT INTO events (run_id, seq, at, kind, step, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?
        .execute(params![run_id, self.0, at, kind, step, detail])?;
        self.0 += 1;
        Ok(())
    }
}

/// A fold's events, gathered to be written as one row (up to [`PACK`]).
#[derive(Default)]
pub struct Packed {
    /// The first event, written as it is when it stays the only one: its
    /// detail is `text[detail]`.
    first: Option<(i64, &'static str, Option<String>, Range<usize>)>,
    /// The array's elements so far, comma-separated (UTF-8: JSON text).
    text: Vec<u8>,
    count: usize,
}

impl Packed {
    /// Adds an event (`kind`: a plain identifier), its detail written by
    /// `detail` (JSON text) in place.
    pub fn push(
        &mut self,
        at: i64,
        kind: &'static str,
        step: Option<&str>,
        detail: impl FnOnce(&mut Vec<u8>),
    ) {
        let first = self.first.is_none();
        self.text.push(if first { b'[' } else { b',' });
        self.text.push(b'[');
        push_int(&mut self.text, at);
        self.text.extend_from_slice(b",\"");
        self.text.extend_from_slice(kind.as_bytes());
        self.text.extend_from_slice(b"\",");
        match step.map(|s| serde_json::to_writer(&mut self.text, s)) {
            Some(Ok(())) => {}
            _ => self.text.extend_from_slice(b"null"),
        }
        self.text.push(b',');
        let start = self.text.len();
        detail(&mut self.text);
        if first {
            let range = start..self.text.len();
            self.first = Some((at, kind, step.map(str::to_owned), range));
        }
        self.text.push(b']');
        self.count += 1;
    }

    /// Whether it holds as many events as a row takes.
    pub fn full(&self) -> bool {
        self.count >= PACK
    }

    /// Writes the events gathered so far — none, one row as it is, or one
    /// packed row — and starts over.
    pub fn write(
        &mut self,
        tx: &Transaction,
        run_id: &str,
        events: &mut Events,
    ) -> rusqlite::Result<()> {
        let Packed { first, text, count } = std::mem::take(self);
        let Some((at, kind, step, detail)) = first else {
            return Ok(());
        };
        // Only JSON text went in.
        let mut text =
            String::from_utf8(text).map_err(|e| rusqlite::Error::Utf8Error(e.utf8_error()))?;
        if count == 1 {
            return events.add(tx, run_id, at, kind, step.as_deref(), Some(&text[detail]));
        }
        text.push(']');
        events.add(tx, run_id, at, PACKED, None, Some(&text))
    }
}

/// One event of a packed row: `(at, kind, step, detail)`.
pub type Unpacked = (i64, String, Option<String>, J);

/// The events a packed row holds, in order. `None` when the detail is not
/// such an array.
pub fn unpack(detail: &str) -> Option<Vec<Unpacked>> {
    serde_json::from_str(detail).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::tests::store;
    use rusqlite::TransactionBehavior;

    fn write(conn: &rusqlite::Connection, events: &[(i64, &'static str, Option<&str>, &str)]) {
        let tx = Transaction::new_unchecked(conn, TransactionBehavior::Immediate).unwrap();
        let mut packed = Packed::default();
        for (at, kind, step, detail) in events {
            packed.push(*at, kind, *step, |out| {
                out.extend_from_slice(detail.as_bytes())
            });
        }
        let mut numbers = Events::next(&tx, "r1").unwrap();
        packed.write(&tx, "r1", &mut numbers).unwrap();
        tx.commit().unwrap();
    }

    #[test]
    fn a_lone_event_has_its_row_and_several_share_one() {
        let (_dir, store) = store();
        write(&store.conn, &[]);
        write(&store.conn, &[(1, "phase", None, r#"{"phase":"main"}"#)]);
        write(
            &store.conn,
            &[
                (2, "attempt_started", Some("a \"q\" é"), r#"{"attempt":1}"#),
                (3, "step_skipped", Some("s[\"x\"]"), r#"{"why":"no"}"#),
                (4, "phase", None, r#"{"phase":"finally"}"#),
            ],
        );
        let rows: Vec<String> = store
            .conn
            .prepare("SELECT kind FROM events WHERE run_id = 'r1' ORDER BY seq")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(rows, ["phase", PACKED]);
        let log = crate::query::events(&store.conn, "r1").unwrap();
        let got: Vec<_> = log
            .iter()
            .map(|e| (e.kind.as_str(), e.step.as_deref(), e.detail.to_string()))
            .collect();
        assert_eq!(
            got,
            [
                ("phase", None, r#"{"phase":"main"}"#.to_owned()),
                (
                    "attempt_started",
                    Some("a \"q\" é"),
                    r#"{"attempt":1}"#.to_owned()
                ),
                (
                    "step_skipped",
                    Some("s[\"x\"]"),
                    r#"{"why":"no"}"#.to_owned()
                ),
                ("phase", None, r#"{"phase":"finally"}"#.to_owned()),
            ]
        );
        assert_eq!(log[1].at, crate::stamp(2));
        assert_eq!(log[3].at, crate::stamp(4));
    }

    #[test]
    fn a_row_of_that_kind_that_is_not_packed_reads_as_itself() {
        assert!(unpack(r#"{"not":"an array"}"#).is_none());
        assert_eq!(unpack("[]").unwrap().len(), 0);
    }
}

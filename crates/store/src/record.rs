//! One state change of a running run, as the journal holds it ([`Record`]),
//! and the rows it writes in the store (`steps`, `attempts`) and its event.
//! The journal ([`super::journal`]) carries records from the scheduler to
//! the folds; `super::coalesce` merges a fold's records into fewer rows.

use rusqlite::{params, Transaction};
use serde::{Deserialize, Serialize};

/// A step instance in the store's key: `(graph, rollback_of, name)`.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq, Hash)]
pub struct Key<'a> {
    pub graph: &'a str,
    /// Empty outside a rollback graph.
    pub rollback_of: &'a str,
    pub name: &'a str,
}

/// How an attempt or a step ended, beside its status: what the `attempts`
/// and `steps` rows share. (postcard writes a nested struct's fields in
/// line: the journal's bytes are those of the four fields in place.)
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq)]
pub struct Outcome<'a> {
    pub duration_ms: i64,
    pub exit_code: Option<i64>,
    #[serde(borrow)]
    pub error: Option<&'a str>,
    #[serde(borrow)]
    pub outputs: Option<&'a str>,
}

/// One state change of a running run. `at` (ms since the epoch) is when it
/// happened, not when it is applied. The strings are borrowed: from the
/// scheduler's own data when written, from the bytes read when folded.
/// Variants and fields are the journal's format ([`super::wire`]).
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq)]
pub enum Record<'a> {
    AttemptStarted {
        #[serde(borrow)]
        key: Key<'a>,
        kind: &'a str,
        seq: i64,
        attempt: u32,
        at: i64,
        log: &'a str,
    },
    AttemptEnded {
        #[serde(borrow)]
        key: Key<'a>,
        attempt: u32,
        status: &'a str,
        #[serde(borrow)]
        outcome: Outcome<'a>,
        at: i64,
    },
    Waiting {
        #[serde(borrow)]
        key: Key<'a>,
        why: &'a str,
        at: i64,
    },
    Skipped {
        step: &'a str,
        why: &'a str,
        at: i64,
    },
    StepEnded {
        #[serde(borrow)]
        key: Key<'a>,
        kind: &'a str,
        seq: i64,
        status: &'a str,
        attempts: u32,
        started_at: Option<i64>,
        #[serde(borrow)]
        outcome: Outcome<'a>,
        optional: bool,
        at: i64,
    },
    Phase {
        name: &'a str,
        at: i64,
    },
}

impl<'a> Record<'a> {
    /// The step this record is about (`None` for a skip, which names only
    /// the step, and a phase).
    pub fn key(&self) -> Option<Key<'a>> {
        match self {
            Record::AttemptStarted { key, .. }
            | Record::AttemptEnded { key, .. }
            | Record::Waiting { key, .. }
            | Record::StepEnded { key, .. } => Some(*key),
            Record::Skipped { .. } | Record::Phase { .. } => None,
        }
    }
}

impl Record<'_> {
    /// When it happened (ms since the epoch).
    pub fn at(&self) -> i64 {
        match self {
            Record::AttemptStarted { at, .. }
            | Record::AttemptEnded { at, .. }
            | Record::Waiting { at, .. }
            | Record::Skipped { at, .. }
            | Record::StepEnded { at, .. }
            | Record::Phase { at, .. } => *at,
        }
    }

    /// What the record is, for a warning when it cannot be stored.
    pub fn what(&self) -> &'static str {
        match self {
            Record::AttemptStarted { .. } => "an attempt's start",
            Record::AttemptEnded { .. } => "an attempt's end",
            Record::Waiting { .. } => "a wait",
            Record::Skipped { .. } => "a skip",
            Record::StepEnded { .. } => "a step's end",
            Record::Phase { .. } => "a phase",
        }
    }

    /// Appends the record's event to the run's log on its own (the
    /// reference a fold's packed events are tested against).
    #[cfg(test)]
    pub fn event(
        &self,
        tx: &Transaction,
        run_id: &str,
        events: &mut super::events::Events,
    ) -> rusqlite::Result<()> {
        let (at, kind, step, detail) = self.event_parts();
        events.add(tx, run_id, at, kind, step, Some(&detail))
    }

    /// Adds the record's event to a fold's packed events.
    pub fn pack(&self, packed: &mut super::events::Packed) {
        let (at, kind, step) = self.event_head();
        packed.push(at, kind, step, |out| self.write_detail(out));
    }

    /// The record's event: time, kind, step and detail.
    #[cfg(test)]
    fn event_parts(&self) -> (i64, &'static str, Option<&str>, String) {
        let (at, kind, step) = self.event_head();
        let mut detail = Vec::new();
        self.write_detail(&mut detail);
        let detail = String::from_utf8(detail).expect("JSON text");
        (at, kind, step, detail)
    }

    /// The record's event's time, kind and step.
    fn event_head(&self) -> (i64, &'static str, Option<&str>) {
        match self {
            Record::AttemptStarted { key, at, .. } => (*at, "attempt_started", Some(key.name)),
            Record::AttemptEnded { key, at, .. } => (*at, "attempt_ended", Some(key.name)),
            Record::Waiting { key, at, .. } => (*at, "waiting", Some(key.name)),
            Record::Skipped { step, at, .. } => (*at, "step_skipped", Some(*step)),
            Record::StepEnded { key, at, .. } => (*at, "step_ended", Some(key.name)),
            Record::Phase { at, .. } => (*at, "phase", None),
        }
    }

    /// Appends the record's event's detail to `out`: JSON text, keys in
    /// order, as `serde_json::Value` prints them. Written in place, three
    /// times a step in a fold (a `Value`, or a `String` per event, cost
    /// more than the text; numbers go by [`super::events::push_int`]).
    fn write_detail(&self, out: &mut Vec<u8>) {
        use std::io::Write as _;
        fn text<T: Serialize + ?Sized>(out: &mut Vec<u8>, v: &T) {
            if serde_json::to_writer(&mut *out, v).is_err() {
                out.extend_from_slice(b"null");
            }
        }
        // Writes to a `Vec` do not fail.
        let _ = match self {
            Record::AttemptStarted { attempt, .. } => {
                out.extend_from_slice(b"{\"attempt\":");
                super::events::push_int(out, *attempt);
                out.write_all(b"}")
            }
            Record::AttemptEnded {
                attempt,
                status,
                outcome,
                ..
            } => {
                out.extend_from_slice(b"{\"attempt\":");
                super::events::push_int(out, *attempt);
                out.extend_from_slice(b",\"error\":");
                text(out, &outcome.error);
                out.extend_from_slice(b",\"status\":");
                text(out, status);
                out.write_all(b"}")
            }
            Record::Waiting { why, .. } | Record::Skipped { why, .. } => {
                out.extend_from_slice(b"{\"why\":");
                text(out, why);
                out.write_all(b"}")
            }
            Record::StepEnded { status, .. } => {
                out.extend_from_slice(b"{\"status\":");
                text(out, status);
                out.write_all(b"}")
            }
            Record::Phase { name, .. } => {
                out.extend_from_slice(b"{\"phase\":");
                text(out, name);
                out.write_all(b"}")
            }
        };
    }

    /// Writes the record's rows (`steps`, `attempts`); a skip and a phase
    /// have none.
    pub fn rows(&self, tx: &Transaction, run_id: &str, session: i64) -> rusqlite::Result<()> {
        match self {
            Record::AttemptStarted {
                key, attempt, at, ..
            } => {
                attempt_started_step(tx, run_id, self)?;
                tx.prepare_cached(
                    "INSERT OR REPLACE INTO attempts (run_id, graph, rollback_of, step, session, number, status, started_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'running', ?7)",
                )?
                .execute(params![run_id, key.graph, key.rollback_of, key.name, session, attempt, at])?;
            }
            Record::AttemptEnded {
                key,
                attempt,
                status,
                outcome: o,
                ..
            } => {
                tx.prepare_cached(
                    "UPDATE attempts SET status = ?7, duration_ms = ?8, exit_code = ?9, error = ?10, outputs = ?11
                     WHERE run_id = ?1 AND graph = ?2 AND rollback_of = ?3 AND step = ?4 AND session = ?5 AND number = ?6",
                )?
                .execute(params![run_id, key.graph, key.rollback_of, key.name, session, attempt,
                                 status, o.duration_ms, o.exit_code, o.error, o.outputs])?;
            }
            Record::Waiting { key, why, .. } => {
                tx.prepare_cached(
                    "UPDATE steps SET status = 'waiting', detail = ?5
                     WHERE run_id = ?1 AND graph = ?2 AND rollback_of = ?3 AND name = ?4",
                )?
                .execute(params![
                    run_id,
                    key.graph,
                    key.rollback_of,
                    key.name,
                    why
                ])?;
            }
            Record::StepEnded { .. } => step_ended(tx, run_id, self, None, None)?,
            Record::Skipped { .. } | Record::Phase { .. } => {}
        }
        Ok(())
    }
}

/// Writes the `steps` row of an attempt's start (`record`, a
/// [`Record::AttemptStarted`]): the step is running.
pub(super) fn attempt_started_step(
    tx: &Transaction,
    run_id: &str,
    record: &Record<'_>,
) -> rusqlite::Result<()> {
    let Record::AttemptStarted {
        key,
        kind,
        seq,
        attempt,
        at,
        log,
    } = record
    else {
        return Ok(());
    };
    tx.prepare_cached(
        "INSERT INTO steps (run_id, graph, rollback_of, name, kind, seq, status, attempts, started_at, log_path)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'running', ?7, ?8, ?9)
         ON CONFLICT (run_id, graph, rollback_of, name) DO UPDATE SET
             status = 'running', attempts = excluded.attempts, detail = NULL,
             started_at = CASE WHEN excluded.attempts = 1 THEN excluded.started_at ELSE started_at END,
             log_path = excluded.log_path",
    )?
    .execute(params![run_id, key.graph, key.rollback_of, key.name, kind, seq, attempt, at, log])?;
    Ok(())
}

/// A step's end to write: a [`Record::StepEnded`], and when its last attempt
/// started in the same batch ([`super::coalesce`]), that attempt's log path
/// and the start of its first attempt, if that was it (the row may not
/// exist).
pub(super) type StepEnd<'a> = (Record<'a>, Option<&'a str>, Option<i64>);

/// The statement that writes steps' ends, `$rows` of them: the columns,
/// and what an existing row (the step's start, folded earlier) keeps.
macro_rules! step_ends_sql {
    ($rows:expr) => {
        concat!(
            "INSERT INTO steps (run_id, graph, rollback_of, name, kind, seq, status, attempts,
                                started_at, duration_ms, exit_code, error, outputs, optional, log_path)
             VALUES ",
            $rows,
            " ON CONFLICT (run_id, graph, rollback_of, name) DO UPDATE SET
                 status = excluded.status, attempts = excluded.attempts,
                 started_at = COALESCE(excluded.started_at, started_at),
                 duration_ms = excluded.duration_ms, exit_code = excluded.exit_code,
                 error = excluded.error, outputs = excluded.outputs,
                 optional = excluded.optional, detail = NULL,
                 log_path = COALESCE(excluded.log_path, log_path)"
        )
    };
}
/// One step's end in [`step_ends_sql`]: its 15 values.
macro_rules! step_end_row {
    () => {
        "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    };
}

/// Rows a statement of [`steps_ended`] writes.
const STEP_ENDS_AT_ONCE: usize = 32;

/// Writes a step's end into its `steps` row (see [`StepEnd`]).
pub(super) fn step_ended(
    tx: &Transaction,
    run_id: &str,
    record: &Record<'_>,
    log: Option<&str>,
    first_start: Option<i64>,
) -> rusqlite::Result<()> {
    let mut stmt = tx.prepare_cached(step_ends_sql!(step_end_row!()))?;
    bind_step_end(&mut stmt, 0, run_id, &(*record, log, first_start))?;
    stmt.raw_execute().map(drop)
}

/// Writes many steps' ends, [`STEP_ENDS_AT_ONCE`] to a statement, in the
/// order of their keys (`ends` is sorted here). A run's id sorts after every
/// earlier run's (it starts with its start time), so a new run's rows go at
/// the end of the table, and in one statement SQLite's cursor, left on the
/// row it just wrote, needs no search from the tree's root for the next:
/// a fold of a fresh run's steps in the order they ended went through the
/// whole tree for every row.
pub(super) fn steps_ended(
    tx: &Transaction,
    run_id: &str,
    ends: &mut [StepEnd<'_>],
) -> rusqlite::Result<()> {
    ends.sort_unstable_by_key(|(r, ..)| r.key().map(|k| (k.graph, k.rollback_of, k.name)));
    let mut chunks = ends.chunks_exact(STEP_ENDS_AT_ONCE);
    if chunks.len() > 0 {
        static SQL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
        let sql = SQL.get_or_init(|| {
            let one = step_ends_sql!("ROWS");
            one.replace("ROWS", &[step_end_row!(); STEP_ENDS_AT_ONCE].join(", "))
        });
        let mut stmt = tx.prepare_cached(sql)?;
        for chunk in chunks.by_ref() {
            for (i, end) in chunk.iter().enumerate() {
                bind_step_end(&mut stmt, i * 15, run_id, end)?;
            }
            stmt.raw_execute()?;
        }
    }
    for (record, log, first) in chunks.remainder() {
        step_ended(tx, run_id, record, *log, *first)?;
    }
    Ok(())
}

/// Binds a step's end to the 15 parameters after the `at`th.
fn bind_step_end(
    stmt: &mut rusqlite::CachedStatement<'_>,
    at: usize,
    run_id: &str,
    (record, log, first_start): &StepEnd<'_>,
) -> rusqlite::Result<()> {
    let Record::StepEnded {
        key,
        kind,
        seq,
        status,
        attempts,
        started_at,
        outcome: o,
        optional,
        ..
    } = record
    else {
        // Only a step's end is ever given: a statement of several must not
        // run with one row's values unbound.
        return Err(rusqlite::Error::ToSqlConversionFailure(
            "a step's end was expected".into(),
        ));
    };
    let started_at = started_at.or(*first_start);
    let values: [&dyn rusqlite::ToSql; 15] = [
        &run_id,
        &key.graph,
        &key.rollback_of,
        &key.name,
        kind,
        seq,
        status,
        attempts,
        &started_at,
        &o.duration_ms,
        &o.exit_code,
        &o.error,
        &o.outputs,
        optional,
        log,
    ];
    for (i, v) in values.into_iter().enumerate() {
        stmt.raw_bind_parameter(at + i + 1, v)?;
    }
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn key(name: &str) -> Key<'_> {
        Key {
            graph: "main",
            rollback_of: "",
            name,
        }
    }

    pub(crate) fn started(name: &'static str, seq: i64) -> Record<'static> {
        Record::AttemptStarted {
            key: key(name),
            kind: "shell",
            seq,
            attempt: 1,
            at: 10,
            log: "logs/r1/step.log",
        }
    }

    pub(crate) fn ended(name: &'static str, seq: i64) -> Record<'static> {
        Record::StepEnded {
            key: key(name),
            kind: "shell",
            seq,
            status: "succeeded",
            attempts: 1,
            started_at: Some(10),
            outcome: Outcome {
                duration_ms: 5,
                exit_code: Some(0),
                error: None,
                outputs: Some(r#"{"v":"1"}"#),
            },
            optional: false,
            at: 15,
        }
    }

    /// The records' bytes in a journal frame (postcard) stay those of the
    /// v5 journal: a killed run's journal is folded by the next wfc.
    #[test]
    fn journal_bytes_of_ends_stay_v5() {
        let attempt = Record::AttemptEnded {
            key: key("a"),
            attempt: 2,
            status: "failed",
            outcome: Outcome {
                duration_ms: 300,
                exit_code: Some(1),
                error: Some("e"),
                outputs: None,
            },
            at: 7,
        };
        let hex = |r: &Record<'_>| -> String {
            postcard::to_allocvec(r)
                .unwrap()
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect()
        };
        assert_eq!(
            hex(&attempt),
            "01046d61696e00016102066661696c6564d8040102010165000e"
        );
        assert_eq!(
            hex(&ended("s", 3)),
            "04046d61696e000173057368656c6c06097375636365656465640101140a01000001097b2276223a2231227d001e"
        );
    }

    /// The detail text of each event is what `json!` printed before.
    #[test]
    fn event_details_read_as_json_values_did() {
        use serde_json::json;
        let k = key("a \"b\"");
        let cases = [
            (started("a", 0), json!({ "attempt": 1 })),
            (
                Record::AttemptEnded {
                    key: k,
                    attempt: 2,
                    status: "failed",
                    outcome: Outcome {
                        duration_ms: 1,
                        exit_code: Some(1),
                        error: Some("exit code 1: \"x\"\n"),
                        outputs: None,
                    },
                    at: 1,
                },
                json!({ "attempt": 2, "status": "failed", "error": "exit code 1: \"x\"\n" }),
            ),
            (
                Record::AttemptEnded {
                    key: k,
                    attempt: 1,
                    status: "succeeded",
                    outcome: Outcome {
                        duration_ms: 1,
                        exit_code: None,
                        error: None,
                        outputs: None,
                    },
                    at: 1,
                },
                json!({ "attempt": 1, "status": "succeeded", "error": null }),
            ),
            (
                Record::Waiting {
                    key: k,
                    why: "approval by é",
                    at: 2,
                },
                json!({ "why": "approval by é" }),
            ),
            (
                Record::Skipped {
                    step: "s",
                    why: "no",
                    at: 3,
                },
                json!({ "why": "no" }),
            ),
            (ended("a", 1), json!({ "status": "succeeded" })),
            (
                Record::Phase {
                    name: "finally",
                    at: 4,
                },
                json!({ "phase": "finally" }),
            ),
        ];
        for (record, value) in cases {
            assert_eq!(record.event_parts().3, value.to_string());
        }
    }
}

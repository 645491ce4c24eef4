//! Folding a batch of journal records with fewer statements.
//!
//! Most steps start and end within one fold (the watch thread folds every
//! 200 ms). Applied one by one, such a step's records write its `steps` row
//! twice and its `attempts` row twice: an upsert and an insert at the start,
//! an update and an upsert at the end. Here an attempt's start waits until
//! the batch shows its end: the attempt is inserted once with its outcome,
//! and, when the step's end follows, the step's row is written once too —
//! seven statements a step become two, with the events of the whole batch
//! packed into one row ([`super::events`]). Those steps' rows are written at
//! the batch's end, sorted by key, many to a statement
//! ([`super::record::steps_ended`]); most steps' attempts need no row.
//!
//! The result is the same rows as applying each record in turn: an attempt
//! start still held is written as it stands before any other record of its
//! step that is not merged into it, and at the end of the batch; a step's
//! end held is written before any later record of its step.

use super::events::{Events, Packed};
use super::record::{attempt_started_step, steps_ended, Key, Record, StepEnd};
use rusqlite::{params, Transaction};
use rustc_hash::FxHashSet;

/// An attempt's start not yet written, and its end once seen.
struct Pending<'a> {
    start: Record<'a>,
    end: Option<Record<'a>>,
}

/// The records of one fold, written as they come or held to be merged.
pub struct Batch<'t, 'c, 'a> {
    tx: &'t Transaction<'c>,
    run_id: &'t str,
    session: i64,
    events: Events,
    /// The batch's events, written as one row at its end.
    packed: Packed,
    /// In the order the starts came; few at a time (the running steps).
    pending: Vec<(Key<'a>, Pending<'a>)>,
    /// Steps' ends merged with their attempts, written together, in the
    /// order of their keys ([`steps_ended`]), at the batch's end or before
    /// another record of one of those steps.
    ended: Vec<StepEnd<'a>>,
    ended_keys: FxHashSet<Key<'a>>,
}

impl<'t, 'c, 'a> Batch<'t, 'c, 'a> {
    pub fn new(tx: &'t Transaction<'c>, run_id: &'t str, session: i64) -> rusqlite::Result<Self> {
        Ok(Batch {
            tx,
            run_id,
            session,
            events: Events::next(tx, run_id)?,
            packed: Packed::default(),
            pending: Vec::new(),
            ended: Vec::new(),
            ended_keys: FxHashSet::default(),
        })
    }

    /// Applies `record`: its event now, its rows now or merged later.
    pub fn push(&mut self, record: Record<'a>) -> rusqlite::Result<()> {
        if record.key().is_some_and(|k| self.ended_keys.contains(&k)) {
            self.write_ended()?;
        }
        record.pack(&mut self.packed);
        if self.packed.full() {
            self.packed.write(self.tx, self.run_id, &mut self.events)?;
        }
        match record {
            Record::AttemptStarted { key, .. } => {
                self.flush(key)?;
                self.pending.push((
                    key,
                    Pending {
                        start: record,
                        end: None,
                    },
                ));
            }
            Record::AttemptEnded { key, attempt, .. } => {
                let held = self.held(key).filter(|p| {
                    p.end.is_none()
                        && matches!(p.start, Record::AttemptStarted { attempt: a, .. } if a == attempt)
                });
                match held {
                    Some(p) => p.end = Some(record),
                    None => {
                        self.flush(key)?;
                        record.rows(self.tx, self.run_id, self.session)?;
                    }
                }
            }
            Record::StepEnded { key, .. } => {
                let at = self.pending.iter().position(|(k, _)| *k == key);
                match at.map(|i| self.pending.remove(i).1) {
                    Some(Pending {
                        start,
                        end: Some(end),
                    }) => {
                        if !self.said_by_step(&start, &end, &record) {
                            self.attempt(&start, &end)?;
                        }
                        let Record::AttemptStarted {
                            log, attempt, at, ..
                        } = &start
                        else {
                            unreachable!("only starts are held")
                        };
                        // A first attempt's start is the step's start.
                        let first = (*attempt == 1).then_some(*at);
                        self.ended.push((record, Some(log), first));
                        self.ended_keys.insert(key);
                    }
                    Some(p) => {
                        self.write(p)?;
                        record.rows(self.tx, self.run_id, self.session)?;
                    }
                    None => record.rows(self.tx, self.run_id, self.session)?,
                }
            }
            Record::Waiting { key, .. } => {
                self.flush(key)?;
                record.rows(self.tx, self.run_id, self.session)?;
            }
            Record::Skipped { .. } | Record::Phase { .. } => {}
        }
        Ok(())
    }

    /// Writes what is still held. The batch is done.
    pub fn finish(mut self) -> rusqlite::Result<()> {
        for (_, p) in std::mem::take(&mut self.pending) {
            self.write(p)?;
        }
        self.write_ended()?;
        self.packed.write(self.tx, self.run_id, &mut self.events)
    }

    /// Writes the steps' ends held.
    fn write_ended(&mut self) -> rusqlite::Result<()> {
        steps_ended(self.tx, self.run_id, &mut self.ended)?;
        self.ended.clear();
        self.ended_keys.clear();
        Ok(())
    }

    fn held(&mut self, key: Key<'_>) -> Option<&mut Pending<'a>> {
        self.pending
            .iter_mut()
            .find(|(k, _)| *k == key)
            .map(|(_, p)| p)
    }

    /// Writes the held start of `key`'s step, if any, as it stands.
    fn flush(&mut self, key: Key<'_>) -> rusqlite::Result<()> {
        if let Some(i) = self.pending.iter().position(|(k, _)| *k == key) {
            let (_, p) = self.pending.remove(i);
            self.write(p)?;
        }
        Ok(())
    }

    /// A held start as its records would have written it: the step's row,
    /// and the attempt with its end when seen.
    fn write(&mut self, p: Pending<'a>) -> rusqlite::Result<()> {
        match &p.end {
            None => p.start.rows(self.tx, self.run_id, self.session),
            Some(end) => {
                attempt_started_step(self.tx, self.run_id, &p.start)?;
                self.attempt(&p.start, end)
            }
        }
    }

    /// Whether the step's row says all that its attempt's would: a
    /// main-graph step that succeeded at its first attempt of the run's
    /// first session, with the attempt's start, duration, exit code, error
    /// and outputs. Such an attempt gets no row; the schema's `attempt_log`
    /// view gives it from the step's (schema v5). Most steps are so: their
    /// fold inserts one row instead of two.
    fn said_by_step(&self, start: &Record<'_>, end: &Record<'_>, step: &Record<'_>) -> bool {
        let (
            Record::AttemptStarted {
                key, attempt, at, ..
            },
            Record::AttemptEnded {
                status, outcome, ..
            },
            Record::StepEnded {
                status: step_status,
                attempts,
                started_at,
                outcome: step_outcome,
                ..
            },
        ) = (start, end, step)
        else {
            return false;
        };
        self.session == 1
            && key.graph == "main"
            && (*attempt, *attempts) == (1, 1)
            && *status == "succeeded"
            && step_status == status
            && started_at.unwrap_or(*at) == *at
            && outcome == step_outcome
    }

    /// One attempt, started and ended, in one insert.
    fn attempt(&mut self, start: &Record<'_>, end: &Record<'_>) -> rusqlite::Result<()> {
        let (
            Record::AttemptStarted { key, at, .. },
            Record::AttemptEnded {
                attempt,
                status,
                outcome: o,
                ..
            },
        ) = (start, end)
        else {
            return Ok(());
        };
        self.tx
            .prepare_cached(
                "INSERT OR REPLACE INTO attempts (run_id, graph, rollback_of, step, session, number, status,
                                                  started_at, duration_ms, exit_code, error, outputs)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            )?
            .execute(params![self.run_id, key.graph, key.rollback_of, key.name, self.session, attempt,
                             status, at, o.duration_ms, o.exit_code, o.error, o.outputs])?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::tests::store;
    use crate::record::tests::key;
    use crate::record::Outcome;
    use crate::Store;
    use rusqlite::{Connection, TransactionBehavior};

    /// A string for a record to borrow for the rest of the test.
    fn leak(s: String) -> &'static str {
        Box::leak(s.into_boxed_str())
    }

    fn start(name: &'static str, attempt: u32, at: i64) -> Record<'static> {
        Record::AttemptStarted {
            key: key(name),
            kind: "shell",
            seq: i64::from(name.as_bytes()[0]),
            attempt,
            at,
            log: leak(format!("logs/r1/{name}.{attempt}.log")),
        }
    }

    fn end(name: &'static str, attempt: u32, status: &'static str, at: i64) -> Record<'static> {
        Record::AttemptEnded {
            key: key(name),
            attempt,
            status,
            outcome: Outcome {
                duration_ms: 3,
                exit_code: Some(i64::from(status != "succeeded")),
                error: (status != "succeeded").then_some("exit code 1"),
                outputs: Some(leak(format!(r#"{{"a":{attempt}}}"#))),
            },
            at,
        }
    }

    fn step_end(
        name: &'static str,
        status: &'static str,
        attempts: u32,
        started: Option<i64>,
        at: i64,
    ) -> Record<'static> {
        Record::StepEnded {
            key: key(name),
            kind: "shell",
            seq: i64::from(name.as_bytes()[0]),
            status,
            attempts,
            started_at: started,
            outcome: Outcome {
                duration_ms: 9,
                exit_code: Some(0),
                error: None,
                outputs: Some("{}"),
            },
            optional: false,
            at,
        }
    }

    /// Every row of the tables a fold writes, as text, in key order.
    fn dump(conn: &Connection) -> Vec<String> {
        let mut out = Vec::new();
        for q in [
            "SELECT * FROM steps ORDER BY name",
            "SELECT * FROM attempt_log ORDER BY step, session, number",
        ] {
            let mut st = conn.prepare(q).unwrap();
            let n = st.column_count();
            let rows = st
                .query_map([], |r| {
                    (0..n)
                        .map(|i| {
                            r.get::<_, rusqlite::types::Value>(i)
                                .map(|v| format!("{v:?}"))
                        })
                        .collect::<Result<Vec<_>, _>>()
                })
                .unwrap();
            out.extend(rows.map(|r| r.unwrap().join("|")));
        }
        // The events as the log reads them (a batch packs its own).
        let events = crate::query::events(conn, "r1").unwrap();
        out.extend(events.iter().map(|e| format!("{e:?}")));
        out
    }

    /// A big batch's events go in rows of at most `PACK`, in order.
    #[test]
    fn a_big_batch_packs_its_events_in_bounded_rows() {
        let (_dir, store) = store();
        let tx = Transaction::new_unchecked(&store.conn, TransactionBehavior::Immediate).unwrap();
        let mut batch = Batch::new(&tx, "r1", 1).unwrap();
        let names: Vec<&str> = (0..200).map(|i| leak(format!("s{i:03}"))).collect();
        for (i, &name) in names.iter().enumerate() {
            let at = i as i64;
            for r in [
                start(name, 1, at),
                end(name, 1, "succeeded", at),
                step_end(name, "succeeded", 1, Some(at), at),
            ] {
                batch.push(r).unwrap();
            }
        }
        batch.finish().unwrap();
        tx.commit().unwrap();
        let rows: i64 = store
            .conn
            .query_row("SELECT COUNT(*) FROM events", [], |r| r.get(0))
            .unwrap();
        assert_eq!(rows as usize, 600_usize.div_ceil(crate::events::PACK));
        let log = crate::query::events(&store.conn, "r1").unwrap();
        assert_eq!(log.len(), 600);
        let steps: Vec<&str> = log
            .iter()
            .step_by(3)
            .map(|e| e.step.as_deref().unwrap())
            .collect();
        assert_eq!(steps, names);
        assert!(log
            .chunks(3)
            .all(|c| c[0].kind == "attempt_started" && c[2].kind == "step_ended"));
    }

    /// Applies `folds` to one store record by record, and to another a
    /// [`Batch`] a fold.
    fn fold_both_ways(folds: &[Vec<Record<'static>>]) -> [(tempfile::TempDir, Store); 2] {
        let (a, one_by_one) = store();
        let (b, batched) = store();
        for records in folds {
            let tx = Transaction::new_unchecked(&one_by_one.conn, TransactionBehavior::Immediate)
                .unwrap();
            let mut events = Events::next(&tx, "r1").unwrap();
            for r in records {
                // Each record on its own: its rows, then its event.
                r.rows(&tx, "r1", 1).unwrap();
                r.event(&tx, "r1", &mut events).unwrap();
            }
            tx.commit().unwrap();
            let tx =
                Transaction::new_unchecked(&batched.conn, TransactionBehavior::Immediate).unwrap();
            let mut batch = Batch::new(&tx, "r1", 1).unwrap();
            for r in records {
                batch.push(*r).unwrap();
            }
            batch.finish().unwrap();
            tx.commit().unwrap();
        }
        [(a, one_by_one), (b, batched)]
    }

    /// A big batch writes its steps' ends many to a statement, in the order
    /// of their keys: the same rows as one by one, whether the step's row
    /// was there (started in the fold before) or not, and whatever the order
    /// the steps ended in.
    #[test]
    fn a_big_batch_of_ends_leaves_the_rows_that_one_by_one_leaves() {
        // 100 steps: more than two statements' worth and a remainder. Named
        // so that the order they end in is not their keys' order.
        let names: Vec<&'static str> = (0..100)
            .map(|i| leak(format!("s{}", (i * 37) % 100)))
            .collect();
        let (early, late) = names.split_at(40);
        let mut first = Vec::new();
        for (i, &n) in early.iter().enumerate() {
            first.push(start(n, 1, i as i64));
        }
        let mut second = Vec::new();
        for (i, &n) in names.iter().rev().enumerate() {
            let at = 100 + i as i64;
            if late.contains(&n) {
                second.push(start(n, 1, at));
            }
            second.push(end(n, 1, "succeeded", at));
            second.push(step_end(n, "succeeded", 1, None, at));
        }
        // A record of a step after its end, in the same batch as its start
        // and end: the end is written before it, as one by one.
        second.push(Record::Waiting {
            key: key(late[0]),
            why: "approval",
            at: 300,
        });
        let [(_a, one_by_one), (_b, batched)] = fold_both_ways(&[first, second]);
        let (want, got) = (dump(&one_by_one.conn), dump(&batched.conn));
        assert_eq!(got, want);
        let waiting: String = batched
            .conn
            .query_row("SELECT status FROM steps WHERE name = ?1", [late[0]], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(waiting, "waiting");
        assert!(want.len() >= 100, "{want:#?}");
    }

    #[test]
    fn a_batch_leaves_the_rows_that_applying_each_record_leaves() {
        // Two folds: a step retried and ended within the first; one that
        // waits; one cancelled before its attempt ended; one still running
        // at the first fold's end, ending in the second; one whose end gives
        // no start time, ended in the fold that started it; one retried
        // across the two folds; a skip; a phase.
        let folds = vec![
            vec![
                Record::Phase {
                    name: "main",
                    at: 1,
                },
                start("a", 1, 2),
                start("c", 1, 2),
                end("a", 1, "failed", 5),
                start("a", 2, 6),
                start("w", 1, 6),
                Record::Waiting {
                    key: key("w"),
                    why: "approval",
                    at: 7,
                },
                end("a", 2, "succeeded", 8),
                step_end("a", "succeeded", 2, Some(2), 8),
                step_end("c", "cancelled", 1, Some(2), 9),
                Record::Skipped {
                    step: "s",
                    why: "no",
                    at: 9,
                },
                start("d", 1, 9),
                start("e", 1, 9),
                end("e", 1, "succeeded", 10),
                step_end("e", "succeeded", 1, None, 10),
                start("f", 1, 10),
                end("f", 1, "failed", 10),
                // Succeeded at its first attempt, which says nothing its
                // step's row does not: no `attempts` row (`attempt_log`).
                start("g", 1, 11),
                Record::AttemptEnded {
                    key: key("g"),
                    attempt: 1,
                    status: "succeeded",
                    outcome: Outcome {
                        duration_ms: 9,
                        exit_code: Some(0),
                        error: None,
                        outputs: Some("{}"),
                    },
                    at: 11,
                },
                step_end("g", "succeeded", 1, Some(11), 11),
            ],
            vec![
                end("d", 1, "succeeded", 12),
                step_end("d", "succeeded", 1, None, 12),
                end("w", 1, "succeeded", 13),
                step_end("w", "succeeded", 1, Some(6), 13),
                start("f", 2, 14),
                end("f", 2, "succeeded", 15),
                step_end("f", "succeeded", 2, None, 15),
            ],
        ];
        let [(_a, one_by_one), (_b, batched)] = fold_both_ways(&folds);
        let (want, got) = (dump(&one_by_one.conn), dump(&batched.conn));
        assert_eq!(got, want);
        // Each batch's events are one row.
        let rows: i64 = batched
            .conn
            .query_row(
                "SELECT COUNT(*) FROM events WHERE kind = 'events'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(rows, 2);
        assert!(want.len() > 20, "the tables hold the records: {want:#?}");
        // Only `g`'s attempt goes without a row of its own.
        let rows = |conn: &Connection, table: &str| -> Vec<String> {
            let mut q = conn
                .prepare(&format!(
                    "SELECT step FROM {table} ORDER BY step, session, number"
                ))
                .unwrap();
            q.query_map([], |r| r.get(0))
                .unwrap()
                .map(Result::unwrap)
                .collect()
        };
        let log = rows(&batched.conn, "attempt_log");
        let mut stored = log.clone();
        stored.retain(|s| s != "g");
        assert_eq!(rows(&batched.conn, "attempts"), stored);
        assert_eq!(log, rows(&one_by_one.conn, "attempts"));
        assert!(log.contains(&"g".to_owned()));
    }
}

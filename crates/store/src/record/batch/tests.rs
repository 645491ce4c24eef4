//! The batch against the records applied one by one.

use super::super::tests::key;
use super::super::Inputs;
use super::*;
use crate::db::Value;
use crate::journal::{self, tests::store, Journal};
use crate::testing::rows;
use crate::wire::Turn;

fn started(key: Key<'static>, attempt: u32, at: i64, log: &'static str) -> Record<'static> {
    Record::AttemptStarted {
        key,
        kind: "shell",
        seq: 0,
        attempt,
        at,
        log,
    }
}

fn waiting(key: Key<'static>, why: &'static str, at: i64) -> Record<'static> {
    Record::Waiting { key, why, at }
}

fn outcome(error: Option<&'static str>) -> Outcome<'static> {
    Outcome {
        duration_ms: 7,
        exit_code: Some(i64::from(error.is_some())),
        error,
        outputs: Some("{}"),
    }
}

fn step_ended(
    key: Key<'static>,
    status: &'static str,
    started_at: Option<i64>,
    at: i64,
) -> Record<'static> {
    Record::StepEnded {
        key,
        kind: "shell",
        seq: 1,
        status,
        attempts: 2,
        started_at,
        outcome: outcome(None),
        optional: true,
        at,
    }
}

/// A run's records with retries, waits, a rollback, a step ended
/// without a start, a wait on no row; then a resumed session's.
fn sessions() -> [Vec<Record<'static>>; 2] {
    let undo = Key {
        graph: "rollback",
        rollback_of: "a",
        name: "undo",
    };
    let first = vec![
        started(key("a"), 1, 10, "logs/a.1"),
        waiting(key("a"), "a lock", 11),
        Record::AttemptEnded {
            key: key("a"),
            attempt: 1,
            status: "failed",
            outcome: outcome(Some("boom")),
            at: 12,
        },
        started(key("a"), 2, 13, "logs/a.2"),
        Record::AttemptEndedWithUsage {
            key: key("a"),
            attempt: 2,
            status: "succeeded",
            outcome: outcome(None),
            usage: Usage {
                cpu_us: 5,
                peak_memory: Some(9),
            },
            at: 14,
        },
        Record::Artifact {
            key: key("a"),
            name: "out",
            path: "o.txt",
            size: 3,
            sha256: "ab",
            first: true,
            at: 14,
        },
        Record::StepInputs {
            step: "a",
            inputs: Inputs {
                scope: "s",
                key: "k",
                sources: "[]",
                deps: "[]",
                gave: "{}",
                origin: None,
                forced: false,
                checked: Some("`up to date when shell` exited 1"),
            },
            at: 14,
        },
        step_ended(key("a"), "succeeded", Some(10), 15),
        step_ended(key("b"), "not_run", None, 16),
        Record::Skipped {
            step: "c",
            why: "no",
            at: 16,
        },
        Record::Phase {
            name: "rollback",
            at: 17,
        },
        started(undo, 1, 18, "logs/undo"),
        step_ended(undo, "failed", None, 19),
        waiting(key("d"), "never started", 20),
    ];
    let resumed = vec![
        started(key("a"), 3, 30, "logs/a.3"),
        waiting(key("a"), "approval", 31),
        started(key("e"), 2, 32, "logs/e.2"),
        Record::AttemptEnded {
            key: key("e"),
            attempt: 2,
            status: "failed",
            outcome: outcome(Some("x")),
            at: 33,
        },
    ];
    [first, resumed]
}

/// Folds each session's records cut into turns after the positions in
/// `cuts`, a fold after every turn; every row of the run's tables.
fn folded(cuts: &[usize]) -> Vec<Vec<Vec<Value>>> {
    let (_dir, store) = store();
    let conn = &store.conn;
    let mut j = Journal::create(journal::path(conn, "r1").unwrap()).unwrap();
    for (session, records) in sessions().iter().enumerate() {
        if session > 0 {
            conn.execute("UPDATE runs SET session = 2 WHERE id = 'r1'", ())
                .unwrap();
        }
        let mut from = 0;
        for to in cuts
            .iter()
            .copied()
            .filter(|&c| c < records.len())
            .chain([records.len()])
        {
            j.append(&mut Turn::of(&records[from..to])).unwrap();
            journal::fold(conn, "r1").unwrap();
            from = to;
        }
    }
    [
        "steps ORDER BY graph, name",
        "attempts ORDER BY step, session, number",
        "events ORDER BY seq",
        "artifacts",
        "step_inputs",
    ]
    .map(|t| rows(&store, &format!("SELECT * FROM {t}"), &[]).unwrap())
    .into()
}

/// However a run's records are cut into folds, they leave the rows they
/// leave applied one by one.
#[test]
fn folds_leave_the_same_rows_however_the_records_are_cut() {
    let one_by_one = folded(&(1..20).collect::<Vec<_>>());
    for cuts in [&[][..], &[2], &[3, 8], &[1, 4, 12]] {
        assert_eq!(folded(cuts), one_by_one, "cut after {cuts:?}");
    }
    let [steps, attempts, events, artifacts, inputs] = <[_; 5]>::try_from(one_by_one).unwrap();
    let col = |rows: &[Vec<Value>], name: &str, i: usize| -> Value {
        rows.iter()
            .find(|r| r[3] == Value::Text(name.into()))
            .unwrap()[i]
            .clone()
    };
    // steps: run_id graph rollback_of name kind seq status attempts
    // started_at duration_ms exit_code error outputs optional log_path detail
    let text = |s: &str| Value::Text(s.into());
    assert_eq!(steps.len(), 4, "{steps:?}"); // a, b, e, undo; not d
    let int = Value::Int;
    for (step, i, want, why) in [
        ("a", 6, text("waiting"), "the last record's status"),
        ("a", 7, int(3), "the last start's attempt"),
        ("a", 8, int(10), "a retry keeps the first start"),
        ("a", 9, int(7), "a start keeps the last end"),
        ("a", 14, text("logs/a.3"), "the last start's log"),
        ("a", 15, text("approval"), "what it waits for"),
        ("b", 8, Value::Null, "an end without a start, on no row"),
        ("b", 14, Value::Null, "no log without a start"),
        ("undo", 8, int(18), "an end without a start keeps it"),
        ("e", 8, int(32), "a new row's first start"),
    ] {
        assert_eq!(col(&steps, step, i), want, "{step}: {why}");
    }
    // a: 3 attempts (2 in session 1, 1 in session 2), e: 1.
    assert_eq!(attempts.len(), 5, "{attempts:?}");
    assert_eq!(events.len(), 18);
    let seqs: Vec<_> = events.iter().map(|e| e[1].clone()).collect();
    assert_eq!(seqs, (1..=18).map(Value::Int).collect::<Vec<_>>());
    assert_eq!((artifacts.len(), inputs.len()), (1, 1));
}

/// A write sent without waiting for its answer (PostgreSQL pipelines a
/// transaction's writes) still runs in order, and its error fails the
/// transaction: nothing of it stays, and the connection is left in none.
#[test]
fn writes_sent_for_later_run_in_order_and_their_error_fails_the_commit() {
    let (_dir, store) = store();
    let conn = &store.conn;
    let event = |seq: i64| {
        format!("INSERT INTO events (run_id, seq, at, kind) VALUES ('r1', {seq}, 0, 'k')")
    };
    let count = || -> i64 {
        conn.query_row("SELECT COUNT(*) FROM events WHERE run_id = 'r1'", (), |r| {
            r.get(0)
        })
        .unwrap()
    };
    let done = {
        let tx = conn.write().unwrap();
        tx.execute_later(&event(1), ()).unwrap();
        let seen: i64 = tx
            .query_row("SELECT COUNT(*) FROM events WHERE run_id = 'r1'", (), |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(seen, 1, "a later write is in before the next read");
        tx.execute_later(&event(2), ()).unwrap();
        // The same key again: SQLite refuses it now, PostgreSQL at the commit.
        match tx.execute_later(&event(1), ()) {
            Ok(()) => tx.commit(),
            Err(e) => Err(e),
        }
    };
    assert!(matches!(done, Err(crate::Error::Conflict(_))), "{done:?}");
    assert!(!conn.in_transaction());
    assert_eq!(count(), 0, "nothing of the transaction stays");
    // The connection goes on.
    let tx = conn.write().unwrap();
    tx.execute_later(&event(1), ()).unwrap();
    tx.commit().unwrap();
    assert_eq!(count(), 1);
}

//! One state change of a running run, as the journal holds it ([`Record`]),
//! and what applying it writes in the store: its rows (`steps`, `attempts`)
//! and its event (`events`). The journal ([`super::journal`]) carries
//! records from the scheduler to the folds, which apply them in order.

use crate::db::Db;
use crate::params;
use serde::{Deserialize, Serialize};
use serde_json::json;

pub(crate) mod batch;

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

/// What an attempt's process or container used (`wfc_contract::Usage`),
/// as the journal and the `attempts` row keep it.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Usage {
    /// CPU time, user and system, in microseconds.
    pub cpu_us: u64,
    /// Peak resident memory, in bytes (`None`: not known).
    pub peak_memory: Option<u64>,
}

impl From<wfc_contract::Usage> for Usage {
    fn from(u: wfc_contract::Usage) -> Self {
        Usage {
            cpu_us: u64::try_from(u.cpu.as_micros()).unwrap_or(u64::MAX),
            peak_memory: u.peak_memory,
        }
    }
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
    /// A file a step kept as an artifact (its copy synced already); just
    /// before the step's end. The first of a step's files replaces what an
    /// earlier run of the step kept.
    Artifact {
        #[serde(borrow)]
        key: Key<'a>,
        name: &'a str,
        path: &'a str,
        size: u64,
        sha256: &'a str,
        first: bool,
        at: i64,
    },
    /// [`Record::AttemptEnded`] with what the attempt's process used
    /// (schema 15): a variant of its own, so that the bytes of every other
    /// record, and the journals of earlier builds, stay as they were.
    AttemptEndedWithUsage {
        #[serde(borrow)]
        key: Key<'a>,
        attempt: u32,
        status: &'a str,
        #[serde(borrow)]
        outcome: Outcome<'a>,
        usage: Usage,
        at: i64,
    },
    /// What decided a step that declares `sources` (schema 17); just
    /// before the step's end. Its own variant at the end, as above.
    StepInputs {
        step: &'a str,
        #[serde(borrow)]
        inputs: Inputs<'a>,
        at: i64,
    },
}

/// A [`Record::StepInputs`]'s fields (`wfc_contract::up_to_date::StepInputs`).
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Inputs<'a> {
    pub scope: &'a str,
    pub key: &'a str,
    pub sources: &'a str,
    pub deps: &'a str,
    pub gave: &'a str,
    pub origin: Option<&'a str>,
    pub forced: bool,
    pub checked: Option<&'a str>,
}

impl<'a> Record<'a> {
    /// When it happened (ms since the epoch).
    pub fn at(&self) -> i64 {
        match self {
            Record::AttemptStarted { at, .. }
            | Record::AttemptEnded { at, .. }
            | Record::Waiting { at, .. }
            | Record::Skipped { at, .. }
            | Record::StepEnded { at, .. }
            | Record::Phase { at, .. }
            | Record::Artifact { at, .. }
            | Record::AttemptEndedWithUsage { at, .. }
            | Record::StepInputs { at, .. } => *at,
        }
    }

    /// What the record is, for a warning when it cannot be stored.
    pub fn what(&self) -> &'static str {
        match self {
            Record::AttemptStarted { .. } => "an attempt's start",
            Record::AttemptEnded { .. } | Record::AttemptEndedWithUsage { .. } => {
                "an attempt's end"
            }
            Record::Waiting { .. } => "a wait",
            Record::Skipped { .. } => "a skip",
            Record::StepEnded { .. } => "a step's end",
            Record::Phase { .. } => "a phase",
            Record::Artifact { .. } => "an artifact",
            Record::StepInputs { .. } => "what decided a step",
        }
    }

    /// The record's event: its kind, step and detail.
    fn event(&self) -> (&'static str, Option<&'a str>, serde_json::Value) {
        match self {
            Record::AttemptStarted { key, attempt, .. } => (
                "attempt_started",
                Some(key.name),
                json!({ "attempt": attempt }),
            ),
            Record::AttemptEnded {
                key,
                attempt,
                status,
                outcome,
                ..
            }
            | Record::AttemptEndedWithUsage {
                key,
                attempt,
                status,
                outcome,
                ..
            } => (
                "attempt_ended",
                Some(key.name),
                json!({ "attempt": attempt, "status": status, "error": outcome.error }),
            ),
            Record::Waiting { key, why, .. } => ("waiting", Some(key.name), json!({ "why": why })),
            Record::Skipped { step, why, .. } => {
                ("step_skipped", Some(*step), json!({ "why": why }))
            }
            Record::StepEnded { key, status, .. } => {
                ("step_ended", Some(key.name), json!({ "status": status }))
            }
            Record::Phase { name, .. } => ("phase", None, json!({ "phase": name })),
            Record::Artifact {
                key,
                name,
                path,
                size,
                ..
            } => (
                "artifact_kept",
                Some(key.name),
                json!({ "name": name, "path": path, "size": size }),
            ),
            Record::StepInputs { step, inputs, .. } => (
                "step_inputs",
                Some(*step),
                json!({ "up_to_date_with": inputs.origin, "forced": inputs.forced }),
            ),
        }
    }
}

/// Appends an event to run `run_id`'s log (`detail`: JSON text), numbered
/// after the run's last.
///
/// Events are numbered one after another per run (`MAX(seq) + 1`): on
/// PostgreSQL, where two writers do not take turns by themselves, a
/// transaction that adds one holds the run's row first
/// ([`crate::exclusive::run`]: the folds, parking and waking, a session's
/// start and end), and one added outside a transaction (a decision, a
/// cancel, a pause) takes it in a transaction of its own.
pub(crate) fn add_event(
    conn: &Db,
    run_id: &str,
    at: i64,
    kind: &str,
    step: Option<&str>,
    detail: Option<&str>,
) -> crate::Result<()> {
    if conn.dialect() == crate::db::Dialect::Postgres && !conn.in_transaction() {
        let tx = conn.write()?;
        crate::exclusive::run(&tx, run_id)?;
        add_event(&tx, run_id, at, kind, step, detail)?;
        return tx.commit();
    }
    conn.execute_later(
        "INSERT INTO events (run_id, seq, at, kind, step, detail)
         VALUES (?1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM events WHERE run_id = ?1), ?2, ?3, ?4, ?5)",
        params![run_id, at, kind, step, detail],
    )
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

    /// The records' bytes in a journal frame (postcard) stay those earlier
    /// builds wrote: the journal of a run killed under one is folded by the
    /// next wfc.
    #[test]
    fn journal_bytes_stay_those_earlier_builds_wrote() {
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
        // Schema 14's: the eighth variant, AttemptEnded's fields with the usage before `at`.
        let used = Record::AttemptEndedWithUsage {
            key: key("a"),
            attempt: 2,
            status: "failed",
            outcome: Outcome {
                duration_ms: 300,
                exit_code: Some(1),
                error: Some("e"),
                outputs: None,
            },
            usage: Usage {
                cpu_us: 1500,
                peak_memory: Some(4096),
            },
            at: 7,
        };
        assert_eq!(
            hex(&used),
            "07046d61696e00016102066661696c6564d804010201016500dc0b0180200e"
        );
    }
}

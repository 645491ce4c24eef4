//! Reading a journal [`Record`] back, fast.
//!
//! `Record` is written as an internally tagged enum (`{"r": "step_ended",
//! …}`). serde reads such an enum by first buffering every field of the
//! object into its own generic form, then reading the variant from that
//! buffer: a fourth of folding the journal went there. A flat struct with
//! every variant's fields reads the same text in one pass; the variant is
//! then built from it. The text format is unchanged.

use super::journal::{Key, Record};
use serde::Deserialize;

/// Every field any variant has; which ones are present depends on `r`.
#[derive(Deserialize)]
pub(super) struct Flat {
    r: Tag,
    at: i64,
    key: Option<Key>,
    kind: Option<String>,
    seq: Option<i64>,
    attempt: Option<u32>,
    log: Option<String>,
    status: Option<String>,
    duration_ms: Option<i64>,
    exit_code: Option<i64>,
    error: Option<String>,
    outputs: Option<String>,
    why: Option<String>,
    step: Option<String>,
    attempts: Option<u32>,
    started_at: Option<i64>,
    optional: Option<bool>,
    name: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum Tag {
    AttemptStarted,
    AttemptEnded,
    Waiting,
    Skipped,
    StepEnded,
    Phase,
}

impl TryFrom<Flat> for Record {
    type Error = String;

    fn try_from(f: Flat) -> Result<Record, String> {
        fn need<T>(v: Option<T>, field: &str) -> Result<T, String> {
            v.ok_or_else(|| format!("missing field `{field}`"))
        }
        let at = f.at;
        Ok(match f.r {
            Tag::AttemptStarted => Record::AttemptStarted {
                key: need(f.key, "key")?,
                kind: need(f.kind, "kind")?,
                seq: need(f.seq, "seq")?,
                attempt: need(f.attempt, "attempt")?,
                at,
                log: need(f.log, "log")?,
            },
            Tag::AttemptEnded => Record::AttemptEnded {
                key: need(f.key, "key")?,
                attempt: need(f.attempt, "attempt")?,
                status: need(f.status, "status")?,
                duration_ms: need(f.duration_ms, "duration_ms")?,
                exit_code: f.exit_code,
                error: f.error,
                outputs: f.outputs,
                at,
            },
            Tag::Waiting => Record::Waiting {
                key: need(f.key, "key")?,
                why: need(f.why, "why")?,
                at,
            },
            Tag::Skipped => Record::Skipped {
                step: need(f.step, "step")?,
                why: need(f.why, "why")?,
                at,
            },
            Tag::StepEnded => Record::StepEnded {
                key: need(f.key, "key")?,
                kind: need(f.kind, "kind")?,
                seq: need(f.seq, "seq")?,
                status: need(f.status, "status")?,
                attempts: need(f.attempts, "attempts")?,
                started_at: f.started_at,
                duration_ms: need(f.duration_ms, "duration_ms")?,
                exit_code: f.exit_code,
                error: f.error,
                outputs: f.outputs,
                optional: need(f.optional, "optional")?,
                at,
            },
            Tag::Phase => Record::Phase {
                name: need(f.name, "name")?,
                at,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> Key {
        Key {
            graph: "rollback".into(),
            rollback_of: "deploy".into(),
            name: "undo \"it\"".into(),
        }
    }

    /// Every variant, with its optional fields set and unset, reads back
    /// as written.
    #[test]
    fn every_record_reads_back_as_written() {
        let mut records = vec![
            Record::AttemptStarted {
                key: key(),
                kind: "shell".into(),
                seq: 3,
                attempt: 2,
                at: 10,
                log: "logs/r/undo.log".into(),
            },
            Record::Waiting {
                key: key(),
                why: "approval".into(),
                at: 11,
            },
            Record::Skipped {
                step: "s".into(),
                why: "`if` was false".into(),
                at: 12,
            },
            Record::Phase {
                name: "rollback".into(),
                at: 13,
            },
        ];
        for some in [false, true] {
            let opt = |s: &str| some.then(|| s.to_owned());
            records.push(Record::AttemptEnded {
                key: key(),
                attempt: 1,
                status: "failed".into(),
                duration_ms: 5,
                exit_code: some.then_some(3),
                error: opt("exit code 3: no"),
                outputs: opt("{\"stdout\":\"é\\n\"}"),
                at: 14,
            });
            records.push(Record::StepEnded {
                key: Key {
                    rollback_of: String::new(),
                    ..key()
                },
                kind: "http".into(),
                seq: 4,
                status: "succeeded".into(),
                attempts: 2,
                started_at: some.then_some(9),
                duration_ms: 6,
                exit_code: some.then_some(0),
                error: opt("e"),
                outputs: opt("{}"),
                optional: some,
                at: 15,
            });
        }
        for r in records {
            let text = serde_json::to_string(&r).unwrap();
            let back: Record = serde_json::from_str(&text).unwrap();
            assert_eq!(back, r, "{text}");
        }
    }

    #[test]
    fn a_record_missing_a_field_is_refused() {
        let text = r#"{"r":"step_ended","key":{"g":"main","s":"a"},"at":1}"#;
        assert!(serde_json::from_str::<Record>(text).is_err());
        let text = r#"{"r":"no_such_record","at":1}"#;
        assert!(serde_json::from_str::<Record>(text).is_err());
    }
}

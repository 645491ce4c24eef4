//! Reading a journal written as JSON lines (`RUN.jsonl`), as wfc did until
//! schema v5: a run such a wfc left running when it was killed is folded by
//! the next wfc ([`super::journal::fold_in`]), so nothing it recorded is
//! lost. Since v5 the journal is binary ([`super::wire`]).
//!
//! Each line was `{"n": TURN, "records": [RECORD, …]}`, a record an
//! internally tagged object (`{"r": "step_ended", …}`). A flat struct with
//! every variant's fields reads one in one pass (serde's tagged enums first
//! buffer every field); the [`Record`] borrows its strings from it.

use super::record::{Key, Outcome, Record};
use serde::Deserialize;

/// A step's key as JSON wrote it.
#[derive(Deserialize)]
struct FlatKey {
    g: String,
    #[serde(default)]
    of: String,
    s: String,
}

/// Every field any variant has; which ones are present depends on `r`.
#[derive(Deserialize)]
pub(super) struct Flat {
    r: Tag,
    at: i64,
    key: Option<FlatKey>,
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

/// One whole line: a turn.
#[derive(Deserialize)]
pub(super) struct Line {
    pub n: u64,
    pub records: Vec<Flat>,
    /// Its length in the file, newline included.
    #[serde(skip)]
    pub len: usize,
}

/// The journal's whole lines, up to the first that does not read (or has a
/// record missing a field its kind needs): one without its newline is being
/// written, or was torn by a crash.
pub(super) fn lines(bytes: &[u8]) -> Vec<Line> {
    let mut lines = Vec::new();
    for text in bytes.split_inclusive(|b| *b == b'\n') {
        if !text.ends_with(b"\n") {
            break;
        }
        let Ok(mut line) = serde_json::from_slice::<Line>(text) else {
            break;
        };
        if line.records.iter().any(|r| r.record().is_none()) {
            break;
        }
        line.len = text.len();
        lines.push(line);
    }
    lines
}

impl Flat {
    /// The outcome of an end, if it has its duration.
    fn outcome(&self) -> Option<Outcome<'_>> {
        Some(Outcome {
            duration_ms: self.duration_ms?,
            exit_code: self.exit_code,
            error: self.error.as_deref(),
            outputs: self.outputs.as_deref(),
        })
    }

    /// The record, if it has every field its kind needs.
    pub fn record(&self) -> Option<Record<'_>> {
        fn s(v: &Option<String>) -> Option<&str> {
            v.as_deref()
        }
        let key = self.key.as_ref().map(|k| Key {
            graph: &k.g,
            rollback_of: &k.of,
            name: &k.s,
        });
        let at = self.at;
        Some(match self.r {
            Tag::AttemptStarted => Record::AttemptStarted {
                key: key?,
                kind: s(&self.kind)?,
                seq: self.seq?,
                attempt: self.attempt?,
                at,
                log: s(&self.log)?,
            },
            Tag::AttemptEnded => Record::AttemptEnded {
                key: key?,
                attempt: self.attempt?,
                status: s(&self.status)?,
                outcome: self.outcome()?,
                at,
            },
            Tag::Waiting => Record::Waiting {
                key: key?,
                why: s(&self.why)?,
                at,
            },
            Tag::Skipped => Record::Skipped {
                step: s(&self.step)?,
                why: s(&self.why)?,
                at,
            },
            Tag::StepEnded => Record::StepEnded {
                key: key?,
                kind: s(&self.kind)?,
                seq: self.seq?,
                status: s(&self.status)?,
                attempts: self.attempts?,
                started_at: self.started_at,
                outcome: self.outcome()?,
                optional: self.optional?,
                at,
            },
            Tag::Phase => Record::Phase {
                name: s(&self.name)?,
                at,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Lines as wfc 0.1 of schema v4 wrote them (`serde_json` of the
    /// tagged records), every variant with its optional fields set and unset.
    const V4: &str = r#"{"n":1,"records":[{"r":"attempt_started","key":{"g":"rollback","of":"deploy","s":"undo \"it\" é"},"kind":"shell","seq":3,"attempt":2,"at":1795369187402,"log":"logs/r/undo.log"},{"r":"waiting","key":{"g":"rollback","of":"deploy","s":"undo \"it\" é"},"why":"approval","at":11},{"r":"skipped","step":"s","why":"`if` was false","at":12},{"r":"phase","name":"rollback","at":-13}]}
{"n":2,"records":[{"r":"attempt_ended","key":{"g":"rollback","of":"deploy","s":"undo \"it\" é"},"attempt":1,"status":"failed","duration_ms":5,"exit_code":null,"error":null,"outputs":null,"at":14},{"r":"step_ended","key":{"g":"rollback","s":"undo \"it\" é"},"kind":"http","seq":4,"status":"succeeded","attempts":2,"started_at":null,"duration_ms":6,"exit_code":null,"error":null,"outputs":null,"optional":false,"at":15},{"r":"attempt_ended","key":{"g":"rollback","of":"deploy","s":"undo \"it\" é"},"attempt":1,"status":"failed","duration_ms":5,"exit_code":-3,"error":"exit code 3: no","outputs":"{\"stdout\":\"é\\n\"}","at":14},{"r":"step_ended","key":{"g":"rollback","s":"undo \"it\" é"},"kind":"http","seq":4,"status":"succeeded","attempts":2,"started_at":9,"duration_ms":6,"exit_code":0,"error":"e","outputs":"{}","optional":true,"at":15}]}
"#;

    #[test]
    fn v4_lines_read_as_the_records_they_were() {
        let lines = lines(V4.as_bytes());
        let read: Vec<Record> = lines
            .iter()
            .flat_map(|l| l.records.iter().filter_map(Flat::record))
            .collect();
        assert_eq!(read, crate::wire::tests::every_record());
        let ns: Vec<_> = lines.iter().map(|l| l.n).collect();
        assert_eq!(ns, [1, 2]);
        assert_eq!(lines.iter().map(|l| l.len).sum::<usize>(), V4.len());
    }

    #[test]
    fn reading_stops_at_a_line_that_does_not_read() {
        let first = V4.lines().next().unwrap();
        // Without its newline, a record missing a field, an unknown record.
        for bad in [
            first.to_owned(),
            r#"{"n":2,"records":[{"r":"step_ended","key":{"g":"main","s":"a"},"at":1}]}"#
                .to_owned()
                + "\n",
            r#"{"n":2,"records":[{"r":"no_such_record","at":1}]}"#.to_owned() + "\n",
        ] {
            let text = format!("{first}\n{bad}{first}\n");
            assert_eq!(lines(text.as_bytes()).len(), 1, "{bad}");
        }
    }
}

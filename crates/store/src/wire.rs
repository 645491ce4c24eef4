//! How a journal turn is laid out in `journal/RUN.wfj`.
//!
//! Each turn of the scheduler is one frame, appended at once (one `write`):
//!
//! ```text
//! len   u32 LE   bytes after these eight
//! crc   u32 LE   CRC-32 of those bytes
//! n     u64 LE   the turn's number (1, 2, …)
//! the turn's records, back to back, in postcard (https://postcard.jamesmunns.com)
//! ```
//!
//! A frame counts only when all of it is there and its CRC matches: a frame
//! cut short (wfc killed mid-write, a full disk) or overwritten with zeros
//! (a power cut) is a turn that never happened, since the scheduler had not
//! acted on it; reading stops there.
//!
//! postcard writes each field as it is (integers as varints, strings with
//! their length), with no field names to write or parse, and the records
//! are read in place, borrowing their strings from the bytes read.
//!
//! [`Record`]'s variants and fields are the format: change them only with
//! a new schema version.

use super::record::Record;

/// The bytes before a frame's records: `len`, `crc`, `n`.
pub const HEADER: usize = 16;

/// The turn being built: its records, encoded as they come, after room for
/// its header.
pub struct Turn {
    buf: Vec<u8>,
    /// What the turn's first record is (for a warning if it cannot be stored).
    first: Option<&'static str>,
    /// Whether a step of the turn waits.
    waits: bool,
}

impl Default for Turn {
    fn default() -> Self {
        Turn {
            buf: vec![0; HEADER],
            first: None,
            waits: false,
        }
    }
}

impl Turn {
    /// Adds `record` to the turn.
    pub fn push(&mut self, record: &Record<'_>) {
        self.first.get_or_insert(record.what());
        self.waits |= matches!(record, Record::Waiting { .. });
        let buf = std::mem::take(&mut self.buf);
        self.buf = postcard::to_extend(record, buf)
            .expect("a record always encodes (no maps, no sequences of unknown length)");
    }

    /// A turn of `records` (tests build journals so).
    #[cfg(test)]
    pub fn of(records: &[Record<'_>]) -> Turn {
        let mut turn = Turn::default();
        for r in records {
            turn.push(r);
        }
        turn
    }

    pub fn is_empty(&self) -> bool {
        self.first.is_none()
    }

    pub fn first(&self) -> Option<&'static str> {
        self.first
    }

    pub fn waits(&self) -> bool {
        self.waits
    }

    /// The turn as frame `n`: its header filled in.
    pub fn frame(&mut self, n: u64) -> &[u8] {
        let body = &mut self.buf[8..];
        body[..8].copy_from_slice(&n.to_le_bytes());
        let crc = crc32fast::hash(body);
        let len = u32::try_from(body.len()).unwrap_or(u32::MAX);
        self.buf[..4].copy_from_slice(&len.to_le_bytes());
        self.buf[4..8].copy_from_slice(&crc.to_le_bytes());
        &self.buf
    }

    /// Starts the next turn (keeping the buffer).
    pub fn clear(&mut self) {
        self.buf.truncate(HEADER);
        self.first = None;
        self.waits = false;
    }
}

/// A whole frame read back.
pub struct Frame<'a> {
    pub n: u64,
    /// Its records, encoded.
    pub records: &'a [u8],
    /// Its length in the file.
    pub len: usize,
}

/// The first frame of `bytes`, if it is whole and sound.
pub fn frame(bytes: &[u8]) -> Option<Frame<'_>> {
    let word = |at: usize| -> Option<u32> {
        Some(u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
    };
    let (len, crc) = (word(0)? as usize, word(4)?);
    let body = bytes.get(8..8 + len)?;
    if len < 8 || crc32fast::hash(body) != crc {
        return None;
    }
    let (n, records) = body.split_at(8);
    Some(Frame {
        n: u64::from_le_bytes(n.try_into().ok()?),
        records,
        len: 8 + len,
    })
}

/// A frame's records, read in place; `None` if one does not read.
pub fn records<'a>(mut bytes: &'a [u8], into: &mut Vec<Record<'a>>) -> Option<()> {
    while !bytes.is_empty() {
        let (record, rest) = postcard::take_from_bytes(bytes).ok()?;
        into.push(record);
        bytes = rest;
    }
    Some(())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::record::{Key, Outcome, Usage};

    fn key() -> Key<'static> {
        Key {
            graph: "rollback",
            rollback_of: "deploy",
            name: "undo \"it\" é",
        }
    }

    /// Every variant, with its optional fields set and unset.
    pub(crate) fn every_record() -> Vec<Record<'static>> {
        let mut records = vec![
            Record::AttemptStarted {
                key: key(),
                kind: "shell",
                seq: 3,
                attempt: 2,
                at: 1_795_369_187_402,
                log: "logs/r/undo.log",
            },
            Record::Waiting {
                key: key(),
                why: "approval",
                at: 11,
            },
            Record::Skipped {
                step: "s",
                why: "`if` was false",
                at: 12,
            },
            Record::Phase {
                name: "rollback",
                at: -13,
            },
        ];
        for some in [false, true] {
            let opt = |s: &'static str| some.then_some(s);
            records.push(Record::AttemptEnded {
                key: key(),
                attempt: 1,
                status: "failed",
                outcome: Outcome {
                    duration_ms: 5,
                    exit_code: some.then_some(-3),
                    error: opt("exit code 3: no"),
                    outputs: opt("{\"stdout\":\"é\\n\"}"),
                },
                at: 14,
            });
            records.push(Record::AttemptEndedWithUsage {
                key: key(),
                attempt: 2,
                status: "succeeded",
                outcome: Outcome {
                    duration_ms: 7,
                    exit_code: some.then_some(0),
                    error: opt("e"),
                    outputs: opt("{}"),
                },
                usage: Usage {
                    cpu_us: if some { u64::MAX } else { 0 },
                    peak_memory: some.then_some(1 << 40),
                },
                at: 16,
            });
            records.push(Record::StepEnded {
                key: Key {
                    rollback_of: "",
                    ..key()
                },
                kind: "http",
                seq: 4,
                status: "succeeded",
                attempts: 2,
                started_at: some.then_some(9),
                outcome: Outcome {
                    duration_ms: 6,
                    exit_code: some.then_some(0),
                    error: opt("e"),
                    outputs: opt("{}"),
                },
                optional: some,
                at: 15,
            });
        }
        records
    }

    fn framed(n: u64, records: &[Record<'_>]) -> Vec<u8> {
        Turn::of(records).frame(n).to_vec()
    }

    #[test]
    fn a_turn_reads_back_as_written() {
        let records = every_record();
        let bytes = framed(7, &records);
        let f = frame(&bytes).expect("a whole frame");
        assert_eq!((f.n, f.len), (7, bytes.len()));
        let mut back = Vec::new();
        records_of(&f, &mut back);
        assert_eq!(back, records);
    }

    fn records_of<'a>(f: &Frame<'a>, into: &mut Vec<Record<'a>>) {
        records(f.records, into).expect("records read");
    }

    #[test]
    fn a_turn_remembers_what_it_holds() {
        let mut turn = Turn::default();
        assert!(turn.is_empty());
        let all = every_record();
        turn.push(&all[2]);
        turn.push(&all[1]);
        assert_eq!(turn.first(), Some("a skip"));
        assert!(turn.waits());
        turn.clear();
        assert!(turn.is_empty() && !turn.waits());
        assert_eq!(turn.frame(1).len(), HEADER);
    }

    /// A frame cut short, damaged or zeroed does not read; frames read on
    /// one after the other.
    #[test]
    fn only_whole_sound_frames_read() {
        let records = every_record();
        let mut bytes = framed(1, &records[..2]);
        let first = bytes.len();
        bytes.extend(framed(2, &records[2..]));
        let f = frame(&bytes).unwrap();
        assert_eq!((f.n, f.len), (1, first));
        assert_eq!(frame(&bytes[first..]).unwrap().n, 2);
        for cut in [0, 3, 8, HEADER, bytes.len() - 1] {
            assert!(frame(&bytes[first..][..cut.min(bytes.len() - first - 1)]).is_none());
        }
        let mut damaged = bytes.clone();
        damaged[first + HEADER + 2] ^= 0x20;
        assert!(frame(&damaged[first..]).is_none());
        assert!(frame(&[0; 64]).is_none());
        // Garbage with a sound frame around it reads as no records.
        let mut junk = Turn::default();
        junk.buf.extend([0xff; 5]);
        let junk = junk.frame(3).to_vec();
        let f = frame(&junk).unwrap();
        assert!(super::records(f.records, &mut Vec::new()).is_none());
    }

    mod properties {
        use super::super::*;
        use crate::record::{Key, Outcome};
        use proptest::prelude::*;

        proptest! {
            #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

            /// Whatever bytes a journal holds (a crash, a disk gone bad),
            /// reading it stops or reads records; it never panics.
            #[test]
            fn any_bytes_read_without_panic(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
                let mut rest = &bytes[..];
                while let Some(f) = frame(rest) {
                    let _ = records(f.records, &mut Vec::new());
                    rest = &rest[f.len..];
                }
                // The same bytes inside a sound frame: the records may not read.
                let mut turn = Turn::default();
                turn.buf.extend(&bytes);
                let framed = turn.frame(1).to_vec();
                let f = frame(&framed).expect("a whole frame");
                let _ = records(f.records, &mut Vec::new());
            }

            /// Any names, errors and numbers read back as written.
            #[test]
            fn records_round_trip(
                name in ".*", error in proptest::option::of(".*"), at in any::<i64>(),
                code in proptest::option::of(any::<i64>()), n in any::<u64>(),
            ) {
                let key = Key { graph: "rollback", rollback_of: &name, name: &name };
                let written = [
                    Record::Waiting { key, why: &name, at },
                    Record::AttemptEnded {
                        key, attempt: 7, status: "failed",
                        outcome: Outcome {
                            duration_ms: at, exit_code: code,
                            error: error.as_deref(), outputs: error.as_deref(),
                        },
                        at,
                    },
                ];
                let bytes = Turn::of(&written).frame(n).to_vec();
                let f = frame(&bytes).expect("a whole frame");
                prop_assert_eq!(f.n, n);
                let mut read = Vec::new();
                prop_assert!(records(f.records, &mut read).is_some());
                prop_assert_eq!(&read[..], &written[..]);
            }
        }
    }
}

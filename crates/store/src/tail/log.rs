//! A run tail's step logs: where an attempt's lines start, and each open
//! log read on from where the stream stands, within a budget of bytes a
//! poll ([`POLL_BYTES`], every open log together). A poll so costs the
//! same memory whatever the log or the client's `Last-Event-ID`: a step
//! that printed 300 MB goes out over many polls, each going on where the
//! last stopped (mid-line, for a line longer than the budget; a line is
//! sent cut at [`LINE_CAP`], as the API's log pages cut it).

use super::{Out, RunTail};
use crate::logs::read::{line_text, Chain, LINE_CAP};
use crate::logs::{header_key, Source};
use serde_json::json;
use std::io::{BufRead, Read, Seek, SeekFrom};

/// The most bytes of step logs one poll reads, its open logs together.
pub const POLL_BYTES: usize = 256 * 1024;

/// Bytes read at once from a log.
pub(super) const CHUNK: usize = 64 * 1024;

/// The longest line [`RunTail::start_of`] compares with a header: a
/// header is under 100 bytes.
const HEADER_MAX: usize = 160;

/// What tells an attempt's header line apart: its number and start time
/// (see [`header_key`]).
pub(super) type Key = (u32, String);

/// A step whose log is open: started, not ended.
pub(super) struct Open {
    /// The bytes of its log delivered: the start of a line.
    pub offset: u64,
    /// The header lines of its attempts started so far.
    pub headers: Vec<Key>,
    /// A line that a poll's budget ended in, read on from there.
    partial: Option<Partial>,
    /// The attempt (its number in its session) whose lines are being read:
    /// each `log` event says which attempt printed it.
    attempt: u32,
    /// The bytes of the log's `.err` file read, and the stderr lines'
    /// starts read from it not yet passed (see [`Open::stderr_until`]).
    err_pos: u64,
    err_next: std::collections::VecDeque<u64>,
}

/// A line read in part.
struct Partial {
    /// Where the reading stands.
    at: u64,
    /// The line's first bytes (up to [`LINE_CAP`] + 1).
    kept: Vec<u8>,
    /// Its bytes read so far.
    len: u64,
}

/// What a line shaped like an attempt's header is.
enum Header {
    /// The header of an attempt started so far.
    Known,
    /// One of an attempt started after them, not read yet.
    Later,
    /// Neither: it names a time no later than the last attempt's start,
    /// and no attempt then. The step's own output.
    Printed,
}

impl Open {
    pub fn new(offset: u64, header: Key) -> Open {
        Open {
            offset,
            attempt: header.0,
            headers: vec![header],
            partial: None,
            err_pos: 0,
            err_next: Default::default(),
        }
    }

    /// Reads the starts of stderr lines from `log`'s `.err` file up to the
    /// first at or past `end` (kept for the next poll): what a poll holds
    /// is the lines it sends, however much the step wrote on stderr.
    fn stderr_until(&mut self, log: &Source, chain: &Chain, from: u64, end: u64) {
        if self.err_next.back().is_some_and(|&b| b >= end) {
            return;
        }
        let log = match log {
            Source::File(path) => path,
            // Chunks are read by range: the lines sent now, in one query.
            Source::Chunks { .. } => {
                let mut starts: Vec<u64> = chain.stderr_in(from, end).into_iter().collect();
                starts.sort_unstable();
                self.err_next = starts.into();
                return;
            }
        };
        let mut err = log.as_os_str().to_owned();
        err.push(crate::logs::ERR);
        let Ok(mut f) = std::fs::File::open(&err) else {
            return;
        };
        if f.seek(SeekFrom::Start(self.err_pos)).is_err() {
            return;
        }
        let mut r = std::io::BufReader::new(f);
        let mut line = String::new();
        loop {
            line.clear();
            match r.read_line(&mut line) {
                Ok(n) if n > 0 && line.ends_with('\n') => {
                    self.err_pos += n as u64;
                    if let Ok(at) = line.trim().parse::<u64>() {
                        self.err_next.push_back(at);
                        if at >= end {
                            return;
                        }
                    }
                }
                // The end, or a line still being written.
                _ => return,
            }
        }
    }

    /// Whether the line starting at `start` came from stderr (lines asked
    /// in order).
    fn is_stderr(&mut self, start: u64) -> bool {
        while self.err_next.front().is_some_and(|&f| f < start) {
            self.err_next.pop_front();
        }
        self.err_next.front() == Some(&start)
    }

    /// What the header line of attempt `n` started at `time` is. (Times
    /// are written alike, to the millisecond: compared as text.)
    fn header(&self, n: u32, time: &str) -> Header {
        if self.headers.iter().any(|h| h.0 == n && h.1 == time) {
            Header::Known
        } else if self.headers.iter().all(|h| time > h.1.as_str()) {
            Header::Later
        } else {
            Header::Printed
        }
    }
}

impl RunTail {
    /// Sends the complete lines of step `step`'s log past its offset,
    /// reading at most `budget` bytes (and taking them from it). Whether
    /// it read all there was: `false` when the budget ran out first.
    pub(super) fn read_log(&mut self, step: i64, budget: &mut usize, out: &mut Vec<Out>) -> bool {
        let Some((name, source)) = self.step_file(step) else {
            return true;
        };
        let Some(open) = self.open.get_mut(&step) else {
            return true;
        };
        let Ok(mut f) = Chain::open(std::slice::from_ref(&source)) else {
            return true;
        };
        let len = f.len();
        let start = open.partial.as_ref().map_or(open.offset, |p| p.at);
        if start >= len {
            return true;
        }
        if f.seek(SeekFrom::Start(start)).is_err() {
            return true;
        }
        let (mut kept, mut line_len) = match open.partial.take() {
            Some(p) => (p.kept, p.len),
            None => (Vec::new(), 0),
        };
        let want = (len - start).min(*budget as u64);
        let mut r = (&mut f).take(want);
        let mut buf = vec![0u8; CHUNK.min(want as usize).max(1)];
        let mut at = start;
        let mut lines = Vec::new();
        let mut stopped = false;
        'read: loop {
            let got = match r.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            *budget = budget.saturating_sub(got);
            let mut rest = &buf[..got];
            while !rest.is_empty() {
                let nl = rest.iter().position(|&b| b == b'\n');
                let piece = &rest[..nl.unwrap_or(rest.len())];
                if kept.len() <= LINE_CAP {
                    let room = LINE_CAP + 1 - kept.len();
                    kept.extend_from_slice(&piece[..piece.len().min(room)]);
                }
                line_len += piece.len() as u64;
                at += piece.len() as u64;
                let Some(nl) = nl else { break };
                at += 1;
                rest = &rest[nl + 1..];
                let line_start = at - line_len - 1;
                let (text, _) = line_text(&kept, line_len);
                kept.clear();
                line_len = 0;
                match header_key(&text).map(|(n, time)| (n, open.header(n, time))) {
                    // An attempt's header: not sent; the lines after it are its.
                    Some((n, Header::Known)) => open.attempt = n,
                    // One of an attempt whose start is not read yet (a
                    // later session's): the reading stops before it.
                    Some((_, Header::Later)) => {
                        stopped = true;
                        break 'read;
                    }
                    // The step printed a line like a header: a line.
                    Some((_, Header::Printed)) | None => {
                        lines.push((line_start, at, text, open.attempt))
                    }
                }
                open.offset = at;
            }
        }
        if !stopped && line_len > 0 {
            open.partial = Some(Partial {
                at,
                kept,
                len: line_len,
            });
        }
        let drained = stopped || at >= len;
        if let (Some(&(from, ..)), Some(&(_, end, _, _))) = (lines.first(), lines.last()) {
            open.stderr_until(&source, &f, from, end);
        }
        let streams: Vec<bool> = lines.iter().map(|l| open.is_stderr(l.0)).collect();
        for ((_, end, line, attempt), err) in lines.into_iter().zip(streams) {
            self.cursor.open.insert(step, end);
            let stream = if err { "stderr" } else { "stdout" };
            let data = json!({ "run": self.run, "step": name, "attempt": attempt, "line": line, "stream": stream });
            out.push(Out {
                id: self.cursor.to_string(),
                seq: self.cursor.seq,
                event: "log".into(),
                data,
            });
        }
        drained
    }

    /// The end of the last complete line of step `step`'s log (read
    /// backwards from its end a chunk at a time).
    pub(super) fn complete_end(&self, step: i64) -> u64 {
        let Some(mut f) = self.log_file(step).and_then(|p| Chain::open(&[p]).ok()) else {
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
    pub(super) fn start_of(&self, step: i64, key: &Key) -> u64 {
        let Some(f) = self.log_file(step).and_then(|p| Chain::open(&[p]).ok()) else {
            return 0;
        };
        let mut r = std::io::BufReader::with_capacity(CHUNK, f);
        // The current line's start, its first bytes and its length.
        let mut at = 0u64;
        let mut line: Vec<u8> = Vec::with_capacity(HEADER_MAX + 1);
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
                let room = (HEADER_MAX + 1).saturating_sub(line.len());
                line.extend_from_slice(&piece[..piece.len().min(room)]);
                len += piece.len() as u64;
                let Some(nl) = nl else { break };
                let found = len <= HEADER_MAX as u64
                    && std::str::from_utf8(&line)
                        .ok()
                        .and_then(header_key)
                        .is_some_and(|(n, time)| n == key.0 && time == key.1);
                if found {
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
}

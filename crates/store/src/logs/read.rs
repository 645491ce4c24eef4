//! Step logs read back with bounded memory, however big the file: the last
//! N lines ([`tail`], read backwards from the end in [`CHUNK`]s), the last N
//! before an offset ([`tail_before`], to page backwards) or N lines from an
//! offset on ([`page`]). A line longer than [`LINE_CAP`] bytes is cut
//! there, with a marker saying its length, and an answer holds at most the
//! bytes asked for: one 100 MB line costs a chunk and a cap, not 100 MB.
//! (A whole log served as it is never needs lines: it is copied a chunk at a
//! time, see [`Chain`].)
//!
//! Lines are split at `\n`; a `\r` before it is dropped, and bytes that are
//! not UTF-8 are shown as `�`. A last line without its `\n` is a line.
//! Offsets are bytes of the file (of the files of a step, one after the
//! other, for [`Chain`]): an answer's `end` is where the next page starts.

use std::io::{self, Read, Seek, SeekFrom};

/// What is read at once, backwards or forwards.
pub const CHUNK: usize = 64 * 1024;

/// The longest line shown, in bytes; a longer one is cut there.
pub const LINE_CAP: usize = 16 * 1024;

/// Lines of a log and where they stand in it.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Lines {
    pub lines: Vec<String>,
    /// Where each line starts (to tell stderr's, see [`Chain::stderr_in`]).
    pub offsets: Vec<u64>,
    /// The offset of the first line.
    pub start: u64,
    /// The offset after the last line: where the next page starts.
    pub end: u64,
}

impl Lines {
    /// The lines as text, each ending in `\n`.
    pub fn text(&self) -> String {
        let mut s = String::with_capacity(self.lines.iter().map(|l| l.len() + 1).sum());
        for l in &self.lines {
            s.push_str(l);
            s.push('\n');
        }
        s
    }
}

/// The marker after a cut line's first [`LINE_CAP`] bytes.
fn cut_marker(len: u64) -> String {
    format!(" … [line of {len} bytes cut]")
}

/// The bytes a line of `len` bytes (without its `\n`) takes in an answer.
fn shown_len(len: u64) -> usize {
    if len > LINE_CAP as u64 {
        LINE_CAP + cut_marker(len).len()
    } else {
        len as usize
    }
}

/// A line as text, from its first bytes `kept` (all of them up to
/// [`LINE_CAP`] + 1) and its length `len` (without its `\n`): a `\r` at
/// its end dropped, cut at the cap (on a character's boundary) with a
/// marker when longer; and the bytes it takes in an answer.
pub(crate) fn line_text(kept: &[u8], len: u64) -> (String, usize) {
    let cr = len <= LINE_CAP as u64 + 1 && kept.last() == Some(&b'\r');
    let len = len - u64::from(cr);
    let cut = len > LINE_CAP as u64;
    let kept = if cut {
        let mut at = LINE_CAP.min(kept.len());
        // Back to a UTF-8 character's first byte (at most 3 steps).
        while at > 0 && at < kept.len() && kept[at] & 0xC0 == 0x80 && LINE_CAP - at < 3 {
            at -= 1;
        }
        &kept[..at]
    } else {
        &kept[..len as usize]
    };
    let mut s = String::from_utf8_lossy(kept).into_owned();
    if cut {
        s.push_str(&cut_marker(len));
    }
    (s, shown_len(len))
}

/// At most `n` lines from offset `from` on (an offset at the start of a
/// line: 0 or just after a `\n`, else `InvalidInput`), taking at most
/// `max_bytes` of text (at least one line, which is at most a cap).
pub fn page<R: Read + Seek>(r: &mut R, from: u64, n: usize, max_bytes: usize) -> io::Result<Lines> {
    let len = r.seek(SeekFrom::End(0))?;
    let mut out = Lines {
        lines: Vec::new(),
        offsets: Vec::new(),
        start: from.min(len),
        end: from.min(len),
    };
    if from >= len || n == 0 {
        return Ok(out);
    }
    if from > 0 {
        r.seek(SeekFrom::Start(from - 1))?;
        let mut b = [0u8; 1];
        r.read_exact(&mut b)?;
        if b[0] != b'\n' {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("offset {from} is not the start of a line"),
            ));
        }
    } else {
        r.seek(SeekFrom::Start(0))?;
    }
    let mut r = r.take(len - from);
    let mut buf = vec![0u8; CHUNK];
    // The line being read: its first bytes (up to the cap) and its length.
    let mut kept: Vec<u8> = Vec::new();
    let mut line_len: u64 = 0;
    let mut at = from;
    let mut bytes = 0usize;
    loop {
        let got = r.read(&mut buf)?;
        if got == 0 {
            break;
        }
        let mut rest = &buf[..got];
        while !rest.is_empty() {
            let nl = rest.iter().position(|&b| b == b'\n');
            let piece = &rest[..nl.unwrap_or(rest.len())];
            if kept.len() < LINE_CAP + 1 {
                let room = LINE_CAP + 1 - kept.len();
                kept.extend_from_slice(&piece[..piece.len().min(room)]);
            }
            line_len += piece.len() as u64;
            let Some(nl) = nl else { break };
            rest = &rest[nl + 1..];
            let line_at = at;
            at += line_len + 1;
            let (text, shown) = line_text(&kept, line_len);
            if !out.lines.is_empty() && bytes + shown > max_bytes {
                return Ok(out);
            }
            bytes += shown;
            out.lines.push(text);
            out.offsets.push(line_at);
            out.end = at;
            kept.clear();
            line_len = 0;
            if out.lines.len() == n {
                return Ok(out);
            }
        }
    }
    // A last line without its `\n`.
    if line_len > 0 {
        let (text, shown) = line_text(&kept, line_len);
        if out.lines.is_empty() || bytes + shown <= max_bytes {
            out.lines.push(text);
            out.offsets.push(at);
            out.end = at + line_len;
        }
    }
    Ok(out)
}

/// The last `n` lines, taking at most `max_bytes` of text (at least one
/// line): found reading backwards from the end a [`CHUNK`] at a time, then
/// read as a [`page`]. Its `end` is the end of the file.
pub fn tail<R: Read + Seek>(r: &mut R, n: usize, max_bytes: usize) -> io::Result<Lines> {
    let len = r.seek(SeekFrom::End(0))?;
    let start = tail_start(r, len, n, max_bytes)?;
    page(r, start, n, max_bytes)
}

/// The last `n` lines before offset `end` (0, the log's length, or the
/// start of a line, as an answer's `start` is; else `InvalidInput`), in at
/// most `max_bytes` of text: a tail of the log as it stood there, so an
/// answer's `start` pages backwards.
pub fn tail_before(chain: Chain, end: u64, n: usize, max_bytes: usize) -> io::Result<Lines> {
    let len = chain.len();
    if end > len {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("offset {end} is past the log's end ({len})"),
        ));
    }
    let mut chain = chain;
    if end > 0 && end < len {
        chain.seek(SeekFrom::Start(end - 1))?;
        let mut b = [0u8; 1];
        chain.read_exact(&mut b)?;
        if b[0] != b'\n' {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("offset {end} is not the start of a line"),
            ));
        }
    }
    tail(&mut chain.up_to(end), n, max_bytes)
}

/// Where the last `n` lines (of at most `max_bytes` shown) start.
fn tail_start<R: Read + Seek>(r: &mut R, len: u64, n: usize, max_bytes: usize) -> io::Result<u64> {
    if len == 0 || n == 0 {
        return Ok(len);
    }
    let mut buf = vec![0u8; CHUNK];
    // The end of the line being looked at (before its `\n`), where the
    // reading stands, and the lines taken so far with their bytes.
    let mut pos = len;
    let mut line_end: Option<u64> = None;
    let mut start = len;
    let mut count = 0usize;
    let mut bytes = 0usize;
    while pos > 0 {
        let size = (pos as usize).min(CHUNK) as u64;
        pos -= size;
        r.seek(SeekFrom::Start(pos))?;
        let chunk = &mut buf[..size as usize];
        r.read_exact(chunk)?;
        for i in (0..chunk.len()).rev() {
            if chunk[i] != b'\n' {
                continue;
            }
            let at = pos + i as u64;
            match line_end {
                // The file's last `\n`: the last line ends here.
                None if at + 1 == len => {}
                None => {
                    // The last line has no `\n`: it runs from here to the end.
                    if !take(len - at - 1, &mut count, &mut bytes, max_bytes) {
                        return Ok(start);
                    }
                    start = at + 1;
                }
                Some(end) => {
                    if !take(end - at - 1, &mut count, &mut bytes, max_bytes) {
                        return Ok(start);
                    }
                    start = at + 1;
                }
            }
            if count == n {
                return Ok(start);
            }
            line_end = Some(at);
        }
    }
    // The first line, from the file's start.
    let first = line_end.unwrap_or(len);
    if take(first, &mut count, &mut bytes, max_bytes) {
        start = 0;
    }
    Ok(start)
}

/// Takes a line of `len` bytes (a `\r` before its `\n` counted: at most a
/// byte over) if it fits in `max_bytes` or is the first.
fn take(len: u64, count: &mut usize, bytes: &mut usize, max_bytes: usize) -> bool {
    let shown = shown_len(len);
    if *count > 0 && *bytes + shown > max_bytes {
        return false;
    }
    *count += 1;
    *bytes += shown;
    true
}

pub use super::chain::Chain;

#[cfg(test)]
mod tests;

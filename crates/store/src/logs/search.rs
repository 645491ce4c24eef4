//! A step's whole log searched on the server, streaming: read a [`CHUNK`]
//! at a time from a cursor (a line's number and byte offset, so the next
//! page starts where the last stopped without counting again), at most
//! `limit` matches and a [`Budget`] of bytes and time a call: memory is a
//! chunk, a line's first [`LINE_CAP`] bytes and the matches, whatever the
//! log's size. A line is matched without its escape sequences (a coloured
//! `ERROR` is found) and up to its cap; lines are numbered from 1.

use super::read::{line_text, CHUNK, LINE_CAP};
use std::io::{self, Read, Seek, SeekFrom};
use std::time::{Duration, Instant};

/// The longest pattern taken, in bytes.
pub const MAX_PATTERN: usize = 1024;
/// What a compiled regex may take (`regex`'s `size_limit`): a pattern
/// that compiles bigger is refused, not built.
pub const REGEX_SIZE: usize = 1 << 20;
/// What "first error" looks for (the run page's viewer uses the same words).
pub const ERROR_WORDS: &str =
    r"\b(error|errors|fail|failed|failure|fatal|panic|panicked|exception|traceback)\b";

/// What a search looks for in each line.
pub enum Pattern {
    /// A substring; `fold`: ASCII letters match either case.
    Plain {
        finder: Box<memchr::memmem::Finder<'static>>,
        fold: bool,
    },
    Regex(regex::bytes::Regex),
}

/// Why a pattern is refused.
#[derive(Debug, PartialEq, Eq)]
pub enum PatternError {
    Empty,
    TooLong(usize),
    /// Not a regex, or one over [`REGEX_SIZE`]: the `regex` crate's words.
    Bad(String),
}

impl std::fmt::Display for PatternError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PatternError::Empty => write!(f, "the search pattern is empty"),
            PatternError::TooLong(n) => write!(
                f,
                "the search pattern has {n} bytes; at most {MAX_PATTERN} are taken"
            ),
            PatternError::Bad(e) => write!(f, "the search pattern is not a usable regex: {e}"),
        }
    }
}

impl Pattern {
    /// `q` as a substring, or as a regex when `regex`; `fold`: either case.
    pub fn new(q: &str, regex: bool, fold: bool) -> Result<Pattern, PatternError> {
        if q.is_empty() {
            return Err(PatternError::Empty);
        }
        if q.len() > MAX_PATTERN {
            return Err(PatternError::TooLong(q.len()));
        }
        if regex {
            return Pattern::regex(q, fold);
        }
        let needle = if fold {
            q.to_ascii_lowercase()
        } else {
            q.to_owned()
        };
        Ok(Pattern::Plain {
            finder: Box::new(memchr::memmem::Finder::new(needle.as_bytes()).into_owned()),
            fold,
        })
    }

    fn regex(q: &str, fold: bool) -> Result<Pattern, PatternError> {
        regex::bytes::RegexBuilder::new(q)
            .case_insensitive(fold)
            .size_limit(REGEX_SIZE)
            .dfa_size_limit(REGEX_SIZE)
            .build()
            .map(Pattern::Regex)
            .map_err(|e| PatternError::Bad(e.to_string()))
    }

    /// The lines "first error" looks for.
    pub fn errors() -> Pattern {
        Pattern::regex(ERROR_WORDS, true).expect("the error words compile")
    }

    /// Whether `line` (its escapes out already) matches; `buf` is scratch.
    fn is_match(&self, line: &[u8], buf: &mut Vec<u8>) -> bool {
        match self {
            Pattern::Plain { finder, fold: true } => {
                buf.clear();
                buf.extend(line.iter().map(u8::to_ascii_lowercase));
                finder.find(buf).is_some()
            }
            Pattern::Plain { finder, .. } => finder.find(line).is_some(),
            Pattern::Regex(re) => re.is_match(line),
        }
    }
}

/// `line` without its escape sequences (`ESC [ … final`, `ESC x`), in
/// `buf`; `line` itself when it has none (most lines).
fn plain<'a>(line: &'a [u8], buf: &'a mut Vec<u8>) -> &'a [u8] {
    if memchr::memchr(0x1b, line).is_none() {
        return line;
    }
    buf.clear();
    let mut i = 0;
    while i < line.len() {
        if line[i] != 0x1b {
            buf.push(line[i]);
            i += 1;
        } else if line.get(i + 1) == Some(&b'[') {
            i += 2;
            while i < line.len() && !(0x40..=0x7e).contains(&line[i]) {
                i += 1;
            }
            i += 1;
        } else {
            i += 2;
        }
    }
    buf
}

/// Where a search stands: line `line` (from 1) starts at byte `offset`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cursor {
    pub line: u64,
    pub offset: u64,
}

impl Cursor {
    pub const START: Cursor = Cursor { line: 1, offset: 0 };

    /// `LINE-OFFSET`, as [`Cursor`]'s `Display` writes it.
    pub fn parse(text: &str) -> Option<Cursor> {
        let (line, offset) = text.split_once('-')?;
        let line = line.parse().ok().filter(|&l| l >= 1)?;
        Some(Cursor {
            line,
            offset: offset.parse().ok()?,
        })
    }
}

impl std::fmt::Display for Cursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}-{}", self.line, self.offset)
    }
}

/// A call's share of the work: it stops past this many bytes read or this
/// much time (at a line's end; at least one line a call), answering where
/// to go on.
#[derive(Clone, Copy, Debug)]
pub struct Budget {
    pub bytes: u64,
    pub time: Duration,
}

impl Default for Budget {
    /// 256 MiB or 2 s: a 20k-line log whole, many times over.
    fn default() -> Budget {
        Budget {
            bytes: 256 << 20,
            time: Duration::from_secs(2),
        }
    }
}

/// A line that matched.
#[derive(Debug, PartialEq, Eq)]
pub struct Match {
    /// Its number, from 1.
    pub line: u64,
    /// Where it starts.
    pub offset: u64,
    /// Its text as a page shows it (cut at [`LINE_CAP`], escapes kept).
    pub text: String,
}

/// A page of matches and where the next starts (`None`: the log's end).
#[derive(Debug, Default)]
pub struct Found {
    pub matches: Vec<Match>,
    pub next: Option<Cursor>,
    /// The bytes read.
    pub scanned: u64,
}

fn not_a_line(offset: u64) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("offset {offset} is not the start of a line"),
    )
}

/// Seeks `r` to `offset`, which must start a line (0 or after a `\n`).
fn seek_line_start<R: Read + Seek>(r: &mut R, offset: u64) -> io::Result<()> {
    if offset > 0 {
        r.seek(SeekFrom::Start(offset - 1))?;
        let mut b = [0u8; 1];
        r.read_exact(&mut b).map_err(|_| not_a_line(offset))?;
        if b[0] != b'\n' {
            return Err(not_a_line(offset));
        }
    } else {
        r.seek(SeekFrom::Start(0))?;
    }
    Ok(())
}

/// At most `limit` lines matching `pattern` from `from` on, within `budget`.
pub fn search<R: Read + Seek>(
    r: &mut R,
    from: Cursor,
    pattern: &Pattern,
    limit: usize,
    budget: Budget,
) -> io::Result<Found> {
    let len = r.seek(SeekFrom::End(0))?;
    let mut found = Found::default();
    if from.offset >= len {
        return Ok(found);
    }
    seek_line_start(r, from.offset)?;
    let started = Instant::now();
    let mut r = r.take(len - from.offset);
    let mut buf = vec![0u8; CHUNK];
    let (mut kept, mut scratch, mut folded) = (Vec::new(), Vec::new(), Vec::new());
    let mut line_len = 0u64;
    let mut at = Cursor { ..from };
    let mut check = |kept: &[u8], line_len: u64, at: Cursor, found: &mut Found| {
        let cr = kept.last() == Some(&b'\r') && line_len as usize == kept.len();
        let text = &kept[..kept.len() - usize::from(cr)];
        if pattern.is_match(plain(text, &mut scratch), &mut folded) {
            found.matches.push(Match {
                line: at.line,
                offset: at.offset,
                text: line_text(kept, line_len).0,
            });
        }
    };
    loop {
        let got = r.read(&mut buf)?;
        if got == 0 {
            break;
        }
        found.scanned += got as u64;
        let mut rest = &buf[..got];
        while !rest.is_empty() {
            let nl = memchr::memchr(b'\n', rest);
            let piece = &rest[..nl.unwrap_or(rest.len())];
            if kept.len() <= LINE_CAP {
                let room = LINE_CAP + 1 - kept.len();
                kept.extend_from_slice(&piece[..piece.len().min(room)]);
            }
            line_len += piece.len() as u64;
            let Some(nl) = nl else { break };
            rest = &rest[nl + 1..];
            check(&kept, line_len, at, &mut found);
            at = Cursor {
                line: at.line + 1,
                offset: at.offset + line_len + 1,
            };
            kept.clear();
            line_len = 0;
            if found.matches.len() >= limit {
                found.next = (at.offset < len).then_some(at);
                return Ok(found);
            }
        }
        let spent = found.scanned >= budget.bytes || started.elapsed() >= budget.time;
        if spent && at.offset > from.offset {
            // Stopped at the start of the line being read: the next call reads it again.
            found.next = Some(at);
            return Ok(found);
        }
    }
    if line_len > 0 {
        check(&kept, line_len, at, &mut found);
    }
    Ok(found)
}

/// Where line `line` (from 1) starts, counting from `from` (a line's
/// start, as a search's cursor); `None` past the log's last line.
pub fn line_start<R: Read + Seek>(r: &mut R, from: Cursor, line: u64) -> io::Result<Option<u64>> {
    let len = r.seek(SeekFrom::End(0))?;
    if line < from.line {
        return line_start(r, Cursor::START, line);
    }
    if line == from.line {
        return Ok((from.offset < len || from.offset == 0 && len == 0).then_some(from.offset));
    }
    seek_line_start(r, from.offset.min(len))?;
    let mut buf = vec![0u8; CHUNK];
    let (mut at, mut n) = (from.offset, from.line);
    loop {
        let got = r.read(&mut buf)?;
        if got == 0 {
            return Ok(None);
        }
        for nl in memchr::memchr_iter(b'\n', &buf[..got]) {
            n += 1;
            if n == line {
                let start = at + nl as u64 + 1;
                return Ok((start < len).then_some(start));
            }
        }
        at += got as u64;
    }
}

/// The number of the line starting at `offset` (a line's start), if it
/// is found within the first `max` bytes: the lines before it counted.
pub fn line_at<R: Read + Seek>(r: &mut R, offset: u64, max: u64) -> io::Result<Option<u64>> {
    if offset > max {
        return Ok(None);
    }
    r.seek(SeekFrom::Start(0))?;
    let mut r = r.take(offset);
    let mut buf = vec![0u8; CHUNK];
    let mut n = 1;
    loop {
        let got = r.read(&mut buf)?;
        if got == 0 {
            return Ok(Some(n));
        }
        n += memchr::memchr_iter(b'\n', &buf[..got]).count() as u64;
    }
}

#[cfg(test)]
mod tests;

//! What happens to a step's output bytes: live lines and a capped capture.
//!
//! An [`OutputPipe`] takes the raw bytes of one stream (stdout or stderr) in
//! whatever chunks they arrive and
//!
//! - masks secrets across chunk boundaries ([`crate::mask::StreamMasker`])
//!   and cuts the masked text into lines for the live [`LineSink`] (a trailing
//!   `\r` is dropped; a line longer than [`MAX_LINE`] bytes is delivered in
//!   pieces; invalid UTF-8 is replaced);
//! - captures the *unmasked* bytes for the step's `stdout` / `stderr` outputs,
//!   keeping only the last `cap` bytes ([`super::DEFAULT_CAPTURE_CAP`] by
//!   default) and counting what was dropped.
//!
//! It also parses the `WF_OUTPUTS` file steps write their declared outputs to.

use super::{Captured, LineSink, Stream};
use crate::mask::{Masker, StreamMasker};
use std::collections::BTreeMap;

/// A line longer than this many bytes is delivered to the sink in pieces.
pub const MAX_LINE: usize = 64 * 1024;

/// One stream's output handling; see the module docs.
pub struct OutputPipe {
    stream: Stream,
    sink: Option<LineSink>,
    masker: StreamMasker,
    line: Vec<u8>,
    capture: Vec<u8>,
    cap: usize,
    dropped: u64,
    /// The last non-empty line, masked (for error messages).
    last_line: String,
}

impl OutputPipe {
    pub fn new(stream: Stream, sink: Option<LineSink>, masker: &Masker, cap: usize) -> Self {
        OutputPipe {
            stream,
            sink,
            masker: masker.stream(),
            line: Vec::new(),
            capture: Vec::new(),
            cap,
            dropped: 0,
            last_line: String::new(),
        }
    }

    /// Feeds a chunk of raw output.
    pub fn feed(&mut self, chunk: &[u8]) {
        self.capture.extend_from_slice(chunk);
        if self.capture.len() > self.cap.saturating_mul(2).max(64 * 1024) {
            self.trim_capture();
        }
        let masked = self.masker.push(chunk);
        self.lines(&masked);
    }

    /// Ends the stream: flushes held-back text and the last partial line.
    pub fn finish(mut self) -> (Captured, String) {
        let rest = std::mem::replace(&mut self.masker, Masker::default().stream()).finish();
        self.lines(&rest);
        if !self.line.is_empty() {
            self.emit_line();
        }
        self.trim_capture();
        let mut start = 0;
        if self.dropped > 0 {
            // Do not begin in the middle of a UTF-8 sequence.
            while start < self.capture.len().min(3) && (self.capture[start] & 0xC0) == 0x80 {
                start += 1;
            }
        }
        let captured = Captured {
            text: String::from_utf8_lossy(&self.capture[start..]).into_owned(),
            dropped: self.dropped + start as u64,
        };
        (captured, self.last_line)
    }

    fn trim_capture(&mut self) {
        if self.capture.len() > self.cap {
            let excess = self.capture.len() - self.cap;
            self.capture.drain(..excess);
            self.dropped += excess as u64;
        }
    }

    fn lines(&mut self, bytes: &[u8]) {
        for &b in bytes {
            if b == b'\n' {
                self.emit_line();
            } else {
                self.line.push(b);
                if self.line.len() >= MAX_LINE {
                    self.emit_line();
                }
            }
        }
    }

    fn emit_line(&mut self) {
        if self.line.last() == Some(&b'\r') {
            self.line.pop();
        }
        let text = String::from_utf8_lossy(&self.line);
        if !text.trim().is_empty() {
            self.last_line = text.trim().to_owned();
        }
        if let Some(sink) = &self.sink {
            sink(self.stream, &text);
        }
        self.line.clear();
    }
}

/// Parses a `WF_OUTPUTS` file: `name=value` lines, and GitHub-style
/// multi-line values (`name<<DELIM`, the lines, then `DELIM` alone on a line).
/// Blank lines are ignored; a later value of a name replaces an earlier one.
pub fn parse_outputs(text: &str) -> Result<BTreeMap<String, String>, String> {
    let mut out = BTreeMap::new();
    let mut lines = text.lines().enumerate();
    while let Some((i, line)) = lines.next() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.trim().is_empty() {
            continue;
        }
        let bad = |why: &str| {
            let shown: String = line.chars().take(60).collect();
            format!("WF_OUTPUTS line {}: {why}, found `{shown}`", i + 1)
        };
        let (name, value) = match (line.find('='), line.find("<<")) {
            (Some(eq), Some(hd)) if hd < eq => (&line[..hd], multi(&mut lines, &line[hd + 2..])),
            (Some(eq), _) => (&line[..eq], Ok(line[eq + 1..].to_owned())),
            (None, Some(hd)) => (&line[..hd], multi(&mut lines, &line[hd + 2..])),
            (None, None) => return Err(bad("expected `name=value` or `name<<DELIMITER`")),
        };
        let name = name.trim();
        if !is_output_name(name) {
            return Err(bad(
                "an output name must be a letter or `_` then letters, digits, `_` or `-`",
            ));
        }
        let value =
            value.map_err(|d| bad(&format!("no closing `{d}` line for a multi-line value")))?;
        out.insert(name.to_owned(), value);
    }
    Ok(out)
}

fn multi<'a>(
    lines: &mut impl Iterator<Item = (usize, &'a str)>,
    delim: &str,
) -> Result<String, String> {
    let delim = delim.trim();
    let mut value: Vec<&str> = Vec::new();
    for (_, l) in lines {
        let l = l.strip_suffix('\r').unwrap_or(l);
        if l == delim {
            return Ok(value.join("\n"));
        }
        value.push(l);
    }
    Err(delim.to_owned())
}

fn is_output_name(s: &str) -> bool {
    let mut cs = s.chars();
    matches!(cs.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && cs.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    #[test]
    fn lines_masking_and_tail_capture() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let s2 = seen.clone();
        let sink: LineSink =
            Arc::new(move |st, l: &str| s2.lock().unwrap().push((st, l.to_owned())));
        let mut p = OutputPipe::new(Stream::Stdout, Some(sink), &Masker::new(["tok3n"]), 10);
        p.feed(b"a tok");
        p.feed(b"3n here\r\nsecond line\npartial");
        let (cap, last) = p.finish();
        let seen = seen.lock().unwrap();
        let lines: Vec<&str> = seen.iter().map(|(_, l)| l.as_str()).collect();
        assert_eq!(lines, ["a *** here", "second line", "partial"]);
        assert_eq!(last, "partial");
        assert_eq!(cap.text, "ne\npartial");
        assert_eq!(cap.dropped, "a tok3n here\r\nsecond li".len() as u64);
    }

    #[test]
    fn capture_does_not_start_mid_character() {
        let mut p = OutputPipe::new(Stream::Stderr, None, &Masker::default(), 3);
        p.feed("ééé".as_bytes()); // 6 bytes; the last 3 start mid-character
        let (cap, _) = p.finish();
        assert_eq!(cap.text, "é");
        assert_eq!(cap.dropped, 4);
    }

    #[test]
    fn outputs_file() {
        let o = parse_outputs("a=1\n\nb = x=y\nnotes<<EOF\nl1\nl2\nEOF\na=2\r\n").unwrap();
        assert_eq!(o["a"], "2");
        assert_eq!(o["b"], " x=y");
        assert_eq!(o["notes"], "l1\nl2");
        let e = parse_outputs("ok=1\njust text\n").unwrap_err();
        assert!(e.contains("line 2") && e.contains("just text"), "{e}");
        assert!(parse_outputs("x<<END\nno end\n")
            .unwrap_err()
            .contains("`END`"));
        assert!(parse_outputs("1x=3").is_err());
    }
}

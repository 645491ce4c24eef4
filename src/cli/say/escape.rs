//! What keeps a value from acting on the terminal it is printed to.
//!
//! A param may come from a webhook's body, a loop item names a step, an
//! error quotes what a server answered: printed raw, `ESC[2J` clears the
//! operator's screen, `ESC]52;c;…` writes their clipboard, `ESC]8;;URL`
//! hides a link behind text, `\r` overwrites the start of the line and
//! U+202E shows the rest of it reversed. wfc's own tables and messages
//! print values through [`escaped`] (or [`escaped_lines`] for a whole
//! text), which writes such characters as escapes: `\x1b`, `\r`,
//! `\u{202e}`. A backslash is left as it is (a path, a regex): the escapes
//! are for a person to read, not to be parsed back.
//!
//! A step's own output is the step's: its colours and progress bars reach
//! the terminal as it wrote them (as in GitHub Actions, Argo, `docker
//! logs`), except for a clipboard access (OSC 52), which [`NoClipboard`]
//! removes — nothing a step prints should read or write the operator's
//! clipboard.

use std::borrow::Cow;
use std::fmt::Write;

/// `text` with every character that could act on a terminal written as an
/// escape: control characters (line breaks and tabs too), DEL, C1 controls,
/// and Unicode's bidirectional and line-separating format characters.
pub fn escaped(text: &str) -> Cow<'_, str> {
    escape(text, false)
}

/// [`escaped`], keeping line breaks and tabs: a whole message or table.
pub fn escaped_lines(text: &str) -> Cow<'_, str> {
    escape(text, true)
}

fn escape(text: &str, keep_lines: bool) -> Cow<'_, str> {
    let acts = |c: char| acts_on_terminal(c) && !(keep_lines && matches!(c, '\n' | '\t'));
    let Some(first) = text.find(acts) else {
        return Cow::Borrowed(text);
    };
    let mut out = String::with_capacity(text.len() + 8);
    out.push_str(&text[..first]);
    for c in text[first..].chars() {
        if !acts(c) {
            out.push(c);
            continue;
        }
        let _ = match c {
            '\n' => out.write_str("\\n"),
            '\r' => out.write_str("\\r"),
            '\t' => out.write_str("\\t"),
            c if (c as u32) < 0x80 => write!(out, "\\x{:02x}", c as u32),
            c => write!(out, "\\u{{{:x}}}", c as u32),
        };
    }
    Cow::Owned(out)
}

/// Whether a terminal may take `c` for something other than a character
/// to show.
fn acts_on_terminal(c: char) -> bool {
    c.is_control() // C0, DEL and C1
        || matches!(
            c,
            '\u{061c}' // Arabic letter mark
            | '\u{200e}' | '\u{200f}' // left-to-right and right-to-left marks
            | '\u{202a}'..='\u{202e}' // embeddings and overrides
            | '\u{2066}'..='\u{2069}' // isolates
            | '\u{2028}' | '\u{2029}' // line and paragraph separators
        )
}

/// Removes clipboard accesses (OSC 52: `ESC ] 52 ;` or its one-character
/// form U+009D `52;`, up to BEL, `ESC \` or U+009C) from a step's output,
/// written in chunks cut anywhere. The rest passes unchanged. A sequence
/// left open at the end of a line loses only its opening and what follows
/// on that line: without its opening, the terminal shows the rest as text.
#[derive(Default)]
pub struct NoClipboard {
    /// The end of the last chunk, when it may be the start of an opening.
    held: Vec<u8>,
    /// Inside a clipboard sequence: dropping bytes up to its end.
    dropping: bool,
    /// The last byte dropped (an ESC or 0xc2 may begin the end: `ESC \`, U+009C).
    last: u8,
}

const OPENINGS: [&[u8]; 2] = [b"\x1b]52;", b"\xc2\x9d52;"];

impl NoClipboard {
    /// One line (or any text) at once.
    pub fn line(text: &str) -> Cow<'_, str> {
        if !text.contains(['\x1b', '\u{9d}']) {
            return Cow::Borrowed(text);
        }
        let mut f = NoClipboard::default();
        let mut out = f.push(text.as_bytes()).into_owned();
        out.extend(f.finish());
        // Only whole sequences of ASCII bytes and whole C1 characters go.
        Cow::Owned(
            String::from_utf8(out)
                .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()),
        )
    }

    /// The bytes of `chunk` that may be shown now.
    pub fn push<'a>(&mut self, chunk: &'a [u8]) -> Cow<'a, [u8]> {
        if !self.dropping && self.held.is_empty() && !chunk.iter().any(|&b| b == 0x1b || b == 0xc2)
        {
            return Cow::Borrowed(chunk);
        }
        let mut input = std::mem::take(&mut self.held);
        input.extend_from_slice(chunk);
        let mut out = Vec::with_capacity(input.len());
        let mut i = 0;
        while i < input.len() {
            let b = input[i];
            if self.dropping {
                match (self.last, b) {
                    (_, 0x07 | b'\n') | (0x1b, b'\\') | (0xc2, 0x9c) => self.dropping = false,
                    _ => {}
                }
                if b == b'\n' {
                    out.push(b);
                }
                self.last = b;
                i += 1;
                continue;
            }
            if b == 0x1b || b == 0xc2 {
                let rest = &input[i..];
                if let Some(open) = OPENINGS.iter().find(|o| rest.starts_with(o)) {
                    self.dropping = true;
                    self.last = 0;
                    i += open.len();
                    continue;
                }
                if OPENINGS.iter().any(|o| o.starts_with(rest)) {
                    self.held = rest.to_vec();
                    break;
                }
            }
            out.push(b);
            i += 1;
        }
        Cow::Owned(out)
    }

    /// What is held back at the end of the output.
    pub fn finish(self) -> Vec<u8> {
        if self.dropping {
            Vec::new()
        } else {
            self.held
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_what_acts_on_a_terminal() {
        let v = "p\x1b[31mRED\x1b]8;;http://evil\x1b\\link\r\u{202e}RTL\x07\u{9b}\x7f";
        assert_eq!(
            escaped(v),
            "p\\x1b[31mRED\\x1b]8;;http://evil\\x1b\\link\\r\\u{202e}RTL\\x07\\u{9b}\\x7f"
        );
        assert_eq!(escaped("a\nb\tc"), "a\\nb\\tc");
        assert_eq!(escaped_lines("a\nb\tc\r"), "a\nb\tc\\r");
        assert!(matches!(
            escaped("plain ünïcode / C:\\path"),
            Cow::Borrowed(_)
        ));
        for c in [
            '\u{061c}', '\u{200e}', '\u{200f}', '\u{202a}', '\u{2066}', '\u{2069}', '\u{2028}',
        ] {
            assert!(!escaped(&c.to_string()).contains(c), "{c:?}");
        }
    }

    #[test]
    fn clipboard_sequences_are_removed() {
        let line = "a\x1b]52;c;cm0gLXJmIH4=\x07b \x1b[31mred\x1b[0m \x1b]8;;u\x1b\\l\x1b]8;;\x1b\\";
        assert_eq!(
            NoClipboard::line(line),
            "ab \x1b[31mred\x1b[0m \x1b]8;;u\x1b\\l\x1b]8;;\x1b\\"
        );
        assert_eq!(NoClipboard::line("x\x1b]52;c;?\x1b\\y"), "xy");
        assert_eq!(NoClipboard::line("x\u{9d}52;c;QQ==\u{9c}y"), "xy");
        assert_eq!(NoClipboard::line("x\x1b]52;c;QQ=="), "x");
        assert_eq!(NoClipboard::line("\x1b]5;x\x1b]52"), "\x1b]5;x\x1b]52");
    }

    #[test]
    fn clipboard_sequences_cut_across_chunks_are_removed() {
        let text = b"one\x1b]52;c;QUJD\x07two\n\x1b]52;c;RA\nthree\xc2\x9d52;c;\xc2\x9cfour\n";
        let want = b"onetwo\n\nthreefour\n".to_vec();
        for size in 1..text.len() {
            let mut f = NoClipboard::default();
            let mut out: Vec<u8> = text
                .chunks(size)
                .flat_map(|c| f.push(c).into_owned())
                .collect();
            out.extend(f.finish());
            assert_eq!(
                String::from_utf8_lossy(&out),
                String::from_utf8_lossy(&want),
                "{size}"
            );
        }
    }
}

//! The YAML text of an export: a JSON value in block style, each string
//! written so that every YAML parser reads back the same string.
//!
//! serde_norway (YAML 1.2) quotes only what a YAML 1.2 parser would read as
//! something else, so `2024-01-01`, `yes`, `on`, `0755` or `1:30` came out
//! plain. Argo reads its YAML with go-yaml (YAML 1.1 rules: `yes` is a
//! bool, `2024-01-01` a timestamp, `1:30` the number 90) and validates it
//! against a schema that wants strings; PyYAML (the schema check's
//! parser) reads them the same way. No maintained crate lets a writer
//! choose the style per scalar, so this writer does: a string is plain only
//! when no YAML 1.1 or 1.2 resolver gives it another type
//! ([`ambiguous`]) and libyaml's own rules allow a plain scalar there;
//! else single-quoted, or double-quoted with escapes when it holds a
//! character a single-quoted scalar cannot; a multi-line string is a
//! literal block (`|`) when that reads back exactly. The layout is
//! serde_norway's (libyaml's, with no line width), so only the quoting of
//! such strings differs from before.

use serde_json::{Map, Value as Json};

/// `doc` as YAML. Keys in `plain_keys` are written plain whatever they are
/// (GitHub's own spelling of the top-level `on:`, which its parser reads as
/// the string).
pub(crate) fn to_string(doc: &Json, plain_keys: &[&str]) -> String {
    let mut w = Writer {
        out: String::new(),
        plain_keys,
    };
    match doc {
        Json::Object(m) if !m.is_empty() => w.mapping(m, 0, false),
        Json::Array(a) if !a.is_empty() => w.sequence(a, 0, false),
        v => {
            w.scalar(v, 2);
            w.out.push('\n');
        }
    }
    w.out
}

struct Writer<'a> {
    out: String,
    plain_keys: &'a [&'a str],
}

impl Writer<'_> {
    fn indent(&mut self, n: usize) {
        self.out.extend(std::iter::repeat_n(' ', n));
    }

    /// A mapping whose keys are at column `indent`; `inline`: its first key
    /// follows a `- ` already written.
    fn mapping(&mut self, m: &Map<String, Json>, indent: usize, inline: bool) {
        for (i, (k, v)) in m.iter().enumerate() {
            if i > 0 || !inline {
                self.indent(indent);
            }
            if self.plain_keys.contains(&k.as_str()) {
                self.out.push_str(k);
            } else {
                self.out.push_str(&flow_scalar(k));
            }
            self.out.push(':');
            match v {
                Json::Object(m) if !m.is_empty() => {
                    self.out.push('\n');
                    self.mapping(m, indent + 2, false);
                }
                // A sequence in a mapping is not indented (libyaml's layout).
                Json::Array(a) if !a.is_empty() => {
                    self.out.push('\n');
                    self.sequence(a, indent, false);
                }
                v => {
                    self.out.push(' ');
                    self.scalar(v, indent + 2);
                    self.out.push('\n');
                }
            }
        }
    }

    /// A sequence whose dashes are at column `indent`.
    fn sequence(&mut self, a: &[Json], indent: usize, inline: bool) {
        for (i, item) in a.iter().enumerate() {
            if i > 0 || !inline {
                self.indent(indent);
            }
            self.out.push_str("- ");
            match item {
                Json::Object(m) if !m.is_empty() => self.mapping(m, indent + 2, true),
                Json::Array(a) if !a.is_empty() => self.sequence(a, indent + 2, true),
                v => {
                    self.scalar(v, indent + 2);
                    self.out.push('\n');
                }
            }
        }
    }

    /// A scalar (or an empty collection); a literal block's lines at
    /// column `indent`.
    fn scalar(&mut self, v: &Json, indent: usize) {
        match v {
            Json::Null => self.out.push_str("null"),
            Json::Bool(b) => self.out.push_str(if *b { "true" } else { "false" }),
            Json::Number(n) => self.out.push_str(&n.to_string()),
            Json::Object(_) => self.out.push_str("{}"),
            Json::Array(_) => self.out.push_str("[]"),
            Json::String(s) if s.contains('\n') && literal_allowed(s) => self.literal(s, indent),
            Json::String(s) => self.out.push_str(&flow_scalar(s)),
        }
    }

    /// `|` with libyaml's hints: an indentation indicator when the first
    /// line starts with a space or is empty, `-` without a final line
    /// break, `+` with more than one.
    fn literal(&mut self, s: &str, indent: usize) {
        self.out.push('|');
        if s.starts_with([' ', '\n']) {
            self.out.push('2');
        }
        if !s.ends_with('\n') {
            self.out.push('-');
        } else if s == "\n" || s.ends_with("\n\n") {
            self.out.push('+');
        }
        self.out.push('\n');
        let body = s.strip_suffix('\n').unwrap_or(s);
        for (i, line) in body.split('\n').enumerate() {
            if i > 0 {
                self.out.push('\n');
            }
            if !line.is_empty() {
                self.indent(indent);
                self.out.push_str(line);
            }
        }
    }
}

/// A single-line scalar: plain when every parser reads it back as this
/// string, else single-quoted, else double-quoted with escapes.
fn flow_scalar(s: &str) -> String {
    let special = s.chars().any(|c| !printable(c) || is_break(c));
    if special {
        return double_quoted(s);
    }
    if plain_allowed(s) && !ambiguous(s) {
        return s.to_owned();
    }
    format!("'{}'", s.replace('\'', "''"))
}

/// libyaml's "printable" (YAML's c-printable less the BOM): a character
/// outside it is written as an escape in a double-quoted scalar.
fn printable(c: char) -> bool {
    matches!(c, '\n' | ' '..='~' | '\u{A0}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
        && c != '\u{FEFF}'
}

fn is_break(c: char) -> bool {
    matches!(c, '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

/// Where libyaml would write `s` (one line, printable) as a plain scalar in
/// block context: no indicator first, no `: ` or ` #` inside, no space at
/// either end. Conservative with `?` and `:`: a plain scalar may start with
/// them in block context, but not in every parser's reading.
fn plain_allowed(s: &str) -> bool {
    let b = s.as_bytes();
    let Some(&first) = b.first() else {
        return false;
    };
    let blank_at = |i: usize| b.get(i).is_none_or(|&c| c == b' ' || c == b'\t');
    if s.starts_with("---") || s.starts_with("...") {
        return false;
    }
    if b"#,[]{}&*!|>'\"%@`?:".contains(&first) || (first == b'-' && blank_at(1)) {
        return false;
    }
    if first == b' ' || b[b.len() - 1] == b' ' || b.contains(&b'\t') {
        return false;
    }
    for (i, &c) in b.iter().enumerate() {
        if c == b':' && blank_at(i + 1) {
            return false;
        }
        if c == b'#' && i > 0 && b[i - 1] == b' ' {
            return false;
        }
    }
    true
}

/// Whether some YAML parser resolves the plain scalar `s` to something
/// other than the string: YAML 1.1's booleans (`y`, `yes`, `on`, … in any
/// case), null (`~`, `null`), `=` and `<<`, and anything that looks like a
/// number or a date in YAML 1.1 or 1.2, or to Go's `strconv` (go-yaml):
/// decimal, octal (`0755`, `0o755`), hex, binary, sexagesimal (`1:30`),
/// with `_` separators, exponents, `.inf` and `.nan`, and `2024-01-01`
/// with or without a time. Over-approximated on purpose: `1.2.3` is
/// quoted too, which reads back the same.
pub(crate) fn ambiguous(s: &str) -> bool {
    let lower = s.to_ascii_lowercase();
    const WORDS: [&str; 13] = [
        "y", "n", "yes", "no", "true", "false", "on", "off", "null", "~", "=", "<<", "",
    ];
    if WORDS.contains(&lower.as_str()) {
        return true;
    }
    let unsigned = lower.strip_prefix(['+', '-']).unwrap_or(&lower);
    if matches!(unsigned, ".inf" | ".nan") {
        return true;
    }
    let b = unsigned.as_bytes();
    let numeric_start = match b {
        [c, ..] if c.is_ascii_digit() => true,
        [b'.', c, ..] => c.is_ascii_digit(),
        _ => false,
    };
    if numeric_start
        && b.iter()
            .all(|c| c.is_ascii_hexdigit() || b"xob_.:e+-".contains(c))
    {
        return true;
    }
    // A date, alone or followed by a time: `YYYY-M-D…`.
    let d = s.as_bytes();
    let digits = |from: usize, n: usize| {
        d.len() >= from + n && d[from..from + n].iter().all(u8::is_ascii_digit)
    };
    digits(0, 4) && d.get(4) == Some(&b'-') && digits(5, 1)
}

/// Whether `s` (holding a line break) reads back exactly as a literal
/// block: only `\n` breaks, every character printable, no space before a
/// break or at the end (libyaml's rules).
fn literal_allowed(s: &str) -> bool {
    !s.chars()
        .any(|c| (is_break(c) && c != '\n') || !printable(c))
        && !s.contains(" \n")
        && !s.ends_with(' ')
}

/// `s` double-quoted with YAML's escapes (libyaml's choice of escape).
fn double_quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        if printable(c) && !is_break(c) && c != '"' && c != '\\' {
            out.push(c);
            continue;
        }
        out.push('\\');
        match c {
            '\0' => out.push('0'),
            '\u{7}' => out.push('a'),
            '\u{8}' => out.push('b'),
            '\t' => out.push('t'),
            '\n' => out.push('n'),
            '\u{B}' => out.push('v'),
            '\u{C}' => out.push('f'),
            '\r' => out.push('r'),
            '\u{1B}' => out.push('e'),
            '"' => out.push('"'),
            '\\' => out.push('\\'),
            '\u{85}' => out.push('N'),
            '\u{2028}' => out.push('L'),
            '\u{2029}' => out.push('P'),
            c if (c as u32) <= 0xFF => out.push_str(&format!("x{:02X}", c as u32)),
            c if (c as u32) <= 0xFFFF => out.push_str(&format!("u{:04X}", c as u32)),
            c => out.push_str(&format!("U{:08X}", c as u32)),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests;

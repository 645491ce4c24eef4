//! Where each `${…}` of a `python` or `node` script lands, and how a value's
//! text is escaped inside a string literal there.
//!
//! A script is a template: literal text from the `.wf` file, and values.
//! [`value_contexts`] lexes the literal text the way Python or JavaScript
//! reads it (strings of every kind, comments, f-string and template
//! substitutions, JS regex literals) and says, for each value, the
//! [`Context`] it lands in:
//!
//! | context | example | the value becomes |
//! | --- | --- | --- |
//! | code | `range(${n})` | a literal of the language (`5`, `"a\"b"`, `[1, 2]`) |
//! | string literal | `print("hi ${name}")` | its text, escaped for that string kind |
//! | refused | `# ${x}`, `r"${x}"`, `/${x}/` | an error that says why and what to write instead |
//!
//! Refused: comments, Python raw and bytes strings, Python f-string
//! replacement fields (`{…}`, their conversions and format specs), JS regex
//! literals, tagged templates (the tag sees the escapes), right after a
//! backslash, and everything after text whose reading is ambiguous.
//!
//! A Python script's encoding declaration (`# -*- coding: utf-7 -*-`) other
//! than UTF-8 or a codec that keeps ASCII makes every value unsafe: see
//! [`python_encoding`].
//!
//! Known limits (each refuses rather than guesses):
//! - Python: after an f-string whose `{…}` reuses the string's own quote, or
//!   holds a comment, backslash or line break (legal from 3.12 only), and
//!   after an unterminated single-line string, every later value is refused.
//! - JavaScript: a `/` right after `}` or after `++`/`--` may start a regex
//!   or divide; every later value is refused. A `/` after `)` starts a regex
//!   only when the parentheses follow `if`, `while`, `for` or `with`.
//! - JavaScript template substitutions (`` `a ${…}` ``, written `\${…}` in a
//!   `.wf` string) are lexed as code, so a value inside one is code.

mod coding;
mod javascript;
mod python;

pub use coding::{python_encoding, Declared};
#[cfg(test)]
mod tests;

/// A script language.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Lang {
    Python,
    JavaScript,
}

impl Lang {
    pub fn name(self) -> &'static str {
        match self {
            Lang::Python => "Python",
            Lang::JavaScript => "JavaScript",
        }
    }
}

/// One piece of a script template.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Segment<'a> {
    /// Literal text from the `.wf` file.
    Text(&'a str),
    /// A value (its content does not matter to where it lands).
    Value,
}

/// The string literal a value lands in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StrKind {
    pub lang: Lang,
    /// The delimiter: `'`, `"` or (JS template literal) `` ` ``.
    pub quote: char,
    /// Python `'''…'''` / `"""…"""`.
    pub triple: bool,
    /// A Python f-string (or t-string), outside its `{…}`.
    pub format: bool,
}

impl StrKind {
    pub fn describe(self) -> String {
        let q = self.quote;
        match (self.lang, q, self.triple, self.format) {
            (Lang::JavaScript, '`', ..) => "a template literal".into(),
            (_, _, true, f) => format!("a {}{q}{q}{q}…{q}{q}{q} string", if f { "f" } else { "" }),
            (_, _, false, f) => format!("a {}{q}…{q} string", if f { "f" } else { "" }),
        }
    }
}

/// Why a value cannot go where it stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    Comment,
    RawString,
    BytesString,
    /// A Python f-string's `{…}`, conversion or format spec.
    FormatField,
    Regex,
    TaggedTemplate,
    AfterBackslash,
    /// After text whose reading depends on the interpreter or is ambiguous.
    Ambiguous(&'static str),
}

impl Refusal {
    pub fn describe(self) -> String {
        match self {
            Refusal::Comment => "a comment".into(),
            Refusal::RawString => "a raw string (r\"…\")".into(),
            Refusal::BytesString => "a bytes literal (b\"…\")".into(),
            Refusal::FormatField => "an f-string's `{…}` replacement field".into(),
            Refusal::Regex => "a regular expression literal".into(),
            Refusal::TaggedTemplate => "a tagged template literal".into(),
            Refusal::AfterBackslash => "the position right after a backslash".into(),
            Refusal::Ambiguous(why) => format!("text after {why}"),
        }
    }

    /// What to write instead.
    pub fn fix(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Refusal::Comment, _) => "remove the `${…}` from the comment",
            (Refusal::RawString | Refusal::BytesString, _) => {
                "bind the value in code (`v = ${x}`) and use `v` (e.g. `v.encode()` for bytes)"
            }
            (Refusal::FormatField, _) => "bind the value in code (`v = ${x}`) and write `{v}`",
            (Refusal::Regex, _) => "bind the value in code and build `new RegExp(v)`",
            (Refusal::TaggedTemplate, _) => "bind the value in code (`const v = ${x}`) and write `\\${v}`",
            (Refusal::AfterBackslash, _) => "remove the backslash before the `${…}`",
            (Refusal::Ambiguous(_), Lang::Python) => {
                "bind every value in code at the top of the script (`v = ${x}`) and use the names"
            }
            (Refusal::Ambiguous(_), Lang::JavaScript) => {
                "bind every value at the top of the script (`const v = ${x}`), or parenthesise the expression before the `/`"
            }
        }
    }
}

/// Where a value lands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Context {
    /// Code: the value becomes a literal expression.
    Code,
    /// Inside a string literal: the value's text, escaped for it.
    Str(StrKind),
    Refused(Refusal),
}

/// The context of each value of `template`, in order.
pub fn value_contexts(lang: Lang, template: &[Segment<'_>]) -> Vec<Context> {
    let mut items = Vec::new();
    for seg in template {
        match seg {
            Segment::Text(t) => items.extend(t.chars().map(Some)),
            Segment::Value => items.push(None),
        }
    }
    match lang {
        Lang::Python => python::contexts(&items),
        Lang::JavaScript => javascript::contexts(&items),
    }
}

/// Shared by the lexers: the template as characters, `None` for a value.
pub(crate) type Item = Option<char>;

/// Once the lexer cannot tell how the text reads, every later value is refused.
pub(crate) fn refuse_rest(items: &[Item], out: &mut Vec<Context>, why: &'static str) {
    let n = items.iter().filter(|i| i.is_none()).count();
    out.extend((0..n).map(|_| Context::Refused(Refusal::Ambiguous(why))));
}

/// `text` escaped to stand inside a string literal of `kind`, reading back
/// as exactly `text`. Every character outside printable ASCII is escaped.
pub fn escape_in_string(kind: StrKind, text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' | '"' => {
                out.push('\\');
                out.push(c);
            }
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '{' | '}' if kind.format => {
                out.push(c);
                out.push(c);
            }
            // `$` and `{` so neither can form a `${` substitution.
            '`' | '$' | '{' if kind.quote == '`' => {
                out.push('\\');
                out.push(c);
            }
            ' '..='~' => out.push(c),
            _ => push_code_point_escape(kind.lang, c, &mut out),
        }
    }
    out
}

/// `c` as a `\x`/`\u` escape of `lang`: the same in every string kind.
pub(crate) fn push_code_point_escape(lang: Lang, c: char, out: &mut String) {
    use std::fmt::Write;
    let n = c as u32;
    let _ = match (lang, n) {
        (_, 0..=0xff) => write!(out, "\\x{n:02x}"),
        (_, 0x100..=0xffff) => write!(out, "\\u{n:04x}"),
        (Lang::Python, _) => write!(out, "\\U{n:08x}"),
        (Lang::JavaScript, _) => write!(out, "\\u{{{n:x}}}"),
    };
}

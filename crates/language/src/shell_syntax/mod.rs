//! Injection-safe `${…}` interpolation into shell commands.
//!
//! A `run` command is a template: literal text written in the `.wf` file and
//! interpolated values. [`ShellCommand`] builds the final command string piece
//! by piece. It scans the literal text the way a POSIX shell reads it (quotes,
//! backslashes, `$(…)`, `${…}`, backquotes, comments, here-documents) so that
//! it knows the quoting context each value lands in, and escapes the value for
//! that context:
//!
//! | context | example | what is emitted for the value `it's` |
//! | --- | --- | --- |
//! | bare word | `echo ${x}` | `'it'\''s'` |
//! | inside `"…"` | `echo "a ${x}"` | `"'it'\''s'"` (close, single-quote, reopen) |
//! | inside `'…'` | `echo 'a ${x}'` | `it'\''s` |
//! | in a `# comment` | `true # ${x}` | the value with CR/LF turned into spaces |
//!
//! In every context the value reaches the program as exactly its own bytes
//! and can never end a quote, start a command, expand a variable or a glob.
//! `${raw(…)}` values ([`ShellCommand::raw`]) are spliced unescaped and scanned
//! like literal text.
//!
//! Contexts where no escaping is both safe and faithful are refused with a
//! [`QuoteError`] rather than guessed: inside a here-document (or as its
//! delimiter), inside backquotes, inside a `${…}` parameter expansion (quotes
//! in it included: `"${v:-'$(cmd)'}"` runs `cmd`), inside `$'…'`, inside
//! shell arithmetic (`$((…))`, `((…))`, `$[…]`, quotes in it included: the
//! shell expands the text again, and reads `'3'` as an error, not a number),
//! and right after an unescaped backslash. The fix for all of them is to pass
//! the value through the step's `env { … }` and use `"$NAME"` (in
//! arithmetic, `$NAME` or `NAME`, with an `int` value).
//!
//! Two small rewrites keep the meaning obvious: a `$` written right before a
//! value (`$${price}`) is emitted as `\$`, a literal dollar sign, instead of
//! letting `$'…'` or `$"…"` take a shell-specific meaning; and values containing
//! a NUL byte are refused (no shell argument can hold one).
//!
//! Quoting keeps a value one word of this shell; what a command then does
//! with the word is [`bash`]'s concern: bash evaluates some words as
//! arithmetic (`[[ ${x} -eq 1 ]]`, `let`, `declare -i`…), and `eval`,
//! `sh -c`, `ssh` parse theirs again. The checker reads those places.
//!
//! Known limit of the scanner: a `)` of a `case` pattern inside `$(…)` ends
//! the substitution early.

pub mod bash;
pub mod heads;
mod scanner;
pub mod strict;
mod words;

use scanner::Scanner;
use std::fmt;
pub use words::Pos;

/// One piece of a command template.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Segment<'a> {
    /// Literal text from the `.wf` file.
    Text(&'a str),
    /// An interpolated value, escaped for its context.
    Value(&'a str),
    /// A `${raw(…)}` value, spliced as shell text.
    Raw(&'a str),
}

/// Where in the shell's grammar the next character of the command stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Context {
    /// An unquoted word (top level or inside `$(…)`).
    Bare,
    /// Inside `"…"`.
    DoubleQuoted,
    /// Inside `'…'`.
    SingleQuoted,
    /// Inside a `# comment`.
    Comment,
    /// Inside `$'…'` (bash / POSIX 2024 escapes).
    DollarSingleQuoted,
    /// Inside `` `…` ``.
    Backquoted,
    /// Inside a `${…}` parameter expansion.
    ParamExpansion,
    /// Inside a here-document body, or where its delimiter word goes.
    HereDocument,
    /// Inside shell arithmetic, `$((…))` or `((…))`.
    Arithmetic,
    /// Right after an unescaped `\`: the next character would be escaped.
    AfterBackslash,
}

impl Context {
    /// How to read a value passed through `env { NAME = … }` here.
    pub fn instead(self) -> &'static str {
        match self {
            // `"$N"` is an error inside dash's arithmetic.
            Context::Arithmetic => "`$NAME` (unquoted) or `NAME`",
            _ => "\"$NAME\"",
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            Context::Bare => "a bare word",
            Context::DoubleQuoted => "double quotes",
            Context::SingleQuoted => "single quotes",
            Context::Comment => "a comment",
            Context::DollarSingleQuoted => "$'…' quotes",
            Context::Backquoted => "a `…` command substitution",
            Context::ParamExpansion => "a ${…} parameter expansion",
            Context::HereDocument => "a here-document",
            Context::Arithmetic => "shell arithmetic (`$((…))`, `((…))` or `$[…]`)",
            Context::AfterBackslash => "the position right after a backslash",
        }
    }
}

/// A value that cannot be interpolated safely where it stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuoteError {
    /// The context the value would have landed in.
    pub context: Context,
    /// Index of the offending segment (for [`render`]) or of the value (for [`ShellCommand`]).
    pub index: usize,
    /// True when the value was refused for holding a NUL byte.
    pub nul: bool,
    /// True when the value was a list, whose items become words of their
    /// own only where a bare word stands ([`ShellCommand::words`]).
    pub list: bool,
}

impl fmt::Display for QuoteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.nul {
            return f.write_str(
                "an interpolated value contains a NUL byte, which no shell argument can hold",
            );
        }
        if self.list {
            return write!(
                f,
                "a list's items become words of their own only where a bare word stands, not \
                 inside {}; write the `${{…}}` alone, outside quotes, or make one text of the \
                 list with `${{join(xs, \" \")}}`",
                self.context.describe()
            );
        }
        write!(
            f,
            "cannot interpolate a value safely inside {} of a shell command; \
             pass it through the step's `env {{ NAME = … }}` and write {} instead",
            self.context.describe(),
            self.context.instead()
        )
    }
}

impl std::error::Error for QuoteError {}

/// Builds a command from a template; see the module docs.
#[derive(Clone, Debug)]
pub struct ShellCommand {
    out: String,
    scan: Scanner,
    values: usize,
}

impl Default for ShellCommand {
    fn default() -> Self {
        Self::new()
    }
}

impl ShellCommand {
    pub fn new() -> Self {
        ShellCommand {
            out: String::new(),
            scan: Scanner::new(),
            values: 0,
        }
    }

    /// Appends literal template text.
    pub fn text(&mut self, text: &str) -> &mut Self {
        for c in text.chars() {
            self.scan.feed(c);
        }
        self.out.push_str(text);
        self
    }

    /// Appends `${raw(…)}` text: unescaped, and scanned like literal text.
    pub fn raw(&mut self, text: &str) -> &mut Self {
        self.values += 1;
        self.text(text)
    }

    /// Appends a value escaped for the current context.
    pub fn value(&mut self, value: &str) -> Result<&mut Self, QuoteError> {
        let index = self.values;
        self.values += 1;
        let context = self.context();
        let err = |nul| QuoteError {
            context,
            index,
            nul,
            list: false,
        };
        if value.contains('\0') {
            return Err(err(true));
        }
        match context {
            Context::Bare | Context::DoubleQuoted => {
                if self.scan.dollar {
                    // `$${x}`: make the written `$` a literal dollar sign.
                    self.out.pop();
                    self.out.push_str("\\$");
                }
                if is_plain_word(value) {
                    // Nothing in it means anything to the shell, here:
                    // written as is, the command reads as the user wrote it.
                    self.out.push_str(value);
                } else {
                    let dq = context == Context::DoubleQuoted;
                    if dq {
                        self.out.push('"');
                    }
                    push_single_quoted(&mut self.out, value);
                    if dq {
                        self.out.push('"');
                    }
                }
            }
            Context::SingleQuoted => self.out.push_str(&value.replace('\'', "'\\''")),
            Context::Comment => self.out.push_str(&value.replace(['\n', '\r'], " ")),
            _ => return Err(err(false)),
        }
        self.scan.after_value();
        Ok(self)
    }

    /// Appends a list's items, each a word of its own escaped as a value
    /// is in a bare word, one blank apart: `upload ${files}` with the files
    /// `a b.tgz` and `c.tgz` is `upload 'a b.tgz' c.tgz`, and with none,
    /// `upload `. Only a bare word may hold them: inside quotes they would
    /// be one word (an error, as in a context no value may stand in).
    pub fn words<S: AsRef<str>>(&mut self, items: &[S]) -> Result<&mut Self, QuoteError> {
        let index = self.values;
        self.values += 1;
        let context = self.context();
        let err = |nul, list| QuoteError {
            context,
            index,
            nul,
            list,
        };
        if items.iter().any(|i| i.as_ref().contains('\0')) {
            return Err(err(true, false));
        }
        match context {
            Context::Bare => {}
            Context::DoubleQuoted | Context::SingleQuoted | Context::Comment => {
                return Err(err(false, true))
            }
            _ => return Err(err(false, false)),
        }
        if self.scan.dollar {
            // `$${xs}`: the written `$` is a literal dollar sign.
            self.out.pop();
            self.out.push_str("\\$");
        }
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                self.out.push(' ');
            }
            let item = item.as_ref();
            if is_plain_word(item) {
                self.out.push_str(item);
            } else {
                push_single_quoted(&mut self.out, item);
            }
        }
        self.scan.after_value();
        Ok(self)
    }

    /// Appends text that stands for a value known only later (a plan shows
    /// `${build.stdout}` where the run inserts the value, quoted): kept as
    /// is, and the context moves on as after a value.
    pub fn placeholder(&mut self, shown: &str) -> &mut Self {
        self.values += 1;
        self.out.push_str(shown);
        self.scan.after_value();
        self
    }

    /// The context the next character (or value) lands in.
    pub fn context(&self) -> Context {
        self.scan.context()
    }

    /// The command built so far.
    pub fn as_str(&self) -> &str {
        &self.out
    }

    pub fn finish(self) -> String {
        self.out
    }
}

/// Renders a whole template; the error's `index` is the offending segment's.
pub fn render(segments: &[Segment<'_>]) -> Result<String, QuoteError> {
    let mut cmd = ShellCommand::new();
    for (i, seg) in segments.iter().enumerate() {
        match *seg {
            Segment::Text(t) => {
                cmd.text(t);
            }
            Segment::Raw(t) => {
                cmd.raw(t);
            }
            Segment::Value(v) => {
                cmd.value(v).map_err(|e| QuoteError { index: i, ..e })?;
            }
        }
    }
    Ok(cmd.finish())
}

/// `value` as one single-quoted shell word (`''` for the empty string).
pub fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    push_single_quoted(&mut out, value);
    out
}

/// A non-empty value of letters, digits and `_ . , : / @ % + = -` only:
/// none of them is special to `sh` unquoted or inside `"…"` (no blank,
/// quote, `$`, backquote, backslash, glob, brace, `~`, `#` or operator).
fn is_plain_word(value: &str) -> bool {
    !value.is_empty()
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_.,:/@%+=-".contains(&b))
}

fn push_single_quoted(out: &mut String, value: &str) {
    out.push('\'');
    for c in value.chars() {
        if c == '\'' {
            out.push_str("'\\''");
        } else {
            out.push(c);
        }
    }
    out.push('\'');
}

#[cfg(test)]
mod tests;

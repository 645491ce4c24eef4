//! The command each simple command of a `run` template starts: its first
//! word after reserved words (`if`, `then`, `!`, …) and assignments
//! (`FOO=1 cmd`), for `wfc check --level strict` to look up on `PATH`.
//! Read with the shell words reader (`words.rs`), so quotes, `&&`, `|`,
//! `;` and `$(…)` split the text as the shell does. A head that is quoted, built from a value
//! (`${tool} …`), a keyword that opens a compound command (`for`, `case`),
//! or a function the template defines is not reported.

use super::words::{self, Item, Quoting, Word};
use super::{Pos, Segment};

/// A command name a template runs, and where it starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Head {
    pub name: String,
    pub at: Pos,
}

/// Reserved words that may come before a command's name.
const LEADING: &[&str] = &[
    "!", "{", "}", "if", "then", "elif", "else", "fi", "while", "until", "do", "done", "time",
    "esac", "]]",
];

/// Reserved words whose command is no command run by name.
const COMPOUND: &[&str] = &["for", "case", "select", "function", "[[", "coproc", "in"];

/// The commands `template` starts by name (up to its first `raw(…)`).
pub fn command_heads(template: &[Segment<'_>]) -> Vec<Head> {
    let parsed = words::parse(template);
    let mut out = Vec::new();
    for command in &parsed.commands {
        let mut rest = command.iter().filter(|w| !w.redirect && !w.element);
        let head = loop {
            match rest.next() {
                Some(w) if w.plain().is_some_and(|p| LEADING.contains(&p.as_str())) => {}
                Some(w) if is_assignment(w) => {}
                other => break other,
            }
        };
        let Some(word) = head else { continue };
        let (Some(name), Some(Item::Char { at, .. })) = (word.plain(), word.items.first()) else {
            continue;
        };
        if COMPOUND.contains(&name.as_str()) || parsed.functions.contains(&name) {
            continue;
        }
        out.push(Head { name, at: *at });
    }
    // A `$(…)` ends before the command around it: report in text order.
    out.sort_by_key(|h| (h.at.segment, h.at.offset));
    out
}

/// `NAME=…`: an unquoted name, then `=` (its value may be anything).
fn is_assignment(w: &Word) -> bool {
    let chars = w.items.iter().map_while(|i| match i {
        Item::Char {
            c,
            quoting: Quoting::Bare,
            ..
        } => Some(*c),
        _ => None,
    });
    for (len, c) in chars.enumerate() {
        if c == '=' {
            return len > 0;
        }
        if !(c == '_' || c.is_ascii_alphanumeric()) || (len == 0 && c.is_ascii_digit()) {
            return false;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(text: &str) -> Vec<String> {
        command_heads(&[Segment::Text(text)])
            .into_iter()
            .map(|h| h.name)
            .collect()
    }

    #[test]
    fn heads_after_assignments_keywords_and_separators() {
        assert_eq!(
            names("FOO=1 BAR=x make -j2 && cargo test | tee log; ! grep -q x f"),
            ["make", "cargo", "tee", "grep"]
        );
        assert_eq!(
            names("if test -f x; then echo $(date +%s); fi"),
            ["test", "echo", "date"]
        );
        assert_eq!(names("for f in a b; do gzip \"$f\"; done"), ["gzip"]);
        assert_eq!(names("f() { curl x; }; f"), ["curl"]);
        assert_eq!(names("\"quoted\" x; cat < in > out"), ["cat"]);
    }

    #[test]
    fn offsets_point_at_the_name() {
        let heads = command_heads(&[Segment::Text("A=1 tool x")]);
        assert_eq!(heads[0].at.offset, 4);
    }
}

//! A broken header of a block of items (`for t in xs {`, `if a and b {`,
//! `} else if a or b {`): rewritten so that its block still parses.
//!
//! Blanking the whole item would hide every error in its body until the
//! header is fixed, one round of `wfc check` per slip. Writing `if true`
//! over the header instead (the `{` and the body left as they are) lets the
//! parse go on into the body, so its errors are reported in the same round.
//! What the header meant is lost, so the tree the checker gets still leaves
//! the whole block out ([`super::super::recover`]), found then in the tree
//! that parses, whatever the layout.

use super::lex::{first_word, for_each_brace};
use super::{Edit, Kind, Layout, Repair};

/// What is written over a broken header: the shortest block header that
/// parses wherever the items `for`, `parallel` and `sequence` may stand,
/// and that an `else` may follow.
pub(super) const HEADER: &str = "if true";

/// The words that start a block whose body holds items (not fields).
const BLOCK_WORDS: &[&str] = &["if", "for", "parallel", "sequence"];

impl Layout<'_> {
    /// Rewriting the header on `line` of a block of items, for an error at
    /// `at` before its `{` (`None`: an error shown after it).
    pub(super) fn rewrite_header(&self, line: usize, at: Option<usize>) -> Option<Repair> {
        let l = self.lines[line];
        let text = &self.text[l.content..l.end];
        // The head: from the header's first word (past `} else ` on an
        // `else if` line, past `}` on an `} elif x {` line) to its `{`.
        let (head, with) = match l.kind {
            Kind::Item if BLOCK_WORDS.contains(&first_word(text)) => (l.content, HEADER),
            Kind::CloseElse => {
                let else_at = text.find("else")? + "else".len();
                let rest = &text[else_at..];
                let start = l.content + else_at + (rest.len() - rest.trim_start().len());
                if !self.text[start..].starts_with("if") {
                    return None;
                }
                (start, HEADER)
            }
            // `} elif x {`, `} elsif x {`: a branch, kept as an `else`.
            Kind::Close => {
                let rest = text.trim_start_matches('}').trim_start();
                if rest.is_empty() || rest.starts_with(['{', '#']) {
                    return None;
                }
                (l.content + text.len() - rest.len(), "else")
            }
            _ => return None,
        };
        // The line opens one `{`, its last brace, and the error is before it.
        let mut last = None;
        for_each_brace(self.text.as_bytes(), l.scan_from, l.end, |i, c| {
            last = Some((i, c))
        });
        let Some((brace, b'{')) = last else {
            return None;
        };
        let outside = at.is_some_and(|at| at < head || at > brace);
        if self.opens(line) != 1 || outside || brace < head + with.len() {
            return None;
        }
        let range = self.range(line, line);
        Some(Repair {
            range,
            scope: range,
            keeps: true,
            edit: Edit::Header {
                head: (head, brace),
                with,
            },
            stop: None,
        })
    }
}

//! The layout of a text that does not parse: its lines, their indentation,
//! and the repairs worth trying around an error.
//!
//! pest stops at the first error and knows nothing of what follows. Files
//! are written one item per line with nested items indented, so the lines
//! tell where a broken item ends: at the next line that starts an item at the
//! same or lower indentation (or the `}` at its own indentation that closes
//! it). [`Layout`] reads that from the text alone — strings and comments
//! skipped, so a shell line `if [ … ]` inside `"""…"""` is no item — and
//! [`Layout::repairs`] proposes the edits to try: blank the statement or the
//! item holding the error, close its open `{` or string where the item
//! ends, or rewrite a block's broken header ([`header`]). The driver ([`super::recover`]) tries each and keeps the best.

mod header;
mod lex;

use lex::{first_word, for_each_brace, scan_line};

/// Words that start an item (or a field that holds items, like `on failure
/// rollback`, or a block, like `env {`) when they begin a line.
const ITEM_WORDS: &[&str] = &[
    "step", "param", "secret", "if", "for", "parallel", "sequence", "let", "on", "workflow",
    "import", "finally", "env", "defaults", "outputs",
];

/// How many lines above an error's line may hold the half-written line
/// that caused it.
const LOOK_BACK: usize = 3;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    /// Blank, a comment only, or inside a `"""…"""` string.
    Blank,
    /// `}` (closing a block).
    Close,
    /// `} else …`: the `if` above goes on.
    CloseElse,
    /// A line starting with one of [`ITEM_WORDS`].
    Item,
    /// Anything else: a field, a setting, a continuation.
    Other,
}

#[derive(Clone, Copy, Debug)]
struct Line {
    start: usize,
    /// The first character that is not a blank.
    content: usize,
    /// The line break ending the line (or the end of the text).
    end: usize,
    indent: usize,
    kind: Kind,
    /// Where the code of the line starts (past a `"""` string ending on it).
    scan_from: usize,
    /// `{` minus `}` on the line, outside strings and comments.
    braces: i64,
    /// `}` that start the line (closing blocks above it, as in `} else {`).
    lead: i64,
    /// Whether a one-line string on it runs to its end (never closed).
    open_string: bool,
    /// Whether the line ends in a comment (its line break ends the comment).
    comment: bool,
    /// Whether the line starts with `workflow` (never blanked as a whole).
    workflow: bool,
    /// Where a `"""` string opened on the line ends, when past the line
    /// (else 0): a repair taking the line takes the string's lines too.
    string_end: usize,
}

/// An edit that lets the text around an error parse.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Repair {
    /// The broken item (or statement): errors inside it are not reported
    /// again, and the checker's reports inside it are held back.
    pub range: (usize, usize),
    /// The item the error is in (the statement's item, for a statement):
    /// the checker's reports inside it are held back.
    pub scope: (usize, usize),
    /// Whether the repair keeps what the broken item holds (a close of a
    /// body, of a string, or of a header that declares something).
    pub keeps: bool,
    pub edit: Edit,
    /// Where the broken item stops: the start of the line after it.
    pub stop: Option<usize>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Edit {
    /// Blank `range` (spaces, line breaks kept).
    Blank,
    /// Write these characters over the blanks at these offsets (closing a
    /// `{` or a string), keeping what the item holds.
    Close(Vec<(usize, char)>),
    /// Write `with` ([`header::HEADER`], or `else` after a `}`) over `head`, a
    /// block's broken header up to its `{`, so its body parses (the block is
    /// left out of the tree the checker gets: what the header meant is lost).
    Header {
        head: (usize, usize),
        with: &'static str,
    },
}

/// What went wrong, and where, as far as choosing a repair goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Fault {
    /// A string opened here never ends (`triple`: a `"""` string).
    String { at: usize, triple: bool },
    /// This `{` is never closed.
    Brace { at: usize },
    /// Anything else, reported here.
    At(usize),
}

impl Fault {
    pub fn at(self) -> usize {
        match self {
            Fault::String { at, .. } | Fault::Brace { at } | Fault::At(at) => at,
        }
    }
}

pub(super) struct Layout<'a> {
    text: &'a str,
    lines: Vec<Line>,
}

impl<'a> Layout<'a> {
    pub fn new(text: &'a str) -> Layout<'a> {
        let b = text.as_bytes();
        let mut lines = Vec::new();
        let mut start = 0;
        // Offsets where a multi-line `"""…"""` string ends: lines that
        // start before it are inside it.
        let mut inside_until = 0;
        while start <= b.len() {
            let end = text[start..].find('\n').map_or(b.len(), |e| start + e);
            let indent = b[start..end]
                .iter()
                .take_while(|c| matches!(c, b' ' | b'\t'))
                .count();
            let content = start + indent;
            let rest = text[content..end].trim_end_matches('\r');
            let word = first_word(rest);
            // `}` written before an item by a repair (`} parallel {`): the
            // item starts the line, at its own column.
            let after_closers = rest.trim_start_matches(['}', ' ', '\t']);
            let closed_item =
                after_closers.len() < rest.len() && ITEM_WORDS.contains(&first_word(after_closers));
            let (indent, content, rest, word) = if closed_item {
                let column = indent + rest.len() - after_closers.len();
                (
                    column,
                    start + column,
                    after_closers,
                    first_word(after_closers),
                )
            } else {
                (indent, content, rest, word)
            };
            let kind = if start < inside_until || rest.is_empty() || rest.starts_with('#') {
                Kind::Blank
            } else if let Some(after) = rest.strip_prefix('}') {
                if after.trim_start().starts_with("else") {
                    Kind::CloseElse
                } else {
                    Kind::Close
                }
            } else if ITEM_WORDS.contains(&word) {
                Kind::Item
            } else {
                Kind::Other
            };
            let scan_from = start.max(inside_until);
            let scan = scan_line(b, scan_from, end);
            inside_until = inside_until.max(scan.inside_until);
            lines.push(Line {
                start,
                content,
                end,
                indent,
                kind,
                scan_from,
                lead: if closed_item {
                    text[start..content].matches('}').count() as i64
                } else {
                    rest.chars().take_while(|&c| c == '}').count() as i64
                },
                open_string: scan.open_string,
                braces: scan.braces,
                comment: scan.comment,
                workflow: kind == Kind::Item && word == "workflow",
                string_end: scan.inside_until,
            });
            start = end + 1;
        }
        Layout { text, lines }
    }

    /// The line holding `pos`.
    fn line_of(&self, pos: usize) -> usize {
        self.lines
            .partition_point(|l| l.start <= pos)
            .saturating_sub(1)
    }

    /// The last line before `line` that holds something.
    fn previous(&self, line: usize) -> Option<usize> {
        (0..line).rev().find(|&j| self.lines[j].kind != Kind::Blank)
    }

    /// The lines of the statement or item starting at line `a`: it and the
    /// lines after it indented deeper, up to the next line at the same or
    /// lower indentation — taking the `}` at its own indentation that
    /// closes it, and `} else` lines that go on with it. Returns the last
    /// line taken and the first line after the item (if any).
    fn extent(&self, a: usize) -> (usize, Option<usize>) {
        let ind = self.lines[a].indent;
        let mut balance = self.opens(a);
        // A header whose `{` is lost in a string left open still owns the
        // `}` at its indentation.
        let open_header = self.lines[a].open_string && self.lines[a].kind == Kind::Item;
        let mut last = a;
        // A `"""` string opened on a line taken is taken whole: cutting it
        // would make its closing `"""` open a string that runs on.
        let mut string_end = self.lines[a].string_end;
        for j in a + 1..self.lines.len() {
            let l = self.lines[j];
            if l.start < string_end {
                balance += l.braces;
                string_end = string_end.max(l.string_end);
                last = j;
                continue;
            }
            let take = match l.kind {
                Kind::Blank => {
                    balance += l.braces;
                    continue;
                }
                _ if l.indent > ind => true,
                Kind::CloseElse => l.indent == ind,
                Kind::Close => {
                    if l.indent == ind && (balance > 0 || open_header) {
                        balance += l.braces;
                        last = j;
                        if balance <= 0 || open_header {
                            return (last, self.next_content(j));
                        }
                        continue;
                    }
                    false
                }
                Kind::Item | Kind::Other => false,
            };
            if !take {
                return (last, Some(j));
            }
            balance += l.braces;
            string_end = string_end.max(l.string_end);
            last = j;
        }
        (last, None)
    }

    /// The `{` line `a` leaves open (not counting `}` that start it).
    fn opens(&self, a: usize) -> i64 {
        self.lines[a].braces + self.lines[a].lead
    }

    fn next_content(&self, line: usize) -> Option<usize> {
        (line + 1..self.lines.len()).find(|&j| self.lines[j].kind != Kind::Blank)
    }

    /// The nearest line above `a` that starts an item holding line `a`.
    fn owner(&self, a: usize) -> Option<usize> {
        let mut below = self.lines[a].indent;
        if self.lines[a].kind == Kind::CloseElse {
            below += 1;
        }
        for j in (0..a).rev() {
            let l = self.lines[j];
            if l.kind == Kind::Blank || l.indent >= below {
                continue;
            }
            match l.kind {
                Kind::Item => return Some(j),
                // The `if` of this branch is at the `}`'s indentation.
                Kind::CloseElse => below = l.indent + 1,
                Kind::Close => return None,
                _ => below = l.indent,
            }
        }
        None
    }

    /// The item holding line `a` (`range`, its extent, when `a` starts one).
    fn scope(&self, a: usize, range: (usize, usize)) -> (usize, usize) {
        if self.lines[a].kind == Kind::Item {
            return range;
        }
        match self.owner(a).filter(|&o| !self.lines[o].workflow) {
            Some(o) => self.range(o, self.extent(o).0),
            None => range,
        }
    }

    /// The byte range of lines `a..=last`, with the line break after it.
    fn range(&self, a: usize, last: usize) -> (usize, usize) {
        let end = self.lines[last].end;
        (self.lines[a].start, (end + 1).min(self.text.len()))
    }

    /// Blanking the statement or item starting at line `a`.
    fn blank(&self, a: usize) -> Option<Repair> {
        let l = self.lines[a];
        if l.workflow || matches!(l.kind, Kind::Blank | Kind::Close | Kind::CloseElse) {
            return None;
        }
        let (last, next) = self.extent(a);
        let range = self.range(a, last);
        Some(Repair {
            range,
            scope: self.scope(a, range),
            keeps: false,
            edit: Edit::Blank,
            stop: next.map(|n| self.lines[n].content),
        })
    }

    /// Closing the item starting at line `a` where it ends, with `closer`
    /// (`None`: as many `}` as it leaves open).
    fn close(&self, a: usize, closer: Option<&str>) -> Option<Repair> {
        if self.lines[a].workflow && closer.is_none() {
            return self.close_workflow();
        }
        let (last, next) = self.extent(a);
        let open = self.opens(a)
            + self.lines[a + 1..=last]
                .iter()
                .map(|l| l.braces)
                .sum::<i64>();
        let closer = match closer {
            Some(c) => c.to_string(),
            None if open > 0 => "}".repeat(open as usize),
            None => return None,
        };
        let spots = self.blanks_after(last, next);
        let range = self.range(a, last);
        let word = &self.text[self.lines[a].content..];
        let declares = ["step", "parallel", "sequence", "if", "for", "on", "finally"]
            .iter()
            .any(|w| word.starts_with(w));
        // Something written after the `{` on its own line (`outputs { n: int`).
        let l = self.lines[a];
        let holds = self.text[l.content..l.end]
            .rsplit_once('{')
            .is_some_and(|(_, r)| !r.trim().is_empty() && !r.trim().starts_with('#'));
        (spots.len() >= closer.len()).then(|| Repair {
            range,
            scope: self.scope(a, range),
            keeps: last > a || declares || holds,
            edit: Edit::Close(spots.into_iter().zip(closer.chars()).collect()),
            stop: next.map(|n| self.lines[n].content),
        })
    }

    /// The workflow's own `}` is missing (the file ends inside it): close
    /// it after its last line.
    fn close_workflow(&self) -> Option<Repair> {
        let last = self.previous(self.lines.len())?;
        let at = *self.blanks_after(last, None).first()?;
        Some(Repair {
            range: (at, self.text.len()),
            scope: (at, self.text.len()),
            keeps: true,
            edit: Edit::Close(vec![(at, '}')]),
            stop: None,
        })
    }

    /// Offsets of blanks between the end of line `last` and the first
    /// character of line `next`, where a closer can be written without
    /// landing in a comment.
    fn blanks_after(&self, last: usize, next: Option<usize>) -> Vec<usize> {
        let stop = next.map_or(self.lines.len(), |n| n + 1);
        let mut spots = Vec::new();
        // Line breaks last: writing over one joins two lines, and the
        // layout of the joined line no longer tells where items start.
        let mut breaks = Vec::new();
        for j in last..stop {
            let l = self.lines[j];
            let body = if j == last {
                l.end..l.end
            } else {
                l.start..l.content
            };
            spots.extend(body);
            let whole_blank = j != last && l.content >= l.end;
            if Some(j) != next
                && (j == last || whole_blank)
                && !l.comment
                && l.end < self.text.len()
            {
                breaks.push(l.end);
            }
        }
        spots.sort_unstable();
        breaks.sort_unstable();
        spots.extend(breaks);
        spots
    }

    /// The repairs worth trying for `fault`, the most local first.
    pub fn repairs(&self, fault: Fault) -> Vec<Repair> {
        let line = self.line_of(fault.at());
        let mut out = Vec::new();
        // Before any workflow only an import can be repaired: anything else
        // is a file without its workflow, reported once.
        let import = self.text[self.lines[line].content..].starts_with("import");
        if !import && !self.lines[..=line].iter().any(|l| l.workflow) {
            return out;
        }
        match fault {
            // A half-typed import path names no file: blank the import.
            Fault::String { triple: false, .. } if import => {}
            Fault::String { at, triple: false } => {
                // The quote goes over the string's last character, so the
                // line stays a line (over a line break, it would take in
                // the next one); over the line break when that cannot be.
                let end = self.lines[line].end;
                let b = self.text.as_bytes();
                let last = self.text[..end]
                    .trim_end_matches('\r')
                    .len()
                    .saturating_sub(1);
                let spot = if last > at + 1 && b[last].is_ascii() && b[last - 1] != b'\\' {
                    Some(last)
                } else {
                    (end < self.text.len() && end > at).then_some(end)
                };
                if let Some(spot) = spot {
                    let range = self.range(line, line);
                    out.push(Repair {
                        range,
                        scope: self.scope(line, range),
                        keeps: true,
                        edit: Edit::Close(vec![(spot, '"')]),
                        stop: None,
                    });
                }
            }
            Fault::String { triple: true, .. } => out.extend(self.close(line, Some("\"\"\""))),
            Fault::Brace { .. } => out.extend(self.close(line, None)),
            Fault::At(at) => out.extend(self.rewrite_header(line, Some(at))),
        }
        let mut anchors = vec![line];
        // A line left half-written shows as an error on a line after it
        // (`param foo: ` takes the next line's first word as its type).
        if self.starts_error_line(fault.at()) {
            let mut at = line;
            for _ in 0..LOOK_BACK {
                let Some(p) = self.previous(at) else { break };
                anchors.push(p);
                at = p;
            }
        }
        for a in anchors {
            if a != line {
                // `} else if a or b {` reads as a setting `else`, and pest
                // stops in the branch's first line.
                out.extend(self.rewrite_header(a, None));
            }
            out.extend(self.blank(a));
            if self.lines[a].kind != Kind::Item {
                if let Some(o) = self.owner(a) {
                    out.extend(self.blank(o));
                }
            }
        }
        out.dedup();
        out
    }

    /// Whether `pos` is in the first two words of its line (where an error
    /// caused by the line above shows).
    fn starts_error_line(&self, pos: usize) -> bool {
        let l = self.lines[self.line_of(pos)];
        let before = &self.text[l.content..pos.min(l.end).max(l.content)];
        before.split_whitespace().count() <= 2
    }

    /// The items holding line of `pos`, innermost first (the workflow's
    /// items at most): what to blank when nothing closer will do.
    pub fn enclosing(&self, pos: usize) -> Vec<Repair> {
        let mut out = Vec::new();
        let mut line = self.line_of(pos);
        while let Some(o) = self.owner(line) {
            out.extend(self.blank(o));
            line = o;
        }
        out
    }

    /// The `{` that the layout says was left open: the first one still
    /// open when a line starts an item at the same or lower indentation
    /// than the line that opened it, or a `}` closes a block around it.
    pub fn unclosed_brace(&self) -> Option<usize> {
        let b = self.text.as_bytes();
        // Open `{`: offset and the indentation of its line.
        let mut open: Vec<(usize, usize)> = Vec::new();
        for l in &self.lines {
            let stale = |open: &[(usize, usize)], deeper_than: usize| {
                open.iter()
                    .find(|(at, ind)| *ind >= deeper_than && *at < l.start)
                    .map(|o| o.0)
            };
            match l.kind {
                Kind::Item => {
                    // What a `}` before the item closes (see `closed_item`).
                    for _ in 0..l.lead {
                        open.pop();
                    }
                    if let Some(at) = stale(&open, l.indent) {
                        return Some(at);
                    }
                }
                Kind::Close | Kind::CloseElse => {
                    if let Some(at) = stale(&open, l.indent + 1) {
                        return Some(at);
                    }
                }
                _ => {}
            }
            let from = if l.kind == Kind::Item {
                l.content
            } else {
                l.scan_from
            };
            for_each_brace(b, from.max(l.scan_from), l.end, |at, c| {
                if c == b'{' {
                    open.push((at, l.indent));
                } else {
                    open.pop();
                }
            });
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "workflow w {\n  step a: shell {\n    run \"x\"\n  step b: shell {\n    run \"\"\"\n      if true\n    \"\"\"\n  }\n  parallel {\n    step c: shell {\n      run \"y\"\n    step d: shell { run \"z\" }\n  }\n}\n";

    #[test]
    fn the_unclosed_brace_is_found_by_indentation() {
        let layout = Layout::new(TEXT);
        let at = layout.unclosed_brace().unwrap();
        assert_eq!(at, TEXT.find("shell {").unwrap() + 6);
        let repair = &layout.repairs(Fault::Brace { at })[0];
        assert_eq!(
            &TEXT[repair.range.0..repair.range.1],
            "  step a: shell {\n    run \"x\"\n"
        );
        let Edit::Close(writes) = &repair.edit else {
            panic!("{repair:?}")
        };
        assert_eq!(writes.len(), 1);
        // Over the next item's indentation, not its line break.
        assert!(TEXT[writes[0].0..].starts_with("  step b"));
    }

    #[test]
    fn lines_inside_triple_strings_start_nothing() {
        let layout = Layout::new(TEXT);
        let shell_if = layout.line_of(TEXT.find("if true").unwrap());
        assert_eq!(layout.lines[shell_if].kind, Kind::Blank);
        let step_b = layout.line_of(TEXT.find("step b").unwrap());
        let (last, _) = layout.extent(step_b);
        assert_eq!(layout.lines[last].kind, Kind::Close);
    }

    #[test]
    fn a_statement_takes_the_whole_triple_string_it_opens() {
        let layout = Layout::new(TEXT);
        let run = layout.line_of(TEXT.find("run \"\"\"").unwrap());
        let blank = layout.blank(run).unwrap();
        assert_eq!(
            &TEXT[blank.range.0..blank.range.1],
            "    run \"\"\"\n      if true\n    \"\"\"\n"
        );
    }

    #[test]
    fn a_nested_item_ends_before_its_sibling() {
        let layout = Layout::new(TEXT);
        let c = layout.line_of(TEXT.find("step c").unwrap());
        let blank = layout.blank(c).unwrap();
        assert_eq!(
            &TEXT[blank.range.0..blank.range.1],
            "    step c: shell {\n      run \"y\"\n"
        );
        assert_eq!(layout.owner(c), layout.previous(c));
    }
}

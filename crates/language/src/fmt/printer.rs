//! The line printer: indentation, blank lines and comment placement.
//!
//! Comments live beside the tree, sorted by position. The printer walks them
//! with a cursor while it prints the tree in source order, so each comment is
//! printed exactly once:
//!
//! - before a line-level node (item, field, map entry, output), every comment
//!   that starts before the node is printed on its own line above it, at the
//!   node's indentation ([`Printer::leading`]);
//! - a comment inside a node that is printed on one line (say, within a list
//!   spread over several lines) is moved above that node;
//! - a comment after a node on the same source line, before the next node,
//!   stays at the end of the node's line after two spaces ([`Printer::trailing`]);
//! - comments left at the end of a block are printed inside it, before `}`
//!   ([`Printer::close_block`]).
//!
//! Blank lines between items are kept but collapsed to one; none is printed
//! right after `{` or before `}`.

use crate::span::Span;
use crate::syntax::ast::Comment;

/// Columns a one-line form may take before it is printed over several lines.
pub(super) const MAX_WIDTH: usize = 100;

const INDENT: &str = "  ";

pub(super) struct Printer<'a> {
    pub(super) src: &'a str,
    comments: Vec<&'a Comment>,
    /// The next comment not yet printed.
    next: usize,
    out: String,
    indent: usize,
    /// Source offset just after the last node or comment printed.
    last_end: usize,
    /// Nothing printed yet in the current block (or file): no blank line allowed.
    fresh: bool,
}

impl<'a> Printer<'a> {
    pub(super) fn new(src: &'a str, comments: &'a [Comment]) -> Printer<'a> {
        let mut comments: Vec<&Comment> = comments.iter().collect();
        comments.sort_by_key(|c| (c.span.start, c.span.end));
        Printer {
            src,
            comments,
            next: 0,
            out: String::new(),
            indent: 0,
            last_end: 0,
            fresh: true,
        }
    }

    /// The output, with every remaining comment flushed at the end.
    pub(super) fn finish(mut self) -> String {
        self.own_line_comments_before(usize::MAX);
        while self.out.ends_with("\n\n") {
            self.out.pop();
        }
        if !self.out.ends_with('\n') {
            self.out.push('\n');
        }
        self.out
    }

    /// The current indentation width in columns.
    pub(super) fn column(&self) -> usize {
        self.indent * INDENT.len()
    }

    /// The width in columns of the line being printed, so far.
    pub(super) fn line_width(&self) -> usize {
        let start = self.out.rfind('\n').map_or(0, |i| i + 1);
        self.out[start..].chars().count()
    }

    fn peek(&self) -> Option<&'a Comment> {
        self.comments.get(self.next).copied()
    }

    /// Whether a comment not yet printed starts before `pos`.
    pub(super) fn comment_before(&self, pos: usize) -> bool {
        self.peek().is_some_and(|c| (c.span.start as usize) < pos)
    }

    /// The comment as written, `#` included, without trailing whitespace.
    fn comment_text(&self, c: &Comment) -> String {
        match self.src.get(c.span.range()) {
            Some(text) if text.starts_with('#') => text.trim_end().to_string(),
            _ => {
                let hashes = if c.doc { "##" } else { "#" };
                format!("{hashes}{}", c.text).trim_end().to_string()
            }
        }
    }

    /// Whether the source between `from` and `to` holds an empty line.
    fn blank_between(&self, from: usize, to: usize) -> bool {
        let Some(gap) = self.src.get(from.min(to)..to) else {
            return false;
        };
        let mut lines = gap.split('\n');
        lines.next(); // the rest of the line `from` is on
        let mut lines = lines.peekable();
        while let Some(line) = lines.next() {
            // The last piece is the start of the line `to` is on, not a whole line.
            if lines.peek().is_some() && line.trim().is_empty() {
                return true;
            }
        }
        false
    }

    pub(super) fn open_line(&mut self) {
        for _ in 0..self.indent {
            self.out.push_str(INDENT);
        }
    }

    pub(super) fn push(&mut self, text: &str) {
        self.out.push_str(text);
    }

    pub(super) fn end_line(&mut self) {
        while self.out.ends_with(' ') {
            self.out.pop();
        }
        self.out.push('\n');
        self.fresh = false;
    }

    pub(super) fn blank_line(&mut self) {
        if !self.out.is_empty() && !self.out.ends_with("\n\n") {
            self.out.push('\n');
        }
    }

    fn emit_own_line(&mut self, c: &Comment, blank: bool) {
        if blank {
            self.blank_line();
        }
        let text = self.comment_text(c);
        self.open_line();
        self.push(&text);
        self.end_line();
    }

    /// Prints the comments before a node that starts at `pos`, each on its own
    /// line, then the blank line before the node if the source has one.
    /// Comments in `pos..hoist_to` (inside the part of the node printed on one
    /// line) are moved above it — above its `##` docs, so they stay attached.
    pub(super) fn leading(&mut self, pos: usize, hoist_to: usize) {
        let mut lead: Vec<(&'a Comment, bool)> = Vec::new();
        let mut last = self.last_end;
        let mut fresh = self.fresh;
        while let Some(c) = self.peek().filter(|c| (c.span.start as usize) < pos) {
            let blank = !fresh && self.blank_between(last, c.span.start as usize);
            lead.push((c, blank));
            last = c.span.end as usize;
            fresh = false;
            self.next += 1;
        }
        let node_blank = !fresh && self.blank_between(last, pos);
        let mut interior = Vec::new();
        while let Some(c) = self.peek().filter(|c| (c.span.start as usize) < hoist_to) {
            interior.push(c);
            self.next += 1;
        }
        if interior.is_empty() {
            for &(c, blank) in &lead {
                self.emit_own_line(c, blank);
            }
            if node_blank {
                self.blank_line();
            }
        } else {
            // `##` docs directly above the node stay directly above it, so the
            // moved comments go above them.
            let mut split = lead.len();
            if !node_blank {
                while split > 0 && lead[split - 1].0.doc && (split == lead.len() || !lead[split].1)
                {
                    split -= 1;
                }
            }
            for &(c, blank) in &lead[..split] {
                self.emit_own_line(c, blank);
            }
            let blank = match lead.get_mut(split) {
                Some(doc) => std::mem::replace(&mut doc.1, false),
                None => node_blank,
            };
            for (i, c) in interior.iter().enumerate() {
                self.emit_own_line(c, i == 0 && blank);
            }
            for &(c, blank) in &lead[split..] {
                self.emit_own_line(c, blank);
            }
        }
        self.last_end = last;
    }

    /// Prints, at the end of the current line, a comment that follows `end` on
    /// the same source line and starts before `next` (the next node, or `}`).
    pub(super) fn trailing(&mut self, end: usize, next: Option<usize>) {
        self.last_end = self.last_end.max(end);
        let Some(c) = self.peek() else { return };
        let start = c.span.start as usize;
        let same_line = start >= end
            && self
                .src
                .get(end..start)
                .is_some_and(|gap| !gap.contains('\n'));
        if same_line && next.is_none_or(|n| start < n) {
            let text = self.comment_text(c);
            while self.out.ends_with(' ') {
                self.out.pop();
            }
            self.push("  ");
            self.push(&text);
            self.next += 1;
            self.last_end = c.span.end as usize;
        }
    }

    /// The end of the node spanning `start..end` without the whitespace and
    /// comments the parser may count at its end (pest's implicit skipping
    /// after the last element of a rule).
    pub(super) fn tight_end(&self, start: usize, end: usize) -> usize {
        let bytes = self.src.as_bytes();
        let mut pos = end.min(bytes.len());
        loop {
            while pos > start && bytes[pos - 1].is_ascii_whitespace() {
                pos -= 1;
            }
            // A comment that ends at (or just after, by its own trailing blanks) `pos`.
            let i = self
                .comments
                .partition_point(|c| (c.span.start as usize) < pos);
            match i.checked_sub(1).map(|i| self.comments[i]) {
                Some(c) if c.span.start as usize >= start && c.span.end as usize >= pos => {
                    pos = c.span.start as usize;
                }
                _ => return pos,
            }
        }
    }

    /// The offset of the `}` that ends `span` (the last one inside it).
    pub(super) fn close_brace(&self, span: Span) -> usize {
        self.close_delim(span, '}')
    }

    /// The offset of the `delim` that ends `span` (the last one inside it).
    pub(super) fn close_delim(&self, span: Span, delim: char) -> usize {
        let start = span.start as usize;
        let end = self.tight_end(start, span.end as usize);
        self.src
            .get(start..end)
            .and_then(|text| text.rfind(delim))
            .map_or(end.saturating_sub(1), |i| start + i)
    }

    /// Whether a comment not yet printed starts inside `from..to`.
    pub(super) fn comment_in(&self, from: usize, to: usize) -> bool {
        let first = self
            .comments
            .partition_point(|c| (c.span.start as usize) < from)
            .max(self.next);
        self.comments
            .get(first)
            .is_some_and(|c| (c.span.start as usize) < to)
    }

    /// Records that the source up to `pos` has been printed.
    pub(super) fn advance(&mut self, pos: usize) {
        self.last_end = self.last_end.max(pos);
    }

    /// Prints every comment before `pos` on its own line at the current indentation.
    fn own_line_comments_before(&mut self, pos: usize) {
        while let Some(c) = self.peek().filter(|c| (c.span.start as usize) < pos) {
            let blank = !self.fresh && self.blank_between(self.last_end, c.span.start as usize);
            self.emit_own_line(c, blank);
            self.last_end = c.span.end as usize;
            self.next += 1;
        }
    }

    /// After the header text ending in `{` (at source offset `open`): a comment
    /// on the same line stays there; then the body is indented one level.
    /// `first` is where the first thing inside starts (or the `}`).
    pub(super) fn open_block(&mut self, open: usize, first: usize) {
        self.last_end = open + 1;
        self.trailing(open + 1, Some(first));
        self.end_line();
        self.indent += 1;
        self.fresh = true;
    }

    /// Prints the comments left before the `}` at source offset `close`, then
    /// the `}` itself, leaving its line open (for `} else {` or a trailing comment).
    pub(super) fn close_block(&mut self, close: usize) {
        self.close_with(close, "}");
    }

    /// Like [`Printer::close_block`], for any closing delimiter (`]` too).
    pub(super) fn close_with(&mut self, close: usize, delim: &str) {
        self.own_line_comments_before(close);
        self.indent -= 1;
        self.open_line();
        self.push(delim);
        self.last_end = close + 1;
        self.fresh = false;
    }

    /// One line-level node spanning `start..end`: its leading comments (those
    /// before `hoist_to` moved above it), its text from `print`, and its trailing
    /// comment (one starting before `next`).
    pub(super) fn node(
        &mut self,
        start: usize,
        end: usize,
        hoist_to: usize,
        next: Option<usize>,
        print: impl FnOnce(&mut Self),
    ) {
        let end = self.tight_end(start, end);
        self.leading(start, hoist_to.min(end));
        self.open_line();
        print(self);
        self.trailing(end, next);
        self.end_line();
    }
}

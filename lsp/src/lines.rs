//! Byte offsets ↔ LSP positions (0-based line, UTF-16 column).
//!
//! The language crate answers in byte offsets; the protocol speaks UTF-16
//! code units.
//! This is the one place that converts, at the edge of the server.
//!
//! Converting an offset to a position costs two binary searches, never a
//! scan of its line: the index keeps every character whose UTF-8 and UTF-16
//! lengths differ, with a running sum of the difference. A request that
//! converts every token of a 400k-token line stays linear in the document.

use tower_lsp::lsp_types::{Position, Range};
use wfc_language::span;

/// Line starts of one text and its wide characters, for position
/// conversion: the language crate's index, speaking the protocol's types.
#[derive(Clone, Debug)]
pub struct LineIndex {
    lines: span::LineIndex,
    /// Each non-ASCII character: its byte offset, and the sum of
    /// `len_utf8 - len_utf16` of the wide characters before it and itself.
    wide: Vec<(u32, u32)>,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let mut wide = Vec::new();
        let mut extra = 0u32;
        if !text.is_ascii() {
            for (i, ch) in text.char_indices().filter(|(_, c)| !c.is_ascii()) {
                extra += (ch.len_utf8() - ch.len_utf16()) as u32;
                wide.push((i as u32, extra));
            }
        }
        LineIndex {
            lines: span::LineIndex::new(text),
            wide,
        }
    }

    /// The sum of `len_utf8 - len_utf16` over the characters before `offset`.
    fn extra_before(&self, offset: usize) -> usize {
        let k = self.wide.partition_point(|&(at, _)| (at as usize) < offset);
        k.checked_sub(1).map_or(0, |k| self.wide[k].1 as usize)
    }

    /// The position of a byte offset (clamped to the text and to a char boundary).
    pub fn position(&self, text: &str, offset: usize) -> Position {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.lines.line_of(offset);
        let start = self.lines.line_start(line);
        let col = offset - start - (self.extra_before(offset) - self.extra_before(start));
        Position::new(line as u32, col as u32)
    }

    /// The byte offset of a position (clamped to its line; past the end → end of text).
    pub fn offset(&self, text: &str, pos: Position) -> usize {
        self.lines.offset_utf16(text, pos.line, pos.character)
    }

    pub fn range(&self, text: &str, span: &std::ops::Range<usize>) -> Range {
        Range::new(
            self.position(text, span.start),
            self.position(text, span.end),
        )
    }

    /// The byte range of line `line`, without its line break.
    pub fn line_span(&self, text: &str, line: usize) -> std::ops::Range<usize> {
        let start_of = |l: usize| {
            if l < self.lines.line_count() {
                self.lines.line_start(l)
            } else {
                text.len()
            }
        };
        let (start, mut end) = (start_of(line), start_of(line + 1));
        while end > start && matches!(text.as_bytes()[end - 1], b'\n' | b'\r') {
            end -= 1;
        }
        start..end
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf16_columns_round_trip() {
        let text = "a😀b\nçx\r\nend";
        let idx = LineIndex::new(text);
        let b = text.find('b').unwrap();
        assert_eq!(idx.position(text, b), Position::new(0, 3));
        assert_eq!(idx.offset(text, Position::new(0, 3)), b);
        let x = text.find('x').unwrap();
        assert_eq!(idx.position(text, x), Position::new(1, 1));
        assert_eq!(idx.offset(text, Position::new(1, 1)), x);
        // past the end of a line clamps before the line break
        assert_eq!(idx.offset(text, Position::new(1, 99)), x + 1);
        assert_eq!(idx.offset(text, Position::new(9, 0)), text.len());
        assert_eq!(idx.line_span(text, 1), x - 2..x + 1);
    }

    // The index's sums must agree with counting the line's characters, at
    // every offset (inside a character too: it clamps back to its start).
    #[test]
    fn positions_agree_with_counting_characters() {
        let text = "ab😀ç\n€x😀😀 y\n\nzç";
        let idx = LineIndex::new(text);
        let reference = span::LineIndex::new(text);
        for offset in 0..=text.len() + 2 {
            let (line, col) = reference.line_utf16(text, offset);
            assert_eq!(
                idx.position(text, offset),
                Position::new(line, col),
                "offset {offset}"
            );
        }
    }
}

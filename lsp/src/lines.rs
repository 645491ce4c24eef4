//! Byte offsets ↔ LSP positions (0-based line, UTF-16 column).
//!
//! The language crate answers in byte offsets; the protocol speaks UTF-16
//! code units.
//! This is the one place that converts, at the edge of the server.

use tower_lsp::lsp_types::{Position, Range};
use wfc_language::span;

/// Line starts of one text, for position conversion: the language crate's
/// index, speaking the protocol's types.
#[derive(Clone, Debug)]
pub struct LineIndex(span::LineIndex);

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        LineIndex(span::LineIndex::new(text))
    }

    /// The position of a byte offset (clamped to the text and to a char boundary).
    pub fn position(&self, text: &str, offset: usize) -> Position {
        let (line, col) = self.0.line_utf16(text, offset);
        Position::new(line, col)
    }

    /// The byte offset of a position (clamped to its line; past the end → end of text).
    pub fn offset(&self, text: &str, pos: Position) -> usize {
        self.0.offset_utf16(text, pos.line, pos.character)
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
            if l < self.0.line_count() {
                self.0.line_start(l)
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
}

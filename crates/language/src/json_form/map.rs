//! Where each byte of the `.wf` text written from a JSON document came
//! from in the document, so spans found in the one point into the other.

use super::tree::Text;
use crate::span::Span;

/// Pieces of the `.wf` text, in order, each with its origin.
#[derive(Debug, Default)]
pub struct SourceMap {
    pieces: Vec<Piece>,
}

#[derive(Debug)]
struct Piece {
    /// Where the piece starts in the `.wf` text.
    at: usize,
    origin: Origin,
}

#[derive(Debug)]
enum Origin {
    /// Written for a JSON value (a keyword, punctuation): all of it is there.
    Whole(Span),
    /// A JSON string's text, byte for byte: `origin[i]` is where byte `i`
    /// came from; `end` is the string's closing quote.
    Text { origin: Vec<u32>, end: u32 },
}

impl SourceMap {
    pub fn whole(&mut self, at: usize, span: Span) {
        self.pieces.push(Piece {
            at,
            origin: Origin::Whole(span),
        });
    }

    pub fn text(&mut self, at: usize, text: &Text, value: Span) {
        self.pieces.push(Piece {
            at,
            origin: Origin::Text {
                origin: text.origin.clone(),
                end: value.end.saturating_sub(1),
            },
        });
    }

    /// The document span of `.wf` span `s`.
    pub fn span(&self, s: Span) -> Span {
        let start = self.point(s.start as usize, false);
        let end = match s.is_empty() {
            true => start,
            false => self.point(s.end as usize, true).max(start),
        };
        Span::new(start, end)
    }

    /// Offset `o` of the `.wf` text in the document; `end`: `o` ends a span.
    fn point(&self, o: usize, end: bool) -> usize {
        // The piece holding `o` (the one before, for the end of a span).
        let probe = if end { o.saturating_sub(1) } else { o };
        let i = self.pieces.partition_point(|p| p.at <= probe);
        let Some(piece) = i.checked_sub(1).map(|i| &self.pieces[i]) else {
            return 0;
        };
        match &piece.origin {
            Origin::Whole(s) if end => s.end as usize,
            Origin::Whole(s) => s.start as usize,
            Origin::Text { origin, end: close } => {
                let k = o - piece.at;
                origin.get(k).map_or(*close as usize, |&x| x as usize)
            }
        }
    }
}

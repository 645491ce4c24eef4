//! `semanticTokens/full/delta`: the edit that turns the tokens last sent
//! into the new ones.
//!
//! Typing changes the tokens around the cursor and shifts none of the
//! others (the encoding is relative), so one edit — the tokens between the
//! common prefix and the common suffix — is all a keystroke costs the wire.

use tower_lsp::lsp_types::{SemanticToken, SemanticTokensEdit};

/// Each token is five integers on the wire; edits count integers.
const INTS: usize = 5;

/// The edits from `old` to `new` (none when they are equal).
pub fn delta(old: &[SemanticToken], new: &[SemanticToken]) -> Vec<SemanticTokensEdit> {
    let prefix = old.iter().zip(new).take_while(|(a, b)| a == b).count();
    if prefix == old.len() && prefix == new.len() {
        return Vec::new();
    }
    let room = old.len().min(new.len()) - prefix;
    let suffix = old
        .iter()
        .rev()
        .zip(new.iter().rev())
        .take(room)
        .take_while(|(a, b)| a == b)
        .count();
    vec![SemanticTokensEdit {
        start: (prefix * INTS) as u32,
        delete_count: ((old.len() - prefix - suffix) * INTS) as u32,
        data: Some(new[prefix..new.len() - suffix].to_vec()),
    }]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(v: &[u32]) -> Vec<SemanticToken> {
        v.iter()
            .map(|&n| SemanticToken {
                delta_line: n,
                ..Default::default()
            })
            .collect()
    }

    /// Applies edits as a client does, on the integers.
    fn apply(old: &[SemanticToken], edits: &[SemanticTokensEdit]) -> Vec<u32> {
        let mut ints: Vec<u32> = old
            .iter()
            .flat_map(|t| [t.delta_line, 0, 0, 0, 0])
            .collect();
        for e in edits.iter().rev() {
            let data = e
                .data
                .iter()
                .flatten()
                .flat_map(|t| [t.delta_line, 0, 0, 0, 0]);
            let (start, end) = (e.start as usize, (e.start + e.delete_count) as usize);
            ints.splice(start..end, data);
        }
        ints
    }

    #[test]
    fn one_edit_between_the_common_ends() {
        let cases: [(&[u32], &[u32]); 6] = [
            (&[1, 2, 3], &[1, 2, 3]),
            (&[1, 2, 3], &[1, 9, 3]),
            (&[1, 2, 3], &[1, 2, 2, 3]),
            (&[1, 2, 2, 3], &[1, 2, 3]),
            (&[], &[4, 5]),
            (&[4, 5], &[]),
        ];
        for (old, new) in cases {
            let (old, new) = (tokens(old), tokens(new));
            let edits = delta(&old, &new);
            assert!(edits.len() <= 1);
            let expected: Vec<u32> = new
                .iter()
                .flat_map(|t| [t.delta_line, 0, 0, 0, 0])
                .collect();
            assert_eq!(apply(&old, &edits), expected, "{old:?} → {new:?}");
        }
        let edits = delta(&tokens(&[1, 2, 3]), &tokens(&[1, 9, 3]));
        assert_eq!((edits[0].start, edits[0].delete_count), (5, 5));
    }
}

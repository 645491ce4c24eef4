//! String literal helpers: escape decoding, `"""` dedenting, and where a
//! literal's text is in the source.

use super::ast::StrLit;
use crate::span::Span;

/// Without `moved`: source offsets, like spans, are no part of what a
/// literal says (a formatted file has the same tree).
impl std::fmt::Debug for StrLit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StrLit")
            .field("parts", &self.parts)
            .field("triple", &self.triple)
            .finish()
    }
}

impl StrLit {
    /// The source span of bytes `start..end` of the text of the part whose
    /// span is `part` (a [`super::ast::StrPart::Text`]): exact, dedenting and escapes
    /// accounted for.
    pub fn source_span(&self, part: Span, start: usize, end: usize) -> Span {
        let at = |i: usize| {
            let run = self
                .moved
                .iter()
                .rfind(|r| r.0 == part.start && r.1 as usize <= i);
            match run {
                Some(&(_, from, src)) => src as usize + (i - from as usize),
                None => part.start as usize + i,
            }
        };
        // The end is one past the last byte: what follows it in the text
        // may not follow it in the source.
        match end > start {
            true => Span::new(at(start), at(end - 1) + 1),
            false => Span::new(at(start), at(start)),
        }
    }
}

/// Decodes one escape sequence (the text starts with `\`). `None` if unknown.
pub fn unescape(esc: &str) -> Option<char> {
    let body = esc.strip_prefix('\\')?;
    match body {
        "n" => Some('\n'),
        "t" => Some('\t'),
        "r" => Some('\r'),
        "0" => Some('\0'),
        "\\" => Some('\\'),
        "\"" => Some('"'),
        "$" => Some('$'),
        _ => {
            let hex = body.strip_prefix("u{")?.strip_suffix('}')?;
            if hex.len() > 6 {
                return None;
            }
            char::from_u32(u32::from_str_radix(hex, 16).ok()?)
        }
    }
}

/// Dedents the text of a `"""` string. `pieces` are the literal runs between
/// interpolations; the result has the same number of pieces.
///
/// The first line is dropped when it is blank (the text after the opening
/// quotes), so is the last when it is blank (the indentation before the
/// closing quotes), and the smallest indentation of the remaining non-blank
/// lines is removed from every line. An interpolation counts as content.
pub fn dedent(pieces: &[String]) -> Vec<String> {
    dedent_kept(pieces)
        .iter()
        .zip(pieces)
        .map(|(kept, p)| kept.iter().map(|&(s, e)| &p[s..e]).collect())
        .collect()
}

/// What [`dedent`] keeps of each piece: its byte ranges, in order (what
/// lets a place in the dedented text be found in the source).
pub fn dedent_kept(pieces: &[String]) -> Vec<Vec<(usize, usize)>> {
    // The lines, each a run of (piece, start, end) segments: an
    // interpolation (between two pieces) continues its line.
    let mut lines: Vec<Vec<(usize, usize, usize)>> = Vec::new();
    let mut line = Vec::new();
    for (i, p) in pieces.iter().enumerate() {
        let mut at = 0;
        for (nl, _) in p.match_indices('\n') {
            line.push((i, at, nl));
            lines.push(std::mem::take(&mut line));
            at = nl + 1;
        }
        line.push((i, at, p.len()));
    }
    lines.push(line);
    let text = |l: &[(usize, usize, usize)]| -> String {
        l.iter().map(|&(i, s, e)| &pieces[i][s..e]).collect()
    };
    // A line holding an interpolation spans two pieces.
    let marked = |l: &[(usize, usize, usize)]| l.first().map(|f| f.0) != l.last().map(|l| l.0);
    let blank = |l: &[(usize, usize, usize)]| !marked(l) && text(l).trim().is_empty();
    let mut first = 0;
    let mut last = lines.len();
    if lines.len() > 1 && blank(&lines[0]) {
        first = 1;
    }
    if last - first > 1 && blank(&lines[last - 1]) {
        last -= 1;
    }
    // Leading blanks end at an interpolation: they are the first segment's.
    let leading = |l: &[(usize, usize, usize)]| {
        let t = l.first().map_or("", |&(i, s, e)| &pieces[i][s..e]);
        t.len() - t.trim_start_matches([' ', '\t']).len()
    };
    let indent = lines[first..last]
        .iter()
        .filter(|l| marked(l) || !text(l).trim().is_empty())
        .map(|l| leading(l))
        .min()
        .unwrap_or(0);
    let mut kept: Vec<Vec<(usize, usize)>> = vec![Vec::new(); pieces.len()];
    for (n, line) in lines[first..last].iter().enumerate() {
        let mut cut = indent.min(leading(line));
        for (k, &(i, s, e)) in line.iter().enumerate() {
            let take = cut.min(e - s);
            cut -= take;
            let s = s + take;
            // The line's newline, unless it is the last line kept.
            let end = if k + 1 == line.len() && first + n + 1 < last {
                e + 1
            } else {
                e
            };
            if s < end {
                kept[i].push((s, end));
            }
        }
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes() {
        assert_eq!(unescape("\\n"), Some('\n'));
        assert_eq!(unescape("\\$"), Some('$'));
        assert_eq!(unescape("\\u{1F600}"), Some('😀'));
        assert_eq!(unescape("\\q"), None);
        assert_eq!(unescape("\\u{110000}"), None);
    }

    /// The former dedent (joined with a marker per interpolation): the
    /// ranges must give the same text.
    fn dedent_joined(pieces: &[String]) -> Vec<String> {
        const MARK: char = '\u{0}';
        let joined = pieces.join(&MARK.to_string());
        let mut lines: Vec<&str> = joined.split('\n').collect();
        if lines.len() > 1 && lines[0].trim().is_empty() && !lines[0].contains(MARK) {
            lines.remove(0);
        }
        if lines.len() > 1 {
            let last = lines[lines.len() - 1];
            if last.trim().is_empty() && !last.contains(MARK) {
                lines.pop();
            }
        }
        let indent = lines
            .iter()
            .filter(|l| !l.trim().is_empty() || l.contains(MARK))
            .map(|l| l.len() - l.trim_start_matches([' ', '\t']).len())
            .min()
            .unwrap_or(0);
        let out: Vec<&str> = lines
            .iter()
            .map(|l| {
                if l.len() >= indent && l.is_char_boundary(indent) {
                    &l[indent..]
                } else {
                    l.trim_start_matches([' ', '\t'])
                }
            })
            .collect();
        let text = out.join("\n");
        let mut result: Vec<String> = text.split(MARK).map(str::to_string).collect();
        result.resize(pieces.len(), String::new());
        result
    }

    #[test]
    fn dedent_by_ranges_is_the_joined_dedent() {
        // Every string of up to 5 characters over these, in 1 to 3 pieces.
        let alphabet = [' ', '\t', '\n', 'a', 'é'];
        let mut texts = vec![String::new()];
        for _ in 0..5 {
            let longer: Vec<String> = texts
                .iter()
                .filter(|t| t.chars().count() == texts.last().unwrap().chars().count())
                .flat_map(|t| alphabet.iter().map(move |c| format!("{t}{c}")))
                .collect();
            texts.extend(longer);
        }
        let mut cases = 0;
        for t in &texts {
            let one = std::slice::from_ref(t);
            assert_eq!(dedent(one), dedent_joined(one), "{t:?}");
            let cuts: Vec<usize> = t.char_indices().map(|(i, _)| i).chain([t.len()]).collect();
            for &a in &cuts {
                for &b in cuts.iter().filter(|&&b| b >= a) {
                    let pieces = vec![t[..a].to_string(), t[a..b].to_string(), t[b..].to_string()];
                    assert_eq!(dedent(&pieces), dedent_joined(&pieces), "{pieces:?}");
                    cases += 1;
                }
            }
        }
        assert!(cases > 10_000, "{cases}");
    }

    #[test]
    fn dedent_removes_common_indent_and_edge_lines() {
        let text = "\n    set -e\n      echo hi\n\n    done\n    ".to_string();
        assert_eq!(
            dedent(&[text]),
            vec!["set -e\n  echo hi\n\ndone".to_string()]
        );
    }

    #[test]
    fn dedent_keeps_interpolation_pieces() {
        let pieces = vec!["\n  echo ".to_string(), "\n  ls\n  ".to_string()];
        assert_eq!(
            dedent(&pieces),
            vec!["echo ".to_string(), "\nls".to_string()]
        );
    }
}

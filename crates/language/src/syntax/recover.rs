//! Error recovery by excision.
//!
//! pest stops at the first syntax error. To report the errors after it, and
//! to give the language server a tree of everything else while the user is
//! typing, the parser blanks out the top-level item holding the error (spaces,
//! keeping line breaks so every offset stays where it was) and parses again.
//! The items are found by brace depth: an item of the workflow body starts on
//! a line that begins at depth 1.

/// The byte range of the workflow-body item around `pos`, or `None` when
/// `pos` is not inside one (the workflow header, or unbalanced text).
pub fn item_around(text: &str, pos: usize) -> Option<(usize, usize)> {
    let starts = item_starts(text)?;
    let (close, starts) = starts;
    let start = *starts.iter().rev().find(|&&s| s <= pos)?;
    let end = starts
        .iter()
        .copied()
        .find(|&s| s > pos)
        .unwrap_or(close)
        .max(start);
    (start < end).then_some((start, end))
}

/// Replaces `range` with spaces, keeping line breaks (and every offset).
pub fn blank(text: &str, (start, end): (usize, usize)) -> String {
    let mut out = String::with_capacity(text.len());
    out.push_str(&text[..start]);
    for c in text[start..end].chars() {
        match c {
            '\n' | '\r' => out.push(c),
            _ => out.extend(std::iter::repeat_n(' ', c.len_utf8())),
        }
    }
    out.push_str(&text[end..]);
    out
}

/// Names an excised item declares: `step NAME`, `param NAME`, `secret NAME`,
/// `parallel NAME`, `for each NAME` (a rough word scan: it only decides which
/// "unknown name" reports to hold back while the file has syntax errors).
pub fn declared_names(item: &str) -> Vec<String> {
    let words: Vec<&str> = item
        .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-'))
        .filter(|w| !w.is_empty())
        .collect();
    words
        .windows(2)
        .filter(|w| matches!(w[0], "step" | "param" | "secret" | "parallel" | "each"))
        .map(|w| w[1].to_string())
        .collect()
}

/// Offsets of the lines that start items at depth 1, and the offset of the
/// `}` that closes the workflow (or the end of the text).
fn item_starts(text: &str) -> Option<(usize, Vec<usize>)> {
    let b = text.as_bytes();
    let mut depth: i64 = 0;
    let mut starts = Vec::new();
    let mut close = text.len();
    let mut i = 0;
    let mut line_start = true;
    while i < b.len() {
        let c = b[i];
        if line_start && c != b' ' && c != b'\t' && c != b'\r' && c != b'\n' {
            line_start = false;
            if depth == 1 && c != b'}' && c != b'#' {
                // The item starts at the beginning of its line.
                let ls = text[..i].rfind('\n').map_or(0, |p| p + 1);
                starts.push(ls);
            }
        }
        match c {
            b'\n' => line_start = true,
            b'#' => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'"' => {
                i = skip_string(b, i);
                continue;
            }
            b'{' | b'[' | b'(' => depth += 1,
            b'}' | b']' | b')' => {
                depth -= 1;
                if depth == 0 && c == b'}' {
                    close = text[..i].rfind('\n').map_or(i, |p| p + 1);
                }
                if depth < 0 {
                    return None;
                }
            }
            _ => {}
        }
        i += 1;
    }
    Some((close, starts))
}

/// The offset just past the string starting at `i` (or the end of its line
/// for an unterminated plain string).
fn skip_string(b: &[u8], i: usize) -> usize {
    if b[i..].starts_with(b"\"\"\"") {
        let mut j = i + 3;
        while j < b.len() {
            if b[j..].starts_with(b"\"\"\"") {
                return j + 3;
            }
            j += 1;
        }
        return b.len();
    }
    let mut j = i + 1;
    while j < b.len() {
        match b[j] {
            b'\\' => j += 2,
            b'"' => return j + 1,
            b'\n' => return j,
            _ => j += 1,
        }
    }
    b.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_item_around_an_error() {
        let text = "workflow w {\n  step a: shell { run \"x\" }\n  step b: shell {\n    run \"y\" bogus:\n  }\n  step c: shell { run \"z\" }\n}\n";
        let pos = text.find("bogus").unwrap();
        let (s, e) = item_around(text, pos).unwrap();
        assert_eq!(
            &text[s..e],
            "  step b: shell {\n    run \"y\" bogus:\n  }\n"
        );
        let blanked = blank(text, (s, e));
        assert_eq!(blanked.len(), text.len());
        assert!(blanked.contains("step c"));
        assert!(!blanked.contains("step b"));
    }

    #[test]
    fn header_errors_have_no_item() {
        let text = "workflow {\n  step a: shell { run \"x\" }\n}\n";
        assert_eq!(item_around(text, 9), None);
    }
}

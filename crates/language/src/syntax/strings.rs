//! String literal helpers: escape decoding and `"""` dedenting.

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
    // Join with a marker for each interpolation, dedent, split back.
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
    // Lines holding a marker are never dropped, so the count is already
    // right; a user's own NUL character would add pieces, so keep it exact.
    if result.len() > pieces.len() {
        let tail = result.split_off(pieces.len().max(1) - 1).join("\u{0}");
        result.push(tail);
    }
    result.resize(pieces.len(), String::new());
    result
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

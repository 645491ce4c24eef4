//! The JSON string forms of a secret, as common encoders write them.
//!
//! Encoders agree on `\"`, `\\` and control characters (`\n`, `\u001f`) but
//! differ on two points: whether non-ASCII characters are written as is
//! (`serde_json`, `JSON.stringify`) or as `\uXXXX` escapes, a non-BMP
//! character as a surrogate pair (Python's `json.dumps` by default); and
//! whether `/` is written `\/` (PHP's `json_encode`). Each combination is a
//! form, and so is Go's `json.Marshal` (`<`, `>`, `&`, U+2028 and U+2029 as
//! `\u003c`… to be safe in HTML), and so is each form escaped once more: a JSON document carried as
//! a string inside another (`\\u00e4`, `\\\"`). Hex digits are written in
//! lower case; the masker matches letters in either case, so `\u00E4` is
//! masked as well.

/// The JSON string forms of `s` (without quotes) that differ from `s`,
/// deduplicated.
pub(super) fn forms(s: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let combinations = [false, true]
        .into_iter()
        .flat_map(|ascii| [(ascii, false, false), (ascii, true, false)])
        .chain([(false, false, true)]);
    for (ascii, slash, html) in combinations {
        let once = escape(s, ascii, slash, html);
        let twice = escape(&once, ascii, slash, html);
        for form in [once, twice] {
            if form != s && !out.contains(&form) {
                out.push(form);
            }
        }
    }
    out
}

/// `s` as the inside of a JSON string: non-ASCII characters as `\uXXXX`
/// when `ascii`, `/` as `\/` when `slash`, Go's HTML-safe escapes when
/// `html`.
fn escape(s: &str, ascii: bool, slash: bool, html: bool) -> String {
    use std::fmt::Write;
    let mut out = String::with_capacity(s.len() + 2);
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '/' if slash => out.push_str("\\/"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c < ' '
                || (ascii && !c.is_ascii())
                || (html && matches!(c, '<' | '>' | '&' | '\u{2028}' | '\u{2029}')) =>
            {
                for unit in c.encode_utf16(&mut [0; 2]) {
                    let _ = write!(out, "\\u{unit:04x}");
                }
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_form_is_serde_json() {
        for s in ["a\"b\\c\n\t\u{1}\u{7f}é😀/", "plain"] {
            let json = serde_json::to_string(s).unwrap();
            assert_eq!(escape(s, false, false, false), json[1..json.len() - 1]);
        }
    }

    #[test]
    fn ascii_and_slash_forms() {
        assert_eq!(
            escape("pä😀/x", true, false, false),
            "p\\u00e4\\ud83d\\ude00/x"
        );
        assert_eq!(escape("pä/x", false, true, false), "pä\\/x");
        assert_eq!(escape("pä/x", true, true, false), "p\\u00e4\\/x");
        // Go's json.Marshal.
        assert_eq!(
            escape("a<b>&c/é", false, false, true),
            "a\\u003cb\\u003e\\u0026c/é"
        );
        assert!(forms("plain").is_empty());
        assert_eq!(forms("a/b"), ["a\\/b", "a\\\\\\/b"]);
    }
}

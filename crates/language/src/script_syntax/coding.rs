//! A Python script's encoding declaration (PEP 263): `# -*- coding: NAME -*-`
//! on its first line, or on its second when the first is blank or a comment.
//! Python decodes the whole file with that codec, while wfc writes a value
//! for UTF-8 (printable ASCII, everything else escaped). Under a codec that
//! does not read printable ASCII as itself a value can leave its string:
//! in UTF-7, `+ACI-` is `"`. [`python_encoding`] finds the declaration;
//! [`Declared::keeps_ascii`] says whether the codec is one of those where
//! every printable ASCII byte is that character, whatever stands before it.

use super::Segment;

/// An encoding declared in a script's first two lines.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Declared {
    /// The codec's name as written.
    pub name: String,
    /// The text segment of the template it is in, and its byte range there.
    pub segment: usize,
    pub start: usize,
    pub end: usize,
}

impl Declared {
    /// UTF-8, ASCII, and the single-byte codecs that extend ASCII (Latin-N,
    /// Windows-125N): printable ASCII reads as itself in each, and no byte
    /// joins the one after it.
    pub fn keeps_ascii(&self) -> bool {
        let n = self.name.to_ascii_lowercase().replace(['_', ' '], "-");
        let digits_in = |rest: &str, lo: u32, hi: u32| {
            rest.parse::<u32>().is_ok_and(|d| (lo..=hi).contains(&d))
        };
        n.starts_with("utf-8")
            || matches!(
                n.as_str(),
                "utf8"
                    | "u8"
                    | "utf"
                    | "cp65001"
                    | "utf8-ucs2"
                    | "utf8-ucs4"
                    | "ascii"
                    | "us-ascii"
                    | "us"
                    | "646"
                    | "cp367"
                    | "ibm367"
                    | "csascii"
                    | "iso646-us"
                    | "iso-ir-6"
                    | "ansi-x3.4-1968"
                    | "ansi-x3-4-1968"
                    | "ansi-x3.4-1986"
                    | "iso-646.irv-1991"
                    | "latin"
                    | "latin1"
                    | "latin-1"
                    | "l1"
                    | "8859"
                    | "cp819"
                    | "ibm819"
                    | "iso-latin-1"
                    | "iso-ir-100"
            )
            || ["iso-8859-", "iso8859-"]
                .iter()
                .any(|p| n.strip_prefix(p).is_some_and(|r| digits_in(r, 1, 16)))
            || n.strip_prefix("latin")
                .is_some_and(|r| digits_in(r.trim_start_matches('-'), 1, 10))
            || n.strip_prefix('l').is_some_and(|r| digits_in(r, 1, 10))
            || ["cp", "windows-"]
                .iter()
                .any(|p| n.strip_prefix(p).is_some_and(|r| digits_in(r, 1250, 1258)))
    }
}

/// The encoding declared by a Python script template, where Python reads
/// it: the first line, else the second if the first is blank or a comment.
pub fn python_encoding(template: &[Segment<'_>]) -> Option<Declared> {
    // The first two lines, as (character, segment, offset); None is a value.
    let mut lines: Vec<Vec<(Option<char>, usize, usize)>> = vec![Vec::new()];
    'read: for (segment, seg) in template.iter().enumerate() {
        match seg {
            Segment::Value => lines.last_mut().expect("one").push((None, segment, 0)),
            Segment::Text(t) => {
                for (offset, c) in t.char_indices() {
                    if c == '\n' || c == '\r' {
                        if lines.len() == 2 {
                            break 'read;
                        }
                        lines.push(Vec::new());
                    } else {
                        lines
                            .last_mut()
                            .expect("one")
                            .push((Some(c), segment, offset));
                    }
                }
            }
        }
    }
    for (k, line) in lines.iter().enumerate() {
        if let Some(found) = cookie(line) {
            return Some(found);
        }
        if k == 0 && !blank_or_comment(line) {
            break;
        }
    }
    None
}

/// `^[ \t\f]*(#|$)` (a byte-order mark first is no text).
fn blank_or_comment(line: &[(Option<char>, usize, usize)]) -> bool {
    match line
        .iter()
        .map(|i| i.0)
        .find(|c| !matches!(c, Some(' ' | '\t' | '\x0c' | '\u{feff}')))
    {
        None => true,
        Some(c) => c == Some('#'),
    }
}

/// Python's `^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)`.
fn cookie(line: &[(Option<char>, usize, usize)]) -> Option<Declared> {
    let text: Vec<char> = line.iter().map(|i| i.0.unwrap_or('\0')).collect();
    let mut i = text
        .iter()
        .position(|c| !matches!(c, ' ' | '\t' | '\x0c' | '\u{feff}'))?;
    if text[i] != '#' {
        return None;
    }
    i += 1;
    let word: Vec<char> = "coding".chars().collect();
    while i + word.len() < text.len() {
        if text[i..i + word.len()] == word[..] && matches!(text[i + word.len()], ':' | '=') {
            let mut j = i + word.len() + 1;
            while j < text.len() && matches!(text[j], ' ' | '\t') {
                j += 1;
            }
            let start = j;
            while j < text.len()
                && (text[j].is_ascii_alphanumeric() || matches!(text[j], '-' | '_' | '.'))
            {
                j += 1;
            }
            if j > start {
                let (_, segment, from) = line[start];
                let (_, _, last) = line[j - 1];
                return Some(Declared {
                    name: text[start..j].iter().collect(),
                    segment,
                    start: from,
                    end: last + 1,
                });
            }
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn find(text: &str) -> Option<String> {
        python_encoding(&[Segment::Text(text)]).map(|d| d.name)
    }

    #[test]
    fn finds_the_declaration_where_python_reads_it() {
        assert_eq!(
            find("# -*- coding: utf-7 -*-\nx = 1\n").as_deref(),
            Some("utf-7")
        );
        assert_eq!(
            find("#!/usr/bin/env python3\n# vim: set fileencoding=latin-1 :\n").as_deref(),
            Some("latin-1")
        );
        assert_eq!(find("\n  # coding=utf_16\n").as_deref(), Some("utf_16"));
        // Python reads no declaration after code, or past the second line.
        assert_eq!(find("x = 1\n# coding: utf-7\n"), None);
        assert_eq!(find("#\n#\n# coding: utf-7\n"), None);
        assert_eq!(find("x = 1  # coding: utf-7\n"), None);
        assert_eq!(find("# Coding: utf-7\n"), None);
        // A value on the first line is code: the second is not read.
        let t = [Segment::Value, Segment::Text("\n# coding: utf-7\n")];
        assert_eq!(python_encoding(&t), None);
        let t = [Segment::Text("# a\n# coding: utf-7 "), Segment::Value];
        let d = python_encoding(&t).unwrap();
        assert_eq!((d.segment, d.start, d.end), (0, 14, 19));
    }

    #[test]
    fn ascii_keeping_codecs() {
        let keeps = |name: &str| {
            Declared {
                name: name.into(),
                segment: 0,
                start: 0,
                end: 0,
            }
            .keeps_ascii()
        };
        for ok in [
            "utf-8",
            "UTF8",
            "utf_8_sig",
            "ascii",
            "latin-1",
            "ISO-8859-15",
            "iso8859_2",
            "cp1252",
            "windows-1251",
            "latin9",
            "l2",
        ] {
            assert!(keeps(ok), "{ok}");
        }
        for bad in [
            "utf-7",
            "utf_16",
            "utf-32-le",
            "shift_jis",
            "gbk",
            "big5",
            "cp037",
            "euc-jp",
            "iso-2022-jp",
            "unicode_escape",
            "raw_unicode_escape",
            "punycode",
            "hz",
            "cp1200",
            "iso-8859-17",
        ] {
            assert!(!keeps(bad), "{bad}");
        }
    }
}

//! A light scan of strings, comments and delimiters, independent of the grammar.
//!
//! pest reports where parsing stopped, which for an unclosed `{` or string is
//! the end of the file. This scan finds where the culprit was *opened*, so the
//! diagnostic can point there. It also bounds nesting depth before the
//! recursive-descent parser runs, so no input can exhaust the stack: pest is
//! built without its own stack probe (it cost a fifth of the parse), so this
//! bound is what keeps deep input from overflowing the stack.
//!
//! Where the scan stops early (an unterminated string, a mismatched closer),
//! the text after it is never parsed: no rule can match past that point, and
//! recovery stops at these errors.

use crate::diag::{self, Diagnostic};
use crate::span::Span;

/// Maximum nesting of `{ [ ( ${` accepted.
pub const MAX_DEPTH: usize = 128;

#[derive(Clone, Copy)]
enum Frame {
    Delim(char, usize),
    /// `${` inside a string; on `}` the scan returns to the string.
    Interp(usize, StrKind),
}

#[derive(Clone, Copy, PartialEq)]
enum StrKind {
    Plain,
    Triple,
}

/// Scans `text` and returns the first structural problem, if any.
pub fn scan(text: &str) -> Option<Diagnostic> {
    Scanner {
        b: text.as_bytes(),
        i: 0,
        stack: Vec::new(),
        angles: 0,
        suspect: None,
    }
    .run()
}

struct Scanner<'a> {
    b: &'a [u8],
    i: usize,
    stack: Vec<Frame>,
    /// Unclosed `<` of the type being read (`list<map<…`): the grammar
    /// recurses on each. See [`Scanner::angle`].
    angles: usize,
    /// The first `{` whose closing `}` starts a line at another indentation.
    suspect: Option<Span>,
}

impl Scanner<'_> {
    fn run(mut self) -> Option<Diagnostic> {
        while self.i < self.b.len() {
            let c = self.b[self.i];
            if !in_type(c) {
                self.angles = 0;
            }
            match c {
                b'#' => self.skip_comment(),
                b'"' => {
                    if let Some(d) = self.string() {
                        return Some(d);
                    }
                }
                b'{' | b'[' | b'(' => {
                    if self.stack.len() >= MAX_DEPTH {
                        return Some(diag::syntax::too_deep(
                            Span::new(self.i, self.i + 1),
                            MAX_DEPTH,
                        ));
                    }
                    self.stack.push(Frame::Delim(c as char, self.i));
                    self.i += 1;
                }
                b'}' | b']' | b')' => {
                    if let Some(d) = self.close(c as char) {
                        return Some(d);
                    }
                }
                b'<' | b'>' => {
                    if let Some(d) = self.angle(c) {
                        return Some(d);
                    }
                }
                _ => self.i += 1,
            }
        }
        let open = self.stack.iter().rev().find_map(|f| match *f {
            Frame::Delim(c, at) => Some((c, at)),
            Frame::Interp(..) => None,
        })?;
        let suspect = self.suspect.filter(|s| s.start as usize != open.1);
        Some(diag::syntax::unclosed_delimiter(
            Span::new(open.1, open.1 + 1),
            open.0,
            suspect,
            None,
        ))
    }

    /// Counts type nesting (see [`in_type`]). Comparisons (`a < b`) count
    /// too: more than [`MAX_DEPTH`] unclosed `<` in a run of names is an
    /// error either way.
    fn angle(&mut self, c: u8) -> Option<Diagnostic> {
        if c == b'>' {
            self.angles = self.angles.saturating_sub(1);
        } else if self.angles >= MAX_DEPTH {
            return Some(diag::syntax::too_deep(
                Span::new(self.i, self.i + 1),
                MAX_DEPTH,
            ));
        } else {
            self.angles += 1;
        }
        self.i += 1;
        None
    }

    fn skip_comment(&mut self) {
        while self.i < self.b.len() && self.b[self.i] != b'\n' {
            self.i += 1;
        }
    }

    fn close(&mut self, c: char) -> Option<Diagnostic> {
        let here = Span::new(self.i, self.i + 1);
        match self.stack.pop() {
            Some(Frame::Interp(_, kind)) if c == '}' => {
                self.i += 1;
                // Back inside the string the interpolation belongs to.
                self.string_body(kind, None)
            }
            Some(Frame::Delim(open, at)) if matches(open, c) => {
                if open == '{' && self.suspect.is_none() && self.starts_line(self.i) {
                    let open_indent = self.indent_of_line(at);
                    let close_indent = self.indent_of_line(self.i);
                    if open_indent != close_indent {
                        self.suspect = Some(Span::new(at, at + 1));
                    }
                }
                self.i += 1;
                None
            }
            // The closer belongs to an outer delimiter: this one was left open.
            Some(Frame::Delim(open, at))
                if self
                    .stack
                    .iter()
                    .any(|f| matches!(*f, Frame::Delim(o, _) if matches(o, c))) =>
            {
                Some(diag::syntax::unclosed_delimiter(
                    Span::new(at, at + 1),
                    open,
                    None,
                    Some(here),
                ))
            }
            Some(Frame::Delim(open, at)) => Some(diag::syntax::mismatched_delimiter(
                here,
                c,
                Some((Span::new(at, at + 1), open)),
            )),
            Some(Frame::Interp(at, _)) => Some(diag::syntax::mismatched_delimiter(
                here,
                c,
                Some((Span::new(at, at + 2), '{')),
            )),
            None => Some(diag::syntax::mismatched_delimiter(here, c, None)),
        }
    }

    /// At an opening quote: a plain or triple string.
    fn string(&mut self) -> Option<Diagnostic> {
        let start = self.i;
        if self.b[self.i..].starts_with(b"\"\"\"") {
            self.i += 3;
            self.string_body(StrKind::Triple, Some(start))
        } else {
            self.i += 1;
            self.string_body(StrKind::Plain, Some(start))
        }
    }

    /// Scans string text up to its end or an interpolation. `start` is the
    /// opening quote when known (not when resuming after `${…}`).
    fn string_body(&mut self, kind: StrKind, start: Option<usize>) -> Option<Diagnostic> {
        let open = start.unwrap_or(self.i);
        while self.i < self.b.len() {
            let c = self.b[self.i];
            match c {
                // In a triple-quoted string only `\$` escapes; other backslashes are text.
                b'\\' if kind == StrKind::Plain || self.b.get(self.i + 1) == Some(&b'$') => {
                    self.i += 2
                }
                b'$' if self.b.get(self.i + 1) == Some(&b'{') => {
                    if self.stack.len() >= MAX_DEPTH {
                        return Some(diag::syntax::too_deep(
                            Span::new(self.i, self.i + 2),
                            MAX_DEPTH,
                        ));
                    }
                    self.stack.push(Frame::Interp(self.i, kind));
                    self.i += 2;
                    return None;
                }
                b'"' if kind == StrKind::Plain => {
                    self.i += 1;
                    return None;
                }
                b'"' if self.b[self.i..].starts_with(b"\"\"\"") => {
                    self.i += 3;
                    return None;
                }
                b'\n' | b'\r' if kind == StrKind::Plain => {
                    return Some(diag::syntax::unterminated_string(
                        Span::new(open, open + 1),
                        false,
                        Span::point(self.i),
                    ));
                }
                _ => self.i += 1,
            }
        }
        let width = if kind == StrKind::Triple { 3 } else { 1 };
        let end = self.b.len();
        Some(diag::syntax::unterminated_string(
            Span::new(open, (open + width).min(end)),
            kind == StrKind::Triple,
            Span::point(end),
        ))
    }

    fn line_start(&self, at: usize) -> usize {
        self.b[..at]
            .iter()
            .rposition(|&c| c == b'\n')
            .map_or(0, |p| p + 1)
    }

    /// Only blanks before `at` on its line: looks back over them and no
    /// further (a `}` ending a long line must not cost the whole line).
    fn starts_line(&self, at: usize) -> bool {
        self.b[..at]
            .iter()
            .rev()
            .find(|c| **c != b' ' && **c != b'\t')
            .is_none_or(|c| *c == b'\n')
    }

    fn indent_of_line(&self, at: usize) -> usize {
        let s = self.line_start(at);
        self.b[s..]
            .iter()
            .take_while(|c| **c == b' ' || **c == b'\t')
            .count()
    }
}

/// Whether `c` can stand in a type (`map<string, list<int>?>`): names,
/// `<`, `>`, `,`, `?`, spaces and comments. Any other character (an
/// operator, `:`, a quote, a bracket) ends the type, and the parser's
/// recursion on its `<` with it, so the count starts again.
fn in_type(c: u8) -> bool {
    c.is_ascii_alphanumeric() || b"_- \t\r\n,?<>#".contains(&c)
}

fn matches(open: char, close: char) -> bool {
    matches!((open, close), ('{', '}') | ('[', ']') | ('(', ')'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code_and_start(text: &str) -> Option<(&'static str, u32)> {
        scan(text).map(|d| (d.code, d.primary_span().unwrap().start))
    }

    #[test]
    fn balanced_text_has_no_problem() {
        assert_eq!(code_and_start("workflow x { a \"${b[1]}\" # }\n }"), None);
        assert_eq!(
            code_and_start("x \"\"\"\n  a \"quoted\" ${ {a: 1}.a }\n\"\"\""),
            None
        );
    }

    #[test]
    fn unterminated_string_points_at_its_quote() {
        assert_eq!(code_and_start("a {\n run \"echo\n}"), Some(("E0002", 9)));
        assert_eq!(code_and_start("a \"\"\" never"), Some(("E0002", 2)));
    }

    #[test]
    fn unclosed_brace_points_at_the_suspect() {
        let text = "w {\n  s {\n    r\n  t { }\n}\n";
        let d = scan(text).unwrap();
        assert_eq!(d.code, "E0003");
        // The inner `{` whose `}` is missing is the primary suspect.
        assert_eq!(d.primary_span().unwrap().start, 8);
        assert_eq!(d.labels[1].span.start, 2);
    }

    #[test]
    fn mismatched_and_too_deep() {
        assert_eq!(code_and_start("( ]"), Some(("E0008", 2)));
        assert_eq!(code_and_start("{ [ }"), Some(("E0003", 2)));
        assert_eq!(code_and_start("}"), Some(("E0008", 0)));
        let deep = "[".repeat(MAX_DEPTH + 1);
        assert_eq!(code_and_start(&deep), Some(("E0007", MAX_DEPTH as u32)));
    }

    #[test]
    fn type_nesting_is_bounded() {
        let deep = |n: usize| format!("param x: {}string{}", "list<".repeat(n), ">".repeat(n));
        assert_eq!(code_and_start(&deep(MAX_DEPTH)), None);
        let too_deep = deep(MAX_DEPTH + 1);
        let last = too_deep.rfind('<').unwrap() as u32;
        assert_eq!(code_and_start(&too_deep), Some(("E0007", last)));
        // With spaces, `?`, commas and comments in between, still one type.
        let spaced = "map<string, list < int? > # c\n".repeat(MAX_DEPTH) + "x <";
        assert_eq!(code_and_start(&spaced).map(|d| d.0), Some("E0007"));
        // Closed types, comparisons apart, and strings do not add up.
        let many = "a < b\n x: list<int>\n \"<\" (c < d) ".repeat(4 * MAX_DEPTH);
        assert_eq!(code_and_start(&many), None);
        let broken = "list<\"s\" list<(x) list<[y] ".repeat(MAX_DEPTH);
        assert_eq!(code_and_start(&broken), None);
    }
}

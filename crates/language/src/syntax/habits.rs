//! Parse failures that are habits from elsewhere, each named with its fix
//! (`E0010`–`E0017`, and `E0303` for `needs:`) instead of a generic
//! "expected …, found …": GitHub Actions' `${{ … }}`, Jinja's `{{ … }}`,
//! YAML's and TOML's `run: "…"` / `run = "…"` (`needs: build` among them),
//! `retry "3"`, Python's `and`, `or`, `not`, `for x in xs` and `elif`. (Single-quoted
//! strings are [`super::errors`]'s, which knows their forms.) Each looks at
//! the text around the position pest stopped at.

use crate::diag::Diagnostic;
use crate::diag::{check as dc, foreign, syntax as ds};
use crate::span::Span;

/// The habit that made the parse fail at `pos`, if it is one.
pub fn at(text: &str, pos: usize) -> Option<Diagnostic> {
    let line_start = text[..pos].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[pos..].find('\n').map_or(text.len(), |i| pos + i);
    let line = &text[line_start..line_end];
    let col = pos - line_start;
    github(line, col, line_start)
        .or_else(|| jinja(line, col, line_start))
        .or_else(|| field_punctuation(line, col, line_start))
        .or_else(|| quoted_retry(line, col, line_start))
        .or_else(|| word_operator(line, col, line_start))
        .or_else(|| for_without_each(line, col, line_start))
        .or_else(|| elif(line, line_start))
}

fn is_name_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '-'
}

/// The name starting at `col` of `line` (empty if none).
fn word_at(line: &str, col: usize) -> &str {
    let rest = line.get(col..).unwrap_or("");
    &rest[..rest.find(|c| !is_name_char(c)).unwrap_or(rest.len())]
}

/// The name a `${{ … }}` or `{{ … }}` reads: its last dotted part
/// (`inputs.version` → `version`), when it is a plain path.
fn last_name(inner: &str) -> Option<&str> {
    let inner = inner.trim();
    let plain = !inner.is_empty()
        && inner
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'));
    plain.then(|| inner.rsplit('.').next().unwrap_or(inner))
}

/// `${{ inputs.x }}` on the line, opened before `col` and not closed by it.
fn github(line: &str, col: usize, off: usize) -> Option<Diagnostic> {
    let open = line[..col.min(line.len())].rfind("${{")?;
    let close = line[open..].find("}}").map(|c| open + c + 2);
    if close.is_some_and(|c| c <= col) {
        return None;
    }
    let end = close.unwrap_or(line.len());
    let inner = &line[open + 3..close.map_or(end, |c| c - 2)];
    let span = Span::new(off + open, off + end);
    let name = last_name(inner).filter(|_| close.is_some());
    Some(ds::github_expression(span, inner.trim(), name))
}

/// `{{ x }}` where a value was expected (outside a string).
fn jinja(line: &str, col: usize, off: usize) -> Option<Diagnostic> {
    // pest may stop at the first `{` or, taking it for a map's, the second.
    let col = if line[..col].ends_with('{') {
        col - 1
    } else {
        col
    };
    let rest = line.get(col..)?;
    if !rest.starts_with("{{") {
        return None;
    }
    let close = rest.find("}}")?;
    let inner = &rest[2..close];
    let span = Span::new(off + col, off + col + close + 2);
    Some(ds::jinja_value(span, inner.trim(), last_name(inner)))
}

/// `run: "…"` or `run = "…"`: a field's name followed by `:` or `=`.
fn field_punctuation(line: &str, col: usize, off: usize) -> Option<Diagnostic> {
    let c = line.get(col..)?.chars().next()?;
    if c != ':' && c != '=' {
        return None;
    }
    let before = line[..col].trim_end();
    let name_start = before
        .rfind(|ch: char| !(ch.is_alphanumeric() || ch == '_'))
        .map_or(0, |i| i + 1);
    let name = &before[name_start..];
    let lead = before[..name_start].trim_end();
    // The name opens the line, or follows the `{` of a one-line step.
    if name.is_empty() || !(lead.is_empty() || lead.ends_with('{')) {
        return None;
    }
    let after = line[col + 1..].len() - line[col + 1..].trim_start().len();
    if foreign::depends_field(name) {
        // `needs: build`: the word is wrong too, not only the `:`.
        let span = Span::new(off + name_start, off + col + 1);
        let names = plain_names(&line[col + 1..]);
        return Some(dc::needs(span, name, names.as_deref(), span));
    }
    let span = Span::new(off + col, off + col + 1);
    let fix = Span::new(off + before.len(), off + col + 1 + after);
    Some(ds::field_punctuation(span, fix, name, c))
}

/// The names of a YAML value (`build`, `[build, test]`, `"build"`), joined
/// with `, `, when it is only names.
fn plain_names(value: &str) -> Option<String> {
    let value = value.split(" #").next().unwrap_or(value).trim();
    let value = value
        .strip_prefix('[')
        .map_or(value, |v| v.trim_end_matches(']'));
    let names: Vec<&str> = value
        .split(',')
        .map(|n| n.trim().trim_matches(['"', '\'']))
        .collect();
    let plain = names
        .iter()
        .all(|n| !n.is_empty() && n.chars().all(is_name_char));
    plain.then(|| names.join(", "))
}

/// `a and b`, `a or b`, `not ready`: pest stops at the `and`, or at the
/// operand after `not` (read as a name).
fn word_operator(line: &str, col: usize, off: usize) -> Option<Diagnostic> {
    let word = word_at(line, col);
    if matches!(word, "and" | "or" | "AND" | "OR") && !line[..col].trim().is_empty() {
        let op = foreign::operator(word)?.write?;
        let span = Span::new(off + col, off + col + word.len());
        return Some(ds::word_operator(span, word, op, span));
    }
    let before = line.get(..col)?;
    let operand_after_blank = before.len() > before.trim_end().len();
    let before = before.trim_end();
    let start = before.len().checked_sub(3)?;
    let not = before.get(start..)?;
    let alone = !before[..start].ends_with(is_name_char);
    if !matches!(not, "not" | "NOT") || !alone || !operand_after_blank || word.is_empty() {
        return None;
    }
    let span = Span::new(off + start, off + start + 3);
    Some(ds::word_operator(
        span,
        not,
        "!",
        Span::new(off + start, off + col),
    ))
}

/// `} elif x {` (Python, Ruby's `elsif`, PHP's `elseif`): pest reads the
/// word as a setting's name and stops at the `{`, on the same line.
fn elif(line: &str, off: usize) -> Option<Diagnostic> {
    let rest = line.trim_start_matches(|c: char| c.is_whitespace() || c == '}');
    let word = word_at(rest, 0);
    if !matches!(word, "elif" | "elsif" | "elseif") {
        return None;
    }
    let at = off + line.len() - rest.len();
    let span = Span::new(at, at + word.len());
    Some(ds::elif(span, word, span))
}

/// `for t in xs {`: pest stops at the name where it wants `each`.
fn for_without_each(line: &str, col: usize, off: usize) -> Option<Diagnostic> {
    let lead = line.len() - line.trim_start().len();
    let head = line[lead..].strip_prefix("for")?;
    let blank = head.len() - head.trim_start().len();
    let name = word_at(line, col);
    let after = line[col + name.len()..].trim_start();
    let is_loop = blank > 0 && col == lead + 3 + blank && after.starts_with("in ");
    if !is_loop || name.is_empty() || name == "each" {
        return None;
    }
    let span = Span::new(off + col, off + col + name.len());
    Some(ds::for_without_each(
        span,
        name,
        Span::new(off + lead, off + lead + 3),
    ))
}

/// `retry "3"`: a count written as a string.
fn quoted_retry(line: &str, col: usize, off: usize) -> Option<Diagnostic> {
    let rest = line.get(col..)?;
    if !rest.starts_with('"') || !line[..col].trim_end().ends_with("retry") {
        return None;
    }
    let close = rest[1..].find('"')? + 2;
    let inner = &rest[1..close - 1];
    let span = Span::new(off + col, off + col + close);
    let count = inner.trim().parse::<u32>().ok();
    Some(ds::quoted_retry(span, count))
}

#[cfg(test)]
mod tests {
    fn code(text: &str) -> (&'static str, String) {
        let parsed = crate::syntax::parse(text);
        let d = &parsed.diagnostics[0];
        (d.code, d.help.clone().unwrap_or_default())
    }

    /// The text `text` becomes with the first diagnostic's fix applied.
    fn fixed(text: &str) -> String {
        let parsed = crate::syntax::parse(text);
        let f = &parsed.diagnostics[0].fixes[0];
        let (s, e) = (f.span.start as usize, f.span.end as usize);
        format!("{}{}{}", &text[..s], f.replacement, &text[e..])
    }

    #[test]
    fn word_habits_are_fixed_to_what_parses() {
        let wf = |body: &str| format!("workflow w {{\n  param x: bool = true\n{body}\n}}\n");
        for body in [
            "  if x and x {\n  }",
            "  if not x {\n  }",
            "  for t in [x] {\n  }",
            "  if x {\n  } elif x {\n  }",
            "  step a: shell { run \"a\" }\n  step s: shell {\n    run \"echo\"\n    needs: a\n  }",
        ] {
            let text = fixed(&wf(body));
            let parsed = crate::syntax::parse(&text);
            assert!(
                parsed.diagnostics.is_empty(),
                "{text}: {:?}",
                parsed.diagnostics
            );
        }
    }

    #[test]
    fn each_habit_has_its_code_and_fix() {
        let wf = |body: &str| format!("workflow w {{\n  param x: string = \"1\"\n{body}\n}}\n");
        let cases = [
            (
                "  step s: shell { run \"echo ${{ inputs.x }}\" }",
                "E0010",
                "`${x}`",
            ),
            ("  step s: shell { run {{ x }} }", "E0011", "${x}"),
            (
                "  step s: shell {\n    run: \"echo\"\n  }",
                "E0013",
                "`run \"…\"`",
            ),
            (
                "  step s: shell { run = \"echo\" }",
                "E0013",
                "no `:` or `=`",
            ),
            (
                "  step s: shell {\n    run \"echo\"\n    retry \"3\"\n  }",
                "E0014",
                "`retry 3`",
            ),
            ("  step s: shell { run 'echo' }", "E0012", "double quotes"),
            ("  if x and x {\n  }", "E0015", "`&&`"),
            ("  step s: shell { run \"${x or x}\" }", "E0015", "`||`"),
            ("  if not x {\n  }", "E0015", "`!`"),
            ("  for t in [x] {\n  }", "E0016", "`for each t in LIST"),
            ("  if x {\n  } elif x {\n  }", "E0017", "`} else if"),
            (
                "  step s: shell {\n    run \"echo\"\n    if: x\n  }",
                "E0013",
                "`if EXPR { step",
            ),
            (
                "  step s: shell {\n    run \"echo\"\n    needs: [a, \"b\"]\n  }",
                "E0303",
                "`depends on a, b`",
            ),
        ];
        for (body, want, help) in cases {
            let (got, h) = code(&wf(body));
            assert_eq!(got, want, "{body}");
            assert!(h.contains(help), "{body}: {h}");
        }
    }
}

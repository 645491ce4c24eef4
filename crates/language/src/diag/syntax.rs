//! Constructors for syntax diagnostics (codes `E0001`–`E0099`): one function
//! per code, so each code's wording lives here and nowhere else.

use super::Diagnostic;
use crate::span::Span;

/// E0001: the parser expected something else here.
/// An empty `expected` means nothing in particular was expected instead.
pub fn unexpected(at: Span, expected: &str, found: &str, help: Option<&str>) -> Diagnostic {
    let d = if expected.is_empty() {
        Diagnostic::error(
            "E0001",
            format!("unexpected {}", found.trim_start_matches("the ")),
        )
        .primary(at, "not expected here")
    } else {
        Diagnostic::error("E0001", format!("expected {expected}, found {found}"))
            .primary(at, format!("expected {expected} here"))
    };
    match help {
        Some(h) => d.help(h),
        None => d.help("check the syntax near here against docs/language.md"),
    }
}

/// E0012 at a `'`: single quotes make no string (E0001 for `${'$'}`). `dollar` is the span of a
/// `${'$'}` (the way other languages write a literal `$`), if that is what
/// is there; `quoted` the `'…'` text otherwise, when it closes on its line.
pub fn single_quote(at: Span, dollar: Option<Span>, quoted: Option<(Span, &str)>) -> Diagnostic {
    if let Some(span) = dollar {
        return Diagnostic::error("E0001", "`${'$'}` does not write a literal `$`")
            .primary(span, "single quotes make no string")
            .help("write a literal `$` as `\\$` (`\"costs \\$5\"`); a `$` not followed by `{` needs no escape (`\"costs $5\"`)")
            .fix(span, "\\$", "write `\\$`");
    }
    let d = Diagnostic::error("E0012", "`'` does not start a string")
        .primary(
            quoted.map_or(at, |(s, _)| s),
            "single quotes make no string",
        )
        .help("strings are written in double quotes: `\"…\"`");
    match quoted {
        // Only text that means the same between double quotes.
        Some((span, inner)) if !inner.contains(['"', '\\', '$']) => {
            d.fix(span, format!("\"{inner}\""), "use double quotes")
        }
        _ => d,
    }
}

/// E0002: a string that is never closed.
pub fn unterminated_string(open: Span, triple: bool, end: Span) -> Diagnostic {
    let (quote, help) = if triple {
        ("\"\"\"", "close the string with `\"\"\"`")
    } else {
        (
            "\"",
            "close the string with `\"` before the end of the line; use `\"\"\"…\"\"\"` for text over several lines",
        )
    };
    Diagnostic::error("E0002", "unterminated string")
        .primary(
            open,
            format!("this string is opened with `{quote}` but never closed"),
        )
        .secondary(end, "the string runs to here")
        .help(help)
}

/// E0003: `{`, `[` or `(` never closed. `suspect` is an inner `{` whose
/// closing `}` is indented differently from it: the likelier culprit, so it
/// takes the primary label. `stopped` is a closer of an outer delimiter found
/// where this one should have been closed.
pub fn unclosed_delimiter(
    open: Span,
    delim: char,
    suspect: Option<Span>,
    stopped: Option<Span>,
) -> Diagnostic {
    let close = closing(delim);
    let d = Diagnostic::error("E0003", format!("unclosed `{delim}`"));
    let d = match suspect {
        Some(s) => d
            .primary(s, format!("this `{delim}` is probably missing its `{close}`"))
            .secondary(
                open,
                format!("so this `{delim}` is never closed: the `{close}` meant for it closes the one above"),
            ),
        None => d.primary(open, format!("this `{delim}` is never closed")),
    };
    let d = match stopped {
        Some(at) => d.secondary(at, format!("expected `{close}` before this")),
        None => d,
    };
    d.help(format!("add a `{close}` where it ends"))
}

/// E0008: a closing delimiter that does not match what is open.
pub fn mismatched_delimiter(close: Span, found: char, open: Option<(Span, char)>) -> Diagnostic {
    match open {
        Some((open_span, delim)) => Diagnostic::error(
            "E0008",
            format!("mismatched `{found}`: expected `{}`", closing(delim)),
        )
        .primary(
            close,
            format!("this `{found}` does not close the `{delim}`"),
        )
        .secondary(open_span, format!("`{delim}` opened here"))
        .help(format!(
            "close the `{delim}` with `{}` first, or remove the stray `{found}`",
            closing(delim)
        )),
        None => Diagnostic::error("E0008", format!("unmatched `{found}`"))
            .primary(close, "nothing is open here to close")
            .help(format!(
                "remove this `{found}`, or add the opening one it belongs to"
            )),
    }
}

fn closing(delim: char) -> char {
    match delim {
        '{' => '}',
        '[' => ']',
        '(' => ')',
        _ => delim,
    }
}

/// E0004: a number or duration that does not fit.
pub fn number_out_of_range(at: Span, what: &str) -> Diagnostic {
    Diagnostic::error("E0004", format!("{what} is too large"))
        .primary(at, "this does not fit in 64 bits")
        .help("use a smaller value")
}

/// E0009: duration units out of order or repeated.
pub fn duration_unit_order(at: Span) -> Diagnostic {
    Diagnostic::error("E0009", "duration units out of order")
        .primary(at, "units must go from largest to smallest, each once")
        .help("write durations like `1h30m` or `1m30s500ms` (units: d, h, m, s, ms)")
}

/// E0005: an unknown escape sequence in a string.
pub fn invalid_escape(at: Span, text: &str) -> Diagnostic {
    Diagnostic::error("E0005", format!("unknown escape sequence `{text}`"))
        .primary(at, "not a valid escape")
        .help(
            "valid escapes are \\n \\t \\r \\\\ \\\" \\$ and \\u{HEX}; write \\\\ for a backslash",
        )
}

/// E0006: a map key that is not a plain name or plain string.
pub fn interpolated_key(at: Span) -> Diagnostic {
    Diagnostic::error("E0006", "a map key cannot contain `${…}`")
        .primary(at, "interpolation in a key")
        .help("keys are fixed names; compute the value instead")
}

/// E0007: nesting deeper than the parser accepts.
pub fn too_deep(at: Span, limit: usize) -> Diagnostic {
    Diagnostic::error("E0007", format!("nesting is deeper than {limit} levels"))
        .primary(at, "too deeply nested here")
        .help("split the expression or block into smaller parts")
}

/// E0007: an expression with more operators than the parser accepts.
pub fn too_many_operators(at: Span, limit: usize) -> Diagnostic {
    Diagnostic::error(
        "E0007",
        format!("this expression has more than {limit} operators (nested expressions included)"),
    )
    .primary(at, "too long")
    .help("split it: compute parts in steps or params and combine those")
}

/// E0010: GitHub Actions' `${{ … }}`; `name` is what it reads, when plain.
pub fn github_expression(span: Span, inner: &str, name: Option<&str>) -> Diagnostic {
    let d = Diagnostic::error(
        "E0010",
        format!("`${{{{ {inner} }}}}` is GitHub Actions' syntax"),
    )
    .primary(span, "not a `.wf` expression");
    match name {
        Some(n) => d
            .help(format!("a `.wf` string substitutes `${{{n}}}`: params, lets and step outputs are read by name (`${{build.stdout}}`); the environment with `env(\"NAME\")`"))
            .fix(span, format!("${{{n}}}"), format!("Write `${{{n}}}`")),
        None => d.help("a `.wf` string substitutes `${expr}` with one pair of braces, e.g. `${version}`"),
    }
}

/// E0011: Jinja's `{{ x }}` where a value goes.
pub fn jinja_value(span: Span, inner: &str, name: Option<&str>) -> Diagnostic {
    let d = Diagnostic::error("E0011", format!("`{{{{ {inner} }}}}` is Jinja's syntax"))
        .primary(span, "not a `.wf` value");
    match name {
        Some(n) => d
            .help(format!(
                "write the value itself (`{n}`), or substitute it in a string: `\"…${{{n}}}…\"`"
            ))
            .fix(
                span,
                format!("\"${{{n}}}\""),
                format!("Write `\"${{{n}}}\"`"),
            ),
        None => d.help("write the value itself, or substitute it in a string: `\"…${expr}…\"`"),
    }
}

/// E0013: `run: "…"` / `run = "…"`: a field's name takes no `:` or `=`.
/// `fix` spans the punctuation and the blanks around it.
pub fn field_punctuation(at: Span, fix: Span, field: &str, punct: char) -> Diagnostic {
    let d = Diagnostic::error(
        "E0013",
        format!("`{field}{punct}`: a field takes no `{punct}`"),
    )
    .primary(at, "fields are `NAME VALUE`");
    // GitHub Actions' step condition: no field, and nothing to remove.
    if field == "if" {
        return d.help(
            "a step runs on a condition inside `if EXPR { step … }`: there is no field `if`",
        );
    }
    d.help(format!(
        "write the value after the field's name, with no `:` or `=` (`{field} \"…\"`); `KEY = value` is for the entries of `env {{ }}` and other maps"
    ))
    .fix(fix, " ", format!("Remove the `{punct}`"))
}

/// E0014: `retry "3"`: a count is an int.
pub fn quoted_retry(span: Span, count: Option<u32>) -> Diagnostic {
    let d =
        Diagnostic::error("E0014", "`retry` takes an int, not a string").primary(span, "a string");
    match count {
        Some(n) => d
            .help(format!("write the count without quotes: `retry {n}`"))
            .fix(span, n.to_string(), format!("Write `retry {n}`")),
        None => d.help("write the count without quotes: `retry 3`"),
    }
}

/// E0015: `and`, `or` or `not` (Python, SQL, Lua) where `.wf` has an
/// operator. `fix` spans what `op` replaces (`not ` with its blank).
pub fn word_operator(span: Span, word: &str, op: &str, fix: Span) -> Diagnostic {
    Diagnostic::error("E0015", format!("`{word}` is written `{op}`"))
        .primary(span, "not an operator")
        .help("`.wf` writes and, or and not as `&&`, `||` and `!`: `if a && !b { … }`")
        .fix(fix, op, format!("Write `{op}`"))
}

/// E0016: `for x in xs {`, a loop without `each`. `span` is the name after
/// `for`, `for_word` the `for` the fix writes `for each` over.
pub fn for_without_each(span: Span, name: &str, for_word: Span) -> Diagnostic {
    Diagnostic::error("E0016", format!("a loop is written `for each {name} in …`"))
        .primary(span, format!("`each` is missing before `{name}`"))
        .help(format!(
            "write `for each {name} in LIST {{ … }}`; `for {name} in` without `each` is a comprehension's, inside a list: `[x for x in xs]`"
        ))
        .fix(for_word, "for each", "Write `for each`")
}

/// E0017: `elif` (Python), `elsif` (Ruby), `elseif` (PHP): `fix` spans
/// the word, which `else if` replaces.
pub fn elif(span: Span, word: &str, fix: Span) -> Diagnostic {
    Diagnostic::error("E0017", format!("`{word}` is written `else if`"))
        .primary(span, "not a keyword")
        .help("a condition goes on with `} else if EXPR { … }`, and ends with `} else { … }`")
        .fix(fix, "else if", "Write `else if`")
}

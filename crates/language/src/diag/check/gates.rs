//! Constructors for the diagnostics of retries that choose what to retry
//! and of gates that explain themselves or take input (`E0375`–`E0379`).

use crate::diag::Diagnostic;
use crate::span::Span;

/// E0375: a name a retry's `when` cannot read on this step.
pub fn unknown_attempt_name(
    span: Span,
    name: &str,
    kind: &str,
    names: &[&str],
    suggestion: Option<&str>,
) -> Diagnostic {
    let list = names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let mut d = Diagnostic::error(
        "E0375",
        format!("a retry's `when` on a {kind} step has no `{name}`"),
    )
    .primary(span, format!("not a value of a {kind} step's attempt"));
    d = match suggestion {
        Some(s) => d.help(format!(
            "did you mean `{s}`? A {kind} step's attempt gives {list}"
        )),
        None => d.help(format!(
            "a {kind} step's attempt gives {list} (and params and loop variables may be read)"
        )),
    };
    d
}

/// E0376: `when` on a `retry` in `defaults`, where no step's kind is known.
pub fn when_in_defaults(span: Span) -> Diagnostic {
    Diagnostic::error("E0376", "a retry in `defaults` cannot take `when`")
        .primary(span, "in `defaults`")
        .help("what an attempt gives depends on the step's kind: put `retry … when …` on the steps themselves")
}

/// E0377: `message` on a gate without `check`.
pub fn message_without_check(span: Span, gate: &str) -> Diagnostic {
    Diagnostic::error(
        "E0377",
        format!("gate `{gate}` has a `message` but no `check`"),
    )
    .primary(span, "says why a check failed")
    .help("`message` explains a failed `check`; an approval gate's waiting text names who approves (`approval \"…\"`)")
}

//! Constructors for the diagnostics of polling, sleeping, settings from
//! expressions and block-level `env {}` / `defaults {}` (`E0190`–`E0199`,
//! `W0120`–`W0124`).

use crate::diag::Diagnostic;
use crate::span::Span;

/// E0190: `env {}` or `defaults {}` in a block after one of its members.
pub fn block_scope_not_at_top(span: Span, what: &str, member: Span) -> Diagnostic {
    Diagnostic::error(
        "E0190",
        format!("`{what}` must come at the top of its block"),
    )
    .primary(span, format!("`{what}` after a member"))
    .secondary(member, "the block's first member")
    .help(format!(
        "move `{what} {{ … }}` above the block's first step or block: it applies to all of them"
    ))
}

/// E0191: `until` on a gate, which has no attempts to repeat.
pub fn until_on_gate(span: Span, step: &str) -> Diagnostic {
    Diagnostic::error("E0191", format!("gate `{step}` cannot poll with `until`"))
        .primary(span, "on a gate")
        .help("put `until` on the step that fetches the state (an `http` or `shell` step), and let the gate `check` its outputs")
}

/// E0192: an `until` condition that reads the outputs of another step.
pub fn until_reads_other_step(span: Span, step: &str, other: &str) -> Diagnostic {
    Diagnostic::error(
        "E0192",
        format!("the `until` condition of `{step}` reads `{other}`"),
    )
    .primary(span, format!("an output of `{other}`, not of `{step}`"))
    .help(format!(
        "`until` decides from the step's own outputs (`{step}.…`); to compare with `{other}`, pass its value into the step"
    ))
}

/// E0193: a duration that must be more than zero.
pub fn duration_not_positive(span: Span, what: &str) -> Diagnostic {
    Diagnostic::error("E0193", format!("{what} must be more than zero"))
        .primary(span, "zero")
        .help(format!("give {what} a length, e.g. `5s`"))
}

/// E0194: `until … every D` not shorter than its `within`.
pub fn every_not_shorter(span: Span, within: Span) -> Diagnostic {
    Diagnostic::error(
        "E0194",
        "`every` must be shorter than `within`".to_string(),
    )
    .primary(span, "the wait between tries")
    .secondary(within, "the deadline")
    .help("with `every` as long as `within` the step is tried once: shorten `every` or lengthen `within`")
}

/// W0120: an `until` condition that reads none of the step's outputs: it
/// never changes between tries.
pub fn until_reads_nothing(span: Span, step: &str) -> Diagnostic {
    Diagnostic::warning(
        "W0120",
        format!("the `until` condition of `{step}` reads none of its outputs"),
    )
    .primary(span, "the same on every try")
    .help(format!(
        "read what the step returns, e.g. `{step}.json.state == \"ready\"` or `{step}.stdout == \"ok\"`"
    ))
}

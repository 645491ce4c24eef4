//! Checker diagnostics about how steps end and how many run (warnings
//! `W0360`–`W0362`): `x.status` compared with `"skipped"` where it now reads
//! `"not_run"`, or with a text that is no status; a `parallel N` above the
//! workflow's `concurrency`. Re-exported from [`super`].

use crate::diag::Diagnostic;
use crate::span::Span;

/// Every value of `x.status`.
pub const STATUS_WORDS: [&str; 5] = ["succeeded", "failed", "cancelled", "skipped", "not_run"];

/// W0360: `x.status` compared with `"skipped"` for a step that can no longer
/// be skipped (no branch, loop or race holds it): a step that did not start
/// because a dependency failed or the run stopped is now `"not_run"`.
pub fn status_skipped_renamed(span: Span, word: Span, step: &str) -> Diagnostic {
    Diagnostic::warning(
        "W0360",
        format!("`{step}.status` is never \"skipped\": a step that did not start because of another is \"not_run\""),
    )
    .primary(word, format!("`{step}` is in no `if` branch, loop or `wait any` race, so it is never skipped"))
    .secondary(span, "always false")
    .help("\"skipped\" now means only that a branch was not taken; compare with \"not_run\" for a step that did not start because a dependency did not succeed or the run stopped")
    .fix(word, "\"not_run\"", "compare with \"not_run\"")
}

/// W0361: `x.status` compared with a text that is no status.
pub fn unknown_status_word(word: Span, text: &str, suggestion: Option<&str>) -> Diagnostic {
    let d = Diagnostic::warning("W0361", format!("\"{text}\" is not a step status")).primary(
        word,
        "`status` is never this, so the comparison never holds",
    );
    let all = STATUS_WORDS.map(|w| format!("\"{w}\"")).join(", ");
    match suggestion {
        Some(s) => d
            .help(format!("did you mean \"{s}\"? A status is one of {all}"))
            .fix(word, format!("\"{s}\""), format!("replace with \"{s}\"")),
        None => d.help(format!("a status is one of {all}")),
    }
}

/// W0362: a loop's `parallel N` above the workflow's `concurrency`, which
/// wins.
pub fn parallel_above_concurrency(
    span: Span,
    var: &str,
    n: i64,
    limit: u32,
    setting: Option<Span>,
) -> Diagnostic {
    let d = Diagnostic::warning(
        "W0362",
        format!("`for each {var}` runs {limit} at once, not {n}: `concurrency {limit}` is smaller"),
    )
    .primary(span, format!("at most {limit} of these run at once"));
    let d = match setting {
        Some(s) => d.secondary(s, "the smaller number wins"),
        None => d,
    };
    d.help(format!(
        "raise `concurrency` to {n} to run {n} at once, or write `parallel {limit}` to say what happens"
    ))
}

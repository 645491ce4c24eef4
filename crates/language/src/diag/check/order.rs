//! Checker diagnostics about ordering (codes `E0170`–`E0174`, warnings
//! `W0110`–`W0112`): `sequence` blocks, the `after` field and cycles through
//! the edges they make; and `x.status` read as an HTTP code (`E0176`).
//! Re-exported from [`super`].

use super::suggest;
use crate::diag::Diagnostic;
use crate::span::Span;

/// E0170: `after` names no step or block.
pub fn unknown_after(span: Span, name: &str, suggestion: Option<&str>) -> Diagnostic {
    let d = Diagnostic::error("E0170", format!("`after` names unknown step `{name}`"))
        .primary(span, "no step or block has this name");
    suggest(
        d,
        span,
        suggestion,
        "`after` takes names of steps and named `parallel` or `sequence` blocks".into(),
    )
}

/// E0171: `after` names the step itself, or a block that holds it.
pub fn after_self(span: Span, name: &str, enclosing: Option<&str>) -> Diagnostic {
    match enclosing {
        None => Diagnostic::error("E0171", format!("`{name}` runs after itself"))
            .primary(span, "a step cannot wait for its own end")
            .help("remove this name from `after`"),
        Some(block) => Diagnostic::error(
            "E0171",
            format!("`{name}` runs after `{block}`, which contains it"),
        )
        .primary(span, format!("`{name}` is inside `{block}`"))
        .help(format!(
            "a block ends only when its members do; name steps of `{block}` that come before `{name}`, or move `{name}` out of it"
        )),
    }
}

/// How one edge of an ordering cycle came about, for [`ordering_cycle`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OrderHow {
    /// `depends on`.
    DependsOn,
    /// Reads an output.
    Reads,
    /// `after`, or a read of `.status`.
    After,
    /// Follows the other in a `sequence`.
    Sequence,
}

/// One edge of a cycle that runs through `after` or `sequence` order.
#[derive(Clone, Debug)]
pub struct OrderEdge {
    pub from: String,
    pub to: String,
    pub span: Span,
    pub how: OrderHow,
}

/// E0172: a cycle through `after` or `sequence` edges; labels every edge.
pub fn ordering_cycle(edges: &[OrderEdge]) -> Diagnostic {
    let labelled = edges.iter().map(|e| {
        let (from, to) = (&e.from, &e.to);
        let label = match e.how {
            OrderHow::DependsOn => format!("`{from}` depends on `{to}`"),
            OrderHow::Reads => format!("`{from}` reads an output of `{to}`"),
            OrderHow::After => format!("`{from}` runs after `{to}`"),
            OrderHow::Sequence => format!("`{from}` follows `{to}` in their sequence"),
        };
        (from.as_str(), e.span, label)
    });
    super::labelled_cycle(
        "E0172",
        "ordering cycle",
        labelled,
        "steps in a cycle can never start; remove one of these edges, or reorder the sequence",
    )
}

/// E0173: a member of a `sequence` waits for a member written after it.
pub fn sequence_backwards(
    span: Span,
    from: &str,
    to: &str,
    later: Span,
    sequence: &str,
) -> Diagnostic {
    Diagnostic::error(
        "E0173",
        format!("`{from}` waits for `{to}`, which comes after it in sequence `{sequence}`"),
    )
    .primary(span, format!("`{from}` waits for `{to}` here"))
    .secondary(later, format!("`{to}` runs only once `{from}` has succeeded"))
    .help(format!(
        "members of a sequence run in the order written: move `{to}` before `{from}`, or out of the sequence"
    ))
}

/// E0174: `after` names a step in another region (a handler or a rollback).
pub fn after_cross_region(span: Span, target: &str, region: &str) -> Diagnostic {
    Diagnostic::error(
        "E0174",
        format!("step `{target}` runs in {region}; a step here cannot run after it"),
    )
    .primary(span, format!("`{target}` is in {region}"))
    .help("handlers and rollbacks run after the main graph; `after` orders steps of the same body (a handler can read `x.status` of a main-graph step)")
}

/// How an http or webhook step's `status` was used as its response code.
#[derive(Clone, Copy, Debug)]
pub enum StatusAsCode {
    /// As a number: `probe.status == 200`, `>= 400`, `+ 1`, an `int` field.
    Number,
    /// In the step's own `until`, where the step has succeeded.
    Until,
}

/// E0176: `status` of an `http`/`webhook` step used as the HTTP response
/// code, which is `status_code`; the fix renames the field. `field` is the
/// `status` in `probe.status`.
pub fn status_as_code(span: Span, field: Span, step: &str, how: StatusAsCode) -> Diagnostic {
    let label = match how {
        StatusAsCode::Number => format!("this is how `{step}` ended (a string), not a number"),
        StatusAsCode::Until => format!("`{step}` has not ended while its `until` is checked"),
    };
    Diagnostic::error(
        "E0176",
        format!("`{step}.status` is how the step ended, not its HTTP response code"),
    )
    .primary(span, label)
    .help(format!(
        "the response code is `{step}.status_code`; `status` is \"succeeded\", \"failed\", \"cancelled\", \"skipped\" or \"not_run\""
    ))
    .fix(field, "status_code", format!("use `{step}.status_code`"))
}

/// W0110: `after x` and `depends on x` in one step.
pub fn after_and_depends(span: Span, depends: Span, name: &str) -> Diagnostic {
    Diagnostic::warning(
        "W0110",
        format!("`{name}` is named in both `after` and `depends on`"),
    )
    .primary(span, format!("`after` would run this step however `{name}` ends"))
    .secondary(depends, format!("`depends on` runs it only if `{name}` succeeded; this wins"))
    .help(format!(
        "keep `depends on {name}` to run only after a success, or `after {name}` to run whatever happened"
    ))
}

/// W0111: a `sequence` with no members.
pub fn empty_sequence(span: Span, name: &str) -> Diagnostic {
    Diagnostic::warning("W0111", format!("sequence `{name}` is empty"))
        .primary(span, "nothing to run")
        .help("add steps or blocks to it, or remove it")
}

/// W0112: an approval gate nothing is ordered after.
pub fn unordered_gate(span: Span, name: &str) -> Diagnostic {
    Diagnostic::warning(
        "W0112",
        format!("approval gate `{name}` holds nothing back: no step waits for it"),
    )
    .primary(span, "the other steps run while this approval waits")
    .help(format!(
        "add `depends on {name}` to what it should hold back, or write them after it in a `sequence`"
    ))
}

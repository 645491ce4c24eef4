//! Constructors for the diagnostics of retries that choose what to retry
//! (`E0365`, `E0366`) and of gates that explain themselves or take input (`E0375`–`E0379`,
//! `E0387`, `E0388`).

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

/// E0378: `inputs` on a gate that is not an approval.
pub fn inputs_without_approval(span: Span, gate: &str) -> Diagnostic {
    Diagnostic::error(
        "E0378",
        format!("gate `{gate}` has `inputs` but no `approval`"),
    )
    .primary(span, "given by whoever approves")
    .help("`inputs { … }` are what a person gives when approving: add `approval \"who\"`, or read the values from params")
}

/// E0379: an approval input of a type a person cannot type in.
pub fn input_type(span: Span, input: &str, found: &str) -> Diagnostic {
    Diagnostic::error(
        "E0379",
        format!("input `{input}` is {found}; an approval input is a string, int, float or bool"),
    )
    .primary(span, "not a type an approver can give")
    .help("give a list as a string and split it in the step that reads it (`split(approve.outputs.regions, \",\")`); a secret never goes through an approval")
}

/// E0387: two approval inputs with one name.
pub fn duplicate_input(span: Span, first: Span, input: &str) -> Diagnostic {
    Diagnostic::error("E0387", format!("input `{input}` is declared twice"))
        .primary(span, "declared again here")
        .secondary(first, "first declared here")
        .help("remove one of the declarations, or rename it")
}

/// E0388: an approval input's default computed from a secret.
pub fn secret_input_default(span: Span, input: &str) -> Diagnostic {
    Diagnostic::error(
        "E0388",
        format!("the default of input `{input}` reads a secret"),
    )
    .primary(span, "shown to the approver and recorded with the decision")
    .help("an input's default is shown in the approval form and stored in the run: compute secrets in the step that needs them")
}

/// E0389: `on fail continue` on a step that is no gate.
pub fn continue_not_a_gate(span: Span, step: &str) -> Diagnostic {
    Diagnostic::error(
        "E0389",
        format!("step `{step}` is no gate: `on fail continue` is a gate's check"),
    )
    .primary(span, "a gate's check only")
    .help("a step whose failure must not fail the run is `optional`; `on fail pause` lets a person retry, skip or abort it")
}

/// E0390: `on fail` on a `call` step.
pub fn on_fail_on_a_call(span: Span, step: &str) -> Diagnostic {
    Diagnostic::error(
        "E0390",
        format!("`on fail` on call `{step}`: a call fails when one of its steps does"),
    )
    .primary(span, "not on a call")
    .help(
        "write `on fail pause` on the steps of the called workflow that a person should decide on",
    )
}

/// E0365: `is` outside a retry's `when`, or not after `error`.
pub fn misplaced_error_is(span: Span, in_retry: bool) -> Diagnostic {
    let (label, help) = if in_retry {
        (
            "`is` tests `error`",
            "write `error is CLASS`, e.g. `retry 3 when error is timeout`",
        )
    } else {
        (
            "not in a retry's `when`",
            "`error is CLASS` tests why an attempt failed, in `retry N … when …`; elsewhere compare values with `==`",
        )
    };
    Diagnostic::error("E0365", "`is` tests the class of a failed attempt's error")
        .primary(span, label)
        .help(help)
}

/// E0366: `error is WORD` with a class this step's attempts never have.
pub fn unknown_error_class(
    span: Span,
    word: &str,
    kind: &str,
    classes: &[&str],
    known: bool,
    suggestion: Option<&str>,
) -> Diagnostic {
    let list = classes
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let (message, label) = if known {
        (
            format!("a {kind} step's attempt never fails with `{word}`"),
            format!("not a class of a {kind} step's error"),
        )
    } else {
        (
            format!("`{word}` is not an error class"),
            "not an error class".to_owned(),
        )
    };
    let help = match suggestion {
        Some(s) => format!("did you mean `{s}`? A {kind} step's attempt fails with {list}"),
        None => format!("a {kind} step's attempt fails with {list}"),
    };
    Diagnostic::error("E0366", message)
        .primary(span, label)
        .help(help)
}

//! Plan-time errors of inlined calls (`E0230`–`E0239`).

use wfc_language::diag::Diagnostic;

/// Whether `code` is an error of the workflow whatever its params (as the
/// checker's are), not of the params given.
pub fn of_the_workflow(code: &str) -> bool {
    matches!(code, super::EVAL_FAILED | "E0231")
}
use wfc_language::span::Span;

/// E0230: an argument whose plan-time value breaks the callee param's `in`
/// constraint (a literal is the checker's E0215; this one comes from params).
pub fn call_arg_not_allowed(
    span: Span,
    call: &str,
    param: &str,
    given: &str,
    allowed: &str,
) -> Diagnostic {
    Diagnostic::error(
        "E0230",
        format!("call `{call}` passes `{param}` = {given}, which the callee does not allow"),
    )
    .primary(span, format!("must be {allowed}"))
    .help(format!(
        "pass a value that is {allowed} (check the params it is computed from); nothing ran"
    ))
}

/// E0231: `until` or `estimate` written on a call step.
pub fn call_setting(span: Span, call: &str, what: &str) -> Diagnostic {
    let help = match what {
        "until" => {
            "a call is not re-run as a whole: put `until` on the callee's step that \
             polls (a callee param can carry the condition's value)"
        }
        _ => "a call's estimate is its steps': put `estimate` on those steps",
    };
    Diagnostic::error(
        "E0231",
        format!("`{what}` is not supported on call step `{call}`"),
    )
    .primary(span, "written on a call")
    .help(help)
}

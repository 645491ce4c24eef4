//! Plan-time errors of inlined calls (`E0230`–`E0239`).

use wfc_language::diag::Diagnostic;

/// Whether `code` is an error of the workflow whatever its params (as the
/// checker's are), not of the params given.
pub fn of_the_workflow(code: &str) -> bool {
    matches!(code, super::EVAL_FAILED | "E0231" | "E0233")
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

/// E0231: `retry`, `until` or `estimate` written on a call step.
pub fn call_setting(span: Span, call: &str, what: &str) -> Diagnostic {
    Diagnostic::error(
        "E0231",
        format!("`{what}` on call step `{call}` is not supported yet"),
    )
    .primary(span, "written on a call")
    .help(format!(
        "a call runs as its callee's steps: put `{what}` on those steps \
         (or in the callee's `defaults`)"
    ))
}

/// E0233: the callee's handlers read `failed.error`, `run.duration` or
/// `run.failures`, which an inlined call does not have yet (`failed.step`
/// and `run.status` are the call's).
pub fn callee_reads_run_end(span: Span, call: &str, callee: &str, what: &str) -> Diagnostic {
    Diagnostic::error(
        "E0233",
        format!(
            "call `{call}`: `{callee}`'s handlers read `{what}`, \
             which is not available inside a call yet"
        ),
    )
    .primary(span, "read here")
    .help(
        "use `failed.step` (the step of the call that failed) or `run.status` (how the \
         call ended), and the step's logs",
    )
}

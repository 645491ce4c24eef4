//! Plan-time errors of inlined calls (`E0230`–`E0239`).

use wfc_language::diag::Diagnostic;

/// Whether `code` is an error of the workflow whatever its params (as the
/// checker's are), not of the params given.
pub fn of_the_workflow(code: &str) -> bool {
    matches!(code, super::EVAL_FAILED | "E0231" | "E0236" | "E0237")
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

/// E0236: calls nested deeper than the plan inlines (`max`); `workflows`
/// is the chain, from the planned workflow to the one called too deep.
pub fn calls_too_deep(span: Span, call: &str, workflows: &[&str], max: usize) -> Diagnostic {
    let depth = workflows.len() - 1;
    Diagnostic::error(
        "E0236",
        format!("call `{call}` nests calls {depth} deep, more than {max}"),
    )
    .primary(
        span,
        format!("calls `{}` {depth} calls deep", workflows[depth]),
    )
    .help(format!(
        "a plan inlines every call, so calls nest at most {max} deep; the chain: {}",
        workflows.join(" → ")
    ))
}

/// E0237: calls that would inline more than `max` steps; `call` (of
/// `callee`) is the call of the planned workflow that inlines the most.
pub fn calls_too_many_steps(
    span: Span,
    call: &str,
    callee: &str,
    steps: usize,
    total: usize,
    max: usize,
) -> Diagnostic {
    let count = |n: usize| {
        if n == usize::MAX {
            "more steps than can be counted".to_string()
        } else {
            format!("{n} steps")
        }
    };
    Diagnostic::error(
        "E0237",
        format!("the calls would inline {}, more than {max}", count(total)),
    )
    .primary(
        span,
        format!("call `{call}` of `{callee}` inlines {}", count(steps)),
    )
    .help(
        "a plan inlines every call, so calls that each call others several times \
         multiply: call fewer times per level, or loop over a list inside one call",
    )
}

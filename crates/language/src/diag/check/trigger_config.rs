//! Constructors for configurable triggers and locks: `when` on a trigger,
//! `env("…")` schedules and `lock … { on busy … }` (codes `E0320`–`E0329`).

use super::super::Diagnostic;
use super::{list, suggest};
use crate::span::Span;

/// E0320: a trigger's `when` that is not a `bool`.
pub fn trigger_when_type(span: Span, found: &str) -> Diagnostic {
    Diagnostic::error(
        "E0320",
        format!("a trigger's `when` must be a bool, found `{found}`"),
    )
    .primary(span, format!("a `{found}`"))
    .help("compare it: `when request.json.action == \"published\"`, or `when starts_with(request.json.ref, \"refs/tags/\")`")
}

/// E0321: `env(…)` where a trigger cannot take it, or not as `env("NAME")`.
pub fn trigger_env(span: Span, what: &str) -> Diagnostic {
    Diagnostic::error("E0321", format!("{what} cannot be `env(…)` in this form"))
        .primary(span, "not `env(\"NAME\")`")
        .help("only a schedule's pattern and its `timezone` come from the server's environment, as `env(\"NAME\")` with the variable's name in quotes")
}

/// E0322: a schedule's pattern read from the environment that is not set,
/// not a cron pattern, or never fires (when the server loads the file).
pub fn env_schedule(span: Span, var: &str, value: Option<&str>, why: &str) -> Diagnostic {
    let message = match value {
        Some(v) => format!("the schedule from `{var}` = `{v}` {why}"),
        None => format!("the schedule's pattern comes from `{var}`, which is not set"),
    };
    Diagnostic::error("E0322", message)
        .primary(span, format!("read from `{var}` when the file is loaded"))
        .help(format!("set `{var}` in the server's environment to a cron pattern of 5 fields (or 6 with seconds first), e.g. `0 2 * * *`"))
}

/// E0323: a schedule's `timezone` read from the environment that is not set
/// or not an IANA zone (when the server loads the file).
pub fn env_timezone(span: Span, var: &str, value: Option<&str>) -> Diagnostic {
    let message = match value {
        Some(v) => format!("the schedule's zone from `{var}` = `{v}` is not an IANA time zone"),
        None => format!("the schedule's zone comes from `{var}`, which is not set"),
    };
    Diagnostic::error("E0323", message)
        .primary(span, format!("read from `{var}` when the file is loaded"))
        .help(format!(
            "set `{var}` in the server's environment to a zone such as `Europe/Berlin` or `UTC`"
        ))
}

/// E0324: `lock … { on busy MODE }` with a mode that does not exist.
pub fn bad_lock_busy(span: Span, mode: &str, suggestion: Option<&str>) -> Diagnostic {
    let d = Diagnostic::error("E0324", format!("unknown `on busy` mode `{mode}`"))
        .primary(span, "not a mode");
    suggest(
        d,
        span,
        suggestion,
        format!("`on busy` is one of {}", list(&["queue", "skip", "cancel"])),
    )
}

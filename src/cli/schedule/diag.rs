//! Diagnostics of `wfc schedule install` (`E0950`–`E0954`, `W0950`): what
//! an `on schedule` says that a systemd timer or a crontab line cannot do
//! as `wfc serve` does it. Each points at the schedule.

use wfc_language::diag::Diagnostic;
use wfc_language::ir::Schedule;
use wfc_language::span::Span;

/// E0950: a pattern systemd's calendar cannot express exactly.
pub fn inexpressible(s: &Schedule, why: &str) -> Diagnostic {
    Diagnostic::error(
        "E0950",
        format!("systemd cannot express the schedule \"{}\" exactly", s.cron),
    )
    .primary(s.span, why.to_owned())
    .help("split it into schedules systemd can say (a day-of-month one and a weekday one), or serve it with `wfc serve`")
}

/// E0951: the workflow has no `on schedule`.
pub fn no_schedule(name_span: Span, workflow: &str) -> Diagnostic {
    Diagnostic::error(
        "E0951",
        format!("workflow `{workflow}` has no `on schedule`: there is nothing to install"),
    )
    .primary(name_span, "no `on schedule` trigger")
    .help("add `on schedule \"CRON\"` to the workflow, or name the workflow that has one")
}

/// E0952: `when`, which only `wfc serve` evaluates at each slot.
pub fn when(s: &Schedule) -> Diagnostic {
    Diagnostic::error(
        "E0952",
        "a schedule's `when` is evaluated by `wfc serve` at each slot; a timer or cron would start every slot",
    )
    .primary(s.span, "has `when`")
    .help("move the condition into the workflow (an `if` around its steps), or serve it with `wfc serve`")
}

/// E0953: `overlap queue|cancel`: a timer (and the cron line's `flock -n`)
/// lets a slot pass while the previous run goes on.
pub fn overlap(s: &Schedule) -> Diagnostic {
    Diagnostic::error(
        "E0953",
        format!(
            "`overlap {}`: a systemd timer or a cron line skips a slot while the previous run goes on",
            s.overlap.name()
        ),
    )
    .primary(s.span, "overlap other than `skip`")
    .help("use `overlap skip` (the default), or serve it with `wfc serve`")
}

/// E0954: a pattern with seconds, which a crontab line cannot have.
pub fn seconds(s: &Schedule) -> Diagnostic {
    Diagnostic::error(
        "E0954",
        format!(
            "cron has no seconds field: \"{}\" cannot be a crontab line",
            s.cron
        ),
    )
    .primary(s.span, "six fields: seconds first")
    .help("install it as a systemd timer (`--systemd`), or write it with five fields")
}

/// W0950: `catch up N` the scheduler does not do: a timer's `Persistent=`
/// runs one missed slot, cron none.
pub fn catch_up(s: &Schedule, cron: bool) -> Diagnostic {
    let (how, help) = if cron {
        (
            "cron runs no slot it missed",
            "write `catch up 0`, or install it as a systemd timer (`Persistent=true` runs one missed slot)",
        )
    } else {
        (
            "a timer's `Persistent=true` runs one missed slot, not more",
            "write `catch up 1` to say what the timer does",
        )
    };
    Diagnostic::warning("W0950", format!("`catch up {}`: {how}", s.catch_up))
        .primary(s.span, "catches up missed slots")
        .help(help)
}

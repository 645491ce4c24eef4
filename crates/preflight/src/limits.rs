//! `W0962`–`W0964`: durations that cannot be meant. A `timeout 0s` fails
//! every attempt at once; one over [`LONGEST`] (a typo for `40m`, say
//! `400d`) never stops a hung step. A retry `backoff` (or its `max`) of 0
//! retries in a tight loop; over [`LONGEST`] the retry never comes.

use crate::Report;
use wfc_language::diag::Diagnostic;
use wfc_language::ir::{Expr, ExprKind, Step};

/// The longest duration taken as meant: 30 days.
pub const LONGEST: u64 = 30 * 24 * 60 * 60 * 1000;

pub(crate) fn check(step: &Step, report: &mut Report) {
    let Some(settings) = &step.settings else {
        return;
    };
    if let Some((ms, e)) = settings.timeout.as_ref().and_then(millis) {
        if ms == 0 {
            report.push(
                Diagnostic::warning("W0962", format!("step `{}` has a timeout of 0", step.name))
                    .primary(e.span, "every attempt times out at once")
                    .help("give the longest the step may take, e.g. `timeout 10m`, or remove the timeout"),
            );
        } else if ms > LONGEST {
            report.push(
                Diagnostic::warning(
                    "W0963",
                    format!("step `{}` has a timeout over 30 days", step.name),
                )
                .primary(e.span, "longer than any step should run")
                .help(
                    "give the longest the step may take, e.g. `timeout 4h`, or remove the timeout",
                ),
            );
        }
    }
    let Some(retry) = &settings.retry else {
        return;
    };
    for (what, expr) in [("backoff", &retry.backoff), ("max", &retry.max)] {
        let Some((ms, e)) = expr.as_ref().and_then(millis) else {
            continue;
        };
        let why = match ms {
            0 => "0: the retries come at once, in a tight loop",
            ms if ms > LONGEST => "over 30 days: the retry never comes",
            _ => continue,
        };
        report.push(
            Diagnostic::warning(
                "W0964",
                format!("step `{}` has a retry {what} of {why}", step.name),
            )
            .primary(e.span, format!("retry {what}"))
            .help("wait between a second and a few hours, e.g. `retry 3 backoff 10s`"),
        );
    }
}

/// A literal duration, in milliseconds.
fn millis(e: &Expr) -> Option<(u64, &Expr)> {
    match e.kind {
        ExprKind::Duration(ms) => Some((ms, e)),
        _ => None,
    }
}

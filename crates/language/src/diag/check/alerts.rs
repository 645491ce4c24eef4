//! Constructors for alert rules: `alert NAME { when …  notify …  cooldown D }`
//! (codes `E0350`–`E0359`).

use super::super::Diagnostic;
use super::{list, suggest};
use crate::span::Span;

/// The form of each condition, for help lines.
pub fn condition_form(metric: &str) -> &'static str {
    match metric {
        "failure_rate" => "`failure_rate(last 10) > 0.3` (the last 10 runs) or `failure_rate(last 1h) >= 0.5` (the runs of the last hour)",
        "consecutive_failures" => "`consecutive_failures >= 3`",
        "slower_than" => "`slower_than 10m` or `slower_than p95 * 1.5` (the 95th percentile of the runs before)",
        "waiting_longer_than" => "`waiting_longer_than 2h`",
        _ => "`failure_rate(last 10) > 0.3`, `consecutive_failures >= 3`, `slower_than 10m`, `slower_than p95 * 1.5` or `waiting_longer_than 2h`",
    }
}

/// E0350: `when` with a condition that does not exist.
pub fn unknown_condition(span: Span, metric: &str, suggestion: Option<&str>) -> Diagnostic {
    let d = Diagnostic::error("E0350", format!("unknown alert condition `{metric}`"))
        .primary(span, "not a condition");
    suggest(
        d,
        span,
        suggestion,
        format!(
            "an alert watches one of {}: {}",
            list(&crate::ir::alerts::METRICS),
            condition_form("")
        ),
    )
}

/// E0351: a condition without a part its form needs, or with one it does not take.
pub fn condition_form_wrong(span: Span, metric: &str, what: &str) -> Diagnostic {
    Diagnostic::error("E0351", format!("`{metric}` {what}"))
        .primary(span, "not the condition's form")
        .help(format!("write {}", condition_form(metric)))
}

/// E0352: a condition's number that is not a literal of its kind, or out of range.
pub fn condition_value(span: Span, metric: &str, what: &str) -> Diagnostic {
    Diagnostic::error("E0352", format!("`{metric}` needs {what}"))
        .primary(span, "not such a value")
        .help(format!(
            "write {} (a rule is decided without a run: its numbers are literals)",
            condition_form(metric)
        ))
}

/// E0353: `notify KIND` with a kind that is not a notification kind.
pub fn unknown_channel(span: Span, kind: &str, suggestion: Option<&str>) -> Diagnostic {
    let d = Diagnostic::error("E0353", format!("an alert cannot notify through `{kind}`"))
        .primary(span, "not a notification kind");
    suggest(
        d,
        span,
        suggestion,
        format!(
            "`notify` takes {}, with that step kind's fields: `notify slack {{ webhook env(\"SLACK_HOOK\") }}`",
            list(&["slack", "webhook", "email"])
        ),
    )
}

/// E0354: a field a channel does not take (`message`: the alert writes it).
pub fn unknown_channel_field(
    span: Span,
    field: &str,
    kind: &str,
    suggestion: Option<&str>,
    known: &[&str],
    written: bool,
) -> Diagnostic {
    let d = Diagnostic::error("E0354", format!("`notify {kind}` takes no field `{field}`"));
    if written {
        return d
            .primary(span, "the alert writes this")
            .help(format!(
                "remove it: an alert sends its own text (the rule, the workflow, what its runs did); `notify {kind}` takes {}",
                list(known)
            ));
    }
    suggest(
        d.primary(span, "not a field of this channel"),
        span,
        suggestion,
        format!("`notify {kind}` takes {}", list(known)),
    )
}

/// E0355: a channel without a field it needs.
pub fn missing_channel_field(span: Span, kind: &str, missing: &[(&str, &str)]) -> Diagnostic {
    let names: Vec<&str> = missing.iter().map(|(n, _)| *n).collect();
    let example: Vec<String> = missing.iter().map(|(n, e)| format!("{n} {e}")).collect();
    Diagnostic::error(
        "E0355",
        format!("`notify {kind}` needs {}", list(&names)),
    )
    .primary(span, "missing a field")
    .help(format!(
        "add it: `notify {kind} {{ {} }}`; a secret such as a webhook URL comes from `env(\"NAME\")` or a `secret` param",
        example.join("  ")
    ))
}

/// E0356: an alert without `when` or `notify`, or with a second `when`.
pub fn alert_incomplete(span: Span, name: &str, what: &str) -> Diagnostic {
    Diagnostic::error("E0356", format!("alert `{name}` {what}"))
        .primary(span, "this alert")
        .help("an alert is written `alert NAME { when CONDITION  notify KIND { … }  [cooldown D] }`, with one condition and one or more channels")
}

/// E0357: a setting of an alert that does not exist, or a `cooldown`
/// that is not a literal duration.
pub fn alert_setting(span: Span, what: &str, suggestion: Option<&str>) -> Diagnostic {
    let d = Diagnostic::error("E0357", what.to_string()).primary(span, "not an alert setting");
    suggest(
        d,
        span,
        suggestion,
        "an alert takes `when CONDITION`, `notify KIND { … }` and `cooldown D` (a literal duration, default 1h)".into(),
    )
}

/// E0358: two alerts of a workflow with one name.
pub fn duplicate_alert(span: Span, first: Span, name: &str) -> Diagnostic {
    Diagnostic::error("E0358", format!("two alerts are named `{name}`"))
        .primary(span, "second alert")
        .secondary(first, "first alert")
        .help("rename one: `wfc alerts` and the run store know a rule by its workflow and name")
}

/// E0359: a channel's field reads what no rule can know: a param without a
/// default, the run (`run.*`) or the time (`now()`).
pub fn channel_reads_run(span: Span, what: &str) -> Diagnostic {
    Diagnostic::error("E0359", format!("an alert's channel cannot read {what}"))
        .primary(span, "decided without a run")
        .help("an alert belongs to the workflow, not to a run: its channels take literals, `env(\"NAME\")` and params with a default (their defaults)")
}

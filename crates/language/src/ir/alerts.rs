//! A workflow's alert rules, checked: conditions over its recent runs that
//! `wfc serve` and `wfc run` decide as runs end, and the channels a firing
//! goes to (the notification kinds `slack`, `webhook`, `email`).

use super::Expr;
use crate::span::Span;

/// How long a rule stays quiet after it fired, unless it says (`cooldown D`).
pub const DEFAULT_COOLDOWN_MS: u64 = 3_600_000;

/// `alert NAME { when …  notify …  cooldown D }`.
#[derive(Clone, Debug, PartialEq)]
pub struct Alert {
    pub name: String,
    pub name_span: Span,
    pub condition: Condition,
    pub channels: Vec<Channel>,
    /// After a firing, the rule fires again no sooner than this.
    pub cooldown_ms: u64,
    pub span: Span,
}

/// What a rule watches.
#[derive(Clone, Debug, PartialEq)]
pub enum Condition {
    /// `failure_rate(last N|D) > R` (`>=` when `inclusive`): the share of
    /// the runs in the window that failed.
    FailureRate {
        window: Window,
        rate: f64,
        inclusive: bool,
    },
    /// `consecutive_failures >= K`: the last K runs failed.
    ConsecutiveFailures(u32),
    /// `slower_than D | p95 * F`: the last run took longer.
    SlowerThan(Slower),
    /// `waiting_longer_than D`: a run has waited for a person this long.
    WaitingLongerThan(u64),
}

/// The runs `failure_rate` counts.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Window {
    /// The last N runs.
    Runs(u32),
    /// The runs that ended in the last D (ms).
    Time(u64),
}

/// What `slower_than` compares the last run's duration with.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Slower {
    /// A fixed duration (ms).
    Fixed(u64),
    /// The 95th percentile of the runs before it, times this factor.
    P95(f64),
}

/// The conditions' names, as written after `when`.
pub const METRICS: [&str; 4] = [
    "failure_rate",
    "consecutive_failures",
    "slower_than",
    "waiting_longer_than",
];

impl Condition {
    /// The condition as it is written in canonical form.
    pub fn show(&self) -> String {
        let ms = crate::syntax::duration::format;
        match self {
            Condition::FailureRate {
                window,
                rate,
                inclusive,
            } => {
                let last = match window {
                    Window::Runs(n) => n.to_string(),
                    Window::Time(d) => ms(*d),
                };
                let op = if *inclusive { ">=" } else { ">" };
                format!("failure_rate(last {last}) {op} {rate}")
            }
            Condition::ConsecutiveFailures(k) => format!("consecutive_failures >= {k}"),
            Condition::SlowerThan(Slower::Fixed(d)) => format!("slower_than {}", ms(*d)),
            Condition::SlowerThan(Slower::P95(f)) => format!("slower_than p95 * {f}"),
            Condition::WaitingLongerThan(d) => format!("waiting_longer_than {}", ms(*d)),
        }
    }

    /// When the condition is true, in words.
    pub fn explain(&self) -> String {
        let ms = crate::syntax::duration::format;
        match self {
            Condition::FailureRate {
                window,
                rate,
                inclusive,
            } => {
                let which = match window {
                    Window::Runs(n) => format!("the last {n} runs"),
                    Window::Time(d) => format!("the runs that ended in the last {}", ms(*d)),
                };
                let how = if *inclusive { "at least" } else { "more than" };
                format!("{how} {} of {which} failed", percent(*rate))
            }
            Condition::ConsecutiveFailures(k) => format!("the last {k} runs all failed"),
            Condition::SlowerThan(Slower::Fixed(d)) => {
                format!("the last run took longer than {}", ms(*d))
            }
            Condition::SlowerThan(Slower::P95(f)) => format!(
                "the last run took longer than {f} × the 95th percentile of the succeeded runs before it"
            ),
            Condition::WaitingLongerThan(d) => {
                format!("a run has waited for a person for longer than {}", ms(*d))
            }
        }
    }

    /// Whether the condition changes as time passes, with no run ending:
    /// a window of time, or a wait. `wfc serve` decides these on a timer too.
    pub fn changes_with_time(&self) -> bool {
        matches!(
            self,
            Condition::FailureRate {
                window: Window::Time(_),
                ..
            } | Condition::WaitingLongerThan(_)
        )
    }
}

/// `0.3` as `30%` (to a tenth of a percent).
pub fn percent(share: f64) -> String {
    format!("{}%", (share * 1000.0).round() / 10.0)
}

/// The notification kinds a rule may notify through.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ChannelKind {
    Slack,
    Webhook,
    Email,
}

impl ChannelKind {
    pub const ALL: [ChannelKind; 3] =
        [ChannelKind::Slack, ChannelKind::Webhook, ChannelKind::Email];

    pub fn name(self) -> &'static str {
        match self {
            ChannelKind::Slack => "slack",
            ChannelKind::Webhook => "webhook",
            ChannelKind::Email => "email",
        }
    }

    pub fn named(name: &str) -> Option<ChannelKind> {
        ChannelKind::ALL.into_iter().find(|k| k.name() == name)
    }

    /// The step kind whose fields the channel takes.
    pub fn step_kind(self) -> super::StepKind {
        match self {
            ChannelKind::Slack => super::StepKind::Slack,
            ChannelKind::Webhook => super::StepKind::Webhook,
            ChannelKind::Email => super::StepKind::Email,
        }
    }

    /// The step kind's fields that a channel does not take: the alert
    /// writes the message.
    pub fn written_by_the_alert(self) -> &'static [&'static str] {
        match self {
            ChannelKind::Slack => &["message"],
            ChannelKind::Webhook => &["body", "json"],
            ChannelKind::Email => &["subject", "body"],
        }
    }
}

/// `notify KIND { FIELD … }`: the fields are typed over the params, which
/// take their defaults (an alert belongs to the workflow, not to a run).
#[derive(Clone, Debug, PartialEq)]
pub struct Channel {
    pub kind: ChannelKind,
    /// Each field but `headers`, in the order written.
    pub fields: Vec<(String, Expr)>,
    /// `headers { … }` (webhook).
    pub headers: Vec<(String, Expr)>,
    pub span: Span,
}

impl Channel {
    pub fn field(&self, name: &str) -> Option<&Expr> {
        self.fields.iter().find(|(n, _)| n == name).map(|(_, x)| x)
    }
}

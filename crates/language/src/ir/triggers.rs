//! Triggers and locks, as checked: what `wfc serve` reads to start runs by
//! itself (`on schedule`, `on webhook`, `on change`), and the `lock` key that
//! keeps runs from overlapping. [`next_fires`] gives a schedule's next fire
//! times, for the plan, the editor and the server alike.

use super::{Expr, ParamId};
use crate::span::Span;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use croner::parser::{CronParser, Seconds, Year};
use croner::Cron;

/// One `on …` item of a workflow.
#[derive(Clone, Debug, PartialEq)]
pub enum Trigger {
    Schedule(Schedule),
    Webhook(Webhook),
    Change(Change),
}

impl Trigger {
    /// `"schedule"`, `"webhook"` or `"change"`: also the run's `run.trigger`.
    pub fn kind(&self) -> &'static str {
        match self {
            Trigger::Schedule(_) => "schedule",
            Trigger::Webhook(_) => "webhook",
            Trigger::Change(_) => "change",
        }
    }

    /// The whole `on …` item.
    pub fn span(&self) -> Span {
        match self {
            Trigger::Schedule(s) => s.span,
            Trigger::Webhook(w) => w.span,
            Trigger::Change(c) => c.span,
        }
    }
}

/// `on schedule "CRON" { timezone "ZONE"  overlap MODE  catch up N }`.
#[derive(Clone, Debug, PartialEq)]
pub struct Schedule {
    /// The cron pattern as written: 5 fields, or 6 with seconds first.
    pub cron: String,
    /// The IANA zone the pattern is read in (`Europe/Berlin`); UTC when unset.
    pub timezone: Tz,
    pub overlap: Overlap,
    /// At most this many slots missed while the server was down are run
    /// after it comes back (0: none).
    pub catch_up: u32,
    /// `when EXPR`: slots where it is false start nothing.
    pub when: Option<Expr>,
    /// The variables `env("…")` names for the pattern and the zone, read
    /// when the server loads the file ([`Schedule::resolve_env`]).
    pub from_env: ScheduleEnv,
    pub span: Span,
}

/// What a schedule does when its slot comes while its previous run goes on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Overlap {
    /// Let the slot pass (the default).
    #[default]
    Skip,
    /// Start the new run once the previous one has ended.
    Queue,
    /// Cancel the previous run, then start the new one.
    Cancel,
}

impl Overlap {
    pub const ALL: [Overlap; 3] = [Overlap::Skip, Overlap::Queue, Overlap::Cancel];

    pub fn name(self) -> &'static str {
        match self {
            Overlap::Skip => "skip",
            Overlap::Queue => "queue",
            Overlap::Cancel => "cancel",
        }
    }

    pub fn named(name: &str) -> Option<Overlap> {
        Overlap::ALL.into_iter().find(|o| o.name() == name)
    }
}

/// `on webhook "/PATH" { secret NAME  params { P = EXPR … } }`.
#[derive(Clone, Debug, PartialEq)]
pub struct Webhook {
    /// The path under the server's hook prefix, starting with `/`.
    pub path: String,
    /// The `secret` param whose value signs the body (HMAC-SHA256 in
    /// `X-Hub-Signature-256`); `None`: the caller needs an API key.
    pub secret: Option<ParamId>,
    /// `params { … }`; when empty, the JSON body's fields bind by name.
    pub params: Vec<TriggerParam>,
    /// `when EXPR`: deliveries where it is false are answered and ignored.
    pub when: Option<Expr>,
    pub span: Span,
}

/// `on change "GLOB" { debounce D  params { P = EXPR … } }`.
#[derive(Clone, Debug, PartialEq)]
pub struct Change {
    /// The glob as written, relative to the workflow's file.
    pub glob: String,
    /// Quiet time after the last change before a run starts.
    pub debounce_ms: u64,
    pub params: Vec<TriggerParam>,
    /// `when EXPR`: batches where it is false start nothing.
    pub when: Option<Expr>,
    pub span: Span,
}

/// `on schedule env("P") { timezone env("Z") }`: the variables a
/// schedule's pattern and zone come from (`None`: written in the file).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ScheduleEnv {
    pub cron: Option<String>,
    pub timezone: Option<String>,
}

/// What `lock KEY { on busy … }` does when a live run holds the key.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum LockBusy {
    /// Wait for the holder to end (the default).
    #[default]
    Queue,
    /// Start nothing: the run is refused, naming the holder.
    Skip,
    /// Cancel the holder (its rollbacks and `finally` run), then take the key.
    Cancel,
}

impl LockBusy {
    pub const ALL: [LockBusy; 3] = [LockBusy::Queue, LockBusy::Skip, LockBusy::Cancel];

    pub fn name(self) -> &'static str {
        match self {
            LockBusy::Queue => "queue",
            LockBusy::Skip => "skip",
            LockBusy::Cancel => "cancel",
        }
    }

    pub fn named(name: &str) -> Option<LockBusy> {
        LockBusy::ALL.into_iter().find(|o| o.name() == name)
    }

    /// What a later run does in this mode, for the editor.
    pub fn doc(self) -> &'static str {
        match self {
            LockBusy::Queue => "A later run waits for the holder to end, then takes the key (the default): runs of one key go one after another.",
            LockBusy::Skip => "A later run is not started while the key is held: it is refused, naming the holder (a schedule's slot or a webhook delivery is ignored, with the reason kept).",
            LockBusy::Cancel => "A later run cancels the holder (its rollbacks and `finally` run), then takes the key: the newest run wins, as GitHub's `cancel-in-progress`.",
        }
    }
}

/// The default `debounce` of a change trigger.
pub const DEFAULT_DEBOUNCE_MS: u64 = 1_000;

/// `P = EXPR` in a trigger's `params { … }`: the value of param `P` for
/// the runs it starts, typed against the param.
#[derive(Clone, Debug, PartialEq)]
pub struct TriggerParam {
    pub param: ParamId,
    pub name: String,
    /// May read [`TriggerInput`]s as well as params.
    pub value: Expr,
    pub span: Span,
}

/// What a trigger hands its `params { … }` (`ExprKind::TriggerInput`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TriggerInput {
    /// `request.json`: a webhook's body (`json`).
    RequestJson,
    /// `request.headers`: a webhook's headers, lower-case names (`map<string>`).
    RequestHeaders,
    /// `request.query`: a webhook's query string (`map<string>`).
    RequestQuery,
    /// `changed`: the files a change trigger saw, relative to the workflow's
    /// file (`list<string>`).
    Changed,
}

impl TriggerInput {
    /// The members of `request`, in the order the docs list them.
    pub const REQUEST: [TriggerInput; 3] = [
        TriggerInput::RequestJson,
        TriggerInput::RequestHeaders,
        TriggerInput::RequestQuery,
    ];

    /// As written: `request.json`, `changed`, ….
    pub fn text(self) -> &'static str {
        match self {
            TriggerInput::RequestJson => "request.json",
            TriggerInput::RequestHeaders => "request.headers",
            TriggerInput::RequestQuery => "request.query",
            TriggerInput::Changed => "changed",
        }
    }

    /// The member name of a `request.*` input.
    pub fn member(self) -> &'static str {
        self.text().trim_start_matches("request.")
    }
}

/// Parses a cron pattern as `on schedule` reads it: 5 fields, or 6 with
/// seconds first (no year field). The error is croner's, for a diagnostic.
pub fn parse_cron(pattern: &str) -> Result<Cron, String> {
    CronParser::builder()
        .seconds(Seconds::Optional)
        .year(Year::Disallowed)
        .build()
        .parse(pattern)
        .map_err(|e| e.to_string())
}

/// The next `n` fire times of `schedule` strictly after `from`, in the
/// schedule's zone (daylight-saving gaps and repeats as croner documents
/// them). Empty for a pattern that does not parse or never fires.
pub fn next_fires(schedule: &Schedule, from: DateTime<Utc>, n: usize) -> Vec<DateTime<Tz>> {
    let Ok(cron) = parse_cron(&schedule.cron) else {
        return Vec::new();
    };
    let mut out = Vec::with_capacity(n);
    let mut at = from.with_timezone(&schedule.timezone);
    while out.len() < n {
        match cron.find_next_occurrence(&at, false) {
            Ok(next) => {
                out.push(next);
                at = next;
            }
            Err(_) => break,
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schedule(cron: &str, tz: Tz) -> Schedule {
        Schedule {
            cron: cron.into(),
            timezone: tz,
            overlap: Overlap::Skip,
            catch_up: 0,
            when: None,
            from_env: ScheduleEnv::default(),
            span: Span::point(0),
        }
    }

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    #[test]
    fn next_fires_are_read_in_the_schedules_zone() {
        let s = schedule("0 2 * * *", chrono_tz::Europe::Berlin);
        let fires: Vec<String> = next_fires(&s, at("2026-01-01T00:00:00Z"), 3)
            .iter()
            .map(|t| t.to_rfc3339())
            .collect();
        assert_eq!(
            fires,
            [
                "2026-01-01T02:00:00+01:00",
                "2026-01-02T02:00:00+01:00",
                "2026-01-03T02:00:00+01:00"
            ]
        );
    }

    #[test]
    fn six_fields_put_seconds_first() {
        let s = schedule("*/2 * * * * *", chrono_tz::UTC);
        let fires = next_fires(&s, at("2026-01-01T00:00:00Z"), 2);
        assert_eq!(fires[0].to_rfc3339(), "2026-01-01T00:00:02+00:00");
        assert_eq!(fires[1].to_rfc3339(), "2026-01-01T00:00:04+00:00");
    }

    #[test]
    fn a_schedule_that_never_fires_has_no_fire_times() {
        let s = schedule("0 0 31 2 *", chrono_tz::UTC);
        assert!(next_fires(&s, at("2026-01-01T00:00:00Z"), 3).is_empty());
        assert!(parse_cron("0 0 * * * * *").is_err(), "no year field");
    }
}

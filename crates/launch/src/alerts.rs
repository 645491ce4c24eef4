//! Deciding a workflow's alert rules and sending their messages.
//!
//! [`after_run`] is called by a run's task once its end is in the store —
//! so by `wfc run`, `wfc resume` and `wfc serve` alike; `wfc serve` also
//! calls [`decide`] on a timer for the conditions that change with time
//! alone. Each rule is decided and its new state recorded
//! ([`wfc_store::alerts::decide`]) before anything is sent; a send that
//! fails is logged as a warning and kept with the rule's state, masked, and
//! never fails the run or the server. [`test()`] sends a test message.

use std::path::Path;
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use wfc_language::ir::alerts::ChannelKind;
use wfc_language::ir::Alert;
use wfc_plan::alerts::{Resolved, Rules};
use wfc_run::exec::{Body, EmailSpec, Executor, SlackSpec, StepContext, StepSpec, WebhookSpec};
use wfc_store::alerts::{Decision, Measure};

/// How long one send may take.
const SEND_TIMEOUT: Duration = Duration::from_secs(20);

/// What a message says: `firing`, `resolved` or `test`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Firing,
    Resolved,
    Test,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Firing => "firing",
            Kind::Resolved => "resolved",
            Kind::Test => "test",
        }
    }
}

/// One message of a rule.
#[derive(Clone, Debug)]
pub struct Message {
    pub workflow: String,
    pub alert: String,
    pub kind: Kind,
    pub condition: String,
    pub detail: String,
    pub run: Option<String>,
    pub at: i64,
}

impl Message {
    /// The text: its first line is an email's subject.
    pub fn text(&self) -> String {
        let head = match self.kind {
            Kind::Firing => format!("[wfc] {}: alert {} is firing", self.workflow, self.alert),
            Kind::Resolved => format!("[wfc] {}: alert {} resolved", self.workflow, self.alert),
            Kind::Test => format!(
                "[wfc] {}: test message of alert {}",
                self.workflow, self.alert
            ),
        };
        let mut t = format!("{head}\n{}: {}", self.condition, self.detail);
        if let Some(run) = &self.run {
            t.push_str(&format!("\nrun: {run}"));
        }
        t
    }

    fn json(&self) -> serde_json::Value {
        serde_json::json!({
            "workflow": self.workflow,
            "alert": self.alert,
            "state": self.kind.name(),
            "condition": self.condition,
            "detail": self.detail,
            "run": self.run,
            "at": wfc_store::stamp(self.at),
            "text": self.text(),
        })
    }
}

/// Where a send went, in words without a credential, and how it went.
#[derive(Clone, Debug)]
pub struct Sent {
    pub channel: String,
    pub result: Result<(), String>,
}

/// Decides `rules` after a run of their workflow ended (its end recorded
/// in the store in `dir`), and sends what is due.
pub async fn after_run(dir: &Path, rules: &Rules) {
    decide(dir, rules, false).await;
}

/// Decides each of `rules` (only those whose condition changes with time
/// alone when `timed`), records each state, then sends what is due.
pub async fn decide(dir: &Path, rules: &Rules, timed: bool) {
    let picked: Vec<Alert> = (rules.alerts.iter())
        .filter(|a| !timed || a.condition.changes_with_time())
        .cloned()
        .collect();
    if picked.is_empty() {
        return;
    }
    let dir = dir.to_path_buf();
    let workflow = rules.workflow.clone();
    let decided = tokio::task::spawn_blocking(move || {
        let store = wfc_store::Store::open(&dir).map_err(|e| e.to_string())?;
        let now = wfc_store::now_ms();
        let mut out = Vec::new();
        for a in picked {
            let d = wfc_store::alerts::decide(
                &store,
                &workflow,
                &a.name,
                &a.condition,
                a.cooldown_ms,
                now,
            )
            .map_err(|e| e.to_string())?;
            out.push((a, d.0, d.1));
        }
        Ok::<_, String>((store, now, out))
    })
    .await;
    let (store, now, decided) = match decided {
        Ok(Ok(d)) => d,
        Ok(Err(e)) => {
            tracing::warn!(workflow = %rules.workflow, "alert rules not decided: {e}");
            return;
        }
        Err(e) => {
            tracing::warn!(workflow = %rules.workflow, "alert rules not decided: {e}");
            return;
        }
    };
    let mut errors = Vec::new();
    for (a, decision, m) in decided {
        let kind = match decision {
            Decision::Fire => Kind::Firing,
            Decision::Resolve => Kind::Resolved,
            Decision::Quiet => continue,
        };
        let what = match kind {
            Kind::Firing => "fires",
            _ => "is resolved",
        };
        tracing::info!(workflow = %rules.workflow, alert = %a.name, state = kind.name(), "alert `{}` {what}: {}", a.name, m.value);
        let msg = message(rules, &a, kind, &m, now);
        let sent = send(rules, &a, &msg).await;
        let failed: Vec<String> = (sent.iter())
            .filter_map(|s| {
                s.result
                    .as_ref()
                    .err()
                    .map(|e| format!("{}: {e}", s.channel))
            })
            .collect();
        for f in &failed {
            tracing::warn!(workflow = %rules.workflow, alert = %a.name, "the message of alert `{}` was not sent: {f}", a.name);
        }
        errors.push((
            a.name.clone(),
            (!failed.is_empty()).then(|| failed.join("; ")),
        ));
    }
    if errors.is_empty() {
        return;
    }
    let workflow = rules.workflow.clone();
    let _ = tokio::task::spawn_blocking(move || {
        for (alert, e) in errors {
            if let Err(e) = wfc_store::alerts::record_error(&store, &workflow, &alert, e.as_deref())
            {
                tracing::warn!(%workflow, %alert, "alert send result not recorded: {e}");
            }
        }
    })
    .await;
}

/// The message of rule `a` for `kind`, about measure `m`.
pub fn message(rules: &Rules, a: &Alert, kind: Kind, m: &Measure, now: i64) -> Message {
    Message {
        workflow: rules.workflow.clone(),
        alert: a.name.clone(),
        kind,
        condition: a.condition.show(),
        detail: m.value.clone(),
        run: m.run.clone(),
        at: now,
    }
}

/// `wfc alerts test`: a test message through each channel of rule `a`,
/// with what its condition measures now over the store in `dir` (if any).
pub async fn test(dir: Option<&Path>, rules: &Rules, a: &Alert) -> Vec<Sent> {
    let now = wfc_store::now_ms();
    let m = dir
        .and_then(|d| wfc_store::Store::open_existing(d).ok().flatten())
        .and_then(|s| wfc_store::alerts::measure(&s, &rules.workflow, &a.condition, now).ok())
        .unwrap_or(Measure {
            holds: false,
            value: "no runs recorded".to_owned(),
            run: None,
        });
    let msg = message(rules, a, Kind::Test, &m, now);
    send(rules, a, &msg).await
}

/// Sends `msg` through each of `a`'s channels.
async fn send(rules: &Rules, a: &Alert, msg: &Message) -> Vec<Sent> {
    let ex = Executor::default();
    let mut out = Vec::new();
    for c in &a.channels {
        let r = match rules.channel(c) {
            Err(e) => Sent {
                channel: c.kind.name().to_owned(),
                result: Err(e),
            },
            Ok(r) => {
                let ctx = StepContext::new(CancellationToken::new()).with_timeout(SEND_TIMEOUT);
                let outcome = ex.run(&spec(&r, msg), &ctx).await;
                let result = match outcome.error {
                    None if outcome.is_success() => Ok(()),
                    e => Err(mask(&e.unwrap_or_else(|| "not sent".to_owned()), &r)),
                };
                Sent {
                    channel: describe(&r),
                    result,
                }
            }
        };
        out.push(r);
    }
    out
}

/// What the evaluated channel `r` sends `msg` as.
fn spec(r: &Resolved, msg: &Message) -> StepSpec {
    let field = |n: &str| r.field(n).map(str::to_owned);
    match r.kind {
        ChannelKind::Slack => StepSpec::Slack(SlackSpec {
            webhook: field("webhook").unwrap_or_default(),
            message: msg.text(),
            channel: field("channel"),
        }),
        ChannelKind::Webhook => StepSpec::Webhook(WebhookSpec {
            url: field("url").unwrap_or_default(),
            method: field("method").unwrap_or_else(|| "POST".to_owned()),
            headers: r.headers.clone(),
            body: Some(Body::Json(msg.json())),
        }),
        ChannelKind::Email => {
            let text = msg.text();
            let subject = text.lines().next().unwrap_or_default().to_owned();
            StepSpec::Email(EmailSpec {
                to: r.to.clone(),
                subject,
                body: text,
                smtp: field("smtp").unwrap_or_default(),
                from: field("from"),
                username: field("username"),
                password: field("password"),
                extra_root_certs: Vec::new(),
            })
        }
    }
}

/// Where channel `r` sends, without a credential: `slack #ops`,
/// `webhook (POST)`, `email to ops@example.com`.
pub fn describe(r: &Resolved) -> String {
    match r.kind {
        ChannelKind::Slack => match r.field("channel") {
            Some(ch) => format!("slack {}", mask(ch, r)),
            None => "slack".to_owned(),
        },
        ChannelKind::Webhook => {
            format!("webhook ({})", r.field("method").unwrap_or("POST"))
        }
        ChannelKind::Email => format!("email to {}", mask(&r.to.join(", "), r)),
    }
}

/// `text` with each of `r`'s secret values as `***`, in every form the
/// run's masker knows (a URL's case, its escapes, a trimmed newline).
pub fn mask(text: &str, r: &Resolved) -> String {
    wfc_run::mask::Masker::new(&r.secrets).mask(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolved(kind: ChannelKind, fields: &[(&str, &str)], secrets: &[&str]) -> Resolved {
        Resolved {
            kind,
            fields: (fields.iter())
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
            to: vec!["ops@example.com".to_owned()],
            headers: Vec::new(),
            secrets: secrets.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn where_a_message_went_names_no_credential() {
        let url = "https://hooks.example.com/T0/s3cr3t";
        let hook = resolved(ChannelKind::Webhook, &[("url", url)], &[url]);
        assert_eq!(describe(&hook), "webhook (POST)");
        let slack = resolved(
            ChannelKind::Slack,
            &[("webhook", url), ("channel", "#ops")],
            &[url],
        );
        assert_eq!(describe(&slack), "slack #ops");
        let mail = resolved(ChannelKind::Email, &[("smtp", "smtp://u:p@h")], &[]);
        assert_eq!(describe(&mail), "email to ops@example.com");
    }

    #[test]
    fn errors_are_masked_longest_secret_first() {
        let r = resolved(
            ChannelKind::Webhook,
            &[],
            &["http://h/x", "http://h/x/longer", "ab"],
        );
        assert_eq!(
            mask("POST http://h/x/longer/: refused (http://h/x) ab", &r),
            "POST ***/: refused (***) ***"
        );
    }

    /// #69: only the exact text was masked; the URL in another case, or
    /// escaped, went to `last_error` in clear.
    #[test]
    fn errors_are_masked_in_any_spelling() {
        let url = "https://Hooks.Example.com/T0/s3cr3t-Path";
        let r = resolved(ChannelKind::Webhook, &[("url", url)], &[url]);
        for shown in [
            "https://hooks.example.com/T0/s3cr3t-Path",
            "HTTPS://HOOKS.EXAMPLE.COM/T0/s3cr3t-Path",
            "https://Hooks.Example.com/T0/s3cr3t%2DPath",
        ] {
            let masked = mask(&format!("POST {shown}: refused"), &r);
            assert_eq!(masked, "POST ***: refused", "{shown}");
        }
    }

    #[test]
    fn a_message_says_what_and_about_which_run() {
        let m = Message {
            workflow: "w".into(),
            alert: "a".into(),
            kind: Kind::Resolved,
            condition: "consecutive_failures >= 2".into(),
            detail: "0 consecutive failed runs (alert at 2)".into(),
            run: Some("r1".into()),
            at: 0,
        };
        assert_eq!(
            m.text(),
            "[wfc] w: alert a resolved\nconsecutive_failures >= 2: 0 consecutive failed runs (alert at 2)\nrun: r1"
        );
        assert_eq!(m.json()["state"], "resolved");
    }
}

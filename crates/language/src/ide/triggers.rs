//! Triggers and the lock in the editor: their outline entries, a hover on
//! a schedule with its next fire times, and the completion snippets that
//! write them.

use super::{span, CompletionItem, CompletionKind as K, Hover, Symbol, SymbolKind};
use crate::ir::{self, Trigger, Workflow};
use chrono::{DateTime, Utc};
use std::fmt::Write;

/// How many fire times a hover shows.
const HOVER_FIRES: usize = 5;

/// One outline entry per trigger, and one for the lock.
pub(super) fn symbols(w: &Workflow) -> Vec<Symbol> {
    let mut out: Vec<Symbol> = w
        .triggers
        .iter()
        .map(|t| {
            let (target, at) = match t {
                Trigger::Schedule(s) => (s.cron.as_str(), s.span),
                Trigger::Webhook(h) => (h.path.as_str(), h.span),
                Trigger::Change(c) => (c.glob.as_str(), c.span),
            };
            Symbol {
                name: format!("on {}", t.kind()),
                detail: Some(target.to_string()),
                kind: SymbolKind::Trigger,
                span: span(at),
                selection: span(at),
                children: Vec::new(),
            }
        })
        .collect();
    if let Some(key) = &w.lock {
        out.push(Symbol {
            name: "lock".into(),
            detail: (w.lock_busy != ir::LockBusy::Queue)
                .then(|| format!("on busy {}", w.lock_busy.name())),
            kind: SymbolKind::Lock,
            span: span(key.span),
            selection: span(key.span),
            children: Vec::new(),
        });
    }
    out
}

/// A trigger under the cursor: what it does, and a schedule's next fire
/// times after `now`.
pub(super) fn hover(w: &Workflow, offset: usize, now: DateTime<Utc>) -> Option<Hover> {
    let t = w.triggers.iter().find(|t| t.span().contains(offset))?;
    let mut md = String::new();
    match t {
        Trigger::Schedule(s) => {
            let _ = write!(
                md,
                "```wf\non schedule {}\n```\n\nStarts a run of `{}` under `wfc serve`, read in {} (overlap {}, catch up {}).\n\n**Next fire times**\n",
                match &s.from_env.cron {
                    Some(var) => format!("env({var:?})"),
                    None => format!("{:?}", s.cron),
                },
                w.name,
                s.timezone.name(),
                s.overlap.name(),
                s.catch_up
            );
            for at in ir::next_fires(s, now, HOVER_FIRES) {
                let _ = writeln!(md, "- {}", at.to_rfc3339());
            }
        }
        Trigger::Webhook(h) => {
            let signed = match h.secret {
                Some(p) => format!(
                    "signed with `{}` (HMAC-SHA256 in `X-Hub-Signature-256`)",
                    w.params[p].name
                ),
                None => "with an API key".into(),
            };
            let _ = write!(
                md,
                "```wf\non webhook \"{}\"\n```\n\nStarts a run of `{}` on `POST /hooks{}`, {signed}. `request.json`, `request.headers` and `request.query` are in scope in `params {{ … }}`; without it, the JSON body's fields bind to params by name.",
                h.path, w.name, h.path
            );
        }
        Trigger::Change(c) => {
            let _ = write!(
                md,
                "```wf\non change \"{}\"\n```\n\nStarts a run of `{}` when files matching the glob (relative to this file) change, {} after the last change. `changed` (`list<string>`) is in scope in `params {{ … }}`.",
                c.glob,
                w.name,
                crate::syntax::duration::format(c.debounce_ms)
            );
        }
    }
    if let Trigger::Schedule(s) = t {
        if let Some(from) = s.env_sources() {
            let _ = write!(md, "\n\nRead when `wfc serve` loads the file: {from}.");
        }
    }
    let when = match t {
        Trigger::Schedule(s) => s.when.as_ref(),
        Trigger::Webhook(h) => h.when.as_ref(),
        Trigger::Change(c) => c.when.as_ref(),
    };
    if when.is_some() {
        md.push_str("\n\n`when`: a firing for which it is false starts no run (a webhook delivery is answered 202 \"ignored\" with the reason).");
    }
    Some(Hover {
        markdown: md.trim_end().to_string(),
        span: span(t.span()),
    })
}

/// Workflow-level snippets: the three triggers and `lock`.
pub(super) fn snippets() -> Vec<CompletionItem> {
    [
        (
            "on schedule",
            "on schedule \"${1:0 2 * * *}\" {\n\ttimezone \"${2:UTC}\"\n\toverlap ${3:skip}\n}",
            "Starts a run on a cron schedule under `wfc serve`: 5 fields, or 6 with seconds first, or `env(\"NAME\")`. `overlap skip|queue|cancel`, `catch up N`, `when COND`.",
        ),
        (
            "on webhook",
            "on webhook \"/${1:deploy}\" {\n\tsecret ${2:hook_key}\n}",
            "Starts a run on `POST /hooks/PATH` under `wfc serve`; with `secret`, the body must be signed (HMAC-SHA256). `when COND` ignores the deliveries it is false for.",
        ),
        (
            "on change",
            "on change \"${1:incoming/*.csv}\" {\n\tdebounce ${2:2s}\n\tparams { ${3:files} = changed }\n}",
            "Starts a run when files matching the glob change, under `wfc serve`.",
        ),
        (
            "lock",
            "lock \"${1:key}\"",
            "Runs whose key is equal never overlap (CLI and server, on one store); a later one waits.",
        ),
        (
            "lock on busy",
            "lock \"${1:key}\" { on busy ${2|queue,skip,cancel|} }",
            "A lock that says what a later run does while the key is held: `queue` waits, `skip` starts nothing, `cancel` cancels the holder (its `finally` runs) and then starts.",
        ),

    ]
    .into_iter()
    .map(|(label, body, doc)| CompletionItem {
        insert_text: Some(body.to_string()),
        snippet: true,
        documentation: Some(doc.to_string()),
        ..CompletionItem::new(label, K::Keyword)
    })
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn checked(text: &str) -> Workflow {
        let file = crate::syntax::parse(text).file.unwrap();
        let c = crate::check::check(file.first());
        assert!(c.diagnostics.is_empty(), "{:?}", c.diagnostics);
        c.ir
    }

    #[test]
    fn a_schedule_hover_lists_its_next_fire_times() {
        let text = "workflow w {\n  on schedule \"0 2 * * *\" { timezone \"Europe/Berlin\" }\n  lock \"k\"\n  step s: shell { run \"true\" }\n}\n";
        let w = checked(text);
        let now = "2026-01-01T00:00:00Z".parse().unwrap();
        let h = hover(&w, text.find("schedule").unwrap(), now).expect("a hover");
        assert!(
            h.markdown.contains("- 2026-01-01T02:00:00+01:00"),
            "{}",
            h.markdown
        );
        assert!(
            h.markdown.contains("- 2026-01-05T02:00:00+01:00"),
            "{}",
            h.markdown
        );
        let names: Vec<String> = symbols(&w).into_iter().map(|s| s.name).collect();
        assert_eq!(names, ["on schedule", "lock"]);
        assert!(snippets().iter().any(|s| s.label == "on webhook"));
    }
}

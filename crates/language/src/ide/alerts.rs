//! Alert rules in the editor: an outline entry per rule, a hover that says
//! when a rule fires and where it sends, and completion of the rule, its
//! conditions, its channels and their fields.

use super::{span, CompletionItem, CompletionKind as K, Hover, Symbol, SymbolKind};
use crate::check::kinds::{self, FieldInfo};
use crate::ir::alerts::{ChannelKind, METRICS};
use crate::ir::Workflow;
use crate::syntax::duration::format as human;
use std::fmt::Write;

/// One outline entry per rule, its condition as detail.
pub(super) fn symbols(w: &Workflow) -> Vec<Symbol> {
    w.alerts
        .iter()
        .map(|a| Symbol {
            name: format!("alert {}", a.name),
            detail: Some(a.condition.show()),
            kind: SymbolKind::Alert,
            span: span(a.span),
            selection: span(a.name_span),
            children: Vec::new(),
        })
        .collect()
}

/// The rule under the cursor: a channel's fields when on a channel, else
/// when the rule fires, where it sends and its cooldown.
pub(super) fn hover(w: &Workflow, offset: usize) -> Option<Hover> {
    let a = w.alerts.iter().find(|a| a.span.contains(offset))?;
    if let Some(c) = a.channels.iter().find(|c| c.span.contains(offset)) {
        let mut md = format!(
            "```wf\nnotify {}\n```\n\nSends the firings and resolves of alert `{}` through {}; the alert writes the text. Fields are read when a message is sent, params at their defaults, and never stored.\n",
            c.kind.name(),
            a.name,
            c.kind.name()
        );
        for f in channel_fields(c.kind) {
            let req = if f.required { " (required)" } else { "" };
            let _ = write!(md, "\n- `{}`{req} — {}", f.name, f.doc);
        }
        return Some(Hover {
            markdown: md,
            span: span(c.span),
        });
    }
    let channels: Vec<&str> = a.channels.iter().map(|c| c.kind.name()).collect();
    let mut md = format!(
        "```wf\nalert {} {{ when {} }}\n```\n\nFires when {}, through {}; then stays quiet while it holds, and sends one \"resolved\" when it clears. After a firing it fires again no sooner than {} (`cooldown`).",
        a.name,
        a.condition.show(),
        a.condition.explain(),
        channels.join(", "),
        human(a.cooldown_ms)
    );
    md.push_str(if a.condition.changes_with_time() {
        "\n\nDecided as runs of the workflow end, and every few seconds under `wfc serve`."
    } else {
        "\n\nDecided as runs of the workflow end (`wfc run`, `wfc serve`)."
    });
    md.push_str(
        " `wfc alerts` shows its state; `wfc alerts test WORKFLOW RULE` sends a test message.",
    );
    Some(Hover {
        markdown: md,
        span: span(a.span),
    })
}

/// The fields a channel of `kind` takes: its step kind's, but the text.
pub(crate) fn channel_fields(kind: ChannelKind) -> Vec<&'static FieldInfo> {
    let written = kind.written_by_the_alert();
    kinds::kind_info(kind.step_kind())
        .map(|k| {
            k.fields
                .iter()
                .filter(|f| !written.contains(&f.name))
                .collect()
        })
        .unwrap_or_default()
}

/// The workflow-level snippet that writes a rule.
pub(super) fn snippet() -> CompletionItem {
    item(
        "alert",
        "alert ${1:name} {\n\twhen ${2|failure_rate(last 10) > 0.3,consecutive_failures >= 3,slower_than 10m,slower_than p95 * 1.5,waiting_longer_than 2h|}\n\tnotify slack { webhook env(\"${3:SLACK_HOOK}\") }\n\tcooldown ${4:1h}\n}",
        "A rule over the workflow's recent runs: it sends one message when its condition becomes true, then one \"resolved\" when it clears (`wfc alerts` lists them).",
    )
}

/// What may start a line of an alert's body.
pub(super) fn body() -> Vec<CompletionItem> {
    let mut items: Vec<CompletionItem> = METRICS
        .iter()
        .map(|m| {
            let form = match *m {
                "failure_rate" => "failure_rate(last ${1:10}) > ${2:0.3}",
                "consecutive_failures" => "consecutive_failures >= ${1:3}",
                "slower_than" => "slower_than ${1:p95 * 1.5}",
                _ => "waiting_longer_than ${1:2h}",
            };
            let doc = crate::diag::check::condition_form(m);
            item(
                &format!("when {m}"),
                &format!("when {form}"),
                &format!("The rule's condition: {doc}."),
            )
        })
        .collect();
    for k in ChannelKind::ALL {
        let required: Vec<String> = channel_fields(k)
            .iter()
            .filter(|f| f.required)
            .enumerate()
            .map(|(i, f)| format!("{} \"${}\"", f.name, i + 1))
            .collect();
        let body = format!("notify {} {{ {} }}", k.name(), required.join("  "));
        let doc = format!(
            "Sends the rule's messages through `{}`, with that step kind's fields but the text.",
            k.name()
        );
        items.push(item(&format!("notify {}", k.name()), &body, &doc));
    }
    items.push(item(
        "cooldown",
        "cooldown ${1:1h}",
        "After a firing, the rule fires again no sooner than this (default 1h).",
    ));
    items
}

/// The fields of a `notify KIND { … }` not written yet.
pub(super) fn fields(kind: &str, present: &[String]) -> Vec<CompletionItem> {
    let Some(kind) = ChannelKind::named(kind) else {
        return Vec::new();
    };
    channel_fields(kind)
        .into_iter()
        .filter(|f| !present.iter().any(|p| p == f.name))
        .map(|f| super::completion::field_item(f, if f.required { "0" } else { "1" }))
        .collect()
}

fn item(label: &str, body: &str, doc: &str) -> CompletionItem {
    CompletionItem {
        insert_text: Some(body.to_string()),
        snippet: true,
        documentation: Some(doc.to_string()),
        ..CompletionItem::new(label, K::Keyword)
    }
}

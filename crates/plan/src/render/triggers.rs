//! Triggers and the lock as every rendering shows them: one line per
//! trigger (text, DOT, Mermaid, `wfc list`) and JSON (the plan's and
//! `wfc list --format json`'s `triggers` and `lock`). A webhook's secret is
//! shown by its param's name, never its value.

use super::expr::{show, MASK};
use crate::triggers::PlannedTrigger;
use crate::Plan;
use serde_json::{json, Value as J};
use wfc_language::ir::{self, Expr, ExprKind, Trigger, Workflow};

/// One line about a trigger: `schedule "0 2 * * *" (Europe/Berlin, overlap skip)`.
pub fn describe(wf: &Workflow, t: &Trigger) -> String {
    let show = |e: &Expr| super::expr::show(wf, e);
    let params = |ps: &[ir::TriggerParam]| -> Vec<String> {
        ps.iter()
            .map(|p| format!("{} = {}", p.name, show(&p.value)))
            .collect()
    };
    let (head, mut facts) = match t {
        Trigger::Schedule(s) => {
            let mut facts = vec![s.timezone.name().to_string()];
            facts.extend(s.env_sources());
            facts.push(format!("overlap {}", s.overlap.name()));
            if s.catch_up > 0 {
                facts.push(format!("catch up {}", s.catch_up));
            }
            let head = match &s.from_env.cron {
                Some(var) if s.cron.is_empty() => format!("schedule env({var:?})"),
                _ => format!("schedule {:?}", s.cron),
            };
            (head, facts)
        }
        Trigger::Webhook(w) => {
            let mut facts = Vec::new();
            match w.secret {
                Some(p) => facts.push(format!("signed with {}", wf.params[p].name)),
                None => facts.push("API key".to_string()),
            }
            if w.params.is_empty() {
                facts.push("params from the JSON body".to_string());
            }
            (format!("webhook {:?}", w.path), facts)
        }
        Trigger::Change(c) => (
            format!("change {:?}", c.glob),
            vec![format!(
                "debounce {}",
                crate::value::format_duration(c.debounce_ms)
            )],
        ),
    };
    if let Trigger::Webhook(ir::Webhook { params: ps, .. })
    | Trigger::Change(ir::Change { params: ps, .. }) = t
    {
        facts.extend(params(ps));
    }
    if let Some(when) = trigger_when(t) {
        facts.push(format!("when {}", show(when)));
    }
    format!("{head} ({})", facts.join(", "))
}

/// A trigger's `when`, if it has one.
pub fn trigger_when(t: &Trigger) -> Option<&Expr> {
    match t {
        Trigger::Schedule(s) => s.when.as_ref(),
        Trigger::Webhook(w) => w.when.as_ref(),
        Trigger::Change(c) => c.when.as_ref(),
    }
}

/// The lock key as shown: its text when known at plan time, else the expression.
pub fn lock_text(wf: &Workflow, key: &Expr) -> (String, bool) {
    match &key.kind {
        _ if key.tainted => (MASK.to_string(), true),
        ExprKind::Str(s) => (s.clone(), true),
        _ => (show(wf, key), false),
    }
}

/// `{"key": …}` when known at plan time, else `{"expr": …}`.
pub fn lock_json(wf: &Workflow, key: &Expr) -> J {
    match lock_text(wf, key) {
        (text, true) => json!({ "key": text }),
        (text, false) => json!({ "expr": text }),
    }
}

/// One trigger as JSON: `kind`, its settings, and a schedule's `next_fires`.
pub fn trigger_json(wf: &Workflow, t: &PlannedTrigger) -> J {
    let params = |ps: &[ir::TriggerParam]| -> J {
        ps.iter()
            .map(|p| (p.name.clone(), J::String(show(wf, &p.value))))
            .collect::<serde_json::Map<_, _>>()
            .into()
    };
    let mut out = match &t.trigger {
        Trigger::Schedule(s) => json!({
            "kind": "schedule",
            "cron": s.cron,
            "timezone": s.timezone.name(),
            "overlap": s.overlap.name(),
            "catch_up": s.catch_up,
            "next_fires": t.next_fires.iter().map(|f| f.to_rfc3339()).collect::<Vec<_>>(),
        }),
        Trigger::Webhook(w) => json!({
            "kind": "webhook",
            "path": w.path,
            "secret": w.secret.map(|p| wf.params[p].name.clone()),
            "params": params(&w.params),
        }),
        Trigger::Change(c) => json!({
            "kind": "change",
            "glob": c.glob,
            "debounce_seconds": c.debounce_ms as f64 / 1000.0,
            "params": params(&c.params),
        }),
    };
    if let Trigger::Schedule(s) = &t.trigger {
        if s.from_env != ir::ScheduleEnv::default() {
            out["from_env"] = json!({"cron": s.from_env.cron, "timezone": s.from_env.timezone});
            out["env_problems"] = json!(t.env_problems);
        }
    }
    if let Some(when) = trigger_when(&t.trigger) {
        out["when"] = J::String(show(wf, when));
    }
    out
}

/// `on …` and `lock …` lines, for the graph renderings' comments.
pub fn comment_lines(plan: &Plan, wf: &Workflow) -> Vec<String> {
    let mut out: Vec<String> = (plan.triggers.iter())
        .map(|t| format!("on {}", describe(wf, &t.trigger)))
        .collect();
    if let Some(key) = &plan.lock {
        let busy = match plan.lock_busy {
            ir::LockBusy::Queue => String::new(),
            other => format!(" (on busy {})", other.name()),
        };
        out.push(format!("lock {}{busy}", lock_text(wf, key).0));
    }
    out.extend(super::alerts::comment_lines(plan));
    out
}

//! A workflow's alert rules in the plan's renderings: each rule's name,
//! condition, channels and cooldown — never a channel's fields, which may
//! hold credentials and are evaluated only when a message is sent.

use crate::Plan;
use serde_json::{json, Value as J};
use wfc_language::ir::Alert;
use wfc_language::syntax::duration::format as human;

/// `failing  failure_rate(last 10) > 0.3  → slack, email  (cooldown 1h)`.
pub fn line(a: &Alert) -> String {
    format!(
        "{}  {}  → {}  (cooldown {})",
        a.name,
        a.condition.show(),
        channels(a).join(", "),
        human(a.cooldown_ms)
    )
}

pub fn json(plan: &Plan) -> Vec<J> {
    (plan.alerts.alerts.iter())
        .map(|a| {
            json!({
                "name": a.name,
                "condition": a.condition.show(),
                "channels": channels(a),
                "cooldown_seconds": a.cooldown_ms as f64 / 1000.0,
            })
        })
        .collect()
}

/// `alert NAME when CONDITION`, for the graph renderings' comments.
pub fn comment_lines(plan: &Plan) -> Vec<String> {
    (plan.alerts.alerts.iter())
        .map(|a| format!("alert {} when {}", a.name, a.condition.show()))
        .collect()
}

fn channels(a: &Alert) -> Vec<&'static str> {
    a.channels.iter().map(|c| c.kind.name()).collect()
}

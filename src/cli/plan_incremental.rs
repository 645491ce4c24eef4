//! `wfc plan`'s incremental part: which steps with `sources` will run and
//! why, which are up to date (see `wfc_launch::incremental::predict`).

use std::path::Path;
use wfc_language::ir::Workflow;
use wfc_launch::incremental::{may_be_up_to_date, predict, uses_sources, Predicted};
use wfc_plan::Plan;

/// What the plan says of each step with `sources` (empty: none has any).
/// Without a store every one will run: there is no earlier run.
pub fn states(
    plan: &Plan,
    wf: &Workflow,
    file: &str,
    store_dir: &Path,
) -> Vec<(String, Predicted)> {
    if !uses_sources(plan) {
        return Vec::new();
    }
    match wfc_store::Store::open_existing(store_dir) {
        Ok(Some(store)) => predict(&store, plan, wf, file),
        _ => (plan.main.steps.iter())
            .filter(|s| may_be_up_to_date(s))
            .map(|s| {
                let why = vec!["no earlier run".to_owned()];
                (s.name.clone(), Predicted::WillRun { reasons: why })
            })
            .collect(),
    }
}

/// Whether a main-graph step of `plan` has an `up to date when` check.
pub fn has_checks(plan: &Plan) -> bool {
    use wfc_language::check::kinds::{UP_TO_DATE_SHELL, UP_TO_DATE_SQL};
    (plan.main.steps.iter())
        .any(|s| (s.fields.iter()).any(|f| f.name == UP_TO_DATE_SHELL || f.name == UP_TO_DATE_SQL))
}

/// The text section, after the plan; `checks`: some step has an `up to
/// date when` check (the header counts those steps too).
pub fn text(states: &[(String, Predicted)], color: bool, checks: bool) -> String {
    if states.is_empty() {
        return String::new();
    }
    let paint = |code: &str, t: &str| {
        if color {
            format!("\x1b[{code}m{t}\x1b[0m")
        } else {
            t.to_owned()
        }
    };
    let up = states
        .iter()
        .filter(|(_, p)| matches!(p, Predicted::UpToDate { .. }))
        .count();
    let mut out = format!(
        "\nIncremental ({up} of {} steps with `sources`{} up to date; `--force` or `--rerun STEP` run them anyway)\n",
        states.len(),
        if checks { " or `up to date when`" } else { "" }
    );
    let width = states
        .iter()
        .map(|(n, _)| n.chars().count())
        .max()
        .unwrap_or(0);
    for (name, p) in states {
        let word = match p {
            Predicted::UpToDate { .. } => paint("32", "up to date"),
            Predicted::WillRun { .. } => paint("33", "will run"),
            Predicted::AtRunTime { .. } => paint("36", "at run time"),
        };
        let why = match p {
            Predicted::UpToDate { run } => format!("(run {run})"),
            Predicted::WillRun { reasons } => reasons.join("; "),
            Predicted::AtRunTime { reason } => reason.clone(),
        };
        out.push_str(&format!("  {name:<width$}  {word}  {why}\n"));
    }
    out
}

/// The JSON plan with `"incremental": [{"step", "state", …}]` added.
pub fn json(rendered: String, states: &[(String, Predicted)]) -> String {
    if states.is_empty() {
        return rendered;
    }
    let Ok(serde_json::Value::Object(mut doc)) = serde_json::from_str(&rendered) else {
        return rendered;
    };
    let items: Vec<serde_json::Value> = states
        .iter()
        .map(|(name, p)| {
            let mut v = serde_json::to_value(p).unwrap_or_default();
            v["step"] = serde_json::json!(name);
            v
        })
        .collect();
    doc.insert("incremental".into(), serde_json::Value::Array(items));
    let mut out = serde_json::to_string_pretty(&serde_json::Value::Object(doc)).unwrap_or(rendered);
    out.push('\n');
    out
}

//! `wfc plan --diff [RUN]`: this plan against the plan a past run used
//! (default: the workflow's last run), as Terraform shows a plan — `+`
//! steps added, `-` removed, `~` changed field by field, then params and
//! the workflow's env.

use super::say;
use std::path::Path;
use std::process::ExitCode;
use wfc_language::ir::Workflow;
use wfc_plan::Plan;
use wfc_store::plan_diff::{compare, last_of, PlanDelta};
use wfc_store::{control, reuse, Store};

/// The diff of `plan` against run `against` (`None`: the workflow's last
/// run) of the store in `dir`, as text or JSON.
pub fn show(
    plan: &Plan,
    wf: &Workflow,
    file: &str,
    dir: &Path,
    against: Option<&str>,
    json: bool,
) -> Result<String, ExitCode> {
    let fail = |msg: String| {
        say::err(&format!("error: {msg}"));
        ExitCode::from(2)
    };
    let store = match Store::open_existing(dir) {
        Ok(Some(s)) => s,
        Ok(None) => {
            return Err(fail(format!(
                "no runs recorded in {} to compare with",
                dir.display()
            )))
        }
        Err(e) => return Err(fail(e.to_string())),
    };
    let id = match against {
        Some(typed) => control::find_run(&store, typed).map_err(fail)?,
        None => last_of(&store, &plan.workflow)
            .map_err(|e| fail(e.to_string()))?
            .ok_or_else(|| {
                fail(format!(
                    "workflow `{}` has no recorded run to compare with",
                    plan.workflow
                ))
            })?,
    };
    let rec = reuse::recorded(&store, &id).map_err(|e| fail(e.to_string()))?;
    let Some(before) = &rec.plan else {
        return Err(fail(format!(
            "run {id} has no recorded plan to compare with"
        )));
    };
    let now: serde_json::Value =
        serde_json::from_str(&reuse::fingerprints_of(plan, wf, Some(file))).unwrap_or_default();
    let params: serde_json::Map<String, serde_json::Value> = plan
        .params
        .iter()
        .map(|p| {
            let v = if p.secret {
                serde_json::json!(wfc_contract::MASK)
            } else {
                p.value.to_json()
            };
            (p.name.clone(), v)
        })
        .collect();
    let d = compare(before, &now, &rec.params, &params);
    if json {
        let mut v = serde_json::json!({ "against": id, "workflow": rec.workflow, "changes": d });
        v["same"] = serde_json::json!(d.is_empty());
        return Ok(serde_json::to_string_pretty(&v).unwrap_or_default() + "\n");
    }
    let mut out = format!(
        "Plan diff: `{}` now against run {id} ({})\n\n",
        plan.workflow, rec.status
    );
    out.push_str(&text(&d));
    Ok(out)
}

/// The delta in words.
pub fn text(d: &PlanDelta) -> String {
    if d.is_empty() {
        return "No changes: the plan is the one that run used.\n".into();
    }
    let mut out = String::new();
    for (name, kind) in &d.added {
        out.push_str(&format!("  + step {name} ({kind})  will be added\n"));
    }
    for (name, kind) in &d.removed {
        out.push_str(&format!(
            "  - step {name} ({kind})  is no longer in the plan\n"
        ));
    }
    for s in &d.changed {
        out.push_str(&format!("  ~ step {} ({})\n", s.step, s.kind));
        for f in &s.fields {
            if f.lines.is_empty() {
                out.push_str(&format!("      ~ {}: {} → {}\n", f.path, f.before, f.after));
            } else {
                out.push_str(&format!("      ~ {}:\n", f.path));
                for (mark, line) in &f.lines {
                    out.push_str(&format!("          {mark} {line}\n"));
                }
            }
        }
    }
    if !d.params.is_empty() {
        out.push_str("\nParams\n");
        for (k, a, b) in &d.params {
            out.push_str(&format!("  ~ {k}: {a} → {b}\n"));
        }
    }
    if !d.env.is_empty() {
        out.push_str("\nThe workflow's env\n");
        for (k, a, b) in &d.env {
            out.push_str(&format!("  ~ {k}: {a} → {b}\n"));
        }
    }
    let n = d.params.len();
    out.push_str(&format!(
        "\n{} added, {} changed, {} removed; {n} param{} changed\n",
        d.added.len(),
        d.changed.len(),
        d.removed.len(),
        if n == 1 { "" } else { "s" }
    ));
    out
}

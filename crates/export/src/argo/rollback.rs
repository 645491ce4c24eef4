//! `on failure rollback { … }` (saga compensation) on Argo, as `wfc run`
//! runs it: when the run failed, the compensation of every main-graph step
//! that started (succeeded, or failed itself) runs, one after another, in
//! reverse order of completion; a failing compensation is reported and the
//! others still run.
//!
//! Argo's exit handler cannot see which tasks of the main dag ran
//! (`{{tasks.…}}` is out of its scope, argoproj/argo-workflows#14767), so
//! the compensations run at the end of the main dag itself:
//!
//! - `wfc-rollback-order`, a tiny container task that waits for every task
//!   to end (`depends`) and runs only when a required one failed (`when`).
//!   It gets each compensated task's `{{tasks.T.status}}` and
//!   `{{tasks.T.finishedAt}}` as arguments (Argo's own words and times:
//!   data, never script) and writes, per compensated task, its place in
//!   the order (1, 2, …; 0: it never started), sorted by time of completion,
//!   latest first. Argo's times have whole seconds: tasks that ended in the
//!   same second go in reverse dependency order (a dependant before what it
//!   depends on), then reverse plan order.
//! - `wfc-rollback`, a `steps` template of one group per place: group `i`
//!   holds every compensation with `when: PLACE == i`, so exactly the
//!   compensation at place `i` runs in it, each a dag template of its own
//!   steps with `continueOn: {failed: true}`.
//!
//! The dag's `wfc-outcome` task ([`super::join::outcome`]) then checks
//! every required task once the compensations are done, so the workflow
//! still fails (Argo would mark it succeeded after a successful task that
//! ran because another failed, argoproj/argo-workflows#12530).

use super::{dag, ended, Ctx};
use serde_json::{json, Value as Json};
use wfc_language::diag::Diagnostic;
use wfc_plan::Graph;

/// The order task's script, run as `sh -c ORDER wfc-order NAME STATUS
/// FINISHED RANK …`: one file per compensated task under `/tmp/wf-outputs`.
pub const ORDER: &str = r#"mkdir -p /tmp/wf-outputs || exit 1
while [ "$#" -ge 4 ]; do
  case $2 in
    Succeeded|Failed|Error) printf '%s %012d %s\n' "$3" "$4" "$1" ;;
    *) printf '0' > "/tmp/wf-outputs/$1" || exit 1 ;;
  esac
  shift 4
done | sort -r | {
  n=0
  while read -r at rank name; do
    n=$((n + 1))
    printf '%s' "$n" > "/tmp/wf-outputs/$name" || exit 1
  done
}"#;

/// The tasks that run the main graph's compensations, and the names of
/// the tasks the outcome check waits for besides the main graph's.
pub struct Rollback {
    pub tasks: Vec<Json>,
    pub waits_for: Vec<String>,
}

/// The compensation tasks of `graph` (the main graph), whose tasks are
/// `tasks` (named `task_names`, one per instance, in order); None when no
/// step has a rollback.
pub fn tasks(
    ctx: &mut Ctx,
    graph: &Graph,
    task_names: &[String],
    tasks: &[Json],
    errors: &mut Vec<Diagnostic>,
) -> Option<Rollback> {
    let rank = ranks(graph);
    // (compensated task, its rank, the compensation's dag template)
    let mut comps: Vec<(String, usize, String)> = Vec::new();
    for (i, s) in graph.steps.iter().enumerate() {
        let Some(rb) = s.rollback.as_ref().filter(|g| !g.steps.is_empty()) else {
            continue;
        };
        match dag(ctx, rb, None, false) {
            Ok(rb_tasks) => {
                let name = ctx.names.fresh(&format!("{}-rollback", s.name));
                ctx.templates
                    .push(json!({ "name": name, "dag": { "tasks": rb_tasks } }));
                comps.push((task_names[i].clone(), rank[i], name));
            }
            Err(mut e) => errors.append(&mut e),
        }
    }
    if comps.is_empty() {
        return None;
    }
    let order = ctx.names.fresh("wfc-rollback-order");
    let steps = ctx.names.fresh("wfc-rollback");
    let all: Vec<String> = tasks
        .iter()
        .filter_map(|t| t["name"].as_str())
        .map(super::ended)
        .collect();
    let failed: Vec<String> = required(tasks)
        .iter()
        .map(|t| {
            format!(
                "'{{{{tasks.{t}.status}}}}' == 'Failed' || '{{{{tasks.{t}.status}}}}' == 'Error'"
            )
        })
        .collect();
    let mut argv = vec![
        "sh".to_owned(),
        "-c".to_owned(),
        ORDER.to_owned(),
        "wfc-order".to_owned(),
    ];
    let mut arguments = Vec::new();
    let mut inputs = Vec::new();
    for (k, (task, rank, _)) in comps.iter().enumerate() {
        for (j, what) in ["status", "finishedAt"].iter().enumerate() {
            let input = format!("wf-value-{}", 2 * k + j + 1);
            arguments
                .push(json!({ "name": input, "value": format!("{{{{tasks.{task}.{what}}}}}") }));
            inputs.push(json!({ "name": input }));
        }
        argv.extend([
            task.clone(),
            format!("{{{{inputs.parameters.wf-value-{}}}}}", 2 * k + 1),
            format!("{{{{inputs.parameters.wf-value-{}}}}}", 2 * k + 2),
            rank.to_string(),
        ]);
    }
    let image = ctx
        .options
        .image
        .clone()
        .unwrap_or_else(|| super::step::GATE_IMAGE.into());
    let places: Vec<Json> = comps
        .iter()
        .map(|(task, ..)| json!({ "name": task, "valueFrom": { "path": format!("/tmp/wf-outputs/{task}") } }))
        .collect();
    ctx.templates.push(json!({
        "name": order,
        "inputs": { "parameters": inputs },
        "container": { "image": image, "command": argv },
        "outputs": { "parameters": places },
    }));
    let groups: Vec<Json> = (1..=comps.len())
        .map(|place| {
            let group: Vec<Json> = comps
                .iter()
                .map(|(task, _, template)| {
                    json!({
                        "name": format!("{template}-{place}"),
                        "template": template,
                        "when": format!("{{{{inputs.parameters.{task}}}}} == {place}"),
                        "continueOn": { "failed": true },
                    })
                })
                .collect();
            Json::Array(group)
        })
        .collect();
    let step_inputs: Vec<Json> = comps
        .iter()
        .map(|(task, ..)| json!({ "name": task }))
        .collect();
    ctx.templates.push(json!({
        "name": steps,
        "inputs": { "parameters": step_inputs },
        "steps": groups,
    }));
    let order_task = json!({
        "name": order,
        "template": order,
        "depends": all.join(" && "),
        "when": failed.join(" || "),
        "arguments": { "parameters": arguments },
    });
    let places: Vec<Json> = comps
        .iter()
        .map(|(task, ..)| json!({ "name": task, "value": format!("{{{{tasks.{order}.outputs.parameters.{task}}}}}") }))
        .collect();
    let steps_task = json!({
        "name": steps,
        "template": steps,
        "depends": format!("{order}.Succeeded"),
        "arguments": { "parameters": places },
    });
    Some(Rollback {
        tasks: vec![order_task, steps_task],
        waits_for: vec![ended(&order), ended(&steps)],
    })
}

/// The tasks whose failure fails the run (no `continueOn`).
pub fn required(tasks: &[Json]) -> Vec<String> {
    tasks
        .iter()
        .filter(|t| t.get("continueOn").is_none())
        .filter_map(|t| t["name"].as_str().map(str::to_owned))
        .collect()
}

/// Each instance's depth in the graph (1 + the deepest it depends on):
/// larger for a dependant than for what it depends on.
fn ranks(graph: &Graph) -> Vec<usize> {
    let n = graph.steps.len();
    let mut rank = vec![0usize; n];
    // Longest path by relaxation: at most n rounds in an acyclic graph.
    for _ in 0..n {
        let mut changed = false;
        for (i, s) in graph.steps.iter().enumerate() {
            let r = s
                .deps
                .iter()
                .map(|d| rank[d.on()] + 1)
                .max()
                .unwrap_or(0)
                .max(rank[i]);
            if r != rank[i] {
                rank[i] = r;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    // Plan order breaks ties among equal depths.
    rank.iter().enumerate().map(|(i, r)| r * n + i).collect()
}

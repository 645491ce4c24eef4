//! The tools `wfc mcp` offers: names, descriptions, JSON-schema inputs,
//! output schemas (`outputs`) and hints (read-only, or acting and so
//! destructive) for the client to show.

use crate::catalog::{ParamInfo, WorkflowInfo};
use rmcp::model::{Tool, ToolAnnotations};
use serde_json::{json, Value};

/// Every tool, `start_run`'s schema listing the params of `workflows`.
pub fn all(workflows: &[WorkflowInfo]) -> Vec<Tool> {
    let names: Vec<&str> = workflows.iter().map(|w| w.name.as_str()).collect();
    let workflow =
        json!({"type": "string", "description": "a served workflow's name", "enum": names});
    let run =
        json!({"type": "string", "description": "a run id, a unique prefix of one, or `last`"});
    let gate = json!({"type": "string", "description": "the gate step's name"});
    let kind = json!({"type": "string", "enum": ["schedule", "webhook", "change"],
        "description": "one kind of trigger (none: every kind)"});
    let mut tools = vec![
        read(
            "list_workflows",
            "Lists the served workflows: their files, version, tags, params (types, defaults, constraints), outputs and triggers.",
            object(json!({"tag": {"type": "string", "description": "only workflows with this tag"}}), &[]),
        ),
        read(
            "describe_workflow",
            "One workflow: its params, outputs and triggers, and the plan of a run with its default params (steps in order, what is skipped, how long it takes). The plan's steps come 50 at a time: `plan.next_cursor` is the `cursor` of the next page.",
            object(json!({"workflow": workflow, "cursor": page_cursor(), "limit": page_limit(500, 50)}), &["workflow"]),
        ),
        read(
            "validate",
            "Checks a .wf file's text: its diagnostics with codes, help and line/column. It may import the served files only.",
            object(json!({"text": {"type": "string", "description": "the .wf file's text"}}), &["text"]),
        ),
        read(
            "plan",
            "What a run with these params will do, as `wfc plan --format json` shows it (bad params: their diagnostics). Its steps come 50 at a time: `next_cursor` is the `cursor` of the next page.",
            object(json!({"workflow": workflow, "params": params_schema(workflows), "cursor": page_cursor(), "limit": page_limit(500, 50)}), &["workflow"]),
        ),
        act(
            "start_run",
            "Starts a run of a workflow with params (recorded with trigger `api`, origin `mcp`); returns its id. With `wait_seconds` it answers when the run ends or starts waiting for a person (`status` `waiting` or `paused`, `waiting_for_person`), else at the wait's end. Follow it with run_status. Steps with `sources` up to date with an earlier run, or whose `up to date when` check says so, are restored, not run, unless `force` or `rerun` says otherwise.",
            object(
                json!({
                    "workflow": workflow,
                    "params": params_schema(workflows),
                    "wait_seconds": {"type": "integer", "minimum": 0, "maximum": 300,
                        "description": "wait up to this long for the run to end or to wait for a person (default 0)"},
                    "force": {"type": "boolean", "description": "run every step, even those up to date with an earlier run (`wfc run --force`)"},
                    "rerun": {"type": "array", "items": {"type": "string"}, "description": "steps (or loops) to run even if up to date (`wfc run --rerun`)"},
                    "target": {"type": "array", "items": {"type": "string"}, "description": "run only these steps and what they need (`wfc run --target`; a loop's step name: all its iterations)"},
                    "from": {"type": "array", "items": {"type": "string"}, "description": "run these steps and everything after them; what they need is taken from the last run that had it (`wfc run --from`)"}
                }),
                &["workflow"],
            ),
        ),
        act(
            "cancel_run",
            "Cancels a run: running steps stop, its compensations and `finally` run.",
            object(json!({"run": run}), &["run"]),
        ),
        act(
            "pause_run",
            "Pauses a running run, as `wfc pause` does: its running steps finish, nothing new starts (no step, no retry) until `resume_run`. The pause is kept across server restarts.",
            object(json!({"run": run}), &["run"]),
        ),
        act(
            "pause_triggers",
            "Pauses a served workflow's triggers (all, or one `kind`: schedule, webhook, change), as `wfc triggers pause`: they start no run (a schedule's slots are kept as ignored, a webhook is answered 409) until `resume_triggers`. Runs started with `start_run` still start.",
            object(json!({"workflow": workflow, "kind": kind}), &["workflow"]),
        ),
        go_on(
            "resume_triggers",
            "Lets a workflow's paused triggers (all, or one `kind`) start runs again, as `wfc triggers resume`.",
            object(json!({"workflow": workflow, "kind": kind}), &["workflow"]),
        ),
        go_on(
            "resume_run",
            "Resumes a paused run (it goes on at once), or a failed, cancelled or interrupted one under its id, as `wfc resume` does: steps that succeeded keep their outputs and do not run again. Refused while it runs unpaused, once it succeeded, or when its file changed a step that succeeded.",
            object(json!({"run": run}), &["run"]),
        ),
        act(
            "approve_gate",
            "Approves a run's gate (an `approval` step, or a check paused by `on fail pause`), with the gate's `inputs` (its declarations are in `run_status`'s step or the workflow's source) and a comment. Inputs are checked as params are: a missing or wrong one refuses the approval and names it.",
            object(
                json!({
                    "run": run,
                    "gate": gate,
                    "inputs": {"type": "object", "description": "the gate's inputs by name: JSON values of their types (or their text, as typed)", "additionalProperties": true},
                    "comment": {"type": "string", "description": "why: recorded with the decision and shown with it"},
                }),
                &["run", "gate"],
            ),
        ),
        act(
            "reject_gate",
            "Rejects a run's gate, with a comment: it fails.",
            object(
                json!({
                    "run": run,
                    "gate": gate,
                    "comment": {"type": "string", "description": "why: recorded with the decision and shown with it"},
                }),
                &["run", "gate"],
            ),
        ),
        act(
            "delete_run",
            "Deletes a run that ended (or was interrupted) with everything the store keeps of it: its steps, events, step logs and artifact copies, as `wfc runs delete` does. Refused while it runs. Cannot be undone.",
            object(json!({"run": run}), &["run"]),
        ),
        read(
            "run_status",
            "One run: its status, how many steps have each status (`step_counts`), and its steps with attempts, durations and outputs (secrets masked), 20 at a time. A run with more steps also lists its steps of note (failed, running, waiting…) and its last steps. `next` holds the arguments of the call for the next page; `steps` picks steps by status.",
            object(
                json!({
                    "run": run,
                    "steps": {"type": "string", "description": "only steps of these statuses, comma-separated: pending, running, waiting, succeeded, failed, timed_out, cancelled, skipped, not_run, interrupted (`none`: only the counts)"},
                    "cursor": page_cursor(),
                    "limit": page_limit(200, 20),
                }),
                &["run"],
            ),
        ),
        read(
            "logs",
            "The log of one step of a run (every attempt): its last 200 lines, or the last `tail` (before `before`, an answer's `start`), or `limit` lines from `after` (0 for the first, or an answer's `cursor`). At most 10000 lines and 48 KiB an answer; a line is cut at 16 KiB. `next` and `previous` hold the arguments of the calls for the lines after and before.",
            object(
                json!({
                    "run": run,
                    "step": {"type": "string", "description": "the step (an instance name such as `ship[eu-west]`)"},
                    "tail": {"type": "integer", "minimum": 1, "maximum": 10000, "description": "the last N lines"},
                    "after": {"type": "integer", "minimum": 0, "description": "lines from this cursor on: 0, or an answer's `cursor`"},
                    "limit": {"type": "integer", "minimum": 1, "maximum": 10000, "description": "the most lines from `after` (default 1000)"},
                    "before": {"type": "integer", "minimum": 0, "description": "the last `tail` lines (default 1000) before this cursor: an answer's `start`"},
                }),
                &["run", "step"],
            ),
        ),
        read(
            "explain_step",
            "Why a step of a run ran, was up to date (restored from an earlier run, which it names), was skipped or did not run, as `wfc explain RUN STEP`: its `verdict` and `reasons`.",
            object(
                json!({"run": run, "step": {"type": "string", "description": "the step (an instance name such as `ship[eu-west]`)"}}),
                &["run", "step"],
            ),
        ),
        read(
            "run_diff",
            "What changed in a run's plan since the run before it (or `against`), as `wfc plan --diff`: steps added, removed and changed field by field (text as `-`/`+` lines), params and env. A workflow's first run: `against` null, no changes.",
            object(
                json!({"run": run, "against": {"type": "string", "description": "the run to compare with (default: the workflow's run started just before)"}}),
                &["run"],
            ),
        ),
        read(
            "history",
            "Runs, newest first, optionally filtered.",
            object(
                json!({
                    "workflow": {"type": "string"},
                    "status": {"type": "string", "enum": ["queued", "running", "waiting", "paused", "succeeded", "failed", "cancelled", "interrupted"], "description": "`queued`: a start a full server queued for any server; `waiting`: running, held by a person (an approval); `paused`: running, paused by `pause_run`"},
                    "trigger": {"type": "string", "description": "what started the run: `api` (the API, MCP, the dashboard), `manual` (`wfc run`), `schedule`, `webhook`, `change`"},
                    "tag": {"type": "string", "description": "runs whose workflow had this tag"},
                    "limit": {"type": "integer", "minimum": 1, "maximum": crate::api::runs::MAX_LIMIT, "description": "default 20"}
                }),
                &[],
            ),
        ),
        read(
            "stats",
            "How runs go, per workflow (as `wfc stats --format json`): runs by outcome, success rate, p50/p95 durations, the flakiest and slowest steps, and per step figures.",
            object(
                json!({
                    "workflow": {"type": "string", "description": "only this workflow"},
                    "last": {"type": "integer", "minimum": 1, "description": "only each workflow's most recent N runs (default: all)"}
                }),
                &[],
            ),
        ),
        read(
            "alerts",
            "The served workflows' alert rules with their state (ok or firing), since when, last firing and resolve, and what the runs did (as `wfc alerts --format json`).",
            object(
                json!({
                    "workflow": {"type": "string", "description": "only this workflow's rules"}
                }),
                &[],
            ),
        ),
    ];
    tools.extend(super::author::tools());
    tools.extend(super::assist::tools());
    tools
        .into_iter()
        .map(|t| match super::outputs::schema(&t.name) {
            Value::Object(o) => t.with_raw_output_schema(std::sync::Arc::new(o)),
            _ => t,
        })
        .collect()
}

/// `params` of `start_run` and `plan`: one object schema per workflow, its
/// `title` the workflow's name.
fn params_schema(workflows: &[WorkflowInfo]) -> Value {
    let each: Vec<Value> = workflows
        .iter()
        .map(|w| {
            let props: serde_json::Map<String, Value> = w
                .params
                .iter()
                .map(|p| (p.name.clone(), param(p)))
                .collect();
            let required: Vec<&str> = w
                .params
                .iter()
                .filter(|p| p.default.is_none() && !p.ty.ends_with('?'))
                .map(|p| p.name.as_str())
                .collect();
            json!({"title": w.name, "type": "object", "properties": props, "required": required})
        })
        .collect();
    json!({"type": "object", "description": "the workflow's params by name (a params file's JSON)", "anyOf": each})
}

/// A param's schema: its JSON type, its wfc type, default and constraint as written.
fn param(p: &ParamInfo) -> Value {
    let ty = p.ty.trim_end_matches('?');
    let json_type = match ty {
        "int" => "integer",
        "float" => "number",
        "bool" => "boolean",
        _ if ty.starts_with("list<") => "array",
        _ if ty.starts_with("map<") => "object",
        "json" => return json!({"description": describe(p)}),
        // RFC 3339 (`2026-05-01T09:30:00Z`), as on the command line.
        "time" => {
            return json!({"type": "string", "format": "date-time", "description": describe(p)})
        }
        _ => "string",
    };
    json!({"type": json_type, "description": describe(p)})
}

fn describe(p: &ParamInfo) -> String {
    let mut d = p.ty.clone();
    if let Some(c) = &p.constraint {
        d.push_str(&format!(", {c}"));
    }
    if let Some(v) = &p.default {
        d.push_str(&format!(", default {v}"));
    }
    if p.secret {
        d.push_str(", secret");
    }
    d
}

/// A page's `cursor`: an answer's `next_cursor` (or `next.cursor`).
fn page_cursor() -> Value {
    json!({"type": ["string", "integer"], "description": "where the page starts: an answer's next cursor"})
}

/// A page's `limit`: at most `max`, `default` when absent.
fn page_limit(max: usize, default: usize) -> Value {
    json!({"type": "integer", "minimum": 1, "maximum": max, "description": format!("the most steps a page holds (default {default})")})
}

pub(super) fn object(properties: Value, required: &[&str]) -> Value {
    json!({"type": "object", "properties": properties, "required": required})
}

fn tool(name: &'static str, description: &'static str, schema: Value) -> Tool {
    let Value::Object(schema) = schema else {
        unreachable!("tool schemas are objects")
    };
    Tool::new(name, description, std::sync::Arc::new(schema))
}

pub(super) fn read(name: &'static str, description: &'static str, schema: Value) -> Tool {
    tool(name, description, schema)
        .annotate(ToolAnnotations::new().read_only(true).destructive(false))
}

/// A tool that goes on with recorded work: it acts, but undoes nothing
/// (steps that succeeded are not run again).
pub(super) fn go_on(name: &'static str, description: &'static str, schema: Value) -> Tool {
    tool(name, description, schema)
        .annotate(ToolAnnotations::new().read_only(false).destructive(false))
}

/// A tool that acts: it starts work that changes things.
pub(super) fn act(name: &'static str, description: &'static str, schema: Value) -> Tool {
    tool(name, description, schema)
        .annotate(ToolAnnotations::new().read_only(false).destructive(true))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_time_param_is_an_rfc_3339_string() {
        let p = ParamInfo {
            name: "at".into(),
            ty: "time?".into(),
            secret: false,
            default: None,
            constraint: None,
        };
        assert_eq!(
            param(&p),
            json!({"type": "string", "format": "date-time", "description": "time?"})
        );
    }
}

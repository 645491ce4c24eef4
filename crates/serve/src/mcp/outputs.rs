//! Each tool's `outputSchema`: the JSON object its answer is, as
//! `structuredContent` (and, as MCP asks, the same JSON as text). Each
//! schema names the fields a client can count on, typed; an answer may
//! hold more (`truncated`, when [`super::bound`] cut a list).

use serde_json::{json, Value};

/// The output schema of tool `name`.
pub fn schema(name: &str) -> Value {
    let string = json!({"type": "string"});
    let int = json!({"type": "integer"});
    let boolean = json!({"type": "boolean"});
    let array = json!({"type": "array"});
    let object = json!({"type": "object"});
    let maybe_int = json!({"type": ["integer", "null"]});
    let run = json!({
        "id": string, "workflow": string,
        "status": {"type": "string", "description": "queued (a start a full server queued for any server), running, waiting (held by a person), paused, succeeded, failed, cancelled or interrupted"},
        "step_counts": object, "step_total": int, "step_list": array,
    });
    let written = json!({
        "path": string, "file": string, "created": boolean,
        "kept_version": maybe_int, "workflows": array,
    });
    let (properties, required): (Value, &[&str]) = match name {
        "list_workflows" => (json!({"workflows": array, "files": array}), &["workflows"]),
        "describe_workflow" => (
            json!({"name": string, "file": string, "params": array, "outputs": array,
                "triggers": array, "plan": object, "plan_error": object}),
            &["name"],
        ),
        "validate" => (
            json!({"valid": boolean, "diagnostics": array, "workflows": array}),
            &["valid", "diagnostics"],
        ),
        "plan" => (json!({"steps": array}), &[]),
        "start_run" => (
            json!({"id": string, "status": string, "waiting_for_person": boolean}),
            &["id"],
        ),
        "cancel_run" | "pause_run" | "resume_run" | "delete_run" | "approve_gate"
        | "reject_gate" => (json!({"id": string, "detail": string}), &[]),
        "pause_triggers" | "resume_triggers" => (json!({"workflow": string}), &[]),
        "run_status" => (run, &["id", "status"]),
        "wait_run" => {
            let mut p = run;
            p["ended"] = boolean.clone();
            p["waiting_for_person"] = boolean.clone();
            p["timed_out"] = boolean.clone();
            p["waited_seconds"] = json!({"type": "number"});
            (
                p,
                &["id", "status", "ended", "waiting_for_person", "timed_out"],
            )
        }
        "logs" => (json!({"log": string, "lines": int}), &["log"]),
        "explain_step" => (
            json!({"run": string, "step": string, "status": string,
                "verdict": {"type": "string", "enum": ["ran", "up_to_date", "skipped", "did_not_run", "failed", "running"]},
                "up_to_date_with": string, "compared_with": string,
                "reasons": {"type": "array", "items": string}}),
            &["run", "step", "status", "verdict", "reasons"],
        ),
        "run_diff" => (
            json!({"against": {"type": ["string", "null"]}, "changes": {"type": "object",
                "properties": {"added": array, "removed": array, "changed": array,
                    "params": array, "env": array},
                "required": ["added", "removed", "changed", "params", "env"]}}),
            &["against", "changes"],
        ),
        "history" => (json!({"runs": array}), &["runs"]),
        "stats" => (json!({"workflows": array}), &["workflows"]),
        "alerts" => (json!({"alerts": array}), &["alerts"]),
        "read_workflow_file" => (
            json!({"path": string, "file": string, "version": maybe_int, "text": string,
                "versions": array}),
            &["path", "text", "versions"],
        ),
        "create_workflow" | "update_workflow" | "create_from_template" => {
            (written, &["path", "created"])
        }
        "delete_workflow" => (
            json!({"path": string, "file": string, "kept_version": int}),
            &["path", "kept_version"],
        ),
        "suggest" => (
            json!({"intent_words": array, "suggestions": {"type": "array", "items": {
                "type": "object",
                "properties": {"kind": {"enum": ["workflow", "template"]}, "name": string,
                    "uri": string, "description": string, "score": int,
                    "why": {"type": "array", "items": string}},
                "required": ["kind", "name", "score", "why"]}},
                "matched": int, "scoring": string}),
            &["suggestions"],
        ),
        "complete" => (
            json!({"line": int, "column": int, "total": int, "items": {"type": "array", "items": {
                "type": "object",
                "properties": {"label": string, "kind": string, "insert_text": string,
                    "snippet": boolean, "detail": string, "documentation": string,
                    "replace": object},
                "required": ["label", "kind", "insert_text"]}}}),
            &["items", "total"],
        ),
        "pending_approvals" => (
            json!({"total": int, "approvals": {"type": "array", "items": {
                "type": "object",
                "properties": {"run": string, "workflow": string, "gate": string},
                "required": ["run", "workflow", "gate"]}}}),
            &["approvals"],
        ),
        _ => (json!({}), &[]),
    };
    json!({"type": "object", "properties": properties, "required": required})
}

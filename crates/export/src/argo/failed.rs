//! `failed.step` and `failed.error` in an `on failure` handler, on Argo.
//!
//! Argo's exit handler cannot see the main dag's tasks, but it has
//! `{{workflow.failures}}`: a JSON list of every failed node (its display
//! name, Argo's message, when it finished). The exit dag starts with
//! `wfc-failed`, a task that runs when the workflow failed (the handler's
//! own `when`) and picks from that list the step that failed first:
//!
//! - nodes are matched to the main dag's tasks by their display name (`T`,
//!   a retry's attempts `T(0)`, `T(1)`, a `withItems` iteration
//!   `T(0:eu-west)`); other nodes (the dag itself, `wfc-outcome`) are not
//!   steps and are left out;
//! - a step's error is its last attempt's message, and the step that
//!   failed first is the one whose last attempt ended first (Argo's times
//!   have whole seconds: a tie goes to the earlier step in plan order);
//! - a `wait any` block raced in one pod ([`super::race`]) whose members
//!   all failed left `wfc-race`, the last member's name and wfc's error
//!   in the pod's termination message, which Argo appends to the node's:
//!   `failed.step` is that member, `failed.error` `every member of `B`
//!   failed; the last: exit code N: LAST LINE OF ITS STDERR`, as `wfc
//!   run` says it;
//! - `failed.step` is the wfc instance name (`ship[eu-west]`), and
//!   `failed.error` Argo's message of that node: the exit code
//!   (`Error (exit code 1)`) or why Argo stopped it (a deadline), not the
//!   tail of its stderr that `wfc run` adds.
//!
//! The list reaches the script through an environment variable (data,
//! never code), as do the task names; the script runs in
//! [`IMAGE`], and writes the two values as the task's output parameters,
//! which the handler's tasks read like any other step's outputs.

use serde_json::{json, Value as Json};

/// The image of the `wfc-failed` task: Python's standard library reads the
/// JSON Argo gives.
pub const IMAGE: &str = super::script::PYTHON_IMAGE;

/// The output parameter a field is read from.
pub fn parameter(field: wfc_language::ir::FailedField) -> &'static str {
    match field {
        wfc_language::ir::FailedField::Step => "step",
        wfc_language::ir::FailedField::Error => "error",
    }
}

/// Picks the failed step from `$WF_FAILURES` with `$WF_TASKS`
/// (`[[task, wfc name, looped], …]` in plan order).
pub const SCRIPT: &str = r#"import json, os, re
def loads(text):
    value = json.loads(text) if text.strip() else []
    # Argo quotes the list as a string: read it once more.
    return loads(value) if isinstance(value, str) else (value or [])
tasks = json.loads(os.environ["WF_TASKS"])
best = {}
for node in loads(os.environ.get("WF_FAILURES", "")):
    shown = node.get("displayName") or ""
    for order, (task, name, looped) in enumerate(tasks):
        if shown != task and not shown.startswith(task + "("):
            continue
        rest, key = shown[len(task):], name
        if looped:
            m = re.match(r"\(\d+:(.*?)\)", rest)
            if not m:
                break
            key, rest = "%s[%s]" % (name, m.group(1)), rest[m.end():]
        if rest and not re.fullmatch(r"\(\d+\)", rest):
            break
        # A retry's attempt (`T(1)`) says more than the retry node itself.
        rank = (1 if rest else 0, node.get("finishedAt") or "")
        message = node.get("message") or node.get("phase") or "failed"
        # A `wait any` race whose members all failed: its last member and
        # wfc's error, from the pod's termination message.
        if "wfc-race\n" in message:
            key, _, message = message.split("wfc-race\n", 1)[1].partition("\n")
        if key not in best or rank > best[key][0]:
            best[key] = (rank, order, message)
        break
step, error = "", ""
if best:
    step = min(best, key=lambda k: (best[k][0][1], best[k][1]))
    error = best[step][2]
for field, value in (("step", step), ("error", error)):
    with open("/tmp/wfc-failed-" + field, "w") as out:
        out.write(value)
"#;

/// The task and its template: `name` runs under `when`; `tasks` are the
/// main dag's `(task, wfc name, looped)` in plan order.
pub fn task(name: &str, when: &str, tasks: &[(String, String, bool)]) -> (Json, Json) {
    let listed: Vec<Json> = tasks.iter().map(|(t, n, l)| json!([t, n, l])).collect();
    let task = json!({ "name": name, "template": name, "when": when });
    let outputs: Vec<Json> = ["step", "error"]
        .iter()
        .map(|p| json!({ "name": p, "valueFrom": { "path": format!("/tmp/wfc-failed-{p}") } }))
        .collect();
    let template = json!({
        "name": name,
        "container": {
            "image": IMAGE,
            "command": ["python3", "-c", SCRIPT],
            "env": [
                { "name": "WF_FAILURES", "value": "{{workflow.failures}}" },
                { "name": "WF_TASKS", "value": Json::Array(listed).to_string() },
            ],
        },
        "outputs": { "parameters": outputs },
    });
    (task, template)
}

#[cfg(test)]
mod tests {
    use super::SCRIPT;
    use serde_json::json;
    use std::process::Command;

    /// Runs the script over `failures` (Argo's list, quoted as Argo
    /// quotes it) and returns (step, error).
    fn pick(failures: &str) -> (String, String) {
        static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("wfc-failed-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let script = SCRIPT.replace("/tmp/wfc-failed-", &format!("{}/", dir.display()));
        let quoted = serde_json::to_string(failures).unwrap();
        let tasks = r#"[["build","build",false],["ship","ship",true],["wfc-outcome-x","x",false]]"#;
        let out = Command::new("python3")
            .args(["-c", &script])
            .env("WF_FAILURES", quoted)
            .env("WF_TASKS", tasks)
            .output()
            .expect("python3 runs the wfc-failed task's script");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let read = |f: &str| std::fs::read_to_string(dir.join(f)).unwrap();
        let picked = (read("step"), read("error"));
        std::fs::remove_dir_all(&dir).unwrap();
        picked
    }

    #[test]
    fn the_step_whose_last_attempt_ended_first_with_its_message() {
        let failures = r#"[
          {"displayName":"wf-abc","message":"child 'wf-abc-1' failed","phase":"Failed","finishedAt":"2024-01-01T00:00:09Z"},
          {"displayName":"build","message":"No more retries left","phase":"Failed","finishedAt":"2024-01-01T00:00:08Z"},
          {"displayName":"build(0)","message":"Error (exit code 2)","phase":"Failed","finishedAt":"2024-01-01T00:00:03Z"},
          {"displayName":"build(1)","message":"Error (exit code 1)","phase":"Failed","finishedAt":"2024-01-01T00:00:07Z"},
          {"displayName":"ship(1:eu-west)","message":"Error (exit code 3)","phase":"Failed","finishedAt":"2024-01-01T00:00:05Z"},
          {"displayName":"wfc-outcome","message":"x","phase":"Failed","finishedAt":"2024-01-01T00:00:01Z"}
        ]"#;
        assert_eq!(
            pick(failures),
            ("ship[eu-west]".into(), "Error (exit code 3)".into())
        );
        // Without the loop: `build`'s last attempt, not its retry node.
        let build_only = failures.replace("ship(1:eu-west)", "other");
        assert_eq!(
            pick(&build_only),
            ("build".into(), "Error (exit code 1)".into())
        );
        // The same second: plan order.
        let tie = r#"[{"displayName":"ship(0:b)","message":"m2","finishedAt":"2024-01-01T00:00:01Z"},
                      {"displayName":"build","message":"m1","finishedAt":"2024-01-01T00:00:01Z"}]"#;
        assert_eq!(pick(tie), ("build".into(), "m1".into()));
        // A race whose members all failed: the last one, wfc's error
        // (Argo 3 and 4 spell the node's message differently).
        for shown in ["Error (exit code 7): ", "main: Error (exit code 7): "] {
            let message = format!(
                "{shown}wfc-race\nprobe_us\nevery member of `probes` failed; the last: exit code 7: boom"
            );
            let race = json!([{ "displayName": "build", "message": message, "finishedAt": "2024-01-01T00:00:01Z" }]);
            assert_eq!(
                pick(&race.to_string()),
                (
                    "probe_us".into(),
                    "every member of `probes` failed; the last: exit code 7: boom".into()
                )
            );
        }
        assert_eq!(pick(""), (String::new(), String::new()));
    }
}

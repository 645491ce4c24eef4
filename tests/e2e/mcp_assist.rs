//! MCP's helping tools through the real MCP client (which checks every
//! answer against its tool's `outputSchema`): `suggest` ranks workflows and
//! templates with why, `complete` answers as the language server does,
//! `wait_run` waits until a run ends or waits for a person (bounded), and
//! `pending_approvals` lists the gates waiting.

use super::mcp::session;
use serde_json::json;

#[test]
fn an_agent_is_helped_to_write_and_to_follow_runs() {
    let dir = tempfile::tempdir().unwrap();
    let calls = json!([
        {"tool": "suggest", "arguments": {"intent": "deploy an API to staging and ask for approval", "limit": 20}},
        {"tool": "complete", "arguments": {"text": "workflow w {\n  step a: sh", "line": 2, "column": 13}},
        {"tool": "complete", "arguments": {"text": "workflow w {\n}\n", "line": 9, "column": 1}},
        {"tool": "start_run", "arguments": {"workflow": "gated", "wait_seconds": 120}},
        {"tool": "wait_run", "arguments": {"run": "$run", "timeout_seconds": 20}},
        {"tool": "pending_approvals", "arguments": {}},
        {"tool": "approve_gate", "arguments": {"run": "$run", "gate": "approve", "inputs": {"rollout": 30, "region": "eu"}}},
        {"tool": "wait_run", "arguments": {"run": "$run", "timeout_seconds": 30}},
        {"tool": "pending_approvals", "arguments": {"workflow": "gated"}},
        {"tool": "start_run", "arguments": {"workflow": "slow"}},
        {"tool": "wait_run", "arguments": {"run": "$run", "timeout_seconds": 1}},
        {"tool": "cancel_run", "arguments": {"run": "$run"}},
    ]);
    let Some(answer) = session(dir.path(), calls) else {
        return;
    };
    let r = &answer["results"];
    for (i, result) in r.as_array().unwrap().iter().enumerate() {
        if i != 2 {
            assert_eq!(result["isError"], false, "call {i}: {result}");
            assert_eq!(result["structuredContent"], result["json"], "call {i}");
        }
    }
    // The template named for the intent first, and why; the gated workflow too.
    let s = &r[0]["json"]["suggestions"];
    assert_eq!(
        (&s[0]["kind"], &s[0]["name"]),
        (&json!("template"), &json!("deploy-api")),
        "{s}"
    );
    let why = s[0]["why"].to_string();
    assert!(why.contains("`deploy` in its name (+3)"), "{why}");
    assert_eq!(s[0]["uri"], "wfc://templates/deploy-api.wf");
    let gated = s
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["name"] == "gated")
        .unwrap_or_else(|| panic!("{s}"));
    assert!(
        gated["why"].to_string().contains("`approval` in its steps"),
        "{gated}"
    );
    assert_eq!(gated["uri"], "wfc://files/gated.wf");
    // The language server's step kinds after `step a: sh`.
    let items = r[1]["json"]["items"].as_array().unwrap();
    let shell = items
        .iter()
        .find(|i| i["label"] == "shell")
        .unwrap_or_else(|| panic!("{}", r[1]));
    assert_eq!(
        shell["replace"]["from"],
        json!({"line": 2, "column": 11}),
        "{shell}"
    );
    assert_eq!(r[2]["json"]["code"], "API071", "{}", r[2]);
    // Waiting for a person ends start_run's wait (not its 120 s) and
    // wait_run's, and the gate is listed.
    let started = &r[3]["json"];
    assert_eq!(
        (&started["status"], &started["waiting_for_person"]),
        (&json!("waiting"), &json!(true)),
        "{started}"
    );
    let waited = &r[4]["json"];
    assert_eq!(waited["status"], "waiting", "{waited}");
    assert_eq!(
        (&waited["waiting_for_person"], &waited["ended"]),
        (&json!(true), &json!(false))
    );
    let id = r[3]["json"]["id"].as_str().unwrap();
    let pending = r[5]["json"]["approvals"].as_array().unwrap();
    assert!(
        pending
            .iter()
            .any(|a| a["run"] == id && a["gate"] == "approve" && a["workflow"] == "gated"),
        "{}",
        r[5]
    );
    let ended = &r[7]["json"];
    assert_eq!(
        (&ended["status"], &ended["ended"]),
        (&json!("succeeded"), &json!(true)),
        "{ended}"
    );
    assert_eq!(r[8]["json"]["total"], 0, "{}", r[8]);
    // A run still going when the wait is over: timed out, bounded.
    let going = &r[10]["json"];
    assert_eq!(
        (&going["status"], &going["timed_out"]),
        (&json!("running"), &json!(true)),
        "{going}"
    );
    assert!(going["waited_seconds"].as_f64().unwrap() < 5.0, "{going}");
}

//! MCP's authoring tools driven by the real MCP client (tests/e2e/mcp.rs's
//! helpers): a workflow file created from a template with params, created,
//! refused with its diagnostics, updated (the old text kept as a version),
//! read at a version and deleted — each change served at once — and over
//! `/mcp`, a `read` key writes nothing.

use super::mcp::{client, has_client, session};
use super::serve::Server;
use serde_json::{json, Value};

const ONE: &str = "workflow made {\n  step a: shell { run \"echo one\" }\n}\n";
const TWO: &str = "workflow made {\n  step a: shell { run \"echo two\" }\n}\n";
const BROKEN: &str = "workflow made {\n  step a: shell { run }\n}\n";

fn served(listing: &Value) -> Vec<String> {
    let mut names: Vec<String> = listing["workflows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["name"].as_str().unwrap().to_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn an_agent_writes_workflows_from_templates_and_text_and_versions_are_kept() {
    let dir = tempfile::tempdir().unwrap();
    let calls = json!([
        {"tool": "create_from_template", "arguments": {"template": "deploy-api", "path": "team/deploy.wf", "params": {"env": "prod", "replicas": 5}}},
        {"tool": "list_workflows", "arguments": {}},
        {"tool": "create_workflow", "arguments": {"path": "made.wf", "text": BROKEN}},
        {"tool": "create_workflow", "arguments": {"path": "made.wf", "text": ONE}},
        {"tool": "create_workflow", "arguments": {"path": "made.wf", "text": TWO}},
        {"tool": "update_workflow", "arguments": {"path": "made.wf", "text": TWO}},
        {"tool": "read_workflow_file", "arguments": {"path": "made.wf", "version": 1}},
        {"tool": "create_workflow", "arguments": {"path": "../escape.wf", "text": ONE}},
        {"tool": "create_from_template", "arguments": {"template": "deploy-api", "path": "s.wf", "params": {"slack_url": "https://hooks.example/T0KEN"}}},
        {"tool": "create_from_template", "arguments": {"template": "deploy-apy", "path": "t.wf"}},
        {"tool": "create_from_template", "arguments": {"template": "deploy-api", "path": "r.wf", "params": {"replicas": 99}}},
        {"tool": "delete_workflow", "arguments": {"path": "made.wf"}},
        {"tool": "list_workflows", "arguments": {}},
        {"tool": "update_workflow", "arguments": {"path": "gone.wf", "text": ONE}},
    ]);
    let Some(answer) = session(dir.path(), calls) else {
        return;
    };
    let r = &answer["results"];
    let ok = |i: usize| {
        assert_eq!(r[i]["isError"], false, "call {i}: {}", r[i]);
        &r[i]["json"]
    };
    let code = |i: usize| {
        assert_eq!(r[i]["isError"], true, "call {i}: {}", r[i]);
        r[i]["json"]["code"].as_str().unwrap().to_owned()
    };
    // From the template, its params' answers as the defaults: served at once.
    assert_eq!(ok(0)["created"], true);
    assert_eq!(ok(0)["workflows"][0]["name"], "deploy-api");
    let written = std::fs::read_to_string(dir.path().join("flows/team/deploy.wf")).unwrap();
    assert!(
        written.contains("in [\"staging\", \"prod\"] = \"prod\""),
        "{written}"
    );
    assert!(written.contains("in 1..20 = 5"), "{written}");
    assert!(served(ok(1)).contains(&"deploy-api".to_owned()));
    // A broken text: its diagnostics with codes and places; nothing written.
    assert_eq!(code(2), "API004");
    let d = &r[2]["json"]["diagnostics"][0];
    assert!(d["code"].as_str().unwrap().starts_with('E'), "{d}");
    assert_eq!(d["labels"][0]["line"], 2, "{d}");
    assert_eq!(ok(3)["created"], true);
    assert_eq!(code(4), "API142", "create never replaces");
    assert_eq!(ok(5)["kept_version"], 1);
    assert_eq!(ok(6)["text"], ONE);
    assert_eq!(code(7), "API140");
    assert!(!dir.path().join("escape.wf").exists());
    // A secret is never written; an unknown template is named; a bad value refused.
    assert_eq!(code(8), "API004");
    assert!(!r[8].to_string().contains("T0KEN"), "{}", r[8]);
    assert!(!dir.path().join("flows/s.wf").exists());
    assert_eq!(code(9), "API003");
    assert!(r[9]["json"]["detail"]
        .as_str()
        .unwrap()
        .contains("deploy-api"));
    assert_eq!(code(10), "API004");
    assert!(!dir.path().join("flows/r.wf").exists());
    // Deleted: its text kept, no longer served.
    assert_eq!(ok(11)["kept_version"], 2);
    assert!(!dir.path().join("flows/made.wf").exists());
    assert!(!served(ok(12)).contains(&"made".to_owned()));
    assert_eq!(code(13), "API003", "update never creates");
    // Versions live under the state folder.
    assert!(dir.path().join("state/file-versions").is_dir());
    // Each change said that the tools' lists and the resources changed.
    let notes = answer["notifications"].to_string();
    assert!(
        notes.contains("notifications/tools/list_changed")
            && notes.contains("notifications/resources/list_changed"),
        "{notes}"
    );
}

#[tokio::test]
async fn over_http_a_read_key_writes_nothing() {
    if !has_client() {
        return;
    }
    let server = Server::start(&[("hello.wf", super::mcp::HELLO)], &[]);
    let url = format!("{}/mcp", server.base);
    let calls = json!([
        {"tool": "create_workflow", "arguments": {"path": "made.wf", "text": ONE}},
        {"tool": "read_workflow_file", "arguments": {"path": "hello.wf"}},
        {"tool": "delete_workflow", "arguments": {"path": "hello.wf"}},
    ]);
    let read = tokio::task::spawn_blocking({
        let (calls, url, key) = (calls.clone(), url.clone(), server.reader.clone());
        move || client(&calls, &[url.as_ref(), key.as_ref()])
    })
    .await
    .unwrap();
    for i in 0..3 {
        assert_eq!(read["results"][i]["json"]["code"], "API002", "{read}");
    }
    assert!(!server.path("flows/made.wf").exists());
    assert!(server.path("flows/hello.wf").exists());
    let ops = tokio::task::spawn_blocking({
        let (url, key) = (url.clone(), server.operator.clone());
        move || client(&calls, &[url.as_ref(), key.as_ref()])
    })
    .await
    .unwrap();
    let r = &ops["results"];
    assert_eq!(r[0]["json"]["created"], true, "{ops}");
    assert!(r[1]["json"]["text"]
        .as_str()
        .unwrap()
        .contains("workflow hello"));
    assert_eq!(r[2]["json"]["kept_version"], 1, "{ops}");
    let (_, listing) = super::serve::get(
        &reqwest::Client::new(),
        &server.url("/workflows"),
        &server.reader,
    )
    .await;
    assert_eq!(served(&listing), ["made"]);
}

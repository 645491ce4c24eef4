//! MCP as an authoring surface, through the real MCP client: the language
//! reference, the std modules, the templates and the served files as
//! resources (a served file for an operator only, never out of its
//! folder), and the prompts "write a workflow that…" and "why did run X
//! fail".

use super::mcp::{client, has_client, session};
use super::serve::Server;
use serde_json::{json, Value};

const BOOM: &str = "workflow boom {\n  step bad: shell { run \"echo about to fail; exit 3\" }\n}\n";

fn text(result: &Value) -> &str {
    result["contents"][0]["text"].as_str().unwrap_or_default()
}

#[test]
fn resources_and_prompts_serve_an_agent_writing_and_fixing_workflows() {
    let dir = tempfile::tempdir().unwrap();
    let calls = json!([
        {"list_resources": true},
        {"read_resource": "wfc://docs/language.md"},
        {"read_resource": "wfc://std/notify.wf"},
        {"read_resource": "wfc://templates/deploy-api.wf"},
        {"read_resource": "wfc://files/hello.wf"},
        {"read_resource": "wfc://files/../state/runs.db"},
        {"read_resource": "wfc://nope"},
        {"list_prompts": true},
        {"get_prompt": "write_workflow", "arguments": {"intent": "deploy an API to staging and ask for approval"}},
        {"tool": "create_workflow", "arguments": {"path": "boom.wf", "text": BOOM}},
        {"tool": "start_run", "arguments": {"workflow": "boom", "wait_seconds": 20}},
        {"get_prompt": "why_run_failed", "arguments": {"run": "$run"}},
        {"get_prompt": "why_run_failed", "arguments": {}},
        {"list_resource_templates": true},
        {"read_resource": "wfc://files/boom.wf"},
    ]);
    let Some(answer) = session(dir.path(), calls) else {
        return;
    };
    let r = &answer["results"];
    let uris: Vec<&str> = r[0]["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["uri"].as_str().unwrap())
        .collect();
    for uri in [
        "wfc://docs/language.md",
        "wfc://std/notify.wf",
        "wfc://templates/deploy-api.wf",
        "wfc://files/hello.wf",
        "wfc://files/gated.wf",
    ] {
        assert!(uris.contains(&uri), "{uri} not in {uris:?}");
    }
    assert!(text(&r[1]).contains("workflow"), "{}", r[1]);
    assert_eq!(r[1]["contents"][0]["mimeType"], "text/markdown");
    assert!(text(&r[2]).contains("workflow notify"), "{}", r[2]);
    assert!(text(&r[3]).contains("workflow deploy-api"), "{}", r[3]);
    assert!(text(&r[4]).contains("workflow hello"), "{}", r[4]);
    let refused = r[5]["error"].as_str().unwrap_or_default();
    assert!(refused.contains("API140"), "{}", r[5]);
    assert!(
        r[6]["error"]
            .as_str()
            .unwrap_or_default()
            .contains("API003"),
        "{}",
        r[6]
    );
    let prompts: Vec<&str> = r[7]["prompts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(prompts, ["write_workflow", "why_run_failed"]);
    // "Write a workflow that…": the intent, the nearest template, the tools.
    let write = r[8]["messages"][0]["content"]["text"].as_str().unwrap();
    assert!(write.contains("deploy an API to staging"), "{write}");
    assert!(
        write.contains("`deploy-api` (wfc://templates/deploy-api.wf)"),
        "{write}"
    );
    assert!(
        write.contains("validate") && write.contains("create_workflow"),
        "{write}"
    );
    // "Why did run X fail": its failed step, its error and its log's end.
    assert_eq!(r[10]["json"]["status"], "failed", "{}", r[10]);
    let why = r[11]["messages"][0]["content"]["text"].as_str().unwrap();
    let id = r[10]["json"]["id"].as_str().unwrap();
    assert!(why.contains(id) && why.contains("`failed`"), "{why}");
    assert!(
        why.contains("step `bad`'s log") && why.contains("about to fail"),
        "{why}"
    );
    assert!(
        r[12]["error"]
            .as_str()
            .unwrap_or_default()
            .contains("`run` is required"),
        "{}",
        r[12]
    );
}

#[tokio::test]
async fn over_http_a_read_key_lists_files_but_reads_none() {
    if !has_client() {
        return;
    }
    let server = Server::start(&[("hello.wf", super::mcp::HELLO)], &[]);
    let url = format!("{}/mcp", server.base);
    let calls = json!([
        {"list_resources": true},
        {"read_resource": "wfc://files/hello.wf"},
        {"read_resource": "wfc://templates/deploy-api.wf"},
    ]);
    let read = tokio::task::spawn_blocking({
        let (calls, url, key) = (calls.clone(), url.clone(), server.reader.clone());
        move || client(&calls, &[url.as_ref(), key.as_ref()])
    })
    .await
    .unwrap();
    let r = &read["results"];
    assert!(r[0].to_string().contains("wfc://files/hello.wf"), "{read}");
    assert!(
        r[1]["error"]
            .as_str()
            .unwrap_or_default()
            .contains("API002"),
        "{read}"
    );
    assert!(text(&r[2]).contains("workflow deploy-api"), "{read}");
    let ops = tokio::task::spawn_blocking(move || {
        client(&calls, &[url.as_ref(), server.operator.as_ref()])
    })
    .await
    .unwrap();
    assert!(text(&ops["results"][1]).contains("workflow hello"), "{ops}");
}

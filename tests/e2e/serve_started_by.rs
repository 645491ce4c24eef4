//! Who started a run: the API key's name (the API and MCP), a webhook's
//! path, `cli` for `wfc run` on the same store — in the API's listing and
//! detail, `wfc status` and `wfc history --format json`.

use super::serve::{get, post, Server};
use serde_json::{json, Value};

const HELLO: &str = r#"
workflow hello {
  on webhook "/hello"
  step greet: shell { run "echo hello" }
}
"#;

#[tokio::test]
async fn each_run_says_who_started_it() {
    let server = Server::start(&[("hello.wf", HELLO)], &[]);
    let http = reqwest::Client::new();
    let url = server.url("/workflows/hello/runs?wait=20s");
    let (status, api) = post(&http, &url, &server.operator, json!({})).await;
    assert!(status.is_success(), "{status} {api}");
    let hook = format!("{}/hooks/hello", server.base);
    let (status, hooked) = post(&http, &hook, &server.operator, json!({})).await;
    assert!(status.is_success(), "{status} {hooked}");
    let state = server.path("state");
    let file = server.path("flows/hello.wf");
    let local = server
        .wfc()
        .args(["run", "--state-dir"])
        .arg(&state)
        .arg(&file)
        .output()
        .unwrap();
    assert!(local.status.success(), "{local:?}");

    let by = |runs: &[Value], id: &Value| -> Value {
        let run = runs.iter().find(|r| r["id"] == *id);
        run.map_or(Value::Null, |r| r["started_by"].clone())
    };
    let (_, page) = get(&http, &server.url("/runs"), &server.reader).await;
    let runs = page["runs"].as_array().unwrap().clone();
    assert_eq!(runs.len(), 3, "{page:#}");
    assert_eq!(by(&runs, &api["id"]), "ops", "{page:#}");
    assert_eq!(by(&runs, &hooked["id"]), "/hello", "{page:#}");
    let cli = runs.iter().find(|r| r["trigger"] == "manual").unwrap();
    assert_eq!(cli["started_by"], "cli", "{page:#}");
    let id = api["id"].as_str().unwrap();
    let (_, detail) = get(&http, &server.url(&format!("/runs/{id}")), &server.reader).await;
    assert_eq!(detail["started_by"], "ops", "{detail:#}");

    let wfc = |args: &[&str]| {
        let out = server
            .wfc()
            .args(args)
            .arg("--state-dir")
            .arg(&state)
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    let shown = wfc(&["status", id]);
    assert!(shown.contains("trigger   api, by ops"), "{shown}");
    let history: Vec<Value> = serde_json::from_str(&wfc(&["history", "--format", "json"])).unwrap();
    let mut who: Vec<&str> = history
        .iter()
        .map(|r| r["started_by"].as_str().unwrap())
        .collect();
    who.sort();
    assert_eq!(who, ["/hello", "cli", "ops"], "{history:#?}");
}

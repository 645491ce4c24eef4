//! `target` and `from` in the API's start body (issue 73): the same part of
//! the plan as `wfc run --target` / `--from`, refused with the diagnostic's
//! code when a name is no step or no earlier run has a step to take.

use super::serve::{post, Server};
use reqwest::StatusCode;
use serde_json::{json, Value};

const PIPE: &str = r#"
workflow pipe {
  step fetch: shell {
    run "echo fetch >> @DIR/ran.log; echo version=v1 >> $WF_OUTPUTS"
    outputs { version: string }
  }
  step lint: shell { run "echo lint >> @DIR/ran.log" }
  step build: shell {
    depends on fetch
    run "echo build ${fetch.outputs.version} >> @DIR/ran.log"
  }
  step deploy: shell {
    depends on build
    run "echo deploy >> @DIR/ran.log"
  }
}
"#;

#[tokio::test]
async fn a_start_body_runs_a_target_or_from_a_step() {
    let dir = tempfile::tempdir().unwrap();
    let pipe = PIPE.replace("@DIR", &dir.path().display().to_string());
    let server = Server::start(&[("pipe.wf", &pipe)], &[]);
    let http = reqwest::Client::new();
    let start = |body: Value| {
        let url = server.url("/workflows/pipe/runs?wait=20s");
        let (http, key) = (http.clone(), server.operator.clone());
        async move { post(&http, &url, &key, body).await }
    };
    let ran = || {
        let log = dir.path().join("ran.log");
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        let _ = std::fs::remove_file(&log);
        text.lines().map(str::to_owned).collect::<Vec<_>>()
    };

    // No earlier run had `fetch`: 422, and no run.
    let (s, p) = start(json!({"from": ["build"]})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{p}");
    assert!(p["detail"].as_str().unwrap().contains("E0806"), "{p}");
    assert_eq!(ran(), Vec::<String>::new());

    let (s, r) = start(json!({"target": ["build"]})).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(r["status"], "succeeded", "{r}");
    assert_eq!(ran(), ["fetch", "build v1"]);

    // One name alone is a list of one; `fetch` is taken from the last run.
    let (s, r) = start(json!({"from": "build"})).await;
    assert_eq!(r["status"], "succeeded", "{s} {r}");
    assert_eq!(ran(), ["build v1", "deploy"]);

    let (s, p) = start(json!({"target": ["biuld"]})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{p}");
    assert_eq!(p["code"], "API022", "{p}");
    let detail = p["detail"].as_str().unwrap();
    assert!(
        detail.contains("E0805") && detail.contains("`build`"),
        "{p}"
    );
    let (s, p) = start(json!({"target": [1]})).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{p}");
    assert_eq!(ran(), Vec::<String>::new());
}

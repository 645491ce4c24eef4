//! Deciding from `/waiting` in Chromium (`browser/decide_ops.js`): a step
//! paused by `on fail pause` retried with its form's Retry, a gate's
//! refused approval shown again as its form with the values typed, then
//! approved; axe and a phone's width on each page. The runs' ends are
//! checked here through the API.

use super::browser::scenario;
use super::serve::{get, post, Server};
use serde_json::json;
use std::time::{Duration, Instant};

const FLOWS: &str = r#"
workflow flaky {
  step deploy: shell {
    run "test -f @DIR/fixed"
    on fail pause
  }
}

workflow release {
  step approve: gate {
    approval "release manager"
    inputs { rollout: int in 1..100 = 10 }
  }
  step ship: shell { run "echo ${approve.outputs.rollout} > @DIR/shipped.txt" }
}
"#;

#[tokio::test(flavor = "multi_thread")]
async fn an_operator_decides_a_paused_step_and_corrects_a_refused_approval() {
    let server = Server::start(&[("flows.wf", FLOWS)], &[]);
    let http = reqwest::Client::new();
    let mut ids = Vec::new();
    for name in ["flaky", "release"] {
        let url = server.url(&format!("/workflows/{name}/runs"));
        let (_, started) = post(&http, &url, &server.operator, json!({})).await;
        ids.push(started["id"].as_str().unwrap().to_owned());
    }
    let deadline = Instant::now() + Duration::from_secs(20);
    for id in &ids {
        while get(&http, &server.url(&format!("/runs/{id}")), &server.reader)
            .await
            .1["status"]
            != "waiting"
        {
            assert!(Instant::now() < deadline, "run {id} never waited");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    let config = json!({
        "paused": ids[0],
        "gated": ids[1],
        "fix": server.path("fixed"),
    });
    if scenario("decide_ops", &server, config).is_none() {
        return;
    }
    for id in &ids {
        let run = server.finished(&http, id).await;
        assert_eq!(run["status"], "succeeded", "{run}");
    }
    let shipped = std::fs::read_to_string(server.path("shipped.txt")).unwrap();
    assert_eq!(shipped.trim(), "50");
}

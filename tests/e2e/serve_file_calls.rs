//! `call file(EXPR)` on a served run: the same launcher and runner as the
//! CLI, so the file an earlier step wrote runs as the call's steps, which
//! the run's detail and a step's logs show; a file with errors fails the
//! call through the API too, its codes in the step's error.

use super::dashboard::{client, login, page, pair};
use super::serve::{get, post, Server};
use reqwest::StatusCode;
use serde_json::json;

const CALLER: &str = r#"
workflow dynamic {
  param child: string = "child.wf"
  step gen: shell {
    run "cp @DIR/tmpl/${child} @DIR/${child} && echo pipeline=@DIR/${child} >> \"$WF_OUTPUTS\""
    outputs { pipeline: string }
  }
  step up: call file(gen.outputs.pipeline) { region "eu" }
}
"#;

const CHILD: &str = r#"
workflow child {
  param region: string
  step build: shell { run "echo built ${region}" }
  step push: shell { run "echo pushed"  depends on build }
}
"#;

#[tokio::test]
async fn a_served_run_runs_the_file_and_shows_its_steps() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("tmpl")).unwrap();
    std::fs::write(dir.path().join("tmpl/child.wf"), CHILD).unwrap();
    std::fs::write(
        dir.path().join("tmpl/bad.wf"),
        "workflow bad {\n  step x: shel {}\n}\n",
    )
    .unwrap();
    let caller = CALLER.replace("@DIR", &dir.path().display().to_string());
    let server = Server::start(&[("dynamic.wf", &caller)], &[]);
    let http = client();
    let url = server.url("/workflows/dynamic/runs?wait=20s");
    let (s, run) = post(&http, &url, &server.operator, json!({})).await;
    assert_eq!(s, StatusCode::OK, "{run}");
    assert_eq!(run["status"], "succeeded", "{run}");
    let id = run["id"].as_str().unwrap();
    let (_, detail) = get(&http, &server.url(&format!("/runs/{id}")), &server.reader).await;
    let names: Vec<&str> = detail["step_list"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["name"].as_str())
        .collect();
    for name in ["gen", "up.build", "up.push", "up"] {
        assert!(names.contains(&name), "{name} in {names:?}");
    }
    let built = detail["step_list"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "up.build")
        .unwrap();
    assert_eq!(built["outputs"]["stdout"], "built eu", "{detail:#}");
    // The dashboard's graph draws the file's steps, which the plan recorded
    // at the start could not hold, with their statuses.
    let cookie = pair(&login(&http, &server, &server.reader).await);
    let (status, _, html) = page(&http, &server, &format!("/runs/{id}/graph"), &cookie).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    for step in ["up.build", "up.push", "up"] {
        let at = html
            .find(&format!(" data-step=\"{step}\" "))
            .unwrap_or_else(|| panic!("{step} drawn: {html}"));
        let g = &html[html[..at].rfind("<g ").unwrap()..];
        let g = &g[..g.find('>').unwrap()];
        assert!(g.contains("data-status=\"succeeded\""), "{g}");
    }

    let (s, run) = post(&http, &url, &server.operator, json!({"child": "bad.wf"})).await;
    assert_eq!(s, StatusCode::OK, "{run}");
    assert_eq!(run["status"], "failed", "{run}");
    let id = run["id"].as_str().unwrap();
    let (_, detail) = get(&http, &server.url(&format!("/runs/{id}")), &server.reader).await;
    let up = detail["step_list"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "up")
        .unwrap();
    let error = up.to_string();
    assert!(error.contains("bad.wf:2:11: E0101"), "{detail:#}");
}

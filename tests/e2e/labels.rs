//! A workflow's `version` and `tags`: shown and filtered by `wfc list`, the
//! API's workflow list, and, as each run recorded them when it started, by
//! `wfc history` and the API's run list.

use super::serve::{get, post, Server};
use reqwest::StatusCode;
use serde_json::{json, Value};

const TAGGED: &str = r#"workflow load {
  description "Nightly load"
  version "1.2"
  tags ["etl", "nightly"]
  step s: shell { run "true" }
}
"#;

const PLAIN: &str = "workflow adhoc {\n  step s: shell { run \"true\" }\n}\n";

fn names(list: &Value) -> Vec<String> {
    list["files"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| f["workflows"].as_array().unwrap())
        .map(|w| w["name"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn list_and_history_show_and_filter_by_tag() {
    let c = super::case()
        .file("load.wf", TAGGED)
        .file("adhoc.wf", PLAIN);
    let all = c.wfc(["list", "--format", "json"]).output().json();
    assert_eq!(names(&all), ["adhoc", "load"]);
    let etl = c
        .wfc(["list", "--tag", "etl", "--format", "json"])
        .output()
        .json();
    assert_eq!(names(&etl), ["load"]);
    let load = &etl["files"][0]["workflows"][0];
    assert_eq!(
        (&load["version"], &load["tags"]),
        (&json!("1.2"), &json!(["etl", "nightly"]))
    );
    assert!(
        all["files"][0]["workflows"][0].get("tags").is_none(),
        "{all}"
    );
    let both = c.wfc([
        "list", "--tag", "etl", "--tag", "weekly", "--format", "json",
    ]);
    assert!(names(&both.output().json()).is_empty());
    let text = c.wfc(["list", "--tag", "nightly"]).output().stdout;
    assert!(
        text.contains("Nightly load (version 1.2; tags etl, nightly)"),
        "{text}"
    );

    assert_eq!(c.wfc(["run", "load.wf", "--plain"]).output().code, 0);
    assert_eq!(c.wfc(["run", "adhoc.wf", "--plain"]).output().code, 0);
    // The file changes: the runs keep what their workflow had.
    c.write(
        "load.wf",
        &TAGGED.replace("\"etl\", ", "").replace("1.2", "2.0"),
    );
    assert_eq!(c.wfc(["run", "load.wf", "--plain"]).output().code, 0);
    let h = c
        .wfc(["history", "--tag", "etl", "--format", "json"])
        .output()
        .json();
    let runs = h.as_array().unwrap();
    assert_eq!(runs.len(), 1, "{h}");
    assert_eq!(
        (&runs[0]["version"], &runs[0]["tags"]),
        (&json!("1.2"), &json!(["etl", "nightly"]))
    );
    let h = c
        .wfc(["history", "--tag", "nightly", "--format", "json"])
        .output()
        .json();
    let versions: Vec<&str> = h
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["version"].as_str().unwrap())
        .collect();
    assert_eq!(versions, ["2.0", "1.2"]);
    let r = c.wfc(["history", "--tag", "weekly"]).output();
    assert_eq!(r.stdout.trim(), "no runs match");
}

#[tokio::test]
async fn the_api_filters_workflows_and_runs_by_tag() {
    let server = Server::start(&[("load.wf", TAGGED), ("adhoc.wf", PLAIN)], &[]);
    let http = reqwest::Client::new();
    let (status, list) = get(&http, &server.url("/workflows?tag=etl"), &server.reader).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    let workflows = list["workflows"].as_array().unwrap();
    assert_eq!(workflows.len(), 1, "{list}");
    assert_eq!(workflows[0]["name"], "load");
    assert_eq!(workflows[0]["version"], "1.2");
    assert_eq!(workflows[0]["tags"], json!(["etl", "nightly"]));
    let (_, all) = get(&http, &server.url("/workflows"), &server.reader).await;
    assert_eq!(all["workflows"].as_array().unwrap().len(), 2, "{all}");
    for name in ["load", "adhoc"] {
        let (status, run) = post(
            &http,
            &server.url(&format!("/workflows/{name}/runs?wait=30s")),
            &server.operator,
            json!({}),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{run}");
    }
    let (_, page) = get(&http, &server.url("/runs?tag=nightly"), &server.reader).await;
    let runs = page["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1, "{page}");
    assert_eq!(runs[0]["workflow"], "load");
    assert_eq!(runs[0]["tags"], json!(["etl", "nightly"]));
    assert_eq!(server.runs().await.len(), 2);
}

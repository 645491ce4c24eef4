//! A workflow's `version` and `tags`: shown and filtered by `wfc list`, the
//! API's workflow list and the dashboard's, and, as each run recorded them
//! when it started, by `wfc history` (JSON and text), the API's run list,
//! a run's detail and the dashboard's run list and run page.

use super::dashboard::{client, login, page, pair};
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
    // The text table has columns for them once a run listed has any.
    let text = c.wfc(["history"]).output().stdout;
    let mut lines = text.lines();
    let head = lines.next().unwrap();
    assert!(
        head.contains(" VERSION ") && head.contains(" TAGS "),
        "{text}"
    );
    let newest = lines.next().unwrap();
    assert!(
        newest.contains(" 2.0 ") && newest.contains(" nightly "),
        "{text}"
    );
    let oldest = text.lines().last().unwrap();
    assert!(
        oldest.contains(" 1.2 ") && oldest.contains(" etl,nightly "),
        "{text}"
    );
    let plain = c.wfc(["history", "adhoc"]).output().stdout;
    assert!(!plain.contains("VERSION"), "{plain}");
    // A run's detail gives them too.
    let status = c
        .wfc(["status", "last", "--format", "json"])
        .output()
        .json();
    assert_eq!(
        (&status["version"], &status["tags"]),
        (&json!("2.0"), &json!(["nightly"]))
    );
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

#[tokio::test(flavor = "multi_thread")]
async fn the_dashboard_shows_and_filters_by_version_and_tags() {
    let server = Server::start(&[("load.wf", TAGGED), ("adhoc.wf", PLAIN)], &[]);
    let http = client();
    let mut ids = Vec::new();
    for name in ["load", "adhoc"] {
        let (status, run) = post(
            &http,
            &server.url(&format!("/workflows/{name}/runs?wait=30s")),
            &server.operator,
            json!({}),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{run}");
        ids.push(run["id"].as_str().unwrap().to_owned());
    }
    let cookie = pair(&login(&http, &server, &server.reader).await);
    let (status, _, home) = page(&http, &server, "/", &cookie).await;
    assert_eq!(status, StatusCode::OK, "{home}");
    assert!(
        home.contains("version <code class=\"version\">1.2</code>"),
        "{home}"
    );
    assert!(
        home.contains("<a class=\"tag\" href=\"/?tag=etl\">etl</a>"),
        "{home}"
    );
    assert!(
        home.contains("<option>nightly</option>"),
        "the filter offers each tag: {home}"
    );
    let (_, _, etl) = page(&http, &server, "/?tag=etl", &cookie).await;
    assert!(
        etl.contains(">load</h2>") && !etl.contains(">adhoc</h2>"),
        "{etl}"
    );
    assert!(etl.contains("<option selected>etl</option>"), "{etl}");
    let (_, _, none) = page(&http, &server, "/?tag=weekly", &cookie).await;
    assert!(
        none.contains("No served workflow has the tag <code>weekly</code>"),
        "{none}"
    );

    let (_, _, runs) = page(&http, &server, "/runs", &cookie).await;
    assert!(
        runs.contains("<th scope=\"col\">Version</th><th scope=\"col\">Tags</th>"),
        "{runs}"
    );
    assert!(runs.contains("<td><code>1.2</code></td>"), "{runs}");
    assert!(
        runs.contains("<a class=\"tag\" href=\"/runs?tag=nightly\">nightly</a>"),
        "{runs}"
    );
    let (status, _, tagged) = page(&http, &server, "/runs?tag=nightly", &cookie).await;
    assert_eq!(status, StatusCode::OK, "{tagged}");
    assert!(
        tagged.contains(&ids[0]) && !tagged.contains(&ids[1]),
        "{tagged}"
    );
    assert!(
        tagged.contains("name=\"tag\" value=\"nightly\""),
        "{tagged}"
    );

    let (_, _, run) = page(&http, &server, &format!("/runs/{}", ids[0]), &cookie).await;
    assert!(
        run.contains("load · version <code>1.2</code> · tags "),
        "{run}"
    );
}

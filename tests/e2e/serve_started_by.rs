//! Who started a run: the API key's name (the API and MCP), a webhook's
//! path, `cli` for `wfc run` on the same store — in the API's listing and
//! detail, `wfc status` and `wfc history --format json`; and the client an
//! `api` run came through (`origin`: the dashboard) in the listing and on
//! the run's page.

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

    // Started from the dashboard's form.
    let dash = super::dashboard::client();
    let cookie =
        super::dashboard::pair(&super::dashboard::login(&dash, &server, &server.operator).await);
    let (_, _, form) =
        super::dashboard::page(&dash, &server, "/workflows/hello/start", &cookie).await;
    let at = form.find("name=\"csrf\" value=\"").unwrap() + 19;
    let csrf = form[at..].split('"').next().unwrap();
    let r = dash
        .post(format!("{}/workflows/hello/start", server.base))
        .header(reqwest::header::COOKIE, &cookie)
        .form(&[("csrf", csrf)])
        .send()
        .await
        .unwrap();
    let from_page = r.headers()[reqwest::header::LOCATION]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(from_page.starts_with("/runs/"), "{from_page}");

    let by = |runs: &[Value], id: &Value| -> Value {
        let run = runs.iter().find(|r| r["id"] == *id);
        run.map_or(Value::Null, |r| r["started_by"].clone())
    };
    let (_, page) = get(&http, &server.url("/runs"), &server.reader).await;
    let runs = page["runs"].as_array().unwrap().clone();
    assert_eq!(runs.len(), 4, "{page:#}");
    let dashboard = runs.iter().filter(|r| r["origin"] == "dashboard").count();
    assert_eq!(dashboard, 1, "one run from the dashboard: {page:#}");
    assert!(
        runs.iter().filter(|r| r["origin"].is_string()).count() == 1,
        "{page:#}"
    );
    let (_, _, shown) = super::dashboard::page(
        &dash,
        &server,
        from_page.split('?').next().unwrap(),
        &cookie,
    )
    .await;
    assert!(
        shown.contains("<dt>Trigger</dt><dd>api (from dashboard)</dd>"),
        "{shown}"
    );
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
    assert_eq!(who, ["/hello", "cli", "ops", "ops"], "{history:#?}");
}

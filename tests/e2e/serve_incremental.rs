//! Incremental runs through `wfc serve`'s API: a step with `sources` is up
//! to date on the second start (and says so, with the run it was restored
//! from, in the run's detail and `explain`); `"force": true` and
//! `"rerun"` in a start's body run it anyway, a `rerun` of no step is a 422
//! naming it; `diff` says what changed since the run before (nothing to
//! compare with for the first run, not an error). A workflow whose param
//! is called `force` keeps it as its param.

use super::serve::{get, post, Server};
use reqwest::StatusCode;
use serde_json::{json, Value};

const BUILT: &str = r#"
workflow built {
  param flags: string = "-O1"
  step compile: shell {
    run "echo compile ${flags} >> ran.log && mkdir -p out && cat src/*.c > out/app"
    workdir "@DIR"
    sources ["src/*.c"]
    artifacts { app = "out/app" }
  }
  step test: shell {
    run "echo test >> ran.log"
    workdir "@DIR"
    depends on compile
    sources ["src/*.c"]
  }
}
"#;

const FORCEFUL: &str = r#"
workflow forceful {
  param force: bool = false
  step s: shell { run "echo force=${force}" }
}
"#;

#[tokio::test]
async fn up_to_date_steps_explain_and_diff_on_the_api() {
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().display().to_string();
    let built = BUILT.replace("@DIR", &work);
    std::fs::create_dir_all(dir.path().join("src")).unwrap();
    std::fs::write(dir.path().join("src/main.c"), "int main() {}\n").unwrap();
    let server = Server::start(&[("built.wf", &built), ("forceful.wf", FORCEFUL)], &[]);
    // The sources are relative to the workflow file's folder.
    std::fs::create_dir_all(server.path("flows/src")).unwrap();
    std::fs::write(server.path("flows/src/main.c"), "int main() {}\n").unwrap();
    let http = reqwest::Client::new();
    let start = |body: Value| {
        let url = server.url("/workflows/built/runs?wait=20s");
        let (http, key) = (http.clone(), server.operator.clone());
        async move { post(&http, &url, &key, body).await }
    };
    let ran = || {
        let log = dir.path().join("ran.log");
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        let _ = std::fs::remove_file(&log);
        text.lines().map(str::to_owned).collect::<Vec<_>>()
    };
    let read = |p: String| {
        let (http, key, url) = (http.clone(), server.reader.clone(), server.url(&p));
        async move { get(&http, &url, &key).await }
    };

    let (s, first) = start(json!({})).await;
    assert_eq!(s, StatusCode::OK, "{first}");
    assert_eq!(first["status"], "succeeded", "{first}");
    assert_eq!(ran(), ["compile -O1", "test"]);
    let first = first["id"].as_str().unwrap().to_owned();
    let (s, d) = read(format!("/runs/{first}/diff")).await;
    assert_eq!(s, StatusCode::OK, "{d}");
    assert_eq!(d["against"], Value::Null, "{d}");
    assert_eq!(d["changes"]["changed"], json!([]), "{d}");

    // Nothing changed: both steps are up to date with the first run.
    let (_, second) = start(json!({})).await;
    assert_eq!(ran(), Vec::<String>::new());
    let second = second["id"].as_str().unwrap().to_owned();
    let (_, detail) = read(format!("/runs/{second}")).await;
    for step in detail["step_list"].as_array().unwrap() {
        assert_eq!(step["up_to_date"], first.as_str(), "{detail:#}");
    }
    let (s, e) = read(format!("/runs/{second}/steps/compile/explain")).await;
    assert_eq!(s, StatusCode::OK, "{e}");
    assert_eq!(e["verdict"], "up_to_date", "{e}");
    assert_eq!(e["up_to_date_with"], first.as_str(), "{e}");
    assert!(e["reasons"].as_array().unwrap().len() >= 2, "{e}");
    let (s, e) = read(format!("/runs/{second}/steps/compil/explain")).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{e}");
    assert_eq!(e["code"], "API003", "{e}");
    assert!(
        e["detail"]
            .as_str()
            .unwrap()
            .contains("did you mean `compile`"),
        "{e}"
    );
    let (s, e) = read("/runs/nosuchrun/steps/compile/explain".into()).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{e}");
    let (_, d) = read(format!("/runs/{second}/diff")).await;
    assert_eq!(d["against"], first.as_str(), "{d}");
    assert_eq!(d["changes"]["changed"], json!([]), "{d}");

    // `rerun`: that step runs; the other stays up to date.
    let (s, p) = start(json!({"rerun": ["test"]})).await;
    assert_eq!(s, StatusCode::OK, "{p}");
    assert_eq!(ran(), ["test"]);
    let (s, p) = start(json!({"rerun": ["tset"]})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{p}");
    assert_eq!(p["code"], "API022", "{p}");
    let detail = p["detail"].as_str().unwrap();
    assert!(
        detail.contains("`tset`") && detail.contains("`test`"),
        "{p}"
    );
    let (s, p) = start(json!({"force": "yes"})).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{p}");

    // `force` with another param: both run; the diff says what changed.
    let (_, forced) = start(json!({"force": true, "flags": "-O2"})).await;
    assert_eq!(ran(), ["compile -O2", "test"]);
    let forced = forced["id"].as_str().unwrap().to_owned();
    let (_, e) = read(format!("/runs/{forced}/steps/test/explain")).await;
    assert_eq!(e["verdict"], "ran", "{e}");
    assert!(e["reasons"][0].as_str().unwrap().contains("--force"), "{e}");
    let (_, d) = read(format!("/runs/{forced}/diff")).await;
    let changes = &d["changes"];
    assert_eq!(changes["params"], json!([["flags", "-O1", "-O2"]]), "{d:#}");
    assert_eq!(changes["changed"][0]["step"], "compile", "{d:#}");
    let (_, d) = read(format!("/runs/{forced}/diff?against={first}")).await;
    assert_eq!(d["against"], first.as_str(), "{d}");
    let (s, _) = read(format!("/runs/{forced}/diff?against=nosuchrun")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // A param called `force` is the workflow's.
    let url = server.url("/workflows/forceful/runs?wait=20s");
    let (s, r) = post(&http, &url, &server.operator, json!({"force": true})).await;
    assert_eq!(r["status"], "succeeded", "{s} {r}");
    let id = r["id"].as_str().unwrap();
    let (_, detail) = read(format!("/runs/{id}")).await;
    assert_eq!(
        detail["step_list"][0]["outputs"]["stdout"], "force=true",
        "{detail:#}"
    );
}

const CHECKED: &str = r#"
workflow checked {
  step mark: shell {
    run "echo mark >> ran.log && touch marked"
    workdir "@DIR"
    up to date when shell "test -e @DIR/marked"
  }
}
"#;

/// A served run's `up to date when`: the second start's step is up to
/// date with the first (in the detail and `explain`, with what the check
/// said); once what it makes is gone, the third runs it.
#[tokio::test]
async fn an_up_to_date_when_check_decides_a_served_step() {
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().display().to_string();
    let checked = CHECKED.replace("@DIR", &work);
    let server = Server::start(&[("checked.wf", &checked)], &[]);
    let http = reqwest::Client::new();
    let start = || {
        let url = server.url("/workflows/checked/runs?wait=20s");
        let (http, key) = (http.clone(), server.operator.clone());
        async move { post(&http, &url, &key, json!({})).await }
    };
    let ran = || std::fs::read_to_string(dir.path().join("ran.log")).unwrap_or_default();
    let (s, first) = start().await;
    assert_eq!(s, StatusCode::OK, "{first}");
    assert_eq!(first["status"], "succeeded", "{first}");
    let first = first["id"].as_str().unwrap().to_owned();
    let (_, second) = start().await;
    assert_eq!(second["status"], "succeeded", "{second}");
    assert_eq!(ran(), "mark\n", "the second start did not run it");
    let second = second["id"].as_str().unwrap().to_owned();
    let url = server.url(&format!("/runs/{second}/steps/mark/explain"));
    let (s, e) = get(&http, &url, &server.reader).await;
    assert_eq!(s, StatusCode::OK, "{e}");
    assert_eq!(e["verdict"], "up_to_date", "{e}");
    assert_eq!(e["up_to_date_with"], first.as_str(), "{e}");
    assert!(
        e["reasons"][0]
            .as_str()
            .unwrap()
            .starts_with("`up to date when shell` exited 0"),
        "{e}"
    );
    std::fs::remove_file(dir.path().join("marked")).unwrap();
    let (_, third) = start().await;
    assert_eq!(third["status"], "succeeded", "{third}");
    assert_eq!(ran(), "mark\nmark\n");
}

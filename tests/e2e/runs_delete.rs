//! `wfc runs delete` and `DELETE /api/v1/runs/{id}`: a run goes with every
//! row, step log and artifact copy of it; a running run is refused
//! (E0980); a second delete finds it gone (E0981); `--before` asks, and
//! refuses without a terminal unless `--yes` (E0982).

use super::serve::{get, post, Server};
use reqwest::StatusCode;
use serde_json::json;
use std::path::Path;
use std::time::Duration;
use wfc_store::testing;
use wfc_testkit::Case;

fn fixture(name: &str) -> Case {
    let path = wfc_testkit::repo().join("tests/run").join(name);
    super::workflow(&std::fs::read_to_string(path).unwrap())
}

/// How many rows of run `id` the store holds, over every table.
fn rows_of(state: &Path, id: &str) -> i64 {
    let store = wfc_store::Store::open(state).unwrap();
    let count = |sql: &str| {
        testing::one(&store, sql, &[id.into()])
            .unwrap()
            .int()
            .unwrap()
    };
    // SQLite's catalog: every table with a `run_id` column.
    let tables: Vec<String> = testing::rows(
        &store,
        "SELECT m.name FROM sqlite_schema m, pragma_table_info(m.name) p
         WHERE m.type = 'table' AND p.name = 'run_id'",
        &[],
    )
    .unwrap()
    .iter()
    .map(|r| r[0].text().unwrap().to_owned())
    .collect();
    assert!(tables.len() > 5, "{tables:?}");
    let mut n = count("SELECT COUNT(*) FROM runs WHERE id = $1");
    for t in tables {
        n += count(&format!("SELECT COUNT(*) FROM \"{t}\" WHERE run_id = $1"));
    }
    n
}

fn last_id(c: &Case) -> String {
    let r = c.wfc(["history", "--format", "json"]).output();
    r.json()[0]["id"].as_str().unwrap().to_owned()
}

/// A failed run keeps its own folder (`run.dir`) for `wfc resume`; deleting
/// the run removes it too, or failing runs fill the temp folder for ever.
#[test]
fn a_failed_runs_kept_folder_goes_with_it() {
    let c = super::workflow(
        r#"workflow w {
  step s: shell { run "echo half > $WFC_RUN_DIR/done && echo $WFC_RUN_DIR > where.txt && exit 3" }
}"#,
    );
    let r = c.wfc(["run", "w.wf", "--plain"]).output();
    assert_eq!(r.code, 1, "{}", r.all());
    let dir = std::path::PathBuf::from(c.read("where.txt").trim());
    assert!(
        dir.join("done").is_file(),
        "kept to resume: {}",
        dir.display()
    );
    let id = last_id(&c);
    let r = c.wfc(["runs", "delete", &id]).output();
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(!dir.exists(), "{} is left behind", dir.display());
}

#[test]
fn a_run_goes_with_its_rows_logs_and_artifacts_and_only_once() {
    let c = fixture("E0981-run-deleted-twice.wf");
    assert_eq!(c.wfc(["run", "w.wf", "--plain"]).output().code, 0);
    let id = last_id(&c);
    let state = c.path(".wfc");
    assert!(rows_of(&state, &id) > 3);
    assert!(state.join("logs").join(&id).is_dir());
    assert!(state.join("artifacts").join(&id).is_dir());
    let r = c.wfc(["runs", "delete", &id[..12]]).output();
    assert_eq!(r.code, 0, "{}", r.all());
    assert_eq!(r.stdout.trim(), format!("deleted run {id}"));
    assert_eq!(rows_of(&state, &id), 0);
    assert!(!state.join("logs").join(&id).exists());
    assert!(!state.join("artifacts").join(&id).exists());
    let r = c.wfc(["runs", "delete", &id]).output();
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(
        r.stderr
            .contains(&format!("E0981: no run `{id}` in the store")),
        "{}",
        r.stderr
    );
}

#[test]
fn a_running_run_is_refused_and_deleted_once_it_ended() {
    let c = fixture("E0980-delete-running-run.wf");
    let mut run = c.wfc(["run", "w.wf", "--plain"]).spawn();
    let running = wfc_testkit::wait_until(Duration::from_secs(30), || {
        let h = c.wfc(["history", "--format", "json"]).output();
        h.code == 0 && h.json()[0]["status"] == "running"
    });
    assert!(running, "the run did not start");
    let r = c.wfc(["runs", "delete", "last"]).output();
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(r.stderr.contains("E0980: run "), "{}", r.stderr);
    assert!(r.stderr.contains("is running"), "{}", r.stderr);
    // `--before` skips it rather than refusing.
    let r = c
        .wfc(["runs", "delete", "--before", "0s", "--yes"])
        .output();
    assert_eq!(r.code, 0, "{}", r.all());
    assert_eq!(r.stdout.trim(), "no runs to delete");
    c.write("go", "");
    assert!(run.wait().unwrap().success());
    assert_eq!(c.read("held.txt").trim(), "held");
    let r = c.wfc(["runs", "delete", "last"]).output();
    assert_eq!(r.code, 0, "{}", r.all());
    let h = c.wfc(["history", "--format", "json"]).output();
    assert_eq!(h.json(), json!([]));
}

#[test]
fn before_asks_for_yes_without_a_terminal_and_keeps_other_workflows() {
    let c = fixture("E0982-delete-before-unconfirmed.wf");
    c.write(
        "other.wf",
        "workflow other {\n  step s: shell { run \"true\" }\n}\n",
    );
    assert_eq!(c.wfc(["run", "w.wf", "--plain"]).output().code, 0);
    assert_eq!(c.wfc(["run", "w.wf", "--plain"]).output().code, 0);
    assert_eq!(c.wfc(["run", "other.wf", "--plain"]).output().code, 0);
    let r = c
        .wfc(["runs", "delete", "--before", "0s", "--workflow", "nightly"])
        .output();
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(
        r.stderr
            .contains("E0982: --before would delete 2 runs started before"),
        "{}",
        r.stderr
    );
    assert_eq!(c.wfc(["history"]).output().stdout.lines().count(), 4);
    // Long ago: nothing started before it.
    let r = c.wfc(["runs", "delete", "--before", "2001-01-01"]).output();
    assert_eq!(r.code, 0, "{}", r.all());
    assert_eq!(r.stdout.trim(), "no runs to delete");
    let r = c.wfc(["runs", "delete", "--before", "yesterday"]).output();
    assert_eq!(r.code, 2, "{}", r.all());
    let r = c
        .wfc([
            "runs",
            "delete",
            "--before",
            "0s",
            "--workflow",
            "nightly",
            "-y",
        ])
        .output();
    assert_eq!(r.code, 0, "{}", r.all());
    assert_eq!(r.stdout.lines().count(), 2, "{}", r.stdout);
    let h = c.wfc(["history", "--format", "json"]).output().json();
    let left: Vec<&str> = h
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["workflow"].as_str().unwrap())
        .collect();
    assert_eq!(left, ["other"]);
}

const HELD: &str = r#"
workflow held {
  step wait: shell { run "while [ ! -f @DIR/go ]; do sleep 0.05; done; echo kept > log.txt" }
}
workflow quick {
  step s: shell { run "echo hi" }
}
"#;

#[tokio::test]
async fn the_api_deletes_a_run_once_and_refuses_a_running_one() {
    let server = Server::start(&[("held.wf", HELD)], &[]);
    let http = reqwest::Client::new();
    let (status, quick) = post(
        &http,
        &server.url("/workflows/quick/runs?wait=30s"),
        &server.operator,
        json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{quick}");
    let quick = quick["id"].as_str().unwrap().to_owned();
    let (_, held) = post(
        &http,
        &server.url("/workflows/held/runs"),
        &server.operator,
        json!({}),
    )
    .await;
    let held = held["id"].as_str().unwrap().to_owned();
    let delete = |id: &str, key: &str| {
        http.delete(server.url(&format!("/runs/{id}")))
            .bearer_auth(key.to_owned())
            .send()
    };
    let r = delete(&held, &server.operator).await.unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["code"], "API006", "{body}");
    assert!(body["detail"].as_str().unwrap().contains("E0980"), "{body}");
    // A read key may not delete.
    let r = delete(&quick, &server.reader).await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let state = server.path("state");
    assert!(state.join("logs").join(&quick).is_dir());
    let r = delete(&quick, &server.operator).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["id"], quick.as_str(), "{body}");
    assert_eq!(rows_of(&state, &quick), 0);
    assert!(!state.join("logs").join(&quick).exists());
    let (status, gone) = get(
        &http,
        &server.url(&format!("/runs/{quick}")),
        &server.reader,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{gone}");
    let r = delete(&quick, &server.operator).await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let body: serde_json::Value = r.json().await.unwrap();
    assert!(body["detail"].as_str().unwrap().contains("E0981"), "{body}");
    std::fs::write(server.path("go"), "").unwrap();
    let ended = server.finished(&http, &held).await;
    assert_eq!(ended["status"], "succeeded", "{ended}");
    let r = delete(&held, &server.operator).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(server.runs().await.is_empty());
}

//! A server on a PostgreSQL that has fewer connections than its runs want
//! (each running run holds one): it says so when it starts, and a start that
//! finds no connection is refused as busy (`503 API008`, `Retry-After`), not
//! as a broken store (`500`). Every run it accepted ends, and once runs end
//! their connections serve new starts.

use super::serve::{get, Server};
use reqwest::StatusCode;
use serde_json::Value;
use std::time::{Duration, Instant};
use wfc_testkit::{postgres_with_connections, skip};

const NAP: &str = r#"
workflow nap {
  step s: shell { run "sleep 1" }
}
"#;

#[tokio::test(flavor = "multi_thread")]
async fn a_start_without_a_database_connection_is_busy_not_broken() {
    // 20, 3 of them for superusers: 17 for the server.
    let pg = match postgres_with_connections(20) {
        Ok(pg) => pg,
        Err(why) => return skip(&format!("PostgreSQL cannot start here: {why}")),
    };
    let flows = tempfile::tempdir().unwrap();
    std::fs::write(flows.path().join("nap.wf"), NAP).unwrap();
    let server = Server::start_serving(
        tempfile::tempdir().unwrap(),
        &[],
        Some(flows.path()),
        &["--max-runs", "24", "--store-connections", "2"],
        &[("WFC_STORE", pg.url.as_str())],
    );
    let said = server.log.lock().unwrap().clone();
    assert!(
        said.contains("the run store's database takes 17 connections"),
        "{said}"
    );

    let http = reqwest::Client::new();
    let url = server.url("/workflows/nap/runs");
    let starts = (0..24).map(|_| {
        let (http, url, key) = (http.clone(), url.clone(), server.operator.clone());
        tokio::spawn(async move {
            let r = http
                .post(&url)
                .bearer_auth(&key)
                .json(&serde_json::json!({}))
                .send()
                .await
                .unwrap();
            let (status, retry) = (r.status(), r.headers().get("retry-after").cloned());
            (status, retry, r.json::<Value>().await.unwrap())
        })
    });
    let mut accepted = Vec::new();
    let mut busy = 0;
    for start in starts.collect::<Vec<_>>() {
        let (status, retry, body) = start.await.unwrap();
        match status {
            StatusCode::ACCEPTED => accepted.push(body["id"].as_str().unwrap().to_owned()),
            StatusCode::SERVICE_UNAVAILABLE => {
                assert_eq!(body["code"], "API008", "{body}");
                assert!(retry.is_some(), "no Retry-After: {body}");
                assert!(
                    body["detail"].as_str().unwrap().contains("max_connections"),
                    "{body}"
                );
                busy += 1;
            }
            other => panic!("a start answered {other}: {body}"),
        }
    }
    eprintln!("{} accepted, {busy} busy", accepted.len());
    assert!(busy > 0, "24 runs fit in 17 connections?");
    assert!(!accepted.is_empty());

    // Each accepted run ends, and succeeds: none lost its connection later.
    let deadline = Instant::now() + Duration::from_secs(60);
    for id in &accepted {
        loop {
            let (status, run) =
                get(&http, &server.url(&format!("/runs/{id}")), &server.reader).await;
            if status == StatusCode::OK && run["status"] != "running" {
                assert_eq!(run["status"], "succeeded", "{run}");
                break;
            }
            assert!(
                Instant::now() < deadline,
                "{id} never ended: {status} {run}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    // The connections came back: a start now runs.
    let (status, run) = super::serve::post(
        &http,
        &server.url("/workflows/nap/runs?wait=30s"),
        &server.operator,
        serde_json::json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{run}");
    assert_eq!(run["status"], "succeeded", "{run}");
}

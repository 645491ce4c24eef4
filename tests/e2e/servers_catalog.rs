//! What each server serves, on a store several share (issue 72): a dead
//! server's run is resumed only by a server that serves its workflow —
//! while none does, it is left interrupted, saying why, until one starts —
//! and files are written through the API only where the served folder is
//! shared.

use super::serve::{get, Server};
use super::servers::{database, lines, relay_until_long, servers, FAST, RELAY};
use reqwest::StatusCode;
use serde_json::Value;
use std::time::{Duration, Instant};

const OTHER: &str = "workflow other {\n  step a: shell { run \"true\" }\n}\n";

async fn put(server: &Server, path: &str, text: &str) -> (StatusCode, Value) {
    let r = reqwest::Client::new()
        .put(server.url(&format!("/files/{path}")))
        .bearer_auth(&server.operator)
        .body(text.to_owned())
        .send()
        .await
        .unwrap();
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// `server`'s row in its `GET /servers`.
async fn row_of(server: &Server) -> Value {
    let list = servers(server).await;
    let me = list["this"].clone();
    list["servers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == me)
        .cloned()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dead_servers_run_goes_to_a_server_that_serves_it() {
    let Some(pg) = database() else { return };
    let (relay, other) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    std::fs::write(relay.path().join("relay.wf"), RELAY).unwrap();
    std::fs::write(other.path().join("other.wf"), OTHER).unwrap();
    let start = |served: &std::path::Path, more: &[&str]| {
        Server::start_serving(
            tempfile::tempdir().unwrap(),
            &[],
            Some(served),
            &[FAST.as_slice(), more].concat(),
            &[("WFC_STORE", pg.url.as_str())],
        )
    };
    let mut a = start(relay.path(), &[]);
    let b = start(other.path(), &[]);
    // Each says what it serves: the same files, the same digest.
    let (ra, rb) = (row_of(&a).await, row_of(&b).await);
    assert_eq!(
        (ra["workflows"].as_i64(), rb["workflows"].as_i64()),
        (Some(1), Some(1))
    );
    assert_ne!(ra["catalog"], rb["catalog"], "{ra} {rb}");

    // b serves its own folder: it may not write files there.
    let (status, body) = put(&b, "made.wf", OTHER).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["code"], "API143", "{body}");
    assert!(body["detail"].as_str().unwrap().contains("--shared-flows"));
    assert!(!other.path().join("made.wf").exists(), "nothing written");

    let work = tempfile::tempdir().unwrap();
    let http = reqwest::Client::new();
    let id = relay_until_long(&a, work.path()).await;
    a.child.kill().unwrap();
    a.child.wait().unwrap();
    // b sweeps it, and no live server serves `relay`: b leaves it
    // interrupted, saying why, and never runs a step of it.
    let deadline = Instant::now() + Duration::from_secs(15);
    let why = format!("run {id} left interrupted: workflow `relay` is no longer served");
    while !b.log.lock().unwrap().contains(&why) {
        assert!(Instant::now() < deadline, "{}", b.log.lock().unwrap());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (_, d) = get(&http, &b.url(&format!("/runs/{id}")), &b.reader).await;
    assert_eq!(d["status"], "interrupted", "{d}");
    assert_eq!(lines(work.path(), "long"), 1);
    let dir = tempfile::tempdir().unwrap();
    super::bind_store(&pg.url, dir.path());
    let store = wfc_store::Store::open(dir.path()).unwrap();
    assert_eq!(wfc_store::sweep::queued(&store).unwrap(), 0);

    // c serves relay (the same folder), with --shared-flows: it resumes
    // the run as it starts, and may write files.
    let c = start(relay.path(), &["--shared-flows"]);
    assert_eq!(row_of(&c).await["catalog"], ra["catalog"]);
    let deadline = Instant::now() + Duration::from_secs(20);
    let detail = loop {
        let (_, d) = get(&http, &c.url(&format!("/runs/{id}")), &c.reader).await;
        if d["status"] == "succeeded" {
            break d;
        }
        assert!(Instant::now() < deadline, "never ended: {d}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(detail["sessions"], 2, "{detail}");
    assert_eq!(wfc_store::sweep::queued(&store).unwrap(), 0);
    let (status, body) = put(&c, "made.wf", OTHER.replace("other", "made").as_str()).await;
    assert!(status.is_success(), "{body}");
    assert!(relay.path().join("made.wf").exists());
}

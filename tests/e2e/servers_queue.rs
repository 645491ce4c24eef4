//! One queue of starts (issue 72): on a store several servers share, a
//! start the receiving server has no slot for is queued in the store
//! before its `202` (`queued: true`) and started by a server with room,
//! once — also when the receiving server is killed right after answering.
//! A queued start no server takes within `--queue-wait` ends failed,
//! saying why; one cancelled while queued never starts. A webhook's
//! delivery queued by a full server is claimed with its queued row: sent
//! again to another server, it is answered as a replay of that run.

use super::serve::{get, post, Server};
use super::serve_hooks::{hook, sign};
use super::servers::{database, lines, FAST};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::path::Path;
use std::time::{Duration, Instant};

const FLOWS: &str = r#"
workflow nap {
  param secs: int = 3
  step doze: shell { run "sleep ${secs}" }
}

workflow mark {
  param dir: string
  step note: shell { run "echo $WFC_RUN_ID $WFC_SESSION $(date +%s.%N) >> ${dir}/marks" }
}

workflow deploy {
  on webhook "/deploy" {
    secret hook_key
    params { dir = request.json.dir }
  }
  secret hook_key: string = "hook-s3cret-2718"
  param dir: string
  step ship: shell { run "echo $WFC_RUN_ID >> ${dir}/shipped" }
}
"#;

/// A server on `url` serving `flows`, with `flags` besides the fast lease.
fn server(url: &str, flows: &Path, flags: &[&str]) -> Server {
    let mut all = FAST.to_vec();
    all.extend_from_slice(flags);
    Server::start_serving(
        tempfile::tempdir().unwrap(),
        &[],
        Some(flows),
        &all,
        &[("WFC_STORE", url)],
    )
}

fn flows() -> tempfile::TempDir {
    let flows = tempfile::tempdir().unwrap();
    std::fs::write(flows.path().join("flows.wf"), FLOWS).unwrap();
    flows
}

/// A full server (its one slot taken for 20 s) and one with room.
async fn full_and_free(url: &str, flows: &Path, http: &reqwest::Client) -> (Server, Server) {
    let a = server(url, flows, &["--max-runs", "1"]);
    let b = server(url, flows, &["--max-runs", "4"]);
    fill(http, &a, 20).await;
    (a, b)
}

/// Fills `server`'s one slot with a nap of `secs`.
async fn fill(http: &reqwest::Client, server: &Server, secs: u64) -> String {
    let url = server.url("/workflows/nap/runs");
    let (status, run) = post(http, &url, &server.operator, json!({"secs": secs})).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{run}");
    run["id"].as_str().unwrap().to_owned()
}

/// Starts `mark` on `server`, which has no slot: the answer.
async fn mark(http: &reqwest::Client, server: &Server, work: &Path, query: &str) -> Value {
    let url = server.url(&format!("/workflows/mark/runs{query}"));
    let body = json!({"dir": work.display().to_string()});
    let (status, run) = post(http, &url, &server.operator, body).await;
    assert!(status.is_success(), "{status} {run}");
    run
}

/// Run `id` as `server` reads it, once its status is not `want_not`.
async fn until_not(server: &Server, id: &str, want_not: &[&str], within: Duration) -> Value {
    let http = reqwest::Client::new();
    let deadline = Instant::now() + within;
    loop {
        let (status, run) = get(&http, &server.url(&format!("/runs/{id}")), &server.reader).await;
        if status == StatusCode::OK && !want_not.contains(&run["status"].as_str().unwrap_or("")) {
            return run;
        }
        assert!(Instant::now() < deadline, "{id} stayed {status} {run}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_full_servers_start_runs_on_a_server_with_room_once() {
    let Some(pg) = database() else { return };
    let flows = flows();
    let http = reqwest::Client::new();
    let (a, b) = full_and_free(&pg.url, flows.path(), &http).await;

    // Queued at a, run by b: its step starts within a second of the 202.
    let work = tempfile::tempdir().unwrap();
    let run = mark(&http, &a, work.path(), "").await;
    let answered = std::time::SystemTime::now();
    assert_eq!(run["queued"], true, "{run}");
    let id = run["id"].as_str().unwrap().to_owned();
    let ended = until_not(&b, &id, &["queued", "running"], Duration::from_secs(15)).await;
    assert_eq!(ended["status"], "succeeded", "{ended}");
    let marks = std::fs::read_to_string(work.path().join("marks")).unwrap();
    let fields: Vec<&str> = marks.split_whitespace().collect();
    assert_eq!(
        fields[..2],
        [id.as_str(), "1"],
        "once, as its first session: {marks}"
    );
    let began: f64 = fields[2].parse().unwrap();
    let answered = answered
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    eprintln!(
        "queued start: its step began {:.0} ms after the 202",
        (began - answered) * 1000.0
    );
    assert!(began - answered < 1.0, "{:.3} s", began - answered);
    // Run by b, not by the full a; its trigger kept.
    let (_, detail) = get(&http, &b.url(&format!("/runs/{id}")), &b.reader).await;
    assert_eq!(detail["trigger"], "api", "{detail}");

    // `?wait=`: the answer waits for the other server's end.
    let work2 = tempfile::tempdir().unwrap();
    let run = mark(&http, &a, work2.path(), "?wait=20s").await;
    assert_eq!(run["queued"], true, "{run}");
    assert_eq!(run["status"], "succeeded", "{run}");

    // Killed right after its 202, a still had its start queued: b runs it.
    let work3 = tempfile::tempdir().unwrap();
    let run = mark(&http, &a, work3.path(), "").await;
    let mut a = a;
    a.child.kill().unwrap();
    let id3 = run["id"].as_str().unwrap().to_owned();
    let ended = until_not(&b, &id3, &["queued", "running"], Duration::from_secs(15)).await;
    assert_eq!(ended["status"], "succeeded", "{ended}");
    assert_eq!(lines(work3.path(), "marks"), 1, "run once");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_queued_start_no_server_takes_in_time_fails_and_a_cancelled_one_never_runs() {
    let Some(pg) = database() else { return };
    let flows = flows();
    let wait = ["--max-runs", "1", "--queue-wait", "1"];
    let a = server(&pg.url, flows.path(), &wait);
    let b = server(&pg.url, flows.path(), &wait);
    let http = reqwest::Client::new();
    fill(&http, &a, 6).await;
    fill(&http, &b, 6).await;

    let work = tempfile::tempdir().unwrap();
    let run = mark(&http, &a, work.path(), "").await;
    assert_eq!(run["queued"], true, "{run}");
    let id = run["id"].as_str().unwrap().to_owned();
    let (_, listed) = get(&http, &b.url(&format!("/runs/{id}")), &b.reader).await;
    assert_eq!(listed["status"], "queued", "listed by any server: {listed}");

    // Cancelled while queued: ends so, at once, and never runs.
    let work2 = tempfile::tempdir().unwrap();
    let run = mark(&http, &b, work2.path(), "").await;
    let cancelled = run["id"].as_str().unwrap().to_owned();
    let url = a.url(&format!("/runs/{cancelled}/cancel"));
    let (status, body) = post(&http, &url, &a.operator, json!({})).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let (_, detail) = get(&http, &a.url(&format!("/runs/{cancelled}")), &a.reader).await;
    assert_eq!(detail["status"], "cancelled", "{detail}");

    // No slot frees within --queue-wait 1: failed, saying why.
    let ended = until_not(&a, &id, &["queued"], Duration::from_secs(10)).await;
    assert_eq!(ended["status"], "failed", "{ended}");
    assert!(ended.to_string().contains("no server had room"), "{ended}");
    // The naps end; neither queued run ever ran.
    tokio::time::sleep(Duration::from_secs(6)).await;
    assert_eq!(lines(work.path(), "marks"), 0);
    assert_eq!(lines(work2.path(), "marks"), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_delivery_queued_by_a_full_server_starts_one_run_elsewhere() {
    let Some(pg) = database() else { return };
    let flows = flows();
    let http = reqwest::Client::new();
    let (a, b) = full_and_free(&pg.url, flows.path(), &http).await;
    let work = tempfile::tempdir().unwrap();
    let body = json!({"dir": work.path().display().to_string()}).to_string();
    let sig = sign("hook-s3cret-2718", &body);
    let headers = [
        ("X-Hub-Signature-256", sig.as_str()),
        ("X-GitHub-Delivery", "d-queued-1"),
    ];
    let (status, _, first) = hook(&a, "/deploy", &body, &headers).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{first}");
    assert_ne!(first["replay"], true, "{first}");
    let (status, _, again) = hook(&b, "/deploy", &body, &headers).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{again}");
    assert_eq!(again["replay"], true, "{again}");
    assert_eq!(again["id"], first["id"], "one run: {first} {again}");
    let id = first["id"].as_str().unwrap();
    let ended = until_not(&b, id, &["queued", "running"], Duration::from_secs(15)).await;
    assert_eq!(ended["status"], "succeeded", "{ended}");
    assert_eq!(ended["trigger"], "webhook", "{ended}");
    assert_eq!(lines(work.path(), "shipped"), 1);
    // The secret was bound again from its default, never stored.
    let (_, detail) = get(&http, &b.url(&format!("/runs/{id}")), &b.reader).await;
    assert!(!detail.to_string().contains("hook-s3cret-2718"), "{detail}");
}

//! Deadlines kept across downtime, through the real `wfc serve` killed
//! with -9 and started again on its state: a `sleep` ends when it would
//! have, had the server stayed up, and a gate whose `timeout` passed while
//! the server was down fails as soon as it is back. Each is timed by the
//! store's clock (the steps' recorded attempts) and by stamps the steps
//! write.

use super::serve::{get, post, Server};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// `a` stamps the time, `nap` sleeps 15 s, `b` stamps the time.
const NAP: &str = r#"
workflow nap {
  step a: shell { run "date +%s%3N > @DIR/a.txt" }
  step nap: sleep { duration 15s depends on a }
  step b: shell {
    run "date +%s%3N > @DIR/b.txt"
    depends on nap
  }
}
"#;

/// `a` stamps the time, then a gate waits 8 s for an approval.
const GATED: &str = r#"
workflow gated {
  step a: shell { run "date +%s%3N > @DIR/a.txt" }
  step g: gate {
    approval "ops"
    timeout 8s
    depends on a
  }
  step b: shell {
    run "touch @DIR/b.txt"
    depends on g
  }
}
"#;

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// The time stamped into `name` (ms since the epoch), once it is there.
async fn stamp(server: &Server, name: &str) -> i64 {
    let path = server.path(name);
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(t) = std::fs::read_to_string(&path)
            .ok()
            .and_then(|t| t.trim().parse().ok())
        {
            return t;
        }
        assert!(Instant::now() < deadline, "{name} was never written");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Sleeps until `at` (ms since the epoch).
async fn sleep_until(at: i64) {
    let left = at - now_ms();
    if left > 0 {
        tokio::time::sleep(Duration::from_millis(left as u64)).await;
    }
}

async fn start(server: &Server, http: &reqwest::Client, wf: &str) -> String {
    let url = server.url(&format!("/workflows/{wf}/runs"));
    let (status, body) = post(http, &url, &server.operator, json!({})).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    body["id"].as_str().unwrap().to_owned()
}

/// Kills the server with -9 at `down`, starts it again at `up`.
async fn down_between(server: &mut Server, down: i64, up: i64) {
    sleep_until(down).await;
    server.signal(nix::sys::signal::Signal::SIGKILL);
    server.child.wait().unwrap();
    sleep_until(up).await;
    let flows = server.path("flows");
    server.restart(&[], &flows);
}

#[tokio::test]
async fn a_sleep_cut_by_a_restart_ends_when_it_would_have() {
    let mut server = Server::start(&[("nap.wf", NAP)], &[]);
    let http = reqwest::Client::new();
    let id = start(&server, &http, "nap").await;
    // The sleep begins as `a` ends: down from 3 s to 7 s into it.
    let began = stamp(&server, "a.txt").await;
    down_between(&mut server, began + 3_000, began + 7_000).await;
    let ended = stamp(&server, "b.txt").await;
    let run: Value = server.finished(&http, &id).await;
    assert_eq!(run["status"], "succeeded", "{run}");
    let took = ended - began;
    assert!(
        (14_000..19_000).contains(&took),
        "the 15 s sleep ended {took} ms after it began (not 15 s after the restart: ~22 s)"
    );
}

#[tokio::test]
async fn a_gate_whose_timeout_passed_while_the_server_was_down_fails_at_once() {
    let mut server = Server::start(&[("gated.wf", GATED)], &[]);
    let http = reqwest::Client::new();
    let id = start(&server, &http, "gated").await;
    let began = stamp(&server, "a.txt").await;
    down_between(&mut server, began + 2_000, began + 12_000).await;
    let back = Instant::now();
    let run = loop {
        let run = get(&http, &server.url(&format!("/runs/{id}")), &server.reader)
            .await
            .1;
        // (Listed `interrupted` between the restart's reap and its resume.)
        let going = ["running", "waiting", "interrupted"].map(Value::from);
        if run["sessions"] == 2 && !going.contains(&run["status"]) {
            break run;
        }
        assert!(
            back.elapsed() < Duration::from_secs(5),
            "the gate still waits {:?} after the restart: {run}",
            back.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(run["status"], "failed", "{run}");
    assert!(
        !server.path("b.txt").exists(),
        "the step after the gate ran"
    );
    let g = run["step_list"]
        .as_array()
        .and_then(|s| s.iter().find(|s| s["name"] == "g"))
        .cloned()
        .unwrap_or_else(|| panic!("no gate in {run}"));
    assert_eq!(g["status"], "timed_out", "{g}");
}

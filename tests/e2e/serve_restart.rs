//! What a graceful stop and the next start do to runs, through the real
//! `wfc serve`: SIGTERM lets runs end within `--grace`, and leaves those
//! still going — a step still running, a gate waiting for a person — as
//! they are, never cancelled; the next start resumes them, and a decision
//! taken after it finishes a run without running its earlier steps again.

use super::serve::{post, run_status, Server, SLOW};
use super::serve_runs::{run_until as until, start_run as start};
use nix::sys::signal::Signal;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

/// `a` counts its runs, a gate waits for a person, `b` says it ran.
const GATED: &str = r#"
workflow gated {
  step a: shell { run "echo a >> @DIR/a.txt" }
  step g: gate {
    approval "ops"
    depends on a
  }
  step b: shell {
    run "echo b >> @DIR/b.txt"
    depends on g
  }
}
"#;

fn lines(server: &Server, name: &str) -> usize {
    std::fs::read_to_string(server.path(name))
        .unwrap_or_default()
        .lines()
        .count()
}

#[tokio::test]
async fn sigterm_leaves_a_run_past_the_grace_period_for_the_next_start() {
    let mut server = Server::start(&[("slow.wf", SLOW)], &["--grace", "0.5"]);
    let http = reqwest::Client::new();
    let id = start(&server, &http, "slow", json!({"seconds": 3})).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let t = Instant::now();
    server.signal(Signal::SIGINT);
    assert_eq!(server.exit(Duration::from_secs(20)), Some(0));
    assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());
    // Not cancelled: no `finally`, and recorded as going, for the next start.
    assert!(!server.path("work.txt").exists());
    assert!(
        !server.path("cleanup.txt").exists(),
        "the run was cancelled"
    );
    assert_eq!(run_status(&server.path("state"), &id), "running");
    let log = server.log.lock().unwrap().clone();
    assert!(log.contains("grace period over: leaving 1 run(s)"), "{log}");

    let flows = server.path("flows");
    server.restart(&[], &flows);
    let done = until(&server, &http, &id, |r| {
        r["sessions"] == 2
            && !["running", "waiting", "interrupted"]
                .map(Value::from)
                .contains(&r["status"])
    })
    .await;
    assert_eq!(done["status"], "succeeded", "{done}");
    assert_eq!(lines(&server, "work.txt"), 1);
    assert_eq!(lines(&server, "cleanup.txt"), 1);
}

#[tokio::test]
async fn sigterm_leaves_a_waiting_run_waiting_through_any_number_of_restarts() {
    let mut server = Server::start(&[("gated.wf", GATED)], &["--grace", "1"]);
    let http = reqwest::Client::new();
    let id = start(&server, &http, "gated", json!({})).await;
    until(&server, &http, &id, |r| r["status"] == "waiting").await;
    // More restarts than a crashing run is resumed after (3): it waits,
    // parked, through all of them, with no new session.
    for _ in 0..4 {
        server.signal(Signal::SIGTERM);
        assert_eq!(server.exit(Duration::from_secs(20)), Some(0));
        let flows = server.path("flows");
        server.restart(&["--grace", "1"], &flows);
        let run = until(&server, &http, &id, |r| r["status"] == "waiting").await;
        assert_eq!(run["sessions"], 1, "{run}");
    }
    let approve = server.url(&format!("/runs/{id}/gates/g/approve"));
    let (status, body) = post(&http, &approve, &server.operator, json!({})).await;
    assert!(status.is_success(), "{body}");
    let done = server.finished(&http, &id).await;
    assert_eq!(done["status"], "succeeded", "{done}");
    assert_eq!(done["sessions"], 2, "{done}");
    assert_eq!(lines(&server, "a.txt"), 1, "step a ran again");
    assert_eq!(lines(&server, "b.txt"), 1);
}

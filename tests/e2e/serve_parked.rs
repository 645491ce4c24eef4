//! Runs that only wait are parked, through the real `wfc serve`: a run at an
//! approval, in a long `sleep` or paused holds no `--max-runs` slot and no
//! task; a decision (the API, `wfc approve` in a terminal), its deadline, a
//! resume or a cancel wakes it, and it goes on where it waited without
//! running again what it ran. A parked run outlives `kill -9`.

use super::serve::{post, Server};
use super::serve_runs::{parked, run_until as until, start_run as start};
use nix::sys::signal::Signal;
use reqwest::StatusCode;
use serde_json::json;
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
  finally {
    step tidy: shell { run "echo tidy >> @DIR/tidy.txt" }
  }
}
"#;

const PLAIN: &str = r#"
workflow plain {
  step p: shell { run "echo p >> @DIR/p.txt" }
}
"#;

const SLEEPY: &str = r#"
workflow sleepy {
  step first: shell { run "echo first >> @DIR/first.txt" }
  step nap: sleep {
    duration 6s
    depends on first
  }
  step after: shell {
    run "echo after >> @DIR/after.txt"
    depends on nap
  }
}
"#;

const TWO: &str = r#"
workflow two {
  step one: shell { run "sleep 1; echo one >> @DIR/one.txt" }
  step two: shell {
    run "echo two >> @DIR/two.txt"
    depends on one
  }
}
"#;

/// Waits until the store holds `n` runs parked (at most 20 s).
async fn parked_count(server: &Server, n: usize) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let p = parked(&server.path("state"));
        if p.len() == n {
            return p;
        }
        assert!(Instant::now() < deadline, "{} parked, not {n}", p.len());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn lines(server: &Server, name: &str) -> usize {
    std::fs::read_to_string(server.path(name))
        .unwrap_or_default()
        .lines()
        .count()
}

async fn approve(server: &Server, http: &reqwest::Client, id: &str) {
    let url = server.url(&format!("/runs/{id}/gates/g/approve"));
    let (status, body) = post(http, &url, &server.operator, json!({})).await;
    assert!(status.is_success(), "{body}");
}

#[tokio::test]
async fn runs_waiting_for_a_person_hold_no_slot_and_go_on_when_approved() {
    let server = Server::start(
        &[("gated.wf", GATED), ("plain.wf", PLAIN)],
        &["--max-runs", "2"],
    );
    let http = reqwest::Client::new();
    let mut ids = Vec::new();
    for _ in 0..2 {
        for _ in 0..2 {
            ids.push(start(&server, &http, "gated", json!({})).await);
        }
        for id in &ids {
            until(&server, &http, id, |r| r["status"] == "waiting").await;
        }
        parked_count(&server, ids.len()).await;
    }
    // Four runs wait with two slots, and a run that needs no one starts.
    let plain = start(&server, &http, "plain", json!({})).await;
    assert_eq!(server.finished(&http, &plain).await["status"], "succeeded");
    let text = http
        .get(format!("{}/metrics", server.base))
        .bearer_auth(&server.reader)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(text.contains("\nwfc_runs_parked 4\n"), "{text}");
    for id in &ids {
        approve(&server, &http, id).await;
    }
    for id in &ids {
        let done = server.finished(&http, id).await;
        assert_eq!(done["status"], "succeeded", "{done}");
        assert_eq!(done["sessions"], 2, "{done}");
    }
    assert_eq!(lines(&server, "a.txt"), 4, "a step ran again");
    assert_eq!(lines(&server, "b.txt"), 4);
    assert_eq!(lines(&server, "tidy.txt"), 4);
    assert!(parked(&server.path("state")).is_empty());
}

#[tokio::test]
async fn a_parked_run_outlives_kill_9_and_wfc_approve_in_a_terminal_wakes_it() {
    let mut server = Server::start(&[("gated.wf", GATED)], &[]);
    let http = reqwest::Client::new();
    let id = start(&server, &http, "gated", json!({})).await;
    parked_count(&server, 1).await;
    server.signal(Signal::SIGKILL);
    server.child.wait().unwrap();
    let flows = server.path("flows");
    server.restart(&[], &flows);
    // Still waiting, in its first session: nothing was resumed or run.
    let run = until(&server, &http, &id, |r| r["status"] == "waiting").await;
    assert_eq!(run["sessions"], 1, "{run}");
    let out = server
        .wfc()
        .args(["approve", &id, "g", "--state-dir"])
        .arg(server.path("state"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let done = server.finished(&http, &id).await;
    assert_eq!(done["status"], "succeeded", "{done}");
    assert_eq!(lines(&server, "a.txt"), 1, "step a ran again");
    assert_eq!(lines(&server, "b.txt"), 1);
}

#[tokio::test]
async fn a_long_sleep_holds_no_slot_and_ends_when_it_would_have() {
    let server = Server::start(
        &[("sleepy.wf", SLEEPY), ("plain.wf", PLAIN)],
        &["--max-runs", "1"],
    );
    let http = reqwest::Client::new();
    let t = Instant::now();
    let id = start(&server, &http, "sleepy", json!({})).await;
    parked_count(&server, 1).await;
    let plain = start(&server, &http, "plain", json!({})).await;
    assert_eq!(server.finished(&http, &plain).await["status"], "succeeded");
    let done = server.finished(&http, &id).await;
    let took = t.elapsed();
    assert_eq!(done["status"], "succeeded", "{done}");
    assert!(
        took >= Duration::from_secs(6) && took < Duration::from_secs(10),
        "{took:?}"
    );
    assert_eq!(lines(&server, "first.txt"), 1, "a step ran again");
    assert_eq!(lines(&server, "after.txt"), 1);
}

#[tokio::test]
async fn a_paused_run_parks_once_its_steps_end_and_goes_on_when_resumed() {
    let server = Server::start(
        &[("two.wf", TWO), ("plain.wf", PLAIN)],
        &["--max-runs", "1"],
    );
    let http = reqwest::Client::new();
    let id = start(&server, &http, "two", json!({})).await;
    let pause = server.url(&format!("/runs/{id}/pause"));
    let (status, body) = post(&http, &pause, &server.operator, json!({})).await;
    assert!(status.is_success(), "{body}");
    parked_count(&server, 1).await;
    assert_eq!(lines(&server, "one.txt"), 1);
    let plain = start(&server, &http, "plain", json!({})).await;
    assert_eq!(server.finished(&http, &plain).await["status"], "succeeded");
    assert_eq!(lines(&server, "two.txt"), 0, "ran while paused");
    let resume = server.url(&format!("/runs/{id}/resume"));
    let (status, body) = post(&http, &resume, &server.operator, json!({})).await;
    assert!(status.is_success(), "{body}");
    let done = server.finished(&http, &id).await;
    assert_eq!(done["status"], "succeeded", "{done}");
    assert_eq!(lines(&server, "one.txt"), 1, "step one ran again");
    assert_eq!(lines(&server, "two.txt"), 1);
}

#[tokio::test]
async fn cancelling_a_parked_run_runs_its_finally_and_nothing_after_the_gate() {
    let server = Server::start(&[("gated.wf", GATED)], &[]);
    let http = reqwest::Client::new();
    let id = start(&server, &http, "gated", json!({})).await;
    parked_count(&server, 1).await;
    let cancel = server.url(&format!("/runs/{id}/cancel"));
    let (status, body) = post(&http, &cancel, &server.operator, json!({})).await;
    assert!(status.is_success(), "{body}");
    let done = server.finished(&http, &id).await;
    assert_eq!(done["status"], "cancelled", "{done}");
    assert_eq!(lines(&server, "b.txt"), 0);
    assert_eq!(lines(&server, "tidy.txt"), 1);
    assert_eq!(lines(&server, "a.txt"), 1);
}

/// The server's peak resident memory (VmHWM), in MiB.
fn peak_rss_mib(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let kb: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap();
    kb / 1024.0
}

#[tokio::test]
async fn three_hundred_runs_wait_at_approvals_on_four_slots_in_bounded_memory() {
    let server = Server::start(
        &[("gated.wf", GATED), ("plain.wf", PLAIN)],
        &[
            "--max-runs",
            "4",
            "--rate-limit",
            "10000",
            "--rate-burst",
            "10000",
        ],
    );
    let http = reqwest::Client::new();
    let url = server.url("/workflows/gated/runs");
    for i in 0..300 {
        let (status, body) = post(&http, &url, &server.operator, json!({})).await;
        assert_eq!(status, StatusCode::ACCEPTED, "start {i}: {body}");
    }
    parked_count(&server, 300).await;
    assert_eq!(lines(&server, "a.txt"), 300);
    let t = Instant::now();
    let plain = start(&server, &http, "plain", json!({})).await;
    assert!(t.elapsed() < Duration::from_secs(1), "{:?}", t.elapsed());
    assert_eq!(server.finished(&http, &plain).await["status"], "succeeded");
    let rss = peak_rss_mib(server.child.id());
    assert!(rss < 96.0, "peak RSS {rss:.1} MiB with 300 runs waiting");
    println!("peak RSS with 300 parked runs: {rss:.1} MiB");
}

/// Each run says which it is: `a` and `b` append its id.
const RACED: &str = r#"
workflow raced {
  step a: shell { run "echo ${run.id} >> @DIR/a.txt" }
  step g: gate {
    approval "ops"
    depends on a
  }
  step b: shell {
    run "echo ${run.id} >> @DIR/b.txt"
    depends on g
  }
}
"#;

fn ids_in(server: &Server, name: &str) -> Vec<String> {
    let mut ids: Vec<String> = std::fs::read_to_string(server.path(name))
        .unwrap_or_default()
        .lines()
        .map(str::to_owned)
        .collect();
    ids.sort();
    ids
}

/// `wfc approve` in a terminal, on the server's state folder.
fn approve_in_terminal(server: &Server, id: &str) {
    let out = server
        .wfc()
        .args(["approve", id, "g", "--state-dir"])
        .arg(server.path("state"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
}

#[tokio::test]
async fn fifty_approvals_while_runs_park_wake_and_the_server_stops_each_take_effect_once() {
    let flags = [
        "--max-runs",
        "4",
        "--grace",
        "5",
        "--rate-limit",
        "10000",
        "--rate-burst",
        "10000",
    ];
    let mut server = Server::start(&[("raced.wf", RACED)], &flags);
    let http = reqwest::Client::new();
    let mut ids = Vec::new();
    // 25 runs approved through the API at moments spread over their park:
    // before it (a live gate), during it, and after it.
    let mut approvals = Vec::new();
    for i in 0..25u64 {
        let id = start(&server, &http, "raced", json!({})).await;
        let (http, url, key) = (
            http.clone(),
            server.url(&format!("/runs/{id}/gates/g/approve")),
            server.operator.clone(),
        );
        approvals.push(tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(i * 13 % 250)).await;
            let (status, body) = post(&http, &url, &key, json!({})).await;
            assert!(status.is_success(), "{body}");
        }));
        ids.push(id);
    }
    for a in approvals {
        a.await.unwrap();
    }
    // 25 more, all parked; 10 approved in a terminal as the server stops,
    // 5 while it is down, 10 through the API as it comes back.
    let mut later = Vec::new();
    for _ in 0..25 {
        later.push(start(&server, &http, "raced", json!({})).await);
    }
    for id in &later {
        until(&server, &http, id, |r| r["status"] == "waiting").await;
    }
    server.signal(Signal::SIGTERM);
    for id in &later[..10] {
        approve_in_terminal(&server, id);
    }
    assert_eq!(server.exit(Duration::from_secs(20)), Some(0));
    for id in &later[10..15] {
        approve_in_terminal(&server, id);
    }
    let served = server.path("flows");
    server.restart(&flags, &served);
    for id in &later[15..] {
        approve(&server, &http, id).await;
    }
    ids.extend(later);
    for id in &ids {
        let done = server.finished(&http, id).await;
        assert_eq!(done["status"], "succeeded", "{done}");
        assert_eq!(
            done["decisions"].as_array().map(Vec::len),
            Some(1),
            "{done}"
        );
    }
    ids.sort();
    assert_eq!(
        ids_in(&server, "a.txt"),
        ids,
        "a step ran twice or not at all"
    );
    assert_eq!(
        ids_in(&server, "b.txt"),
        ids,
        "a gate's successor ran twice or not at all"
    );
    assert!(parked(&server.path("state")).is_empty());
}

#[tokio::test]
async fn a_step_waiting_after_on_fail_pause_holds_no_slot_and_outlives_sigterm() {
    let flags = ["--max-runs", "1", "--grace", "5"];
    let mut server = Server::start(
        &[
            ("esc.wf", super::serve_pause::ESCALATES),
            ("plain.wf", PLAIN),
        ],
        &flags,
    );
    let http = reqwest::Client::new();
    let id = start(&server, &http, "esc", json!({})).await;
    parked_count(&server, 1).await;
    let plain = start(&server, &http, "plain", json!({})).await;
    assert_eq!(server.finished(&http, &plain).await["status"], "succeeded");
    let t = Instant::now();
    server.signal(Signal::SIGTERM);
    assert_eq!(server.exit(Duration::from_secs(20)), Some(0));
    assert!(t.elapsed() < Duration::from_secs(3), "{:?}", t.elapsed());
    let served = server.path("flows");
    server.restart(&flags, &served);
    let run = until(&server, &http, &id, |r| r["status"] == "waiting").await;
    assert_eq!(run["sessions"], 1, "{run}");
    // `retry`: the step runs once more (and fails again, waiting again).
    let url = server.url(&format!("/runs/{id}/gates/flaky/approve"));
    let (status, body) = post(
        &http,
        &url,
        &server.operator,
        json!({"inputs": {"action": "retry"}}),
    )
    .await;
    assert!(status.is_success(), "{body}");
    let deadline = Instant::now() + Duration::from_secs(20);
    while lines(&server, "flaky.txt") < 2 {
        assert!(Instant::now() < deadline, "the retry never ran");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    parked_count(&server, 1).await;
    let (status, body) = post(
        &http,
        &url.replace("/approve", "/reject"),
        &server.operator,
        json!({"comment": "give up"}),
    )
    .await;
    assert!(status.is_success(), "{body}");
    let done = server.finished(&http, &id).await;
    assert_eq!(done["status"], "failed", "{done}");
    assert_eq!(
        lines(&server, "flaky.txt"),
        2,
        "the step ran more than asked"
    );
    assert_eq!(lines(&server, "after.txt"), 0);
}

//! Parked runs and `lock`, through the real `wfc serve`: a run parked at an
//! approval keeps its key (it is still running), runs waiting for the key
//! park too, holding no slot, and take it in the order they came once it is
//! given back; `kill -9` changes none of that. And a gate's `timeout` that
//! passed while no process ran it refuses a late approval.

use super::serve::{get, Server};
use super::serve_runs::{parked, run_until as until, start_run as start};
use nix::sys::signal::Signal;
use serde_json::json;
use std::time::{Duration, Instant};

/// Holds key `k` from its start to its end, with an approval between.
const HOLDER: &str = r#"
workflow holder {
  lock "k"
  step a: shell { run "echo a >> @DIR/a.txt" }
  step g: gate {
    approval "ops"
    depends on a
  }
  step b: shell {
    run "echo holder >> @DIR/order.txt"
    depends on g
  }
}
"#;

/// Needs key `k` for one step that says who it is.
const WAITER: &str = r#"
workflow waiter {
  param tag: string
  lock "k"
  step w: shell { run "echo ${tag} >> @DIR/order.txt" }
}
"#;

const PLAIN: &str = r#"
workflow plain {
  step p: shell { run "echo p >> @DIR/p.txt" }
}
"#;

/// Waits until the store holds `n` runs parked (at most 20 s).
async fn parked_count(server: &Server, n: usize) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while parked(&server.path("state")).len() != n {
        assert!(Instant::now() < deadline, "never {n} parked");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn order(server: &Server) -> Vec<String> {
    std::fs::read_to_string(server.path("order.txt"))
        .unwrap_or_default()
        .lines()
        .map(str::to_owned)
        .collect()
}

/// `wfc approve RUN g` in a terminal on the server's state folder.
fn approve_in_terminal(server: &Server, id: &str) -> std::process::Output {
    server
        .wfc()
        .args(["approve", id, "g", "--state-dir"])
        .arg(server.path("state"))
        .output()
        .unwrap()
}

#[tokio::test]
async fn a_parked_holder_keeps_its_lock_and_parked_waiters_take_it_in_turn() {
    let server = Server::start(
        &[
            ("holder.wf", HOLDER),
            ("waiter.wf", WAITER),
            ("plain.wf", PLAIN),
        ],
        &["--max-runs", "2"],
    );
    let http = reqwest::Client::new();
    let holder = start(&server, &http, "holder", json!({})).await;
    parked_count(&server, 1).await;
    let mut waiters = Vec::new();
    for tag in ["1", "2", "3"] {
        waiters.push(start(&server, &http, "waiter", json!({ "tag": tag })).await);
        parked_count(&server, waiters.len() + 1).await;
    }
    for id in &waiters {
        let r = until(&server, &http, id, |r| !r["waiting_for_lock"].is_null()).await;
        assert_eq!(r["status"], "running", "{r}");
        assert_eq!(r["waiting_for_lock"]["held_by"], holder.as_str(), "{r}");
    }
    // Four runs wait on two slots, and a run that needs no key starts.
    let plain = start(&server, &http, "plain", json!({})).await;
    assert_eq!(server.finished(&http, &plain).await["status"], "succeeded");
    assert!(
        order(&server).is_empty(),
        "a waiter ran: {:?}",
        order(&server)
    );

    let out = approve_in_terminal(&server, &holder);
    assert!(out.status.success(), "{out:?}");
    for id in std::iter::once(&holder).chain(&waiters) {
        let done = server.finished(&http, id).await;
        assert_eq!(done["status"], "succeeded", "{done}");
        assert!(done["waiting_for_lock"].is_null(), "{done}");
    }
    assert_eq!(order(&server), ["holder", "1", "2", "3"]);
    let a = std::fs::read_to_string(server.path("a.txt")).unwrap();
    assert_eq!(a.lines().count(), 1, "the holder's first step ran again");
    assert!(parked(&server.path("state")).is_empty());
    let log = server.log.lock().unwrap().clone();
    assert!(log.contains("parked waiting for lock k"), "{log}");
}

#[tokio::test]
async fn kill_9_leaves_a_parked_holder_its_key_and_its_waiter_parked() {
    let mut server = Server::start(&[("holder.wf", HOLDER), ("waiter.wf", WAITER)], &[]);
    let http = reqwest::Client::new();
    let holder = start(&server, &http, "holder", json!({})).await;
    parked_count(&server, 1).await;
    let waiter = start(&server, &http, "waiter", json!({ "tag": "w" })).await;
    parked_count(&server, 2).await;
    server.signal(Signal::SIGKILL);
    server.child.wait().unwrap();
    let flows = server.path("flows");
    server.restart(&[], &flows);
    // The holder's process is gone, yet it holds the key: it is parked.
    until(&server, &http, &holder, |r| r["status"] == "waiting").await;
    tokio::time::sleep(wfc_store::park::LOCK_LOOK * 2).await;
    let r = get(
        &http,
        &server.url(&format!("/runs/{waiter}")),
        &server.reader,
    )
    .await
    .1;
    assert_eq!(r["waiting_for_lock"]["held_by"], holder.as_str(), "{r}");
    assert_eq!(parked(&server.path("state")).len(), 2);
    assert!(order(&server).is_empty());

    let out = approve_in_terminal(&server, &holder);
    assert!(out.status.success(), "{out:?}");
    for id in [&holder, &waiter] {
        let done = server.finished(&http, id).await;
        assert_eq!(done["status"], "succeeded", "{done}");
    }
    assert_eq!(order(&server), ["holder", "w"]);
}

/// A gate with a short `timeout`, then a step.
const TIMED: &str = r#"
workflow timed {
  step g: gate {
    approval "ops"
    timeout 3s
  }
  step b: shell {
    run "echo b >> @DIR/b.txt"
    depends on g
  }
}
"#;

#[tokio::test]
async fn an_approval_after_a_timeout_that_passed_with_no_server_is_refused() {
    let mut server = Server::start(&[("timed.wf", TIMED)], &[]);
    let http = reqwest::Client::new();
    let started = Instant::now();
    let id = start(&server, &http, "timed", json!({})).await;
    parked_count(&server, 1).await;
    server.signal(Signal::SIGKILL);
    server.child.wait().unwrap();
    tokio::time::sleep(Duration::from_secs(4).saturating_sub(started.elapsed())).await;
    let out = approve_in_terminal(&server, &id);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "approved past its timeout: {err}");
    assert!(
        err.contains("gate `g` of run") && err.contains("timed out"),
        "{err}"
    );
    let flows = server.path("flows");
    server.restart(&[], &flows);
    let done = server.finished(&http, &id).await;
    assert_eq!(done["status"], "failed", "{done}");
    assert!(
        !server.path("b.txt").exists(),
        "the step after the gate ran"
    );
}

//! Waking a parked run: how long from a gate's decision to the start of the
//! step after it, when the run waited parked (no task, no slot; see
//! docs/serve.md, Capacity) and, beside it, when the run still waited live.
//!
//! `cargo bench --bench wake_latency` starts the real server (this build's
//! `wfc`, or `$WFC_BENCH_BIN`) on a loopback port with a workflow `a` →
//! gate `g` → `b`, and for each run:
//! - **parked, API**: waits until the store holds it parked, then approves
//!   through `POST …/gates/g/approve` (the server wakes it at once);
//! - **parked, terminal**: the same with `wfc approve` on the state folder
//!   (the server sees it at its next look, every 200 ms);
//! - **live**: approves through the API as soon as the gate waits, before
//!   the run parks (it parks after 100 ms of only waiting).
//!
//! The time is the store's: the decision's `approvals.at` to `b`'s
//! `started_at` (ms). It prints p50/p99/max of each. Knob: `--runs N`
//! (default 40 each; 3 under `cargo test`).

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};
use wfc_store::testing::{self, Value};

#[path = "support/server.rs"]
mod server;
use server::{wfc, Server};

const FLOW: &str = r#"workflow woken {
  step a: shell { run "true" }
  step g: gate {
    approval "ops"
    depends on a
  }
  step b: shell {
    run "true"
    depends on g
  }
}
"#;

#[derive(Clone, Copy, PartialEq)]
enum How {
    ParkedApi,
    ParkedTerminal,
    Live,
}

/// The server's store, opened per read (current schema: nothing written).
fn store(state: &Path) -> wfc_store::Store {
    wfc_store::Store::open(state).unwrap()
}

/// Polls `query` (one value, for run `id`) until it gives a row.
fn wait_for(state: &Path, query: &str, id: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(Some(mut row)) = testing::row(&store(state), query, &[id.into()]) {
            return row.swap_remove(0);
        }
        assert!(Instant::now() < deadline, "never came: {query}");
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// POSTs `{}` to `url` with `key`: the status and the body.
fn post(rt: &tokio::runtime::Runtime, url: &str, key: &str) -> (u16, serde_json::Value) {
    rt.block_on(async {
        let r = reqwest::Client::new()
            .post(url)
            .bearer_auth(key)
            .json(&serde_json::json!({}))
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or_default())
    })
}

fn one(rt: &tokio::runtime::Runtime, server: &Server, key: &str, state: &Path, how: How) -> f64 {
    let (status, body) = post(
        rt,
        &format!("{}/api/v1/workflows/woken/runs", server.base),
        key,
    );
    assert_eq!(status, 202, "{body}");
    let id = body["id"].as_str().unwrap().to_owned();
    if how == How::Live {
        wait_for(
            state,
            "SELECT status FROM steps WHERE run_id = $1 AND name = 'g' AND status = 'waiting'",
            &id,
        );
    } else {
        wait_for(state, "SELECT run_id FROM parked WHERE run_id = $1", &id);
    }
    if how == How::ParkedTerminal {
        let out = Command::new(wfc())
            .args(["approve", &id, "g", "--state-dir"])
            .arg(state)
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
    } else {
        let url = format!("{}/api/v1/runs/{id}/gates/g/approve", server.base);
        let (status, body) = post(rt, &url, key);
        assert!(status < 300, "{status} {body}");
    }
    let decided = wait_for(
        state,
        "SELECT at FROM approvals WHERE run_id = $1 AND step = 'g'",
        &id,
    )
    .int()
    .unwrap();
    let started = wait_for(
        state,
        "SELECT started_at FROM steps WHERE run_id = $1 AND name = 'b' AND started_at IS NOT NULL",
        &id,
    )
    .int()
    .unwrap();
    (started - decided) as f64
}

/// `(p50, p99, max)` of `v`, in ms.
fn quantiles(v: &mut [f64]) -> (f64, f64, f64) {
    v.sort_by(f64::total_cmp);
    let at = |q: f64| v[((v.len() as f64 * q).ceil() as usize).clamp(1, v.len()) - 1];
    (at(0.50), at(0.99), v[v.len() - 1])
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let full = args.iter().any(|a| a == "--bench");
    let runs = args
        .iter()
        .position(|a| a == "--runs")
        .and_then(|i| args.get(i + 1))
        .map(|n| n.parse::<usize>().expect("a number"))
        .unwrap_or(if full { 40 } else { 3 });
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("flows")).unwrap();
    std::fs::write(dir.path().join("flows/woken.wf"), FLOW).unwrap();
    let state = dir.path().join("state");
    let key = server::add_key(&wfc(), &state);
    let flows = dir.path().join("flows");
    let rate = std::ffi::OsStr::new("--rate-limit");
    let many = std::ffi::OsStr::new("100000");
    let server = server::serve(&wfc(), &state, &[rate, many, flows.as_os_str()]);
    let rt = tokio::runtime::Runtime::new().unwrap();
    println!("wake_latency: {} ({runs} runs each)", wfc().display());
    for (how, name) in [
        (How::ParkedApi, "parked, approved through the API"),
        (How::ParkedTerminal, "parked, `wfc approve` in a terminal"),
        (How::Live, "live (not parked yet), through the API"),
    ] {
        let mut v: Vec<f64> = (0..runs)
            .map(|_| one(&rt, &server, &key, &state, how))
            .collect();
        let (p50, p99, max) = quantiles(&mut v);
        println!(
            "  {name:<40} decision -> next step: p50 {p50:6.1} ms  p99 {p99:6.1} ms  max {max:6.1} ms"
        );
    }
}

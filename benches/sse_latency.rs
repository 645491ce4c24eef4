//! Live events: how long a line a step prints takes to reach a client of
//! `wfc serve`'s event stream (`GET /api/v1/runs/{id}/events`), and a
//! step's start its `step_started` event.
//!
//! `cargo bench --bench sse_latency` starts the real server (the `wfc`
//! binary of this build, or `$WFC_BENCH_BIN` to time another build with the
//! same client) on a loopback port and starts one run through the API: a
//! step `talk` prints `tick I TIME` lines at a steady pace (`TIME` from
//! `date +%s%N` as it prints), while a sequence of short steps `s1…sM` goes
//! on beside it, all after a first step of 0.3 s. A client reads the run's
//! stream over real HTTP from the moment the start was answered (so it
//! watches before they start), and notes when each event came. It
//! prints p50/p95/max of
//! - line → client: the time in the line to its `log` event's arrival;
//! - step start → client: the step's start as the run store records it
//!   (ms) to its `step_started` event's arrival;
//!
//! and the server's CPU time during the run (`/proc/PID/stat`): what
//! serving the watcher costs, the run's own work included.
//!
//! Knobs: `--lines N` (default 200, one every 10 ms), `--steps M` (default
//! 20). Under `cargo test` it prints 10 lines and runs 3 steps.

use serde_json::Value;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

#[path = "support/server.rs"]
mod server;
use server::{wfc, Server};

fn workflow(steps: usize) -> String {
    let mut text = String::from(
        "workflow sse {\n  param n: int = 10\n  step talk: shell {\n    \
         run \"for i in $(seq 1 ${n}); do echo tick $i $(date +%s%N); sleep 0.01; done\"\n    \
         depends on warm\n  }\n  sequence {\n    step warm: shell { run \"sleep 0.3\" }\n",
    );
    for i in 1..=steps {
        text.push_str(&format!("    step s{i}: shell {{ run \"sleep 0.05\" }}\n"));
    }
    text.push_str("  }\n}\n");
    text
}

fn start(dir: &std::path::Path, steps: usize) -> (Server, String) {
    std::fs::create_dir_all(dir.join("flows")).unwrap();
    std::fs::write(dir.join("flows/sse.wf"), workflow(steps)).unwrap();
    let state = dir.join("state");
    let key = server::add_key(&wfc(), &state);
    let flows = dir.join("flows");
    (server::serve(&wfc(), &state, &[flows.as_os_str()]), key)
}

/// The CPU time process `pid` used so far (`utime + stime`), in ms.
fn cpu_ms(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after = stat.rsplit_once(')').map_or("", |(_, a)| a);
    let f: Vec<f64> = after
        .split_whitespace()
        .map(|x| x.parse().unwrap_or(0.0))
        .collect();
    // Fields 14 and 15 of the file, in clock ticks (100 a second on Linux).
    f.get(11)
        .zip(f.get(12))
        .map_or(0.0, |(u, s)| (u + s) * 10.0)
}

fn now_ms() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
        * 1e3
}

/// What the client saw: each line's latency (ms), and when each step's
/// `step_started` came (ms since the epoch).
#[derive(Default)]
struct Seen {
    lines: Vec<f64>,
    started: Vec<(String, f64)>,
    ended: bool,
}

async fn watch(http: &reqwest::Client, url: &str, key: &str) -> Seen {
    let mut r = http.get(url).bearer_auth(key).send().await.unwrap();
    assert!(r.status().is_success(), "{url}: {}", r.status());
    let (mut buf, mut seen) = (String::new(), Seen::default());
    let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
    while let Some(chunk) = tokio::time::timeout_at(deadline, r.chunk())
        .await
        .expect("the run's stream ends in time")
        .unwrap()
    {
        let at = now_ms();
        buf.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buf.find("\n\n") {
            let block: String = buf.drain(..end + 2).collect();
            let (mut event, mut data) = ("", String::new());
            for line in block.lines() {
                if let Some(v) = line.strip_prefix("event:") {
                    event = v.trim();
                } else if let Some(v) = line.strip_prefix("data:") {
                    data.push_str(v.trim());
                }
            }
            let data: Value = serde_json::from_str(&data).unwrap_or(Value::Null);
            match event {
                "log" => {
                    let line = data["line"].as_str().unwrap_or_default();
                    if let Some(ns) = line
                        .strip_prefix("tick ")
                        .and_then(|l| l.split(' ').nth(1))
                        .and_then(|t| t.parse::<f64>().ok())
                    {
                        seen.lines.push(at - ns / 1e6);
                    }
                }
                "step_started" => {
                    let step = data["step"].as_str().unwrap_or_default().to_owned();
                    seen.started.push((step, at));
                }
                "end" => seen.ended = true,
                _ => {}
            }
        }
    }
    seen
}

/// `(p50, p95, max)` of `v`, in ms.
fn quantiles(v: &mut [f64]) -> (f64, f64, f64) {
    assert!(!v.is_empty(), "nothing measured");
    v.sort_by(f64::total_cmp);
    let at = |q: f64| v[((v.len() as f64 * q).ceil() as usize).clamp(1, v.len()) - 1];
    (at(0.50), at(0.95), v[v.len() - 1])
}

fn measure(lines: usize, steps: usize) {
    let dir = tempfile::tempdir().unwrap();
    let (server, key) = start(dir.path(), steps);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let cpu_before = cpu_ms(server.child.id());
    let seen = runtime.block_on(async {
        let http = reqwest::Client::new();
        let r = http
            .post(format!("{}/api/v1/workflows/sse/runs", server.base))
            .bearer_auth(&key)
            .json(&serde_json::json!({ "n": lines }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), reqwest::StatusCode::ACCEPTED);
        let body: Value = r.json().await.unwrap();
        let id = body["id"].as_str().unwrap().to_owned();
        let url = format!("{}/api/v1/runs/{id}/events", server.base);
        (id, watch(&http, &url, &key).await)
    });
    let (id, mut seen) = seen;
    assert!(seen.ended, "the stream ends with the run's end");
    assert_eq!(seen.lines.len(), lines, "every line arrives once");
    // Each step's start as the store recorded it.
    // Current schema: opening it writes nothing (no migration).
    let store = wfc_store::Store::open(&dir.path().join("state")).unwrap();
    let mut starts = Vec::new();
    // `warm` starts before the client connects: the others start while
    // it watches.
    for (step, at) in seen.started.iter().filter(|(s, _)| s != "warm") {
        let sql = "SELECT started_at FROM steps WHERE run_id = $1 AND name = $2";
        let started = wfc_store::testing::one(&store, sql, &[(&id).into(), step.into()]);
        let started = started.unwrap().int().unwrap() as f64;
        starts.push(at - started);
    }
    assert_eq!(starts.len(), steps + 1, "every step's start arrives once");
    let cpu = cpu_ms(server.child.id()) - cpu_before;
    drop(server);
    let (p50, p95, max) = quantiles(&mut seen.lines);
    println!(
        "  line -> client       ({lines:>4} lines): p50 {p50:6.1} ms  p95 {p95:6.1} ms  max {max:6.1} ms"
    );
    let (p50, p95, max) = quantiles(&mut starts);
    println!(
        "  step start -> client ({:>4} steps): p50 {p50:6.1} ms  p95 {p95:6.1} ms  max {max:6.1} ms",
        starts.len()
    );
    println!("  server CPU during the run: {cpu:.0} ms");
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let full = args.iter().any(|a| a == "--bench");
    let arg = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .map(|n| n.parse::<usize>().expect("a number"))
    };
    let lines = arg("--lines").unwrap_or(if full { 200 } else { 10 });
    let steps = arg("--steps").unwrap_or(if full { 20 } else { 3 });
    println!("sse_latency: {}", wfc().display());
    measure(lines, steps);
}

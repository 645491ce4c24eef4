//! `wfc serve` under load: webhook-triggered runs of a 10-step workflow of
//! trivial steps, 8 runs in flight at a time.
//!
//! `cargo bench --bench serve_load` starts the real server (the `wfc`
//! binary of this build) on a loopback port, posts 1,000 webhooks from 8
//! clients, each waiting for its run to end (read from the run store, so
//! the waiting costs the server no requests) before the next post, and
//! prints runs per second, the p50/p99/max latency from sending the webhook
//! to the first step's start (as the run store records it, in ms), and the
//! server's peak RSS (`VmHWM`). It then checks that no run was lost or
//! duplicated: exactly one stored run per accepted webhook, all succeeded,
//! ten steps each. Under `cargo test` it posts 16.

use reqwest::StatusCode;
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The `wfc` of this build, or `$WFC_BENCH_BIN` to time another build of
/// it (say, one built with another profile) with the same client.
fn wfc() -> std::path::PathBuf {
    std::env::var_os("WFC_BENCH_BIN")
        .map(Into::into)
        .unwrap_or_else(|| env!("CARGO_BIN_EXE_wfc").into())
}
const IN_FLIGHT: usize = 8;
const STEPS: usize = 10;
/// How often a client asks whether its run ended.
const POLL_MS: u64 = 5;

fn workflow() -> String {
    let mut text =
        String::from("workflow load {\n  on webhook \"/load\"\n  param n: int = 0\n  sequence {\n");
    text.push_str("    step s1: shell { run \"echo ${n}\" }\n");
    for i in 2..=STEPS {
        text.push_str(&format!("    step s{i}: shell {{ run \"true\" }}\n"));
    }
    text.push_str("  }\n}\n");
    text
}

struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(dir: &std::path::Path) -> (Server, String) {
    std::fs::create_dir_all(dir.join("flows")).unwrap();
    std::fs::write(dir.join("flows/load.wf"), workflow()).unwrap();
    let state = dir.join("state");
    let out = Command::new(wfc())
        .args(["keys", "add", "bench", "--role", "operator", "--state-dir"])
        .arg(&state)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let key = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    let mut child = Command::new(wfc())
        .args(["serve", "--listen", "127.0.0.1:0", "--state-dir"])
        .arg(&state)
        .args(["--max-runs", &IN_FLIGHT.to_string()])
        .args(["--rate-limit", "1000000", "--rate-burst", "1000000"])
        .args(["--keep-runs", "0", "--keep-days", "0"])
        .arg(dir.join("flows"))
        .env_remove("RUST_LOG")
        .env("WFC_LOG_FORMAT", "text")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(at) = line.find("listening on http://") {
                let addr = line[at + "listening on ".len()..].split(' ').next();
                let _ = tx.send(addr.unwrap_or_default().to_owned());
            } else if line.contains("ERROR") {
                eprintln!("server: {line}");
            }
        }
    });
    let mut server = Server {
        child,
        base: String::new(),
    };
    server.base = rx
        .recv_timeout(Duration::from_secs(20))
        .expect("the server starts");
    (server, key)
}

/// One webhook's run: its id and when the webhook was sent (ms since the epoch).
struct Posted {
    id: String,
    sent_ms: f64,
    /// Until the 202 came back.
    answered: Duration,
}

async fn client(
    http: reqwest::Client,
    base: String,
    key: String,
    next: Arc<AtomicUsize>,
    total: usize,
    state: std::path::PathBuf,
) -> Vec<Posted> {
    let store = rusqlite::Connection::open_with_flags(
        state.join("runs.db"),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .expect("the server made its store");
    store.busy_timeout(Duration::from_secs(5)).unwrap();
    let mut posted = Vec::new();
    while next.fetch_add(1, Ordering::Relaxed) < total {
        let sent_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs_f64()
            * 1e3;
        let sent = Instant::now();
        let r = http
            .post(format!("{base}/hooks/load"))
            .bearer_auth(&key)
            .json(&serde_json::json!({ "n": posted.len() }))
            .send()
            .await
            .unwrap();
        let status = r.status();
        let body: Value = r.json().await.unwrap_or(Value::Null);
        let answered = sent.elapsed();
        assert_eq!(status, StatusCode::ACCEPTED, "{body}");
        let id = body["id"].as_str().expect("an id").to_owned();
        // The run's end, read from the store as `wfc status` would: asking
        // the API 8 × 50 times a second would load the server under test.
        loop {
            tokio::time::sleep(Duration::from_millis(POLL_MS)).await;
            let status: Option<String> = store
                .query_row("SELECT status FROM runs WHERE id = ?1", [&id], |r| r.get(0))
                .ok();
            match status.as_deref() {
                None | Some("running") => continue,
                Some(_) => break,
            }
        }
        posted.push(Posted {
            id,
            sent_ms,
            answered,
        });
    }
    posted
}

fn peak_rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let total = if full { 1_000 } else { 16 };
    let dir = tempfile::tempdir().unwrap();
    let (server, key) = start(dir.path());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let http = reqwest::Client::new();
    let next = Arc::new(AtomicUsize::new(0));
    let began = Instant::now();
    let posted: Vec<Posted> = runtime.block_on(async {
        let clients: Vec<_> = (0..IN_FLIGHT)
            .map(|_| {
                let (http, base, key, next) =
                    (http.clone(), server.base.clone(), key.clone(), next.clone());
                let state = dir.path().join("state");
                tokio::spawn(client(http, base, key, next, total, state))
            })
            .collect();
        let mut all = Vec::new();
        for c in clients {
            all.extend(c.await.unwrap());
        }
        all
    });
    let elapsed = began.elapsed();
    let rss = peak_rss_kib(server.child.id());
    drop(server);

    let store = rusqlite::Connection::open(dir.path().join("state/runs.db")).unwrap();
    let mut latencies = Vec::with_capacity(posted.len());
    for p in &posted {
        let (status, steps): (String, i64) = store
            .query_row(
                "SELECT status, (SELECT COUNT(*) FROM steps WHERE run_id = ?1
                   AND graph = 'main' AND status = 'succeeded') FROM runs WHERE id = ?1",
                [&p.id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap_or_else(|e| panic!("run {} is not in the store: {e}", p.id));
        assert_eq!(
            (status.as_str(), steps),
            ("succeeded", STEPS as i64),
            "{}",
            p.id
        );
        let first: i64 = store
            .query_row(
                "SELECT MIN(started_at) FROM attempts WHERE run_id = ?1 AND step = 's1'",
                [&p.id],
                |r| r.get(0),
            )
            .unwrap();
        latencies.push(first as f64 - p.sent_ms);
    }
    let stored: i64 = store
        .query_row("SELECT COUNT(*) FROM runs", [], |r| r.get(0))
        .unwrap();
    let mut ids: Vec<&str> = posted.iter().map(|p| p.id.as_str()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), total, "a webhook's run id came twice");
    assert_eq!(stored as usize, total, "runs stored ≠ webhooks accepted");
    latencies.sort_by(f64::total_cmp);
    let mut answers: Vec<f64> = posted
        .iter()
        .map(|p| p.answered.as_secs_f64() * 1e3)
        .collect();
    answers.sort_by(f64::total_cmp);
    println!(
        "{total} webhook runs of {STEPS} steps, {IN_FLIGHT} in flight: {:.1} runs/s \
         ({:.2} s); webhook → first step p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms; \
         202 answered p50 {:.1} ms, p99 {:.1} ms; server peak RSS {:.1} MiB; \
         lost 0, duplicated 0",
        total as f64 / elapsed.as_secs_f64(),
        elapsed.as_secs_f64(),
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.99),
        latencies.last().copied().unwrap_or(0.0),
        percentile(&answers, 0.5),
        percentile(&answers, 0.99),
        rss as f64 / 1024.0,
    );
}

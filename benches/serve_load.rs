//! `wfc serve` under load: runs of a 10-step workflow of trivial steps
//! started by webhooks and by the API's start, 8 clients at a time.
//!
//! `cargo bench --bench serve_load` starts the real server (the `wfc`
//! binary of this build, or `$WFC_BENCH_BIN`) on a loopback port, once per
//! way of starting, with `--max-runs 8`. Each of 8 clients posts a start,
//! waits for its run to end (read from the run store, so the waiting costs
//! the server no requests), then posts the next. Per way it prints runs per
//! second, the p50/p99/max latency from sending the request to the first
//! step's start (as the run store records it, in ms), how long the 202 took,
//! the server's own CPU per run (`utime + stime` of `/proc/PID/stat`, robust
//! to other load on the machine) and its steps' processes' CPU per run, the
//! server's peak RSS (`VmHWM`) after all the runs, and how many starts were
//! refused (anything but a 202: none may be, below `--max-runs`) and lost
//! (accepted, but not stored as a succeeded run of ten steps within a
//! minute). It then checks that no run was lost or duplicated.
//!
//! `--store postgres` (or `WFC_BENCH_STORE=postgres`; `both` for one and
//! the other in one run) gives the server a PostgreSQL run store, a new
//! database per way (`$WFC_BENCH_PG`, else a throwaway server that
//! `scripts/start-postgres` starts): it also prints the statements the
//! server ran per run (`pg_stat_statements`, BEGIN and COMMIT among them),
//! its write transactions per run (transaction ids: the commits that wait
//! for the disk) and the WAL flushes per run (`pg_stat_wal`).
//!
//! `--servers N` (with `--store postgres`) starts N servers on one
//! database, serving one folder, each with `--max-runs 8`; client `i`
//! posts to server `i mod N` (as a load balancer would spread them), so
//! the figures are of the servers together: CPU summed, RSS the largest.
//!
//! Knobs: `--runs N` (or `WFC_BENCH_RUNS=N`, default 1,000; 10,000 for the
//! RSS figure), `WFC_BENCH_START=webhook|api` for one way only,
//! `WFC_BENCH_BIN=PATH` to time another build with the same client,
//! `WFC_BENCH_KEEP_RUNS=N` for a server with retention on. Under
//! `cargo test` it posts 16 of each.

use reqwest::StatusCode;
use serde_json::Value;
use std::ffi::OsStr;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use wfc_store::{testing, Store};

#[path = "support/postgres.rs"]
mod postgres;
#[path = "support/server.rs"]
mod server;
use server::{wfc, Server};

const IN_FLIGHT: usize = 8;
const STEPS: usize = 10;
/// How often a client asks whether its run ended.
const POLL_MS: u64 = 5;
/// A run not ended this long after its start is lost.
const LOST_AFTER: Duration = Duration::from_secs(60);

/// How a client starts a run.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Way {
    Webhook,
    Api,
}

impl Way {
    fn name(self) -> &'static str {
        match self {
            Way::Webhook => "webhook",
            Way::Api => "API start",
        }
    }

    fn url(self, base: &str) -> String {
        match self {
            Way::Webhook => format!("{base}/hooks/load"),
            Way::Api => format!("{base}/api/v1/workflows/load/runs"),
        }
    }
}

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

/// Where the server keeps its runs.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Backend {
    Sqlite,
    Postgres,
}

/// A server in `dir/state` (its key, its store bound to `db`) serving
/// `dir/flows`, or `flows` when given (servers sharing one folder).
fn start(
    dir: &std::path::Path,
    db: Option<&postgres::Database>,
    flows: Option<&std::path::Path>,
) -> (Server, String) {
    std::fs::create_dir_all(dir.join("flows")).unwrap();
    std::fs::write(dir.join("flows/load.wf"), workflow()).unwrap();
    let state = dir.join("state");
    if let Some(db) = db {
        std::fs::create_dir_all(&state).unwrap();
        db.bind(&state);
    }
    let key = server::add_key(&wfc(), &state);
    let (jobs, keep) = (IN_FLIGHT.to_string(), keep_runs());
    let args = [
        "--max-runs",
        &jobs,
        "--rate-limit",
        "1000000",
        "--rate-burst",
        "1000000",
        "--keep-runs",
        &keep,
        "--keep-days",
        "0",
    ]
    .map(OsStr::new);
    let flows = flows.map_or_else(|| dir.join("flows"), std::path::Path::to_path_buf);
    let store = db.map(|d| ["--store", d.server.as_str()].map(OsStr::new));
    let args = [
        &args[..],
        store.as_ref().map_or(&[][..], |s| &s[..]),
        &[flows.as_os_str()],
    ]
    .concat();
    (server::serve(&wfc(), &state, &args), key)
}

/// `--keep-runs` of the server: `$WFC_BENCH_KEEP_RUNS`, else 0 (retention
/// off). A number above the runs posted measures retention's cost with
/// every run kept for the checks.
fn keep_runs() -> String {
    std::env::var("WFC_BENCH_KEEP_RUNS").unwrap_or_else(|_| "0".to_owned())
}

/// One accepted start's run: its id and when the request was sent (ms
/// since the epoch).
struct Posted {
    id: String,
    sent_ms: f64,
    /// Until the 202 came back.
    answered: Duration,
    /// Seen ended within [`LOST_AFTER`].
    ended: bool,
}

/// What one client saw.
#[derive(Default)]
struct Seen {
    posted: Vec<Posted>,
    /// Starts answered with anything but a 202, by status and detail.
    refused: Vec<String>,
}

struct Client {
    http: reqwest::Client,
    url: String,
    key: String,
    next: Arc<AtomicUsize>,
    total: usize,
    state: std::path::PathBuf,
}

async fn client(c: Client) -> Seen {
    // Current schema: opening it writes nothing (no migration).
    let store = Store::open(&c.state).expect("the server made its store");
    let mut seen = Seen::default();
    while c.next.fetch_add(1, Ordering::Relaxed) < c.total {
        let sent_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs_f64()
            * 1e3;
        let sent = Instant::now();
        let r = c
            .http
            .post(&c.url)
            .bearer_auth(&c.key)
            .json(&serde_json::json!({ "n": seen.posted.len() }))
            .send()
            .await;
        let (status, body) = match r {
            Ok(r) => (r.status(), r.json::<Value>().await.unwrap_or(Value::Null)),
            Err(e) => {
                seen.refused.push(format!("no answer: {e}"));
                continue;
            }
        };
        let answered = sent.elapsed();
        let id = body["id"]
            .as_str()
            .filter(|_| status == StatusCode::ACCEPTED);
        let Some(id) = id.map(str::to_owned) else {
            seen.refused.push(format!("{status}: {}", body["detail"]));
            continue;
        };
        // The run's end, read from the store as `wfc status` would: asking
        // the API 8 × 200 times a second would load the server under test.
        let mut ended = false;
        while sent.elapsed() < LOST_AFTER {
            tokio::time::sleep(Duration::from_millis(POLL_MS)).await;
            let sql = "SELECT status FROM runs WHERE id = $1";
            let status = testing::one(&store, sql, &[(&id).into()]).ok();
            if !matches!(
                status.as_ref().and_then(|s| s.text()),
                None | Some("running")
            ) {
                ended = true;
                break;
            }
        }
        seen.posted.push(Posted {
            id,
            sent_ms,
            answered,
            ended,
        });
    }
    seen
}

/// A process's CPU time so far: its own, and its waited-for children's.
fn cpu_of(pid: &str) -> (Duration, Duration) {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // After the command's `(…)`, fields 3… of proc(5): utime is the 14th.
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or_default();
    let field = |n: usize| -> u64 {
        rest.split_whitespace()
            .nth(n - 3)
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    let tick = |t: u64| Duration::from_secs_f64(t as f64 / clock_ticks());
    (tick(field(14) + field(15)), tick(field(16) + field(17)))
}

fn clock_ticks() -> f64 {
    static TICKS: std::sync::OnceLock<f64> = std::sync::OnceLock::new();
    *TICKS.get_or_init(|| {
        Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|o| String::from_utf8(o.stdout).ok()?.trim().parse().ok())
            .unwrap_or(100.0)
    })
}

fn status_kib(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

/// `total` runs started `way` on a fresh server; prints its figures and
/// returns how many were refused or lost.
fn measure(way: Way, total: usize, pg: Option<&postgres::Postgres>, n: usize) -> usize {
    let dir = tempfile::tempdir().unwrap();
    let db = pg.map(|pg| pg.database());
    let (server, key) = start(dir.path(), db.as_ref(), None);
    // The others serve the first's folder, each with a state folder (and
    // keys) of its own.
    let others: Vec<(tempfile::TempDir, Server, String)> = (1..n)
        .map(|_| {
            let d = tempfile::tempdir().unwrap();
            let (s, k) = start(d.path(), db.as_ref(), Some(&dir.path().join("flows")));
            (d, s, k)
        })
        .collect();
    let targets: Vec<(String, String)> = std::iter::once((server.base.clone(), key.clone()))
        .chain(others.iter().map(|(_, s, k)| (s.base.clone(), k.clone())))
        .collect();
    if let Some(db) = &db {
        db.reset();
    }
    let counts0 = db.as_ref().map(postgres::Database::counts);
    let pids: Vec<String> = std::iter::once(&server)
        .chain(others.iter().map(|(_, s, _)| s))
        .map(|s| s.child.id().to_string())
        .collect();
    let cpu_all = || {
        pids.iter()
            .map(|p| cpu_of(p))
            .fold((Duration::ZERO, Duration::ZERO), |(a, b), (c, d)| {
                (a + c, b + d)
            })
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let http = reqwest::Client::new();
    let next = Arc::new(AtomicUsize::new(0));
    let (cpu0, children0) = cpu_all();
    let (client0, _) = cpu_of("self");
    let began = Instant::now();
    let seen: Vec<Seen> = runtime.block_on(async {
        let clients: Vec<_> = (0..IN_FLIGHT)
            .map(|i| {
                let (base, key) = &targets[i % targets.len()];
                tokio::spawn(client(Client {
                    http: http.clone(),
                    url: way.url(base),
                    key: key.clone(),
                    next: next.clone(),
                    total,
                    state: dir.path().join("state"),
                }))
            })
            .collect();
        let mut all = Vec::new();
        for c in clients {
            all.push(c.await.unwrap());
        }
        all
    });
    let elapsed = began.elapsed();
    let (cpu1, children1) = cpu_all();
    let (client1, _) = cpu_of("self");
    let rss = std::iter::once(&server)
        .chain(others.iter().map(|(_, s, _)| s))
        .map(|s| status_kib(s.child.id(), "VmHWM:"))
        .max()
        .unwrap_or(0);
    drop(server);
    drop(others);
    // (A backend reports its WAL counters when its session ends.)
    let counts = db.as_ref().map(|db| {
        std::thread::sleep(Duration::from_millis(1500));
        (db.counts(), counts0.unwrap())
    });

    let refused: Vec<&String> = seen.iter().flat_map(|s| &s.refused).collect();
    let posted: Vec<&Posted> = seen.iter().flat_map(|s| &s.posted).collect();
    let store = Store::open(&dir.path().join("state")).unwrap();
    let mut latencies = Vec::with_capacity(posted.len());
    let mut lost = Vec::new();
    for p in &posted {
        let stored: Option<(String, i64)> = testing::row(
            &store,
            "SELECT status, (SELECT COUNT(*) FROM steps WHERE run_id = $1
               AND graph = 'main' AND status = 'succeeded') FROM runs WHERE id = $1",
            &[(&p.id).into()],
        )
        .ok()
        .flatten()
        .and_then(|r| Some((r[0].text()?.to_owned(), r[1].int()?)));
        let whole = matches!(&stored, Some((s, n)) if s == "succeeded" && *n == STEPS as i64);
        if !p.ended || !whole {
            lost.push(format!("{} ({stored:?})", p.id));
            continue;
        }
        let sql = "SELECT MIN(started_at) FROM attempts WHERE run_id = $1 AND step = 's1'";
        let first = testing::one(&store, sql, &[(&p.id).into()]).unwrap();
        let first = first.int().unwrap();
        latencies.push(first as f64 - p.sent_ms);
    }
    let stored = testing::one(&store, "SELECT COUNT(*) FROM runs", &[]).unwrap();
    let stored = stored.int().unwrap();
    let mut ids: Vec<&str> = posted.iter().map(|p| p.id.as_str()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), posted.len(), "a start's run id came twice");
    assert_eq!(
        stored as usize,
        posted.len(),
        "runs stored ≠ starts accepted"
    );
    latencies.sort_by(f64::total_cmp);
    let mut answers: Vec<f64> = posted
        .iter()
        .map(|p| p.answered.as_secs_f64() * 1e3)
        .collect();
    answers.sort_by(f64::total_cmp);
    let per_run = |d: Duration| d.as_secs_f64() * 1e3 / posted.len().max(1) as f64;
    let on = match (&db, n) {
        (None, _) => "SQLite".to_owned(),
        (Some(_), 1) => "PostgreSQL".to_owned(),
        (Some(_), n) => format!("PostgreSQL, {n} servers"),
    };
    println!(
        "{on}: {total} {} runs of {STEPS} steps, {IN_FLIGHT} in flight: {:.1} runs/s ({:.2} s); \
         start → first step p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms; \
         202 answered p50 {:.1} ms, p99 {:.1} ms; \
         server CPU {:.2} ms/run (its steps' processes {:.2} ms/run, this client {:.2} ms/run); \
         server peak RSS {:.1} MiB after {} runs; refused {}, lost {}, duplicated 0",
        way.name(),
        posted.len() as f64 / elapsed.as_secs_f64(),
        elapsed.as_secs_f64(),
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.99),
        latencies.last().copied().unwrap_or(f64::NAN),
        percentile(&answers, 0.5),
        percentile(&answers, 0.99),
        per_run(cpu1.saturating_sub(cpu0)),
        per_run(children1.saturating_sub(children0)),
        per_run(client1.saturating_sub(client0)),
        rss as f64 / 1024.0,
        posted.len(),
        refused.len(),
        lost.len(),
    );
    if let Some((after, before)) = counts {
        let per = |a: i64, b: i64| (a - b) as f64 / posted.len().max(1) as f64;
        println!(
            "  PostgreSQL per run: {:.1} statements ({:.1} of them BEGIN/COMMIT/ROLLBACK), \
             {:.2} write transactions, {:.2} WAL flushes",
            per(after.statements, before.statements),
            per(after.transaction, before.transaction),
            per(after.commits, before.commits),
            per(after.syncs, before.syncs),
        );
    }
    for r in refused.iter().take(5) {
        println!("  refused: {r}");
    }
    for l in lost.iter().take(5) {
        println!("  lost: {l}");
    }
    refused.len() + lost.len()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let full = args.iter().any(|a| a == "--bench");
    let runs = args
        .iter()
        .position(|a| a == "--runs")
        .and_then(|i| args.get(i + 1).cloned())
        .or_else(|| std::env::var("WFC_BENCH_RUNS").ok())
        .map(|n| n.parse::<usize>().expect("--runs N: a number"));
    let total = runs.unwrap_or(if full { 1_000 } else { 16 });
    let ways = match std::env::var("WFC_BENCH_START").as_deref() {
        Ok("webhook") => vec![Way::Webhook],
        Ok("api") => vec![Way::Api],
        Ok(other) if !other.is_empty() => panic!("WFC_BENCH_START={other}: webhook or api"),
        _ => vec![Way::Webhook, Way::Api],
    };
    let store = args
        .iter()
        .position(|a| a == "--store")
        .and_then(|i| args.get(i + 1).cloned())
        .or_else(|| std::env::var("WFC_BENCH_STORE").ok())
        .unwrap_or_else(|| "sqlite".into());
    let backends = match store.as_str() {
        "sqlite" => vec![Backend::Sqlite],
        "postgres" => vec![Backend::Postgres],
        "both" => vec![Backend::Sqlite, Backend::Postgres],
        other => panic!("--store {other}: sqlite, postgres or both"),
    };
    // `--servers N`: 1 to N servers on PostgreSQL, each in the same run.
    let servers = args
        .iter()
        .position(|a| a == "--servers")
        .and_then(|i| args.get(i + 1))
        .map_or(1, |n| n.parse::<usize>().expect("--servers N: a number"));
    assert!(
        servers == 1 || backends.contains(&Backend::Postgres),
        "--servers {servers}: several servers share a store in a database (--store postgres or both)"
    );
    let pg = backends
        .contains(&Backend::Postgres)
        .then(postgres::Postgres::start);
    let mut failed = 0;
    for way in ways {
        for &b in &backends {
            let pg = pg.as_ref().filter(|_| b == Backend::Postgres);
            let counts = if pg.is_some() { 1..=servers } else { 1..=1 };
            for n in counts {
                failed += measure(way, total, pg, n);
            }
        }
    }
    assert_eq!(failed, 0, "starts refused or runs lost");
}

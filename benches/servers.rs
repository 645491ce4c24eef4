//! Several `wfc serve` on one PostgreSQL store (issue 72): what failover
//! costs, what idle servers ask of the database, and whether runs bound
//! by their slots fill the servers' slots.
//!
//! `cargo bench --bench servers` prints three figures, each from real
//! servers on a real PostgreSQL 15 (`$WFC_BENCH_PG`, else one that
//! `scripts/start-postgres` starts; a database of its own per figure):
//!
//! - **Idle**: three servers with the default lease (`--heartbeat 2`,
//!   `--lease-ttl 10`), no run: the statements each runs per second
//!   (`pg_stat_statements`) over `WFC_BENCH_IDLE_SECS` (20).
//! - **Failover**: three servers with a fast lease (`--heartbeat 0.5`,
//!   `--lease-ttl 2.5`); `--kills N` times (20; 3 under `cargo test`) a
//!   run's step starts on one, which is then stopped, and the time until
//!   another server has started the step again is measured (p50, p99,
//!   max), its old self started anew for the next round. Two ways: `kill
//!   -9` (on one host a server sees the pid gone at its next sweep) and
//!   `SIGSTOP` (as a host that vanished: only the lease's TTL tells, by
//!   the database's clock); the budget is the TTL plus two seconds.
//! - **Slot-bound**: 1, 2 and 3 servers with `--max-runs 32` each, runs of
//!   one `sleep 2` step posted by 32 clients per server spread over them:
//!   runs per second against the slots' capacity (32 × N / 2 s), over
//!   `WFC_BENCH_SLOT_SECS` (12).
//!
//! - **A kill among many runs**: `--runs N` runs (10,000; 150 under
//!   `cargo test`) of a two-step workflow posted by 24 clients spread over
//!   three servers (`--max-runs 8` each, the fast lease); at half of them
//!   one server is killed with `kill -9` and its clients go to the others.
//!   Every accepted run must end once, succeeded; no run may start twice;
//!   a step may run twice only in a run the kill interrupted.
//!
//! Throughput of short runs with N servers is `serve_load --store
//! postgres --servers N`.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

#[path = "support/postgres.rs"]
mod postgres;
#[path = "support/server.rs"]
mod server;
use server::{wfc, Server};

/// A step that says its session, then sleeps: the run a server dies in.
const LONG: &str = r#"
workflow long {
  param dir: string
  step go: shell { run "echo $WFC_SESSION >> ${dir}/go; sleep 60" }
}
"#;

const NAP: &str = r#"
workflow nap {
  step doze: shell { run "sleep 2" }
}
"#;

/// The rate limit off (each server's clients share one key), and no run
/// pruned (the checks count them all).
const UNLIMITED: [&str; 8] = [
    "--rate-limit",
    "1000000",
    "--rate-burst",
    "1000000",
    "--keep-runs",
    "0",
    "--keep-days",
    "0",
];

/// One server of a figure: its folder (state, key) and process.
struct One {
    _dir: tempfile::TempDir,
    state: PathBuf,
    key: String,
    server: Server,
}

fn start(db: &postgres::Database, flows: &Path, flags: &[&str]) -> One {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    std::fs::create_dir_all(&state).unwrap();
    db.bind(&state);
    let key = server::add_key(&wfc(), &state);
    let server = serve(db, &state, flows, flags);
    One {
        _dir: dir,
        state,
        key,
        server,
    }
}

/// `wfc serve` on `state` (bound to `db`) serving `flows`, with `flags`.
fn serve(db: &postgres::Database, state: &Path, flows: &Path, flags: &[&str]) -> Server {
    let mut args: Vec<&OsStr> = vec![OsStr::new("--store"), OsStr::new(&db.server)];
    args.extend(UNLIMITED.iter().map(OsStr::new));
    args.extend(flags.iter().map(OsStr::new));
    args.push(flows.as_os_str());
    server::serve(&wfc(), state, &args)
}

/// Each server's base URL and key, for the clients.
fn targets(servers: &[One]) -> Vec<(String, String)> {
    (servers.iter())
        .map(|s| (s.server.base.clone(), s.key.clone()))
        .collect()
}

/// The clients' runtime: one thread, beside the servers' CPUs.
fn clients_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap()
}

fn flows(name: &str, text: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(name), text).unwrap();
    dir
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn idle(pg: &postgres::Postgres) {
    let secs: u64 = std::env::var("WFC_BENCH_IDLE_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20);
    let db = pg.database();
    let folder = flows("nap.wf", NAP);
    let servers: Vec<One> = (0..3).map(|_| start(&db, folder.path(), &[])).collect();
    // (Past the start's own statements.)
    std::thread::sleep(Duration::from_secs(3));
    db.reset();
    let before = db.counts();
    std::thread::sleep(Duration::from_secs(secs));
    let after = db.counts();
    let per = (after.statements - before.statements) as f64 / secs as f64 / servers.len() as f64;
    println!(
        "idle: 3 servers (--heartbeat 2, --lease-ttl 10), no run: {per:.2} statements/s each \
         over {secs} s (budget 5)"
    );
}

/// How a server is stopped in a failover round.
#[derive(Clone, Copy)]
enum Stop {
    Kill,
    Freeze,
}

fn failover(pg: &postgres::Postgres, kills: usize, how: Stop) -> Vec<f64> {
    let db = pg.database();
    let folder = flows("long.wf", LONG);
    let flags = [
        "--heartbeat",
        "0.5",
        "--lease-ttl",
        "2.5",
        "--resume-within",
        "3600",
    ];
    let mut servers: Vec<One> = (0..3).map(|_| start(&db, folder.path(), &flags)).collect();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let http = reqwest::Client::new();
    let post = |url: String, key: &str, body: serde_json::Value| {
        rt.block_on(async {
            let r = http.post(url).bearer_auth(key).json(&body).send().await;
            match r {
                Ok(r) => (r.status().as_u16(), r.json().await.unwrap_or_default()),
                Err(_) => (0, serde_json::Value::Null),
            }
        })
    };
    let mut taken = Vec::new();
    for round in 0..kills {
        let i = round % servers.len();
        let work = tempfile::tempdir().unwrap();
        let go = work.path().join("go");
        let url = format!("{}/api/v1/workflows/long/runs", servers[i].server.base);
        let (status, run) = post(
            url,
            &servers[i].key,
            serde_json::json!({ "dir": work.path() }),
        );
        assert_eq!(status, 202, "{run}");
        let id = run["id"].as_str().unwrap().to_owned();
        let seen = |n: usize| std::fs::read_to_string(&go).map_or(0, |t| t.lines().count()) >= n;
        let deadline = Instant::now() + Duration::from_secs(20);
        while !seen(1) {
            assert!(Instant::now() < deadline, "the step never started");
            std::thread::sleep(Duration::from_millis(5));
        }
        let pid = servers[i].server.child.id().to_string();
        let signal = match how {
            Stop::Kill => "-KILL",
            Stop::Freeze => "-STOP",
        };
        let stopped = Instant::now();
        Command::new("kill").args([signal, &pid]).status().unwrap();
        let deadline = stopped + Duration::from_secs(30);
        while !seen(2) {
            assert!(Instant::now() < deadline, "not taken over in 30 s");
            std::thread::sleep(Duration::from_millis(5));
        }
        taken.push(stopped.elapsed().as_secs_f64() * 1e3);
        // Its old self, anew (a frozen one is killed: it would find its
        // lease gone and rejoin, but its steps are the figure's noise).
        let state = servers[i].state.clone();
        let _ = Command::new("kill").args(["-KILL", &pid]).status();
        let _ = servers[i].server.child.wait();
        servers[i].server = serve(&db, &state, folder.path(), &flags);
        // The run goes on elsewhere: cancelled, to keep the slots free.
        let other = &servers[(i + 1) % servers.len()];
        let url = format!("{}/api/v1/runs/{id}/cancel", other.server.base);
        post(url, &other.key, serde_json::json!({}));
    }
    taken.sort_by(f64::total_cmp);
    taken
}

fn slot_bound(pg: &postgres::Postgres, n: usize, secs: u64) -> (f64, f64) {
    let db = pg.database();
    let folder = flows("nap.wf", NAP);
    let servers: Vec<One> = (0..n)
        .map(|_| start(&db, folder.path(), &["--max-runs", "32"]))
        .collect();
    let runtime = clients_runtime();
    let targets = targets(&servers);
    let http = reqwest::Client::new();
    let began = Instant::now();
    let until = began + Duration::from_secs(secs);
    let done: Vec<(usize, usize)> = runtime.block_on(async {
        let clients: Vec<_> = (0..32 * n)
            .map(|c| {
                let (base, key) = targets[c % n].clone();
                let http = http.clone();
                tokio::spawn(async move {
                    let (mut ended, mut refused) = (0, 0);
                    while Instant::now() < until {
                        let r = http
                            .post(format!("{base}/api/v1/workflows/nap/runs?wait=30s"))
                            .bearer_auth(&key)
                            .json(&serde_json::json!({}))
                            .send()
                            .await;
                        match r {
                            Ok(r) if r.status() == 200 => ended += 1,
                            Ok(r) if r.status() != 503 => {
                                let status = r.status();
                                panic!("a start failed: {status} {}", r.text().await.unwrap())
                            }
                            _ => {
                                refused += 1;
                                tokio::time::sleep(Duration::from_millis(50)).await;
                            }
                        }
                    }
                    (ended, refused)
                })
            })
            .collect();
        let mut all = Vec::new();
        for c in clients {
            all.push(c.await.unwrap());
        }
        all
    });
    let ended: usize = done.iter().map(|d| d.0).sum();
    let refused: usize = done.iter().map(|d| d.1).sum();
    // (Until the last run ended: a client's last post comes before `until`.)
    let rate = ended as f64 / began.elapsed().as_secs_f64();
    let capacity = 32.0 * n as f64 / 2.0;
    if refused > 0 {
        println!("  ({refused} starts refused: --max-runs full)");
    }
    drop(servers);
    (rate, capacity)
}

/// Two steps, each leaving a line with the run's id and its session.
const PAIR: &str = r#"
workflow pair {
  param dir: string
  step a: shell { run "echo $WFC_RUN_ID $WFC_SESSION >> ${dir}/a" }
  step b: shell {
    run "echo $WFC_RUN_ID $WFC_SESSION >> ${dir}/b"
    depends on a
  }
}
"#;

fn many(pg: &postgres::Postgres, total: usize) {
    let db = pg.database();
    let folder = flows("pair.wf", PAIR);
    let work = tempfile::tempdir().unwrap();
    let flags = [
        "--heartbeat",
        "0.5",
        "--lease-ttl",
        "2.5",
        "--max-runs",
        "8",
    ];
    let mut servers: Vec<One> = (0..3).map(|_| start(&db, folder.path(), &flags)).collect();
    let targets = targets(&servers);
    let runtime = clients_runtime();
    let next = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let dead = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let http = reqwest::Client::new();
    let dir = work.path().display().to_string();
    let began = Instant::now();
    let killed_pid = servers[0].server.child.id().to_string();
    // Accepted ids, and starts cut off before their answer (stored or not).
    let (ids, unanswered): (Vec<String>, usize) = runtime.block_on(async {
        let clients: Vec<_> = (0..24)
            .map(|c| {
                let (targets, next, dead, http, dir) = (
                    targets.clone(),
                    next.clone(),
                    dead.clone(),
                    http.clone(),
                    dir.clone(),
                );
                let pid = killed_pid.clone();
                tokio::spawn(async move {
                    let mut ids = Vec::new();
                    let mut unanswered = 0;
                    let ordinal = std::sync::atomic::Ordering::Relaxed;
                    loop {
                        let n = next.fetch_add(1, ordinal);
                        if n >= total {
                            return (ids, unanswered);
                        }
                        if n == total / 2 && !dead.swap(true, ordinal) {
                            let _ = Command::new("kill").args(["-KILL", &pid]).status();
                        }
                        // Clients of the killed server go to the others.
                        let t = if dead.load(ordinal) && c % 3 == 0 {
                            1 + c % 2
                        } else {
                            c % 3
                        };
                        let (base, key) = &targets[t];
                        let body = serde_json::json!({ "dir": dir });
                        let url = format!("{base}/api/v1/workflows/pair/runs");
                        loop {
                            let r = http.post(&url).bearer_auth(key).json(&body).send().await;
                            match r {
                                Ok(r) if r.status() == 202 => {
                                    let v: serde_json::Value = r.json().await.unwrap();
                                    ids.push(v["id"].as_str().unwrap().to_owned());
                                    break;
                                }
                                // Full (--max-runs): again.
                                Ok(r) if r.status() == 503 => {
                                    tokio::time::sleep(Duration::from_millis(5)).await
                                }
                                // Killed mid-answer: the run may have been
                                // recorded (and then runs to its end) or not.
                                Err(_) => {
                                    unanswered += 1;
                                    break;
                                }
                                Ok(r) => panic!("a start refused: {}", r.status()),
                            }
                        }
                    }
                })
            })
            .collect();
        let (mut all, mut cut) = (Vec::new(), 0);
        for c in clients {
            let (ids, unanswered) = c.await.unwrap();
            all.extend(ids);
            cut += unanswered;
        }
        (all, cut)
    });
    let _ = servers[0].server.child.wait();
    // Every accepted run ends (the killed server's through a takeover).
    let state = servers[1].state.clone();
    let store = wfc_store::Store::open(&state).unwrap();
    let one = |sql: &str| {
        wfc_store::testing::one(&store, sql, &[])
            .unwrap()
            .int()
            .unwrap()
    };
    let deadline = Instant::now() + Duration::from_secs(120);
    while one("SELECT COUNT(*) FROM runs WHERE status IN ('running', 'interrupted')") > 0 {
        assert!(Instant::now() < deadline, "runs never ended");
        std::thread::sleep(Duration::from_millis(200));
    }
    let elapsed = began.elapsed().as_secs_f64();
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), ids.len(), "a run id came twice");
    let ids_of = |sql: &str| -> std::collections::BTreeSet<String> {
        wfc_store::testing::rows(&store, sql, &[])
            .unwrap()
            .iter()
            .map(|r| r[0].text().unwrap().to_owned())
            .collect()
    };
    let stored_ids = ids_of("SELECT id FROM runs");
    let stored = stored_ids.len();
    let lost = ids.iter().filter(|id| !stored_ids.contains(*id)).count();
    let succeeded = one("SELECT COUNT(*) FROM runs WHERE status = 'succeeded'") as usize;
    let ends = one("SELECT COUNT(*) FROM events WHERE kind = 'run_ended'") as usize;
    let resumed = one("SELECT COUNT(*) FROM runs WHERE session > 1") as usize;
    // Each step's lines: once per run, twice only in a resumed run.
    let lines = |step: &str| -> std::collections::BTreeMap<String, Vec<String>> {
        let text = std::fs::read_to_string(work.path().join(step)).unwrap_or_default();
        let mut by: std::collections::BTreeMap<String, Vec<String>> = Default::default();
        for l in text.lines() {
            let (id, session) = l.split_once(' ').unwrap();
            by.entry(id.to_owned())
                .or_default()
                .push(session.to_owned());
        }
        by
    };
    let resumed_ids = ids_of("SELECT id FROM runs WHERE session > 1");
    let mut twice = 0;
    for step in ["a", "b"] {
        for (id, sessions) in lines(step) {
            if sessions.len() > 1 {
                assert!(
                    resumed_ids.contains(&id),
                    "{step} of {id} ran twice: {sessions:?}"
                );
                twice += 1;
            }
        }
    }
    drop(servers.remove(0));
    println!(
        "a kill among {total} runs (3 servers, one killed with kill -9 at half): {} accepted, \
         {unanswered} cut off before their answer, {stored} stored, {succeeded} succeeded, \
         {ends} ends recorded, {resumed} resumed, {twice} step(s) run twice (all in resumed \
         runs), {lost} lost, 0 started twice; {:.1} s",
        ids.len(),
        elapsed
    );
    assert_eq!(lost, 0, "an accepted start was never stored");
    // A start cut off mid-answer may be stored; nothing else is.
    assert!(
        stored <= ids.len() + unanswered,
        "{stored} runs stored for {} accepted and {unanswered} unanswered starts",
        ids.len()
    );
    assert_eq!(succeeded, stored, "a stored run did not succeed");
    assert_eq!(ends, stored, "a run's end was recorded twice or not at all");
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let full = args.iter().any(|a| a == "--bench");
    let kills = args
        .iter()
        .position(|a| a == "--kills")
        .and_then(|i| args.get(i + 1))
        .map_or(if full { 20 } else { 3 }, |n| n.parse().expect("--kills N"));
    let pg = postgres::Postgres::start();
    let runs = args
        .iter()
        .position(|a| a == "--runs")
        .and_then(|i| args.get(i + 1))
        .map_or(if full { 10_000 } else { 150 }, |n| {
            n.parse().expect("--runs N")
        });
    // `--only many|idle|failover|slots`: one part, when working on it.
    let only = args
        .iter()
        .position(|a| a == "--only")
        .and_then(|i| args.get(i + 1));
    let part = |name: &str| only.is_none_or(|o| o == name);
    if part("many") {
        many(&pg, runs);
    }
    if part("idle") {
        idle(&pg);
    }
    for (how, name) in [(Stop::Kill, "kill -9"), (Stop::Freeze, "SIGSTOP")] {
        if !part("failover") {
            break;
        }
        let t = failover(&pg, kills, how);
        println!(
            "failover ({name}, --heartbeat 0.5 --lease-ttl 2.5, {} rounds): the step started \
             again after p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms (budget TTL + 2 s = 4,500 ms)",
            t.len(),
            percentile(&t, 0.5),
            percentile(&t, 0.99),
            t.last().copied().unwrap_or(f64::NAN),
        );
    }
    let secs: u64 = std::env::var("WFC_BENCH_SLOT_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(if full { 12 } else { 4 });
    for n in 1..=3 {
        if !part("slots") {
            break;
        }
        let (rate, capacity) = slot_bound(&pg, n, secs);
        println!(
            "slot-bound: {n} server(s), --max-runs 32 each, runs of one `sleep 2`: {rate:.1} runs/s \
             of {capacity:.0} ({:.0}% of the slots)",
            rate / capacity * 100.0
        );
    }
}

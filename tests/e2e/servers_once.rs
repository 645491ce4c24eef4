//! Triggers across several `wfc serve` on one PostgreSQL store (issue 72),
//! through three real servers serving one folder: a schedule's slot fires
//! once, whichever servers are alive or how far off their clocks are; a
//! signed delivery sent to every server at once starts one run, the others
//! answer it as a replay; a cancel or an approval sent to a server that
//! does not run the run reaches it within a second.

use super::serve::{get, post, Server};
use super::serve_hooks::{hook, sign};
use super::servers::{database, FAST};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::path::Path;
use std::time::{Duration, Instant};
use wfc_testkit::{in_ci, skip};

const TICK: &str = r#"
workflow tick {
  on schedule "* * * * * *"
  step t: shell { run "true" }
}
"#;

const SECRET: &str = "hook-s3cret-2718";

const DEPLOY: &str = r#"
workflow deploy {
  on webhook "/deploy" { secret hook_key }
  secret hook_key: string = "hook-s3cret-2718"
  step ship: shell { run "true" }
}
"#;

const HOLD: &str = r#"
workflow hold {
  step wait: shell { run "sleep 30" }
}
"#;

const GATED: &str = r#"
workflow gated {
  step ok: gate { approval "ops" }
  step after: shell {
    run "true"
    depends on ok
  }
}
"#;

/// A server on `url` serving `flows` (one deployment: one path).
fn serving(flows: &Path, url: &str, env: &[(&str, &str)]) -> Server {
    let mut all = vec![("WFC_STORE", url)];
    all.extend_from_slice(env);
    Server::start_serving(tempfile::tempdir().unwrap(), &[], Some(flows), &FAST, &all)
}

/// A folder holding `files`.
fn flows(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

/// The slots (as logged, `YYYY-MM-DD HH:MM:SS`) a server's log says it fired.
fn fired(log: &str) -> Vec<String> {
    log.lines()
        .filter(|l| l.contains("schedule fired"))
        .filter_map(|l| {
            let at = l.find("slot=")? + 5;
            l.get(at..at + 19).map(str::to_owned)
        })
        .collect()
}

/// Seconds since the epoch of a logged slot.
fn epoch(slot: &str) -> i64 {
    chrono::NaiveDateTime::parse_from_str(slot, "%Y-%m-%d %H:%M:%S")
        .unwrap_or_else(|e| panic!("{slot}: {e}"))
        .and_utc()
        .timestamp()
}

#[tokio::test(flavor = "multi_thread")]
async fn each_slot_fires_once_across_servers_one_killed_one_skewed() {
    let Some(pg) = database() else { return };
    let lib = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1";
    if !Path::new(lib).exists() {
        return skip("faketime is not installed (apt-get install faketime)");
    }
    let folder = flows(&[("tick.wf", TICK)]);
    let a = serving(folder.path(), &pg.url, &[]);
    let mut b = serving(folder.path(), &pg.url, &[]);
    let skewed = [
        ("LD_PRELOAD", lib),
        ("FAKETIME", "+120s"),
        ("FAKETIME_DONT_FAKE_MONOTONIC", "1"),
    ];
    let c = serving(folder.path(), &pg.url, &skewed);
    // Five minutes under CI (once: not again in the PostgreSQL pass), as
    // issue 72 asks; a few seconds on a developer's machine.
    let secs = std::env::var("WFC_TEST_SCHEDULE_SECS")
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
        .unwrap_or(if in_ci() && std::env::var_os("WFC_TEST_STORE").is_none() {
            300
        } else {
            7
        });
    tokio::time::sleep(Duration::from_secs(secs * 2 / 5)).await;
    // kill -9 of one: the others go on firing every slot.
    b.child.kill().unwrap();
    b.child.wait().unwrap();
    tokio::time::sleep(Duration::from_secs(secs - secs * 2 / 5)).await;
    let now = chrono::Utc::now().timestamp();
    let by: Vec<Vec<String>> = [&a, &b, &c]
        .iter()
        .map(|s| fired(&s.log.lock().unwrap()))
        .collect();
    let all: Vec<i64> = by.iter().flatten().map(|s| epoch(s)).collect();
    let once: BTreeSet<i64> = all.iter().copied().collect();
    assert_eq!(once.len(), all.len(), "a slot fired twice: {by:?}");
    assert!(all.len() as u64 >= secs - 2, "too few slots: {by:?}");
    // None early: the skewed server fires by the database's clock.
    assert!(
        once.iter().all(|s| *s <= now),
        "a slot fired before its time: {by:?}"
    );
    // None missed between the first and the last.
    let (first, last) = (*once.first().unwrap(), *once.last().unwrap());
    assert_eq!(
        once.len() as i64,
        last - first + 1,
        "a slot was missed: {by:?}"
    );
    // Each slot's run is in the store once.
    let http = reqwest::Client::new();
    let (_, runs) = get(&http, &a.url("/runs?workflow=tick&limit=500"), &a.reader).await;
    let recorded = runs["runs"].as_array().map_or(0, Vec::len);
    // (Slots that fired after the logs were read add runs, never fewer.)
    assert!(recorded >= all.len(), "{recorded} runs for {by:?}");
    assert!(recorded <= all.len() + 3, "{recorded} runs for {by:?}");
}

/// A run every 2 s that takes 3: every other slot meets the previous run.
const SLOW: &str = r#"
workflow slow {
  on schedule "*/2 * * * * *" { overlap skip }
  step s: shell { run "sleep 3" }
}
"#;

#[tokio::test(flavor = "multi_thread")]
async fn overlap_meets_the_previous_run_whichever_server_runs_it() {
    let Some(pg) = database() else { return };
    let folder = flows(&[("slow.wf", SLOW)]);
    let servers: Vec<Server> = (0..3)
        .map(|_| serving(folder.path(), &pg.url, &[]))
        .collect();
    tokio::time::sleep(Duration::from_secs(13)).await;
    let dir = tempfile::tempdir().unwrap();
    super::bind_store(&pg.url, dir.path());
    let store = wfc_store::Store::open(dir.path()).unwrap();
    let runs = wfc_store::testing::rows(
        &store,
        "SELECT started_at, COALESCE(ended_at, $1) FROM runs WHERE workflow = 'slow'
          ORDER BY started_at",
        &[wfc_store::now_ms().into()],
    )
    .unwrap();
    let spans: Vec<(i64, i64)> = runs
        .iter()
        .map(|r| (r[0].int().unwrap(), r[1].int().unwrap()))
        .collect();
    let logs: Vec<String> = servers
        .iter()
        .map(|s| s.log.lock().unwrap().clone())
        .collect();
    assert!(spans.len() >= 3, "{spans:?}");
    for w in spans.windows(2) {
        assert!(w[1].0 >= w[0].1, "two runs overlapped: {spans:?}");
    }
    let skipped = logs
        .iter()
        .map(|l| l.matches("overlap skip").count())
        .sum::<usize>();
    assert!(skipped >= 2, "no slot was passed over");
}

#[tokio::test(flavor = "multi_thread")]
async fn one_delivery_sent_to_every_server_starts_one_run() {
    let Some(pg) = database() else { return };
    let folder = flows(&[("deploy.wf", DEPLOY)]);
    let servers: Vec<Server> = (0..3)
        .map(|_| serving(folder.path(), &pg.url, &[]))
        .collect();
    let body = json!({"ref": "main"}).to_string();
    let sig = sign(SECRET, &body);
    let headers = [
        ("X-Hub-Signature-256", sig.as_str()),
        ("X-GitHub-Delivery", "d-72"),
    ];
    let answers =
        futures::future::join_all(servers.iter().map(|s| hook(s, "/deploy", &body, &headers)))
            .await;
    let mut ids = BTreeSet::new();
    let mut replays = 0;
    for (status, _, answer) in &answers {
        assert_eq!(*status, StatusCode::ACCEPTED, "{answers:?}");
        ids.insert(answer["id"].as_str().unwrap().to_owned());
        replays += usize::from(answer["replay"] == true);
    }
    assert_eq!(ids.len(), 1, "one run: {answers:?}");
    assert_eq!(replays, 2, "two replays: {answers:?}");
    let http = reqwest::Client::new();
    let s = &servers[0];
    let (_, runs) = get(&http, &s.url("/runs?workflow=deploy"), &s.reader).await;
    assert_eq!(runs["runs"].as_array().map(Vec::len), Some(1), "{runs}");
}

/// Polls run `id` on `server` until `done` holds of it, for at most `max`.
async fn until(server: &Server, id: &str, max: Duration, done: impl Fn(&Value) -> bool) -> Value {
    let http = reqwest::Client::new();
    let deadline = Instant::now() + max;
    loop {
        let (_, d) = get(&http, &server.url(&format!("/runs/{id}")), &server.reader).await;
        if done(&d) {
            return d;
        }
        assert!(Instant::now() < deadline, "not within {max:?}: {d}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cancel_or_an_approval_sent_to_another_server_reaches_the_run() {
    let Some(pg) = database() else { return };
    let folder = flows(&[("hold.wf", HOLD), ("gated.wf", GATED)]);
    let a = serving(folder.path(), &pg.url, &[]);
    let b = serving(folder.path(), &pg.url, &[]);
    let http = reqwest::Client::new();
    let start = async |wf: &str| {
        let (status, run) = post(
            &http,
            &a.url(&format!("/workflows/{wf}/runs")),
            &a.operator,
            json!({}),
        )
        .await;
        assert_eq!(status, StatusCode::ACCEPTED, "{run}");
        run["id"].as_str().unwrap().to_owned()
    };
    let held = start("hold").await;
    let gated = start("gated").await;
    until(&b, &held, Duration::from_secs(10), |d| {
        d["step_list"][0]["status"] == "running"
    })
    .await;
    // Through b, which does not run it: a cancels it within a second.
    let asked = Instant::now();
    let (status, body) = post(
        &http,
        &b.url(&format!("/runs/{held}/cancel")),
        &b.operator,
        json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    until(&b, &held, Duration::from_secs(1), |d| {
        d["status"] == "cancelled"
    })
    .await;
    let cancel = asked.elapsed();

    until(&b, &gated, Duration::from_secs(10), |d| {
        d["step_list"][0]["status"] == "waiting"
    })
    .await;
    let asked = Instant::now();
    let (status, body) = post(
        &http,
        &b.url(&format!("/runs/{gated}/gates/ok/approve")),
        &b.operator,
        json!({"comment": "fine"}),
    )
    .await;
    assert!(status.is_success(), "{body}");
    // (A waiting run may have parked: then b's decision wakes it, on any
    // server; either way it goes on within a second.)
    until(&b, &gated, Duration::from_secs(1), |d| {
        d["step_list"].as_array().is_some_and(|s| {
            s.iter()
                .any(|s| s["name"] == "ok" && s["status"] == "succeeded")
        })
    })
    .await;
    eprintln!(
        "cancel reached in {:.0} ms, approval in {:.0} ms",
        cancel.as_secs_f64() * 1e3,
        asked.elapsed().as_secs_f64() * 1e3
    );
}

const LOCKED: &str = r#"
workflow locked {
  param dir: string
  param tag: string
  lock "deploy"
  step work: shell {
    run "s=$(date +%s%N); sleep 0.5; echo ${tag} $s $(date +%s%N) >> ${dir}/spans.txt"
  }
}
"#;

#[tokio::test(flavor = "multi_thread")]
async fn a_lock_key_is_held_by_one_run_across_servers() {
    let Some(pg) = database() else { return };
    let folder = flows(&[("locked.wf", LOCKED)]);
    let servers: Vec<Server> = (0..3)
        .map(|_| serving(folder.path(), &pg.url, &[]))
        .collect();
    let work = tempfile::tempdir().unwrap();
    let dir = work.path().display().to_string();
    let http = reqwest::Client::new();
    // Two runs on each server, all at once.
    let starts = servers.iter().enumerate().flat_map(|(i, s)| {
        let (http, dir) = (http.clone(), dir.clone());
        (0..2).map(move |j| {
            let (http, dir) = (http.clone(), dir.clone());
            async move {
                let url = s.url("/workflows/locked/runs");
                let tag = format!("s{i}r{j}");
                post(&http, &url, &s.operator, json!({"dir": dir, "tag": tag})).await
            }
        })
    });
    for (status, run) in futures::future::join_all(starts).await {
        assert_eq!(status, StatusCode::ACCEPTED, "{run}");
    }
    let spans = work.path().join("spans.txt");
    let deadline = Instant::now() + Duration::from_secs(30);
    let text = loop {
        let text = std::fs::read_to_string(&spans).unwrap_or_default();
        if text.lines().count() == 6 {
            break text;
        }
        assert!(Instant::now() < deadline, "not all ran: {text}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    // From the recorded times: no two holders overlap.
    let mut held: Vec<(u128, u128)> = text
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (f[1].parse().unwrap(), f[2].parse().unwrap())
        })
        .collect();
    held.sort_unstable();
    for w in held.windows(2) {
        assert!(w[0].1 <= w[1].0, "two runs held the lock at once:\n{text}");
    }
}

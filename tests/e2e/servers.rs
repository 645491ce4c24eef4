//! Several `wfc serve` on one PostgreSQL store (issue 72), through real
//! servers and a real PostgreSQL 15: each joins the store's servers and
//! renews its lease; a server killed with `kill -9` is seen expired within
//! the TTL by the database's clock, one that stops gives its lease up at
//! once, and one whose clock is two minutes off (faketime) is judged as
//! the others are. A run whose server dies is taken over by another
//! within the TTL and a heartbeat: its succeeded steps restored, the step
//! that was running run again, its end recorded once.

use super::serve::{get, post, Server};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::time::{Duration, Instant};
use wfc_testkit::{postgres, skip, Postgres};

const NAP: &str = r#"
workflow nap {
  param nap: int = 0
  step doze: shell { run "sleep ${nap}" }
}
"#;

/// Fast leases: renewed every 0.2 s, expired after 1 s.
pub(super) const FAST: [&str; 4] = ["--heartbeat", "0.2", "--lease-ttl", "1"];

pub(super) fn database() -> Option<Postgres> {
    match postgres() {
        Ok(pg) => Some(pg),
        Err(why) => {
            skip(&format!("PostgreSQL cannot start here: {why}"));
            None
        }
    }
}

/// A server on the database `url`, in a folder of its own; `env` more.
fn server_on(url: &str, env: &[(&str, &str)]) -> Server {
    let mut all = vec![("WFC_STORE", url)];
    all.extend_from_slice(env);
    Server::start_with_env(
        tempfile::tempdir().unwrap(),
        &[("nap.wf", NAP)],
        &FAST,
        &all,
    )
}

/// `GET /api/v1/servers` of `server`.
pub(super) async fn servers(server: &Server) -> Value {
    let http = reqwest::Client::new();
    let (status, body) = get(&http, &server.url("/servers"), &server.reader).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

/// The state of the server listening at `listen`, as `of` lists them.
pub(super) fn state_of(list: &Value, listen: &str) -> Option<String> {
    list["servers"]
        .as_array()?
        .iter()
        .find(|s| s["listen"] == listen)
        .map(|s| s["state"].as_str().unwrap_or("").to_owned())
}

pub(super) fn listen(server: &Server) -> String {
    server.base.trim_start_matches("http://").to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn servers_see_each_other_and_a_killed_one_expires_by_the_database_clock() {
    let Some(pg) = database() else { return };
    let a = server_on(&pg.url, &[]);
    let mut b = server_on(&pg.url, &[]);
    let seen = servers(&a).await;
    assert_eq!(seen["ttl_ms"], 1000, "{seen}");
    assert_eq!(
        state_of(&seen, &listen(&a)).as_deref(),
        Some("alive"),
        "{seen}"
    );
    assert_eq!(
        state_of(&seen, &listen(&b)).as_deref(),
        Some("alive"),
        "{seen}"
    );
    let ids: Vec<&str> = seen["servers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&seen["this"].as_str().unwrap()), "{seen}");
    let epochs: Vec<i64> = seen["servers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["epoch"].as_i64().unwrap())
        .collect();
    assert_eq!(epochs, [2, 1], "newest first, one epoch each: {seen}");

    // A run b started is b's: its session names b as its owner.
    let http = reqwest::Client::new();
    let (status, run) = post(
        &http,
        &b.url("/workflows/nap/runs"),
        &b.operator,
        json!({"nap": 30}),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{run}");
    let runs_of = |seen: &Value, who: &str| {
        seen["servers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["listen"] == who)
            .map(|s| s["runs"].as_i64().unwrap())
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let seen = servers(&a).await;
        if runs_of(&seen, &listen(&b)) == Some(1) {
            assert_eq!(runs_of(&seen, &listen(&a)), Some(0), "{seen}");
            break;
        }
        assert!(Instant::now() < deadline, "b's run never counted: {seen}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // Stopped (SIGSTOP: its process there, as a hung or cut-off server's
    // is): no renewal; its lease expires after the TTL, by the database's
    // clock, and the survivor's sweep marks it dead.
    let id = run["id"].as_str().unwrap().to_owned();
    let stopped = Instant::now();
    b.signal(nix::sys::signal::Signal::SIGSTOP);
    let deadline = stopped + Duration::from_secs(10);
    loop {
        let seen = servers(&a).await;
        if state_of(&seen, &listen(&b)).as_deref() == Some("dead") {
            break;
        }
        assert!(Instant::now() < deadline, "never expired: {seen}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        stopped.elapsed() >= Duration::from_millis(700),
        "before its TTL"
    );
    // Its run was taken from it (left interrupted here: a serves another
    // file of that name, so it does not resume it).
    let (_, d) = get(&http, &a.url(&format!("/runs/{id}")), &a.reader).await;
    assert_eq!(d["status"], "interrupted", "{d}");
    // The survivor still holds its own, and says so.
    let ready = http.get(format!("{}/readyz", a.base)).send().await.unwrap();
    assert_eq!(ready.status(), StatusCode::OK);
    let metrics = http
        .get(format!("{}/metrics", a.base))
        .send()
        .await
        .unwrap();
    let metrics = metrics.text().await.unwrap();
    assert!(
        metrics.lines().any(|l| l == "wfc_lease_held 1"),
        "{metrics}"
    );
    assert!(
        metrics
            .lines()
            .any(|l| l.starts_with("wfc_resume_queue_depth ")),
        "{metrics}"
    );
    let age = metrics
        .lines()
        .find_map(|l| l.strip_prefix("wfc_lease_age_seconds "))
        .and_then(|v| v.parse::<f64>().ok())
        .unwrap_or_else(|| panic!("no lease age:\n{metrics}"));
    // (An exposition answers scrapes for 2 s.)
    assert!(age < 3.0, "{age}");
    assert_eq!(
        state_of(&servers(&a).await, &listen(&a)).as_deref(),
        Some("alive")
    );

    // Woken, b finds its lease gone: it joins again as a new server, and
    // stops the run it had without recording anything more of it.
    b.signal(nix::sys::signal::Signal::SIGCONT);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let seen = servers(&a).await;
        let again = seen["servers"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["listen"] == listen(&b) && s["state"] == "alive" && s["epoch"] == 3);
        if again {
            break;
        }
        assert!(Instant::now() < deadline, "never joined again: {seen}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (_, d) = get(&http, &a.url(&format!("/runs/{id}")), &a.reader).await;
    assert_eq!(d["status"], "interrupted", "no end from the old lease: {d}");
    assert_eq!(d["sessions"], 1, "{d}");
    let said = b.log.lock().unwrap().clone();
    assert!(said.contains("lost its lease"), "{said}");
    assert!(
        said.contains(&format!("run ended run={id} status=\"cancelled\"")),
        "b stopped the run's steps: {said}"
    );
    // kill -9: on this host its process is seen gone at the next sweep.
    b.child.kill().unwrap();
    b.child.wait().unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    while state_of(&servers(&a).await, &listen(&b)).as_deref() != Some("dead") {
        assert!(
            Instant::now() < deadline,
            "the killed server never marked dead"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // `wfc servers` reads the same rows from the database.
    let out = a
        .wfc()
        .args([
            "servers",
            "--lease-ttl",
            "1",
            "--format",
            "json",
            "--state-dir",
        ])
        .arg(a.path("state"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let rows: Value = serde_json::from_slice(&out.stdout).unwrap();
    let states: Vec<(i64, &str)> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["epoch"].as_i64().unwrap(), r["state"].as_str().unwrap()))
        .collect();
    assert_eq!(states, [(3, "dead"), (2, "dead"), (1, "alive")], "{rows}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_server_that_stops_gives_its_lease_up_at_once() {
    let Some(pg) = database() else { return };
    let a = server_on(&pg.url, &[]);
    let b = server_on(&pg.url, &[]);
    let gone = listen(&b);
    b.signal(nix::sys::signal::Signal::SIGTERM);
    let mut b = b;
    b.child.wait().unwrap();
    assert_eq!(state_of(&servers(&a).await, &gone).as_deref(), Some("left"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_server_whose_clock_is_two_minutes_off_is_judged_as_the_others() {
    let Some(pg) = database() else { return };
    let lib = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1";
    if !std::path::Path::new(lib).exists() {
        return skip("faketime is not installed (apt-get install faketime)");
    }
    let a = server_on(&pg.url, &[]);
    let skewed = [
        ("LD_PRELOAD", lib),
        ("FAKETIME", "+120s"),
        ("FAKETIME_DONT_FAKE_MONOTONIC", "1"),
    ];
    let b = server_on(&pg.url, &skewed);
    // Its clock is off: the run it starts says so.
    let http = reqwest::Client::new();
    let url = b.url("/workflows/nap/runs?wait=10s");
    let (status, run) = post(&http, &url, &b.operator, json!({})).await;
    assert!(status.is_success(), "{run}");
    let (_, detail) = get(
        &http,
        &b.url(&format!("/runs/{}", run["id"].as_str().unwrap())),
        &b.reader,
    )
    .await;
    let started = chrono_ms(detail["started_at"].as_str().unwrap());
    let off = started - wfc_store::now_ms();
    assert!(
        (100_000..140_000).contains(&off),
        "not skewed: {off} ms ({detail})"
    );
    // Over several TTLs, each sees both alive, by the database's clock.
    for _ in 0..10 {
        for s in [&a, &b] {
            let seen = servers(s).await;
            for other in [&a, &b] {
                assert_eq!(
                    state_of(&seen, &listen(other)).as_deref(),
                    Some("alive"),
                    "{seen}"
                );
            }
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

/// Milliseconds since the epoch of an RFC 3339 time.
fn chrono_ms(text: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(text)
        .unwrap_or_else(|e| panic!("{text}: {e}"))
        .timestamp_millis()
}

/// A first step, then a long one: the run a server dies in the middle of.
pub(super) const RELAY: &str = r#"
workflow relay {
  param dir: string
  step first: shell { run "echo once >> ${dir}/first" }
  step long: shell {
    run "echo go $WFC_SESSION $WFC_ATTEMPT >> ${dir}/long; sleep 3"
    depends on first
  }
}
"#;

/// Starts `relay` on `server`, its files in `work`, and waits (at most
/// 10 s) for its long step to start: the run's id.
pub(super) async fn relay_until_long(server: &Server, work: &std::path::Path) -> String {
    let http = reqwest::Client::new();
    let dir = work.display().to_string();
    let url = server.url("/workflows/relay/runs");
    let (status, run) = post(&http, &url, &server.operator, json!({"dir": dir})).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{run}");
    let deadline = Instant::now() + Duration::from_secs(10);
    while lines(work, "long") == 0 {
        assert!(Instant::now() < deadline, "the long step never started");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    run["id"].as_str().unwrap().to_owned()
}

/// The lines of file `name` in `dir` (0 if it is not there).
pub(super) fn lines(dir: &std::path::Path, name: &str) -> usize {
    std::fs::read_to_string(dir.join(name)).map_or(0, |t| t.lines().count())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dead_servers_run_is_taken_over_and_ends_once() {
    let Some(pg) = database() else { return };
    // Three servers serving one folder (one deployment, three machines).
    let flows = tempfile::tempdir().unwrap();
    std::fs::write(flows.path().join("relay.wf"), RELAY).unwrap();
    let start = || {
        Server::start_serving(
            tempfile::tempdir().unwrap(),
            &[],
            Some(flows.path()),
            &FAST,
            &[("WFC_STORE", pg.url.as_str())],
        )
    };
    let mut a = start();
    let (b, c) = (start(), start());
    let work = tempfile::tempdir().unwrap();
    let http = reqwest::Client::new();
    let (status, run) = post(
        &http,
        &a.url("/workflows/relay/runs"),
        &a.operator,
        json!({"dir": work.path().display().to_string()}),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{run}");
    let id = run["id"].as_str().unwrap().to_owned();
    // Killed mid-step: its long step running, as the store shows (a step
    // that ended within the last fold, ≤ 200 ms, would run again too).
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (_, d) = get(&http, &b.url(&format!("/runs/{id}")), &b.reader).await;
        let status = |name: &str| {
            d["step_list"]
                .as_array()
                .and_then(|s| s.iter().find(|s| s["name"] == name))
                .map(|s| s["status"].as_str().unwrap_or("").to_owned())
        };
        if status("long").as_deref() == Some("running") {
            assert_eq!(status("first").as_deref(), Some("succeeded"), "{d}");
            break;
        }
        assert!(Instant::now() < deadline, "the long step never ran: {d}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let killed = Instant::now();
    a.child.kill().unwrap();
    a.child.wait().unwrap();
    // Another server runs it again, in a new session, within TTL + 2 s.
    let deadline = killed + Duration::from_secs(3);
    while lines(work.path(), "long") < 2 {
        assert!(Instant::now() < deadline, "not taken over within TTL + 2 s");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let taken = killed.elapsed();
    let deadline = Instant::now() + Duration::from_secs(15);
    let detail = loop {
        let (_, d) = get(&http, &b.url(&format!("/runs/{id}")), &b.reader).await;
        if d["status"] == "succeeded" {
            break d;
        }
        assert!(Instant::now() < deadline, "never ended: {d}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(detail["sessions"], 2, "{detail}");
    assert_eq!(
        lines(work.path(), "first"),
        1,
        "first was restored, not run again"
    );
    // The step can tell the sessions apart (an idempotency key).
    let long = std::fs::read_to_string(work.path().join("long")).unwrap();
    let sessions: Vec<&str> = long.lines().map(|l| &l[..4]).collect();
    assert_eq!(sessions, ["go 1", "go 2"], "long ran again, once: {long}");
    // Its end was recorded once, by the server that took it over.
    let dir = tempfile::tempdir().unwrap();
    super::bind_store(&pg.url, dir.path());
    let store = wfc_store::Store::open(dir.path()).unwrap();
    let ends = wfc_store::testing::one(
        &store,
        "SELECT COUNT(*) FROM events WHERE run_id = $1 AND kind = 'run_ended'",
        &[id.as_str().into()],
    )
    .unwrap();
    assert_eq!(ends.int(), Some(1));
    let owner = wfc_store::testing::one(
        &store,
        "SELECT owner FROM runs WHERE id = $1",
        &[id.as_str().into()],
    )
    .unwrap();
    let survivors: Vec<String> = servers(&c).await["servers"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["listen"] == listen(&b) || s["listen"] == listen(&c))
        .map(|s| s["id"].as_str().unwrap().to_owned())
        .collect();
    assert!(
        survivors.iter().any(|s| Some(s.as_str()) == owner.text()),
        "{owner:?} not in {survivors:?}"
    );
    eprintln!("taken over {:.2} s after the kill", taken.as_secs_f64());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dead_servers_run_goes_to_a_server_with_room() {
    let Some(pg) = database() else { return };
    let flows = tempfile::tempdir().unwrap();
    std::fs::write(flows.path().join("relay.wf"), RELAY).unwrap();
    std::fs::write(flows.path().join("nap.wf"), NAP).unwrap();
    let start = |max: &str| {
        let flags = [FAST.as_slice(), &["--max-runs", max]].concat();
        Server::start_serving(
            tempfile::tempdir().unwrap(),
            &[],
            Some(flows.path()),
            &flags,
            &[("WFC_STORE", pg.url.as_str())],
        )
    };
    // b is full (one slot, a long run in it); c has room.
    let (mut a, b, c) = (start("4"), start("1"), start("4"));
    let http = reqwest::Client::new();
    let (status, _) = post(
        &http,
        &b.url("/workflows/nap/runs"),
        &b.operator,
        json!({"nap": 30}),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let work = tempfile::tempdir().unwrap();
    let id = relay_until_long(&a, work.path()).await;
    a.child.kill().unwrap();
    a.child.wait().unwrap();
    // Whoever swept it, c runs it: b has no room.
    let deadline = Instant::now() + Duration::from_secs(15);
    let detail = loop {
        let (_, d) = get(&http, &c.url(&format!("/runs/{id}")), &c.reader).await;
        if d["status"] == "succeeded" {
            break d;
        }
        assert!(Instant::now() < deadline, "never ended: {d}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(detail["sessions"], 2, "{detail}");
    let c_id = servers(&c).await["this"].as_str().unwrap().to_owned();
    let dir = tempfile::tempdir().unwrap();
    super::bind_store(&pg.url, dir.path());
    let store = wfc_store::Store::open(dir.path()).unwrap();
    let owner = wfc_store::testing::one(
        &store,
        "SELECT owner FROM runs WHERE id = $1",
        &[id.as_str().into()],
    )
    .unwrap();
    assert_eq!(owner.text(), Some(c_id.as_str()));
    assert_eq!(
        wfc_store::sweep::queued(&store).unwrap(),
        0,
        "off the queue"
    );
}

//! Several `wfc serve` on one PostgreSQL store (issue 72), through real
//! servers and a real PostgreSQL 15: each joins the store's servers and
//! renews its lease; a server killed with `kill -9` is seen expired within
//! the TTL by the database's clock, one that stops gives its lease up at
//! once, and one whose clock is two minutes off (faketime) is judged as
//! the others are.

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
const FAST: [&str; 4] = ["--heartbeat", "0.2", "--lease-ttl", "1"];

fn database() -> Option<Postgres> {
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
async fn servers(server: &Server) -> Value {
    let http = reqwest::Client::new();
    let (status, body) = get(&http, &server.url("/servers"), &server.reader).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

/// The state of the server listening at `listen`, as `of` lists them.
fn state_of(list: &Value, listen: &str) -> Option<String> {
    list["servers"]
        .as_array()?
        .iter()
        .find(|s| s["listen"] == listen)
        .map(|s| s["state"].as_str().unwrap_or("").to_owned())
}

fn listen(server: &Server) -> String {
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

    // kill -9: no goodbye; its lease expires after the TTL.
    let killed = Instant::now();
    b.child.kill().unwrap();
    b.child.wait().unwrap();
    let deadline = killed + Duration::from_secs(10);
    loop {
        let seen = servers(&a).await;
        if state_of(&seen, &listen(&b)).as_deref() == Some("expired") {
            break;
        }
        assert!(Instant::now() < deadline, "never expired: {seen}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        killed.elapsed() >= Duration::from_millis(700),
        "before its TTL"
    );
    // The survivor still holds its own, and says so.
    let ready = http.get(format!("{}/readyz", a.base)).send().await.unwrap();
    assert_eq!(ready.status(), StatusCode::OK);
    assert_eq!(
        state_of(&servers(&a).await, &listen(&a)).as_deref(),
        Some("alive")
    );

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
    assert_eq!(rows.as_array().unwrap().len(), 2, "{rows}");
    assert_eq!(rows[0]["state"], "expired", "{rows}");
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

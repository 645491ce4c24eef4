//! Polling, sleeping, settings from params, retry deadlines and block-level
//! `env` / `defaults`, through the whole `wfc run`: `until` against a real
//! HTTP server that becomes ready after a number of requests, and what the
//! steps leave behind (files of lines, the server's count of requests).

use crate::workflow;
use axum::extract::{Path, State};
use axum::routing::get;
use axum::Router;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A server whose `/ready-after/N` answers `{"state":"starting"}` to its
/// first N - 1 requests and `{"state":"ready"}` from the Nth on (one count
/// per server); `/never` always answers `starting`.
fn server() -> (String, Arc<AtomicU32>) {
    async fn ready_after(State(h): State<Arc<AtomicU32>>, Path(n): Path<u32>) -> String {
        let seen = h.fetch_add(1, Ordering::SeqCst) + 1;
        let state = if seen >= n { "ready" } else { "starting" };
        format!(r#"{{"state":"{state}","seen":{seen}}}"#)
    }
    async fn never(State(h): State<Arc<AtomicU32>>) -> String {
        h.fetch_add(1, Ordering::SeqCst);
        r#"{"state":"starting"}"#.into()
    }
    let hits = Arc::new(AtomicU32::new(0));
    let app = Router::new()
        .route("/ready-after/{n}", get(ready_after))
        .route("/never", get(never))
        .with_state(hits.clone());
    (crate::serve(app), hits)
}

#[test]
fn until_polls_a_server_until_it_is_ready() {
    let (base, hits) = server();
    let c = workflow(
        r#"workflow poll {
          param base: string
          step ready: http {
            get "${base}/ready-after/4"
            until ready.json.state == "ready" every 100ms within 30s
          }
          step after: shell { run "echo ${ready.json.state} ${ready.json.seen} >> log" }
        }"#,
    );
    let r = c
        .wfc_run(&[
            "--param",
            &format!("base={base}"),
            "--output",
            "report.json",
        ])
        .output();
    assert_eq!(r.code, 0, "{r}");
    // The 4th try saw `ready`: no 5th request, and the reader ran after it.
    assert_eq!(hits.load(Ordering::SeqCst), 4);
    assert_eq!(c.lines("log"), ["ready 4"]);
    let report = c.report();
    let ready = report["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "ready")
        .unwrap()
        .clone();
    assert_eq!(ready["attempts"], 4, "{ready:#}");
    assert_eq!(ready["status"], "succeeded");
}

#[test]
fn until_fails_past_within_with_the_last_value_seen() {
    let (base, hits) = server();
    let c = workflow(
        r#"workflow poll {
          param base: string
          step ready: http {
            get "${base}/never"
            until ready.json.state == "ready" every 200ms within 1s
          }
          step after: shell { run "echo ran >> log" depends on ready }
        }"#,
    );
    let started = Instant::now();
    let r = c.wfc_run(&["--param", &format!("base={base}")]).output();
    assert_eq!(r.code, 1, "{r}");
    assert!(started.elapsed() < Duration::from_secs(10));
    let text = r.all();
    assert!(text.contains("the condition never held within 1s"), "{r}");
    assert!(text.contains(r#"`ready.json.state` was "starting""#), "{r}");
    let n = hits.load(Ordering::SeqCst);
    assert!((3..=6).contains(&n), "{n} tries in 1s, 200ms apart");
    assert!(!c.path("log").exists(), "a step after a failed poll ran");
}

#[test]
fn a_retry_count_from_a_param_bounds_the_attempts() {
    let c = workflow(
        r#"workflow retries {
          param attempts: int = 0
          step flaky: shell {
            run "echo try >> tries; false"
            retry attempts
          }
        }"#,
    );
    let r = c.wfc_run(&["--param", "attempts=2"]).output();
    assert_eq!(r.code, 1, "{r}");
    assert_eq!(c.lines("tries").len(), 3, "retry 2: three attempts in all");
    // Out of range: a plan error naming the param, and nothing runs.
    let r = c.wfc_run(&["--param", "attempts=-1"]).output();
    assert_eq!(r.code, 2, "{r}");
    assert!(
        r.all().contains("E0195") && r.all().contains("attempts = -1"),
        "{r}"
    );
    assert_eq!(c.lines("tries").len(), 3);
}

#[test]
fn retry_within_stops_retrying_at_the_deadline() {
    let c = workflow(
        r#"workflow deadline {
          param pause: duration = 200ms
          step flaky: shell {
            run "echo try >> tries; false"
            retry 100 backoff pause linear max pause * 2 within 1300ms
          }
          step slow: shell {
            run "echo $$ > slow.pid; echo try >> slow; sleep 30"
            retry 5 within 1s
          }
        }"#,
    );
    let started = Instant::now();
    let r = c.wfc_run(&["--keep-going"]).output();
    assert_eq!(r.code, 1, "{r}");
    // Both end by their deadline, not after 100 retries or a 30 s sleep.
    assert!(started.elapsed() < Duration::from_secs(10), "{r}");
    // Attempts are quick and the pauses long (0.2, 0.4, 0.4 s …), so the
    // deadline falls in the pause after the fourth attempt (1.0–1.4 s) even
    // on a loaded machine: the retry is refused rather than cut.
    let tries = c.lines("tries").len();
    assert!((2..=5).contains(&tries), "{tries} attempts in 1.3 s");
    assert!(
        r.all().contains("no retry: its deadline, `within 1.3s`"),
        "{r}"
    );
    // The running attempt was cut at the deadline; none started after it.
    assert_eq!(c.lines("slow").len(), 1);
    assert!(r.all().contains("stopped at the retry deadline"), "{r}");
    // Said once (issue 73: "… (`within 1s` of all attempts) (no retry: its
    // deadline, `within 1s`, has passed)").
    assert!(!r.all().contains("of all attempts) (no retry"), "{r}");
}

#[test]
fn sleep_waits_its_duration_and_is_cancelled_promptly() {
    let c = workflow(
        r#"workflow nap {
          param pause: duration = 300ms
          step nap: sleep { duration pause * 2 }
          step after: shell { run "echo done >> log"  depends on nap }
        }"#,
    );
    let started = Instant::now();
    let r = c.wfc_run(&[]).output();
    assert_eq!(r.code, 0, "{r}");
    assert!(started.elapsed() >= Duration::from_millis(600));
    assert_eq!(c.lines("log"), ["done"]);

    let c = workflow(
        r#"workflow nap {
          step marker: shell { run "echo started > started" }
          step nap: sleep { duration 1h  depends on marker }
          step after: shell { run "echo after >> log"  depends on nap }
        }"#,
    );
    let child = c.wfc_run(&[]).spawn();
    assert!(c.wait_for_file("started", Duration::from_secs(10)));
    std::thread::sleep(Duration::from_millis(300));
    let at = Instant::now();
    wfc_testkit::signal(child.id() as i32, nix::sys::signal::Signal::SIGINT);
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130));
    assert!(
        at.elapsed() < Duration::from_secs(3),
        "Ctrl-C took {:?}",
        at.elapsed()
    );
    assert!(!c.path("log").exists());

    // Its timeout stops it too.
    let c = workflow(r#"workflow nap { step nap: sleep { duration 1h  timeout 300ms } }"#);
    let started = Instant::now();
    let r = c.wfc_run(&[]).output();
    assert_eq!(r.code, 1, "{r}");
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[test]
fn block_env_and_defaults_are_inherited_innermost_first() {
    let c = workflow(
        r#"workflow inherit {
          env {
            LEVEL = "workflow"
            OUTER = "w"
          }
          defaults { retry 5 }
          for each region in ["eu", "us"] {
            env {
              LEVEL = "loop"
              REGION = region
            }
            defaults { retry 1 }
            parallel {
              env { LEVEL = "parallel" }
              step a: shell {
                run "echo $LEVEL $REGION $OUTER $OWN >> seen-a"
                env { OWN = "own" }
              }
            }
            step b: shell {
              run "echo $LEVEL $REGION >> seen-b"
              env { LEVEL = "step" }
            }
          }
          step flaky: shell { run "echo try >> tries; false"  depends on b }
          if true {
            defaults { timeout 200ms }
            step slow: shell { run "sleep 5; echo late >> late"  optional }
          }
        }"#,
    );
    let r = c.wfc_run(&["--keep-going"]).output();
    assert_eq!(r.code, 1, "{r}");
    assert_eq!(
        c.lines("seen-a"),
        ["parallel eu w own", "parallel us w own"]
    );
    assert_eq!(c.lines("seen-b"), ["step eu", "step us"]);
    // The workflow's `retry 5`, not a block's: six attempts.
    assert_eq!(c.lines("tries").len(), 6);
    // The `if` block's `timeout 200ms` cut each attempt of `slow`.
    assert!(!c.path("late").exists());
    assert!(r.all().contains("timed out after 200ms"), "{r}");
}

#[test]
fn a_backoff_rate_multiplies_each_wait() {
    // Waits of 300, 450 and 675 ms (less up to 10% jitter each): the third
    // is 2.25 times the first, where `exponential` would make it 4.
    let c = workflow(
        r#"workflow rate {
          step flaky: shell {
            run "date +%s%N >> tries; false"
            retry 3 backoff 300ms x1.5
          }
        }"#,
    );
    let r = c.wfc_run(&[]).output();
    assert_eq!(r.code, 1, "{r}");
    let at: Vec<f64> = c
        .lines("tries")
        .iter()
        .map(|l| l.parse::<f64>().unwrap() / 1e6)
        .collect();
    assert_eq!(at.len(), 4, "{r}");
    let gaps: Vec<f64> = at.windows(2).map(|w| w[1] - w[0]).collect();
    assert!((250.0..600.0).contains(&gaps[0]), "{gaps:?}");
    let ratio = gaps[2] / gaps[0];
    assert!((1.7..2.9).contains(&ratio), "{gaps:?}: {ratio}");
}

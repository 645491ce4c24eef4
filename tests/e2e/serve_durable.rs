//! `wfc serve` after `kill -9`, and `lock` in server runs: the real server
//! killed mid-run and started again on the same state (the run finishes
//! under its id, a step that succeeded is not run again, a run the rule
//! leaves interrupted says why), and runs of one lock key — two server
//! runs, a server run and a `wfc run` — never overlap, as the timestamps
//! their steps write show, the waiting one visible through the API.

use super::serve::{get, post, Server};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

/// Step one counts its runs, two says it started and sleeps (the server
/// is killed then), three writes `done`.
const THREE: &str = r#"
workflow three {
  step one: shell { run "echo one >> @DIR/count.txt" }
  step two: shell {
    run "echo two >> @DIR/two.txt; sleep 2"
    depends on one
  }
  step three: shell {
    run "echo done > @DIR/done.txt"
    depends on two
  }
}
"#;

/// A run the test kills, whose file is then no longer served.
const GONE: &str = r#"
workflow gone {
  step slow: shell { run "echo slow >> @DIR/gone.txt; sleep 30" }
}
"#;

/// One step that appends `TAG START END` (ns) to spans.txt, a second apart.
const LOCKED: &str = r#"
workflow locked {
  param env: string = "prod"
  param tag: string = "a"
  lock "deploy-${env}"
  step work: shell {
    run "s=$(date +%s%N); sleep 1; echo ${tag} $s $(date +%s%N) >> @DIR/spans.txt"
  }
}
"#;

/// Polls `check` until it gives a value (at most 20 s).
async fn until<T>(what: &str, mut check: impl AsyncFnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting: {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn start(server: &Server, http: &reqwest::Client, wf: &str, params: Value) -> String {
    let (status, body) = post(
        http,
        &server.url(&format!("/workflows/{wf}/runs")),
        &server.operator,
        params,
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    body["id"].as_str().unwrap().to_owned()
}

async fn run(server: &Server, http: &reqwest::Client, id: &str) -> Value {
    get(http, &server.url(&format!("/runs/{id}")), &server.reader)
        .await
        .1
}

fn lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(str::to_owned)
        .collect()
}

/// `(tag, start, end)` of each span in spans.txt, in start order.
fn spans(path: &Path) -> Vec<(String, u128, u128)> {
    let mut out: Vec<(String, u128, u128)> = lines(path)
        .iter()
        .map(|l| {
            let p: Vec<&str> = l.split(' ').collect();
            (
                p[0].to_owned(),
                p[1].parse().unwrap(),
                p[2].parse().unwrap(),
            )
        })
        .collect();
    out.sort_by_key(|s| s.1);
    out
}

fn assert_disjoint(s: &[(String, u128, u128)]) {
    for w in s.windows(2) {
        assert!(
            w[0].2 <= w[1].1,
            "{} started before {} ended: {s:?}",
            w[1].0,
            w[0].0
        );
    }
}

#[tokio::test]
async fn after_kill_9_a_served_run_finishes_and_a_run_whose_file_is_gone_says_why() {
    let mut server = Server::start(&[("three.wf", THREE), ("gone.wf", GONE)], &[]);
    let http = reqwest::Client::new();
    let three = start(&server, &http, "three", json!({})).await;
    let gone = start(&server, &http, "gone", json!({})).await;
    let (two, slow) = (server.path("two.txt"), server.path("gone.txt"));
    until("both runs in their sleeping step", async || {
        (two.exists() && slow.exists()).then_some(())
    })
    .await;
    server.signal(nix::sys::signal::Signal::SIGKILL);
    server.child.wait().unwrap();

    // Started again on the same state, `gone.wf` removed meanwhile.
    std::fs::remove_file(server.path("flows/gone.wf")).unwrap();
    server.restart(&[], &server.path("flows"));
    let log = server.log.lock().unwrap().clone();
    assert!(log.contains(&format!("resuming run {three}")), "{log}");
    assert!(
        log.contains(&format!(
            "run {gone} left interrupted: workflow `gone` is no longer served"
        )),
        "{log}"
    );

    // (Its new session is recorded as the resumed run starts, just after.)
    let done = until("run three's second session ends", async || {
        let r = run(&server, &http, &three).await;
        (r["sessions"] == 2 && r["status"] != "running").then_some(r)
    })
    .await;
    assert_eq!(done["status"], "succeeded", "{done}");
    assert_eq!(done["sessions"], 2, "{done}");
    assert_eq!(
        lines(&server.path("count.txt")),
        ["one"],
        "step one ran again"
    );
    assert_eq!(lines(&two).len(), 2, "step two ran in each session");
    assert!(server.path("done.txt").exists());

    let left = run(&server, &http, &gone).await;
    assert_eq!(left["status"], "interrupted", "{left}");
    assert_eq!(
        lines(&slow).len(),
        1,
        "the run whose file is gone ran again"
    );
}

#[tokio::test]
async fn server_runs_of_one_lock_key_wait_in_turn_and_a_waiting_one_cancels() {
    let server = Server::start(&[("locked.wf", LOCKED)], &[]);
    let http = reqwest::Client::new();
    let a = start(&server, &http, "locked", json!({"tag": "a"})).await;
    let b = start(&server, &http, "locked", json!({"tag": "b"})).await;
    let c = start(&server, &http, "locked", json!({"tag": "c"})).await;
    // Another key does not wait.
    let other = start(&server, &http, "locked", json!({"tag": "o", "env": "dev"})).await;

    // Two of a, b, c wait, each saying for which key and whom.
    let waiting = until("two runs waiting", async || {
        let mut w = Vec::new();
        for id in [&a, &b, &c] {
            let r = run(&server, &http, id).await;
            if !r["waiting_for_lock"].is_null() {
                w.push((id.clone(), r));
            }
        }
        (w.len() == 2).then_some(w)
    })
    .await;
    for (_, r) in &waiting {
        assert_eq!(r["status"], "running", "{r}");
        assert_eq!(r["waiting_for_lock"]["key"], "deploy-prod", "{r}");
        let held_by = r["waiting_for_lock"]["held_by"].as_str().unwrap();
        assert!([&a, &b, &c].iter().any(|id| id.as_str() == held_by), "{r}");
    }
    let log = server.log.lock().unwrap().clone();
    assert!(
        log.contains("waiting for lock deploy-prod (held by run "),
        "{log}"
    );

    // The last waiter is cancelled while it waits: it ends, nothing ran.
    let (cancelled, _) = waiting.last().unwrap();
    let (status, body) = post(
        &http,
        &server.url(&format!("/runs/{cancelled}/cancel")),
        &server.operator,
        json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let mut ended = Vec::new();
    for id in [&a, &b, &c, &other] {
        ended.push(server.finished(&http, id).await);
    }
    for (id, r) in [&a, &b, &c, &other].iter().zip(&ended) {
        let want = if *id == cancelled {
            "cancelled"
        } else {
            "succeeded"
        };
        assert_eq!(r["status"], want, "{r}");
        assert!(r["waiting_for_lock"].is_null(), "{r}");
    }
    let s = spans(&server.path("spans.txt"));
    let tags: Vec<&str> = s.iter().map(|x| x.0.as_str()).collect();
    assert_eq!(tags.len(), 3, "the cancelled run ran its step: {s:?}");
    let prod: Vec<_> = s.iter().filter(|x| x.0 != "o").cloned().collect();
    assert_disjoint(&prod);
    // The run of another key overlapped the first holder.
    let o = s.iter().find(|x| x.0 == "o").expect("the other key ran");
    assert!(o.1 < prod[0].2, "the other key waited: {s:?}");
}

#[tokio::test]
async fn a_server_run_and_a_cli_run_of_one_key_never_overlap() {
    let server = Server::start(&[("locked.wf", LOCKED)], &[]);
    let http = reqwest::Client::new();
    let state = server.path("state");
    let cli = || {
        server
            .wfc()
            .args(["run", "--plain", "--state-dir"])
            .arg(&state)
            .arg(server.path("flows/locked.wf"))
            .args(["--param", "tag=cli"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    // The CLI holds the key: the server's run waits for it, visibly.
    let first = cli();
    let spans_txt = server.path("spans.txt");
    let cli_run = until("the CLI run holds the lock", async || {
        let (_, runs) = get(&http, &server.url("/runs"), &server.reader).await;
        runs["runs"][0]["id"].as_str().map(str::to_owned)
    })
    .await;
    let api = start(&server, &http, "locked", json!({"tag": "api"})).await;
    let r = until("the server run waits", async || {
        let r = run(&server, &http, &api).await;
        (!r["waiting_for_lock"].is_null()).then_some(r)
    })
    .await;
    assert_eq!(r["waiting_for_lock"]["held_by"], cli_run.as_str(), "{r}");
    let out = first.wait_with_output().unwrap();
    assert!(out.status.success(), "{out:?}");
    // Now the server's run holds it: a second CLI run waits, and says so.
    until("the server run holds the lock", async || {
        let r = run(&server, &http, &api).await;
        r["waiting_for_lock"].is_null().then_some(())
    })
    .await;
    let second = cli().wait_with_output().unwrap();
    assert!(second.status.success(), "{second:?}");
    let err = String::from_utf8_lossy(&second.stderr);
    assert!(
        err.contains(&format!("waiting for lock deploy-prod (held by run {api})")),
        "{err}"
    );
    assert_eq!(server.finished(&http, &api).await["status"], "succeeded");
    let s = spans(&spans_txt);
    assert_eq!(s.len(), 3, "{s:?}");
    assert_disjoint(&s);
}

/// A run that says which session of it started when (ns), then sleeps:
/// the server is killed while four of them sleep.
const TAGGED: &str = r#"
workflow tagged {
  param tag: string
  step first: shell { run "echo ${tag} $(date +%s%N) >> @DIR/starts.txt; sleep 1" }
  step second: shell {
    run "echo ${tag} >> @DIR/ends.txt"
    depends on first
  }
}
"#;

#[tokio::test]
async fn after_kill_9_more_interrupted_runs_than_slots_are_all_resumed_oldest_first() {
    let mut server = Server::start(&[("tagged.wf", TAGGED)], &["--max-runs", "4"]);
    let http = reqwest::Client::new();
    let mut ids = Vec::new();
    for tag in ["a", "b", "c", "d"] {
        ids.push(start(&server, &http, "tagged", json!({ "tag": tag })).await);
        // Apart in time: "oldest first" has an order to keep.
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
    let starts = server.path("starts.txt");
    until("four runs in their sleeping step", async || {
        (lines(&starts).len() == 4).then_some(())
    })
    .await;
    server.signal(nix::sys::signal::Signal::SIGKILL);
    server.child.wait().unwrap();

    // One slot now: every interrupted run is resumed all the same, each as
    // the slot frees, oldest first; the others are listed as queued.
    let flows = server.path("flows");
    server.restart(&["--max-runs", "1"], &flows);
    let queued = until("the runs behind the first listed as queued", async || {
        let runs = server.runs().await;
        let queued: Vec<String> = runs
            .iter()
            .filter(|r| r["queued_for_resume"] == true)
            .map(|r| r["id"].as_str().unwrap().to_owned())
            .collect();
        (queued.len() == 3).then_some(queued)
    })
    .await;
    assert!(!queued.contains(&ids[0]), "{queued:?}");
    for id in &ids {
        let done = until("each run's second session ends", async || {
            let r = run(&server, &http, id).await;
            (r["sessions"] == 2 && r["status"] != "running").then_some(r)
        })
        .await;
        assert_eq!(done["status"], "succeeded", "{done}");
    }
    // The second sessions started one at a time, in the runs' order.
    let second: Vec<String> = lines(&starts)[4..]
        .iter()
        .map(|l| l.split(' ').next().unwrap().to_owned())
        .collect();
    assert_eq!(second, ["a", "b", "c", "d"]);
    let mut ends = lines(&server.path("ends.txt"));
    ends.sort();
    assert_eq!(ends, ["a", "b", "c", "d"]);
    assert!(server
        .runs()
        .await
        .iter()
        .all(|r| r["status"] == "succeeded"));
}

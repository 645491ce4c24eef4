//! Failing fast: once a run has failed, the steps that only wait — a
//! `sleep`, a gate waiting for a person, the pause before a retry, the
//! pause before an `until`'s next try — are cancelled at once, so the
//! `on failure` handlers start at once; `after` steps still wait, and
//! `--keep-going` lets everything wait on. Real processes through `wfc run`.

use crate::workflow;
use std::time::{Duration, Instant};

const WAITS: &str = r#"workflow w {
  step nap: sleep { duration 30s }
  step ask: gate { approval "ops" }
  step flaky: shell {
    run "exit 1"
    retry 3 backoff 30s
  }
  step poll: shell {
    run "echo no"
    until poll.stdout == "yes" every 30s within 5m
  }
  step boom: shell { run "sleep 0.5; exit 1" }
  step tidy: shell {
    run "touch tidied"
    after nap
  }
  on failure {
    step tell: shell { run "touch told" }
  }
}
"#;

fn steps(c: &wfc_testkit::Case) -> serde_json::Value {
    let r = c.report();
    let mut out = serde_json::Map::new();
    for s in r["steps"].as_array().unwrap() {
        out.insert(s["name"].as_str().unwrap().to_string(), s.clone());
    }
    serde_json::Value::Object(out)
}

#[test]
fn a_failed_run_stops_what_only_waits_and_its_handler_starts_at_once() {
    let c = workflow(WAITS);
    let t = Instant::now();
    let r = c
        .wfc(["run", "w.wf", "--plain", "-o", "report.json"])
        .output();
    let took = t.elapsed();
    assert_eq!(r.code, 1, "{r}");
    // Every wait is 30 s or more: the run ended with the failure, not them.
    assert!(took < Duration::from_secs(15), "took {took:?}: {r}");
    assert!(c.path("told").exists(), "the handler ran: {r}");
    let s = steps(&c);
    let said = |n: &str| s[n]["error"].as_str().unwrap_or_default().to_string();
    assert_eq!(s["boom"]["status"], "failed");
    for n in ["nap", "ask", "flaky", "poll"] {
        assert_eq!(s[n]["status"], "cancelled", "{n}: {}", s[n]);
    }
    assert_eq!(
        said("nap"),
        "cancelled: the run failed while it waited (`boom` failed)"
    );
    assert_eq!(
        said("ask"),
        "cancelled: the run failed while it waited for approval (`boom` failed)"
    );
    assert_eq!(
        said("flaky"),
        "cancelled before a retry (attempt 1: exit code 1); the run failed (`boom` failed)"
    );
    assert!(
        said("poll").starts_with("cancelled while polling (try 1"),
        "{}",
        said("poll")
    );
    assert!(
        said("poll").ends_with("; the run failed (`boom` failed)"),
        "{}",
        said("poll")
    );
    // `after nap` runs whatever happened, once `nap` ended.
    assert_eq!(s["tidy"]["status"], "succeeded");
    assert!(c.path("tidied").exists());
}

/// An `after` step's own wait is not cut short: it runs whatever happened.
#[test]
fn an_after_step_still_waits_and_keep_going_waits_for_everything() {
    let c = workflow(
        r#"workflow w {
  step boom: shell { run "exit 1" }
  step pause: sleep {
    duration 1500ms
    after boom
  }
  step nap: sleep { duration 1500ms }
}
"#,
    );
    let t = Instant::now();
    let r = c
        .wfc(["run", "w.wf", "--plain", "-o", "report.json"])
        .output();
    assert_eq!(r.code, 1, "{r}");
    assert!(t.elapsed() >= Duration::from_millis(1400), "{r}");
    let s = steps(&c);
    assert_eq!(s["pause"]["status"], "succeeded", "{}", s["pause"]);
    assert_eq!(s["nap"]["status"], "cancelled", "{}", s["nap"]);

    let t = Instant::now();
    let r = c
        .wfc([
            "run",
            "w.wf",
            "--plain",
            "--keep-going",
            "-o",
            "report.json",
        ])
        .output();
    assert_eq!(r.code, 1, "{r}");
    assert!(t.elapsed() >= Duration::from_millis(1400), "{r}");
    let s = steps(&c);
    assert_eq!(s["nap"]["status"], "succeeded", "{}", s["nap"]);
}

/// `fail fast` on the workflow: a failure cancels the running commands too
/// (their process trees), and the handler starts at once; `after` steps
/// still run.
#[test]
fn fail_fast_cancels_the_running_commands_and_keep_going_wins() {
    let c = workflow(
        r#"workflow w {
  fail fast
  step long: shell { run "sleep 30 & echo $! > child; wait; touch long_done" }
  step boom: shell { run "sleep 0.5; exit 1" }
  step tidy: shell {
    run "touch tidied"
    after boom
  }
  on failure {
    step tell: shell { run "touch told" }
  }
}
"#,
    );
    let t = Instant::now();
    let r = c
        .wfc(["run", "w.wf", "--plain", "-o", "report.json"])
        .output();
    assert_eq!(r.code, 1, "{r}");
    assert!(t.elapsed() < Duration::from_secs(15), "{r}");
    let s = steps(&c);
    assert_eq!(s["long"]["status"], "cancelled", "{}", s["long"]);
    assert_eq!(
        s["long"]["error"],
        "cancelled: `boom` failed and the run fails fast"
    );
    assert!(!c.path("long_done").exists());
    // Its background child went with it.
    let child: i32 = c.read("child").trim().parse().unwrap();
    assert!(
        wfc_testkit::wait_dead(child, Duration::from_secs(5)),
        "pid {child}"
    );
    assert!(c.path("told").exists() && c.path("tidied").exists(), "{r}");

    // --keep-going: nothing is cancelled, `long` would run its 30 s; a
    // shorter one shows it ran to its end.
    let c = workflow(
        r#"workflow w {
  fail fast
  step long: shell { run "sleep 1; touch long_done" }
  step boom: shell { run "exit 1" }
}
"#,
    );
    let r = c.wfc(["run", "w.wf", "--plain", "--keep-going"]).output();
    assert_eq!(r.code, 1, "{r}");
    assert!(c.path("long_done").exists(), "{r}");
}

/// On a loop or a `parallel` block, `fail fast` cancels the members still
/// running, and only them: a step outside goes on.
#[test]
fn fail_fast_on_a_block_cancels_its_members_only() {
    let c = workflow(
        r#"workflow w {
  step outside: shell { run "sleep 2; touch outside_done" }
  for each r in ["a", "b"] parallel fail fast {
    step work: shell { run "if [ ${r} = b ]; then sleep 0.5; exit 1; fi; sleep 30; touch ${r}_done" }
  }
}
"#,
    );
    let t = Instant::now();
    let r = c
        .wfc(["run", "w.wf", "--plain", "--jobs", "4", "-o", "report.json"])
        .output();
    assert_eq!(r.code, 1, "{r}");
    assert!(t.elapsed() < Duration::from_secs(15), "{r}");
    let s = steps(&c);
    assert_eq!(s["work[a]"]["status"], "cancelled", "{}", s["work[a]"]);
    assert_eq!(s["outside"]["status"], "succeeded", "{}", s["outside"]);
    assert!(c.path("outside_done").exists());
    assert!(!c.path("a_done").exists());
}

//! How a call step (the join of its inlined steps) ends, through the whole
//! `wfc run`, as the report and `wfc status` show it: failed, naming the
//! instance that failed when the callee's step is in a loop; and, when
//! none of its steps failed, as they ended — not run when the run stopped
//! before they started, cancelled when they were — as a plain step would.

use crate::workflow;
use std::time::Duration;

/// `(status, error)` of every step in `wfc status last --format json`.
fn statuses(c: &wfc_testkit::Case) -> Vec<(String, String, String)> {
    let st = c
        .wfc(["status", "last", "--format", "json"])
        .success()
        .output()
        .json();
    st["step_list"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let f = |k: &str| s[k].as_str().unwrap_or_default().to_string();
            (f("name"), f("status"), f("error"))
        })
        .collect()
}

fn find<'a>(steps: &'a [(String, String, String)], name: &str) -> &'a (String, String, String) {
    steps
        .iter()
        .find(|s| s.0 == name)
        .unwrap_or_else(|| panic!("no step {name} in {steps:?}"))
}

#[test]
fn a_call_in_a_loop_fails_naming_the_instance_that_failed() {
    let c = workflow(
        r#"workflow main {
  for each region in ["eu", "us"] {
    step ship: call deploy { region region }
  }
  step after: shell { run "echo ran >> after.log"  depends on ship }
}
workflow deploy {
  param region: string
  for each host in ["a", "b"] {
    step push: shell { run "test ${region}-${host} != us-b" }
  }
  on failure {
    step note: shell { run "echo ${failed.step} >> noted" }
  }
}"#,
    );
    let r = c
        .wfc(["run", "w.wf", "--plain", "--output", "report.json"])
        .output();
    assert_eq!(r.code, 1, "{r}");
    let said = "step `ship[us].push[b]` of the call failed: exit code 1";
    let steps = statuses(&c);
    let ship = find(&steps, "ship[us]");
    assert_eq!((ship.1.as_str(), ship.2.as_str()), ("failed", said));
    let report = c.report();
    let entry = report["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "ship[us]")
        .unwrap();
    assert_eq!(entry["status"], "failed", "{entry:#}");
    assert_eq!(entry["error"], said, "{entry:#}");
    // The callee's `on failure` reads the instance too.
    assert_eq!(c.lines("noted"), ["ship[us].push[b]"]);
    assert_eq!(find(&steps, "after").1, "not_run");
}

/// `bad` fails while `slow` holds the call back: no step of `x` (nor of
/// the call `x.m` inside it) starts, and neither does the call.
#[test]
fn a_call_whose_steps_never_started_did_not_run() {
    let c = workflow(
        r#"workflow main {
  step bad: shell { run "exit 1" }
  step slow: shell { run "sleep 0.3" }
  step x: call inner { depends on slow }
  step flag: shell { run "echo no" }
  if trim(flag.stdout) == "yes" {
    step y: call inner {}
  }
}
workflow inner {
  step b: shell { run "echo b >> ran" }
  step m: call leaf { depends on b }
  on failure {
    step note: shell { run "echo noted >> noted" }
  }
}
workflow leaf {
  step c: shell { run "echo c >> ran" }
}"#,
    );
    let r = c
        .wfc(["run", "w.wf", "--plain", "--output", "report.json"])
        .output();
    assert_eq!(r.code, 1, "{r}");
    assert!(c.lines("ran").is_empty());
    let stopped = "the run stopped after `bad` failed";
    let steps = statuses(&c);
    for name in ["x.b", "x"] {
        let s = find(&steps, name);
        assert_eq!((s.1.as_str(), s.2.as_str()), ("not_run", stopped), "{name}");
    }
    // The call inside waited for `x.b`, as its step did.
    for name in ["x.m.c", "x.m"] {
        let s = find(&steps, name);
        assert_eq!(s.1, "not_run", "{name}: {steps:?}");
        assert!(s.2.contains("`x.b` did not"), "{name}: {steps:?}");
    }
    // Skipped by its condition, as the steps of the branch are.
    assert_eq!(find(&steps, "y").1, "skipped");
    // Only `bad` failed: the call's `on failure` had nothing to handle.
    assert!(c.lines("noted").is_empty());
    let report = c.report();
    let failed: Vec<&str> = report["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["status"] == "failed")
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(failed, ["bad"], "{report:#}");
    assert_eq!(report["failed"]["step"], "bad");
}

/// Cancelled while its first step runs: the call is cancelled, not failed.
#[test]
fn a_call_cancelled_while_its_step_runs_is_cancelled() {
    let c = workflow(
        r#"workflow main {
  step x: call inner {}
}
workflow inner {
  step b: shell { run "echo started > started; sleep 30" }
  step d: shell { run "true"  depends on b }
}"#,
    );
    let mut child = c
        .wfc(["run", "w.wf", "--plain", "--output", "report.json"])
        .spawn();
    assert!(c.wait_for_file("started", Duration::from_secs(20)));
    c.wfc(["cancel", "last", "--wait"]).success().output();
    let code = child.wait().unwrap().code();
    assert_eq!(code, Some(130));
    let steps = statuses(&c);
    assert_eq!(find(&steps, "x.b").1, "cancelled");
    assert_eq!(find(&steps, "x.d").1, "not_run");
    let x = find(&steps, "x");
    assert_eq!(x.1, "cancelled", "{steps:?}");
    assert!(
        x.2.contains("step `x.b` of the call was cancelled"),
        "{x:?}"
    );
}

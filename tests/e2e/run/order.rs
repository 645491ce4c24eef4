//! `sequence` and `after`, end to end: a sequence stops at its failed
//! member; an `after` step runs once what it names has ended — succeeded,
//! failed, skipped or cancelled — also while the run fails or is
//! cancelled, reads how it ended through `.status`, and never turns a
//! failed run into a success.

use crate::workflow;
use std::time::Duration;

fn status(c: &wfc_testkit::Case, name: &str) -> String {
    let s = wfc_testkit::report_step(&c.report(), name);
    s["status"].as_str().unwrap_or_default().to_owned()
}

fn sorted(c: &wfc_testkit::Case, file: &str) -> Vec<String> {
    let mut l = c.lines(file);
    l.sort();
    l
}

#[test]
fn a_sequence_runs_in_order_and_stops_at_its_failed_member() {
    let c = workflow(
        r#"workflow w {
  step build: shell { run "sleep 0.2; echo build >> log" }
  sequence release {
    depends on build
    step tag: shell { run "sleep 0.2; echo tag >> log" }
    step push: shell { run "echo push >> log; exit 4" }
    step publish: shell { run "echo publish >> log" }
  }
  step announce: shell { run "echo announce >> log"  depends on release }
}"#,
    );
    let r = c.run(&["--output", "report.json", "--jobs", "4"]);
    assert_eq!(r.code, 1, "{r}");
    // Written order, each after the one before; nothing after the failure.
    assert_eq!(c.lines("log"), ["build", "tag", "push"], "{r}");
    assert_eq!(status(&c, "publish"), "not_run");
    assert_eq!(status(&c, "announce"), "not_run");
    assert!(r.stdout.contains("not run: `push` failed"), "{r}");
}

/// An `if` branch and a serial `for each` in a sequence run their steps
/// as written too; a `parallel` block in it starts its members together.
#[test]
fn blocks_nested_in_a_sequence_keep_the_written_order() {
    let c = workflow(
        r#"workflow w {
  param go: bool = true
  sequence rollout {
    step canary: shell { run "echo canary >> log" }
    if go {
      step ok: shell { run "sleep 0.3; echo ok >> log" }
      step stable: shell { run "echo stable >> log" }
    }
    for each r in ["eu", "us"] {
      step deploy: shell { run "sleep 0.2; echo deploy-${r} >> log" }
      step verify: shell { run "echo verify-${r} >> log" }
    }
    parallel smoke {
      step slow: shell { run "sleep 0.5; echo slow >> log" }
      step fast: shell { run "echo fast >> log" }
    }
  }
}"#,
    );
    let r = c.run(&["--output", "report.json", "--jobs", "4"]);
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(
        c.lines("log"),
        [
            "canary",
            "ok",
            "stable",
            "deploy-eu",
            "verify-eu",
            "deploy-us",
            "verify-us",
            "fast",
            "slow"
        ],
        "{r}"
    );
}

#[test]
fn a_member_skipped_by_its_branch_passes_the_order_on() {
    let c = workflow(
        r#"workflow w {
  step flag: shell { run "echo no" }
  sequence {
    step first: shell { run "sleep 0.3; echo first >> log" }
    if flag.stdout == "yes" { step middle: shell { run "echo middle >> log" } }
    step last: shell { run "echo last >> log" }
  }
}"#,
    );
    let r = c.run(&["--output", "report.json", "--jobs", "4"]);
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(c.lines("log"), ["first", "last"], "{r}");
    assert_eq!(status(&c, "middle"), "skipped");
}

#[test]
fn after_runs_however_its_steps_ended_and_while_the_run_fails() {
    let c = workflow(
        r#"workflow w {
  step flag: shell { run "echo no" }
  step ok: shell { run "echo ok >> log" }
  step bad: shell { run "sleep 0.3; echo bad >> log; exit 3" }
  step slow: shell { run "sleep 1; echo slow >> log" }
  if flag.stdout == "yes" { step gated: shell { run "echo gated >> log" } }
  step on_ok: shell { run "echo on_ok ${ok.status} >> log" }
  step on_bad: shell { run "echo on_bad ${bad.status} >> log"  after bad }
  step on_gated: shell { run "echo on_gated ${gated.status} >> log" }
  step on_slow: shell { run "echo on_slow ${slow.status} >> log"  after slow }
  step normal: shell { run "echo normal >> log"  depends on slow }
}"#,
    );
    let r = c.run(&["--output", "report.json", "--jobs", "8"]);
    // The `after` steps ran and succeeded; the run still failed for `bad`.
    assert_eq!(r.code, 1, "{r}");
    assert!(r.stdout.contains("`bad`"), "{r}");
    let log = sorted(&c, "log");
    for line in [
        "on_bad failed",
        "on_gated skipped",
        "on_ok succeeded",
        "on_slow succeeded",
    ] {
        assert!(log.iter().any(|l| l == line), "no `{line}` in {log:?}");
    }
    // `on_slow` started while the run was failing; `normal` did not.
    assert!(!log.iter().any(|l| l == "normal"), "{log:?}");
    assert_eq!(status(&c, "normal"), "not_run");
    assert_eq!(status(&c, "on_slow"), "succeeded");
    let lines = c.lines("log");
    let at = |l: &str| lines.iter().position(|x| x == l).unwrap();
    assert!(at("bad") < at("on_bad failed") && at("slow") < at("on_slow succeeded"));
}

#[test]
fn after_a_step_that_never_ran_because_the_run_stopped() {
    let c = workflow(
        r#"workflow w {
  step bad: shell { run "exit 1" }
  step later: shell { run "echo later >> log"  depends on bad }
  step cleanup: shell { run "echo cleanup ${later.status} >> log"  after later }
}"#,
    );
    let r = c.run(&["--output", "report.json"]);
    assert_eq!(r.code, 1, "{r}");
    assert_eq!(c.lines("log"), ["cleanup not_run"], "{r}");
}

#[test]
fn after_a_race_loser_and_a_timed_out_step() {
    let c = workflow(
        r#"workflow w {
  parallel race wait any {
    step fast: shell { run "echo fast >> log" }
    step slow: shell { run "echo $$ > slow.pid; sleep 20; echo slow >> log" }
  }
  step late: shell { run "sleep 20"  timeout 300ms  optional }
  step on_slow: shell { run "echo on_slow ${slow.status} >> log"  after slow }
  step on_late: shell { run "echo on_late ${late.status} >> log"  after late }
}"#,
    );
    let r = c.run(&["--output", "report.json", "--jobs", "8"]);
    assert_eq!(r.code, 0, "{r}");
    let log = sorted(&c, "log");
    assert_eq!(log, ["fast", "on_late failed", "on_slow cancelled"], "{r}");
}

#[test]
fn ctrl_c_lets_after_steps_run_as_finally_does() {
    let c = workflow(
        r#"workflow w {
  step long: shell { run "echo $$ > pid; sleep 30" }
  step next: shell { run "echo next >> log"  depends on long }
  step cleanup: shell { run "echo cleanup ${long.status} >> log"  after long }
  finally { step fin: shell { run "echo fin >> log" } }
}"#,
    );
    let child = c.wfc_run(&[]).spawn();
    assert!(c.wait_for_file("pid", Duration::from_secs(10)));
    wfc_testkit::signal(child.id() as i32, nix::sys::signal::Signal::SIGINT);
    let out = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(130), "{text}");
    assert_eq!(c.lines("log"), ["cleanup cancelled", "fin"], "{text}");
}

#[test]
fn a_handler_reads_how_steps_ended() {
    let c = workflow(
        r#"workflow w {
  step a: shell { run "echo a" }
  step b: shell { run "exit 2"  optional }
  finally {
    step report: shell { run "echo a=${a.status} b=${b.status} > report.txt" }
  }
}"#,
    );
    let r = c.run(&[]);
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(c.lines("report.txt"), ["a=succeeded b=failed"]);
}

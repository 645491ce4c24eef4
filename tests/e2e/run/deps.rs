//! Dependencies beyond "all succeeded", end to end through the `wfc`
//! binary: the `not_run` status, a run-time `if` over `x.status`, and
//! `depends on a, any(b, c)`. Statuses are read back from `wfc status
//! --format json`, the store's view of the run.

use crate::workflow;
use wfc_testkit::Case;

/// Each step's status as `wfc status last --format json` reports it.
fn statuses(c: &Case) -> std::collections::BTreeMap<String, String> {
    let st = c
        .wfc(["status", "last", "--format", "json"])
        .output()
        .json();
    st["step_list"]
        .as_array()
        .unwrap_or_else(|| panic!("no step_list in {st}"))
        .iter()
        .map(|s| {
            let name = s["name"].as_str().unwrap_or_default().to_owned();
            (name, s["status"].as_str().unwrap_or_default().to_owned())
        })
        .collect()
}

/// `wfc run w.wf ARGS`, recorded in the case's store.
fn run(c: &Case, args: &[&str]) -> wfc_testkit::Output {
    c.wfc(["run", "w.wf", "--plain"]).args(args).output()
}

fn status_of(c: &Case, step: &str) -> String {
    statuses(c)
        .remove(step)
        .unwrap_or_else(|| panic!("no step {step}"))
}

#[test]
fn a_step_whose_dependency_failed_is_not_run_and_reads_so() {
    let c = workflow(
        r#"workflow w {
  step build: shell { run "exit 3" }
  step deploy: shell {
    run "echo deployed"
    depends on build
  }
  step report: shell {
    run "echo ${deploy.status} > report"
  }
}"#,
    );
    let r = run(&c, &[]);
    assert_ne!(r.code, 0, "{r}");
    assert_eq!(c.lines("report"), ["not_run"], "{r}");
    assert_eq!(status_of(&c, "deploy"), "not_run");
    assert_eq!(status_of(&c, "build"), "failed");
}

#[test]
fn a_branch_not_taken_is_still_skipped() {
    let c = workflow(
        r#"workflow w {
  step flag: shell { run "echo no" }
  if flag.stdout == "yes" {
    step gated: shell { run "echo gated" }
  }
  step report: shell { run "echo ${gated.status} > report" }
}"#,
    );
    let r = run(&c, &[]);
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(c.lines("report"), ["skipped"], "{r}");
    assert_eq!(status_of(&c, "gated"), "skipped");
}

#[test]
fn an_if_over_a_required_steps_status_runs_when_it_failed() {
    let c = workflow(
        r#"workflow w {
  step deploy: shell { run "exit 1" }
  if deploy.status == "failed" {
    step page: shell { run "echo paged > paged" }
  }
  if deploy.status == "succeeded" {
    step celebrate: shell { run "echo yay > yay" }
  }
}"#,
    );
    let r = run(&c, &[]);
    assert_ne!(r.code, 0, "the run still fails: {r}");
    assert_eq!(c.lines("paged"), ["paged"], "{r}");
    let st = statuses(&c);
    assert_eq!(st["page"], "succeeded", "{st:?}");
    assert_eq!(st["celebrate"], "skipped", "{st:?}");
    assert_eq!(st["deploy"], "failed", "{st:?}");
}

/// `d` waits for `a` to succeed and for `b` and `c` to end, one succeeded.
fn any_of(b: &str, c: &str) -> Case {
    workflow(&format!(
        r#"workflow w {{
  step a: shell {{ run "echo a >> log" }}
  step b: shell {{
    run "sleep 0.2; echo b >> log; echo v=from-b >> $WF_OUTPUTS; {b}"
    outputs {{ v: string }}
  }}
  step c: shell {{
    run "echo c >> log; echo v=from-c >> $WF_OUTPUTS; {c}"
    outputs {{ v: string }}
  }}
  step d: shell {{
    run "echo d ${{default(b.outputs.v, "-")}} ${{default(c.outputs.v, "-")}} >> log"
    depends on a, any(b, c)
  }}
}}"#
    ))
}

#[test]
fn any_runs_after_every_member_ended_when_one_succeeded() {
    let c = any_of("exit 0", "exit 4");
    let r = run(&c, &[]);
    assert_eq!(r.code, 0, "a failed member left to its group: {r}");
    let log = c.lines("log");
    assert_eq!(
        log.last().map(String::as_str),
        Some("d from-b -"),
        "{log:?}"
    );
    assert!(log.contains(&"b".to_string()) && log.contains(&"c".to_string()));
    let st = statuses(&c);
    assert_eq!(
        (st["b"].as_str(), st["c"].as_str(), st["d"].as_str()),
        ("succeeded", "failed", "succeeded")
    );
}

#[test]
fn any_with_no_success_does_not_run_and_fails_the_run() {
    let c = any_of("exit 3", "exit 4");
    let r = run(&c, &[]);
    assert_ne!(r.code, 0, "{r}");
    assert!(
        r.stdout.contains("no member of `any(b, c)` succeeded"),
        "{r}"
    );
    assert!(!c.lines("log").iter().any(|l| l.starts_with('d')));
    assert_eq!(status_of(&c, "d"), "not_run");
}

#[test]
fn any_whose_members_are_all_absent_passes_through() {
    let c = workflow(
        r#"workflow w {
  step flag: shell { run "echo no" }
  if flag.stdout == "yes" {
    step b: shell { run "echo b" }
    step c: shell { run "echo c" }
  }
  step d: shell {
    run "echo d > d"
    depends on any(b, c)
  }
}"#,
    );
    let r = run(&c, &[]);
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(c.lines("d"), ["d"]);
}

/// #69: `default(b.stdout, …)` of an optional step that printed, then
/// failed, gave what it printed; the fallback is used whenever `b` did
/// not succeed.
#[test]
fn a_read_through_default_of_a_failed_step_is_the_fallback() {
    let c = workflow(
        r#"workflow w {
  step b: shell {
    run "echo partial; exit 3"
    optional
  }
  step r: shell {
    run "echo got ${default(b.stdout, "none")} exit ${default(b.exit_code, -1)} >> log"
  }
}"#,
    );
    let r = run(&c, &[]);
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(c.lines("log"), ["got none exit -1"]);
    assert_eq!(status_of(&c, "b"), "failed");
}

//! End-to-end tests of `wfc run` on `parallel … wait any` races and the
//! loops, branches and skips around them: the real binary on small inline
//! workflows, asserting on what the steps left behind, the report and the
//! exit code. (Everything else of `wfc run`: `run::workflows`.)

use crate::workflow;
use std::time::{Duration, Instant};
use wfc_testkit::{wait_dead, Case};

/// A race with a loop over a list known only at run time: `discover` runs
/// first, then each item's iteration races `other`. `$1` is appended to
/// each iteration's command: `exit 0` lets it succeed.
fn run_time_race(items: &str, other: &str, iteration_ends: &str) -> Case {
    workflow(&format!(
        r#"workflow w {{
  step discover: shell {{
    run "echo 'names={items}' >> $WF_OUTPUTS"
    outputs {{ names: list<string> }}
  }}
  parallel race wait any {{
    for each n in discover.outputs.names parallel {{
      step work: shell {{ run "echo $$ > pid.${{n}}; sleep ${{n}}; echo ${{n}} >> ran; {iteration_ends}" }}
    }}
    step other: shell {{ run "echo $$ > pid.other; {other}" }}
  }}
  step after: shell {{
    run "echo after >> ran"
    depends on race
  }}
}}"#
    ))
}

fn status(rep: &serde_json::Value, name: &str) -> String {
    wfc_testkit::report_step(rep, name)["status"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// The iterations of a run-time loop inside `wait any` are members of the
/// race: the first to succeed wins, and the other iterations and members
/// are cancelled, their processes killed.
#[test]
fn a_run_time_loop_races_inside_wait_any() {
    let c = run_time_race(r#"[\"3\", \"0.2\", \"2\"]"#, "sleep 30", "exit 0");
    let t = Instant::now();
    let r = c.run(&["--jobs", "5", "--output", "report.json"]);
    assert_eq!(r.code, 0, "{r}");
    assert!(t.elapsed() < Duration::from_secs(10), "{r}");
    assert_eq!(c.lines("ran"), ["0.2", "after"], "{r}");
    for loser in ["3", "2", "other"] {
        let pid: i32 = c.read(&format!("pid.{loser}")).trim().parse().unwrap();
        assert!(wait_dead(pid, Duration::from_secs(3)), "{loser} survived");
    }
    let rep = c.report();
    assert_eq!(status(&rep, "work[0.2]"), "succeeded");
    for loser in ["work[3]", "work[2]", "other"] {
        assert_eq!(status(&rep, loser), "cancelled", "{loser}: {rep}");
    }
    assert_eq!(status(&rep, "after"), "succeeded");
}

/// When every iteration and every other member fails, the race fails and
/// so does the run; what depends on the race is not run.
#[test]
fn a_race_of_run_time_iterations_that_all_fail_fails_the_run() {
    let c = run_time_race(r#"[\"0.1\", \"0.2\"]"#, "sleep 0.4; exit 1", "exit 1");
    let r = c.run(&["--jobs", "4", "--output", "report.json"]);
    assert_eq!(r.code, 1, "{r}");
    assert_eq!(c.lines("ran").len(), 2, "only the iterations ran: {r}");
    assert!(r.stdout.contains("every member of `race` failed"), "{r}");
    assert!(
        r.stdout.contains("not run: every member of `race` failed"),
        "{r}"
    );
    let rep = c.report();
    assert_eq!(status(&rep, "work[0.1]"), "failed");
    assert_eq!(status(&rep, "work[0.2]"), "failed");
    assert_eq!(status(&rep, "after"), "not_run");
}

/// An empty run-time list leaves the race to its other members.
#[test]
fn an_empty_run_time_loop_leaves_the_race_to_the_other_members() {
    let c = run_time_race("[]", "true", "exit 0");
    let r = c.run(&[]);
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(c.lines("ran"), ["after"], "{r}");
    let c = run_time_race("[]", "exit 1", "exit 0");
    let r = c.run(&[]);
    assert_eq!(r.code, 1, "{r}");
    assert!(c.lines("ran").is_empty(), "{r}");
}

/// A race won before the loop's list is known: the loop is never unrolled.
#[test]
fn a_race_won_before_its_loop_is_reached_never_unrolls_it() {
    let c = workflow(
        r#"workflow w {
  step discover: shell {
    run "sleep 0.5; echo 'names=[\"a\"]' >> $WF_OUTPUTS"
    outputs { names: list<string> }
  }
  parallel race wait any {
    for each n in discover.outputs.names { step work: shell { run "echo ${n} >> ran" } }
    step other: shell { run "true" }
  }
  step after: shell { run "echo after >> ran"  depends on race }
}"#,
    );
    let r = c.run(&["--jobs", "2"]);
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(c.lines("ran"), ["after"], "{r}");
    assert!(!r.stdout.contains("work[a]"), "{r}");
}

/// A sequential loop inside `wait any`: a failed iteration stops the next
/// ones (they end as not run), and the race is still decided (a regression
/// left the later iterations waiting for good: the race was never decided,
/// and a run whose members all failed ended "succeeded").
#[test]
fn a_failed_iteration_in_a_race_stops_its_loop_and_the_race_is_decided() {
    let wf = |other: &str| {
        format!(
            r#"workflow w {{
  param names: list<string> = ["a", "b", "c"]
  parallel race wait any {{
    for each n in names {{
      step work: shell {{ run "echo ${{n}} >> ran; [ ${{n}} = b ]" }}
    }}
    step other: shell {{ run "sleep 0.3; {other}" }}
  }}
  step after: shell {{ run "echo after >> ran"  depends on race }}
}}"#
        )
    };
    let c = workflow(&wf("exit 1"));
    let r = c.run(&["--output", "report.json"]);
    assert_eq!(r.code, 1, "{r}");
    assert_eq!(c.lines("ran"), ["a"], "{r}");
    let rep = c.report();
    assert_eq!(status(&rep, "work[a]"), "failed");
    assert_eq!(status(&rep, "work[b]"), "not_run");
    assert_eq!(status(&rep, "work[c]"), "not_run");
    assert_eq!(status(&rep, "after"), "not_run");
    assert_eq!(rep["status"], "failed", "{rep}");
    assert_eq!(rep["failed"]["step"], "other", "{rep}");

    // With the loop alone in the race, the block is decided when `work[c]`
    // ends not run: the blame goes to `work[a]`, which failed (it went to
    // `work[c]`, which never ran).
    let c = workflow(
        r#"workflow w {
  parallel race wait any {
    for each n in ["a", "b", "c"] { step work: shell { run "exit 1" } }
  }
}"#,
    );
    let r = c.run(&["--output", "report.json"]);
    assert_eq!(r.code, 1, "{r}");
    assert_eq!(c.report()["failed"]["step"], "work[a]", "{r}");

    let c = workflow(&wf("true"));
    let r = c.run(&["--output", "report.json"]);
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(c.lines("ran"), ["a", "after"], "{r}");
    assert_eq!(status(&c.report(), "work[b]"), "not_run");
}

/// A member waiting out its retry backoff when another member wins was
/// cancelled, not failed: its retry might have succeeded.
#[test]
fn a_race_member_in_its_retry_backoff_is_cancelled_by_the_winner() {
    let c = workflow(
        r#"workflow w {
  parallel p wait any {
    step x: shell { run "echo x >> ran; exit 1"  retry 3 backoff 5s }
    step y: shell { run "sleep 0.3; echo y >> ran" }
  }
}"#,
    );
    let t = Instant::now();
    let r = c.run(&["--output", "report.json"]);
    assert_eq!(r.code, 0, "{r}");
    assert!(
        t.elapsed() < Duration::from_secs(4),
        "the backoff was waited out"
    );
    assert_eq!(c.lines("ran"), ["x", "y"], "{r}");
    let rep = c.report();
    assert_eq!(status(&rep, "x"), "cancelled", "{rep}");
    assert_eq!(wfc_testkit::report_step(&rep, "x")["attempts"], 1);
}

/// Statuses of every step of the report, by name.
fn statuses(c: &Case) -> std::collections::BTreeMap<String, String> {
    let rep = c.report();
    rep["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["name"].as_str().unwrap().to_owned(),
                s["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// When only loop-limited steps are left, the scheduler starts one past
/// its loop's limit rather than wait forever; it must not start one a
/// decided race skipped, nor one of a loop a failed iteration broke (a
/// regression did both: a step reported skipped then ran).
#[test]
fn a_loop_held_by_a_dead_iteration_starts_nothing_skipped_or_broken() {
    let body = r#"for each i in ["a", "b", "c"] parallel 1 {
      step s: shell { run "echo s${i} >> ran; sleep 0.1; [ ${i} = a ] && exit $FAIL; true" }
      step t: shell { run "echo t${i} >> ran"  depends on s }
    }"#;
    // A race: `s[a]` fails, `o` wins; the rest of the loop must not run.
    let c = workflow(&format!(
        "workflow w {{\n  parallel p wait any {{\n    {body}\n    step o: shell {{ run \"sleep 0.3; echo o >> ran\" }}\n  }}\n  step after: shell {{ run \"echo after >> ran\"  depends on p }}\n}}"
    ));
    let r = c
        .wfc_run(&["--output", "report.json"])
        .env("FAIL", "1")
        .output();
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(c.lines("ran"), ["sa", "o", "after"], "{r}");
    let st = statuses(&c);
    assert_eq!(st["s[b]"], "skipped", "{st:?}");
    // --keep-going: the broken loop starts no new iteration.
    let c = workflow(&format!("workflow w {{\n  {body}\n}}"));
    let r = c
        .wfc_run(&["--keep-going", "--output", "report.json"])
        .env("FAIL", "1")
        .output();
    assert_eq!(r.code, 1, "{r}");
    assert_eq!(c.lines("ran"), ["sa"], "{r}");
    let st = statuses(&c);
    assert_eq!(
        (st["s[b]"].as_str(), st["s[c]"].as_str()),
        ("not_run", "not_run")
    );
}

/// An `if` not taken in one iteration of a sequential loop skips that
/// iteration's branch only: the next iterations run (a sequence edge orders
/// iterations; it is not a `depends on`).
#[test]
fn a_branch_not_taken_in_one_iteration_does_not_skip_the_next() {
    let c = workflow(
        r#"workflow w {
  for each i in ["a", "b", "c"] {
    step s: shell { run "echo s${i} >> ran; echo \"go=${i != "b"}\" >> $WF_OUTPUTS"
      outputs { go: bool } }
    if s.outputs.go {
      step t: shell { run "echo t${i} >> ran" }
    }
  }
}"#,
    );
    let r = c.run(&["--output", "report.json"]);
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(c.lines("ran"), ["sa", "ta", "sb", "sc", "tc"], "{r}");
    assert_eq!(statuses(&c)["t[b]"], "skipped");
}

/// A condition or a run-time loop's list that reads an output of an
/// optional step that failed has no value: the branch or the loop is
/// skipped, and the run succeeds (it failed with "the condition gave
/// `null`, not a bool"). A loop in a branch not taken is skipped without
/// evaluating its list (a list that cannot be evaluated failed the run).
#[test]
fn branches_and_loops_after_an_optional_failure_wait_or_fall_back() {
    // `top` fails, optionally: the branch that waits for it does not run;
    // the loop over its list with a fallback runs zero iterations; a branch
    // whose condition is false is absent, and what depends on it goes on.
    let c = workflow(
        r#"workflow w {
  step top: shell {
    run "echo 'go=true' >> $WF_OUTPUTS; echo 'l=[\"x\"]' >> $WF_OUTPUTS; exit 1"
    outputs { go: bool  l: list<string> }
    optional
  }
  if top.outputs.go {
    depends on top
    step t: shell { run "echo t >> ran" }
  }
  for each i in default(top.outputs.l, []) {
    step each: shell { run "echo each >> ran" }
  }
  step count: shell { run "echo count ${len(each.stdout)} >> ran" }
  step flag: shell {
    run "echo notjson; echo 'go=false' >> $WF_OUTPUTS"
    outputs { go: bool }
  }
  if flag.outputs.go {
    for each i in json(flag.stdout).items {
      step never: shell { run "echo never >> ran" }
    }
  }
  step after: shell { run "echo after >> ran"  depends on never }
}"#,
    );
    let r = c.run(&["--output", "report.json"]);
    assert_eq!(r.code, 0, "{r}");
    let mut ran = c.lines("ran");
    ran.sort();
    assert_eq!(ran, ["after", "count 0"], "{r}");
    let st = statuses(&c);
    assert_eq!(st["top"], "failed");
    assert_eq!(st["t"], "not_run", "{st:?}");
    assert!(r.stdout.contains("not run: `top` failed"), "{r}");
}

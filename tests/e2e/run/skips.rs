//! Skips, end to end: a step whose branch is not taken is *absent* — what
//! depends on it runs, after what it would have waited for; a step that
//! failed (optional) or did not run does not satisfy what depends on it; a
//! read guarded by `default(…)` runs after the step however it ended; an
//! output that does not exist is never read as empty text; and a wait for
//! approval ends when the run's outcome is decided without it.

use crate::workflow;
use std::time::Duration;
use wfc_testkit::{wait_dead, Case};

fn status(c: &Case, name: &str) -> (String, String) {
    let s = wfc_testkit::report_step(&c.report(), name);
    let text = |k: &str| s[k].as_str().unwrap_or_default().to_owned();
    (text("status"), text("error"))
}

#[test]
fn a_dependency_on_an_absent_step_is_satisfied_and_its_outputs_are_real() {
    // The reviewers' port: `make` was skipped with `gated`, and `use` read
    // its output as "" and ran `rm -rf /data/`.
    let c = workflow(
        r#"workflow w {
  step flag: shell { run "echo no" }
  if flag.stdout == "yes" { step gated: shell { run "echo gated" } }
  step make: shell {
    run "echo id=abc >> $WF_OUTPUTS"
    outputs { id: string }
    depends on gated
  }
  step use: shell { run "echo rm -rf /data/${make.outputs.id} > cmd" }
}"#,
    );
    let r = c.run(&["--output", "report.json"]);
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(c.lines("cmd"), ["rm -rf /data/abc"], "{r}");
    assert_eq!(status(&c, "gated").0, "skipped");
    assert_eq!(status(&c, "make").0, "succeeded");
}

/// `a → b → c` where `b` is absent: `c` starts only after `a`.
fn through(condition: &str) -> Case {
    workflow(&format!(
        r#"workflow w {{
  param env: string = "staging"
  step a: shell {{ run "sleep 0.3; touch a.done" }}
  step flag: shell {{ run "echo no" }}
  if {condition} {{
    step b: shell {{ run "echo b"  depends on a }}
  }}
  step c: shell {{ run "test -f a.done && echo c > c.out"  depends on b }}
}}"#
    ))
}

#[test]
fn ordering_passes_through_a_step_pruned_at_plan_time() {
    let c = through(r#"env == "prod""#);
    let r = c.run(&[]);
    assert_eq!(r.code, 0, "`c` started before `a` ended: {r}");
    assert_eq!(c.lines("c.out"), ["c"]);
    // The plan shows the edge that passes through `b`.
    let plan = c.wfc(["plan", "w.wf", "--format", "json"]).output().json();
    let step = plan["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "c")
        .unwrap();
    assert_eq!(step["edges"][0]["on"], "a", "{step}");
}

#[test]
fn ordering_passes_through_a_step_absent_at_run_time() {
    let c = through(r#"flag.stdout == "yes""#);
    let r = c.run(&["--output", "report.json"]);
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(c.lines("c.out"), ["c"]);
    assert_eq!(status(&c, "b").0, "skipped");
}

#[test]
fn a_failed_optional_step_does_not_satisfy_its_dependents_at_any_distance() {
    let c = workflow(
        r#"workflow w {
  step opt: shell { run "exit 3"  optional }
  step c: shell { run "echo c >> ran"  depends on opt }
  step e: shell { run "echo ${c.stdout} >> ran"  depends on c }
  step free: shell { run "echo free >> ran" }
}"#,
    );
    let r = c.run(&["--output", "report.json"]);
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(c.lines("ran"), ["free"], "{r}");
    assert_eq!(status(&c, "opt").0, "failed");
    assert_eq!(status(&c, "c"), ("not_run".into(), "`opt` failed".into()));
    assert_eq!(
        status(&c, "e"),
        ("not_run".into(), "`c` did not run".into())
    );
    assert!(
        r.stdout.contains("run succeeded in")
            && r.stdout
                .contains("(1 optional step failed, 2 steps not run)"),
        "a success with work left undone says so: {r}"
    );
}

#[test]
fn a_guarded_read_runs_after_the_step_however_it_ended() {
    let wf = |code: u8| {
        workflow(&format!(
            r#"workflow w {{
  step opt: shell {{
    run "sleep 0.3; touch opt.done; echo n=5 >> $WF_OUTPUTS; exit {code}"
    outputs {{ n: int }}
    optional
  }}
  step g: shell {{ run "test -f opt.done && echo ${{default(opt.outputs.n, 7)}} > g.out" }}
}}"#
        ))
    };
    let c = wf(1);
    let r = c.run(&[]);
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(c.lines("g.out"), ["7"], "the fallback, after `opt`: {r}");
    let c = wf(0);
    let r = c.run(&[]);
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(c.lines("g.out"), ["5"], "{r}");
    // A step that did not run (its dependency failed; the run goes on with
    // --keep-going): the guarded reader still runs after it, with the fallback.
    let c = workflow(
        r#"workflow w {
  step bad: shell { run "exit 1" }
  step x: shell {
    run "echo n=1 >> $WF_OUTPUTS"
    outputs { n: int }
    depends on bad
  }
  step g: shell { run "echo ${default(x.outputs.n, 7)} > g.out" }
}"#,
    );
    let r = c.run(&["--keep-going", "--output", "report.json"]);
    assert_eq!(r.code, 1, "{r}");
    assert_eq!(c.lines("g.out"), ["7"], "{r}");
    assert_eq!(status(&c, "x"), ("not_run".into(), "`bad` failed".into()));
}

#[test]
fn steps_after_a_run_time_loop_wait_for_every_iteration() {
    // The first iteration's branch is not taken at once; the reader used to
    // start then, and read the others' outputs as empty text.
    let c = workflow(
        r#"workflow w {
  step src: shell {
    run "echo 'ws=[\"w1\", \"w2\", \"w3\"]' >> $WF_OUTPUTS"
    outputs { ws: list<string> }
  }
  for each w in src.outputs.ws parallel {
    if w != "w1" {
      step p: shell { run "sleep 0.3; touch ${w}.done; echo ${w}" }
    }
  }
  step after: shell { run "ls *.done | wc -l | tr -d ' ' > seen; echo ${len(p.stdout)} >> seen" }
}"#,
    );
    let r = c.run(&["--jobs", "4"]);
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(c.lines("seen"), ["2", "3"], "{r}");
}

#[test]
fn a_loop_that_never_unrolled_reads_as_no_iterations() {
    // `src` fails: the loop over its list never unrolls, so it has no
    // iterations — not one that produced nothing (`len` was 1).
    let c = workflow(
        r#"workflow w {
  step src: shell {
    run "exit 1"
    outputs { l: list<string> }
    optional
  }
  for each x in src.outputs.l {
    depends on src
    step v: shell { run "echo ${x}" }
  }
  step count: shell { run "echo ${len(default(v.stdout, []))} > count" }
}"#,
    );
    let r = c.run(&["--output", "report.json"]);
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(c.lines("count"), ["0"], "{r}");
}

#[test]
fn an_output_that_does_not_exist_is_never_empty_text() {
    // A JSON `null` has no `name`: the step that interpolates it fails,
    // naming it, instead of running with "".
    let c = workflow(
        r#"workflow w {
  step h: shell { run "echo null" }
  step use: shell { run "echo id=${json(h.stdout).name} > out" }
}"#,
    );
    let r = c.run(&["--output", "report.json"]);
    assert_eq!(r.code, 1, "{r}");
    assert!(!c.path("out").exists(), "{r}");
    let (st, err) = status(&c, "use");
    assert_eq!(st, "failed");
    assert_eq!(err, "`${json(h.stdout).name}` has no value");
}

#[test]
fn a_wait_for_approval_ends_when_a_required_step_fails() {
    // The run has failed: no approval can change that, and wfc used to wait
    // for one forever.
    let c = workflow(
        r#"workflow w {
  step gate: gate { approval "boss" }
  step bad: shell { run "sleep 0.3; exit 1" }
  finally {
    step fin: shell { run "echo finally > fin" }
  }
}"#,
    );
    let child = c.wfc_run(&["--output", "report.json"]).spawn();
    let pid = child.id() as i32;
    if !wait_dead(pid, Duration::from_secs(20)) {
        wfc_testkit::signal(pid, nix::sys::signal::Signal::SIGKILL);
        panic!("wfc still waits for an approval that cannot change the outcome");
    }
    let r = wfc_testkit::Output::from(child.wait_with_output().unwrap());
    assert_eq!(r.code, 1, "{r}");
    assert_eq!(c.lines("fin"), ["finally"], "{r}");
    let (st, err) = status(&c, "gate");
    assert_eq!(st, "cancelled");
    assert_eq!(
        err,
        "cancelled: the run failed while it waited for approval (`bad` failed)"
    );
}

/// A member or element of an output that may not exist may not exist
/// either: `default(x.outputs.data.id, …)` reads the fallback when `x` did not run,
/// and the real value when it did.
#[test]
fn a_member_of_an_output_that_may_not_exist_takes_its_default() {
    let c = workflow(
        r#"workflow w {
  param go: bool = false
  if go {
    step x: shell {
      run "echo 'data={\"id\": 7, \"tags\": [\"a\"]}' >> $WF_OUTPUTS"
      outputs { data: json }
    }
  }
  step y: shell {
    run "echo ${default(x.outputs.data.id, 0)} ${default(x.outputs.data.tags[0], "none")} >> seen"
    after x
  }
}"#,
    );
    let r = c.run(&[]);
    assert_eq!(r.code, 0, "{r}");
    let r = c.run(&["-p", "go=true"]);
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(c.lines("seen"), ["0 none", "7 a"], "{r}");
}

/// A skip decided at run time names the let, or the part of the joined
/// conditions that is false, not the whole expression expanded, and what
/// that part compared by value (a secret masked).
#[test]
fn a_skip_names_the_let_or_the_part_that_is_false() {
    let c = workflow(
        r#"workflow w {
  param env: string = "prod"
  step detect: shell { run "echo no" }
  let changed = trim(detect.stdout) == "yes" && starts_with(detect.stdout, "y")
  if env == "prod" {
    if changed {
      step ship: shell { run "echo shipped" }
    }
  }
  if detect.stdout != "" {
    if detect.stdout == "maybe" {
      step other: shell { run "echo other" }
    }
  }
  secret token: string = "s3cr3t-value"
  step echo: shell { run "printf '%s' ${token}" }
  if echo.stdout == "nothing" {
    step hidden: shell { run "echo hidden" }
  }
}"#,
    );
    let r = c.run(&["--output", "report.json"]);
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(
        status(&c, "ship"),
        (
            "skipped".into(),
            "`changed` is false: `trim(detect.stdout) == \"yes\"` is false: `trim(detect.stdout)` is \"no\"".into()
        )
    );
    assert_eq!(
        status(&c, "other"),
        (
            "skipped".into(),
            "`detect.stdout == \"maybe\"` is false: `detect.stdout` is \"no\"".into()
        )
    );
    let (status_, why) = status(&c, "hidden");
    assert_eq!(status_, "skipped");
    assert!(!why.contains("s3cr3t"), "{why}");
    assert!(why.contains("`echo.stdout` is "), "{why}");
}

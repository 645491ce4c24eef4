//! `let`, `cond ? a : b`, the new functions and the run context through
//! `wfc run`: what the steps leave behind.

use crate::workflow;

#[test]
fn a_run_time_let_orders_its_users_after_the_steps_it_reads() {
    // `user` names no dependency: reading `tag` (which reads `describe`)
    // makes it wait for `describe`, even with workers to spare.
    let c = workflow(
        r#"workflow w {
          param prefix: string = "v"
          let tag = prefix + trim(describe.stdout)
          step describe: shell { run "sleep 0.3; echo ' 1.4 '; echo describe >> log" }
          step user: shell { run "echo \"user ${tag}\" >> log" }
          step free: shell { run "echo free >> log" }
        }"#,
    );
    let r = c.run(&["--jobs", "4"]);
    assert_eq!(r.code, 0, "{r}");
    let log = c.lines("log");
    let pos = |x: &str| log.iter().position(|l| l == x).unwrap();
    assert!(pos("describe") < pos("user v1.4"), "{log:?}");
    // An unrelated step does not wait for `describe`.
    assert!(pos("free") < pos("describe"), "{log:?}");
}

#[test]
fn plan_time_lets_and_conditionals_fold_and_only_the_chosen_arm_runs() {
    let c = workflow(
        r#"workflow w {
          param env: string = "prod"
          let replicas = env == "prod" ? 5 : 1
          let image = "api:${upper(env)}-${replicas}"
          step probe: shell { run "echo not-json" }
          # The other arm would fail: `json()` of text that is not JSON.
          let seen = probe.exit_code == 0 ? "fine" : string(json(probe.stdout))
          step out: shell {
            run "echo ${image} ${seen} ${join(split("a,b", ","), "+")} ${len(range(0, 3))} ${coalesce(env("WFC_UNSET_X"), "none")} >> out"
          }
        }"#,
    );
    let plan = c.wfc(["plan", "w.wf"]).success().output();
    assert!(plan.stdout.contains("replicas  5"), "{plan}");
    assert!(plan.stdout.contains("image     \"api:PROD-5\""), "{plan}");
    assert!(plan.stdout.contains("(at run time)"), "{plan}");
    let r = c.run(&[]);
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(c.lines("out"), ["api:PROD-5 fine a+b 3 none"]);
}

#[test]
fn handlers_read_the_run_status_and_failures() {
    let c = workflow(
        r#"workflow ctx {
          step good: shell { run "echo good" }
          step bad: shell { run "echo boom >&2; exit 3"  optional }
          step worse: shell { run "exit 4"  depends on good }
          on failure {
            for each f in run.failures {
              step note: shell { run "echo \"${f.step}: ${f.error}\" >> failures" }
            }
            step status: shell {
              run "echo ${run.status} ${run.trigger} ${run.workflow} ${run.id} ${len(run.failures)} >> status; echo ${run.started} >> started"
            }
          }
        }"#,
    );
    let r = c.run(&["--jobs", "1"]);
    assert_eq!(r.code, 1, "{r}");
    let status = c.read("status");
    let words: Vec<&str> = status.split_whitespace().collect();
    assert_eq!(words[..3], ["failed", "manual", "ctx"], "{status}");
    // The run id is the one wfc reports (and the store keeps).
    assert!(
        r.stdout.contains(&format!("run {} ", words[3])),
        "{r}\n{status}"
    );
    assert_eq!(words[4], "2", "{status}");
    let mut failures = c.lines("failures");
    failures.sort();
    assert_eq!(failures.len(), 2, "{failures:?}");
    assert!(
        failures[0].starts_with("bad: ") && failures[0].contains('3'),
        "{failures:?}"
    );
    assert!(
        failures[1].starts_with("worse: ") && failures[1].contains('4'),
        "{failures:?}"
    );
    let started = c.read("started");
    let started = started.trim();
    // RFC 3339, to the millisecond when it has some.
    assert!(
        (started.len() == 20 || started.len() == 24)
            && started.ends_with('Z')
            && started.as_bytes()[10] == b'T',
        "{started}"
    );
}

#[test]
fn a_bad_regex_computed_at_run_time_fails_its_step_clearly() {
    let c = workflow(
        r#"workflow w {
          step pattern: shell { run "echo '('" }
          step test: gate { check matches("abc", trim(pattern.stdout)) }
        }"#,
    );
    let r = c.run(&[]);
    assert_eq!(r.code, 1, "{r}");
    assert!(
        r.stdout.contains("the regular expression is not valid"),
        "{r}"
    );
}

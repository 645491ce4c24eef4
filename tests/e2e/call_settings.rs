//! Settings of a call step that reach its inlined steps: `retry` given to
//! each callee step that sets none, and what the callee's handlers read of
//! how the call ended (`failed.error`, `run.duration`, `run.failures`).

use crate::workflow;

/// `flaky` fails twice, then succeeds; `stubborn` sets its own `retry 1`
/// (the innermost wins) and fails while the file `ok` is missing.
const RETRIED: &str = r#"workflow main {
  param fix: bool = false
  step ship: call release { fix fix  retry 2 backoff 10ms }
  step after_ship: shell { run "echo shipped >> order"  depends on ship }
}

workflow release {
  param fix: bool
  step prep: shell { run "echo prep >> order" }
  step flaky: shell {
    run "echo try >> tries; [ $(wc -l < tries) -ge 3 ] && echo flaky >> order"
    depends on prep
  }
  step stubborn: shell {
    run "echo stub >> stubs; [ ${fix} = true ]"
    retry 1
    depends on flaky
  }
}
"#;

fn attempts(c: &wfc_testkit::Case, step: &str) -> (String, u64) {
    let st = c
        .wfc(["status", "last", "--format", "json"])
        .success()
        .output()
        .json();
    let s = st["step_list"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == step)
        .unwrap_or_else(|| panic!("{step} in {st}"))
        .clone();
    let status = s["status"].as_str().unwrap_or_default().to_string();
    (status, s["attempts"].as_u64().unwrap_or_default())
}

#[test]
fn retry_on_a_call_retries_the_step_that_failed_where_it_failed() {
    let c = workflow(RETRIED);
    let r = c
        .wfc(["run", "w.wf", "--plain", "--param", "fix=true"])
        .output();
    assert_eq!(r.code, 0, "{r}");
    // `prep` ran once: only the failed step was tried again.
    assert_eq!(c.lines("order"), ["prep", "flaky", "shipped"]);
    assert_eq!(c.lines("tries").len(), 3);
    assert_eq!(attempts(&c, "ship.flaky"), ("succeeded".into(), 3));
    assert_eq!(attempts(&c, "ship.prep"), ("succeeded".into(), 1));
}

#[test]
fn a_callee_steps_own_retry_wins_over_the_calls() {
    let c = workflow(RETRIED);
    let r = c.wfc(["run", "w.wf", "--plain"]).output();
    assert_eq!(r.code, 1, "{r}");
    // Its own `retry 1`: two attempts, not the call's three.
    assert_eq!(c.lines("stubs").len(), 2);
    assert_eq!(attempts(&c, "ship.stubborn"), ("failed".into(), 2));
    assert!(!c.read("order").contains("shipped"), "{r}");
}

/// The callee's handlers write what they read of how the call ended.
const HANDLERS: &str = r#"workflow main {
  step x: call risky { }
  step later: shell { run "echo later > later"  after x }
}

workflow risky {
  step warm: shell { run "sleep 0.2" }
  step soft: shell { run "echo soft-error >&2; exit 4"  optional }
  step boom: shell { run "echo boom-error >&2; exit 3"  depends on warm }
  on failure {
    step tell: shell {
      run "echo '${failed.step}|${failed.error}|${len(run.failures)}|${run.status}' > told; echo ${run.duration} > took"
    }
  }
}
"#;

#[test]
fn a_callees_handlers_read_the_calls_error_duration_and_failures() {
    let c = workflow(HANDLERS);
    let r = c.run(&[]);
    assert_eq!(r.code, 1, "{r}");
    let told = c.read("told");
    let parts: Vec<&str> = told.trim().split('|').collect();
    assert_eq!(parts[0], "x.boom", "{told}");
    assert!(parts[1].contains("exit code 3"), "{told}");
    assert_eq!(parts[2], "2", "{told}");
    assert_eq!(parts[3], "failed", "{told}");
    // `warm` slept 0.2 s before `boom` ran: the call took at least that.
    let took = c.read("took");
    let ms = wfc_language::syntax::duration::parse(took.trim())
        .unwrap_or_else(|e| panic!("a duration: {took}: {e:?}"));
    assert!(ms >= 200, "{took}");
    // The call's own error names the step and carries its error.
    assert!(
        r.stdout
            .contains("step `x.boom` of the call failed: exit code 3"),
        "{r}"
    );
    assert_eq!(c.lines("later"), ["later"]);
}

//! Calls through `wfc run`: the plan inlines a callee's steps as
//! `X.step`, so what they leave behind, their order, the store's records,
//! `wfc status` / `logs`, and resume after a SIGKILL inside a callee are
//! those of one graph.

use crate::store::{wait_for, Env};
use crate::workflow;
use std::time::Duration;
use wfc_testkit::{alive, kill9};

/// `ship` builds (an output written by its step) and reports a URL from
/// it; the caller writes the URL it reads as `ship.outputs.url`.
const OUTPUTS: &str = r#"workflow deploy {
  param version: string = "1.2.3"
  outputs { url: string = ship.outputs.url }
  step ship: call release { version version  env "prod" }
  step tell: shell { run "echo ${ship.outputs.url} > told; echo ${ship.status} >> told"  depends on ship }
}

workflow release {
  param version: string
  param env: string in ["dev", "prod"]
  outputs { url: string = "https://example.com/${env}/${build.outputs.artifact}" }
  step build: shell {
    run "echo building ${version}; echo artifact=app-${version}.tar >> $WF_OUTPUTS"
    outputs { artifact: string }
  }
  step push: shell { run "echo pushed >> pushed"  depends on build }
}
"#;

#[test]
fn a_caller_reads_its_callees_outputs_and_the_store_shows_inner_steps() {
    let c = workflow(OUTPUTS);
    let r = c.wfc(["run", "w.wf", "--plain"]).output();
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(
        c.lines("told"),
        ["https://example.com/prod/app-1.2.3.tar", "succeeded"]
    );
    assert_eq!(c.lines("pushed"), ["pushed"]);
    assert!(
        r.stdout
            .contains("url = https://example.com/prod/app-1.2.3.tar"),
        "{r}"
    );
    let st = c
        .wfc(["status", "last", "--format", "json"])
        .success()
        .output()
        .json();
    let steps: Vec<(String, String)> = st["step_list"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let f = |k: &str| s[k].as_str().unwrap_or_default().to_string();
            (f("name"), f("status"))
        })
        .collect();
    for name in ["ship.build", "ship.push", "ship", "tell"] {
        assert!(
            steps.contains(&(name.into(), "succeeded".into())),
            "{name} in {steps:?}"
        );
    }
    let text = c.wfc(["status", "last"]).success().output();
    assert!(text.stdout.contains("ship.build"), "{text}");
    let logs = c.wfc(["logs", "last", "ship.build"]).success().output();
    assert!(logs.stdout.contains("building 1.2.3"), "{logs}");
    let stats = c.wfc(["stats", "deploy"]).output();
    assert!(stats.stdout.contains("ship.build"), "{stats}");
}

/// `a` and the callee's `up` have compensations; the callee's `boom`
/// fails. Its handlers run when the call ends, then the caller's saga
/// unwinds newest first, then the caller's `on failure`.
const SAGA: &str = r#"workflow main {
  step a: shell {
    run "echo a >> order"
    on failure rollback { step undo_a: shell { run "echo undo a >> order" } }
  }
  step x: call risky { tag "t1"  depends on a }
  step never: shell { run "echo never >> order"  depends on x }
  on failure { step page: shell { run "echo page ${failed.step} >> order" } }
}

workflow risky {
  param tag: string
  step up: shell {
    run "echo up ${tag} >> order"
    on failure rollback { step down: shell { run "echo down ${tag} >> order" } }
  }
  step boom: shell { run "echo boom >> order; exit 3"  depends on up }
  on failure { step alert: shell { run "echo alert ${failed.step} >> order" } }
  on success { step cheer: shell { run "echo cheer >> order" } }
  finally { step tidy: shell { run "echo tidy >> order" } }
}
"#;

#[test]
fn a_failing_callee_runs_its_handlers_then_the_callers_saga_in_order() {
    let c = workflow(SAGA);
    let r = c.run(&["--jobs", "1"]);
    assert_eq!(r.code, 1, "{r}");
    let order = c.lines("order");
    assert_eq!(order[..3], ["a", "up t1", "boom"], "{order:?}");
    // The call's handlers, scoped to it, in either order.
    let mut scoped = order[3..5].to_vec();
    scoped.sort();
    assert_eq!(scoped, ["alert x.boom", "tidy"], "{order:?}");
    // Then the compensations, newest first, and the caller's handler.
    assert_eq!(
        order[5..],
        ["down t1", "undo a", "page x.boom"],
        "{order:?}"
    );
    assert!(r.stdout.contains("`x.boom`: exit code 3"), "{r}");
}

/// `a`, then a call whose step `b` waits for the file `go` (recording its
/// pid), then `c` reading the call's output.
const KILLED: &str = r#"workflow outer {
  param dir: string
  step a: shell { run "echo a >> ${dir}/count/a" }
  step inner: call slow { dir dir  depends on a }
  step c: shell {
    run "echo c >> ${dir}/count/c; echo got ${inner.outputs.value} > ${dir}/c.out"
    depends on inner
  }
}

workflow slow {
  param dir: string
  outputs { value: int = b.outputs.value }
  step b: shell {
    run "echo b >> ${dir}/count/b; echo running b; echo $$ > ${dir}/b.pid; if [ -f ${dir}/go ]; then echo value=7 >> $WF_OUTPUTS; exit 0; fi; exec sleep 30"
    outputs { value: int }
  }
}
"#;

#[test]
fn kill_inside_a_callee_then_resume() {
    let env = Env::new(KILLED);
    let mut child = env.spawn_run(&[]);
    let id = env.run_id();
    env.wait_step("inner.b", "running");
    wait_for(Duration::from_secs(10), || {
        env.path().join("b.pid").exists()
    });
    // The plan's fingerprints list `c` (see `store::cli`).
    wait_for(Duration::from_secs(5), || {
        let st = env.json(&["status", &id, "--format", "json"]);
        st["step_list"]
            .as_array()
            .is_some_and(|l| l.iter().any(|s| s["name"] == "c"))
    });
    let pid: i32 = std::fs::read_to_string(env.path().join("b.pid"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    kill9(&mut child);
    wait_for(Duration::from_secs(5), || !alive(pid));
    assert_eq!(env.check_after_kill(&id), ["a"]);
    env.touch("go");
    env.resume_ok(&id);
    assert_eq!((env.count("a"), env.count("b"), env.count("c")), (1, 2, 1));
    assert_eq!(
        std::fs::read_to_string(env.path().join("c.out"))
            .unwrap()
            .trim(),
        "got 7"
    );
    let st = env.json(&["status", &id, "--format", "json"]);
    let inner = st["step_list"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "inner.b")
        .unwrap()
        .clone();
    assert_eq!(inner["status"], "succeeded", "{st:#}");
    let logs = env.wfc(&["logs", &id, "inner.b"]);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&logs.stdout),
        String::from_utf8_lossy(&logs.stderr)
    );
    assert_eq!(text.matches("── attempt 1").count(), 2, "{text}");
}

/// An argument is a value wherever the callee interpolates it: shell
/// syntax in it never runs, however it was built.
#[test]
fn an_argument_never_becomes_code_in_the_callee() {
    let c = workflow(
        r#"workflow main {
  param evil: string = "x; touch pwned"
  step a: call note { text evil }
  step b: call note { text "y $(touch pwned2) ${evil}" }
}
workflow note {
  param text: string
  step w: shell { run "echo ${text} >> said" }
}
"#,
    );
    let r = c.run(&["--jobs", "1"]);
    assert_eq!(r.code, 0, "{r}");
    let mut said = c.lines("said");
    said.sort();
    assert_eq!(said, ["x; touch pwned", "y $(touch pwned2) x; touch pwned"]);
    assert!(!c.path("pwned").exists() && !c.path("pwned2").exists());
}

/// A failure elsewhere stops the run before the call's steps start: the
/// call is not reported as succeeded for work that never happened.
#[test]
fn a_call_stopped_by_a_failure_elsewhere_does_not_succeed() {
    let c = workflow(
        r#"workflow main {
  step bad: shell { run "exit 1" }
  step slow: shell { run "sleep 0.3" }
  step x: call inner { depends on slow }
}
workflow inner {
  step b: shell { run "echo b >> ran" }
}
"#,
    );
    let r = c.wfc(["run", "w.wf", "--plain"]).output();
    assert_eq!(r.code, 1, "{r}");
    assert!(c.lines("ran").is_empty());
    let st = c
        .wfc(["status", "last", "--format", "json"])
        .success()
        .output()
        .json();
    let status = |name: &str| {
        st["step_list"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == name)
            .map(|s| s["status"].as_str().unwrap_or_default().to_string())
    };
    assert_eq!(status("x.b").as_deref(), Some("not_run"), "{st:#}");
    assert_ne!(status("x").as_deref(), Some("succeeded"), "{st:#}");
}

/// `timeout` on a call bounds all of the call's steps, from the start of
/// its first: the step running at the deadline is stopped, the ones after
/// it never start, and the callee's `on failure` still runs.
#[test]
fn a_calls_timeout_bounds_its_steps() {
    for (call, callee) in [("timeout 1s", ""), ("", "timeout 1s")] {
        let c = workflow(&format!(
            r#"workflow main {{
  step slow: call work {{ {call} }}
  step later: shell {{ run "echo ran >> later"  after slow }}
}}

workflow work {{
  {callee}
  step first: shell {{ run "sleep 0.3; echo first >> order" }}
  step second: shell {{ run "sleep 5; echo second >> order"  depends on first }}
  step third: shell {{ run "echo third >> order"  depends on second }}
  on failure {{
    step cleanup: shell {{ run "echo cleanup >> order" }}
  }}
}}
"#
        ));
        let r = c.wfc(["run", "w.wf", "--plain"]).output();
        assert_eq!(r.code, 1, "{call}{callee}: {r}");
        assert!(
            r.all().contains("the call `slow`'s timeout (1s) expired"),
            "{call}{callee}: {r}"
        );
        // `second` was stopped before it wrote; `third` never started.
        assert_eq!(c.lines("order"), ["first", "cleanup"], "{r}");
        assert_eq!(c.lines("later"), ["ran"], "{r}");
    }
}

/// A call step's own `on failure rollback` is registered when the call
/// succeeds, and runs when a later step fails the run.
#[test]
fn a_calls_own_rollback_runs_when_a_later_step_fails() {
    let c = workflow(
        r#"workflow main {
  step ship: call work {
    on failure rollback {
      step unship: shell { run "echo unship >> order" }
    }
  }
  step boom: shell { run "exit 1"  depends on ship }
}

workflow work {
  step first: shell { run "echo first >> order" }
}
"#,
    );
    let r = c.wfc(["run", "w.wf", "--plain"]).output();
    assert_eq!(r.code, 1, "{r}");
    assert_eq!(c.lines("order"), ["first", "unship"], "{r}");
}

/// A call of a call of a step that fails: the call's handler and the
/// call's error name that step in full.
const NESTED_FAILURE: &str = r#"workflow top {
  step x: call mid { }
}

workflow mid {
  step y: call low { }
  on failure { step alert: shell { run "echo ${failed.step} >> told" } }
}

workflow low {
  step ok: shell { run "true" }
  step boom: shell { run "exit 3"  depends on ok }
}
"#;

#[test]
fn a_failure_deep_in_nested_calls_is_named_in_full() {
    let c = workflow(NESTED_FAILURE);
    let r = c.run(&[]);
    assert_eq!(r.code, 1, "{r}");
    assert_eq!(c.lines("told"), ["x.y.boom"]);
    assert!(
        r.stdout
            .contains("step `x.y.boom` of the call failed: exit code 3"),
        "{r}"
    );
}

/// 13 levels of two calls each: 8190 joins and 4096 steps, planned (each
/// join names a failed step through the joins below it, not through all
/// of them: this used to overflow the stack).
#[test]
fn thirteen_levels_of_two_calls_each_plan() {
    let c = crate::case().file("fan.wf", &wfc_testkit::nested_calls(13, 2));
    let r = c.wfc(["plan", "fan.wf", "--format", "json"]).output();
    assert_eq!(r.code, 0, "{}", r.stderr);
    let plan = r.json();
    assert_eq!(plan["steps"].as_array().unwrap().len(), 8190 + 4096);
}

/// Calls nest at most 64 deep: a chain of 65 calls, or of 200, is E0236
/// at the call that goes too deep, with the chain; never a crash.
#[test]
fn calls_nested_beyond_the_bound_are_an_error_not_a_crash() {
    let ok = crate::case().file("ok.wf", &wfc_testkit::nested_calls(65, 1));
    let r = ok.wfc(["plan", "ok.wf"]).output();
    assert_eq!(r.code, 0, "{}", r.stderr);
    for depth in [66, 200] {
        let c = crate::case().file("deep.wf", &wfc_testkit::nested_calls(depth, 1));
        let r = c.wfc(["plan", "deep.wf"]).output();
        assert_eq!(r.code, 3, "{depth}: {r}");
        assert!(r.stderr.contains("E0236"), "{depth}: {}", r.stderr);
        assert!(
            r.stderr
                .contains("call `c0` nests calls 65 deep, more than 64"),
            "{depth}: {}",
            r.stderr
        );
        // The chain, in the help (wrapped to the terminal's width).
        let words = r.stderr.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(words.contains("chain: w0 → w1 → w2 →"), "{}", r.stderr);
        assert!(words.contains("w63 → w64 → w65"), "{}", r.stderr);
    }
}

/// Two calls per level over 30 levels would inline 2^31 steps: E0237,
/// found before inlining anything.
#[test]
fn calls_that_would_inline_too_many_steps_are_an_error() {
    let c = crate::case().file("wide.wf", &wfc_testkit::nested_calls(31, 2));
    let r = c.wfc(["plan", "wide.wf"]).output();
    assert_eq!(r.code, 3, "{r}");
    assert!(r.stderr.contains("E0237"), "{}", r.stderr);
    assert!(r.stderr.contains("more than 50000"), "{}", r.stderr);
}

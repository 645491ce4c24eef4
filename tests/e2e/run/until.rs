//! What an `until` condition sees and what it does when it cannot be
//! evaluated, through the whole `wfc run`: `run.*`, `failed.*` and
//! `x.status` in the condition (they held nowhere before), and a condition
//! that breaks after a try failing the step at once (E0501) rather than at
//! its `within`, as the report and the store record it.

use super::fixture;
use crate::workflow;

/// The report's entry for step `name`.
fn step(report: &serde_json::Value, name: &str) -> serde_json::Value {
    report["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == name)
        .unwrap_or_else(|| panic!("no step {name} in {report:#}"))
        .clone()
}

/// The step's script, a try count kept in `FILE` beside the workflow:
/// prints `no` until its third try, then `THEN`.
fn third_try(file: &str, then: &str) -> String {
    format!(
        "n=$(cat {file} 2>/dev/null || echo 0); n=$((n + 1)); echo $n > {file}; \
         if [ $n -ge 3 ]; then echo {then}; else echo no; fi"
    )
}

#[test]
fn until_sees_run_fields_as_the_steps_fields_do() {
    let c = workflow(&format!(
        r#"workflow poll {{
  step tag: shell {{
    run "{}"
    until trim(tag.stdout) == run.id && run.workflow == "poll" && run.trigger == "manual" && run.started <= now() every 100ms within 20s
  }}
  step after: shell {{ run "echo ${{tag.stdout}} > seen"  depends on tag }}
}}"#,
        third_try("tries", "${run.id}")
    ));
    let r = c.wfc_run(&["--output", "report.json"]).output();
    assert_eq!(r.code, 0, "{r}");
    let report = c.report();
    let id = report["run_id"].as_str().unwrap().to_owned();
    // The third try printed the run's id: the condition held then.
    assert_eq!(step(&report, "tag")["attempts"], 3, "{report:#}");
    assert_eq!(c.lines("tries"), ["3"]);
    assert_eq!(c.lines("seen"), [id]);
}

#[test]
fn until_sees_the_status_it_reads_and_failed_in_a_handler() {
    let c = workflow(&format!(
        r#"workflow poll {{
  step first: shell {{ run "true" }}
  step second: shell {{
    run "echo up"
    until trim(second.stdout) == "up" && first.status == "succeeded" every 100ms within 20s
  }}
  step boom: shell {{ run "exit 3"  depends on second }}
  on failure {{
    step tell: shell {{
      run "{}"
      until trim(tell.stdout) == failed.step every 100ms within 20s
    }}
  }}
}}"#,
        third_try("tries", "${failed.step}")
    ));
    let r = c.wfc_run(&["--output", "report.json"]).output();
    assert_eq!(r.code, 1, "{r}");
    let report = c.report();
    assert_eq!(step(&report, "second")["status"], "succeeded", "{report:#}");
    assert_eq!(step(&report, "second")["attempts"], 1, "{report:#}");
    let tell = step(&report, "tell");
    assert_eq!(tell["status"], "succeeded", "{tell:#}");
    assert_eq!(tell["attempts"], 3, "{tell:#}");
}

/// `within 10m`, `every 1s`: a condition that breaks fails its step after
/// the first try, and the run ends in well under a second of recorded time.
#[test]
fn an_until_that_cannot_be_evaluated_fails_the_step_at_once() {
    let c = fixture("E0501-until-cannot-be-evaluated.wf");
    let r = (c.wfc(["run", "w.wf", "--plain", "--output", "report.json"])).output();
    assert_eq!(r.code, 1, "{r}");
    let report = c.report();
    let ready = step(&report, "ready");
    assert_eq!(ready["status"], "failed", "{ready:#}");
    assert_eq!(ready["attempts"], 1, "not polled again: {ready:#}");
    let error = ready["error"].as_str().unwrap();
    for part in [
        "E0501: the `until` condition of step `ready` cannot be evaluated",
        r#"the map has no key "state""#,
        r#"(`until json(ready.stdout).state == "ready"`)"#,
    ] {
        assert!(error.contains(part), "{part:?} in {error}");
    }
    // The recorded times, not the test's clock: one try, no wait of 1s.
    let secs = |v: &serde_json::Value| v["duration_seconds"].as_f64().unwrap();
    assert!(secs(&ready) < 1.0, "{ready:#}");
    assert!(secs(&report) < 1.0, "{report:#}");
    assert_eq!(step(&report, "after")["status"], "not_run");
    assert!(!c.path("after.log").exists());
    // The store keeps the same error.
    let st = c.wfc(["status", "last"]).success().output();
    assert!(
        st.stdout
            .contains("E0501: the `until` condition of step `ready`"),
        "{st}"
    );
}

/// A runtime type error and a value that is not a bool break the
/// condition as a missing field does; one that does not hold yet polls on.
#[test]
fn type_errors_and_values_that_are_not_bools_break_an_until() {
    let c = workflow(
        r#"workflow poll {
  step count: shell {
    run "echo many"
    until int(trim(count.stdout)) > 0 every 1s within 10m
  }
  step flag: shell {
    run "echo '{\"ready\": \"yes\"}'"
    until json(flag.stdout).ready every 1s within 10m
  }
  step gone: shell {
    run "echo '{\"ready\": null}'"
    until json(gone.stdout).ready every 1s within 10m
  }
}"#,
    );
    let r = c
        .wfc_run(&["--output", "report.json", "--keep-going"])
        .output();
    assert_eq!(r.code, 1, "{r}");
    let report = c.report();
    for (name, why) in [
        ("count", "int(): the text is not a whole number"),
        ("flag", r#"it gave "yes", not a bool"#),
        ("gone", "it has no value"),
    ] {
        let s = step(&report, name);
        let error = s["error"].as_str().unwrap_or_default();
        assert_eq!(s["attempts"], 1, "{s:#}");
        assert!(
            error.starts_with(&format!(
                "E0501: the `until` condition of step `{name}` cannot be evaluated: {why}"
            )),
            "{error}"
        );
    }
    assert!(
        report["duration_seconds"].as_f64().unwrap() < 1.0,
        "{report:#}"
    );
}

/// A run stopped between two tries of an `until` that never held: its last
/// try succeeded, the step did not (the fresh probe of issue 51 found it
/// recorded `succeeded`, and a resume then ran what depends on it though
/// the condition never held). It is cancelled, and a resume polls again.
#[test]
fn a_step_stopped_while_polling_did_not_succeed() {
    let c = workflow(
        r#"workflow v {
  step p: shell {
    run "cat flag; echo x >> tries"
    until trim(p.stdout) == "1" every 200ms within 1h
  }
  step after: shell { run "echo ran >> out"  depends on p }
}"#,
    );
    c.write("flag", "0\n");
    let child = c.wfc(["run", "w.wf", "--plain"]).spawn();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let tries = || {
        if c.path("tries").exists() {
            c.lines("tries").len()
        } else {
            0
        }
    };
    while tries() < 2 {
        assert!(std::time::Instant::now() < deadline, "no second try");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    wfc_testkit::signal(child.id() as i32, nix::sys::signal::Signal::SIGINT);
    let out = child.wait_with_output().unwrap();
    assert_ne!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let st = c
        .wfc(["status", "last", "--format", "json"])
        .success()
        .output()
        .json();
    let steps = st["step_list"].as_array().unwrap();
    let of = |name: &str| steps.iter().find(|s| s["name"] == name).unwrap().clone();
    assert_eq!(of("p")["status"], "cancelled", "{st:#}");
    assert!(
        of("p")["error"]
            .as_str()
            .unwrap()
            .contains("cancelled while polling"),
        "{st:#}"
    );
    assert_eq!(of("after")["status"], "not_run", "{st:#}");
    assert!(!c.path("out").exists());
    // A resume polls again; once the condition holds, what depends on it runs.
    c.write("flag", "1\n");
    let r = c.wfc(["resume", "last"]).output();
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(c.lines("out"), ["ran"]);
}

/// A try cut where the retry's and the `until`'s `within` end together (as
/// in std's http-healthcheck) says the condition never held, not that the
/// retries ran out: before, which message came depended on whether the
/// deadline fell during a try or between two.
#[test]
fn a_try_cut_at_one_deadline_of_retry_and_until_says_the_condition_never_held() {
    let c = workflow(
        r#"workflow poll {
  step slow: shell {
    run "sleep 5; echo up"
    retry 100 within 1s
    until trim(slow.stdout) == "up" every 100ms within 1s
  }
}"#,
    );
    let r = c.wfc_run(&["--output", "report.json"]).output();
    assert_eq!(r.code, 1, "{r}");
    let error = step(&c.report(), "slow")["error"].clone();
    assert!(
        error.as_str().unwrap().contains("the condition never held"),
        "{error}"
    );
}

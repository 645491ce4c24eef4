//! `until` and `retry` on Argo: what `retryStrategy` says exactly stays
//! one (`when` over `exit_code` as its `expression`); `until`, a `linear`
//! backoff and a `max` that cuts a delay short are loops in the
//! container's script, with wfc's own waits. The YAML is pinned and
//! validated, and the scripts are run for real with the env Argo gives.

use super::{export, validate};
use crate::workflow;
use serde_json::Value as Json;
use std::process::Command;

const LOOPS: &str = r#"workflow loops {
  step wait_ready: shell {
    run "n=$(cat count 2>/dev/null || echo 0); echo $((n + 1)) > count; if [ $n -ge 2 ]; then echo ready; else echo starting; fi"
    until trim(wait_ready.stdout) == "ready" every 1s within 10s
    timeout 30s
  }
  step flaky: shell {
    run "n=$(cat tries 2>/dev/null || echo 0); echo $((n + 1)) > tries; [ $n -ge 2 ]"
    retry 3 backoff 1s linear max 1s
    timeout 1m
  }
  step picky: shell {
    run "exit 7"
    retry 2 backoff 1s linear when exit_code in [6, 7] && exit_code != 5
  }
  step fetch: shell {
    run "curl -fsS https://example.com"
    retry 3 backoff 2s when exit_code == 7 || exit_code >= 28
  }
  step crunch: shell {
    run "./crunch"
    retry 2 backoff 2s when error is signal || exit_code == 75
  }
}
"#;

fn template(doc: &Json, name: &str) -> Json {
    doc["spec"]["templates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == name)
        .unwrap_or_else(|| panic!("no template {name}"))
        .clone()
}

/// Runs a container template's command in `dir` with its env.
fn run(t: &Json, dir: &std::path::Path) -> std::process::Output {
    let argv: Vec<&str> = t["container"]["command"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    let mut cmd = Command::new(argv[0]);
    cmd.args(&argv[1..]).current_dir(dir);
    for var in t["container"]["env"].as_array().into_iter().flatten() {
        cmd.env(
            var["name"].as_str().unwrap(),
            var["value"].as_str().unwrap(),
        );
    }
    cmd.output().unwrap()
}

#[test]
fn until_and_retries_map_to_argo_and_validate() {
    let c = workflow(LOOPS);
    let yaml = export(&c, &["w.wf", "--image", "alpine:3.20"]);
    insta::assert_snapshot!("export_argo_retries", yaml);
    let doc: Json = serde_norway::from_str(&yaml).unwrap();
    // Exact on Argo: `retryStrategy` with the condition as its expression.
    let fetch = template(&doc, "fetch");
    assert_eq!(
        fetch["retryStrategy"]["expression"],
        "asInt(lastRetry.exitCode) == -1 || ((asInt(lastRetry.exitCode) == 7) || (asInt(lastRetry.exitCode) >= 28))"
    );
    assert_eq!(fetch["retryStrategy"]["backoff"]["factor"], "2");
    // `error is signal`: killed by signal N, the status is 128 + N.
    assert_eq!(
        template(&doc, "crunch")["retryStrategy"]["expression"],
        "asInt(lastRetry.exitCode) == -1 || ((asInt(lastRetry.exitCode) > 128) || (asInt(lastRetry.exitCode) == 75))"
    );
    // Loops in the script: no retryStrategy, and the pod's deadline holds
    // every try (30s + the 10s poll; 4 × 1m + 3 × 1s).
    let wait = template(&doc, "wait-ready");
    assert!(wait.get("retryStrategy").is_none());
    assert_eq!(wait["activeDeadlineSeconds"], "40");
    let flaky = template(&doc, "flaky");
    assert!(flaky.get("retryStrategy").is_none());
    assert_eq!(flaky["activeDeadlineSeconds"], "243");
    let picky = template(&doc, "picky");
    let script = picky["container"]["command"][2].as_str().unwrap();
    assert!(script.contains("for wfc_wait in 1 2 last"), "{script}");
    assert!(script.contains("\"$WF_WHEN_1\""), "{script}");
    c.write("loops.yaml", &yaml);
    validate(&c, &["loops.yaml"]);
}

/// The loops run: the poll ends once the condition holds, the retry loop
/// once an attempt succeeds, and a failure its `when` rejects is not
/// retried.
#[test]
fn the_loops_run_as_wfc_runs_them() {
    let c = workflow(LOOPS);
    let yaml = export(&c, &["w.wf", "--image", "alpine:3.20"]);
    let doc: Json = serde_norway::from_str(&yaml).unwrap();

    let out = run(&template(&doc, "wait-ready"), c.dir());
    assert!(out.status.success(), "{out:?}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(stdout, "starting\nstarting\nready\n");

    let out = run(&template(&doc, "flaky"), c.dir());
    assert!(out.status.success(), "{out:?}");
    assert_eq!(c.read("tries"), "3\n");

    let started = std::time::Instant::now();
    let out = run(&template(&doc, "picky"), c.dir());
    assert_eq!(out.status.code(), Some(7), "{out:?}");
    // 7 is retried: both waits, then the last attempt's status.
    assert!(started.elapsed() >= std::time::Duration::from_secs(3));
}

/// A poll that never holds fails past `within`, saying so.
#[test]
fn a_poll_that_never_holds_fails_in_time() {
    let c = workflow(
        r#"workflow w {
  step never: shell {
    run "echo starting"
    until trim(never.stdout) == "ready" every 1s within 2s
  }
}
"#,
    );
    let yaml = export(&c, &["w.wf", "--image", "alpine:3.20"]);
    let doc: Json = serde_norway::from_str(&yaml).unwrap();
    let out = run(&template(&doc, "never"), c.dir());
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("did not hold within 2s"), "{err}");
}

/// What Argo cannot say stays refused with its place: `when` over an
/// http status, `until` on a python step (an http step's polls in a curl
/// container now).
#[test]
fn what_argo_cannot_retry_or_poll_is_refused() {
    let c = workflow(
        r#"workflow w {
  step get: http {
    get "https://example.com"
    retry 3 when status_code >= 500
  }
  step probe: python {
    script "print('ok')"
    until probe.stdout == "ok" every 1s within 1m
  }
}
"#,
    );
    let out = c
        .wfc(["export", "argo", "w.wf", "--image", "alpine:3.20"])
        .status(3)
        .output();
    for part in [
        "E0770",
        "w.wf:4:18",
        "lastRetry.exitCode",
        "E0721",
        "`until` polling of a `python` step",
        "w.wf:8:5",
    ] {
        assert!(
            out.stderr.contains(part),
            "missing {part:?} in:\n{}",
            out.stderr
        );
    }
}

/// `until` over a declared output: each round's outputs file is emptied
/// before it and read after; the rounds stop once the condition holds, and
/// the wrapper hands on the last round's value.
#[test]
fn an_until_over_an_output_polls_each_rounds_value() {
    let c = workflow(
        r#"workflow w {
  step a: shell {
    run "n=$(( $(cat count 2>/dev/null || echo 0) + 1 )); echo $n > count; echo polled_n=$n >> \"$WF_OUTPUTS\""
    outputs { polled_n: int }
    until a.outputs.polled_n >= 3 every 1s within 30s
  }
}"#,
    );
    let yaml = export(&c, &["w.wf", "--image", "alpine:3.20"]);
    c.write("w.yaml", &yaml);
    validate(&c, &["w.yaml"]);
    let doc: Json = serde_norway::from_str(&yaml).unwrap();
    let a = template(&doc, "a");
    let out = run(&a, c.dir());
    assert!(out.status.success(), "{out:?}");
    assert_eq!(c.read("count"), "3\n");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!stdout.contains("polled_n"), "{stdout}");
}

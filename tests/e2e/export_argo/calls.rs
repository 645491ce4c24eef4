//! Calls, `.status`, `any(…)` and `after` on Argo: a call is its inlined
//! steps and a join task that checks their statuses; a status test is a
//! `when` over `{{tasks.T.status}}`; `any(…)` and `after` are `depends`
//! expressions, and a dag whose tasks run after a failure ends with
//! `wfc-outcome`, which fails as `wfc run` does. Each YAML is pinned,
//! validated against Argo's schema, and the join's script is run for real.

use super::{export, validate};
use crate::case;
use std::process::Command;

const CALLS: &str = r#"import "std/rust-ci.wf"

## Builds with a workflow of this file, then gates on what the calls yield.
workflow main {
  step ci: call rust-ci { doc false }
  step build: call compile { target "x86_64" }
  step enough: gate {
    check ci.outputs.tests_passed > 0
    on fail abort
  }
  step ship: shell {
    run "ship ${build.outputs.artifact}"
    depends on enough
  }
  if build.status == "failed" {
    step page: shell { run "echo build failed" }
  }
  step report: shell { run "echo done" after ship }
}

## One compile, as a call.
workflow compile {
  param target: string
  step make: shell {
    run "echo artifact=app-${target} >> \"$WF_OUTPUTS\""
    outputs { artifact: string }
  }
  step lint: shell { run "lint" optional }
  outputs { artifact: string = make.outputs.artifact }
  on failure {
    step tell: shell { run "echo compile failed" }
  }
}
"#;

#[test]
fn calls_are_their_steps_and_a_join_that_checks_them() {
    let c = case();
    c.write("calls.wf", CALLS);
    let std = concat!(env!("CARGO_MANIFEST_DIR"), "/std/rust-ci.wf");
    c.write("std/rust-ci.wf", &std::fs::read_to_string(std).unwrap());
    let yaml = export(&c, &["calls.wf", "main", "--image", "alpine:3.20"]);
    let yaml = yaml.replace(&c.dir().display().to_string(), "TMP");
    insta::assert_snapshot!("export_argo_calls", yaml);
    for part in [
        // The callee's steps, named under the call.
        "name: ci-test",
        "name: build-make",
        // The join gets the statuses of the required steps (not `lint`, optional).
        "value: '{{tasks.build-make.status}}'",
        "value: '{{tasks.build-make.outputs.parameters.artifact}}'",
        "depends: (build-make.Succeeded || build-make.Skipped || build-make.Failed || build-make.Errored || build-make.Omitted)",
        // Its outputs are the call's: a reader reads the join's task.
        "{{tasks.build.outputs.parameters.artifact}}",
        "{{tasks.ci.outputs.parameters.tests_passed}} > 0",
        "path: /tmp/wf-outputs/artifact",
        // The callee's `on failure`, and `if build.status == \"failed\"`.
        "name: build-tell",
        "when: ('{{tasks.build.status}}' == 'Failed' || '{{tasks.build.status}}' == 'Error')",
    ] {
        assert!(yaml.contains(part), "missing {part:?} in:\n{yaml}");
    }
    assert!(!yaml.contains("value: '{{tasks.build-lint.status}}'"));
    c.write("calls.yaml", &yaml);
    validate(&c, &["calls.yaml"]);
}

#[test]
fn any_status_and_after_map_to_depends_and_when() {
    let c = case();
    c.write(
        "w.wf",
        r#"workflow w {
  step eu: shell { run "upload eu" }
  step us: shell { run "upload us" }
  step build: shell { run "build" }
  step announce: shell { run "announce"  depends on build, any(eu, us) }
  if build.status == "not_run" || build.status != "succeeded" {
    step page: shell { run "page" }
  }
  step cleanup: shell { run "cleanup"  after build }
}
"#,
    );
    let yaml = export(&c, &["w.wf", "--image", "alpine:3.20"]);
    insta::assert_snapshot!("export_argo_any_status_after", yaml);
    for part in [
        "depends: build && ((eu.Succeeded || us.Succeeded) || (eu.Skipped && us.Skipped))",
        "when: (('{{tasks.build.status}}' == 'Omitted') || !('{{tasks.build.status}}' == 'Succeeded'))",
        "depends: (build.Succeeded || build.Skipped || build.Failed || build.Errored || build.Omitted)",
        "name: wfc-outcome",
    ] {
        assert!(yaml.contains(part), "missing {part:?} in:\n{yaml}");
    }
    c.write("w.yaml", &yaml);
    validate(&c, &["w.yaml"]);
}

/// The outcome task's script, run with the statuses Argo would pass: it
/// fails on a required task that failed, errored or was omitted.
#[test]
fn the_outcome_check_fails_as_wfc_run_does() {
    let c = case();
    c.write(
        "w.wf",
        "workflow w {\n  step build: shell { run \"build\" }\n  step cleanup: shell { run \"cleanup\"  after build }\n}\n",
    );
    let yaml = export(&c, &["w.wf", "--image", "alpine:3.20"]);
    let doc: serde_json::Value = serde_norway::from_str(&yaml).unwrap();
    let templates = doc["spec"]["templates"].as_array().unwrap();
    let outcome = templates
        .iter()
        .find(|t| t["name"] == "wfc-outcome")
        .expect("an outcome template");
    let argv: Vec<&str> = outcome["container"]["command"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    assert_eq!(argv[..2], ["sh", "-c"]);
    assert_eq!(
        argv[4..],
        ["the workflow", "1", "{{inputs.parameters.wf-value-1}}"]
    );
    for (status, ok) in [
        ("Succeeded", true),
        ("Skipped", true),
        ("Failed", false),
        ("Error", false),
        ("Omitted", false),
    ] {
        let out = Command::new("sh")
            .args(&argv[1..5])
            .args(["1", status])
            .output()
            .unwrap();
        assert_eq!(out.status.success(), ok, "{status}: {out:?}");
        if !ok {
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(err.contains(&format!("ended {status}")), "{err}");
        }
    }
}

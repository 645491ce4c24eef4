//! `wfc export github-actions` of calls: the callee's steps are jobs, and
//! the call itself a join job that needs the job of each required step,
//! runs however they ended, fails unless each succeeded (or was skipped by
//! its own `if`), and gives the callee's outputs as its own. The YAML is
//! pinned and checked by actionlint, and the join's check is run with the
//! results GitHub would give it.

use serde_json::Value as Json;
use std::process::Command;

use super::export_github::{exported, lint};

const CALLS: &str = r#"## Builds with a workflow of this file, then ships what the call yields.
workflow main {
  step prep: shell { run "prep" }
  step build: call compile { target "x86_64"  depends on prep }
  step ship: shell {
    run "ship ${build.outputs.artifact}"
    depends on build
  }
  if build.status == "failed" {
    step page: shell { run "echo build failed" }
  }
  step report: shell { run "echo done" after build }
}

## One compile, as a call.
workflow compile {
  param target: string
  step make: shell {
    run "echo artifact=app-${target} >> \"$WF_OUTPUTS\""
    outputs { artifact: string }
  }
  step test: shell { run "make test" depends on make }
  step lint: shell { run "lint" optional }
  if make.outputs.artifact != "" {
    step bench: shell { run "bench" }
  }
  outputs { artifact: string = make.outputs.artifact }
}
"#;

#[test]
fn a_call_is_its_steps_jobs_and_a_join_job() {
    let dir = tempfile::tempdir().unwrap();
    let (out, yaml) = exported(dir.path(), "calls", CALLS);
    let doc: Json = serde_norway::from_str(&yaml).unwrap();
    let join = &doc["jobs"]["build"];
    // Runs however its steps ended, once the call's own need succeeded.
    assert_eq!(
        join["if"],
        "${{ always() && needs.prep.result == 'success' }}"
    );
    let needs: Vec<&str> = join["needs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap())
        .collect();
    for job in [
        "prep",
        "build-make",
        "build-test",
        "build-lint",
        "build-bench",
    ] {
        assert!(needs.contains(&job), "{job} in {needs:?}");
    }
    let check = &join["steps"][0];
    // Each required step's result is checked: not `lint`'s (optional).
    let results: Vec<&str> = check["env"]
        .as_object()
        .unwrap()
        .values()
        .filter_map(Json::as_str)
        .filter(|v| v.ends_with(".result }}"))
        .collect();
    assert_eq!(
        results,
        [
            "${{ needs.build-bench.result }}",
            "${{ needs.build-make.result }}",
            "${{ needs.build-test.result }}"
        ]
    );
    assert_eq!(check["env"]["WF_JOIN"], "build");
    let run = check["run"].as_str().unwrap();
    assert!(run.contains("wfc_ok may-skip"), "{run}");
    // Its outputs are the callee's, read by `ship`.
    assert_eq!(
        join["outputs"]["artifact"],
        "${{ steps.outputs.outputs.artifact }}"
    );
    assert_eq!(
        doc["jobs"]["ship"]["steps"][1]["env"]["WF_VALUE_1"],
        "${{ needs.build.outputs.artifact }}"
    );
    // `.status` and `after` read the join.
    assert_eq!(
        doc["jobs"]["page"]["if"],
        "${{ always() && (needs.build.result == 'failure') }}"
    );
    assert_eq!(doc["jobs"]["report"]["needs"][0], "build");
    insta::assert_snapshot!("export_github_calls", yaml.split_once('\n').unwrap().1);
    lint(&[out]);
}

/// The join's check, run with the results GitHub would pass it: a step
/// that failed, was cancelled or never started (`skipped` without an `if`
/// of its own) fails the call.
#[test]
fn the_join_fails_as_wfc_run_does() {
    let dir = tempfile::tempdir().unwrap();
    let (_, yaml) = exported(dir.path(), "calls", CALLS);
    let doc: Json = serde_norway::from_str(&yaml).unwrap();
    let check = &doc["jobs"]["build"]["steps"][0];
    let run = check["run"].as_str().unwrap();
    let env = check["env"].as_object().unwrap();
    let may_skip = |var: &str| run.contains(&format!("wfc_ok may-skip \"${var}\""));
    let vars: Vec<&String> = env.keys().filter(|k| k.starts_with("WF_RESULT_")).collect();
    for (results, ok) in [
        (["success", "success"], true),
        (["skipped", "success"], false),
        (["success", "skipped"], false),
        (["failure", "success"], false),
        (["cancelled", "success"], false),
    ] {
        // The first result for the job that must succeed, the other for `bench`.
        let mut cmd = Command::new("sh");
        cmd.args(["-c", run]).env("WF_JOIN", "build");
        let mut must = results.iter();
        for var in &vars {
            let value = if may_skip(var) {
                "skipped"
            } else {
                must.next().unwrap()
            };
            cmd.env(var, value);
        }
        let out = cmd.output().unwrap();
        assert_eq!(out.status.success(), ok, "{results:?}: {out:?}");
        if !ok {
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(stderr.contains("`build` failed"), "{stderr}");
        }
    }
}

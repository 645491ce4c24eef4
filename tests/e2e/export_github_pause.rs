//! `on fail pause` of a check gate on GitHub: a check job that says the
//! check failed, an approval job of the gate's environment run only then,
//! and the gate's own job, which dependants need: it fails unless the
//! approval was given or not needed. The YAML is pinned and linted, and
//! the jobs' `if:`s, outputs and check script are run for each way the
//! run can go, as GitHub decides them.

use serde_json::Value as Json;
use std::collections::HashMap;
use std::process::Command;

use super::export_github::{exported, lint};

const PAUSE: &str = r#"workflow release {
  step test: shell {
    run "echo coverage=87.5 >> \"$WF_OUTPUTS\""
    outputs { coverage: float }
  }
  step coverage_ok: gate {
    check test.outputs.coverage >= 80.0
    message "coverage below 80%"
    on fail pause
  }
  step ship: shell { run "ship"  depends on coverage_ok }
  step note: shell { run "echo passed=${coverage_ok.passed}" }
}
"#;

#[test]
fn a_pausing_gate_is_a_check_an_approval_and_the_gate() {
    let dir = tempfile::tempdir().unwrap();
    let (out, yaml) = exported(dir.path(), "pause", PAUSE);
    let doc: Json = serde_norway::from_str(&yaml).unwrap();
    let jobs = &doc["jobs"];
    assert_eq!(jobs["coverage_ok-approval"]["environment"], "coverage_ok");
    assert_eq!(jobs["ship"]["needs"][0], "coverage_ok");
    assert_eq!(
        jobs["note"]["steps"][1]["env"]["WF_VALUE_1"],
        "${{ needs.coverage_ok.outputs.wfc-passed-coverage_ok }}"
    );
    let check = &jobs["coverage_ok-check"]["steps"][1];
    assert!(check["run"]
        .as_str()
        .unwrap()
        .contains("waiting for an approval"));
    assert!(!check["run"].as_str().unwrap().contains("exit 1"));
    insta::assert_snapshot!("export_github_pause", yaml.split_once('\n').unwrap().1);
    lint(&[out]);
}

/// A GitHub expression of the forms the export writes for these jobs:
/// `||` of `&&` of `!cancelled()` and comparisons of a context value.
fn eval(expr: &str, ctx: &HashMap<String, String>) -> bool {
    let expr = expr.trim_start_matches("${{").trim_end_matches("}}").trim();
    expr.split(" || ").any(|all| {
        all.split(" && ").all(|atom| match atom.trim() {
            "!cancelled()" => true,
            atom => {
                let (lhs, eq, rhs) = match atom.split_once(" == ") {
                    Some((l, r)) => (l, true, r),
                    None => {
                        let (l, r) = atom.split_once(" != ").expect(atom);
                        (l, false, r)
                    }
                };
                let value = ctx.get(lhs).map(String::as_str).unwrap_or("");
                (value == rhs.trim_matches('\'')) == eq
            }
        })
    })
}

#[test]
fn the_jobs_go_on_as_wfc_run_does() {
    let dir = tempfile::tempdir().unwrap();
    let (_, yaml) = exported(dir.path(), "pause", PAUSE);
    let doc: Json = serde_norway::from_str(&yaml).unwrap();
    let jobs = &doc["jobs"];
    let job_if = |id: &str| jobs[id]["if"].as_str().unwrap().to_string();
    // (check held, a reviewer approves) → (the gate's job succeeds, passed).
    for (held, approves, gate_ok) in [
        (true, false, true),
        (false, true, true),
        (false, false, false),
    ] {
        let mut ctx: HashMap<String, String> = HashMap::new();
        ctx.insert("needs.coverage_ok-check.result".into(), "success".into());
        ctx.insert(
            "needs.coverage_ok-check.outputs.wfc-passed-coverage_ok".into(),
            held.to_string(),
        );
        let approval = if !eval(&job_if("coverage_ok-approval"), &ctx) {
            "skipped"
        } else if approves {
            "success"
        } else {
            // A rejected review fails the job.
            "failure"
        };
        assert_eq!(
            approval == "skipped",
            held,
            "the approval runs only on a failed check"
        );
        ctx.insert("needs.coverage_ok-approval.result".into(), approval.into());
        assert!(eval(&job_if("coverage_ok"), &ctx));
        let step = &jobs["coverage_ok"]["steps"][0];
        let mut sh = Command::new("sh");
        sh.args(["-c", step["run"].as_str().unwrap()]);
        for (k, v) in step["env"].as_object().unwrap() {
            let v = v.as_str().unwrap();
            let read = v.trim_start_matches("${{ ").trim_end_matches(" }}");
            sh.env(k, ctx.get(read).map(String::as_str).unwrap_or(v));
        }
        let ran = sh.output().unwrap();
        assert_eq!(ran.status.success(), gate_ok, "{held} {approves}: {ran:?}");
        let passed = jobs["coverage_ok"]["outputs"]["wfc-passed-coverage_ok"]
            .as_str()
            .unwrap();
        if gate_ok {
            // Approved after a failed check, it goes on as if the check held.
            assert!(eval(passed, &ctx), "{held} {approves}");
        }
    }
}

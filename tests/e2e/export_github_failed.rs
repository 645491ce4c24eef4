//! `wfc export github-actions`: `failed.step` and `failed.error` in an
//! `on failure` handler. Each main job keeps its command's stderr and exit
//! status and records `exit code N: LAST LINE` on `failure()`; the job
//! `wfc-failed` picks the failed job that recorded the earliest time from
//! `toJSON(needs)`. The YAML is pinned and linted, and the scripts it holds
//! are run here with `sh` and `jq` as a runner runs them.

use serde_json::Value as Json;
use std::path::Path;
use std::process::Command;

use super::export_github::{export, lint};

const WF: &str = r#"workflow w {
  step build: shell { run "echo building" }
  for each region in ["eu", "us"] parallel {
    step ship: shell {
      run "echo shipping ${region}; echo '  boom  ' >&2; exit 4"
      depends on build
    }
  }
  step notes: python { script "print(1)" }
  on failure {
    step report: shell { run "echo \"${failed.step}: ${failed.error}\"" }
  }
}
"#;

/// Runs `script` under `sh -e` in `dir` (as `$RUNNER_TEMP`) with `env`;
/// returns its exit status and the outputs it wrote to `$GITHUB_OUTPUT`.
fn run(dir: &Path, script: &str, env: &[(&str, &str)]) -> (i32, Json) {
    let file = dir.join("step.sh");
    std::fs::write(&file, script).unwrap();
    let output = dir.join("output");
    std::fs::write(&output, "").unwrap();
    let out = Command::new("sh")
        .arg("-e")
        .arg(&file)
        .env("RUNNER_TEMP", dir)
        .env("GITHUB_OUTPUT", &output)
        .envs(env.iter().copied())
        .output()
        .unwrap();
    let text = std::fs::read_to_string(&output).unwrap();
    let mut outputs = serde_json::Map::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if let Some((name, delim)) = line.split_once("<<") {
            let value: Vec<&str> = lines.by_ref().take_while(|l| *l != delim).collect();
            outputs.insert(name.into(), Json::String(value.join("\n")));
        } else if let Some((name, value)) = line.split_once('=') {
            outputs.insert(name.into(), Json::String(value.into()));
        }
    }
    (out.status.code().unwrap_or(-1), Json::Object(outputs))
}

pub(super) fn step<'a>(job: &'a Json, id: &str) -> &'a Json {
    job["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == id)
        .unwrap_or_else(|| panic!("no step {id} in {job}"))
}

#[test]
fn failed_step_and_error_are_recorded_by_each_job_and_picked() {
    let dir = tempfile::tempdir().unwrap();
    let wf = dir.path().join("w.wf");
    std::fs::write(&wf, WF).unwrap();
    let out = dir.path().join("w.yml");
    let exported = export(&wf, &[], &out);
    assert!(
        exported.status.success(),
        "{}",
        String::from_utf8_lossy(&exported.stderr)
    );
    let yaml = std::fs::read_to_string(&out).unwrap();
    insta::assert_snapshot!("export_github_failed", yaml.split_once('\n').unwrap().1);
    lint(&[out]);

    let doc: Json = serde_norway::from_str(&yaml).unwrap();
    let jobs = &doc["jobs"];
    let report = &jobs["report"];
    assert_eq!(
        report["needs"].as_array().unwrap().last().unwrap(),
        "wfc-failed"
    );
    let env = &step(report, "wfc-on-failure")["env"];
    assert_eq!(env["WF_VALUE_1"], "${{ needs.wfc-failed.outputs.step }}");
    assert_eq!(env["WF_VALUE_2"], "${{ needs.wfc-failed.outputs.error }}");
    assert_eq!(jobs["wfc-failed"]["if"], "${{ failure() }}");

    // The matrix job's command fails for `us`: its record says so.
    let ship = &jobs["ship"];
    let command = step(ship, "run");
    assert_eq!(command["env"]["WF_STEP_NAME"], "ship[${{ matrix.region }}]");
    let record = step(ship, "wfc-error");
    assert_eq!(record["if"], "${{ failure() }}");
    let tmp = tempfile::tempdir().unwrap();
    let (status, _) = run(
        tmp.path(),
        command["run"].as_str().unwrap(),
        &[("WF_STEP_NAME", "ship[us]"), ("WF_VALUE_1", "us")],
    );
    assert_eq!(status, 4, "the command's own exit status");
    let (status, ship_out) = run(
        tmp.path(),
        record["run"].as_str().unwrap(),
        &[("WF_NAME", "ship[us]"), ("WF_SHELL", "")],
    );
    assert_eq!(status, 0);
    assert_eq!(ship_out["error"], "exit code 4: boom");
    assert_eq!(ship_out["name"], "ship[us]");

    // A python command's error is not kept: its record says where it is.
    let notes = &jobs["notes"];
    let tmp = tempfile::tempdir().unwrap();
    let record = step(notes, "wfc-error");
    let shell = record["env"]["WF_SHELL"].as_str().unwrap();
    assert_eq!(shell, "python3");
    let (_, notes_out) = run(
        tmp.path(),
        record["run"].as_str().unwrap(),
        &[("WF_NAME", "notes"), ("WF_SHELL", shell)],
    );
    assert!(
        notes_out["error"]
            .as_str()
            .unwrap()
            .contains("only in the job's log"),
        "{notes_out}"
    );

    // The picking job: the earliest recorded failure; `build` succeeded.
    if Command::new("jq").arg("--version").output().is_err() {
        return wfc_testkit::skip("jq is not installed");
    }
    let pick = step(&jobs["wfc-failed"], "wfc-failed-pick");
    let job_out = |o: &Json, at: &str| {
        serde_json::json!({ "result": "failure", "outputs": {
            "wfc-error": o["error"], "wfc-name": o["name"], "wfc-failed-at": at } })
    };
    let needs = serde_json::json!({
        "build": { "result": "success", "outputs": {} },
        "ship": job_out(&ship_out, "200"),
        "notes": job_out(&notes_out, "100"),
    });
    let tmp = tempfile::tempdir().unwrap();
    let jobs_list = pick["env"]["WF_JOBS"].as_str().unwrap();
    let (status, picked) = run(
        tmp.path(),
        pick["run"].as_str().unwrap(),
        &[("WF_JOBS", jobs_list), ("WF_NEEDS", &needs.to_string())],
    );
    assert_eq!(status, 0);
    assert_eq!(picked["step"], "notes");
    // The same second: plan order (`ship` before `notes`).
    let needs = serde_json::json!({
        "ship": job_out(&ship_out, "100"),
        "notes": job_out(&notes_out, "100"),
    });
    let (_, picked) = run(
        tmp.path(),
        pick["run"].as_str().unwrap(),
        &[("WF_JOBS", jobs_list), ("WF_NEEDS", &needs.to_string())],
    );
    assert_eq!(picked["step"], "ship[us]");
    assert_eq!(picked["error"], "exit code 4: boom");
}

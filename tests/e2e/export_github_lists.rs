//! A loop over a step's declared list output, exported to GitHub: one
//! matrix job (its body a chain of two steps, each item's in turn) over
//! the list its producer's job hands on, checked and
//! written as wfc reads it (`wfc-lists`). The jobs are run as GitHub runs
//! them (the producer's steps, the matrix expanded from `fromJSON(…)`
//! when its guard holds, then the job after it), and what they write is
//! compared with what `wfc run` writes, for a JSON list of hostile names,
//! comma-separated items and an empty list; an output `wfc run` cannot
//! read fails the producer's job as it fails the step. `wfc import` reads
//! the matrix back as the loop over the output, typed again.

use super::export_github::{export_ok, lint};
use super::export_github_change_run::{files_under, run_job};
use serde_json::Value as Json;
use std::collections::HashMap;
use std::path::Path;

/// `list` writes `LIST` (the text of the output) into a file first, so
/// that the test sets it without quoting it into the script.
const WF: &str = r#"workflow lists {
  step list: shell {
    run "printf 'items=%s\n' \"$(cat list.txt)\" >> \"$WF_OUTPUTS\""
    outputs { items: list<string> }
  }
  for each f in list.outputs.items parallel {
    step count: shell { run "mkdir -p out && printf '%s' ${f} > \"out/$(printf '%s' ${f} | od -An -tx1 | tr -d ' \n').txt\"" }
    step seen: shell {
      run "cat \"out/$(printf '%s' ${f} | od -An -tx1 | tr -d ' \n').txt\" > \"out/$(printf '%s' ${f} | od -An -tx1 | tr -d ' \n').seen\""
      depends on count
    }
  }
  step done: shell {
    run "mkdir -p out && echo done >> out/done.log"
    depends on seen
  }
}
"#;

/// Runs the export's jobs in `dir` (holding `list.txt`) as GitHub would:
/// whether the producer's job succeeded.
fn run_exported(doc: &Json, dir: &Path, temp: &Path) -> bool {
    let known = HashMap::from([("env.RUNNER_TEMP".to_string(), temp.display().to_string())]);
    let mut known = known;
    let out = temp.join("list-output");
    std::fs::write(&out, "").unwrap();
    // The producer's job: its steps, then its outputs as the job gives them.
    let steps = doc["jobs"]["list"]["steps"].as_array().unwrap();
    let mut step_outputs: HashMap<String, String> = HashMap::new();
    for (n, step) in steps.iter().enumerate() {
        if step.get("uses").is_some() {
            continue;
        }
        let file = temp.join(format!("out-{n}"));
        std::fs::write(&file, "").unwrap();
        known.insert("env.GITHUB_OUTPUT".into(), file.display().to_string());
        for (k, v) in &step_outputs {
            known.insert(k.clone(), v.clone());
        }
        let ran = super::export_github_scripts::run_step(step, dir, &known);
        if !ran.status.success() {
            return false;
        }
        let id = step["id"].as_str().unwrap();
        let written = std::fs::read_to_string(&file).unwrap();
        for (k, v) in super::export_github_scripts::github_outputs(&written) {
            step_outputs.insert(format!("steps.{id}.outputs.{k}"), v);
        }
    }
    let list = &step_outputs["steps.wfc-lists.outputs.items"];
    known.insert("needs.list.outputs.wfc-list-items".into(), list.clone());
    // The matrix job, when its guard holds, once per item.
    if list != "[]" {
        let items: Vec<String> = serde_json::from_str(list).unwrap();
        for f in items {
            known.insert("matrix.f".into(), f);
            run_job(&doc["jobs"]["count"], dir, temp, &known);
        }
    }
    run_job(&doc["jobs"]["done"], dir, temp, &known);
    true
}

#[test]
fn a_loop_over_a_list_output_runs_per_item_as_wfc_run_does() {
    if super::export_github_computed::no_jq() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("lists.wf");
    std::fs::write(&file, WF).unwrap();
    let out = dir.path().join("lists.yml");
    let yaml = export_ok(&file, &[], &out);
    lint(std::slice::from_ref(&out));
    let doc: Json = serde_norway::from_str(&yaml).unwrap();
    assert_eq!(
        doc["jobs"]["count"]["strategy"]["matrix"]["f"],
        "${{ fromJSON(needs.list.outputs.wfc-list-items) }}"
    );
    // The chain is one job: each item's two steps in turn on one runner.
    assert!(doc["jobs"].get("seen").is_none(), "{}", doc["jobs"]);
    let ids: Vec<&str> = doc["jobs"]["count"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["id"].as_str())
        .collect();
    assert_eq!(ids, ["count", "seen"]);
    assert_eq!(
        doc["jobs"]["count"]["if"],
        "${{ needs.list.outputs.wfc-list-items != '[]' }}"
    );
    let (wf, stderr) = super::export_github::import_back(&out);
    assert!(
        wf.contains("  for each f in list.outputs.items parallel {\n"),
        "{wf}"
    );
    assert!(wf.contains("outputs { items: list<string> }"), "{wf}");
    // No warning about what the export added (the snippets around other
    // warnings may show it).
    assert!(
        !stderr.contains("W0905") && !stderr.contains("W0902"),
        "{stderr}"
    );
    for warning in stderr.lines().filter(|l| l.contains('⚠')) {
        for export_own in ["!= '[]'", "wfc-list", "fromJSON"] {
            assert!(!warning.contains(export_own), "{warning}");
        }
    }
    for (case, text, ok) in [
        (
            "json",
            r#"["a", "$(touch pwned)", "it's \"q\"", "${{ github.token }}", "-n"]"#,
            true,
        ),
        ("commas", " a.csv, b c.csv ,x", true),
        ("empty", "", true),
        ("bad", "[oops", false),
        ("not text", "[1, 2]", false),
    ] {
        let ours = dir.path().join(case).join("ours");
        let theirs = dir.path().join(case).join("theirs");
        let temp = dir.path().join(case).join("temp");
        for d in [&ours, &theirs, &temp] {
            std::fs::create_dir_all(d).unwrap();
        }
        for d in [&ours, &theirs] {
            std::fs::write(d.join("list.txt"), text).unwrap();
            std::fs::copy(&file, d.join("lists.wf")).unwrap();
        }
        let ran = run_exported(&doc, &ours, &temp);
        let wfc = std::process::Command::new(super::WFC)
            .args(["run", "lists.wf", "--plain", "--no-store"])
            .current_dir(&theirs)
            .output()
            .unwrap();
        assert_eq!(ran, ok, "{case}: the export's producer job");
        assert_eq!(wfc.status.success(), ok, "{case}: {wfc:?}");
        assert_eq!(
            files_under(&ours.join("out")),
            files_under(&theirs.join("out")),
            "{case}"
        );
        assert!(!ours.join("pwned").exists() && !theirs.join("pwned").exists());
    }
}

//! `for each` as `strategy.matrix` in `wfc export github-actions`
//! (tests/export/github-matrix.wf): a loop of one step over scalars is one
//! job whose item reaches the script only through `env:`; the loops a
//! matrix cannot carry stay one job per iteration. The YAML is pinned and
//! linted by actionlint.

use serde_json::{json, Value as Json};
use std::path::Path;

use super::export_github::{export, lint, reported};

const FIXTURE: &str = "tests/export/github-matrix.wf";

fn exported(params: &[&str]) -> (std::process::Output, String, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("matrix.yml");
    let run = export(Path::new(FIXTURE), params, &out);
    let yaml = std::fs::read_to_string(&out).unwrap_or_default();
    (run, yaml, dir)
}

#[test]
fn a_loop_of_one_step_is_one_matrix_job_and_the_rest_stay_unrolled() {
    let (run, yaml, dir) = exported(&[]);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let doc: serde_json::Value = serde_norway::from_str(&yaml).unwrap();
    let jobs = doc["jobs"].as_object().unwrap();
    let ship = &jobs["ship"];
    assert_eq!(ship["name"], "ship (${{ matrix.region }})");
    assert_eq!(
        ship["strategy"],
        serde_json::json!({
            "fail-fast": true,
            "matrix": { "region": ["eu-west", "us-east", "ap-south"] },
            "max-parallel": 2,
        })
    );
    // The item reaches the script through `env:` only, never in its text.
    // The repository first, pinned by its commit.
    assert_eq!(
        ship["steps"][0]["uses"],
        "actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683"
    );
    let step = &ship["steps"][1];
    assert_eq!(step["env"]["WF_VALUE_1"], "${{ matrix.region }}");
    assert_eq!(step["run"], "deploy --region \"$WF_VALUE_1\" --from build");
    // A loop without `parallel`: one iteration at a time, ints as numbers.
    assert_eq!(jobs["test"]["strategy"]["max-parallel"], 1);
    assert_eq!(
        jobs["test"]["strategy"]["matrix"]["shard"],
        serde_json::json!([1, 2])
    );
    assert_eq!(jobs["test"]["needs"], serde_json::json!(["build"]));
    // Dependants need the one matrix job.
    assert_eq!(jobs["warm"]["needs"], serde_json::json!(["ship"]));
    assert_eq!(jobs["upload-1"]["needs"], serde_json::json!(["test"]));
    // Two steps in the body: a matrix of both, each item's steps in turn
    // on one runner (they share files).
    assert_eq!(
        jobs["warm"]["strategy"]["matrix"]["region"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    assert!(!jobs.contains_key("check"), "{yaml}");
    let steps = jobs["warm"]["steps"].as_array().unwrap();
    let ids: Vec<&Json> = steps.iter().map(|s| &s["id"]).collect();
    assert_eq!(ids, [&Json::Null, &json!("warm"), &json!("check")]);
    assert_eq!(steps[2]["name"], "check");
    assert_eq!(jobs["announce"]["needs"][0], "warm");
    // The item in `env {}`: unrolled.
    for id in ["upload-1", "upload-2"] {
        assert!(jobs.contains_key(id), "{id} missing:\n{yaml}");
        assert!(jobs[id].get("strategy").is_none(), "{id}");
    }
    assert!(!jobs
        .keys()
        .any(|k| k.starts_with("ship-") || k.starts_with("test-")));
    insta::assert_snapshot!("export_github_matrix_fixture", yaml);
    lint(&[dir.path().join("matrix.yml")]);
}

/// An item holding `${{` is not put in a matrix: the unrolled loop refuses
/// it at the item's use, as any value holding `${{`.
#[test]
fn an_item_holding_an_expression_is_refused_not_put_in_a_matrix() {
    let (run, yaml, _dir) = exported(&[r#"regions=["eu-west","${{ github.token }}"]"#]);
    assert_eq!(run.status.code(), Some(3));
    assert!(
        yaml.is_empty(),
        "nothing is written when the export is refused"
    );
    let found = reported(&String::from_utf8_lossy(&run.stderr), FIXTURE);
    assert!(found.contains(&("E0733".to_string(), 14)), "{found:?}");
}

/// A loop's item is part of its jobs' names, which GitHub evaluates: an
/// item holding `${{` stays text there (`${{ '${{' }}`), never code.
#[test]
fn an_item_in_a_job_s_name_stays_text() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("w.wf");
    std::fs::write(
        &file,
        r#"workflow w {
  param items: list<string> = ["a"]
  for each x in items {
    step ship: shell { run "echo hi" }
    step tell: shell {
      run "echo told"
      depends on ship
    }
  }
}
"#,
    )
    .unwrap();
    let out = dir.path().join("w.yml");
    let run = export(&file, &[r#"items=["x${{ github.token }}"]"#], &out);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let yaml = std::fs::read_to_string(&out).unwrap();
    let doc: serde_json::Value = serde_norway::from_str(&yaml).unwrap();
    // The chain is one job; its steps carry the names, GitHub evaluates both.
    let job = &doc["jobs"].as_object().unwrap().values().next().unwrap();
    let names: Vec<&str> = std::iter::once(&job["name"])
        .chain(job["steps"].as_array().unwrap().iter().map(|s| &s["name"]))
        .filter_map(|n| n.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "ship[x${{ '${{' }} github.token }}]",
            "ship[x${{ '${{' }} github.token }}]",
            "tell[x${{ '${{' }} github.token }}]"
        ],
        "{yaml}"
    );
    lint(&[out]);
}

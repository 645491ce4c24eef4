//! file-drop.wf's export run as GitHub runs it, against `wfc run`: in a
//! clone of a repository whose push brings hostile file names (`$(…)`,
//! quotes, `${{ … }}`, a line break, a leading `-`), the `wfc-params` job
//! computes the files, the matrix job `count` runs its step once per item
//! with `matrix.f` (as GitHub expands `fromJSON(…)`), then `report` runs.
//! What they write is compared, byte for byte, with what `wfc run` writes
//! in another clone given the same files; a dispatch without files skips
//! the matrix job (its guard) and still reports, as `wfc run` does.

use super::export_github::export_ok;
use super::export_github_change::{git, params_outputs, repo};
use super::export_github_scripts::{github_outputs, run_step};
use serde_json::Value as Json;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

/// Runs `job`'s steps in `repo` as a runner would (a checkout and steps
/// with an `if:` are the runner's; none here needs them): `working-directory`
/// under the clone, `known` the values GitHub fills in, each step's
/// outputs as `steps.ID.outputs.NAME` for the steps after it.
pub(super) fn run_job(job: &Json, repo: &Path, temp: &Path, known: &HashMap<String, String>) {
    let mut known = known.clone();
    for (n, step) in job["steps"].as_array().unwrap().iter().enumerate() {
        if step.get("uses").is_some() || step.get("if").is_some() {
            continue;
        }
        let out = temp.join(format!("output-{n}"));
        std::fs::write(&out, "").unwrap();
        known.insert("env.GITHUB_OUTPUT".into(), out.to_str().unwrap().into());
        let dir = match step["working-directory"].as_str() {
            Some(d) => repo.join(d),
            None => repo.to_path_buf(),
        };
        let ran = run_step(step, &dir, &known);
        assert!(ran.status.success(), "{}: {ran:?}", step["id"]);
        if let Some(id) = step["id"].as_str() {
            for (k, v) in github_outputs(&std::fs::read_to_string(&out).unwrap()) {
                known.insert(format!("steps.{id}.outputs.{k}"), v);
            }
        }
    }
}

/// Every file under `dir`, by path relative to it, with its bytes.
pub(super) fn files_under(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    if !dir.exists() {
        return out;
    }
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().to_string();
        out.insert(name, std::fs::read(&p).unwrap());
    }
    out
}

#[test]
fn file_drop_runs_per_pushed_file_as_wfc_run_does() {
    if super::export_github_computed::no_jq() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let temp = dir.path().join("runner-temp");
    std::fs::create_dir(&temp).unwrap();
    let wf = std::fs::read_to_string("examples/file-drop.wf").unwrap();
    let r = repo(dir.path(), &wf);
    git(&r.clone, &["checkout", "-q", &r.second]);
    let theirs = dir.path().join("theirs");
    git(
        dir.path(),
        &[
            "clone",
            "-q",
            r.clone.to_str().unwrap(),
            theirs.to_str().unwrap(),
        ],
    );
    git(&theirs, &["checkout", "-q", &r.second]);
    let yaml = export_ok(&r.clone.join("flows/w.wf"), &[], &dir.path().join("w.yml"));
    let doc: Json = serde_norway::from_str(&yaml).unwrap();
    let params_step = &doc["jobs"]["wfc-params"]["steps"][1];
    let archive = "github.event_name == 'workflow_dispatch' && format('{0}', inputs.archive) || 'target/file-drop'";

    let push = [
        ("github.event_name", "push"),
        ("github.event.before", r.first.as_str()),
        ("github.sha", r.second.as_str()),
        ("github.ref", "refs/heads/main"),
        ("inputs.files", ""),
    ];
    let dispatch = [
        ("github.event_name", "workflow_dispatch"),
        ("inputs.files", "[ ]"),
    ];
    for (event, archive_is) in [
        (&push[..], "target/file-drop"),
        (&dispatch[..], "target/file-drop"),
    ] {
        let params = params_outputs(params_step, &r.clone, &temp, event);
        assert_eq!(params["wfc-go"], "true");
        let files: Vec<String> = serde_json::from_str(&params["files"]).unwrap();
        let mut known: HashMap<String, String> = HashMap::from([
            (archive.to_string(), archive_is.to_string()),
            ("env.RUNNER_TEMP".into(), temp.to_str().unwrap().into()),
            (
                "needs.wfc-params.outputs.files".into(),
                params["files"].clone(),
            ),
        ]);
        known.insert("inputs.archive".into(), archive_is.into());
        // The guard: the job runs only for a list that is not empty.
        let runs = params["files"] != "[]";
        assert_eq!(runs, !files.is_empty());
        if runs {
            for f in &files {
                known.insert("matrix.f".into(), f.clone());
                run_job(&doc["jobs"]["count"], &r.clone, &temp, &known);
            }
        }
        run_job(&doc["jobs"]["report"], &r.clone, &temp, &known);

        let ran = std::process::Command::new(super::WFC)
            .arg("run")
            .arg(theirs.join("flows/w.wf"))
            .args(["--plain", "--no-store"])
            .args(["-p", &format!("files={}", params["files"])])
            .output()
            .unwrap();
        assert!(ran.status.success(), "{ran:?}");
        let (ours, wfc) = (
            files_under(&r.clone.join("flows/target/file-drop")),
            files_under(&theirs.join("flows/target/file-drop")),
        );
        // One `.rows` per pushed file and the report (the dispatch adds
        // a report line only).
        if !files.is_empty() {
            assert_eq!(ours.len(), files.len() + 1, "{:?}", ours.keys());
        }
        assert_eq!(ours, wfc, "{event:?}");
        assert!(!r.clone.join("pwned").exists() && !theirs.join("pwned").exists());
    }
    // Both reports: the push's files, then none.
    let report =
        std::fs::read_to_string(r.clone.join("flows/target/file-drop/report.log")).unwrap();
    assert_eq!(
        report.lines().filter(|l| l.starts_with("loaded ")).count(),
        2,
        "{report}"
    );
    assert!(report.ends_with("loaded 0 files:\n"), "{report}");
}

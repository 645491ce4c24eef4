//! `wfc export github-actions` of an `on change` trigger: a push to any
//! branch whose `paths` are the glob's files, and a first job `wfc-params`
//! listing the files the push added or modified and keeping those wfc's
//! matcher keeps. file-drop.wf's export is pinned and linted; the job's
//! script is run for real (bash, git, jq) in a clone of a repository with
//! two commits — hostile file names, a subfolder, a deletion, a rename, a
//! file of another type, files outside the workflow's folder — and its
//! `changed` compared, glob by glob, with what `wfc serve`'s own matcher
//! (`wfc_serve::changes::matcher`) picks of the files the push brought.

use super::export_github::{export, export_ok, lint, reported};
use super::export_github_scripts::{github_outputs, run_step};
use serde_json::{json, Value as Json};
use std::collections::HashMap;
use std::path::Path;
use std::process::Command;

#[test]
fn file_drop_exports_as_a_push_and_is_pinned() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("file-drop.yml");
    // Its loop over the pushed files is a matrix of the files `wfc-params`
    // computes; `len(files)` is computed while the job runs.
    let run = export(Path::new("examples/file-drop.wf"), &[], &out);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{stderr}");
    assert!(!stderr.contains("warning"), "{stderr}");
    let yaml = std::fs::read_to_string(&out).unwrap();
    let doc: Json = serde_norway::from_str(&yaml).unwrap();
    assert_eq!(
        doc["on"]["push"],
        json!({ "branches": ["**"], "paths": ["examples/incoming/*.csv"] })
    );
    for (id, job) in doc["jobs"].as_object().unwrap() {
        if id != "wfc-params" {
            assert_eq!(job["needs"][0], "wfc-params", "{id}");
            let cond = job["if"].as_str().unwrap();
            assert!(
                cond.contains("needs.wfc-params.outputs.wfc-go == 'true'"),
                "{id}: {cond}"
            );
        }
    }
    // The loop: a matrix job over the computed list, run only when it is
    // not empty (GitHub fails an empty matrix); `report` takes its skip as
    // wfc takes a loop that ran no iteration.
    let count = &doc["jobs"]["count"];
    assert_eq!(
        count["strategy"]["matrix"]["f"],
        "${{ fromJSON(needs.wfc-params.outputs.files) }}"
    );
    assert_eq!(count["strategy"]["max-parallel"], 1);
    assert!(
        count["if"]
            .as_str()
            .unwrap()
            .ends_with("(needs.wfc-params.outputs.files != '[]') }}"),
        "{count}"
    );
    assert!(
        doc["jobs"]["report"]["if"]
            .as_str()
            .unwrap()
            .contains("!cancelled() && !contains(needs.*.result, 'failure')"),
        "{}",
        doc["jobs"]["report"]
    );
    // `len(files)` is the pushed files' count, computed in the job.
    if !super::export_github_computed::no_jq() {
        let steps = doc["jobs"]["report"]["steps"].as_array().unwrap();
        let values = steps.iter().find(|s| s["id"] == "wfc-values").unwrap();
        let output = dir.path().join("values.out");
        std::fs::write(&output, "").unwrap();
        let known: HashMap<String, String> = [
            (
                "needs.wfc-params.outputs.files",
                r#"["incoming/a.csv","incoming/$(x) \"q\".csv"]"#,
            ),
            ("env.GITHUB_OUTPUT", output.to_str().unwrap()),
            ("env.RUNNER_TEMP", dir.path().to_str().unwrap()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let ran = run_step(values, dir.path(), &known);
        assert!(ran.status.success(), "{ran:?}");
        let got = github_outputs(&std::fs::read_to_string(&output).unwrap());
        assert_eq!(got["v1"], "2");
    }
    insta::assert_snapshot!("export_github_change", yaml.split_once('\n').unwrap().1);
    lint(std::slice::from_ref(&out));
    // `wfc import` folds the push back into the trigger with its params,
    // and the matrix into the loop over the list param.
    let (wf, stderr) = super::export_github::import_back(&out);
    assert!(
        wf.contains("  on change \"incoming/*.csv\" {\n    debounce 2s\n    params { files = changed }\n  }\n"),
        "{wf}"
    );
    assert!(wf.contains("  param files: list<string> = []\n"), "{wf}");
    assert!(wf.contains("  for each f in files {\n"), "{wf}");
    assert!(wf.contains("files: ${files} >>"), "{wf}");
    for export_own in ["wfc-go", "W0904", "needs.*.result", "!= '[]'", "WF_WORDS"] {
        assert!(!stderr.contains(export_own), "{export_own}: {stderr}");
    }
}

pub(super) fn git(repo: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
        .args([
            "-c",
            "init.defaultBranch=main",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .current_dir(repo)
        .output()
        .unwrap();
    assert!(out.status.success(), "git {args:?}: {out:?}");
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

fn write(repo: &Path, path: &str, text: &str) {
    let file = repo.join(path);
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(file, text).unwrap();
}

/// Files of the first commit (under `flows/`, the workflow's folder).
pub(super) const FIRST: &[&str] = &[
    "incoming/old.csv",
    "incoming/gone.csv",
    "incoming/kept.csv",
    "incoming/moved-from.csv",
];

/// Files the second commit adds (with the rename's and the modification's).
pub(super) const ADDED: &[&str] = &[
    "incoming/orders.csv",
    "incoming/$(touch pwned).csv",
    "incoming/`touch pwned`.csv",
    "incoming/it's \"quoted\" ${{ github.token }}.csv",
    "incoming/new\nline.csv",
    "incoming/-n.csv",
    "incoming/back\\slash.csv",
    "incoming/ spaced .csv",
    "incoming/ünïcode.csv",
    "incoming/.hidden.csv",
    "incoming/a+b.csv",
    "incoming/x*y?.csv",
    "incoming/7f.csv",
    "incoming/sub/deep.csv",
    "incoming/sub/deeper/x.csv",
    "incoming/notes.txt",
    "incoming.csv",
    "top.csv",
];

/// Globs exported and compared with wfc's matcher.
const GLOBS: &[&str] = &[
    "incoming/*.csv",
    "incoming/**/*.csv",
    "**/*.csv",
    "incoming/**",
    "**",
    "in*/[0-9a-f]*.csv",
    "incoming/a+b.csv",
    "incoming/x\\*y*.csv",
    "incoming/*/*.csv",
    "*.csv",
    "incoming/***.txt",
    "incoming/{orders,a+b,7f}.csv",
    "{incoming,other}/*.{csv,txt}",
    "incoming/{*.csv,notes.txt}",
];

/// The clone a runner would check out of a repository whose `main` has
/// two commits (`FIRST`, then `ADDED`, `old.csv` modified, `gone.csv`
/// deleted, `moved-from.csv` renamed), its workflow in `flows/` (and at
/// the root), and a
/// branch `feature` one commit past `main`; the commits' ids.
pub(super) struct Repo {
    pub clone: std::path::PathBuf,
    pub first: String,
    pub second: String,
    pub feature: String,
}

pub(super) fn repo(dir: &Path, wf: &str) -> Repo {
    let work = dir.join("work");
    std::fs::create_dir(&work).unwrap();
    git(&work, &["init", "-q"]);
    for f in FIRST {
        write(&work, &format!("flows/{f}"), "a,b\n");
    }
    write(&work, "flows/w.wf", wf);
    write(&work, "w.wf", wf);
    write(&work, "other/incoming/x.csv", "outside\n");
    git(&work, &["add", "-A"]);
    git(&work, &["commit", "-qm", "first"]);
    let first = git(&work, &["rev-parse", "HEAD"]);
    for f in ADDED {
        write(&work, &format!("flows/{f}"), "1,2\n");
    }
    write(&work, "flows/incoming/old.csv", "a,b\nc,d\n");
    write(&work, "other/incoming/y.csv", "outside\n");
    std::fs::remove_file(work.join("flows/incoming/gone.csv")).unwrap();
    git(
        &work,
        &[
            "mv",
            "flows/incoming/moved-from.csv",
            "flows/incoming/moved-to.csv",
        ],
    );
    git(&work, &["add", "-A"]);
    git(&work, &["commit", "-qm", "second"]);
    let second = git(&work, &["rev-parse", "HEAD"]);
    git(&work, &["checkout", "-qb", "feature"]);
    write(&work, "flows/incoming/feature.csv", "f\n");
    git(&work, &["add", "-A"]);
    git(&work, &["commit", "-qm", "feature"]);
    let feature = git(&work, &["rev-parse", "HEAD"]);
    let origin = dir.join("origin.git");
    git(
        dir,
        &[
            "clone",
            "-q",
            "--bare",
            work.to_str().unwrap(),
            origin.to_str().unwrap(),
        ],
    );
    let clone = dir.join("clone");
    git(
        dir,
        &[
            "clone",
            "-q",
            origin.to_str().unwrap(),
            clone.to_str().unwrap(),
        ],
    );
    Repo {
        clone,
        first,
        second,
        feature,
    }
}

/// Runs the exported `wfc-params` job's step (after its checkout) in the
/// clone for a push from `before` to `after` of `git_ref`: its outputs.
fn pushed(
    step: &Json,
    repo: &Path,
    temp: &Path,
    before: &str,
    after: &str,
    git_ref: &str,
) -> HashMap<String, String> {
    let event = [
        ("github.event_name", "push"),
        ("github.event.before", before),
        ("github.sha", after),
        ("github.ref", git_ref),
        ("inputs.files", "[\"by-hand.csv\"]"),
    ];
    params_outputs(step, repo, temp, &event)
}

/// Runs the `wfc-params` step in `repo` for `event` (the values GitHub
/// fills in; the rest of a push's, empty): its outputs.
pub(super) fn params_outputs(
    step: &Json,
    repo: &Path,
    temp: &Path,
    event: &[(&str, &str)],
) -> HashMap<String, String> {
    let out = temp.join("output");
    std::fs::write(&out, "").unwrap();
    let mut known: HashMap<String, String> = [
        ("github.event.action", ""),
        ("github.event.before", ""),
        ("github.sha", ""),
        ("github.ref", ""),
        ("github.event.repository.default_branch", "main"),
        ("env.GITHUB_OUTPUT", out.to_str().unwrap()),
        ("env.RUNNER_TEMP", temp.to_str().unwrap()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    known.extend(event.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    let ran = run_step(step, repo, &known);
    assert!(ran.status.success(), "{ran:?}");
    github_outputs(&std::fs::read_to_string(&out).unwrap())
}

/// What wfc serve would hand over: the files of `written` its matcher keeps, sorted.
fn matched(glob: &str, written: &[&str]) -> Vec<String> {
    let m = wfc_serve::changes::matcher(glob).unwrap();
    let mut out: Vec<String> = written
        .iter()
        .filter(|f| m.is_match(f))
        .map(|f| f.to_string())
        .collect();
    out.sort();
    out
}

#[test]
fn the_pushed_files_are_those_wfc_serve_would_match() {
    if super::export_github_computed::no_jq() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let temp = dir.path().join("runner-temp");
    std::fs::create_dir(&temp).unwrap();
    // Written by the second commit: added, modified, renamed into place.
    let mut written: Vec<&str> = ADDED.to_vec();
    written.extend(["incoming/old.csv", "incoming/moved-to.csv"]);
    let mut compared = 0;
    let mut exported = Vec::new();
    for (n, glob) in GLOBS.iter().enumerate() {
        let wf = format!(
            "workflow w {{\n  on change {} {{ params {{ files = changed }} }}\n  param files: list<string> = []\n  step s: shell {{ run \"true\" }}\n}}\n",
            serde_json::to_string(glob).unwrap()
        );
        let case = dir.path().join(format!("case{n}"));
        std::fs::create_dir(&case).unwrap();
        let r = repo(&case, &wf);
        let out = case.join("w.yml");
        let yaml = export_ok(&r.clone.join("flows/w.wf"), &[], &out);
        exported.push(out.clone());
        let doc: Json = serde_norway::from_str(&yaml).unwrap();
        let paths = &doc["on"]["push"]["paths"][0];
        assert!(paths.as_str().unwrap().starts_with("flows/"), "{paths}");
        let step = &doc["jobs"]["wfc-params"]["steps"][1];

        let got = pushed(
            step,
            &r.clone,
            &temp,
            &r.first,
            &r.second,
            "refs/heads/main",
        );
        let files: Vec<String> = serde_json::from_str(&got["files"]).unwrap();
        let want = matched(glob, &written);
        assert_eq!(files, want, "`{glob}`");
        assert_eq!(got["wfc-go"], (!want.is_empty()).to_string(), "`{glob}`");
        compared += want.len();

        // A new branch: from where it left `main`.
        let zeros = "0".repeat(40);
        let got = pushed(
            step,
            &r.clone,
            &temp,
            &zeros,
            &r.feature,
            "refs/heads/feature",
        );
        let files: Vec<String> = serde_json::from_str(&got["files"]).unwrap();
        assert_eq!(
            files,
            matched(glob, &["incoming/feature.csv"]),
            "`{glob}` on a new branch"
        );
        assert!(!r.clone.join("pwned").exists() && !temp.join("pwned").exists());

        // The same trigger at the repository's root: the glob is relative
        // to it, so the files are `flows/…` (and `other/…`).
        let yaml = export_ok(&r.clone.join("w.wf"), &[], &case.join("root.yml"));
        let doc: Json = serde_norway::from_str(&yaml).unwrap();
        let in_flows = paths.as_str().unwrap().strip_prefix("flows/").unwrap();
        assert_eq!(doc["on"]["push"]["paths"][0], in_flows);
        let step = &doc["jobs"]["wfc-params"]["steps"][1];
        let got = pushed(
            step,
            &r.clone,
            &temp,
            &r.first,
            &r.second,
            "refs/heads/main",
        );
        let files: Vec<String> = serde_json::from_str(&got["files"]).unwrap();
        let mut at_root: Vec<String> = written.iter().map(|f| format!("flows/{f}")).collect();
        at_root.push("other/incoming/y.csv".into());
        let at_root: Vec<&str> = at_root.iter().map(String::as_str).collect();
        assert_eq!(files, matched(glob, &at_root), "`{glob}` at the root");
    }
    assert!(compared > 30, "the globs matched {compared} files in all");
    // Every filter is one GitHub takes.
    lint(&exported);
}

#[test]
fn a_push_that_only_deletes_starts_nothing() {
    if super::export_github_computed::no_jq() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let temp = dir.path().join("runner-temp");
    std::fs::create_dir(&temp).unwrap();
    let wf = "workflow w {\n  on change \"incoming/*.csv\" { params { files = changed } }\n  param files: list<string> = []\n  step s: shell { run \"true\" }\n}\n";
    let r = repo(dir.path(), wf);
    let work = dir.path().join("work");
    git(&work, &["checkout", "-q", "main"]);
    git(&work, &["rm", "-q", "flows/incoming/kept.csv"]);
    git(&work, &["commit", "-qm", "delete"]);
    let deleted = git(&work, &["rev-parse", "HEAD"]);
    git(
        &work,
        &[
            "push",
            "-q",
            dir.path().join("origin.git").to_str().unwrap(),
            "main",
        ],
    );
    git(&r.clone, &["fetch", "-q"]);
    let out = dir.path().join("w.yml");
    let yaml = export_ok(&r.clone.join("flows/w.wf"), &[], &out);
    let doc: Json = serde_norway::from_str(&yaml).unwrap();
    let step = &doc["jobs"]["wfc-params"]["steps"][1];
    let got = pushed(
        step,
        &r.clone,
        &temp,
        &r.second,
        &deleted,
        "refs/heads/main",
    );
    assert_eq!(got["files"], "[]");
    assert_eq!(got["wfc-go"], "false");
    // A branch deleted: no commit after it, no file.
    let zeros = "0".repeat(40);
    let got = pushed(
        step,
        &r.clone,
        &temp,
        &r.feature,
        &zeros,
        "refs/heads/feature",
    );
    assert_eq!(
        (got["files"].as_str(), got["wfc-go"].as_str()),
        ("[]", "false")
    );
    // By hand: the input, and the run goes on.
    let mut known: HashMap<String, String> = HashMap::new();
    for (k, v) in [
        ("github.event_name", "workflow_dispatch"),
        ("github.event.action", ""),
        ("github.event.before", ""),
        ("github.sha", &r.second),
        ("github.ref", "refs/heads/main"),
        ("github.event.repository.default_branch", "main"),
        ("inputs.files", "[\"by-hand.csv\"]"),
    ] {
        known.insert(k.into(), v.into());
    }
    let output = temp.join("output");
    std::fs::write(&output, "").unwrap();
    known.insert("env.GITHUB_OUTPUT".into(), output.display().to_string());
    known.insert("env.RUNNER_TEMP".into(), temp.display().to_string());
    let ran = run_step(step, &r.clone, &known);
    assert!(ran.status.success(), "{ran:?}");
    let got = github_outputs(&std::fs::read_to_string(&output).unwrap());
    assert_eq!(got["files"], "[\"by-hand.csv\"]");
    assert_eq!(got["wfc-go"], "true");
}

/// What GitHub's filter cannot match exactly is refused, with its place.
#[test]
fn globs_github_cannot_match_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    for (trigger, says) in [
        (r#"on change "in/?.csv""#, "`?` (any one character)"),
        (r#"on change "in/{a,b/c}.csv""#, "alternatives"),
        (r#"on change "in/[!a].csv""#, "`[…]`"),
        ("on change \"a/*\"\n  on change \"b/*\"", "a second one"),
    ] {
        let file = dir.path().join("w.wf");
        std::fs::write(
            &file,
            format!("workflow w {{\n  {trigger}\n  step s: shell {{ run \"true\" }}\n}}\n"),
        )
        .unwrap();
        let run = export(&file, &[], &dir.path().join("w.yml"));
        let stderr = String::from_utf8_lossy(&run.stderr);
        assert_eq!(run.status.code(), Some(3), "{trigger}: {stderr}");
        assert!(stderr.contains(says), "{trigger}: {stderr}");
        let codes = reported(&stderr, file.to_str().unwrap());
        assert!(codes.iter().all(|(c, _)| c == "E0731"), "{codes:?}");
        assert!(codes.iter().any(|(_, line)| *line >= 2), "{codes:?}");
    }
}

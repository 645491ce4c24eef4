//! `wfc import`: real workflows of public projects (tests/fixtures/import,
//! each with its source and commit) converted through the real binary; the
//! `.wf` text and the warnings pinned in snapshots; the output checked
//! (`wfc check`), formatted already (`wfc fmt --check`) and planned to the
//! original's DAG: the same jobs (tasks), the same edges (`needs`, `deps`),
//! compared as reachability, since the plan drops edges another path implies.

use crate::case;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// A fixture: its file, where the import test puts it (the path tells the
/// format), and the params its plan needs.
const FIXTURES: &[(&str, &str, &[&str])] = &[
    ("just-release.yaml", ".github/workflows/release.yaml", &[]),
    ("flask-publish.yaml", ".github/workflows/publish.yaml", &[]),
    (
        "tox-prepare-release.yaml",
        ".github/workflows/prepare-release.yaml",
        &[],
    ),
    (
        "features.yml",
        ".github/workflows/features.yml",
        &["version=1.0", "target=prod"],
    ),
    ("go-task/Taskfile.yml", "go-task/Taskfile.yml", &[]),
];

fn fixture(name: &str) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/import");
    std::fs::read_to_string(root.join(name)).unwrap()
}

/// Job (task) → the jobs it needs, from the original YAML, named as the
/// import names them (these fixtures' names are identifiers already, but
/// for `:` and case).
fn original_dag(text: &str) -> BTreeMap<String, BTreeSet<String>> {
    let doc: serde_norway::Value = serde_norway::from_str(text).unwrap();
    let name = |s: &str| {
        s.to_ascii_lowercase()
            .replace([':', '*'], "-")
            .trim_end_matches('-')
            .to_string()
    };
    let mut dag = BTreeMap::new();
    let (units, key) = match doc.get("jobs") {
        Some(jobs) => (jobs.as_mapping().unwrap(), "needs"),
        None => (doc["tasks"].as_mapping().unwrap(), "deps"),
    };
    for (id, body) in units {
        let id = name(id.as_str().unwrap());
        let id = if id == "run" { "run_".to_string() } else { id };
        let mut needs: BTreeSet<String> = match body.get(key) {
            Some(serde_norway::Value::String(s)) => [name(s)].into(),
            Some(serde_norway::Value::Sequence(xs)) => {
                xs.iter().filter_map(|x| x.as_str()).map(name).collect()
            }
            _ => BTreeSet::new(),
        };
        // A Taskfile's `task:` calls in `cmds` are dependencies too.
        for c in body
            .get("cmds")
            .and_then(|c| c.as_sequence())
            .into_iter()
            .flatten()
        {
            if let Some(t) = c.get("task").and_then(|t| t.as_str()) {
                needs.insert(name(t));
            }
        }
        dag.insert(id, needs);
    }
    dag
}

/// Job → jobs it waits for, from `wfc plan --format json`: each step is
/// its job's (the longest job name it starts with), and its edges to
/// other jobs' steps are the job's. `var-*` steps (a Taskfile's `sh:`
/// variables) are not jobs.
fn planned_dag(
    plan: &serde_json::Value,
    jobs: &BTreeSet<String>,
) -> BTreeMap<String, BTreeSet<String>> {
    let job_of = |step: &str| -> Option<String> {
        let base = step.split('[').next().unwrap();
        jobs.iter()
            .filter(|j| base == j.as_str() || base.starts_with(&format!("{j}-")))
            .max_by_key(|j| j.len())
            .cloned()
    };
    let mut dag: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for s in plan["steps"].as_array().unwrap() {
        let name = s["name"].as_str().unwrap();
        if name.starts_with("var-") {
            continue;
        }
        let job = job_of(name).unwrap_or_else(|| panic!("step {name} is no job's"));
        let entry = dag.entry(job.clone()).or_default();
        for e in s["edges"].as_array().unwrap() {
            let on = e["on"].as_str().unwrap();
            match job_of(on) {
                Some(other) if other != job => {
                    entry.insert(other);
                }
                _ => {}
            }
        }
    }
    dag
}

fn closure(dag: &BTreeMap<String, BTreeSet<String>>) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for start in dag.keys() {
        let mut todo: Vec<&String> = dag[start].iter().collect();
        let mut seen = BTreeSet::new();
        while let Some(n) = todo.pop() {
            if seen.insert(n.clone()) {
                todo.extend(dag.get(n).into_iter().flatten());
            }
        }
        out.extend(seen.into_iter().map(|n| (start.clone(), n)));
    }
    out
}

#[test]
fn real_workflows_import_check_format_and_plan_to_their_dag() {
    wfc_testkit::check_each(
        FIXTURES.iter().map(|f| (f.0.to_string(), f)),
        |name, (file, place, params)| {
            let text = fixture(file);
            let c = case().file(place, &text);
            let out = c.wfc(["import", place, "-o", "out.wf"]).success().output();
            let wf = c.read("out.wf");
            let snap = name.replace(['/', '.'], "-");
            insta::assert_snapshot!(format!("import-{snap}"), wf);
            insta::assert_snapshot!(format!("import-{snap}-warnings"), out.stderr);
            c.wfc(["check", "out.wf"]).success().output();
            c.wfc(["fmt", "--check", "out.wf"])
                .success()
                .stdout("")
                .output();
            let mut args = vec!["plan", "out.wf", "--format", "json"];
            for p in params.iter() {
                args.extend(["-p", p]);
            }
            // `github.ref` conditions read it: `deploy` runs on main.
            let plan = c
                .wfc(args)
                .env("GITHUB_REF", "refs/heads/main")
                .success()
                .output();
            let plan: serde_json::Value = serde_json::from_str(&plan.stdout).unwrap();
            let original = original_dag(&text);
            let jobs: BTreeSet<String> = original.keys().cloned().collect();
            let planned = planned_dag(&plan, &jobs);
            assert_eq!(
                planned.keys().collect::<Vec<_>>(),
                original.keys().collect::<Vec<_>>(),
                "{name}: the same jobs"
            );
            assert_eq!(
                closure(&planned),
                closure(&original),
                "{name}: the same edges"
            );
        },
    );
}

/// Each `tests/import/<CODE>-*.yml` provokes its code: an error (`E09xx`)
/// exits 2 with nothing written; a warning (`W09xx`) is on stderr, and the
/// `.wf` written still checks. A header `# from: FORMAT` gives `--from`.
#[test]
fn each_import_code_has_a_fixture_that_provokes_it() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/import");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(files.len() >= 12, "{files:?}");
    wfc_testkit::check_each(
        files
            .iter()
            .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), p)),
        |name, path| {
            let code = &name[..5];
            let text = std::fs::read_to_string(path).unwrap();
            let c = case().file("input.yml", &text);
            let mut args = vec![
                "import".to_string(),
                "input.yml".into(),
                "-o".into(),
                "out.wf".into(),
            ];
            if let Some(from) = text.lines().find_map(|l| l.strip_prefix("# from: ")) {
                args.extend(["--from".to_string(), from.trim().to_string()]);
            }
            if code.starts_with('E') {
                c.wfc(&args).status(2).stderr_has(code).output();
                assert!(!c.path("out.wf").exists(), "{name}: nothing is written");
            } else {
                c.wfc(&args).success().stderr_has(code).output();
                c.wfc(["check", "out.wf"]).success().output();
            }
        },
    );
}

/// Values reach the `.wf` file as literals: quotes, backslashes, `${…}`,
/// `"""` and a `${{ }}` that names nothing come back exactly as the
/// original's text, in the plan.
#[test]
fn values_never_become_code() {
    let yaml = r#"on: workflow_dispatch
env:
  TRICKY: 'a "quoted" \n ${HOME} """ $(rm -rf /) ${{ runner.os }}'
jobs:
  build:
    steps:
      - run: |
          echo "${TRICKY}" '"""' \$x
          printf '%s\n' "${{ runner.temp }}"
"#;
    let c = case().file(".github/workflows/x.yml", yaml);
    c.wfc(["import", ".github/workflows/x.yml", "-o", "x.wf"])
        .success()
        .output();
    let plan = c
        .wfc(["plan", "x.wf", "--format", "json"])
        .success()
        .output();
    let plan: serde_json::Value = serde_json::from_str(&plan.stdout).unwrap();
    assert_eq!(
        plan["env"]["TRICKY"],
        r#"a "quoted" \n ${HOME} """ $(rm -rf /) ${{ runner.os }}"#
    );
    let step = &plan["steps"][0];
    let run = step["fields"]["run"].as_str().unwrap_or_default();
    assert_eq!(
        run, "echo \"${TRICKY}\" '\"\"\"' \\$x\nprintf '%s\\n' \"${{ runner.temp }}\"\n",
        "{step}"
    );
}

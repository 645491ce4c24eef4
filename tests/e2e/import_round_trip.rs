//! The round trip: every example, template and std module that exports to
//! GitHub Actions (`export_github_all.rs`'s list), exported, then brought
//! back with `wfc import`, checks and plans to the original's DAG: the same
//! steps (names compared as job ids: `ship[eu-west]` is `ship-eu-west`),
//! the same edges (as reachability: a plan drops edges another path
//! implies), the same handlers and the same compensations. The importer
//! knows what wfc's exporter writes (its checkout, output and artifact
//! helpers, handler and rollback jobs) and folds it back.

use std::collections::{BTreeMap, BTreeSet};

use crate::case;

type Dag = BTreeMap<String, BTreeSet<String>>;

/// A name as a job id: `[`, `]`, `.` and the like become `-`; the `_` the
/// importer adds to a name that is a word of the language (`rollback_`,
/// W0906) is dropped.
fn norm(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() || c == '_' {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let out = out.trim_matches('-');
    out.strip_suffix('_').unwrap_or(out).to_string()
}

/// Step → the steps it waits for, of a list of planned steps.
fn dag(steps: &serde_json::Value) -> Dag {
    let mut dag = Dag::new();
    for s in steps.as_array().into_iter().flatten() {
        let entry = dag.entry(norm(s["name"].as_str().unwrap())).or_default();
        for e in s["edges"].as_array().into_iter().flatten() {
            entry.insert(norm(e["on"].as_str().unwrap()));
        }
    }
    dag
}

fn closure(dag: &Dag) -> BTreeSet<(String, String)> {
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

/// What the round trip keeps of a plan: the main graph's steps and their
/// reachability, each handler's steps, each step's compensations.
#[derive(Debug, PartialEq)]
struct Shape {
    steps: BTreeSet<String>,
    reach: BTreeSet<(String, String)>,
    handlers: BTreeMap<String, BTreeSet<String>>,
    rollbacks: BTreeMap<String, BTreeSet<String>>,
}

fn shape(plan: &serde_json::Value) -> Shape {
    let main = dag(&plan["steps"]);
    let mut handlers = BTreeMap::new();
    for (kind, steps) in plan["handlers"].as_object().into_iter().flatten() {
        let names: BTreeSet<String> = dag(steps).into_keys().collect();
        if !names.is_empty() {
            handlers.insert(kind.clone(), names);
        }
    }
    let mut rollbacks = BTreeMap::new();
    for s in plan["steps"].as_array().into_iter().flatten() {
        let names: BTreeSet<String> = dag(&s["rollback"]).into_keys().collect();
        if !names.is_empty() {
            rollbacks.insert(norm(s["name"].as_str().unwrap()), names);
        }
    }
    Shape {
        steps: main.keys().cloned().collect(),
        reach: closure(&main),
        handlers,
        rollbacks,
    }
}

/// The checks the export computes where no `.wf` text of them is left (a
/// value `jq` computes, an http step's status code): the import refuses
/// them (W0902), a stand-in `STEP-condition` that fails before the step.
const REFUSED: &[(&str, &[&str])] = &[
    ("examples/incident.wf", &["recovered-condition"]),
    ("examples/ml-train.wf", &["good_enough-condition"]),
    (
        "examples/test-suite.wf",
        &["green-beta-condition", "green-stable-condition"],
    ),
];

/// `shape` without the stand-ins `file`'s refused conditions have (each
/// must be there), or what is missing.
fn without_stand_ins(file: &str, mut shape: Shape) -> Result<Shape, String> {
    let stand_ins = REFUSED.iter().filter(|(f, _)| *f == file);
    for name in stand_ins.flat_map(|(_, s)| s.iter()) {
        if !shape.steps.remove(*name) {
            return Err(format!("no stand-in `{name}` for a refused condition"));
        }
        shape.reach.retain(|(a, b)| a != name && b != name);
    }
    Ok(shape)
}

#[test]
fn github_exports_import_back_to_the_same_dag() {
    let root = env!("CARGO_MANIFEST_DIR");
    let mut wrong = Vec::new();
    let mut tried = 0;
    for (file, params, refused) in super::export_github_all::ALL {
        if !refused.is_empty() {
            continue;
        }
        tried += 1;
        let c = case();
        let path = format!("{root}/{file}");
        let mut export = vec![
            "export",
            "github",
            path.as_str(),
            "-o",
            ".github/workflows/w.yml",
        ];
        let mut plan = vec!["plan", path.as_str(), "--format", "json"];
        for p in *params {
            export.extend(["-p", p]);
            plan.extend(["-p", p]);
        }
        std::fs::create_dir_all(c.path(".github/workflows")).unwrap();
        c.wfc(&export).success().output();
        let original: serde_json::Value =
            serde_json::from_str(&c.wfc(&plan).own_store().success().output().stdout).unwrap();
        let imported = c
            .wfc(["import", ".github/workflows/w.yml", "-o", "w.wf"])
            .output();
        if imported.code != 0 {
            wrong.push(format!("{file}: import failed:\n{}", imported.stderr));
            continue;
        }
        let checked = c.wfc(["check", "w.wf"]).output();
        if checked.code != 0 {
            wrong.push(format!(
                "{file}: the import does not check:\n{}",
                checked.stderr
            ));
            continue;
        }
        let back: serde_json::Value = serde_json::from_str(
            &c.wfc(["plan", "w.wf", "--format", "json"])
                .success()
                .output()
                .stdout,
        )
        .unwrap();
        let (want, got) = (shape(&original), shape(&back));
        let got = match without_stand_ins(file, got) {
            Ok(got) => got,
            Err(why) => {
                wrong.push(format!("{file}: {why}"));
                continue;
            }
        };
        if want != got {
            wrong.push(format!(
                "{file}:\n  original {want:?}\n  imported {got:?}\n{}",
                c.read("w.wf")
            ));
        }
    }
    assert!(tried >= 10, "only {tried} files export to GitHub");
    assert!(wrong.is_empty(), "{}", wrong.join("\n\n"));
}

/// Issue 73: a step guarded by a run-time `bool` output ran after the
/// round trip, the guard gone. Exported (`fromJSON(needs.decide.outputs.go)`)
/// and imported back, it is an `if json(decide.outputs.go)`: skipped when
/// `go` is false, run when true.
#[test]
fn a_run_time_condition_survives_the_round_trip() {
    let c = case();
    for go in ["false", "true"] {
        let source = format!(
            "workflow gated {{\n  step decide: shell {{\n    run \"echo go={go} >> $WF_OUTPUTS\"\n    \
             outputs {{ go: bool }}\n  }}\n  if decide.outputs.go {{\n    \
             step ship: shell {{ run \"echo shipped >> shipped.txt\" }}\n  }}\n}}\n"
        );
        std::fs::write(c.path("gated.wf"), source).unwrap();
        std::fs::create_dir_all(c.path(".github/workflows")).unwrap();
        c.wfc([
            "export",
            "github",
            "gated.wf",
            "-o",
            ".github/workflows/g.yml",
        ])
        .success()
        .output();
        c.wfc(["import", ".github/workflows/g.yml", "-o", "back.wf"])
            .success()
            .output();
        let back = std::fs::read_to_string(c.path("back.wf")).unwrap();
        assert!(back.contains("if json(decide.outputs.go)"), "{back}");
        c.wfc(["run", "back.wf"]).success().output();
        let shipped = std::fs::read_to_string(c.path("shipped.txt")).unwrap_or_default();
        let want = if go == "true" { 1 } else { 0 };
        assert_eq!(shipped.lines().count(), want, "go={go}: {back}");
        let _ = std::fs::remove_file(c.path("shipped.txt"));
    }
}

/// Issue 73: the round trip doubled a `workdir`: the export writes it from
/// the repository's root (`proj/sub`), and the import read that from the
/// `.wf` file's folder (`proj/proj/sub`). Imported next to the original,
/// the step runs in the same folder.
#[test]
fn a_workdir_survives_the_round_trip() {
    let c = case();
    std::process::Command::new("git")
        .args(["init", "-q"])
        .current_dir(c.path(""))
        .status()
        .unwrap();
    std::fs::create_dir_all(c.path("proj/sub")).unwrap();
    std::fs::create_dir_all(c.path(".github/workflows")).unwrap();
    std::fs::write(
        c.path("proj/w.wf"),
        "workflow w {\n  step s: shell {\n    run \"pwd > here.txt\"\n    workdir \"sub\"\n  }\n}\n",
    )
    .unwrap();
    c.wfc([
        "export",
        "github",
        "proj/w.wf",
        "-o",
        ".github/workflows/w.yml",
    ])
    .success()
    .output();
    let yml = std::fs::read_to_string(c.path(".github/workflows/w.yml")).unwrap();
    assert!(yml.contains("working-directory: proj/sub"), "{yml}");
    c.wfc(["import", ".github/workflows/w.yml", "-o", "proj/back.wf"])
        .success()
        .output();
    let back = std::fs::read_to_string(c.path("proj/back.wf")).unwrap();
    assert!(back.contains("workdir \"sub\""), "{back}");
    c.wfc(["run", "proj/back.wf"]).success().output();
    let here = std::fs::read_to_string(c.path("proj/sub/here.txt")).unwrap();
    assert!(here.trim_end().ends_with("proj/sub"), "{here}");
}

//! `wfc export github-actions` of `python` and `node` steps: the YAML lints
//! (actionlint), and its steps, run with the real `sh`, `python3` and
//! `node` as GitHub runs them (`env:` set, `${{ … }}` filled in as GitHub
//! would), get every value typed and exactly — a hostile string included —
//! without any value in a `run:` script; outputs reach a later job.

use super::export_github::{export, lint, reported};
use serde_json::Value as Json;
use std::collections::HashMap;
use std::path::Path;
use std::process::Command;

const HOSTILE: &str =
    "a'b\"c\"\"\" \\ `touch pwned` $(id) ${{ github.token }} \u{2028}\nsecond line";

const SCRIPTS: &str = r#"workflow scripts {
  param count: int = 3
  param note: string = "plain"
  param ratio: float = 0.5
  param loud: bool = true
  secret token: string = env("TOKEN")
  step measure: python {
    script """
      import json, os
      n, note, ratio, loud = ${count}, ${note}, ${ratio}, ${loud}
      assert type(n) is int and type(ratio) is float and type(loud) is bool, (n, ratio, loud)
      with open(os.environ["WF_RESULT"], "w") as f:
          json.dump({"total": n * 2, "note": note + "!", "ratio": ratio, "unused": 1}, f)
    """
    outputs { total: int, note: string, ratio: float }
    retry 1
  }
  for each region in ["eu", "us"] {
    step mark: node { script "require('fs').writeFileSync(${region} + '.txt', ${region})" }
  }
  step report: node {
    script """
      const total = ${measure.outputs.total};
      const note = ${measure.outputs.note};
      const token = ${token};
      require("fs").writeFileSync("report.json", JSON.stringify({ total, note, kind: typeof total, tokenLength: token.length }));
    """
  }
}
"#;

/// The `${{ … }}` GitHub would fill in, and what with.
pub(super) fn fill(text: &str, known: &HashMap<String, String>) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find("${{") {
        out.push_str(&rest[..at]);
        let end = rest[at..].find("}}").expect("a closed expression") + at;
        let expr = rest[at + 3..end].trim();
        let value = known
            .get(expr)
            .unwrap_or_else(|| panic!("no value for {expr}"));
        out.push_str(value);
        rest = &rest[end + 2..];
    }
    out.push_str(rest);
    out
}

/// Runs one exported step in `dir` as GitHub does: its `run:` in a file
/// given to its `shell:` (`sh -e FILE` or `INTERPRETER FILE`).
pub(super) fn run_step(
    step: &Json,
    dir: &Path,
    known: &HashMap<String, String>,
) -> std::process::Output {
    let script = dir.join("step-script");
    std::fs::write(&script, step["run"].as_str().unwrap()).unwrap();
    let shell = step["shell"].as_str().unwrap_or("sh");
    let mut cmd = match shell.strip_suffix(" {0}") {
        Some(interpreter) => Command::new(interpreter),
        None => {
            let mut c = Command::new(shell);
            c.arg("-e");
            c
        }
    };
    cmd.arg(&script).current_dir(dir);
    for (k, v) in step["env"].as_object().into_iter().flatten() {
        cmd.env(k, fill(v.as_str().unwrap(), known));
    }
    for k in ["RUNNER_TEMP", "GITHUB_OUTPUT", "GITHUB_PATH", "PATH"] {
        if let Some(v) = known.get(&format!("env.{k}")) {
            cmd.env(k, v);
        }
    }
    cmd.output().unwrap()
}

/// `name<<DELIM` blocks (and `name=value` lines) of a `$GITHUB_OUTPUT` file.
pub(super) fn github_outputs(text: &str) -> HashMap<String, String> {
    let mut out = HashMap::new();
    let mut lines = text.lines();
    while let Some(head) = lines.next() {
        let Some((name, delim)) = head.split_once("<<") else {
            let (name, value) = head.split_once('=').expect("name=value");
            out.insert(name.to_string(), value.to_string());
            continue;
        };
        let body: Vec<&str> = lines.by_ref().take_while(|l| *l != delim).collect();
        out.insert(name.to_string(), body.join("\n"));
    }
    out
}

#[test]
fn scripts_export_lint_and_run_with_typed_values_from_env() {
    let dir = tempfile::tempdir().unwrap();
    let wf = dir.path().join("scripts.wf");
    std::fs::write(&wf, SCRIPTS).unwrap();
    let out = dir.path().join("scripts.yml");
    let run = export(&wf, &[], &out);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let yaml = std::fs::read_to_string(&out).unwrap();
    // (Without the header line, which names the temporary file.)
    insta::assert_snapshot!("export_github_scripts", yaml.split_once('\n').unwrap().1);
    lint(std::slice::from_ref(&out));
    let doc: Json = serde_norway::from_str(&yaml).unwrap();

    let temp = dir.path().join("runner-temp");
    std::fs::create_dir(&temp).unwrap();
    let mut known: HashMap<String, String> = [
        ("inputs.count", "21"),
        ("inputs.note", HOSTILE),
        ("inputs.ratio", "0.25"),
        ("inputs.loud", "false"),
        ("secrets.TOKEN", "t0k'en\"$"),
        ("runner.temp", temp.to_str().unwrap()),
        ("env.RUNNER_TEMP", temp.to_str().unwrap()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    for (job, _) in doc["jobs"].as_object().unwrap() {
        // The checkout aside (`uses:`), every step is a script.
        let ran = doc["jobs"][job]["steps"].as_array().unwrap().iter();
        for step in ran.filter(|s| s.get("uses").is_none()) {
            let script = step["run"].as_str().unwrap();
            for piece in ["touch pwned", "$(id)", "github.token", "second line", "t0k"] {
                assert!(!script.contains(piece), "{job}: {piece} in {script}");
            }
        }
    }

    // Each job's steps in turn, its outputs then read by the jobs that need
    // it; a matrix job once per item.
    let jobs: Vec<&String> = doc["jobs"].as_object().unwrap().keys().collect();
    assert_eq!(jobs, ["mark", "measure", "report"]);
    assert_eq!(
        doc["jobs"]["report"]["needs"],
        serde_json::json!(["measure"])
    );
    for job in jobs {
        let outputs = dir.path().join(format!("{job}-output"));
        std::fs::write(&outputs, "").unwrap();
        known.insert("env.GITHUB_OUTPUT".into(), outputs.display().to_string());
        let matrix = doc["jobs"][job]["strategy"]["matrix"].as_object();
        let items: Vec<(String, String)> = match matrix.and_then(|m| m.iter().next()) {
            Some((var, list)) => list
                .as_array()
                .unwrap()
                .iter()
                .map(|v| (format!("matrix.{var}"), v.as_str().unwrap().to_string()))
                .collect(),
            None => vec![(String::new(), String::new())],
        };
        for (var, item) in items {
            known.insert(var, item);
            let steps = doc["jobs"][job]["steps"].as_array().unwrap().iter();
            for step in steps.filter(|s| s.get("uses").is_none()) {
                let r = run_step(step, dir.path(), &known);
                assert!(r.status.success(), "{job}: {r:?}");
            }
        }
        let written = std::fs::read_to_string(&outputs).unwrap();
        for (name, value) in github_outputs(&written) {
            known.insert(format!("needs.{job}.outputs.{name}"), value);
        }
    }
    assert_eq!(known["needs.measure.outputs.total"], "42");
    assert_eq!(known["needs.measure.outputs.ratio"], "0.25");
    assert!(!known.contains_key("needs.measure.outputs.unused"));
    for region in ["eu", "us"] {
        let marked = std::fs::read_to_string(dir.path().join(format!("{region}.txt")));
        assert_eq!(marked.unwrap(), region);
    }
    let report: Json =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("report.json")).unwrap())
            .unwrap();
    assert_eq!(report["total"], 42);
    assert_eq!(report["kind"], "number");
    assert_eq!(report["note"], format!("{HOSTILE}!"));
    assert_eq!(report["tokenLength"], "t0k'en\"$".len());
    assert!(!dir.path().join("pwned").exists());
    // A declared int that is not one fails the outputs step, naming it.
    std::fs::write(temp.join("wfc-result.json"), r#"{"total": "many"}"#).unwrap();
    let outputs_step = &doc["jobs"]["measure"]["steps"].as_array().unwrap()[2];
    let r = run_step(outputs_step, dir.path(), &known);
    assert!(!r.status.success());
    assert!(
        String::from_utf8_lossy(&r.stderr).contains("output `total` is not a int"),
        "{r:?}"
    );
}

/// What GitHub cannot be given is refused with the place: a run-time value
/// inside a string, a script `file`, its `args`.
#[test]
fn what_a_script_cannot_take_is_refused_with_the_place() {
    let dir = tempfile::tempdir().unwrap();
    let wf = dir.path().join("refused.wf");
    std::fs::write(
        &wf,
        r#"workflow refused {
  param who: string = "x"
  step greet: python { script "print('hello ${who}')" }
  step tool: python { file "tool.py" }
  step cli: node {
    script "console.log(process.argv)"
    args ["a"]
  }
}
"#,
    )
    .unwrap();
    let run = export(&wf, &[], &dir.path().join("refused.yml"));
    assert_eq!(run.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&run.stderr);
    let file = wf.display().to_string();
    assert_eq!(
        reported(&stderr, &file),
        [
            ("E0733".to_string(), 3),
            ("E0738".to_string(), 4),
            ("E0738".to_string(), 7)
        ],
        "{stderr}"
    );
    assert!(
        stderr.contains("known only while the workflow runs"),
        "{stderr}"
    );
}

/// `requirements` install into a venv in a step before, which puts it
/// first on `PATH` (`$GITHUB_PATH`) for the script's step.
#[test]
fn requirements_install_into_a_venv_the_script_runs_in() {
    let dir = tempfile::tempdir().unwrap();
    let wf = dir.path().join("deps.wf");
    std::fs::write(
        &wf,
        r#"workflow deps {
  step py: python {
    script """
      import six, sys
      open("py.txt", "w").write(six.__version__ + " " + sys.prefix)
    """
    requirements ["six==1.16.0"]
  }
}
"#,
    )
    .unwrap();
    let out = dir.path().join("deps.yml");
    let run = export(&wf, &[], &out);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    lint(std::slice::from_ref(&out));
    let doc: Json = serde_norway::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let steps = &doc["jobs"]["py"]["steps"].as_array().unwrap()[1..];
    assert_eq!(steps[0]["name"], "install packages");
    let temp = dir.path().join("runner-temp");
    std::fs::create_dir(&temp).unwrap();
    let github_path = dir.path().join("github-path");
    std::fs::write(&github_path, "").unwrap();
    let mut known: HashMap<String, String> = [
        ("runner.temp", temp.display().to_string()),
        ("env.RUNNER_TEMP", temp.display().to_string()),
        ("env.GITHUB_PATH", github_path.display().to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let r = run_step(&steps[0], dir.path(), &known);
    assert!(r.status.success(), "{r:?}");
    // GitHub puts each line of $GITHUB_PATH first on the next steps' PATH.
    let added = std::fs::read_to_string(&github_path).unwrap();
    let path = format!("{}:{}", added.trim(), std::env::var("PATH").unwrap());
    known.insert("env.PATH".into(), path);
    let r = run_step(&steps[1], dir.path(), &known);
    assert!(r.status.success(), "{r:?}");
    let seen = std::fs::read_to_string(dir.path().join("py.txt")).unwrap();
    assert_eq!(seen, format!("1.16.0 {}", temp.join("wfc-venv").display()));
}

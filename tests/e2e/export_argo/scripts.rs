//! `python` and `node` steps exported to Argo: the YAML validates against
//! Argo's schema, and each template's container command, run here with the
//! real `sh`, `python3` and `node` and its `env` as the pod would have it
//! (input parameters and the secret filled in), gets every value typed and
//! exactly, writes typed outputs, and never holds a value in its command.

use super::{export, validate};
use crate::workflow;
use serde_json::Value as Json;
use std::collections::HashMap;
use std::process::Command;

const NOTE: &str = "it's \"q\" `x` $(id) \\ ${HOME}";

const PIPELINE: &str = r#"workflow w {
  secret token: string = env("TOKEN")
  param n: int = 20
  step measure: python {
    script """
      import json, os
      n, token = ${n}, ${token}
      assert type(n) is int
      with open(os.environ["WF_RESULT"], "w") as f:
          json.dump({"total": n + 1, "note": "tok-%d " % len(token) + os.environ["NOTE"], "ok": True}, f)
    """
    env { NOTE = "@NOTE" }
    outputs { total: int, note: string, ok: bool }
  }
  step report: node {
    script """
      const total = ${measure.outputs.total};
      const note = ${measure.outputs.note};
      require("fs").writeFileSync("report.json", JSON.stringify({ total, kind: typeof total, note }));
    """
  }
}
"#;

/// The template `name` of the exported YAML, as JSON.
pub(super) fn template(yaml: &str, name: &str) -> Json {
    let doc: Json = serde_norway::from_str(yaml).unwrap();
    doc["spec"]["templates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == name)
        .unwrap_or_else(|| panic!("no template {name}"))
        .clone()
}

/// Runs template `t`'s container command in `dir` (its `/tmp/` moved
/// there), with its env: `{{…}}` and secret references from `known`.
pub(super) fn run(
    t: &Json,
    dir: &std::path::Path,
    known: &HashMap<&str, String>,
) -> std::process::Output {
    let tmp = format!("{}/", dir.display());
    let argv: Vec<String> = t["container"]["command"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap().replace("/tmp/", &tmp))
        .collect();
    let mut cmd = Command::new(&argv[0]);
    cmd.args(&argv[1..]).current_dir(dir);
    for var in t["container"]["env"].as_array().unwrap() {
        let name = var["name"].as_str().unwrap();
        let value = match var["value"].as_str() {
            Some(v) if v.starts_with("{{") => known[v].clone(),
            Some(v) => v.to_owned(),
            None => known[var["valueFrom"]["secretKeyRef"]["key"].as_str().unwrap()].clone(),
        };
        cmd.env(name, value);
    }
    cmd.output().unwrap()
}

#[test]
fn script_steps_run_from_their_templates_with_typed_values() {
    let quoted = NOTE
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('$', "\\$");
    let c = workflow(&PIPELINE.replace("@NOTE", &quoted));
    let yaml = export(&c, &["w.wf"]);
    insta::assert_snapshot!("export_argo_scripts", yaml);
    c.write("w.yaml", &yaml);
    let validated = validate(&c, &["w.yaml"]);
    let measure = template(&yaml, "measure");
    assert_eq!(measure["container"]["image"], "python:3-slim");
    // The script and the values travel in env, not in the command line.
    let command = measure["container"]["command"].to_string();
    for piece in ["import json", "$(id)", "tok-"] {
        assert!(!command.contains(piece), "{piece} in {command}");
    }
    assert!(!yaml.contains("s3cr"), "the secret is in the YAML");
    if !validated {
        return;
    }
    let secret = "s3cr'et\"$".to_string();
    let known: HashMap<&str, String> = [("token", secret.clone())].into_iter().collect();
    let r = run(&measure, c.path("").as_path(), &known);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    assert_eq!(c.read("wf-outputs/total"), "21");
    assert_eq!(c.read("wf-outputs/ok"), "true");
    assert_eq!(
        c.read("wf-outputs/note"),
        format!("tok-{} {NOTE}", secret.len())
    );

    let report = template(&yaml, "report");
    let inputs: Vec<Json> = report["inputs"]["parameters"].as_array().unwrap().clone();
    let mut known: HashMap<&str, String> = HashMap::new();
    let names: Vec<String> = inputs
        .iter()
        .map(|p| format!("{{{{inputs.parameters.{}}}}}", p["name"].as_str().unwrap()))
        .collect();
    known.insert(&names[0], c.read("wf-outputs/total"));
    known.insert(&names[1], c.read("wf-outputs/note"));
    let r = run(&report, c.path("").as_path(), &known);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let out: Json = serde_json::from_str(&c.read("report.json")).unwrap();
    assert_eq!(out["total"], 21);
    assert_eq!(out["kind"], "number");
    assert_eq!(out["note"], format!("tok-{} {NOTE}", secret.len()));
}

#[test]
fn what_argo_cannot_give_a_script_is_refused_with_the_place() {
    let c = workflow(
        r#"workflow w {
  step a: python {
    script "print(1)"
    outputs { xs: string }
  }
  step b: python { script "print('${a.outputs.xs}')" }
  step c: python {
    file "c.py"
    args ["x"]
  }
}
"#,
    );
    let out = c.wfc(["export", "argo", "w.wf"]).output();
    assert_eq!(out.code, 3, "{out}");
    for (code, line) in [("E0721", 6), ("E0721", 8), ("E0721", 9)] {
        assert!(
            out.stderr.contains(code) && out.stderr.contains(&format!("w.wf:{line}:")),
            "{code} at {line}: {}",
            out.stderr
        );
    }
}

/// `requirements` and `packages` install when the container starts, into
/// its `/tmp` (here: the case's folder), and the script imports them.
#[test]
fn packages_install_when_the_container_starts() {
    let c = workflow(
        r#"workflow w {
  step py: python {
    script """
      import six
      open("py.txt", "w").write(six.__version__ + " " + six.__file__)
    """
    requirements ["six==1.16.0"]
  }
  step js: node {
    script "require('fs').writeFileSync('js.txt', String(require('is-number')(7)))"
    packages ["is-number@7.0.0"]
  }
}
"#,
    );
    let yaml = export(&c, &["w.wf"]);
    assert!(
        yaml.contains("'six==1.16.0'") && yaml.contains("'is-number@7.0.0'"),
        "{yaml}"
    );
    c.write("w.yaml", &yaml);
    if !validate(&c, &["w.yaml"]) {
        return;
    }
    for name in ["py", "js"] {
        let r = run(
            &template(&yaml, name),
            c.path("").as_path(),
            &HashMap::new(),
        );
        assert!(
            r.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&r.stderr)
        );
    }
    // (From the installed copy, not one the machine's Python may have.)
    let py = c.read("py.txt");
    let dir = c.path("wfc-packages").display().to_string();
    assert!(py.starts_with("1.16.0 ") && py.contains(&dir), "{py}");
    assert_eq!(c.read("js.txt"), "true");
}

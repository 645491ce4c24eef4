//! Values only the run knows, on Argo, beyond outputs: a step's stdout
//! (an output parameter its script keeps), its status, a gate's `passed`,
//! and `run.id`, `run.workflow`, `run.started`, `run.status` (Argo's
//! `{{workflow.name}}`, `{{workflow.creationTimestamp}}`,
//! `{{workflow.status}}`). Each reaches the command through an env var,
//! never its text; Argo's words become wfc's in the shell. Pinned,
//! validated, and the scripts run with what Argo would substitute.

use super::{export, validate};
use crate::workflow;
use serde_json::Value as Json;
use std::process::Command;

const VALUES: &str = r#"workflow values {
  step version: shell { run "printf '  1.2.3 \n\n'" }
  step check: gate { check version.outputs.n > 0  on fail continue }
  step tell: shell {
    run "echo \"v=${trim(version.stdout)} raw=[${version.stdout}] check=${check.passed} status=${version.status} id=${run.id} wf=${run.workflow} at=${run.started}\""
    env { RAW = version.stdout }
    after check
  }
  finally {
    step log: shell { run "echo ${run.status}" }
  }
}
"#;

fn template(doc: &Json, name: &str) -> Json {
    doc["spec"]["templates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == name)
        .unwrap_or_else(|| panic!("no template {name}"))
        .clone()
}

/// Runs a container template's command with its env, each `{{…}}` of an
/// env value replaced as Argo would (`given`).
fn run(t: &Json, dir: &std::path::Path, given: &[(&str, &str)]) -> std::process::Output {
    let argv: Vec<String> = t["container"]["command"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            a.as_str()
                .unwrap()
                .replace("/tmp/wf-outputs", &dir.display().to_string())
        })
        .collect();
    let mut cmd = Command::new(&argv[0]);
    cmd.args(&argv[1..]).current_dir(dir);
    for var in t["container"]["env"].as_array().into_iter().flatten() {
        let mut value = var["value"].as_str().unwrap().to_owned();
        for (from, to) in given {
            value = value.replace(from, to);
        }
        assert!(!value.contains("{{"), "unreplaced: {value}");
        cmd.env(var["name"].as_str().unwrap(), value);
    }
    cmd.output().unwrap()
}

fn source(gate_check: &str) -> String {
    VALUES.replace("check version.outputs.n > 0", gate_check)
}

#[test]
fn run_time_values_reach_commands_through_env() {
    // The gate's check reads an output: a run-time check.
    let src = source("check version.outputs.n > 0").replace(
        "step version: shell { run \"printf '  1.2.3 \\n\\n'\" }",
        "step version: shell { run \"printf '  1.2.3 \\n\\n'; echo n=1 >> \\\"$WF_OUTPUTS\\\"\"  outputs { n: int } }",
    );
    let c = workflow(&src);
    let yaml = export(&c, &["w.wf", "--image", "alpine:3.20"]);
    insta::assert_snapshot!("export_argo_values", yaml);
    for part in [
        "value: '{{tasks.version.outputs.parameters.wfc-stdout-trimmed}}'",
        "value: '{{tasks.version.outputs.parameters.wfc-stdout}}'",
        "value: '{{tasks.version.status}}'",
        "value: '{{tasks.check.status}}'",
        "value: '{{workflow.name}}'",
        "value: '{{workflow.creationTimestamp}}'",
        "value: '{{workflow.status}}'",
        "path: /tmp/wf-outputs/wfc-stdout-trimmed",
    ] {
        assert!(yaml.contains(part), "missing {part:?} in:\n{yaml}");
    }
    c.write("values.yaml", &yaml);
    validate(&c, &["values.yaml"]);

    let doc: Json = serde_norway::from_str(&yaml).unwrap();
    // The producer prints its stdout and keeps it, exactly (Argo drops
    // the files' one extra line break).
    let dir = tempfile::tempdir().unwrap();
    let out = run(&template(&doc, "version"), dir.path(), &[]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "  1.2.3 \n\n");
    let kept = std::fs::read_to_string(dir.path().join("wfc-stdout")).unwrap();
    assert_eq!(kept, "  1.2.3 \n\n\n");
    let trimmed = std::fs::read_to_string(dir.path().join("wfc-stdout-trimmed")).unwrap();
    assert_eq!(trimmed, "1.2.3\n");
    assert_eq!(std::fs::read_to_string(dir.path().join("n")).unwrap(), "1");

    // The reader, with what Argo substitutes: a hostile stdout stays data.
    let tell = template(&doc, "tell");
    let inputs: Vec<&str> = tell["inputs"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    let args = doc["spec"]["templates"][0]["dag"]["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "tell")
        .unwrap()["arguments"]["parameters"]
        .clone();
    let argo = |arg: &str| -> String {
        match arg {
            "{{tasks.version.outputs.parameters.wfc-stdout-trimmed}}" => "1.2.3".into(),
            "{{tasks.version.outputs.parameters.wfc-stdout}}" => "$(touch pwned) `id`".into(),
            "{{tasks.version.status}}" => "Succeeded".into(),
            "{{tasks.check.status}}" => "Skipped".into(),
            other => panic!("unexpected argument {other}"),
        }
    };
    let mut given: Vec<(String, String)> = Vec::new();
    for name in &inputs {
        let arg = args
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["name"] == *name)
            .unwrap()["value"]
            .as_str()
            .unwrap();
        given.push((format!("{{{{inputs.parameters.{name}}}}}"), argo(arg)));
    }
    given.push(("{{workflow.name}}".into(), "values-x7k2p".into()));
    given.push((
        "{{workflow.creationTimestamp}}".into(),
        "2025-05-01T09:30:00Z".into(),
    ));
    let given: Vec<(&str, &str)> = given
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let out = run(&tell, dir.path(), &given);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "v=1.2.3 raw=[$(touch pwned) `id`] check=true status=succeeded id=values-x7k2p wf=values at=2025-05-01T09:30:00Z\n"
    );
    assert!(!dir.path().join("pwned").exists());

    // `run.status` in `finally`: Argo's workflow phase as wfc's word.
    let log = template(&doc, "log");
    for (phase, word) in [
        ("Succeeded", "succeeded"),
        ("Failed", "failed"),
        ("Error", "failed"),
    ] {
        let out = run(&log, dir.path(), &[("{{workflow.status}}", phase)]);
        assert_eq!(String::from_utf8_lossy(&out.stdout), format!("{word}\n"));
    }
}

/// What has no Argo value stays refused, each saying why: `run.dir`,
/// `run.trigger`. (A status where no shell reads it, a URL, is turned into
/// wfc's word by a jq task: `c` exports.)
#[test]
fn run_fields_without_an_argo_value_are_refused() {
    let c = workflow(
        r#"workflow w {
  step a: shell { run "ls ${run.dir}" }
  step b: shell { run "echo ${run.trigger}" }
  step c: http { get "https://example.com/${a.status}"  after a }
}
"#,
    );
    let out = c
        .wfc(["export", "argo", "w.wf", "--image", "alpine:3.20"])
        .status(3)
        .output();
    assert!(!out.stderr.contains("w.wf:4:"), "{}", out.stderr);
    for part in ["E0722", "w.wf:2:", "w.wf:3:", "run.dir", "run.trigger"] {
        assert!(
            out.stderr.contains(part),
            "missing {part:?} in:\n{}",
            out.stderr
        );
    }
}

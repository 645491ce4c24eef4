//! Step outputs, run-time `if` and `check` gates: the YAML the real binary
//! writes (valid against Argo's schema), and the outputs wrapper it holds,
//! run for real with `sh` to show what it leaves behind.

use super::{export, validate};
use crate::workflow;
use std::process::Command;

const PIPELINE: &str = r#"workflow w {
  step build: shell {
    run "echo size=12 >> \"$WF_OUTPUTS\"; echo ok=true >> \"$WF_OUTPUTS\""
    outputs { size: int  ok: bool }
  }
  if build.outputs.size > 10 && !(build.outputs.size == 99) || build.outputs.ok {
    step big: shell { run "echo 'big: ${build.outputs.size}' > /tmp/x" }
  }
  step size_ok: gate { check build.outputs.size < 4096  on fail abort }
  step ship: shell { run "echo ship"  depends on size_ok }
}
"#;

#[test]
fn outputs_reach_readers_as_parameters_and_conditions_as_when() {
    let c = workflow(PIPELINE);
    let yaml = export(&c, &["w.wf", "--image", "alpine:3.20"]);
    let size = "{{tasks.build.outputs.parameters.size}}";
    for part in [
        "path: /tmp/wf-outputs/size".to_owned(),
        "- size:int\n      - ok:bool".to_owned(),
        // The value reaches the command as an env var, quoted in its context.
        "  set -e\n        echo 'big: '\"$WF_VALUE_1\"'' > /tmp/x".to_owned(),
        "value: '{{inputs.parameters.wf-value-1}}'".to_owned(),
        format!("value: '{size}'"),
        format!(
            "when: ((({size} > 10) && !(({size} == 99))) || {{{{tasks.build.outputs.parameters.ok}}}})"
        ),
        // The gate runs, and fails, only when the check is false.
        format!("when: '!(({size} < 4096))'"),
        "gate `size_ok`: check failed: build.outputs.size < 4096".to_owned(),
        "depends: size-ok".to_owned(),
    ] {
        assert!(yaml.contains(&part), "missing {part:?} in:\n{yaml}");
    }
    c.write("w.yaml", &yaml);
    if !validate(&c, &["w.yaml"]) {
        return;
    }
    // The build template's command, run here with its folder moved into the case.
    let argv = Command::new("python3")
        .args([
            "-c",
            "import json, sys, yaml\nd = yaml.safe_load(open(sys.argv[1]))\nt = [t for t in d['spec']['templates'] if t['name'] == 'build'][0]\nprint(json.dumps(t['container']['command']))",
        ])
        .arg(c.path("w.yaml"))
        .output()
        .unwrap();
    let mut argv: Vec<String> = serde_json::from_slice(&argv.stdout).unwrap();
    let out_dir = c.path("wf-outputs").display().to_string();
    argv[2] = argv[2].replace("/tmp/wf-outputs", &out_dir);
    let run = |command: &str| {
        let mut a = argv.clone();
        a[5] = command.to_owned();
        let _ = std::fs::remove_dir_all(&out_dir);
        Command::new(&a[0]).args(&a[1..]).output().unwrap()
    };
    let ok = run("echo size=12 >> \"$WF_OUTPUTS\"; echo ok=true >> \"$WF_OUTPUTS\"");
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert_eq!(c.read("wf-outputs/size"), "12");
    assert_eq!(c.read("wf-outputs/ok"), "true");
    // A value that would rewrite a `when` fails the step and lands nowhere.
    let hostile = run("echo 'size=1 || true' >> \"$WF_OUTPUTS\"; echo ok=true >> \"$WF_OUTPUTS\"");
    assert_eq!(hostile.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&hostile.stderr).contains("output `size` is not a int"));
    assert!(!c.path("wf-outputs/size").exists());
    let missing = run("echo ok=true >> \"$WF_OUTPUTS\"");
    assert_eq!(missing.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("`size` was not written"));
    // The command's own failure is the step's, outputs or not.
    assert_eq!(run("exit 7").status.code(), Some(7));
}

/// Runs the container of template `name` of `yaml` (a computing task's
/// `jq`) with its env's input parameters filled in from `args`; its stdout.
pub(super) fn run_computed(yaml: &str, name: &str, args: &[(&str, &str)]) -> String {
    let out = computed_output(yaml, name, args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// [`run_computed`]'s run, however it ended.
pub(super) fn computed_output(
    yaml: &str,
    name: &str,
    args: &[(&str, &str)],
) -> std::process::Output {
    let doc: serde_json::Value = serde_norway::from_str(yaml).unwrap();
    let template = doc["spec"]["templates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == name)
        .unwrap_or_else(|| panic!("no template {name}"));
    let command: Vec<&str> = template["container"]["command"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert_eq!(command[..2], ["/jq", "-nj"]);
    let mut jq = Command::new("jq");
    jq.args(&command[1..]);
    for e in template["container"]["env"].as_array().unwrap() {
        let input = e["value"].as_str().unwrap();
        let param = input
            .strip_prefix("{{inputs.parameters.")
            .and_then(|p| p.strip_suffix("}}"))
            .unwrap();
        let value = args.iter().find(|(p, _)| *p == param).unwrap().1;
        jq.env(e["name"].as_str().unwrap(), value);
    }
    jq.output().expect("jq runs (scripts/install-test-deps)")
}

/// What Argo's `when` cannot say (a string output, which it would splice
/// into the expression as text; a function) is computed by a `jq` task
/// before the step: the output reaches jq as an env value only, and the
/// `when` compares the task's result, `true` or `false`, nothing else.
#[test]
fn conditions_argo_cannot_say_are_computed_by_jq() {
    if Command::new("jq").arg("--version").output().is_err() {
        return wfc_testkit::skip("jq is not installed (scripts/install-test-deps)");
    }
    let c = workflow(
        r#"workflow w {
  step build: shell {
    run "echo tag=v1 >> \"$WF_OUTPUTS\"; echo n=3 >> \"$WF_OUTPUTS\""
    outputs { tag: string  n: int }
  }
  if build.outputs.tag == "v1" {
    step tagged: shell { run "true" }
  }
  if len(string(build.outputs.n)) > 2 {
    step big: shell { run "true" }
  }
}
"#,
    );
    let yaml = export(&c, &["w.wf", "--image", "alpine:3.20"]);
    std::fs::write(c.path("w.yaml"), &yaml).unwrap();
    validate(&c, &["w.yaml"]);
    for part in [
        "when: '{{tasks.tagged-v1.outputs.result}} == true'",
        "depends: build && tagged-v1",
        "value: '{{tasks.build.outputs.parameters.tag}}'",
        "when: '{{tasks.big-v1.outputs.result}} == true'",
    ] {
        assert!(yaml.contains(part), "{part}\n{yaml}");
    }
    let hostile = "v1' || true || 'x";
    assert_eq!(
        run_computed(&yaml, "tagged-v1", &[("wf-in-1", "v1")]),
        "true"
    );
    assert_eq!(
        run_computed(&yaml, "tagged-v1", &[("wf-in-1", hostile)]),
        "false"
    );
    assert_eq!(run_computed(&yaml, "big-v1", &[("wf-in-1", "3")]), "false");
    assert_eq!(
        run_computed(&yaml, "big-v1", &[("wf-in-1", "1234")]),
        "true"
    );
}

/// Without `--approximate`, what has only an approximation is refused.
#[test]
fn approximations_need_the_flag() {
    let c = workflow(
        r#"workflow w {
  parallel probes wait any {
    step a: shell { run "true" }
    step b: docker { image "busybox:1.36"  run "true" }
  }
  step after_probes: shell { run "true"  depends on probes }
}
"#,
    );
    // Members of two images cannot share the one pod that races them.
    c.wfc(["export", "argo", "w.wf", "--image", "alpine:3.20"])
        .status(3)
        .stderr_has("E0721")
        .stderr_has("different images")
        .stderr_has("--approximate")
        .output();
    let yaml = export(&c, &["w.wf", "--image", "alpine:3.20", "--approximate"]);
    assert!(
        yaml.contains("depends: (a.Succeeded || b.Succeeded)"),
        "{yaml}"
    );
}

/// A failing `check` gate says its `message`, interpolated by Argo into
/// an env value (data): run with `sh`, each line is marked as wfc's.
#[test]
fn a_gates_message_is_said_when_its_check_fails() {
    let c = workflow(
        r#"workflow w {
  step balance: shell {
    run "echo amount=60 >> \"$WF_OUTPUTS\""
    outputs { amount: int }
  }
  step funds_ok: gate {
    check balance.outputs.amount >= 100
    message "insufficient funds: ${balance.outputs.amount} < 100"
  }
}
"#,
    );
    let yaml = export(&c, &["w.wf", "--image", "alpine:3.20"]);
    let doc: serde_json::Value = serde_norway::from_str(&yaml).unwrap();
    let gate = doc["spec"]["templates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "funds-ok")
        .unwrap_or_else(|| panic!("no funds-ok template in:\n{yaml}"));
    let env = &gate["container"]["env"][0];
    assert_eq!(env["name"], "WF_MESSAGE", "{yaml}");
    assert_eq!(
        env["value"],
        "insufficient funds: {{inputs.parameters.wf-value-1}} < 100"
    );
    let argv: Vec<&str> = gate["container"]["command"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    let run = Command::new(argv[0])
        .args(&argv[1..])
        .env("WF_MESSAGE", "funds: 60\n$(touch pwned)")
        .current_dir(c.dir())
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&run.stderr),
        "wfc: funds: 60\nwfc: $(touch pwned)\ngate `funds_ok`: check failed: balance.outputs.amount >= 100\n"
    );
    assert!(!c.path("pwned").exists());
    c.write("w.yaml", &yaml);
    validate(&c, &["w.yaml"]);
}

/// An expression over `failed.*` is computed by a jq task of the handler,
/// which reads the `wfc-failed` task: that task is there and runs first.
#[test]
fn an_expression_over_failed_is_computed_after_wfc_failed() {
    let c = workflow(
        r#"workflow w {
  step a: shell { run "false" }
  on failure {
    step say: shell { run "echo ${trim(failed.error)}" }
  }
}
"#,
    );
    let yaml = export(&c, &["w.wf", "--image", "alpine:3.20"]);
    for part in [
        "- name: wfc-failed\n        template: wfc-failed",
        "value: '{{tasks.wfc-failed.outputs.parameters.error}}'",
        "depends: wfc-failed && say-v1",
        // Computed only when the handler's step may run.
        "name: say-v1\n        template: say-v1\n        when: '{{workflow.status}} != Succeeded'",
    ] {
        assert!(yaml.contains(part), "missing {part:?} in:\n{yaml}");
    }
    c.write("w.yaml", &yaml);
    validate(&c, &["w.yaml"]);
    if Command::new("jq").arg("--version").output().is_err() {
        return wfc_testkit::skip("jq is not installed (scripts/install-test-deps)");
    }
    assert_eq!(
        run_computed(&yaml, "say-v1", &[("wf-in-1", " Error (exit code 1)\n")]),
        "Error (exit code 1)"
    );
}

/// A dependant of an `optional` step runs only when it succeeded (or was
/// skipped), as under `wfc run`: Argo's plain `depends: a` would also take
/// a failed `a` that has `continueOn`.
#[test]
fn a_failed_optional_step_does_not_satisfy_its_dependants() {
    let c = workflow(
        r#"workflow w {
  step a: shell { run "false"  optional }
  step b: shell { run "true"  depends on a }
}
"#,
    );
    let yaml = export(&c, &["w.wf", "--image", "alpine:3.20"]);
    std::fs::write(c.path("w.yaml"), &yaml).unwrap();
    validate(&c, &["w.yaml"]);
    assert!(yaml.contains("continueOn:"), "{yaml}");
    assert!(
        yaml.contains("depends: (a.Succeeded || a.Skipped)"),
        "{yaml}"
    );
}

/// How a step that read a secret ended is computed (a slack step's
/// `delivered`: its task's phase), what is read from a secret is not.
#[test]
fn delivered_is_computed_from_the_phase_and_secrets_are_not() {
    if Command::new("jq").arg("--version").output().is_err() {
        return wfc_testkit::skip("jq is not installed (scripts/install-test-deps)");
    }
    let c = workflow(
        r#"workflow w {
  secret hook: string = env("SLACK_HOOK")
  step post: slack { webhook hook  message "hi" }
  step card: http {
    post "http://127.0.0.1:9/cards"
    json { ok: post.delivered }
  }
}
"#,
    );
    let yaml = export(&c, &["w.wf", "--image", "alpine:3.20"]);
    std::fs::write(c.path("w.yaml"), &yaml).unwrap();
    validate(&c, &["w.yaml"]);
    assert!(yaml.contains("value: '{{tasks.post.status}}'"), "{yaml}");
    assert_eq!(
        run_computed(&yaml, "card-v1", &[("wf-in-1", "Succeeded")]),
        r#"{"ok":true}"#
    );
    assert_eq!(
        run_computed(&yaml, "card-v1", &[("wf-in-1", "Failed")]),
        r#"{"ok":false}"#
    );

    let c = workflow(
        r#"workflow w {
  secret token: string = env("TOKEN")
  step card: http {
    post "http://127.0.0.1:9/cards"
    json { t: upper(token) }
  }
}
"#,
    );
    c.wfc(["export", "argo", "w.wf", "--image", "alpine:3.20"])
        .status(3)
        .output();
}

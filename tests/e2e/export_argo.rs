//! `wfc export argo`: the real binary's YAML for the examples, validated
//! against Argo's own JSON schema (vendored, v3.6.9) with unknown keys
//! rejected, pinned as insta snapshots; and the errors (code and line) for
//! what Argo cannot express.

use crate::{case, workflow};
use std::process::Command;

mod answers;
mod calls;
mod corpus;
mod email;
mod files;
mod globals;
mod loops;
mod mount;
mod notify;
mod pause;
mod race;
mod retries;
mod rollback;
mod round_trip;
mod runtime;
mod scripts;
mod trigger_params;
mod values;
mod with_param;

const SCHEMA: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/crates/export/schema/argo/schema.json"
);
const VALIDATE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/e2e/export_argo/validate.py"
);
const EXAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples");

/// Exports `args` (file first) and returns the YAML; fails the test on any error.
fn export(c: &wfc_testkit::Case, args: &[&str]) -> String {
    let out = c
        .wfc(["export", "argo"].iter().chain(args))
        .success()
        .output();
    out.stdout
}

/// Validates each file against the schema; `false` when the validator cannot run here.
pub(super) fn validate(c: &wfc_testkit::Case, files: &[&str]) -> bool {
    let ok = Command::new("python3")
        .args(["-c", "import jsonschema, yaml"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        wfc_testkit::skip(
            "python3 with jsonschema and PyYAML (pip install jsonschema pyyaml) is not installed",
        );
        return false;
    }
    let out = Command::new("python3")
        .arg(VALIDATE)
        .arg(SCHEMA)
        .args(files.iter().map(|f| c.path(f)))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "not valid against Argo's schema:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    for f in files {
        tasks_read_in_dags_only(&c.read(f), f);
    }
    true
}

/// What the schema cannot see: `{{tasks.X…}}` resolves only in a dag's
/// tasks (a steps or container template has no dag task in scope, and
/// Argo fails the run when it meets one there).
fn tasks_read_in_dags_only(yaml: &str, file: &str) {
    let doc: serde_json::Value = serde_norway::from_str(yaml).unwrap();
    for t in doc["spec"]["templates"].as_array().into_iter().flatten() {
        if t.get("dag").is_none() {
            let text = t.to_string();
            assert!(
                !text.contains("{{tasks."),
                "{file}: template `{}` reads a dag task it cannot see: {text}",
                t["name"]
            );
        }
    }
}

/// Every example Argo can express, exported, validated and pinned: deploy
/// with `--approximate` (its `mount`; its `wait any` is one racing task).
#[test]
fn examples_export_and_validate() {
    let c = case();
    let approximate = ["--approximate", "-p", "version=1.2.3"];
    for (name, extra) in [
        ("nightly", &[][..]),
        ("file-drop", &[][..]),
        ("quickstart", &[][..]),
        ("deploy", &approximate[..]),
    ] {
        let file = format!("{EXAMPLES}/{name}.wf");
        let mut args = vec![file.as_str(), "--image", "alpine:3.20"];
        args.extend(extra);
        let yaml = export(&c, &args);
        let yaml = yaml.replace(EXAMPLES, "examples");
        insta::assert_snapshot!(format!("export_argo_{name}"), yaml);
        c.write(&format!("{name}.yaml"), &yaml);
    }
    validate(
        &c,
        &[
            "nightly.yaml",
            "file-drop.yaml",
            "quickstart.yaml",
            "deploy.yaml",
        ],
    );
}

/// `--approximate` says on stderr what it changed, each with code and line.
#[test]
fn approximations_are_warnings_with_code_and_line() {
    let c = case();
    let file = format!("{EXAMPLES}/deploy.wf");
    let out = c
        .wfc([
            "export",
            "argo",
            &file,
            "--image",
            "alpine:3.20",
            "--approximate",
            "-p",
            "version=1",
        ])
        .success()
        .output();
    for part in ["E0726", "`mount` is approximated", "deploy.wf:71:5"] {
        assert!(
            out.stderr.contains(part),
            "missing {part:?} in:\n{}",
            out.stderr
        );
    }
    // `wait any` is exact now: one task racing its members in one pod.
    assert!(!out.stderr.contains("wait any"), "{}", out.stderr);
    for part in [
        "depends: probes",
        "emptyDir: {}",
        // `failed.*` is exact now: the exit dag's `wfc-failed` finds them.
        "value: '{{tasks.wfc-failed.outputs.parameters.step}}'",
        // Rollbacks are exact now: in the main dag, not approximated.
        "name: unship-us-east",
        "name: wfc-rollback-order",
        "secretKeyRef:",
    ] {
        assert!(out.stdout.contains(part), "missing {part:?}");
    }
}

/// The language's features that map: retries, deadlines, secrets, an
/// approval gate, http, sleep, a loop, `optional`, `after` and handlers,
/// as a Workflow and as a WorkflowTemplate, both valid.
#[test]
fn features_map_and_validate() {
    let c = workflow(
        r#"workflow ship {
  timeout 1h
  concurrency 3
  param regions: list<string> = ["eu-west", "us-east"]
  param version: string
  secret token: string = env("DEPLOY_TOKEN")
  env { APP = "api" }
  step build: docker {
    image "rust:1.83"
    run "cargo build --release"
    workdir "/src"
    retry 2 backoff 1s exponential max 30s
    timeout 10m
  }
  step approve: gate { approval "release manager"  depends on build }
  for each region in regions parallel {
    step deploy: shell {
      run "deploy ${version} --region ${region}"
      env { TOKEN = token }
      depends on approve
    }
  }
  step settle: sleep { duration 30s  depends on deploy }
  step probe: http { get "https://example.com/health"  expect [200, 204]  depends on settle  optional }
  step cleanup: shell { run "echo done"  after probe }
  on failure { step alert: shell { run "echo failed" } }
}
"#,
    );
    let yaml = export(
        &c,
        &["w.wf", "-p", "version=1.2.3", "--image", "alpine:3.20"],
    );
    c.write("ship.yaml", &yaml);
    let tpl = export(
        &c,
        &[
            "w.wf",
            "-p",
            "version=1.2.3",
            "--image",
            "alpine:3.20",
            "--template",
            "--secret-name",
            "ship-secrets",
            "-o",
            "tpl.yaml",
        ],
    );
    assert!(tpl.is_empty(), "-o writes the file, not stdout");
    let tpl = c.read("tpl.yaml");
    for part in [
        "kind: Workflow\n",
        "generateName: ship-",
        "activeDeadlineSeconds: 3600",
        "parallelism: 3",
        "name: version\n      value: '1.2.3'",
        "limit: '2'",
        "duration: 1s",
        "factor: '2'",
        "activeDeadlineSeconds: '600'",
        "suspend: {}",
        "duration: 30s",
        // The parallel loop is one `withItems` task; the item is data.
        "withItems:\n        - eu-west\n        - us-east",
        "deploy 1.2.3 --region \"$WF_VALUE_1\"",
        "secretKeyRef:\n            key: token\n            name: wfc-secrets",
        "successCondition: response.statusCode == 200 || response.statusCode == 204",
        "continueOn:\n          failed: true",
        "(probe.Succeeded || probe.Skipped || probe.Failed || probe.Errored || probe.Omitted)",
        "onExit: exit-handlers",
        "when: '{{workflow.status}} != Succeeded'",
        "# Generated by wfc ",
    ] {
        assert!(yaml.contains(part), "missing {part:?} in:\n{yaml}");
    }
    assert!(tpl.contains("kind: WorkflowTemplate\n") && tpl.contains("name: ship-secrets"));
    assert!(tpl.contains("metadata:\n  name: ship\n"), "{tpl}");
    validate(&c, &["ship.yaml", "tpl.yaml"]);
}

/// A secret's value never reaches the YAML: in a command (even inside
/// single quotes) and in a header it is a `secretKeyRef` env var, which the
/// script reads quoted; a value computed from it is refused (E0723).
#[test]
fn secrets_stay_out() {
    let c = workflow(
        r#"workflow w {
  secret token: string = env("DEPLOY_TOKEN")
  step a: shell { run "curl -H 'Authorization: ${token}' x" }
  step b: http { get "https://example.com"  headers { Authorization = token } }
}
"#,
    );
    let out = c
        .wfc([
            "export",
            "argo",
            "w.wf",
            "--image",
            "alpine:3.20",
            "--secret-name",
            "ship",
        ])
        .env("DEPLOY_TOKEN", "s3cr3t-value")
        .success()
        .stdout_lacks("s3cr3t-value")
        .stderr_lacks("s3cr3t-value")
        .output();
    let doc: serde_json::Value = serde_norway::from_str(&out.stdout).unwrap();
    assert_eq!(
        doc["spec"]["templates"][1]["container"]["command"][2],
        "set -e\ncurl -H 'Authorization: '\"$WFC_SECRET_1\"'' x"
    );
    for part in [
        "- name: WFC_SECRET_1\n        valueFrom:\n          secretKeyRef:\n            key: token\n            name: ship",
        "- name: Authorization\n        valueFrom:\n          secretKeyRef:\n            key: token\n            name: ship",
    ] {
        assert!(out.stdout.contains(part), "missing {part:?} in:\n{}", out.stdout);
    }
    c.write("w.yaml", &out.stdout);
    validate(&c, &["w.yaml"]);
    let c = workflow(
        r#"workflow w {
  secret token: string = env("DEPLOY_TOKEN")
  step a: shell { run "deploy --key ${upper(token)}" }
}
"#,
    );
    c.wfc(["export", "argo", "w.wf", "--image", "alpine:3.20"])
        .env("DEPLOY_TOKEN", "s3cr3t-value")
        .status(3)
        .stderr_has("E0723")
        .stderr_has("w.wf:3:")
        .stdout_lacks("s3cr3t-value")
        .stderr_lacks("s3cr3t-value")
        .output();
}

/// A shell step without an image is E0720, naming the step and its line.
#[test]
fn shell_step_needs_an_image() {
    workflow("workflow w {\n  step hello: shell { run \"echo hi\" }\n}\n")
        .wfc(["export", "argo", "w.wf"])
        .status(3)
        .stderr_has("E0720")
        .stderr_has("shell step `hello` has no image: pass --image")
        .stderr_has("w.wf:2:")
        .output();
}

/// The examples Argo cannot express: every error with its code and line,
/// pinned (deploy.wf with its staging defaults).
#[test]
fn inexpressible_examples_name_construct_and_line() {
    let c = case();
    for (name, params) in [("deploy", vec!["-p", "version=1.2.3"])] {
        let file = format!("{EXAMPLES}/{name}.wf");
        let mut args = vec!["export", "argo", file.as_str(), "--image", "alpine:3.20"];
        args.extend(params);
        let out = c.wfc(args).status(3).output();
        let stderr = out.stderr.replace(EXAMPLES, "examples");
        let codes: Vec<String> = stderr
            .lines()
            .filter(|l| l.contains("─[examples/") || l.starts_with("E07"))
            .map(|l| {
                l.trim()
                    .trim_start_matches("╭─[")
                    .trim_end_matches(']')
                    .to_owned()
            })
            .collect();
        insta::assert_snapshot!(format!("export_argo_errors_{name}"), codes.join("\n"));
    }
}

/// Argo expands `{{…}}` anywhere in a template and has no escape for it: a
/// hostile default (or `-p` value) is refused (E0727) at every place it
/// would land, each with the field and line, and never written; so is a
/// `{{` of a command's text where an empty quoted string is not nothing
/// (a here-document).
#[test]
fn braces_argo_would_expand_are_refused() {
    let c = workflow(
        r#"workflow w {
  param note: string = "{{workflow.parameters.token}}"
  param items: list<string> = ["{{=sprig.env('HOME')}}"]
  step a: shell { run "echo ${note}" }
  step b: shell {
    env { NOTE = note }
    run "true"
  }
  step c: http { get "https://example.com/${note}" }
  step d: shell { run "cat <<EOF\n{{.ID}}\nEOF" }
  for each i in items {
    step e: shell { run "true" }
  }
}
"#,
    );
    let out = c
        .wfc(["export", "argo", "w.wf", "--image", "alpine:3.20"])
        .status(3)
        .stdout_lacks("{{")
        .output();
    for part in [
        "E0727",
        "param `note` holds `{{`, which Argo would expand",
        "w.wf:2:",
        "param `items` holds `{{`",
        "`run` of step `a` holds `{{`",
        "w.wf:4:",
        "`env` of step `b` holds `{{`",
        "w.wf:6:",
        "`get` of step `c` holds `{{`",
        "w.wf:9:",
        "`run` of step `d` holds `{{`",
        "w.wf:10:",
        "w.wf:12:",
        "has no escape",
    ] {
        assert!(
            out.stderr.contains(part),
            "missing {part:?} in:\n{}",
            out.stderr
        );
    }
    // In a command's own text, `{{` is the same word with `''` (or `""`)
    // between the braces: the shell reads `{{`, Argo no expression.
    c.write(
        "cmd.wf",
        r#"workflow cmd {
  param tag: string = "dev"
  step d: shell { run "docker ps --format '{{.ID}}' {{a}} \"{{{b}}\" # {{c}}" }
  step e: shell { run "docker image inspect --format '{{.Id}}' app:${tag}" }
}
"#,
    );
    let yaml = c
        .wfc(["export", "argo", "cmd.wf", "--image", "alpine:3.20"])
        .success()
        .stdout_lacks("{{")
        .output()
        .stdout;
    let doc: serde_json::Value = serde_norway::from_str(&yaml).unwrap();
    let run = |t: usize| doc["spec"]["templates"][t]["container"]["command"][2].clone();
    assert_eq!(
        run(1),
        r#"set -e
docker ps --format '{''{.ID}}' {''{a}} "{""{""{b}}" # {''{c}}"#
    );
    assert_eq!(
        run(2),
        "set -e\ndocker image inspect --format '{''{.Id}}' app:dev"
    );
    let shell = Command::new("sh")
        .args([
            "-c",
            &format!("printf '%s|' {}", r#"'{''{.ID}}' {''{a}} "{""{""{b}}""#),
        ])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&shell.stdout),
        "{{.ID}}|{{a}}|{{{b}}|"
    );
    // A value given with `-p` is refused the same way; plain text passes.
    c.write("ok.wf", "workflow ok {\n  param note: string = \"x\"\n  step a: shell { run \"echo ${note}\" }\n}\n");
    c.wfc([
        "export",
        "argo",
        "ok.wf",
        "--image",
        "alpine:3.20",
        "-p",
        "note={{=1+1}}",
    ])
    .status(3)
    .stderr_has("E0727")
    .stderr_has("ok.wf:3:")
    .output();
    c.wfc([
        "export",
        "argo",
        "ok.wf",
        "--image",
        "alpine:3.20",
        "-p",
        "note={ {x} }",
    ])
    .success()
    .stdout_has("{ {x} }")
    .output();
}

/// `lock` is a workflow-level mutex; `run.id` in its key is Argo's
/// `{{workflow.name}}` (one mutex per run), `run.workflow` the name.
#[test]
fn locks_are_mutexes() {
    let c = workflow(
        r#"workflow deploy {
  param env: string = "prod"
  lock "deploy-${env}-${run.workflow}-${run.id}"
  step ship: shell { run "deploy ${env}" }
}
"#,
    );
    let yaml = export(&c, &["w.wf", "--image", "alpine:3.20"]);
    assert!(
        yaml.contains(
            "synchronization:\n    mutexes:\n    - name: deploy-prod-deploy-{{workflow.name}}\n"
        ),
        "{yaml}"
    );
    c.write("w.yaml", &yaml);
    validate(&c, &["w.yaml"]);
}

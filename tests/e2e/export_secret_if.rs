//! An `if` that reads a secret directly is decided at run time, never at
//! export: a job `wfc-if-JOB` (GitHub) or a task `wfc-if-STEP` (Argo)
//! tests it in a shell with the secret in its `env` (`secrets.NAME`, a
//! `secretKeyRef`) and gives `go`; the step's job or task runs only when it
//! is `true`. The file is the same bytes whatever the secret on the
//! machine that exports, holds no value of it, lints and validates, and
//! the test it holds decides as `wfc run` does.

use crate::case;
use serde_json::Value as Json;
use std::process::Command;

const WF: &str = r#"workflow w {
  secret token: string = env("DEPLOY_TOKEN")
  param target: string = "prod"
  if token != "" && target == "prod" {
    step ship: shell { run "echo ship" }
  } else {
    step hold: shell { run "echo hold" }
  }
}
"#;

/// Runs the guard's shell test with `env`; what it decided.
fn decide(script: &str, env: &[(&str, &str)]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let output = dir.path().join("output");
    std::fs::write(&output, "").unwrap();
    // Argo's script writes /tmp/wf-outputs/go: here, a folder of the test's.
    let script = script.replace("/tmp/wf-outputs", &dir.path().display().to_string());
    let out = Command::new("sh")
        .args(["-e", "-c", &script])
        .env("GITHUB_OUTPUT", &output)
        .envs(env.iter().copied())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let written = std::fs::read_to_string(&output).unwrap();
    match written.strip_prefix("go=") {
        Some(go) => go.trim().to_string(),
        None => std::fs::read_to_string(dir.path().join("go")).unwrap(),
    }
}

#[test]
fn an_if_on_a_secret_is_decided_by_a_job_or_task_of_its_own() {
    let c = case().workflow(WF);
    let mut files: Vec<(String, String)> = Vec::new();
    for (name, args) in [
        ("w.yml", &["export", "github-actions", "w.wf"][..]),
        (
            "w.yaml",
            &["export", "argo", "w.wf", "--image", "alpine:3.20"][..],
        ),
    ] {
        let mut texts = Vec::new();
        for secret in ["prod-7f3a9c", ""] {
            let out = c.wfc(args).env("DEPLOY_TOKEN", secret).success().output();
            assert!(!out.stdout.contains("7f3a9c"), "{}", out.stdout);
            texts.push(out.stdout);
        }
        assert_eq!(texts[0], texts[1], "{name} depends on the secret");
        c.write(name, &texts[0]);
        files.push((name.to_string(), texts.remove(0)));
    }
    super::export_github::lint(&[c.path("w.yml")]);
    super::export_argo::validate(&c, &["w.yaml"]);
    let (github, argo) = (&files[0].1, &files[1].1);
    insta::assert_snapshot!(
        "export_secret_if_github",
        github.split_once('\n').unwrap().1
    );
    insta::assert_snapshot!("export_secret_if_argo", argo.split_once('\n').unwrap().1);

    // GitHub: the jobs need their guards and run on `go`.
    let doc: Json = serde_norway::from_str(github).unwrap();
    let jobs = &doc["jobs"];
    assert_eq!(
        jobs["ship"]["if"],
        "${{ needs.wfc-if-ship.outputs.go == 'true' }}"
    );
    assert_eq!(jobs["hold"]["needs"][0], "wfc-if-hold");
    let step = &jobs["wfc-if-ship"]["steps"][0];
    assert_eq!(step["env"]["WF_IF_1"], "${{ secrets.TOKEN }}");
    let ship = step["run"].as_str().unwrap();
    let hold = jobs["wfc-if-hold"]["steps"][0]["run"].as_str().unwrap();
    let env = |token| {
        [
            ("WF_IF_1", token),
            ("WF_IF_2", ""),
            ("WF_IF_3", "prod"),
            ("WF_IF_4", "prod"),
        ]
    };
    assert_eq!(decide(ship, &env("t")), "true");
    assert_eq!(decide(ship, &env("")), "false");
    assert_eq!(decide(hold, &env("t")), "false");
    assert_eq!(decide(hold, &env("")), "true");

    // Argo: the tasks depend on their guards, each a `secretKeyRef`.
    let doc: Json = serde_norway::from_str(argo).unwrap();
    let templates = doc["spec"]["templates"].as_array().unwrap();
    let tasks = templates[0]["dag"]["tasks"].as_array().unwrap();
    let task = |n: &str| tasks.iter().find(|t| t["name"] == n).unwrap().clone();
    assert_eq!(task("ship")["depends"], "wfc-if-ship");
    assert_eq!(
        task("ship")["when"],
        "{{tasks.wfc-if-ship.outputs.parameters.go}} == true"
    );
    let guard = templates
        .iter()
        .find(|t| t["name"] == "wfc-if-hold")
        .unwrap();
    let container = &guard["container"];
    assert_eq!(
        container["env"][0]["valueFrom"]["secretKeyRef"]["key"],
        "token"
    );
    let script = container["command"][2].as_str().unwrap();
    assert_eq!(decide(script, &env("t")), "false");
    assert_eq!(decide(script, &env("")), "true");
}

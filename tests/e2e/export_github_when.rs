//! A webhook trigger's `when` on GitHub: a first job `wfc-when` decides it
//! with `jq` over the `repository_dispatch` payload, and every job runs
//! only on its `go`. The export of release-webhook.wf is pinned and
//! linted; each condition below is exported, and its guard script run with
//! the payloads of a table, must decide as `wfc serve` does
//! (`wfc_plan::trigger_when::decide`). Without `jq` the run is skipped.

use serde_json::{json, Value as Json};
use std::path::Path;
use std::process::Command;

use super::export_github::{export_ok, exported, lint};

#[test]
fn release_webhook_exports_with_a_when_job() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("release-webhook.yml");
    let yaml = export_ok(
        Path::new("examples/release-webhook.wf"),
        &["version=1.2.3"],
        &out,
    );
    let doc: Json = serde_norway::from_str(&yaml).unwrap();
    for (id, job) in doc["jobs"].as_object().unwrap() {
        if id != "wfc-when" {
            assert_eq!(job["needs"][0], "wfc-when", "{id}");
            let cond = job["if"].as_str().unwrap();
            assert!(
                cond.contains("needs.wfc-when.outputs.go == 'true'"),
                "{id}: {cond}"
            );
        }
    }
    insta::assert_snapshot!("export_github_when", yaml.split_once('\n').unwrap().1);
    lint(&[out]);
}

/// Conditions and payloads (`null`: no body); the export's guard must say
/// what wfc decides for each.
const CONDITIONS: &[&str] = &[
    r#"starts_with(default(request.json.release.tag_name, ""), "v")"#,
    r#"request.json.action == "published" && !request.json.draft"#,
    r#"request.json.ref in ["refs/heads/main", "refs/heads/release"]"#,
    r#"default(request.json.count, 0) > 2"#,
    r#"contains(request.json.labels, "deploy") || ends_with(request.json.ref, "/main")"#,
    r#"request.json.env == "prod" ? request.json.approved == true : true"#,
    r#"starts_with(request.json.ref, prefix)"#,
    r#"request.json["a key"] != "x""#,
];

fn payloads() -> Vec<Json> {
    vec![
        Json::Null,
        json!({}),
        json!({"release": {"tag_name": "v1.4.0"}}),
        json!({"release": {"tag_name": "V1.4.0"}}),
        json!({"release": {"tag_name": null}}),
        json!({"release": {}}),
        json!({"action": "published", "draft": false}),
        json!({"action": "PUBLISHED", "draft": false}),
        json!({"action": "published", "draft": "no"}),
        json!({"ref": "refs/heads/main", "labels": ["x"]}),
        json!({"ref": "refs/heads/Main", "labels": ["deploy"]}),
        json!({"ref": 3, "labels": "deploy it"}),
        json!({"ref": "refs/tags/v2", "count": 3}),
        json!({"count": 2.5}),
        json!({"count": "9"}),
        json!({"env": "prod", "approved": true}),
        json!({"env": "prod"}),
        json!({"env": "dev", "a key": "x"}),
        json!({"a key": "y"}),
    ]
}

#[test]
fn the_when_job_decides_as_wfc_serve_does() {
    if Command::new("jq").arg("--version").output().is_err() {
        return wfc_testkit::skip("jq is not installed");
    }
    let dir = tempfile::tempdir().unwrap();
    let mut decided = std::collections::HashSet::new();
    for (n, cond) in CONDITIONS.iter().enumerate() {
        let text = format!(
            "workflow w {{\n  param prefix: string = \"refs/tags/\"\n  on webhook \"/hook\" {{ when {cond} }}\n  step s: shell {{ run \"true\" }}\n}}\n"
        );
        let analysis = wfc_language::analysis::analyze("w.wf", &text);
        let wf = analysis.module.unwrap().workflows.remove(0).ir;
        let wfc_language::ir::Trigger::Webhook(h) = &wf.triggers[0] else {
            panic!("a webhook")
        };
        let when = h.when.clone().unwrap();
        let (_, yaml) = exported(dir.path(), &format!("w{n}"), &text);
        let doc: Json = serde_norway::from_str(&yaml).unwrap();
        let step = &doc["jobs"]["wfc-when"]["steps"][0];
        for payload in payloads() {
            let inputs = wfc_plan::trigger_params::TriggerInputs {
                json: payload.clone(),
                ..Default::default()
            };
            let wfc = wfc_plan::trigger_when::decide(&wf, Some(&when), &inputs).is_ok();
            let output = dir.path().join("output");
            std::fs::write(&output, "").unwrap();
            let mut cmd = Command::new("sh");
            cmd.args(["-c", step["run"].as_str().unwrap()]);
            // The program and its inputs as the step's `env:` gives them.
            for (k, v) in step["env"].as_object().unwrap() {
                match v.as_str().unwrap() {
                    "${{ toJSON(github.event.client_payload) }}" => cmd.env(k, payload.to_string()),
                    v if v.starts_with("${{") => continue,
                    v => cmd.env(k, v),
                };
            }
            let ran = cmd
                .env("WF_EVENT", "repository_dispatch")
                .env("WF_ACTION", "hook")
                .env("GITHUB_OUTPUT", &output)
                .output()
                .unwrap();
            assert!(ran.status.success(), "{ran:?}");
            let go = std::fs::read_to_string(&output).unwrap();
            assert_eq!(
                go.trim(),
                format!("go={wfc}"),
                "`{cond}` over {payload}: {ran:?}"
            );
            decided.insert((n, wfc));
        }
    }
    // Each condition holds for some payloads and not for others.
    assert_eq!(decided.len(), 2 * CONDITIONS.len(), "{decided:?}");
}

/// A value of the condition holding `${{` is refused: the values are in
/// `env:`, where GitHub would evaluate it.
#[test]
fn a_when_value_holding_an_expression_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("w.wf");
    std::fs::write(
        &file,
        "workflow w {\n  on webhook \"/h\" { when request.json.x == \"\\${{ secrets.T }}\" }\n  step s: shell { run \"true\" }\n}\n",
    )
    .unwrap();
    let out = dir.path().join("w.yml");
    let run = super::export_github::export(&file, &[], &out);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains("E0733") && stderr.contains("would start a GitHub Actions expression"),
        "{stderr}"
    );
    assert!(!out.exists());
}

//! `wfc export github-actions` of a webhook trigger's `params { … }`: on
//! its `repository_dispatch` the params are the trigger's expressions over
//! the event's `client_payload`, as `wfc serve` computes them from the
//! request's body (`wfc_plan::trigger_params::evaluate`, compared here),
//! a hostile payload included; on `workflow_dispatch` the inputs; on any
//! other event the values bound at export. The job `wfc-params` is run with
//! the real `bash` and `jq` as a runner runs it.

use super::export_github::{export, lint};
use super::export_github_scripts::{github_outputs, run_step};
use serde_json::{json, Value as Json};
use std::collections::HashMap;
use std::path::Path;

/// Runs `wfc-params` for `event` (its `action`, `payload`, inputs).
fn decide(
    step: &Json,
    dir: &Path,
    event: &str,
    action: &str,
    payload: &Json,
) -> Result<HashMap<String, String>, String> {
    let out = dir.join("params.out");
    std::fs::write(&out, "").unwrap();
    let known: HashMap<String, String> = [
        ("github.event_name", event.to_string()),
        ("github.event.action", action.to_string()),
        ("toJSON(github.event.client_payload)", payload.to_string()),
        ("inputs.version", "v9.9.9-input".to_string()),
        ("inputs.sender", "by hand".to_string()),
        ("env.GITHUB_OUTPUT", out.display().to_string()),
        ("env.RUNNER_TEMP", dir.display().to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let ran = run_step(step, dir, &known);
    if !ran.status.success() {
        return Err(String::from_utf8_lossy(&ran.stderr).into_owned());
    }
    Ok(github_outputs(&std::fs::read_to_string(&out).unwrap()))
}

#[test]
fn a_webhooks_params_come_from_the_dispatch_payload() {
    if super::export_github_computed::no_jq() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("rw.yml");
    let file = Path::new("examples/release-webhook.wf");
    let run = export(file, &["version=1.2.3"], &out);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    lint(std::slice::from_ref(&out));
    let doc: Json = serde_norway::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let jobs = doc["jobs"].as_object().unwrap();
    let step = &jobs["wfc-params"]["steps"][0];
    // Every job reads the params from it, never the bound value.
    assert_eq!(
        jobs["build"]["steps"][1]["env"]["WF_VALUE_2"],
        "${{ needs.wfc-params.outputs.version }}"
    );

    // What `wfc serve` computes from the same body (no headers on a dispatch).
    let text = std::fs::read_to_string(file).unwrap();
    let parsed = wfc_language::syntax::parse(&text);
    let module = wfc_language::check::check_module(&parsed.file.unwrap());
    let wf = &module.first().ir;
    let wfc_language::ir::Trigger::Webhook(hook) = &wf.triggers[0] else {
        panic!("a webhook")
    };
    let hostile = "v1.4.0' $(id) ${{ github.token }}\nsecond";
    for payload in [
        json!({ "release": { "tag_name": "v1.4.0" } }),
        json!({ "release": { "tag_name": hostile } }),
    ] {
        let inputs = wfc_plan::trigger_params::TriggerInputs {
            json: payload.clone(),
            ..Default::default()
        };
        let want = wfc_plan::trigger_params::evaluate(wf, &hook.params, &inputs).unwrap();
        let got = decide(step, dir.path(), "repository_dispatch", "release", &payload).unwrap();
        for (name, value) in &want {
            let text = value
                .as_str()
                .map_or_else(|| value.to_string(), str::to_string);
            assert_eq!(got[name], text, "{name} of {payload}");
        }
    }
    // A body without the field: `wfc serve` refuses the delivery; the job fails.
    let missing = json!({ "release": {} });
    let inputs = wfc_plan::trigger_params::TriggerInputs {
        json: missing.clone(),
        ..Default::default()
    };
    assert!(wfc_plan::trigger_params::evaluate(wf, &hook.params, &inputs).is_err());
    assert!(decide(step, dir.path(), "repository_dispatch", "release", &missing).is_err());

    // By hand: the inputs; on another event: the values bound at export.
    let by_hand = decide(step, dir.path(), "workflow_dispatch", "", &Json::Null).unwrap();
    assert_eq!(by_hand["version"], "v9.9.9-input");
    assert_eq!(by_hand["sender"], "by hand");
    let other = decide(step, dir.path(), "schedule", "", &Json::Null).unwrap();
    assert_eq!(other["version"], "1.2.3");
    assert_eq!(other["sender"], "manual");
}

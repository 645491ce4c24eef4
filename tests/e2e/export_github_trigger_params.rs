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
    decide_with(step, dir, (event, action, payload), &[])
}

/// [`decide`] with these inputs (`inputs.NAME`) given.
fn decide_with(
    step: &Json,
    dir: &Path,
    (event, action, payload): (&str, &str, &Json),
    inputs: &[(&str, &str)],
) -> Result<HashMap<String, String>, String> {
    let out = dir.join("params.out");
    std::fs::write(&out, "").unwrap();
    let known: HashMap<String, String> = [
        ("github.event_name", event.to_string()),
        ("github.event.action", action.to_string()),
        ("toJSON(github.event.client_payload)", payload.to_string()),
        ("inputs.version", "v9.9.9-input".to_string()),
        ("inputs.sender", "by hand".to_string()),
        // (`TYPED`'s.)
        ("inputs.fast", "true".to_string()),
        ("inputs.n", "3".to_string()),
        ("inputs.files", "[]".to_string()),
        ("inputs.mode", "m".to_string()),
        ("env.GITHUB_OUTPUT", out.display().to_string()),
        ("env.RUNNER_TEMP", dir.display().to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .chain(
        inputs
            .iter()
            .map(|(k, v)| (format!("inputs.{k}"), v.to_string())),
    )
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

/// A webhook setting typed params, an `if` over two of them and a loop
/// over the list.
const TYPED: &str = r#"workflow typed {
  on webhook "/go" {
    params {
      fast = request.json.fast
      n = request.json.n
      files = request.json.files
      mode = request.json.mode
    }
  }
  param fast: bool = false
  param n: int = 1
  param files: list<string> = []
  param mode: string = "a"
  if fast && n > 2 {
    step quick: shell { run "echo quick ${mode}" }
  }
  for each f in files {
    step each: shell { run "echo ${f}" }
  }
}
"#;

/// What `wfc serve` binds of `given` (the trigger's params as JSON, or
/// each param's text as `--param` gives it): each param's text, or an error.
fn bound(
    wf: &wfc_language::ir::Workflow,
    input: wfc_plan::ParamInput,
) -> Result<HashMap<String, String>, String> {
    let params = wfc_plan::bind(wf, &input).map_err(|d| format!("{d:?}"))?;
    Ok(params
        .iter()
        .map(|p| (p.name.clone(), p.value.to_text()))
        .collect())
}

#[test]
fn typed_params_are_checked_as_wfc_serve_binds_them_and_shape_jobs() {
    if super::export_github_computed::no_jq() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("typed.wf");
    std::fs::write(&file, TYPED).unwrap();
    let out = dir.path().join("typed.yml");
    let run = export(&file, &[], &out);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    lint(std::slice::from_ref(&out));
    let doc: Json = serde_norway::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let jobs = doc["jobs"].as_object().unwrap();
    // The `if` and the loop are the event's, not the values bound at export
    // (which would have dropped both).
    assert_eq!(
        jobs["quick"]["if"],
        "${{ ((needs.wfc-params.outputs.fast == 'true') && (fromJSON(needs.wfc-params.outputs.n) > 2)) }}"
    );
    assert_eq!(
        jobs["each"]["strategy"]["matrix"]["f"],
        "${{ fromJSON(needs.wfc-params.outputs.files) }}"
    );
    let step = &jobs["wfc-params"]["steps"][0];
    let parsed = wfc_language::syntax::parse(TYPED);
    let module = wfc_language::check::check_module(&parsed.file.unwrap());
    let wf = &module.first().ir;
    let wfc_language::ir::Trigger::Webhook(hook) = &wf.triggers[0] else {
        panic!("a webhook")
    };
    let mut refused = 0;
    for payload in [
        json!({ "fast": true, "n": 3, "files": ["a.csv", "b c.csv"], "mode": "x" }),
        json!({ "fast": false, "n": -4, "files": [], "mode": "" }),
        json!({ "fast": "yes", "n": 3, "files": [], "mode": "x" }),
        json!({ "fast": true, "n": 2.5, "files": [], "mode": "x" }),
        json!({ "fast": true, "n": 3, "files": "a.csv", "mode": "x" }),
        json!({ "fast": true, "n": 3, "files": [1, 2], "mode": "x" }),
        json!({ "fast": true, "n": 3, "files": ["$(id)", "${{ github.token }}"], "mode": "x" }),
    ] {
        let inputs = wfc_plan::trigger_params::TriggerInputs {
            json: payload.clone(),
            ..Default::default()
        };
        let want = wfc_plan::trigger_params::evaluate(wf, &hook.params, &inputs)
            .map_err(|d| format!("{d:?}"))
            .and_then(|values| {
                bound(
                    wf,
                    wfc_plan::ParamInput {
                        values: Some(("the request".into(), values)),
                        ..Default::default()
                    },
                )
            });
        let got = decide(step, dir.path(), "repository_dispatch", "go", &payload);
        match (&want, &got) {
            (Ok(want), Ok(got)) => {
                for (name, text) in want {
                    assert_eq!(&got[name], text, "{name} of {payload}");
                }
            }
            (Err(_), Err(_)) => refused += 1,
            _ => panic!("{payload}: wfc serve {want:?}, the export's job {got:?}"),
        }
    }
    assert_eq!(refused, 3);
    // By hand: each input is text, read as `--param` reads it.
    let mut refused = 0;
    for (name, text) in [
        ("fast", "true"),
        ("fast", " false "),
        ("fast", "yes"),
        ("n", "+007"),
        ("n", " -3 "),
        ("n", "3.0"),
        ("n", "1e3"),
        ("files", ""),
        ("files", "a.csv, b c.csv ,"),
        ("files", " [\"x\", \"$(id)\"] "),
        ("files", "[1]"),
        ("files", "[oops"),
        ("mode", " spaced "),
    ] {
        let mut inputs = vec![
            ("fast", "false"),
            ("n", "1"),
            ("files", "[]"),
            ("mode", "m"),
        ];
        inputs.retain(|(k, _)| *k != name);
        inputs.push((name, text));
        let want = bound(
            wf,
            wfc_plan::ParamInput {
                cli: inputs
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
                ..Default::default()
            },
        );
        let got = decide_with(
            step,
            dir.path(),
            ("workflow_dispatch", "", &Json::Null),
            &inputs,
        );
        match (&want, &got) {
            (Ok(want), Ok(got)) => assert_eq!(&got[name], &want[name], "{name} = {text:?}"),
            (Err(_), Err(why)) => {
                assert!(why.contains(&format!("param `{name}`")), "{why}");
                refused += 1;
            }
            _ => panic!("{name} = {text:?}: wfc {want:?}, the export's job {got:?}"),
        }
    }
    assert_eq!(refused, 5);
}

/// Issue 73: a required param a webhook sets needs no value to export (it
/// asked for one, E0402): it is a required `workflow_dispatch` input, the
/// dispatch's payload gives it, and any other event fails the params job.
#[test]
fn a_required_param_a_webhook_sets_exports_without_a_value() {
    if super::export_github_computed::no_jq() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("h.wf");
    std::fs::write(
        &file,
        "workflow h {\n  on webhook \"/go\" { params { sha = request.json.sha } }\n  param sha: string\n  step s: shell { run \"echo ${sha}\" }\n}\n",
    )
    .unwrap();
    let out = dir.path().join("h.yml");
    let run = export(&file, &[], &out);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    lint(std::slice::from_ref(&out));
    let doc: Json = serde_norway::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let input = &doc["on"]["workflow_dispatch"]["inputs"]["sha"];
    assert_eq!(input["required"], true, "{doc:#}");
    assert!(input.get("default").is_none(), "{doc:#}");
    let step = &doc["jobs"]["wfc-params"]["steps"][0];
    // (Inputs are empty on events other than `workflow_dispatch`.)
    let no_input = [("sha", "")];
    let payload = json!({"sha": "abc"});
    let got = decide_with(
        step,
        dir.path(),
        ("repository_dispatch", "go", &payload),
        &no_input,
    );
    assert_eq!(got.unwrap()["sha"], "abc");
    let by_hand = [("sha", "def")];
    let got = decide_with(
        step,
        dir.path(),
        ("workflow_dispatch", "", &json!({})),
        &by_hand,
    );
    assert_eq!(got.unwrap()["sha"], "def");
    let other = decide_with(step, dir.path(), ("schedule", "", &json!({})), &no_input);
    let other = other.unwrap_err();
    assert!(other.contains("param `sha` has no value"), "{other}");
}

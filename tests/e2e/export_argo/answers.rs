//! An http step's answer and a script's `result` read by later steps:
//! the producer keeps them as output parameters (`wfc-status-code`,
//! `wfc-body`, `wfc-result`), which readers get as arguments. Pinned,
//! validated, and run for real: the curl script against a server that
//! echoes the request, the python script with `python3`, and the readers'
//! `jq` programs with `jq`.

use super::notify::which;
use super::runtime::run_computed;
use super::{export, validate};
use crate::export_github_http::echo_server;
use crate::workflow;
use std::collections::HashMap;
use std::process::Command;

const ANSWERS: &str = r#"workflow w {
  param base: string = "http://localhost:1"
  step ping: http { get "${base}/ping"  expect [200, 503] }
  step healthy: gate { check ping.status_code == 200 }
  step mute: http { post "${base}/mute"  json { reason: "rollback" } }
  step unmute: http { delete "${base}/mute/${mute.json.id}"  depends on healthy }
  step say: shell { run "printf '%s' ${ping.body}" }
}
"#;

#[test]
fn an_http_answer_read_later_is_kept_by_a_curl_container() {
    let base = echo_server();
    let c = workflow(ANSWERS);
    let param = format!("base={base}");
    let yaml = export(&c, &["w.wf", "--image", "alpine:3.20", "-p", &param]);
    // The server's port changes from run to run.
    let pinned = yaml.replace(&base, "http://SERVER");
    insta::assert_snapshot!("export_argo_answers", pinned);
    for part in [
        // An int the producer writes as digits only: a plain `when`.
        "when: '!(({{tasks.ping.outputs.parameters.wfc-status-code}} == 200))'",
        "value: '{{tasks.ping.outputs.parameters.wfc-body}}'",
        // `mute.json.id` is computed by jq from the body, before the request.
        "value: '{{tasks.mute.outputs.parameters.wfc-body}}'",
        "path: /tmp/wf-outputs/wfc-status-code",
    ] {
        assert!(yaml.contains(part), "missing {part:?} in:\n{yaml}");
    }
    c.write("w.yaml", &yaml);
    validate(&c, &["w.yaml"]);
    let doc: serde_json::Value = serde_norway::from_str(&yaml).unwrap();
    // The request needs no `http` template: nothing reads Argo's own.
    let ping = super::notify::template(&doc, "ping");
    assert!(ping.get("http").is_none(), "{ping}");
    if which("curl").is_none() {
        return wfc_testkit::skip("curl is not installed");
    }
    // With this machine's `sh`, and with busybox's as in the curl image.
    let dir = tempfile::tempdir().unwrap();
    let mut shells = vec![None];
    shells.extend(super::notify::busybox_path(dir.path()).map(Some));
    for path in &shells {
        let _ = std::fs::remove_dir_all(dir.path().join("wf-outputs"));
        let out = super::notify::run(&ping, &base, path.as_deref(), dir.path());
        assert!(out.status.success(), "{path:?}: {out:?}");
        let kept = |name: &str| std::fs::read_to_string(dir.path().join("wf-outputs").join(name));
        assert_eq!(kept("wfc-status-code").unwrap(), "200");
        let body = kept("wfc-body").unwrap();
        // The echo server answers with the request; Argo drops the last line break.
        assert!(body.starts_with("GET /ping HTTP/1.1\r\n"), "{body}");
        assert!(body.ends_with("\r\n\r\n\n"), "{body:?}");
    }
    if Command::new("jq").arg("--version").output().is_err() {
        return wfc_testkit::skip("jq is not installed (scripts/install-test-deps)");
    }
    // A hostile body is data for jq, never program text; the id reaches
    // the URL, an env value.
    let hostile = r#"7") | halt_error"#;
    let body = serde_json::json!({ "id": hostile }).to_string();
    assert_eq!(
        run_computed(&yaml, "unmute-v1", &[("wf-in-1", &body)]),
        hostile
    );
    assert_eq!(
        run_computed(&yaml, "unmute-v1", &[("wf-in-1", r#"{"id": 42}"#)]),
        "42"
    );
    assert!(
        yaml.contains("value: http://SERVER/mute/{{inputs.parameters.wf-value-1}}")
            || yaml.contains(&format!(
                "value: {base}/mute/{{{{inputs.parameters.wf-value-1}}}}"
            )),
        "{yaml}"
    );
}

const RESULT: &str = r#"workflow w {
  param keep: int = 2
  step transform: python {
    script """
      import json, os
      rows = [{"id": i} for i in range(${keep})]
      if rows:
          with open(os.environ["WF_RESULT"], "w") as f:
              json.dump({"rows": rows, "note": "it's \"q\""}, f)
    """
  }
  step count: shell { run "echo ${len(transform.result.rows)}" }
  step tally: node {
    script "require('fs').writeFileSync(process.env.WF_RESULT, JSON.stringify({ n: ${keep} }))"
  }
  step show: shell { run "echo ${tally.result}" }
}
"#;

#[test]
fn a_scripts_result_read_later_is_an_output_parameter() {
    let c = workflow(RESULT);
    let yaml = export(&c, &["w.wf", "--image", "alpine:3.20"]);
    insta::assert_snapshot!("export_argo_result", yaml);
    for part in [
        "path: /tmp/wf-outputs/wfc-result",
        "value: '{{tasks.transform.outputs.parameters.wfc-result}}'",
    ] {
        assert!(yaml.contains(part), "missing {part:?} in:\n{yaml}");
    }
    c.write("w.yaml", &yaml);
    validate(&c, &["w.yaml"]);
    if which("python3").is_none() {
        return wfc_testkit::skip("python3 is not installed");
    }
    let t = super::scripts::template(&yaml, "transform");
    let dir = tempfile::tempdir().unwrap();
    let out = super::scripts::run(&t, dir.path(), &HashMap::new());
    assert!(out.status.success(), "{out:?}");
    let result = std::fs::read_to_string(dir.path().join("wf-outputs/wfc-result")).unwrap();
    let value: serde_json::Value = serde_json::from_str(&result).unwrap();
    assert_eq!(
        value,
        serde_json::json!({ "rows": [{ "id": 0 }, { "id": 1 }], "note": "it's \"q\"" })
    );
    if Command::new("jq").arg("--version").output().is_err() {
        return wfc_testkit::skip("jq is not installed (scripts/install-test-deps)");
    }
    assert_eq!(
        run_computed(&yaml, "count-v1", &[("wf-in-1", result.trim_end())]),
        "2"
    );
    // Read whole, the JSON is written as `wfc run` writes it.
    assert_eq!(
        run_computed(&yaml, "show-v1", &[("wf-in-1", r#"{ "n" : 2 }"#)]),
        r#"{"n":2}"#
    );
    if which("node").is_some() {
        let t = super::scripts::template(&yaml, "tally");
        let out = super::scripts::run(&t, dir.path(), &HashMap::new());
        assert!(out.status.success(), "{out:?}");
        let result = std::fs::read_to_string(dir.path().join("wf-outputs/wfc-result")).unwrap();
        assert_eq!(result, "{\"n\":2}\n");
    }
    // No result written: `null`, as `wfc run` reads it.
    let c = workflow(&RESULT.replace("= 2", "= 0"));
    let yaml = export(&c, &["w.wf", "--image", "alpine:3.20"]);
    let t = super::scripts::template(&yaml, "transform");
    let dir = tempfile::tempdir().unwrap();
    let out = super::scripts::run(&t, dir.path(), &HashMap::new());
    assert!(out.status.success(), "{out:?}");
    let result = std::fs::read_to_string(dir.path().join("wf-outputs/wfc-result")).unwrap();
    assert_eq!(result, "null\n");
}

//! An http step's answer read by later steps: the producer keeps it as
//! output parameters (`wfc-status-code`, `wfc-body`), which readers get
//! as arguments. Pinned, validated, and run for real: the curl script
//! against a server that echoes the request, and the readers' `jq`
//! programs with `jq`.

use super::notify::which;
use super::runtime::run_computed;
use super::{export, validate};
use crate::export_github_http::echo_server;
use crate::workflow;
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

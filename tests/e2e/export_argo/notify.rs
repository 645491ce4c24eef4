//! `slack` and `webhook` steps on Argo: a pinned curl container whose
//! fixed script gets every value from its env (the webhook URL from a
//! `secretKeyRef`). Pinned, validated, and run for real — with this
//! machine's `sh` and `awk`, and with busybox's as in the curl image —
//! against a server that echoes the request: the message arrives as JSON
//! exactly, hostile characters and all.

use super::{export, validate};
use crate::export_github_http::echo_server;
use crate::workflow;
use serde_json::Value as Json;
use std::process::Command;

const NOTIFY: &str = r##"workflow notify {
  param msg: string
  secret hook: string = env("SLACK_WEBHOOK_URL")
  step tell: slack { webhook hook  message "${msg}"  channel "#ops" }
  step page: webhook {
    url hook
    json { summary: msg, severity: 2 }
    headers { "X-Kind" = "page" }
  }
}
"##;

const HOSTILE: &str = "a \"q\" \\ back\ttab\nline2\r\u{1}\u{1f} ü 🎉 $(touch pwned) `id` '{x}'\n";

pub(super) fn template(doc: &Json, name: &str) -> Json {
    doc["spec"]["templates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == name)
        .unwrap()
        .clone()
}

/// Runs the template's script with `sh` from `path` (None: this machine's).
pub(super) fn run(
    t: &Json,
    url: &str,
    path: Option<&std::path::Path>,
    dir: &std::path::Path,
) -> std::process::Output {
    let script = t["container"]["command"][2]
        .as_str()
        .unwrap()
        .replace("/tmp/", &format!("{}/", dir.display()));
    let mut cmd = Command::new("sh");
    cmd.args(["-c", &script]).current_dir(dir);
    if let Some(p) = path {
        cmd.env("PATH", p);
    }
    for var in t["container"]["env"].as_array().unwrap() {
        let name = var["name"].as_str().unwrap();
        match var["value"].as_str() {
            Some(v) => cmd.env(name, v),
            None => cmd.env(name, url),
        };
    }
    cmd.output().unwrap()
}

/// The body the echo server received, as JSON.
fn sent(out: &std::process::Output) -> Json {
    let text = String::from_utf8_lossy(&out.stdout);
    let body = text.split_once("\r\n\r\n").expect("a request").1;
    let body = body.lines().next().unwrap_or(body);
    serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"))
}

/// A folder whose `awk`, `sh` and friends are busybox's (as in the curl
/// image), with this machine's curl; None without busybox.
pub(super) fn busybox_path(dir: &std::path::Path) -> Option<std::path::PathBuf> {
    let bb = which("busybox")?;
    let bin = dir.join("bb");
    std::fs::create_dir_all(&bin).unwrap();
    for tool in [
        "sh", "awk", "cat", "printf", "echo", "grep", "base64", "tr", "date", "sed", "mkdir",
    ] {
        std::os::unix::fs::symlink(&bb, bin.join(tool)).unwrap();
    }
    std::os::unix::fs::symlink(which("curl")?, bin.join("curl")).unwrap();
    Some(bin)
}

pub(super) fn which(tool: &str) -> Option<std::path::PathBuf> {
    std::env::var_os("PATH")?
        .to_str()?
        .split(':')
        .map(|d| std::path::Path::new(d).join(tool))
        .find(|p| p.exists())
}

#[test]
fn notifications_post_exactly_what_wfc_run_posts() {
    let c = workflow(NOTIFY);
    let yaml = export(
        &c,
        &[
            "w.wf",
            "--image",
            "alpine:3.20",
            "-p",
            &format!("msg={HOSTILE}"),
        ],
    );
    insta::assert_snapshot!("export_argo_notify", yaml);
    assert!(
        yaml.contains("secretKeyRef:\n            key: hook"),
        "{yaml}"
    );
    c.write("notify.yaml", &yaml);
    validate(&c, &["notify.yaml"]);
    if which("curl").is_none() {
        return wfc_testkit::skip("curl is not installed");
    }
    let doc: Json = serde_norway::from_str(&yaml).unwrap();
    let base = echo_server();
    let url = format!("{base}/hook");
    let dir = tempfile::tempdir().unwrap();
    let mut shells = vec![None];
    shells.extend(busybox_path(dir.path()).map(Some));
    for path in &shells {
        let out = run(&template(&doc, "tell"), &url, path.as_deref(), dir.path());
        assert!(out.status.success(), "{path:?}: {out:?}");
        assert_eq!(
            sent(&out),
            serde_json::json!({ "text": HOSTILE, "channel": "#ops" }),
            "{path:?}"
        );
        let out = run(&template(&doc, "page"), &url, path.as_deref(), dir.path());
        assert!(out.status.success(), "{path:?}: {out:?}");
        let head = String::from_utf8_lossy(&out.stdout);
        assert!(head.starts_with("POST /hook "), "{head}");
        assert!(head.contains("X-Kind: page\r\n"), "{head}");
        assert!(
            head.contains("Content-Type: application/json\r\n"),
            "{head}"
        );
        assert_eq!(
            sent(&out),
            serde_json::json!({ "summary": HOSTILE, "severity": 2 })
        );
    }
    assert!(!dir.path().join("pwned").exists());
}

/// #69: Argo's `http` template of a `json` body sent no
/// `Content-Type: application/json`, which `wfc run` and the GitHub
/// export send; a type the step sets itself is kept, not doubled, on both
/// targets.
#[test]
fn a_json_body_goes_as_json() {
    let c = workflow(
        r#"workflow w {
  step a: http { post "https://example.com/a"  json { n: 1 } }
  step b: http { post "https://example.com/b"  json { n: 2 }  headers { "content-type" = "application/vnd.x+json" } }
}
"#,
    );
    let yaml = export(&c, &["w.wf"]);
    let doc: Json = serde_norway::from_str(&yaml).unwrap();
    let headers = |name: &str| template(&doc, name)["http"]["headers"].clone();
    assert_eq!(
        headers("a"),
        serde_json::json!([{ "name": "Content-Type", "value": "application/json" }]),
        "{yaml}"
    );
    assert_eq!(
        headers("b"),
        serde_json::json!([{ "name": "content-type", "value": "application/vnd.x+json" }]),
        "{yaml}"
    );
    c.write("w.yaml", &yaml);
    validate(&c, &["w.yaml"]);
    let gh = c
        .wfc(["export", "github", "w.wf"])
        .success()
        .output()
        .stdout;
    assert_eq!(gh.matches("Content-Type").count(), 1, "{gh}");
}

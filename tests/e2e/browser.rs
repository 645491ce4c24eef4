//! The dashboard in a real browser: Debian's headless Chromium driven by
//! playwright-core (`tests/e2e/browser/harness.js` and one script per
//! scenario) against a real `wfc serve`. Each page is checked with axe-core
//! (no serious or critical violation), at a phone's width, and by its
//! outline (landmarks, headings, controls: a structural snapshot) next to a
//! screenshot kept in the target folder. What the scenarios did is checked
//! again here, in the run store through the API.
//!
//! playwright-core and axe-core come from `scripts/browser/install.sh`
//! (run by `scripts/install-test-deps`); without them, node or Chromium
//! the tests are skipped with the reason, and fail under `CI=true`.

use super::serve::{post, Server};
use serde_json::{json, Value};
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

/// The node_modules folder holding playwright-core and axe-core, once
/// node and Chromium are there too; else why not (the test is skipped).
fn tools() -> Result<PathBuf, String> {
    let deps = std::env::var_os("WFC_DEPS_DIR")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/wfc-test-deps")))
        .ok_or("no HOME to find the test tools in")?;
    let modules = deps.join("browser-node/node_modules");
    for package in ["playwright-core", "axe-core"] {
        if !modules.join(package).join("package.json").exists() {
            return Err(format!(
                "{package} is not in {} (scripts/browser/install.sh)",
                modules.display()
            ));
        }
    }
    if !["/usr/lib/chromium/chromium", "/usr/bin/chromium"]
        .iter()
        .any(|p| std::path::Path::new(p).exists())
    {
        return Err("Chromium is not installed (apt-get install chromium)".into());
    }
    match Command::new("node").arg("--version").output() {
        Ok(o) if o.status.success() => Ok(modules),
        _ => Err("node is not installed".into()),
    }
}

/// Runs scenario `name` with `config` (plus the server's URL and keys);
/// what it reported. `None` when the tools are missing (skipped).
fn scenario(name: &str, server: &Server, mut config: Value) -> Option<Value> {
    let modules = match tools() {
        Ok(m) => m,
        Err(why) => {
            wfc_testkit::skip(&format!("browser test {name}: {why}"));
            return None;
        }
    };
    let out = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("browser");
    std::fs::create_dir_all(&out).unwrap();
    let c = config.as_object_mut().unwrap();
    c.insert("base".into(), json!(server.base));
    c.insert("operator".into(), json!(server.operator));
    c.insert("reader".into(), json!(server.reader));
    c.insert("out".into(), json!(out));
    c.insert("node_modules".into(), json!(modules));
    let harness = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/e2e/browser/harness.js");
    let mut child = Command::new("node")
        .args([harness, name])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(config.to_string().as_bytes())
        .unwrap();
    let done = wait_with_deadline(child, Duration::from_secs(180));
    let stdout = String::from_utf8_lossy(&done.stdout);
    assert!(
        done.status.success(),
        "browser scenario {name} failed:\n{}\n{stdout}\n--- server log ---\n{}",
        String::from_utf8_lossy(&done.stderr),
        server.log.lock().unwrap()
    );
    Some(serde_json::from_str(stdout.lines().last().unwrap_or("{}")).unwrap())
}

/// The child's output once it exits; killed past `within` (a hung browser
/// fails the test rather than the whole suite).
fn wait_with_deadline(mut child: std::process::Child, within: Duration) -> std::process::Output {
    let deadline = std::time::Instant::now() + within;
    while child.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    child.wait_with_output().unwrap()
}

/// The outline lines of a page as the snapshot shows them.
fn outline(page: &Value) -> String {
    page["outline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap())
        .collect::<Vec<_>>()
        .join("\n")
}

const FLOWS: &str = r#"
## Build and ship, in three steps.
workflow ship {
  description "Build and ship"
  param env: string in ["staging", "prod"] = "staging"
  param replicas: int in 1..20 = 3
  step build: shell { run "echo building for ${env}" }
  step test: shell {
    run "echo testing"
    depends on build
  }
  step ship: shell {
    run "echo shipping ${replicas}"
    depends on test
  }
}

workflow broken {
  step fail: shell { run "echo about to fail; exit 3" }
}
"#;

#[tokio::test(flavor = "multi_thread")]
async fn a_reader_sees_accessible_pages_that_fit_a_phone_and_no_buttons_that_act() {
    let server = Server::start(&[("flows.wf", FLOWS)], &[]);
    let http = reqwest::Client::new();
    for name in ["ship", "broken"] {
        let url = server.url(&format!("/workflows/{name}/runs?wait=20s"));
        post(&http, &url, &server.operator, json!({})).await;
    }
    let runs = server.runs().await;
    let failed = runs.iter().find(|r| r["workflow"] == "broken").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let config = json!({
        "pages": {
            "workflows": "/",
            "runs": "/runs",
            "run": format!("/runs/{failed}"),
        }
    });
    let Some(result) = scenario("pages", &server, config) else {
        return;
    };
    insta::assert_snapshot!("browser_login", outline(&result["login"]));
    for page in ["workflows", "runs", "run"] {
        insta::assert_snapshot!(format!("browser_{page}"), outline(&result["pages"][page]));
    }
}

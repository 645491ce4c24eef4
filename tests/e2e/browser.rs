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
pub(super) fn scenario(name: &str, server: &Server, mut config: Value) -> Option<Value> {
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
  version "2.1"
  tags ["deploy", "prod"]
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
            "waiting": "/waiting",
            "triggers": "/triggers",
            "api": "/api/v1/docs",
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

/// A diamond whose long branch (`test`) is the critical path; `test` logs a
/// line every half second, so the page sees the run while it goes, then a
/// probe: markup in an ANSI colour, which the viewer shows as red text.
const LIVE: &str = r#"
workflow ship {
  param env: string in ["staging", "prod"] = "staging"
  param replicas: int in 1..20 = 3
  step build: shell {
    run "sleep 1; echo built"
    estimate 1s
  }
  step test: shell {
    run "for i in 1 2 3 4 5 6; do echo test-line-$i; sleep 0.5; done; printf '\\033[31m<b>probe</b>\\033[0m &amp;\\n'"
    estimate 3s
    depends on build
  }
  step lint: shell {
    run "sleep 0.2"
    estimate 1s
    depends on build
  }
  step ship: shell {
    run "echo shipping ${replicas} to ${env} > @DIR/shipped.txt"
    estimate 1s
    depends on test, lint
  }
}
"#;

#[tokio::test(flavor = "multi_thread")]
async fn a_run_started_from_the_form_is_watched_live_with_its_critical_path() {
    let server = Server::start(&[("ship.wf", LIVE)], &[]);
    let config = json!({
        "workflow": "ship", "last": "ship", "log_step": "test", "log_line": "test-line-6", "timeout_ms": 30000,
    });
    let Some(result) = scenario("live", &server, config) else {
        return;
    };
    // What ticked while it ran (null where the run was too quick to see).
    println!(
        "header {} · step {} · timeline's last tick {}",
        result["ticked"], result["step_ticked"], result["axis"]
    );
    // One run only: the refused form started nothing.
    let runs = server.runs().await;
    assert_eq!(runs.len(), 1, "{runs:?}");
    assert_eq!(runs[0]["id"], result["run"]);
    assert_eq!(runs[0]["status"], "succeeded");
    let url = server.url(&format!("/runs/{}", result["run"].as_str().unwrap()));
    let (_, run) = super::serve::get(&reqwest::Client::new(), &url, &server.reader).await;
    assert_eq!(
        (&run["trigger"], &run["origin"]),
        (&json!("api"), &json!("dashboard")),
        "{run}"
    );
    let shipped = std::fs::read_to_string(server.path("shipped.txt")).unwrap();
    assert_eq!(shipped.trim(), "shipping 2 to staging");
    for step in ["build", "test", "lint", "ship"] {
        assert_eq!(result["states"][step], "succeeded", "{result}");
    }
    let mut critical: Vec<&str> = result["critical"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    critical.sort();
    assert_eq!(critical, ["build", "ship", "test"], "{result}");
    assert!(
        result["diagnostic"].as_str().unwrap().contains("99"),
        "{result}"
    );
    insta::assert_snapshot!("browser_start_form", outline(&result["form"]));
    insta::assert_snapshot!("browser_start_refused", outline(&result["refused"]));
    insta::assert_snapshot!("browser_live_run", outline(&result["page"]));
}

const GATED: &str = r#"
workflow release {
  step build: shell {
    run "while ! rm @DIR/go 2>/dev/null; do sleep 0.05; done; echo built"
  }
  step approve: gate {
    approval "release manager"
    inputs { rollout: int in 1..100 = 10, notes: string = "" }
    depends on build
  }
  step publish: shell {
    run "echo published ${approve.outputs.rollout} ${approve.comment} > @DIR/published.txt"
    depends on approve
  }
}

workflow broken {
  step fail: shell { run "echo about to fail; exit 3" }
}
"#;

#[tokio::test(flavor = "multi_thread")]
async fn an_operator_approves_a_gate_from_the_page_and_reads_a_failed_log() {
    let server = Server::start(&[("release.wf", GATED)], &[]);
    let http = reqwest::Client::new();
    let url = server.url("/workflows/release/runs");
    let (_, started) = post(&http, &url, &server.operator, json!({})).await;
    let waiting = started["id"].as_str().unwrap().to_owned();
    // Each build waits for a token and takes it: this run's now, the
    // page's run when the scenario has seen it before its gate.
    std::fs::write(server.path("go"), "").unwrap();
    let url = server.url("/workflows/broken/runs?wait=20s");
    let (_, broken) = post(&http, &url, &server.operator, json!({})).await;
    // The gate waits before the page opens.
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let (_, run) = super::serve::get(
            &http,
            &server.url(&format!("/runs/{waiting}")),
            &server.reader,
        )
        .await;
        let gate = run["step_list"]
            .as_array()
            .and_then(|s| s.iter().find(|s| s["name"] == "approve"));
        if gate.is_some_and(|g| g["status"] == "waiting") {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{run}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let config = json!({
        "workflow": "release", "waiting": waiting, "after_gate": "publish",
        "failed": broken["id"], "failed_line": "about to fail",
        "token": server.path("go"),
    });
    let Some(result) = scenario("gate", &server, config) else {
        return;
    };
    let approved = result["run"].as_str().unwrap();
    let run = server.finished(&http, approved).await;
    assert_eq!(run["status"], "succeeded", "{run}");
    let (_, still) = super::serve::get(
        &http,
        &server.url(&format!("/runs/{waiting}")),
        &server.reader,
    )
    .await;
    // Held for a decision, the API says `waiting` (it said `running`
    // before runs held by a person were told apart everywhere).
    assert_eq!(
        still["status"], "waiting",
        "the reader's run still waits: {still}"
    );
    assert_eq!(
        std::fs::read_to_string(server.path("published.txt"))
            .unwrap()
            .trim(),
        "published 30 ship it"
    );
    let approve = run["step_list"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "approve")
        .unwrap();
    assert_eq!(approve["outputs"]["approved_by"], "ops", "{run}");
    assert_eq!(run["decisions"][0]["inputs"]["rollout"], 30, "{run}");
    insta::assert_snapshot!("browser_gate_waiting", outline(&result["waiting"]));
    insta::assert_snapshot!("browser_failed_run", outline(&result["failed"]));
}

/// 2,000 steps: a fan-out of 1,500 and ten chains of 50 gates.
fn big_workflow() -> String {
    let items: Vec<String> = (0..1500).map(|i| i.to_string()).collect();
    let mut wf = format!(
        "workflow big {{\n  concurrency 16\n  param items: list<int> = [{}]\n  for each i in items {{\n    step fan: gate {{ check i >= 0 }}\n  }}\n",
        items.join(", ")
    );
    for chain in 0..10 {
        for k in 0..50 {
            wf.push_str(&format!("  step c{chain}_{k}: gate {{\n    check true\n"));
            if k > 0 {
                wf.push_str(&format!("    depends on c{chain}_{}\n", k - 1));
            }
            wf.push_str("  }\n");
        }
    }
    wf + "}\n"
}

#[tokio::test(flavor = "multi_thread")]
async fn a_run_of_two_thousand_steps_renders_within_its_budget() {
    let server = Server::start(&[("big.wf", &big_workflow())], &[]);
    let http = reqwest::Client::new();
    let url = server.url("/workflows/big/runs?wait=60s");
    let (_, run) = post(&http, &url, &server.operator, json!({})).await;
    assert_eq!(run["status"], "succeeded", "{run}");
    // Generous for a debug build on a loaded 2-core machine: what a person
    // would call slow, not a measurement (figures: the test's output).
    let config = json!({ "run": run["id"], "budget_ms": 8000, "timeout_ms": 20000 });
    let Some(result) = scenario("big", &server, config) else {
        return;
    };
    println!("2,000-step run page: {result}");
    assert!(result["nodes"].as_u64().unwrap() >= 500, "{result}");
}

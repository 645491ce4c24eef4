//! `wfc history --status | --since | --until`, and `waiting`: a running run
//! held by a person (a gate waiting for its approval) is listed `waiting`
//! by `wfc history`, `wfc status` and the API's run list, while one
//! waiting on a retry's backoff stays `running`.

use super::serve::{get, post, Server};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::time::Duration;
use wfc_testkit::Case;

fn listed(c: &Case, args: &[&str]) -> Vec<String> {
    let r = c.wfc(["history", "--format", "json"]).args(args).output();
    assert_eq!(r.code, 0, "{}", r.all());
    r.json()
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            format!(
                "{} {}",
                r["workflow"].as_str().unwrap(),
                r["status"].as_str().unwrap()
            )
        })
        .collect()
}

#[test]
fn status_since_and_until_pick_runs() {
    let c = super::case()
        .file(
            "ok.wf",
            "workflow ok {\n  step s: shell { run \"true\" }\n}\n",
        )
        .file(
            "bad.wf",
            "workflow bad {\n  step s: shell { run \"exit 3\" }\n}\n",
        );
    assert_eq!(c.wfc(["run", "ok.wf", "--plain"]).output().code, 0);
    assert_eq!(c.wfc(["run", "bad.wf", "--plain"]).output().code, 1);
    assert_eq!(listed(&c, &["--status", "failed"]), ["bad failed"]);
    let both = ["bad failed", "ok succeeded"];
    assert_eq!(listed(&c, &["--status", "failed,succeeded"]), both);
    assert_eq!(
        listed(&c, &["--status", "succeeded", "--status", "failed"]),
        both
    );
    assert!(listed(&c, &["--status", "running"]).is_empty());
    assert_eq!(listed(&c, &["--since", "1h"]), both);
    assert_eq!(listed(&c, &["--until", "0s"]), both);
    assert!(listed(&c, &["--since", "2999-01-01"]).is_empty());
    assert!(listed(&c, &["--until", "2001-01-01T00:00:00Z"]).is_empty());
    let r = c.wfc(["history", "--since", "2999-01-01"]).output();
    assert_eq!(r.stdout.trim(), "no runs match");
    let r = c.wfc(["history", "--status", "done"]).output();
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(r.stderr.contains("waiting"), "{}", r.stderr);
    let r = c.wfc(["history", "--since", "last week"]).output();
    assert_eq!(r.code, 2, "{}", r.all());
}

const GATED: &str = r#"
workflow gated {
  step approve: gate { approval "ops" }
  step ship: shell { run "echo shipped > shipped.txt" }
}
"#;

const BACKOFF: &str = r#"
workflow flaky {
  step s: shell {
    run "exit 1"
    retry 2 backoff 1h
  }
}
"#;

#[test]
fn a_run_held_by_a_person_is_waiting_and_one_on_a_backoff_is_running() {
    let c = super::case()
        .file("gated.wf", GATED)
        .file("flaky.wf", BACKOFF);
    let mut gated = c.wfc(["run", "gated.wf", "--plain"]).spawn();
    let held = wfc_testkit::wait_until(Duration::from_secs(30), || {
        c.path(".wfc/runs.db").exists() && listed(&c, &["--status", "waiting"]) == ["gated waiting"]
    });
    assert!(held, "{:?}", listed(&c, &[]));
    let text = c.wfc(["history"]).output().stdout;
    assert!(text.lines().nth(1).unwrap().contains(" waiting "), "{text}");
    let status = c.wfc(["status", "last"]).output().stdout;
    assert!(
        status.contains("status    waiting (for a decision"),
        "{status}"
    );
    // JSON says so too (it said `running`, the stored status, before a
    // held run was `waiting` everywhere); approving it still works, below.
    let json = c
        .wfc(["status", "last", "--format", "json"])
        .output()
        .json();
    assert_eq!(json["status"], "waiting");

    let mut flaky = c.wfc(["run", "flaky.wf", "--plain"]).spawn();
    let backing_off = wfc_testkit::wait_until(Duration::from_secs(30), || {
        let s = c
            .wfc(["status", "last", "--format", "json"])
            .output()
            .json();
        s["workflow"] == "flaky" && s["step_list"][0]["status"] == "waiting"
    });
    assert!(backing_off, "the retry did not wait");
    assert_eq!(listed(&c, &["--status", "running"]), ["flaky running"]);
    assert_eq!(listed(&c, &["--status", "waiting"]), ["gated waiting"]);
    assert_eq!(c.wfc(["cancel", "last", "--wait"]).output().code, 0);
    let _ = flaky.wait();

    let gated_id = c
        .wfc(["history", "gated", "--format", "json"])
        .output()
        .json()[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = c.wfc(["approve", &gated_id, "approve"]).output();
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(gated.wait().unwrap().success());
    assert_eq!(listed(&c, &["gated"]), ["gated succeeded"]);
}

#[tokio::test]
async fn the_api_lists_a_held_run_as_waiting() {
    let server = Server::start(&[("gated.wf", GATED)], &[]);
    let http = reqwest::Client::new();
    let (status, started) = post(
        &http,
        &server.url("/workflows/gated/runs"),
        &server.operator,
        json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{started}");
    let id = started["id"].as_str().unwrap().to_owned();
    let page = |q: &'static str| {
        let http = http.clone();
        let url = server.url(&format!("/runs?{q}"));
        let key = server.reader.clone();
        async move {
            let (status, page) = get(&http, &url, &key).await;
            assert_eq!(status, StatusCode::OK, "{page}");
            page["runs"].as_array().unwrap().clone()
        }
    };
    let mut waiting = Vec::new();
    for _ in 0..400 {
        waiting = page("status=waiting").await;
        if !waiting.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(waiting.len(), 1, "{waiting:?}");
    assert_eq!(waiting[0]["id"], id.as_str());
    assert_eq!(waiting[0]["status"], "waiting");
    assert!(page("status=running").await.is_empty());
    // The run itself reads `waiting`, paged or whole.
    for q in ["", "?steps=all", "?steps=none"] {
        let (status, run) = get(
            &http,
            &server.url(&format!("/runs/{id}{q}")),
            &server.reader,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{run}");
        assert_eq!(run["status"], "waiting", "{q}: {run}");
    }
    let remote = std::process::Command::new(super::WFC)
        .args(["status", &id, "--format", "json", "--server", &server.base])
        .env("WFC_API_KEY", &server.reader)
        .output()
        .unwrap();
    let remote: Value = serde_json::from_slice(&remote.stdout).unwrap_or_default();
    assert_eq!(remote["status"], "waiting", "{remote}");
    // `wfc history --server` asks the same list.
    let out = std::process::Command::new(super::WFC)
        .args([
            "history",
            "--status",
            "waiting,failed",
            "--since",
            "1h",
            "--format",
            "json",
        ])
        .args(["--server", &server.base])
        .env("WFC_API_KEY", &server.reader)
        .output()
        .unwrap();
    let remote: Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
    assert_eq!(remote[0]["status"], "waiting", "{out:?}");
    assert_eq!(page("status=failed,waiting").await.len(), 1);
    let (status, bad) = get(&http, &server.url("/runs?status=held"), &server.reader).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
    let (status, _) = post(
        &http,
        &server.url(&format!("/runs/{id}/gates/approve/approve")),
        &server.operator,
        json!({}),
    )
    .await;
    assert!(status.is_success(), "{status}");
    let ended: Value = server.finished(&http, &id).await;
    assert_eq!(ended["status"], "succeeded", "{ended}");
    assert!(page("status=waiting").await.is_empty());
}

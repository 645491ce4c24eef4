//! Approval gates that take input: `inputs { … }` given with `wfc approve
//! --input NAME=VALUE --comment`, through the API's body and the
//! dashboard's form, checked against the run's plan as params are, read by
//! later steps as `GATE.outputs.NAME`, and shown with who, when and why by
//! `wfc status` and the API.

use super::serve::{get, post, Server};
use super::WFC;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::time::Duration;
use wfc_testkit::{wait_until, Case};

const RELEASE: &str = r#"workflow release {
  step build: shell { run "echo built" }
  step approve: gate {
    approval "release manager"
    inputs { notes: string = "", rollout: int in 1..100 = 10, region: string in ["eu", "us"] }
    depends on build
  }
  step ship: shell {
    run "echo ${approve.outputs.rollout} ${approve.outputs.region} [${approve.outputs.notes}] ${approve.approved_by}: ${approve.comment} > @DIR/shipped.txt"
  }
}
"#;

fn release(c: &Case) -> String {
    RELEASE.replace("@DIR", &c.dir().display().to_string())
}

/// The gate of the last run waits (its status says so), within 20 s.
fn gate_waits(c: &Case) {
    let waiting = wait_until(Duration::from_secs(20), || {
        let out = c.wfc(["status", "last", "--format", "json"]).output();
        out.code == 0 && out.stdout.contains("\"waiting\"")
    });
    assert!(waiting, "the gate never waited");
}

#[test]
fn wfc_approve_checks_inputs_as_params_and_the_next_step_reads_them() {
    let c = Case::new(WFC);
    c.write("w.wf", &release(&c));
    let run = c.wfc(["run", "w.wf", "--plain"]).spawn();
    gate_waits(&c);
    // Every problem at once, each named; nothing is decided.
    let bad = c
        .wfc([
            "approve",
            "last",
            "approve",
            "--input",
            "rollout=250",
            "--input",
            "regoin=eu",
        ])
        .output();
    assert_eq!(bad.code, 1, "{bad:?}");
    for part in [
        "no input `regoin`: did you mean `region`?",
        "input `rollout`: 250 is outside 1..100",
        "input `region` (string) is required",
    ] {
        assert!(bad.stderr.contains(part), "{part}: {}", bad.stderr);
    }
    let typo = c
        .wfc(["approve", "last", "approve", "--input", "rollout"])
        .output();
    assert_eq!(typo.code, 2, "{typo:?}");
    let ok = c
        .wfc([
            "approve",
            "last",
            "approve",
            "--as",
            "ana",
            "--input",
            "rollout=25",
        ])
        .args([
            "--input",
            "region=eu",
            "--comment",
            "canary; $(touch pwned) first",
        ])
        .output();
    assert_eq!(ok.code, 0, "{ok:?}");
    let done = run.wait_with_output().unwrap();
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    assert_eq!(
        c.read("shipped.txt").trim(),
        "25 eu [] ana: canary; $(touch pwned) first"
    );
    assert!(!c.path("pwned").exists(), "a comment became code");
    let status = c.wfc(["status", "last"]).output();
    assert!(
        status.stdout.contains("approve  approved by ana at ")
            && status
                .stdout
                .contains("notes=\"\" region=\"eu\" rollout=25 · \"canary; $(touch pwned) first\""),
        "{}",
        status.stdout
    );
    let json = c
        .wfc(["status", "last", "--format", "json"])
        .output()
        .json();
    let d = &json["decisions"][0];
    assert_eq!(
        (&d["step"], &d["decision"], &d["by"]),
        (&json!("approve"), &json!("approved"), &json!("ana"))
    );
    assert_eq!(
        d["inputs"],
        json!({"notes": "", "region": "eu", "rollout": 25})
    );
    // Nothing is left to decide once the run went on and ended.
    let again = c
        .wfc(["reject", "last", "approve", "--comment", "no"])
        .output();
    assert_eq!(again.code, 1);
    assert!(
        again.stderr.contains("already succeeded"),
        "{}",
        again.stderr
    );
}

#[test]
fn a_rejection_s_comment_is_the_gate_s_error_and_approve_flag_takes_defaults() {
    let c = Case::new(WFC);
    c.write("w.wf", &release(&c));
    let run = c.wfc(["run", "w.wf", "--plain"]).spawn();
    gate_waits(&c);
    let inputs = c
        .wfc(["reject", "last", "approve", "--input", "rollout=5"])
        .output();
    assert_eq!(inputs.code, 2, "a rejection takes no inputs: {inputs:?}");
    let no = c
        .wfc([
            "reject",
            "last",
            "approve",
            "--as",
            "bo",
            "--comment",
            "freeze week",
        ])
        .output();
    assert_eq!(no.code, 0, "{no:?}");
    let done = run.wait_with_output().unwrap();
    assert!(!done.status.success());
    let json = c
        .wfc(["status", "last", "--format", "json"])
        .output()
        .json();
    let gate = json["step_list"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "approve")
        .unwrap();
    assert_eq!(
        gate["error"], "the approval was refused by bo: freeze week",
        "{gate}"
    );
    assert!(!c.path("shipped.txt").exists());

    // `--approve` takes each input's default; one without a default is
    // not invented: the gate fails and names it.
    let defaults = RELEASE
        .replace(", region: string in [\"eu\", \"us\"]", "")
        .replace(" ${approve.outputs.region}", "");
    c.write(
        "d.wf",
        &defaults.replace("@DIR", &c.dir().display().to_string()),
    );
    let out = c.wfc(["run", "d.wf", "--approve", "approve"]).output();
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        c.read("shipped.txt").starts_with("10 "),
        "{}",
        c.read("shipped.txt")
    );
    let out = c
        .wfc(["run", "w.wf", "--plain", "--approve", "approve"])
        .output();
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stdout.contains("input `region` (string) is required")
            || out.stderr.contains("input `region` (string) is required"),
        "{out:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_api_takes_inputs_and_a_comment_and_shows_the_decision() {
    let server = Server::start(&[("release.wf", RELEASE)], &[]);
    let http = reqwest::Client::new();
    let (_, started) = post(
        &http,
        &server.url("/workflows/release/runs"),
        &server.operator,
        json!({}),
    )
    .await;
    let id = started["id"].as_str().unwrap().to_owned();
    let approve = server.url(&format!("/runs/{id}/gates/approve/approve"));
    let (status, problem) = post(
        &http,
        &approve,
        &server.operator,
        json!({"inputs": {"rollout": "many"}}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{problem}");
    assert_eq!(problem["code"], "API004", "{problem}");
    let detail = problem["detail"].as_str().unwrap();
    assert!(
        detail.contains("input `rollout`: expected int, found `many`")
            && detail.contains("`region`"),
        "{detail}"
    );
    let (status, problem) = post(
        &http,
        &approve,
        &server.operator,
        json!({"inputs": {}, "note": "x"}),
    )
    .await;
    assert_eq!(
        (status, &problem["code"]),
        (StatusCode::BAD_REQUEST, &json!("API005")),
        "{problem}"
    );
    let (status, problem) = post(&http, &approve, &server.reader, json!({})).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{problem}");
    let body =
        json!({"inputs": {"rollout": 40, "region": "us", "notes": "<b>hi</b>"}, "comment": "go"});
    let (status, answer) = post(&http, &approve, &server.operator, body).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let run = server.finished(&http, &id).await;
    assert_eq!(run["status"], "succeeded", "{run}");
    assert_eq!(
        std::fs::read_to_string(server.path("shipped.txt"))
            .unwrap()
            .trim(),
        "40 us [<b>hi</b>] ops: go"
    );
    let (_, run) = get(&http, &server.url(&format!("/runs/{id}")), &server.reader).await;
    let d: &Value = &run["decisions"][0];
    assert_eq!(
        (&d["by"], &d["comment"]),
        (&json!("ops"), &json!("go")),
        "{run}"
    );
    assert_eq!(d["inputs"]["rollout"], 40);
}

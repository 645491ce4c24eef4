//! Reading back a run of many steps (issue 51 F6): `wfc status` and `GET
//! /api/v1/runs/{id}` of a completed 40,000-step run answer in time
//! linear in its steps. They searched the recorded steps once per planned
//! step (to find those never started): in a release build 20,000 steps
//! took 2 s, 50,000 14 s, 100,000 55 s and 750 MB, and a read key's GET
//! of 340,000 steps did not answer in a minute. Now: about a second.

use crate::serve::{get, Server};
use serde_json::json;
use std::path::Path;
use std::time::{Duration, Instant, SystemTime};
use wfc_contract::StepStatus;
use wfc_contract::{Attempt, GraphName, Recorder, RunEnd, RunInfo, RunStatus, StepEnd, StepKey};
use wfc_store::store_recorder::{RunMeta, StoreRecorder};
use wfc_store::Store;

pub(super) const STEPS: usize = 40_000;

pub(super) const LOOP: &str = r#"
workflow big {
  param n: int = 0
  for each i in range(0, n) parallel {
    step s: shell { run "true" }
  }
}
"#;

/// Records in the store of `state` a succeeded run `id` of `n` steps, with
/// its plan, as `wfc run big.wf -p n=N` would leave it (written through the
/// recorder: running 40,000 processes is not the point).
pub(super) fn record_big_run(state: &Path, id: &str, n: usize) {
    let a = wfc_language::analysis::analyze("big.wf", LOOP);
    let wf = a.module.expect("checks").into_first().ir;
    let mut input = wfc_plan::ParamInput::default();
    input.push_assignment(&format!("n={n}")).unwrap();
    let options = wfc_plan::Options { jobs: Some(4) };
    let plan = wfc_plan::plan(&wf, &input, options, &wfc_plan::DefaultEstimator).unwrap();
    assert_eq!(plan.main.len(), n);
    let meta = RunMeta {
        file_hash: "0".into(),
        plan: wfc_store::reuse::stored_fingerprints(&plan, &wf),
        ..Default::default()
    };
    let store = Store::open(state).unwrap();
    let mut r = StoreRecorder::new(&store, id, meta).unwrap();
    let at = SystemTime::now();
    r.run_started(&RunInfo {
        run_id: id.into(),
        workflow: "big".into(),
        file: "big.wf".into(),
        params: vec![("n".into(), json!(n))],
        jobs: 4,
        steps: n,
        started_at: at,
    })
    .unwrap();
    for (i, s) in plan.main.steps.iter().enumerate() {
        let k = StepKey {
            graph: GraphName::Main,
            name: s.name.clone(),
            kind: "shell",
        };
        r.attempt_started(&k, 1, at);
        let took = Duration::from_millis(2);
        r.attempt_ended(
            &k,
            &Attempt {
                number: 1,
                status: StepStatus::Succeeded,
                started_at: at,
                duration: took,
                exit_code: Some(0),
                error: None,
                outputs: json!({}),
                usage: None,
            },
        );
        r.step_ended(
            &k,
            &StepEnd {
                status: StepStatus::Succeeded,
                attempts: 1,
                started_at: Some(at),
                duration: took,
                exit_code: Some(0),
                error: None,
                outputs: json!({}),
                optional: false,
            },
        );
        if i % 1000 == 999 {
            r.flush().unwrap();
        }
    }
    r.run_ended(&RunEnd {
        status: RunStatus::Succeeded,
        ended_at: SystemTime::now(),
        duration: Duration::from_secs(1),
        failed: None,
    })
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_of_40k_steps_is_read_in_linear_time() {
    let server = Server::start(&[("big.wf", LOOP)], &[]);
    let state = server.path("state");
    record_big_run(&state, "big-1", STEPS);

    // `wfc status`, text and JSON.
    let status = |format: &str| {
        let t = Instant::now();
        let out = server
            .wfc()
            .args(["status", "big-1", "--format", format, "--state-dir"])
            .arg(&state)
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        (t.elapsed(), String::from_utf8(out.stdout).unwrap())
    };
    let (took, text) = status("text");
    eprintln!("wfc status of {STEPS} steps: {took:?}");
    assert_eq!(
        text.matches(" succeeded ").count(),
        STEPS,
        "{}",
        &text[..400]
    );
    // Bounds against a quadratic read (minutes at 40k steps), not
    // measurements: generous for a loaded machine.
    assert!(took < Duration::from_secs(30), "wfc status took {took:?}");
    let (took, text) = status("json");
    let detail: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(detail["step_list"].as_array().unwrap().len(), STEPS);
    assert!(
        took < Duration::from_secs(30),
        "wfc status --format json took {took:?}"
    );

    // The API, with a read key.
    let t = Instant::now();
    let (code, run) = get(
        &reqwest::Client::new(),
        &server.url("/runs/big-1?steps=all"),
        &server.reader,
    )
    .await;
    let took = t.elapsed();
    eprintln!("GET /runs/ID of {STEPS} steps: {took:?}");
    assert_eq!(code, reqwest::StatusCode::OK);
    assert_eq!(run["status"], "succeeded");
    let steps = run["step_list"].as_array().unwrap();
    assert_eq!(steps.len(), STEPS);
    assert!(steps.iter().all(|s| s["status"] == "succeeded"));
    assert!(took < Duration::from_secs(30), "GET /runs/ID took {took:?}");
}

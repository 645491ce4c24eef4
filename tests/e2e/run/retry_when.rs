//! `retry N … when EXPR` through the whole `wfc run`: an `http` step
//! against a real server that answers 503, 503, then 404 is retried while
//! the status is 5xx and fails at once on the 404, saying why it was not
//! retried; a `shell` step is retried only on the exit codes listed.

use crate::workflow;
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::routing::any;
use axum::Router;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

/// The report's entry for step `name`.
fn step(report: &serde_json::Value, name: &str) -> serde_json::Value {
    report["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == name)
        .unwrap_or_else(|| panic!("no step {name} in {report:#}"))
        .clone()
}

/// `/deposit`: 503 twice, then 404 for good; `/flaky`: 503 twice, then 200.
async fn handle(State(calls): State<Arc<[AtomicU32; 2]>>, uri: Uri) -> (StatusCode, &'static str) {
    let (i, then) = match uri.path() {
        "/deposit" => (0, StatusCode::NOT_FOUND),
        _ => (1, StatusCode::OK),
    };
    if calls[i].fetch_add(1, Ordering::SeqCst) < 2 {
        (StatusCode::SERVICE_UNAVAILABLE, "busy")
    } else {
        (then, "done")
    }
}

fn server() -> (String, Arc<[AtomicU32; 2]>) {
    let calls: Arc<[AtomicU32; 2]> = Arc::new([AtomicU32::new(0), AtomicU32::new(0)]);
    let app = Router::new()
        .fallback(any(handle))
        .with_state(calls.clone());
    (crate::serve(app), calls)
}

#[test]
fn http_is_retried_on_5xx_and_fails_at_once_on_4xx() {
    let (base, calls) = server();
    let c = workflow(&format!(
        r#"workflow bank {{
  step flaky: http {{
    get "{base}/flaky"
    retry 5 when status_code >= 500
  }}
  step deposit: http {{
    post "{base}/deposit"
    retry 5 backoff 10ms exponential when status_code >= 500
    depends on flaky
  }}
}}"#
    ));
    let r = c.wfc_run(&["--output", "report.json"]).output();
    assert_eq!(r.code, 1, "{r}");
    let report = c.report();
    assert_eq!(step(&report, "flaky")["status"], "succeeded", "{report:#}");
    assert_eq!(step(&report, "flaky")["attempts"], 3, "{report:#}");
    let deposit = step(&report, "deposit");
    assert_eq!(deposit["status"], "failed", "{deposit:#}");
    // Two 503s retried, the 404 not: three attempts of the six allowed.
    assert_eq!(deposit["attempts"], 3, "{deposit:#}");
    assert_eq!(calls[0].load(Ordering::SeqCst), 3);
    let error = deposit["error"].as_str().unwrap();
    assert!(
        error.contains("got 404")
            && error.contains("(not retried: `status_code >= 500` is false: `status_code` is 404)"),
        "{error}"
    );
    assert!(r.stdout.contains("not retried"), "{r}");
}

#[test]
fn shell_is_retried_only_on_the_exit_codes_listed() {
    // Exits 7 (listed), then 22 (not): two attempts of the four allowed.
    let c = workflow(
        r#"workflow fetch {
  param transient: list<int> = [6, 7, 28]
  step get: shell {
    run "n=$(cat tries 2>/dev/null || echo 0); n=$((n + 1)); echo $n > tries; if [ $n -eq 1 ]; then exit 7; fi; exit 22"
    retry 3 when exit_code in transient
  }
}"#,
    );
    let r = c.wfc_run(&["--output", "report.json"]).output();
    assert_eq!(r.code, 1, "{r}");
    let get = step(&c.report(), "get");
    assert_eq!(get["attempts"], 2, "{get:#}");
    assert_eq!(c.lines("tries"), ["2"]);
    let error = get["error"].as_str().unwrap();
    assert!(
        error.contains("not retried: `exit_code in [6, 7, 28]` is false: `exit_code` is 22"),
        "{error}"
    );
}

/// A `when` that cannot be evaluated fails the step after its first
/// attempt (E0835): retrying would not make it evaluable.
#[test]
fn a_when_that_cannot_be_evaluated_fails_the_step_at_once() {
    let c = super::fixture("E0835-retry-when-cannot-be-evaluated.wf");
    let r = (c.wfc(["run", "w.wf", "--plain", "--output", "report.json"])).output();
    assert_eq!(r.code, 1, "{r}");
    let get = step(&c.report(), "get");
    assert_eq!(get["attempts"], 1, "{get:#}");
    assert_eq!(c.lines("tries"), ["try"]);
    let error = get["error"].as_str().unwrap();
    for part in [
        "E0835: the retry's `when` of step `get` cannot be evaluated",
        "(`when int(error) > 2`); not retried; the attempt: exit code 3",
    ] {
        assert!(error.contains(part), "{part:?} in {error}");
    }
}

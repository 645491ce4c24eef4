//! What the tests of served runs share beyond the server itself
//! ([`super::serve::Server`]): starting a run through the API, polling it,
//! and the runs the store holds parked.

use super::serve::{get, post, Server};
use reqwest::StatusCode;
use serde_json::Value;
use std::path::Path;
use std::time::{Duration, Instant};
use wfc_store::testing;

/// Starts workflow `wf` through the API with `params`; the run's id.
pub(super) async fn start_run(
    server: &Server,
    http: &reqwest::Client,
    wf: &str,
    params: Value,
) -> String {
    let url = server.url(&format!("/workflows/{wf}/runs"));
    let (status, body) = post(http, &url, &server.operator, params).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    body["id"].as_str().unwrap().to_owned()
}

/// Polls run `id` through the API until `ok` holds of it (at most 20 s).
pub(super) async fn run_until(
    server: &Server,
    http: &reqwest::Client,
    id: &str,
    ok: impl Fn(&Value) -> bool,
) -> Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let run = get(http, &server.url(&format!("/runs/{id}")), &server.reader)
            .await
            .1;
        if ok(&run) {
            return run;
        }
        assert!(Instant::now() < deadline, "never came: {run}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The runs the store holds parked (waiting with no process).
pub(super) fn parked(state: &Path) -> Vec<String> {
    let store = wfc_store::Store::open(state).unwrap();
    let rows = testing::rows(&store, "SELECT run_id FROM parked ORDER BY run_id", &[]).unwrap();
    rows.iter()
        .map(|r| r[0].text().unwrap().to_owned())
        .collect()
}

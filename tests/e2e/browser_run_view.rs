//! The run page's log viewer in Chromium (`browser/failing.js`): a run
//! that fails while its page is open moves the log's list to the failed
//! step at its end, and "Jump to first error" finds the error line (which
//! came on stderr, and is marked so); "Times" shows each line's time.

use super::browser::scenario;
use super::serve::{post, Server};
use serde_json::json;

const FLOWS: &str = r#"
workflow wobbly {
  step talk: shell { run "for i in 1 2 3 4 5 6 7 8 9 10 11 12; do echo talk-$i; sleep 0.25; done" }
  step breaks: shell { run "sleep 1.5; echo compiling; echo 'error: boom <b>' >&2; echo after; exit 2" }
}
"#;

#[tokio::test(flavor = "multi_thread")]
async fn a_run_failing_on_the_page_opens_its_failed_step_s_log() {
    let server = Server::start(&[("flows.wf", FLOWS)], &[]);
    let http = reqwest::Client::new();
    let (_, run) = post(
        &http,
        &server.url("/workflows/wobbly/runs"),
        &server.operator,
        json!({}),
    )
    .await;
    let id = run["id"].as_str().expect("a run id").to_owned();
    let Some(r) = scenario(
        "failing",
        &server,
        json!({ "run": id, "timeout_ms": 30000 }),
    ) else {
        return;
    };
    // Opened on `talk` (running) the list moved; opened later (a slow
    // machine), the page opened on `breaks` already: either way it ends there.
    println!("the page opened at {}", r["opened"]);
    assert_eq!(r["hit"], "error: boom <b>\n", "{r}");
    assert_eq!(r["stream"], "stderr", "{r}");
    assert!(
        r["others"].as_u64().unwrap() >= 2,
        "stdout lines are not marked: {r}"
    );
    assert_eq!(r["times"], true, "{r}");
    let time = r["time"].as_str().unwrap_or_default();
    assert!(
        time.len() == 8 && time.as_bytes()[2] == b':' && time.as_bytes()[5] == b':',
        "a time of day to the second: {r}"
    );
}

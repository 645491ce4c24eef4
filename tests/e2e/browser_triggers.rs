//! `/triggers` in Chromium (`browser/triggers_ops.js`): a refused webhook
//! delivery listed with its reason within a second, a backfill from the
//! schedule's form — ten slots, pressed twice, ten runs — and the logged
//! out notice; axe and a phone's width on each page. What the pages did is
//! checked again here, in the run store and the steps' file.

use super::browser::scenario;
use super::serve::Server;
use super::serve_hooks::sign;
use serde_json::json;
use std::time::{Duration, Instant};

const FLOWS: &str = r#"
workflow nightly {
  on schedule "0 2 * * *"
  step s: shell { run "echo ${run.scheduled} >> @DIR/slots.txt" }
}

workflow release {
  on webhook "/release" { secret hook_key }
  param version: string = "none"
  secret hook_key: string
  step ship: shell { run "echo ${version}" }
}
"#;

#[tokio::test(flavor = "multi_thread")]
async fn an_operator_sees_a_refused_delivery_and_backfills_a_range_once() {
    let server = Server::start(&[("flows.wf", FLOWS)], &[]);
    let signature = sign("hook-s3cret-2718", r#"{"version": "1.2.3"}"#);
    let Some(result) = scenario("triggers_ops", &server, json!({ "signature": signature })) else {
        return;
    };
    assert!(result["listed_ms"].as_u64().unwrap() < 1000, "{result}");
    // One line of text and its hint: not three lines.
    let label = result["logout"]["label_height"].as_f64().unwrap();
    assert!(label < 80.0, "the key's label is {label} px tall");
    // Pressed twice, each of the ten slots ran once.
    let deadline = Instant::now() + Duration::from_secs(20);
    let lines = loop {
        let text = std::fs::read_to_string(server.path("slots.txt")).unwrap_or_default();
        if text.lines().count() >= 10 || Instant::now() > deadline {
            break text;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let text = std::fs::read_to_string(server.path("slots.txt")).unwrap();
    assert_eq!(text, lines, "a slot ran again");
    let mut slots: Vec<&str> = text.lines().collect();
    assert_eq!(slots.len(), 10, "{text}");
    slots.dedup();
    assert_eq!(slots.len(), 10, "{text}");
    assert_eq!(slots[0], "2026-11-01T02:00:00Z");
    let runs = server.runs().await;
    assert_eq!(
        runs.iter().filter(|r| r["trigger"] == "backfill").count(),
        10
    );
}

//! `/metrics` stays bounded whatever a run fans out to: a 2,000-item
//! `for each` adds one `step` label (`work`), not one per item, so the
//! scrape stays small (issue 74: 2.36 MB per scrape before).

use super::serve::{post, Server};
use reqwest::StatusCode;
use serde_json::json;

const FAN: &str = r#"
workflow fan {
  for each i in range(0, 2000) parallel {
    step work: sleep { duration 1ms }
  }
  step sum: shell { run "echo done"  depends on work }
}
"#;

/// The series of a scrape: its lines that are not comments.
fn series(text: &str) -> usize {
    text.lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .count()
}

#[tokio::test]
async fn a_2000_item_fan_out_adds_few_series_and_the_scrape_stays_small() {
    let server = Server::start(&[("fan.wf", FAN)], &[]);
    let http = reqwest::Client::new();
    let scrape = || async {
        let r = http
            .get(format!("{}/metrics", server.base))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        r.text().await.unwrap()
    };
    let before = series(&scrape().await);
    let url = server.url("/workflows/fan/runs?wait=120s");
    let (status, run) = post(&http, &url, &server.operator, json!({})).await;
    assert_eq!(status, StatusCode::OK, "{run}");
    assert_eq!(run["status"], "succeeded", "{run}");
    // An exposition answers scrapes for 2 s: wait for one made after the run.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    let text = loop {
        let text = scrape().await;
        if text.contains("workflow=\"fan\"") || std::time::Instant::now() > deadline {
            break text;
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    };
    let added = series(&text) - before;
    assert!(added < 50, "{added} series added:\n{text}");
    assert!(text.len() < 100_000, "{} bytes per scrape", text.len());
    // The loop's 2,000 instances count under their step, once each.
    let count = text
        .lines()
        .find(|l| {
            l.starts_with("wfc_step_duration_seconds_count")
                && l.contains("step=\"work\"")
                && l.contains("workflow=\"fan\"")
        })
        .unwrap_or_else(|| panic!("no count for `work`:\n{text}"));
    assert!(count.ends_with(" 2000"), "{count}");
    assert!(!text.contains("work["), "no label per item");
}

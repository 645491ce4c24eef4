//! Whole-log search on the step page in Chromium (`browser/log_search.js`,
//! issue 74): a 20,000-line log's 20 `ERROR` lines all found, the first
//! opened at its line, "first error" over the whole log, a `#L500` link,
//! earlier lines loaded on scrolling up, the run's search page; axe at
//! 1440 and 390 px.

use super::browser::scenario;
use super::dashboard::client;
use super::serve::Server;
use super::serve_log_search::{error_lines, noisy_run, NOISY};
use serde_json::json;

#[tokio::test(flavor = "multi_thread")]
async fn the_step_page_finds_every_error_in_a_20k_line_log() {
    let server = Server::start(&[("noisy.wf", NOISY)], &[]);
    let id = noisy_run(&server, &client()).await;
    let Some(r) = scenario(
        "log_search",
        &server,
        json!({ "run": id, "timeout_ms": 20000 }),
    ) else {
        return;
    };
    println!("browser: {r}");
    assert_eq!(r["found"], 20, "{r}");
    assert_eq!(r["lines"], json!(error_lines()), "{r}");
    assert_eq!(r["tail_first"], "L19802", "{r}");
    let first = r["first_url"].as_str().unwrap();
    assert!(first.ends_with("line=8#L8"), "{r}");
    assert_eq!(r["first_shown"], true, "{r}");
    assert!(
        r["first_text"].as_str().unwrap().ends_with("ERROR at 7\n"),
        "{r}"
    );
    assert!(
        r["error_url"].as_str().unwrap().ends_with("?line=8#L8"),
        "{r}"
    );
    assert_eq!(r["error_shown"], true, "{r}");
    assert_eq!(r["link_shown"], true, "{r}");
    assert_eq!(r["scrolled"], json!({ "before": 200, "after": 400 }), "{r}");
    assert_eq!(r["kept_place"], true, "{r}");
    assert_eq!(r["run_found"], 21, "{r}");
    assert_eq!(r["run_last_shown"], true, "{r}");
}

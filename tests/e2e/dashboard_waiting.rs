//! `/waiting` for a step that paused after its retries (`on fail pause`):
//! who started the run (the key's name, not "api"), a Retry / Skip / Abort
//! form for an operator, and prompts that name the server's ways to decide
//! — never the server's state folder.

use super::dashboard::{client, login, page, pair};
use super::serve::{get, post, Server};
use reqwest::header::COOKIE;
use reqwest::StatusCode;
use serde_json::json;
use std::time::{Duration, Instant};

const FLAKY: &str = r#"
workflow flaky {
  step deploy: shell {
    run "test -f @DIR/fixed"
    on fail pause
  }
}
"#;

#[tokio::test(flavor = "multi_thread")]
async fn a_paused_failure_is_retried_from_the_waiting_page() {
    let server = Server::start(&[("flaky.wf", FLAKY)], &[]);
    let http = client();
    let (status, started) = post(
        &http,
        &server.url("/workflows/flaky/runs"),
        &server.operator,
        json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{started}");
    let id = started["id"].as_str().unwrap().to_owned();
    let deadline = Instant::now() + Duration::from_secs(10);
    let run = loop {
        let (_, run) = get(&http, &server.url(&format!("/runs/{id}")), &server.reader).await;
        if run["status"] == "waiting" || Instant::now() > deadline {
            break run;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(run["status"], "waiting", "{run}");
    let state = server.path("state").display().to_string();
    assert!(
        !run.to_string().contains(&state),
        "the server's folder in the run: {run}"
    );

    let cookie = pair(&login(&http, &server, &server.operator).await);
    let (_, _, html) = page(&http, &server, "/waiting", &cookie).await;
    for shown in [
        "by ops (api)",
        "data-action=\"retry\"",
        "data-action=\"skip\"",
        "data-action=\"abort\"",
        "Other ways: decide with",
    ] {
        assert!(html.contains(shown), "`{shown}` is not on /waiting: {html}");
    }
    assert!(
        !html.contains(&state) && !html.contains("--state-dir"),
        "{html}"
    );
    let at = html.find("name=\"csrf\" value=\"").unwrap() + 19;
    let csrf = html[at..].split('"').next().unwrap();

    std::fs::write(server.path("fixed"), "").unwrap();
    let r = http
        .post(format!("{}/runs/{id}/gates/deploy/approve", server.base))
        .header(COOKIE, &cookie)
        .form(&[
            ("csrf", csrf),
            ("comment", "fixed"),
            ("input.action", "retry"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let run = server.finished(&http, &id).await;
    assert_eq!(run["status"], "succeeded", "{run}");
}

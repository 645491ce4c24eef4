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

const GATED: &str = r#"
workflow release {
  step approve: gate {
    approval "release manager"
    inputs { rollout: int in 1..100 = 10, region: string in ["eu", "us"] }
  }
  step ship: shell { run "echo ${approve.outputs.rollout} ${approve.outputs.region} > @DIR/shipped.txt" }
}
"#;

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_approval_shows_the_form_again_with_what_was_typed() {
    let server = Server::start(&[("release.wf", GATED)], &[]);
    let http = client();
    let url = server.url("/workflows/release/runs");
    let (_, started) = post(&http, &url, &server.operator, json!({})).await;
    let id = started["id"].as_str().unwrap().to_owned();
    let deadline = Instant::now() + Duration::from_secs(10);
    while get(&http, &server.url(&format!("/runs/{id}")), &server.reader)
        .await
        .1["status"]
        != "waiting"
    {
        assert!(Instant::now() < deadline, "the gate never waited");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let cookie = pair(&login(&http, &server, &server.operator).await);
    let (_, _, html) = page(&http, &server, "/waiting", &cookie).await;
    let at = html.find("name=\"csrf\" value=\"").unwrap() + 19;
    let csrf = html[at..].split('"').next().unwrap().to_owned();
    let approve = |fields: Vec<(&'static str, &'static str)>| {
        let mut form: Vec<(&str, String)> = vec![("csrf", csrf.clone())];
        form.extend(fields.into_iter().map(|(k, v)| (k, v.to_owned())));
        http.post(format!("{}/runs/{id}/gates/approve/approve", server.base))
            .header(COOKIE, &cookie)
            .form(&form)
            .send()
    };
    let r = approve(vec![
        ("input.rollout", "500"),
        ("input.region", "us"),
        ("comment", "go <now>"),
    ])
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let again = r.text().await.unwrap();
    for shown in [
        "was not taken",
        "name=\"input.rollout\" value=\"500\"",
        "<option selected>us</option>",
        "value=\"go &lt;now&gt;\"",
        "Back to the run",
        "rollout",
    ] {
        assert!(
            again.contains(shown),
            "`{shown}` is not on the page: {again}"
        );
    }
    assert!(
        again.contains("1..100") || again.contains("100"),
        "why 500 was refused: {again}"
    );
    let r = approve(vec![("input.rollout", "50"), ("input.region", "us")])
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let run = server.finished(&http, &id).await;
    assert_eq!(run["status"], "succeeded", "{run}");
    let shipped = std::fs::read_to_string(server.path("shipped.txt")).unwrap();
    assert_eq!(shipped.trim(), "50 us");
}

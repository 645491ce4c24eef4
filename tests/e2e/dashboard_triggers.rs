//! `/triggers` of the real `wfc serve`: each workflow's triggers, a
//! schedule's next slots, the firings that started nothing with why
//! (escaped: a delivery id is the sender's text), the pause toggle that
//! comes back to the page; and the banner every page shows for a served
//! file that does not load.

use super::dashboard::{client, login, page, pair};
use super::serve::Server;
use super::serve_hooks::hook;
use reqwest::header::{COOKIE, LOCATION};
use reqwest::StatusCode;
use serde_json::json;

const FLOWS: &str = r#"
workflow release {
  param ref: string = ""
  on webhook "/push" { when starts_with(request.json.ref, "refs/tags/v") }
  on schedule "15 3 * * *" { timezone "Europe/Berlin" }
  step s: shell { run "echo ${ref}" }
}

workflow plain {
  step s: shell { run "true" }
}
"#;

#[tokio::test(flavor = "multi_thread")]
async fn the_triggers_page_shows_slots_ignored_firings_and_pauses() {
    let server = Server::start(&[("release.wf", FLOWS), ("bad.wf", "workflow {")], &[]);
    let op = format!("Bearer {}", server.operator);
    let auth = [
        ("Authorization", op.as_str()),
        ("X-GitHub-Delivery", "<img src=x onerror=alert(1)>"),
    ];
    let body = json!({"ref": "refs/heads/main"}).to_string();
    let (status, _, answer) = hook(&server, "/push", &body, &auth).await;
    assert_eq!(answer["status"], "ignored", "{status} {answer}");

    let http = client();
    let cookie = pair(&login(&http, &server, &server.operator).await);
    let (status, _, html) = page(&http, &server, "/triggers", &cookie).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    for shown in [
        "<h2 id=\"tw-1\">release</h2>",
        "webhook",
        "Europe&#x2f;Berlin",
        "is false",
        "&lt;img src=x onerror=alert(1)&gt;",
        "Pause its triggers",
        // The banner: the file that does not load, on every page.
        "bad.wf</code> (not served)",
    ] {
        assert!(html.contains(shown), "`{shown}` is not on the page: {html}");
    }
    assert!(
        !html.contains("<img src=x"),
        "a value became markup: {html}"
    );
    assert!(
        !html.contains(">plain</h2>"),
        "a workflow without triggers: {html}"
    );
    let slots = html.matches("<time class=\"when\" datetime=\"20").count();
    assert!(slots >= 5, "five slots: {html}");
    let fired = html.matches("<time class=\"ago\" datetime=\"20").count();
    assert!(fired >= 1, "the firing's time, how long ago: {html}");
    let (_, _, runs) = page(&http, &server, "/runs", &cookie).await;
    assert!(runs.contains("bad.wf</code> (not served)"), "{runs}");

    // Pausing from the page comes back to it, paused.
    let at = html.find("name=\"csrf\" value=\"").unwrap() + 19;
    let csrf = html[at..].split('"').next().unwrap();
    let r = http
        .post(format!("{}/workflows/release/triggers/pause", server.base))
        .header(COOKIE, &cookie)
        .form(&[("csrf", csrf), ("back", "/triggers")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()[LOCATION], "/triggers");
    let (_, _, html) = page(&http, &server, "/triggers", &cookie).await;
    assert!(
        html.contains("every trigger, by ops") && html.contains("Resume its triggers"),
        "{html}"
    );
    // Any other place to go back to is not followed.
    let r = http
        .post(format!("{}/workflows/release/triggers/resume", server.base))
        .header(COOKIE, &cookie)
        .form(&[("csrf", csrf), ("back", "https://evil.example/")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()[LOCATION], "/");
}

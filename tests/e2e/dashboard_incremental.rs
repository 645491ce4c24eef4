//! Incremental runs on the dashboard: an up-to-date step's row, timeline
//! and view say "up to date" with a link to the run it was restored from,
//! its view lists `explain`'s reasons; "What changed since the last run"
//! shows the plan's diff with markup from the workflow escaped; the start
//! form's force checkbox runs the step anyway. The browser scenario
//! (`browser_incremental.rs`) checks the same pages in Chromium.

use super::dashboard::{client, login, page, pair};
use super::serve::{post, Server};
use reqwest::header::COOKIE;
use reqwest::StatusCode;
use serde_json::{json, Value};

/// `build`'s command holds markup, and `note` goes into it: a run with
/// another note shows it in the diff, which must escape it.
pub(super) const INC: &str = r#"
workflow inc {
  param note: string = "one"
  step build: shell {
    run "echo '<script>window.__xss = 1</script>' >> @DIR/ran.txt\necho ${note} >> @DIR/ran.txt"
    sources ["inc.wf"]
  }
  step after: shell {
    run "echo after"
    depends on build
  }
}
"#;

/// Three runs: the first, one up to date with it, one with another note
/// (holding markup); their ids.
pub(super) async fn three_runs(server: &Server) -> [String; 3] {
    let http = reqwest::Client::new();
    let url = server.url("/workflows/inc/runs?wait=20s");
    let mut ids = Vec::new();
    for body in [
        json!({}),
        json!({}),
        json!({"note": "<img src=x onerror=\"window.__xss = 2\">"}),
    ] {
        let (s, r) = post(&http, &url, &server.operator, body).await;
        assert_eq!(r["status"], "succeeded", "{s} {r}");
        ids.push(r["id"].as_str().unwrap().to_owned());
    }
    ids.try_into().unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn up_to_date_steps_why_and_what_changed_on_the_pages() {
    let server = Server::start(&[("inc.wf", INC)], &[]);
    let [first, second, third] = three_runs(&server).await;
    let http = client();
    let ops = pair(&login(&http, &server, &server.operator).await);

    let (status, _, run) = page(&http, &server, &format!("/runs/{second}"), &ops).await;
    assert_eq!(status, StatusCode::OK);
    let link = format!("<a class=\"up-to-date\" href=\"/runs/{first}\"");
    assert!(run.contains(&link), "the row links the origin run: {run}");
    assert!(run.contains("class=\"gantt-up-to-date\""), "{run}");
    assert!(
        run.contains("What changed since the last run")
            && run.contains("Nothing: its plan is the one run"),
        "{run}"
    );
    let (_, _, step) = page(&http, &server, &format!("/runs/{second}/steps/build"), &ops).await;
    assert!(
        step.contains(&format!("restored from <a href=\"/runs/{first}\">")),
        "{step}"
    );
    assert!(
        step.contains("<h2>Why</h2>")
            && step.contains("Up to date")
            && step.contains("source file"),
        "{step}"
    );
    assert!(
        step.contains("it was up to date, so it did not run"),
        "{step}"
    );

    let (_, _, run) = page(&http, &server, &format!("/runs/{third}"), &ops).await;
    assert!(run.contains("<details class=\"plan-diff\">"), "{run}");
    assert!(run.contains("1 step changed, 1 param"), "{run}");
    assert!(
        run.contains("<span class=\"diff-del\">        - echo one &gt;&gt;"),
        "{run}"
    );
    assert!(
        run.contains("&lt;img src=x onerror=") && run.contains("&lt;script&gt;window.__xss"),
        "{run}"
    );
    assert!(
        !run.contains("<img src=x") && !run.contains("<script>window"),
        "markup from the workflow is not escaped: {run}"
    );
    let (_, _, first_page) = page(&http, &server, &format!("/runs/{first}"), &ops).await;
    assert!(
        first_page.contains("Nothing to compare with"),
        "{first_page}"
    );

    // The form's force checkbox: the step runs though it is up to date.
    let (_, _, form) = page(&http, &server, "/workflows/inc/start", &ops).await;
    assert!(form.contains("name=\"force\" type=\"checkbox\""), "{form}");
    let at = form.find("name=\"csrf\" value=\"").unwrap() + 19;
    let csrf = form[at..].split('"').next().unwrap();
    let r = http
        .post(format!("{}/workflows/inc/start", server.base))
        .header(COOKIE, &ops)
        .form(&[("csrf", csrf), ("p.note", "one"), ("force", "true")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let to = r.headers()["location"].to_str().unwrap().to_owned();
    let id = to.trim_start_matches("/runs/");
    let detail: Value = server.finished(&reqwest::Client::new(), id).await;
    let build = &detail["step_list"][0];
    assert_eq!(build["name"], "build", "{detail:#}");
    assert_eq!(build["attempts"], 1, "forced, it ran: {detail:#}");
    assert!(build.get("up_to_date").is_none(), "{detail:#}");
}

//! The runs waiting for a person in Chromium (`browser/waiting.js`): the
//! navigation's count, `/waiting` with each gate's form, approved from it
//! at a phone's width; the decision is checked again through the API. Also
//! the runs list's local times and the schedules page (axe, phone width).

use super::browser::scenario;
use super::dashboard::{client, login, page, pair};
use super::serve::{get, post, Server};
use serde_json::json;
use std::time::Duration;

const GATED: &str = r#"
workflow release {
  on schedule "0 3 * * *" { timezone "Europe/Berlin" }
  on webhook "/release-pipeline/deployments/production-eu-central-1" {
    when request.json.ref == "refs/heads/main" && request.json.repository.full_name == "example-org/release-pipeline"
  }
  step approve: gate {
    approval "<b>release</b> manager"
    inputs { rollout: int in 1..100 = 10 }
  }
  step publish: shell {
    run "echo published ${approve.outputs.rollout} > @DIR/published.txt"
    depends on approve
  }
}
"#;

#[tokio::test(flavor = "multi_thread")]
async fn an_operator_approves_from_the_waiting_page_on_a_phone() {
    let server = Server::start(&[("release.wf", GATED)], &[]);
    let http = client();
    let url = server.url("/workflows/release/runs");
    let (_, started) = post(&http, &url, &server.operator, json!({})).await;
    let id = started["id"].as_str().unwrap().to_owned();
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let (_, run) = get(&http, &server.url(&format!("/runs/{id}")), &server.reader).await;
        if run["status"] == "waiting" {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{run}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // The page over HTTP: the run, its question in words (escaped), the
    // command line only as a hint; a reader gets no form.
    let cookie = pair(&login(&http, &server, &server.reader).await);
    let (_, _, html) = page(&http, &server, "/waiting", &cookie).await;
    assert!(html.contains(&id), "{html}");
    assert!(
        html.contains("waiting for approval by &lt;b&gt;release&lt;&#x2f;b&gt; manager")
            && !html.contains("<b>release"),
        "{html}"
    );
    // A reader is not told to run what it may not, nor where the
    // server keeps its state.
    assert!(html.contains("An operator key decides it."), "{html}");
    assert!(
        !html.contains("wfc approve") && !html.contains("--state-dir"),
        "{html}"
    );
    assert!(!html.contains("/approve\""), "a reader sees a form: {html}");
    assert!(html.contains("class=\"badge\">1"), "{html}");

    let config = json!({ "waiting": id });
    let Some(result) = scenario("waiting", &server, config) else {
        return;
    };
    let run = server.finished(&http, &id).await;
    assert_eq!(run["status"], "succeeded", "{run}");
    let decision = &run["decisions"][0];
    assert_eq!(
        (
            &decision["by"],
            &decision["inputs"]["rollout"],
            &decision["comment"]
        ),
        (&json!("ops"), &json!(30), &json!("ship <it>")),
        "{run}"
    );
    insta::assert_snapshot!(
        "browser_waiting",
        result["waiting"]["outline"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l.as_str().unwrap())
            .collect::<Vec<_>>()
            .join("\n")
    );
}

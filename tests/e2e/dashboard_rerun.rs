//! The start form as a re-run: `?from=RUN` fills it with the run's
//! recorded params (never a secret), the runs list links it for finished
//! runs; a secret's field says `secret` and names its `env(…)` default;
//! the form's errors speak of fields, not of `--param`.

use super::dashboard::{client, login, page, pair};
use super::serve::{post, Server};
use reqwest::header::COOKIE;
use reqwest::StatusCode;
use serde_json::json;

const DEPLOY: &str = r#"
workflow deploy {
  param version: string
  param replicas: int in 1..20 = 3
  param note: string = ""
  secret token: string = env("WFC_DASH_TOKEN")
  step record: shell { run "echo '${version} ${replicas} ${note}' > @DIR/params.txt" }
}
"#;

#[tokio::test(flavor = "multi_thread")]
async fn a_finished_run_is_started_again_from_a_form_holding_its_params() {
    let dir = tempfile::tempdir().unwrap();
    let env = [("WFC_DASH_TOKEN", "from-the-env")];
    let server = Server::start_with_env(dir, &[("deploy.wf", DEPLOY)], &[], &env);
    let http = client();
    let url = server.url("/workflows/deploy/runs?wait=20s");
    let params =
        json!({"version": "1.2", "replicas": 7, "note": "<b>x</b>\"", "token": "typed-secret"});
    let (_, run) = post(&http, &url, &server.operator, params).await;
    assert_eq!(run["status"], "succeeded", "{run}");
    let id = run["id"].as_str().unwrap();

    let ops = pair(&login(&http, &server, &server.operator).await);
    let (_, _, runs) = page(&http, &server, "/runs", &ops).await;
    let link = format!("href=\"/workflows/deploy/start?from={id}\"");
    assert!(runs.contains(&link), "{runs}");
    let (status, _, form) = page(
        &http,
        &server,
        &format!("/workflows/deploy/start?from={id}"),
        &ops,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{form}");
    for shown in [
        "value=\"1.2\"",
        "value=\"7\"",
        "value=\"&lt;b&gt;x&lt;&#x2f;b&gt;&quot;\"",
        "The values of run",
        // The secret: labelled so, its default named, never filled in.
        "<span class=\"muted\">secret</span>",
        "leave empty for env(&quot;WFC_DASH_TOKEN&quot;)",
    ] {
        assert!(form.contains(shown), "`{shown}` is not on the form: {form}");
    }
    assert!(
        !form.contains("typed-secret") && !form.contains("from-the-env") && !form.contains("<b>x"),
        "{form}"
    );
    let (status, _, missing) =
        page(&http, &server, "/workflows/deploy/start?from=nope", &ops).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(missing.contains("API083"), "{missing}");

    // Refused values are told in the form's words.
    let at = form.find("name=\"csrf\" value=\"").unwrap() + 19;
    let csrf = form[at..].split('"').next().unwrap();
    let r = http
        .post(format!("{}/workflows/deploy/start", server.base))
        .header(COOKIE, &ops)
        .form(&[("csrf", csrf), ("p.version", ""), ("p.replicas", "many")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let again = r.text().await.unwrap();
    assert!(
        again.contains("E0402") && again.contains("fill in its field"),
        "{again}"
    );
    assert!(
        again.contains("E0403") && again.contains("given in the form"),
        "{again}"
    );
    assert!(
        !again.contains("--param") && !again.contains("params file"),
        "{again}"
    );

    // A reader gets no re-run link.
    let reader = pair(&login(&http, &server, &server.reader).await);
    let (_, _, runs) = page(&http, &server, "/runs", &reader).await;
    assert!(!runs.contains("start?from="), "{runs}");
}

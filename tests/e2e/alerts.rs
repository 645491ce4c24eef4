//! Alert rules for real: `wfc run` and `wfc serve` decide them as runs end
//! and send to a local HTTP server (webhook) and the SMTP sink (email);
//! a rule fires once, stays quiet, resolves once, and stays quiet in its
//! cooldown; `wfc alerts`, `GET /api/v1/alerts`, the dashboard and
//! `/metrics` say its state; no channel's secret reaches anything wfc
//! writes or prints.

use super::serve::{get, post, Server};
use super::workflow;
use axum::extract::State;
use axum::http::HeaderMap;
use serde_json::Value;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use wfc_testkit::SmtpSink;

/// What the local webhook received: (path, X-Token header, JSON body).
type Got = Arc<Mutex<Vec<(String, String, Value)>>>;

/// A local HTTP server that keeps every request it gets; its base URL.
fn hook_server() -> (String, Got) {
    let got: Got = Arc::default();
    async fn keep(
        State(got): State<Got>,
        uri: axum::http::Uri,
        headers: HeaderMap,
        body: String,
    ) -> &'static str {
        let token = (headers.get("x-token"))
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let json = serde_json::from_str(&body).unwrap_or(Value::Null);
        got.lock()
            .unwrap()
            .push((uri.path().to_owned(), token, json));
        "ok"
    }
    let app = axum::Router::new()
        .fallback(axum::routing::any(keep))
        .with_state(got.clone());
    (super::serve(app), got)
}

/// A port nothing listens on.
fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// The states (`firing`, `resolved`) the webhook got, in order.
fn states(got: &Got) -> Vec<String> {
    (got.lock().unwrap().iter())
        .map(|(_, _, j)| j["state"].as_str().unwrap_or("?").to_owned())
        .collect()
}

/// Waits (at most 10 s) until `check` holds.
fn until(mut check: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if check() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

const SECRET: &str = "s3cr3t-0f-the-hook";
const TOKEN: &str = "t0ken-0f-the-hook";

/// Every file under `dir` holds none of `secrets` (bytes, any file).
fn no_secret_in(dir: &std::path::Path, secrets: &[&str]) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.filter_map(Result::ok) {
        let path = e.path();
        if path.is_dir() {
            no_secret_in(&path, secrets);
            continue;
        }
        let bytes = std::fs::read(&path).unwrap_or_default();
        let text = String::from_utf8_lossy(&bytes);
        for s in secrets {
            assert!(!text.contains(s), "{} holds {s}", path.display());
        }
    }
}

const FLAKY: &str = r#"
workflow flaky {
  secret hook: string = env("ALERT_HOOK")
  secret token: string = env("ALERT_TOKEN")
  secret dead: string = env("ALERT_DEAD")
  alert broken {
    when consecutive_failures >= 2
    notify webhook { url hook  headers { X-Token = token } }
    notify email { to "ops@example.com"  smtp env("ALERT_SMTP") }
    cooldown 1h
  }
  alert unheard {
    when consecutive_failures >= 1
    notify slack { webhook dead }
  }
  step s: shell { run "test -f ok" }
}
"#;

#[test]
fn wfc_run_fires_once_stays_quiet_resolves_once_and_keeps_no_secret() {
    let sink = match SmtpSink::start(&[]) {
        Ok(s) => s,
        Err(why) => return wfc_testkit::skip(&format!("the SMTP sink cannot run here: {why}")),
    };
    let (base, got) = hook_server();
    let c = workflow(FLAKY);
    let env = [
        ("ALERT_HOOK", format!("{base}/hooks/{SECRET}")),
        ("ALERT_TOKEN", TOKEN.to_owned()),
        (
            "ALERT_DEAD",
            format!("http://127.0.0.1:{}/T0/{SECRET}", closed_port()),
        ),
        ("ALERT_SMTP", format!("smtp://127.0.0.1:{}", sink.port)),
    ];
    let mut said = String::new();
    let mut run = |code: i32| {
        let out = c
            .wfc(["run", "w.wf", "--plain"])
            .envs(env.iter().map(|(k, v)| (k, v)))
            .output();
        assert_eq!(out.code, code, "{out}");
        said.push_str(&out.stdout);
        said.push_str(&out.stderr);
    };
    // One failure: `broken` holds at 2, nothing sent to it.
    run(1);
    assert!(states(&got).is_empty());
    // Two: it fires, once to each channel.
    run(1);
    assert_eq!(states(&got), ["firing"]);
    let msgs = sink.wait_messages(1);
    assert_eq!(msgs.len(), 1);
    assert!(
        msgs[0]
            .1
            .contains("Subject: [wfc] flaky: alert broken is firing"),
        "{}",
        msgs[0].1
    );
    assert!(
        msgs[0].1.contains("2 consecutive failed runs"),
        "{}",
        msgs[0].1
    );
    {
        let got = got.lock().unwrap();
        let (path, token, body) = &got[0];
        assert_eq!(path, &format!("/hooks/{SECRET}"));
        assert_eq!(token, TOKEN);
        assert_eq!(body["workflow"], "flaky");
        assert_eq!(body["alert"], "broken");
        assert_eq!(body["condition"], "consecutive_failures >= 2");
    }
    let listed = c.wfc(["alerts", "--format", "json"]).success().output();
    let rows: Value = serde_json::from_str(&listed.stdout).unwrap();
    let broken = (rows.as_array().unwrap().iter())
        .find(|r| r["alert"] == "broken")
        .unwrap();
    assert_eq!(broken["state"], "firing", "{rows}");
    assert!(broken["last_fired_at"].is_string(), "{rows}");
    // A third failure: still firing, nothing sent.
    run(1);
    assert_eq!(states(&got), ["firing"]);
    // A success: one "resolved".
    c.write("ok", "");
    run(0);
    assert_eq!(states(&got), ["firing", "resolved"]);
    assert_eq!(sink.wait_messages(2).len(), 2);
    // Failing again within the hour's cooldown: quiet.
    std::fs::remove_file(c.path("ok")).unwrap();
    run(1);
    run(1);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(states(&got), ["firing", "resolved"]);
    assert_eq!(sink.messages().len(), 2);
    let table = c.wfc(["alerts", "flaky"]).success().output();
    assert!(table.stdout.contains("WORKFLOW"), "{table}");
    assert!(
        table
            .stdout
            .lines()
            .any(|l| l.starts_with("flaky") && l.contains("broken") && l.contains(" ok ")),
        "{table}"
    );
    c.wfc(["alerts", "flakey"])
        .status(2)
        .stderr_has("no workflow `flakey` here (did you mean `flaky`?)")
        .output();
    c.wfc(["alerts", "test", "flaky", "nope"])
        .status(2)
        .stderr_has("workflow `flaky` has no alert rule `nope` (its rules: broken, unheard)")
        .output();
    // The dead Slack hook: its failure is kept and said, masked.
    assert!(
        table
            .stdout
            .contains("unheard: the last message was not sent"),
        "{table}"
    );
    said.push_str(&table.stdout);
    said.push_str(&listed.stdout);
    let test = c
        .wfc(["alerts", "test", "flaky", "broken"])
        .envs(env.iter().map(|(k, v)| (k, v)))
        .success()
        .output();
    assert!(test.stdout.contains("to webhook (POST)"), "{test}");
    assert!(
        test.stdout.contains("to email to ops@example.com"),
        "{test}"
    );
    assert_eq!(states(&got).last().map(String::as_str), Some("test"));
    said.push_str(&test.stdout);
    said.push_str(&test.stderr);
    for s in [SECRET, TOKEN] {
        assert!(!said.contains(s), "wfc said {s}:\n{said}");
    }
    no_secret_in(c.dir(), &[SECRET, TOKEN]);
}

const DEAD: &str = r#"
workflow dead {
  secret dead: string = env("ALERT_DEAD")
  alert unheard {
    when consecutive_failures >= 1
    notify webhook { url dead }
  }
  step s: shell { run "exit 1" }
}
"#;

/// #69: the alert's URL was masked by its exact text only, and the HTTP
/// client's error spelt it otherwise (a trailing newline dropped, the
/// scheme or host in lower case, spaces escaped, `/../` resolved, a port's
/// zeros dropped): `last_error` kept it in clear, and `wfc alerts` and
/// `wfc alerts test` printed it. Whatever the spelling, nothing of the
/// path is said or stored.
#[test]
fn an_alert_url_never_leaks_through_its_error_whatever_its_spelling() {
    let port = closed_port();
    let spellings = [
        format!("http://127.0.0.1:{port}/T0/{SECRET}\n"),
        format!("HTTP://127.0.0.1:{port}/T0/{SECRET}"),
        format!("http://LocalHost:{port}/T0/{SECRET}"),
        format!("http://127.0.0.1:{port}/T0/{SECRET} x"),
        format!("http://127.0.0.1:{port}/T0/x/../{SECRET}"),
        format!("http://127.0.0.1:{port}/T0/{SECRET}/é"),
        format!("http://127.0.0.1:{port}\\T0\\{SECRET}"),
        format!("http://127.0.0.1:00{port}/T0/{SECRET}"),
    ];
    for url in spellings {
        let c = workflow(DEAD);
        let mut said = String::new();
        let out = c
            .wfc(["run", "w.wf", "--plain"])
            .env("ALERT_DEAD", &url)
            .output();
        assert_eq!(out.code, 1, "{out}");
        said.push_str(&format!("{out}"));
        let listed = c.wfc(["alerts", "--format", "json"]).success().output();
        let rows: Value = serde_json::from_str(&listed.stdout).unwrap();
        let error = rows[0]["last_error"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        assert!(
            !error.is_empty(),
            "the failed send is kept: {url:?}: {rows}"
        );
        said.push_str(&listed.stdout);
        said.push_str(&c.wfc(["alerts"]).output().to_string());
        let test = c
            .wfc(["alerts", "test", "dead", "unheard"])
            .env("ALERT_DEAD", &url)
            .output();
        said.push_str(&test.to_string());
        let lower = said.to_lowercase();
        for leak in [SECRET, "/t0/", "t0\\"] {
            assert!(!lower.contains(leak), "{url:?}: wfc said {leak}:\n{said}");
        }
        no_secret_in(c.dir(), &[SECRET, "/T0/", "/t0/"]);
    }
}

/// An alert and an `http` step whose URL is a secret, sent to a server
/// that says back what it got: its 404 page names the path.
const SAID_BACK: &str = r#"
workflow said_back {
  secret dead: string = env("ALERT_DEAD")
  alert unheard {
    when consecutive_failures >= 1
    notify webhook { url dead }
  }
  step s: http { get dead }
}
"#;

/// #69's second probe: a server that says back the path it got (Express's
/// `Cannot POST /T0/…`, Spring's `"path"`), or the URL as the client sent
/// it (`/../` resolved), put the secret in the step's error, the alert's
/// `last_error` and what wfc printed. Neither is a form of the URL as
/// given; both are now masked.
#[test]
fn a_secret_url_said_back_by_the_server_is_masked() {
    async fn not_found(uri: axum::http::Uri) -> (axum::http::StatusCode, String) {
        let said = format!(
            "no route for {} (http://127.0.0.1{})",
            uri.path(),
            uri.path_and_query().map_or("", |p| p.as_str())
        );
        (axum::http::StatusCode::NOT_FOUND, said)
    }
    let base = super::serve(axum::Router::new().fallback(axum::routing::any(not_found)));
    for url in [
        format!("{base}/T0/{SECRET}"),
        format!("{base}/T0/x/../{SECRET}?key={TOKEN}"),
    ] {
        let c = workflow(SAID_BACK);
        let out = c
            .wfc(["run", "w.wf", "--plain"])
            .env("ALERT_DEAD", &url)
            .output();
        assert_eq!(out.code, 1, "{out}");
        assert!(out.to_string().contains("no route for ***"), "{out}");
        let mut said = out.to_string();
        said.push_str(&c.wfc(["alerts", "--format", "json"]).output().to_string());
        said.push_str(
            &c.wfc(["status", "last", "--format", "json"])
                .output()
                .to_string(),
        );
        for leak in [SECRET, TOKEN] {
            assert!(!said.contains(leak), "{url}: wfc said {leak}:\n{said}");
        }
        no_secret_in(c.dir(), &[SECRET, TOKEN]);
    }
}

const SERVED: &str = r#"
workflow served {
  param fail: bool = false
  secret hook: string = env("ALERT_HOOK")
  alert failing {
    when failure_rate(last 3) >= 0.5
    notify webhook { url hook }
    cooldown 1s
  }
  step s: shell { run "test ${fail} = false" }
}
"#;

#[tokio::test]
async fn wfc_serve_fires_as_runs_end_and_shows_it() {
    let (base, got) = hook_server();
    let hook = format!("{base}/served/{SECRET}");
    let server = Server::start_with_env(
        tempfile::tempdir().unwrap(),
        &[("served.wf", SERVED)],
        &[],
        &[("ALERT_HOOK", hook.as_str())],
    );
    let http = reqwest::Client::new();
    let start = |fail: bool| {
        let http = http.clone();
        let url = server.url("/workflows/served/runs");
        let key = server.operator.clone();
        async move {
            let (status, run) = post(&http, &url, &key, serde_json::json!({"fail": fail})).await;
            assert!(status.is_success(), "{run}");
            run["id"].as_str().unwrap().to_owned()
        }
    };
    let id = start(true).await;
    assert_eq!(server.finished(&http, &id).await["status"], "failed");
    let (_, alerts) = get(&http, &server.url("/alerts"), &server.reader).await;
    let got_now = || states(&got);
    assert!(until(|| got_now() == ["firing"]), "{:?}", got_now());
    let (_, alerts_after) = get(&http, &server.url("/alerts"), &server.reader).await;
    assert_eq!(
        alerts_after[0]["state"], "firing",
        "{alerts_after} (before: {alerts})"
    );
    assert_eq!(alerts_after[0]["condition"], "failure_rate(last 3) >= 0.5");
    let metrics = reqwest::get(format!("{}/metrics", server.base))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains(r#"wfc_alert_firing{workflow="served",alert="failing"} 1"#),
        "{metrics}"
    );
    // The dashboard's Workflows page shows the rule firing.
    let dash = super::dashboard::client();
    let cookie =
        super::dashboard::pair(&super::dashboard::login(&dash, &server, &server.reader).await);
    let (_, _, html) = super::dashboard::page(&dash, &server, "/", &cookie).await;
    assert!(
        html.contains("<caption class=\"muted\">Alerts</caption>"),
        "{html}"
    );
    assert!(html.contains("<code>failing</code>"), "{html}");
    assert!(html.contains("<strong>firing</strong>"), "{html}");
    assert!(!html.contains(SECRET), "{html}");
    // Two successes: 1 of 3 failed, resolved.
    for _ in 0..2 {
        let id = start(false).await;
        assert_eq!(server.finished(&http, &id).await["status"], "succeeded");
    }
    assert!(
        until(|| got_now() == ["firing", "resolved"]),
        "{:?}",
        got_now()
    );
    let (_, alerts) = get(
        &http,
        &server.url("/alerts?workflow=served"),
        &server.reader,
    )
    .await;
    assert_eq!(alerts[0]["state"], "ok", "{alerts}");
    assert!(alerts[0]["last_resolved_at"].is_string(), "{alerts}");
    // `wfc alerts --server` reads the same list through the API.
    let listed = std::process::Command::new(super::WFC)
        .args(["alerts", "--server", &server.base])
        .env("WFC_API_KEY", &server.reader)
        .output()
        .unwrap();
    let table = String::from_utf8_lossy(&listed.stdout);
    assert!(listed.status.success(), "{listed:?}");
    assert!(
        table
            .lines()
            .any(|l| l.starts_with("served") && l.contains("failing") && l.contains(" ok ")),
        "{table}"
    );
    let unknown = std::process::Command::new(super::WFC)
        .args(["alerts", "nope", "--server", &server.base])
        .env("WFC_API_KEY", &server.reader)
        .output()
        .unwrap();
    assert_eq!(unknown.status.code(), Some(2), "{unknown:?}");
    let log = server.log.lock().unwrap().clone();
    for text in [log.as_str(), &alerts.to_string(), &metrics] {
        assert!(!text.contains(SECRET), "{text}");
    }
    no_secret_in(&server.path("state"), &[SECRET]);
}

const GATED: &str = r#"
workflow gated {
  secret hook: string = env("ALERT_HOOK")
  alert stuck {
    when waiting_longer_than 1s
    notify webhook { url hook }
  }
  step approve: gate { approval "a person" }
}
"#;

#[tokio::test]
async fn wfc_serve_fires_on_a_wait_as_time_passes_and_resolves_at_the_end() {
    let (base, got) = hook_server();
    let hook = format!("{base}/gated/{SECRET}");
    let server = Server::start_with_env(
        tempfile::tempdir().unwrap(),
        &[("gated.wf", GATED)],
        &[],
        &[
            ("ALERT_HOOK", hook.as_str()),
            ("WFC_ALERT_INTERVAL_MS", "200"),
        ],
    );
    let http = reqwest::Client::new();
    let url = server.url("/workflows/gated/runs");
    let (status, run) = post(&http, &url, &server.operator, serde_json::json!({})).await;
    assert!(status.is_success(), "{run}");
    let id = run["id"].as_str().unwrap().to_owned();
    // No run ends: the server's timer decides the wait.
    let got_now = || states(&got);
    assert!(until(|| got_now() == ["firing"]), "{:?}", got_now());
    {
        let got = got.lock().unwrap();
        let detail = got[0].2["detail"].as_str().unwrap();
        assert!(
            detail.starts_with(&format!("run {id} has waited for a person for")),
            "{detail}"
        );
    }
    let approve = server.url(&format!("/runs/{id}/gates/approve/approve"));
    let (status, body) = post(&http, &approve, &server.operator, serde_json::json!({})).await;
    assert!(status.is_success(), "{body}");
    assert_eq!(server.finished(&http, &id).await["status"], "succeeded");
    assert!(
        until(|| got_now() == ["firing", "resolved"]),
        "{:?}",
        got_now()
    );
    std::thread::sleep(Duration::from_millis(600));
    assert_eq!(got_now(), ["firing", "resolved"]);
}

//! Pausing against the real `wfc serve`: a run paused through the API
//! starts nothing new, stays paused across a `kill -9` and a restart (the
//! server resumes it paused), and goes on when resumed; a workflow's
//! paused triggers start nothing — a webhook is answered 409 `API102`, a
//! schedule's slots are kept as ignored firings — until resumed, from the
//! API or from `wfc triggers` on the same state folder; and a step that
//! fails for good with `on fail pause` waits for a person, across a
//! restart too, until the API decides (`action` skip).

use super::serve::{get, post, Server};
use super::serve_hooks::hook;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

/// `one` waits for `go`; `two` follows it.
const TWO: &str = r#"
workflow two {
  step one: shell { run "echo one >> @DIR/one.txt; while [ ! -e @DIR/go ]; do sleep 0.05; done" }
  step two: shell {
    run "echo two >> @DIR/two.txt"
    depends on one
  }
}
"#;

/// A webhook and a schedule every second, each run writing a line.
const FIRED: &str = r#"
workflow fired {
  on webhook "/fire"
  on schedule "* * * * * *"
  step s: shell { run "echo ${run.trigger} >> @DIR/fired.txt" }
}
"#;

/// `flaky` fails for good and asks a person; `after` needs it.
pub(super) const ESCALATES: &str = r#"
workflow esc {
  step flaky: shell {
    run "echo x >> @DIR/flaky.txt; exit 3"
    on fail pause
  }
  step after: shell {
    run "echo a >> @DIR/after.txt"
    depends on flaky
  }
}
"#;

async fn until<T>(what: &str, mut check: impl AsyncFnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting: {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn lines(server: &Server, name: &str) -> Vec<String> {
    std::fs::read_to_string(server.path(name))
        .unwrap_or_default()
        .lines()
        .map(str::to_owned)
        .collect()
}

async fn status(server: &Server, http: &reqwest::Client, id: &str) -> Value {
    get(http, &server.url(&format!("/runs/{id}")), &server.reader)
        .await
        .1
}

/// The runs listed with `status`.
async fn listed(server: &Server, http: &reqwest::Client, status: &str) -> Vec<String> {
    let (_, page) = get(
        http,
        &server.url(&format!("/runs?status={status}")),
        &server.reader,
    )
    .await;
    page["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_paused_run_stays_paused_across_a_kill_and_goes_on_when_resumed() {
    let mut server = Server::start(&[("two.wf", TWO)], &[]);
    let http = reqwest::Client::new();
    let (code, started) = post(
        &http,
        &server.url("/workflows/two/runs"),
        &server.operator,
        json!({}),
    )
    .await;
    assert_eq!(code, StatusCode::ACCEPTED, "{started}");
    let id = started["id"].as_str().unwrap().to_owned();
    until("step one running", async || {
        (!lines(&server, "one.txt").is_empty()).then_some(())
    })
    .await;

    // A read key may not pause; an operator's may, once.
    let url = server.url(&format!("/runs/{id}/pause"));
    let (code, body) = post(&http, &url, &server.reader, json!({})).await;
    assert_eq!(code, StatusCode::FORBIDDEN, "{body}");
    let (code, body) = post(&http, &url, &server.operator, json!({})).await;
    assert_eq!(code, StatusCode::ACCEPTED, "{body}");
    let (code, body) = post(&http, &url, &server.operator, json!({})).await;
    assert_eq!(code, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["code"], "API006", "{body}");
    assert!(body["detail"]
        .as_str()
        .unwrap()
        .contains("paused already (by ops"));
    assert_eq!(
        listed(&server, &http, "paused").await,
        std::slice::from_ref(&id)
    );
    let metrics = http
        .get(format!("{}/metrics", server.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("wfc_runs_paused{workflow=\"two\"} 1"),
        "{metrics}"
    );

    // The run's process takes the pause within its poll; then `one` ends.
    tokio::time::sleep(Duration::from_millis(600)).await;
    std::fs::write(server.path("go"), "").unwrap();
    until("step one succeeded", async || {
        let r = status(&server, &http, &id).await;
        let one = r["step_list"]
            .as_array()?
            .iter()
            .find(|s| s["name"] == "one")?
            .clone();
        (one["status"] == "succeeded").then_some(())
    })
    .await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert!(
        lines(&server, "two.txt").is_empty(),
        "two started while paused"
    );

    // Paused with nothing running, it parked: killed and started again,
    // the server finds it parked, and still paused (no session ran).
    server.signal(nix::sys::signal::Signal::SIGKILL);
    server.child.wait().unwrap();
    server.restart(&[], &server.path("flows"));
    let log = server.log.lock().unwrap().clone();
    assert!(log.contains("parked runs found"), "{log}");
    assert!(!log.contains(&format!("resuming run {id}")), "{log}");
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(status(&server, &http, &id).await["sessions"], 1);
    assert!(
        lines(&server, "two.txt").is_empty(),
        "two started after the restart"
    );
    assert_eq!(
        listed(&server, &http, "paused").await,
        std::slice::from_ref(&id)
    );

    // Resumed: it goes on at once, under its id.
    let (code, body) = post(
        &http,
        &server.url(&format!("/runs/{id}/resume")),
        &server.operator,
        json!({}),
    )
    .await;
    assert_eq!(code, StatusCode::ACCEPTED, "{body}");
    let done = until("the run ends", async || {
        let r = status(&server, &http, &id).await;
        (r["status"] != "running" && r["status"] != "paused").then_some(r)
    })
    .await;
    assert_eq!(done["status"], "succeeded", "{done}");
    assert_eq!(done["sessions"], 2, "{done}");
    assert_eq!(lines(&server, "one.txt").len(), 1, "one ran again");
    assert_eq!(lines(&server, "two.txt"), ["two"]);
}

#[tokio::test]
async fn paused_triggers_start_nothing_until_resumed() {
    let server = Server::start(&[("fired.wf", FIRED)], &[]);
    let http = reqwest::Client::new();
    until("the schedule fired", async || {
        lines(&server, "fired.txt")
            .contains(&"schedule".to_owned())
            .then_some(())
    })
    .await;

    // Paused from the CLI on the same state folder: every kind.
    let out = server
        .wfc()
        .args(["triggers", "pause", "fired", "--as", "ana", "--state-dir"])
        .arg(server.path("state"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let op = format!("Bearer {}", server.operator);
    let (code, _, body) = hook(&server, "/fire", "{}", &[("Authorization", op.as_str())]).await;
    assert_eq!(code, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["code"], "API102", "{body}");
    assert!(
        body["detail"].as_str().unwrap().contains("paused (by ana"),
        "{body}"
    );
    // A slot or two pass; each is kept as ignored, none starts a run.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let before = lines(&server, "fired.txt").len();
    tokio::time::sleep(Duration::from_millis(2200)).await;
    assert_eq!(
        lines(&server, "fired.txt").len(),
        before,
        "a paused trigger fired"
    );
    let (_, ignored) = get(
        &http,
        &server.url("/workflows/fired/ignored"),
        &server.reader,
    )
    .await;
    let reasons: Vec<&str> = ignored
        .as_array()
        .map(|a| a.iter().filter_map(|f| f["reason"].as_str()).collect())
        .unwrap_or_default();
    assert!(reasons.len() >= 3, "{ignored}");
    assert!(
        reasons.iter().all(|r| r.contains("are paused")),
        "{ignored}"
    );
    let (_, paused) = get(&http, &server.url("/triggers/paused"), &server.reader).await;
    assert_eq!(paused[0]["kind"], "*", "{paused}");
    let metrics = reqwest::get(format!("{}/metrics", server.base))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("wfc_trigger_paused{workflow=\"fired\",kind=\"*\"} 1"),
        "{metrics}"
    );

    // Resumed through the API, the webhook only: it starts a run, the
    // schedule stays paused.
    let (code, body) = post(
        &http,
        &server.url("/workflows/fired/triggers/resume"),
        &server.operator,
        json!({}),
    )
    .await;
    assert_eq!(code, StatusCode::OK, "{body}");
    let (code, body) = post(
        &http,
        &server.url("/workflows/fired/triggers/pause"),
        &server.operator,
        json!({"kind": "schedule"}),
    )
    .await;
    assert_eq!(code, StatusCode::OK, "{body}");
    let (code, body) = post(
        &http,
        &server.url("/workflows/fired/triggers/pause"),
        &server.operator,
        json!({"kind": "cron"}),
    )
    .await;
    assert_eq!(code, StatusCode::BAD_REQUEST, "{body}");
    let (code, body) = post(
        &http,
        &server.url("/workflows/nope/triggers/pause"),
        &server.operator,
        json!({}),
    )
    .await;
    assert_eq!(code, StatusCode::NOT_FOUND, "{body}");
    let (code, _, body) = hook(&server, "/fire", "{}", &[("Authorization", op.as_str())]).await;
    assert_eq!(code, StatusCode::ACCEPTED, "{body}");
    until("the webhook's run", async || {
        lines(&server, "fired.txt")
            .contains(&"webhook".to_owned())
            .then_some(())
    })
    .await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let schedules = |l: Vec<String>| l.iter().filter(|x| *x == "schedule").count();
    let now = schedules(lines(&server, "fired.txt"));
    tokio::time::sleep(Duration::from_millis(2200)).await;
    assert_eq!(
        schedules(lines(&server, "fired.txt")),
        now,
        "the paused schedule fired"
    );
}

#[tokio::test]
async fn a_step_that_failed_for_good_waits_across_a_restart_until_the_api_decides() {
    let mut server = Server::start(&[("esc.wf", ESCALATES)], &[]);
    let http = reqwest::Client::new();
    let (code, started) = post(
        &http,
        &server.url("/workflows/esc/runs"),
        &server.operator,
        json!({}),
    )
    .await;
    assert_eq!(code, StatusCode::ACCEPTED, "{started}");
    let id = started["id"].as_str().unwrap().to_owned();
    let waits = async |server: &Server| {
        until("flaky waits for a person", async || {
            let (_, r) = get(
                &reqwest::Client::new(),
                &server.url("/runs?status=waiting"),
                &server.reader,
            )
            .await;
            (r["runs"].as_array()?.len() == 1).then_some(())
        })
        .await
    };
    waits(&server).await;
    assert_eq!(lines(&server, "flaky.txt").len(), 1);
    until("the run parked", async || {
        (super::serve_runs::parked(&server.path("state")) == [id.clone()]).then_some(())
    })
    .await;

    // Killed while it waits: it had parked, so the restart finds it waiting
    // as it was, and the step does not run again.
    server.signal(nix::sys::signal::Signal::SIGKILL);
    server.child.wait().unwrap();
    server.restart(&[], &server.path("flows"));
    waits(&server).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(lines(&server, "flaky.txt").len(), 1, "the step ran again");
    let r = status(&server, &http, &id).await;
    let flaky = r["step_list"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "flaky")
        .unwrap()
        .clone();
    assert!(
        flaky["waiting"]
            .as_str()
            .unwrap()
            .contains("it failed after"),
        "{flaky}"
    );

    // A wrong action is refused and names the choices; `skip` is taken.
    let url = server.url(&format!("/runs/{id}/gates/flaky/approve"));
    let (code, body) = post(
        &http,
        &url,
        &server.operator,
        json!({"inputs": {"action": "ignore"}}),
    )
    .await;
    assert_eq!(code, StatusCode::BAD_REQUEST, "{body}");
    let (code, body) = post(
        &http,
        &url,
        &server.operator,
        json!({"inputs": {"action": "skip"}, "comment": "known outage"}),
    )
    .await;
    assert!(code.is_success(), "{code} {body}");
    let done = until("the run ends", async || {
        let r = status(&server, &http, &id).await;
        (r["status"] != "running" && r["status"] != "waiting").then_some(r)
    })
    .await;
    assert_eq!(done["status"], "succeeded", "{done}");
    assert!(
        lines(&server, "after.txt").is_empty(),
        "after ran without flaky"
    );
    let decisions = done["decisions"].as_array().unwrap();
    assert_eq!(decisions[0]["by"], "ops", "{done}");
    assert_eq!(decisions[0]["inputs"]["action"], "skip", "{done}");
}

/// Resuming one kind after every kind was paused resumes that kind: the
/// schedule fires again, the webhook stays paused (it answered
/// `paused: false` and changed nothing before, issue 74).
#[tokio::test]
async fn resuming_one_kind_after_pausing_all_resumes_that_kind() {
    let server = Server::start(&[("fired.wf", FIRED)], &[]);
    let http = reqwest::Client::new();
    let call = async |path: &str, body: serde_json::Value| {
        let (code, body) = post(&http, &server.url(path), &server.operator, body).await;
        assert_eq!(code, StatusCode::OK, "{path}: {body}");
        body
    };
    call("/workflows/fired/triggers/pause", json!({})).await;
    // What fired before the pause has written its line by now.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let schedules = || {
        let l = lines(&server, "fired.txt");
        l.iter().filter(|x| *x == "schedule").count()
    };
    let before = schedules();
    let resumed = call(
        "/workflows/fired/triggers/resume",
        json!({"kind": "schedule"}),
    )
    .await;
    assert_eq!(resumed["paused"], false, "{resumed}");
    let (_, paused) = get(&http, &server.url("/triggers/paused"), &server.reader).await;
    let mut kinds: Vec<&str> = paused
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["kind"].as_str())
        .collect();
    kinds.sort();
    assert_eq!(kinds, ["change", "webhook"], "{paused}");
    // The schedule fires again; the webhook is still refused.
    until("the resumed schedule fired", async || {
        (schedules() > before).then_some(())
    })
    .await;
    let op = format!("Bearer {}", server.operator);
    let (code, _, body) = hook(&server, "/fire", "{}", &[("Authorization", op.as_str())]).await;
    assert_eq!(code, StatusCode::CONFLICT, "{body}");
    // The server's log says what it did in words, never `Some(…)`.
    let log = server.log.lock().unwrap().clone();
    assert!(!log.contains("Some("), "{log}");
    let resumed = log.lines().find(|l| l.contains("triggers resumed"));
    assert!(
        resumed.is_some_and(|l| l.contains("kind=schedule")),
        "{log}"
    );
    let paused = log.lines().find(|l| l.contains("triggers paused"));
    assert!(paused.is_some_and(|l| l.contains("every kind")), "{log}");
}

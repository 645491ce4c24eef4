//! Backfill on the real `wfc serve`: `POST /api/v1/workflows/{name}/
//! backfill` lists a range's slots, then (confirmed) runs one per slot with
//! its slot as `run.scheduled` — each slot once, even when sent twice at
//! once — and the dashboard's form on `/triggers` does the same after a
//! page that shows the slots; bad ranges answer their codes.

use super::dashboard::{client, login, page, pair};
use super::serve::{post, Server};
use reqwest::header::{COOKIE, LOCATION};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

const NIGHTLY: &str = r#"
workflow nightly {
  on schedule "0 2 * * *"
  step s: shell { run "echo ${run.scheduled} >> @DIR/slots.txt" }
}
"#;

async fn backfill(server: &Server, key: &str, body: Value) -> (StatusCode, Value) {
    let url = server.url("/workflows/nightly/backfill");
    post(&reqwest::Client::new(), &url, key, body).await
}

/// The slots run so far, once `n` have (at most 20 s).
fn slots_run(server: &Server, n: usize) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let text = std::fs::read_to_string(server.path("slots.txt")).unwrap_or_default();
        let lines: Vec<String> = text.lines().map(str::to_owned).collect();
        if lines.len() >= n || Instant::now() > deadline {
            return lines;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_backfill_sent_twice_runs_each_slot_once() {
    let server = Server::start(&[("nightly.wf", NIGHTLY)], &[]);
    let range = json!({"from": "2026-11-01", "to": "2026-11-10"});
    let (status, answer) = backfill(&server, &server.operator, range.clone()).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["started"], false);
    let slots = answer["slots"].as_array().unwrap();
    assert_eq!(slots.len(), 10);
    assert_eq!(slots[0], "2026-11-01T02:00:00Z");
    assert!(server.runs().await.is_empty());

    let (status, _) = backfill(&server, &server.reader, range.clone()).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let mut confirmed = range.clone();
    confirmed["confirm"] = json!(true);
    let (a, b) = tokio::join!(
        backfill(&server, &server.operator, confirmed.clone()),
        backfill(&server, &server.operator, confirmed.clone())
    );
    assert_eq!(
        (a.0, b.0),
        (StatusCode::ACCEPTED, StatusCode::ACCEPTED),
        "{a:?} {b:?}"
    );
    let lines = slots_run(&server, 10);
    assert_eq!(lines.len(), 10, "{lines:?}");
    assert_eq!(lines[0], "2026-11-01T02:00:00Z");
    assert_eq!(lines[9], "2026-11-10T02:00:00Z");
    // The second backfill finds every slot covered: nothing more runs.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let text = std::fs::read_to_string(server.path("slots.txt")).unwrap();
    assert_eq!(text.lines().count(), 10, "{text}");
    let runs = server.runs().await;
    assert_eq!(runs.len(), 10);
    assert!(runs.iter().all(|r| r["trigger"] == "backfill"), "{runs:?}");
    assert!(runs.iter().all(|r| r["started_by"] == "ops"), "{runs:?}");

    for (body, code) in [
        (json!({"from": "soon", "to": "2026-11-10"}), "E0990"),
        (json!({"from": "2026-11-10", "to": "2026-11-01"}), "E0990"),
        (json!({"from": "2026-01-01", "to": "2026-12-31"}), "E0991"),
        (
            json!({"from": "2026-01-01", "to": "2026-01-02", "schedule": 2}),
            "E0993",
        ),
    ] {
        let (status, answer) = backfill(&server, &server.operator, body.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {answer}");
        assert_eq!(answer["code"], "API005");
        assert!(
            answer["detail"].as_str().unwrap().starts_with(code),
            "{body}: {answer}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_dashboards_form_shows_the_slots_then_starts_them() {
    let server = Server::start(&[("nightly.wf", NIGHTLY)], &[]);
    let http = client();
    let cookie = pair(&login(&http, &server, &server.operator).await);
    let (_, _, html) = page(&http, &server, "/triggers", &cookie).await;
    assert!(html.contains("Backfill a past range"), "{html}");
    let at = html.find("name=\"csrf\" value=\"").unwrap() + 19;
    let csrf = html[at..].split('"').next().unwrap().to_owned();
    let send = |fields: Vec<(&'static str, String)>| {
        http.post(format!("{}/workflows/nightly/backfill", server.base))
            .header(COOKIE, &cookie)
            .form(&fields)
            .send()
    };
    let form = vec![
        ("csrf", csrf.clone()),
        ("schedule", "1".to_owned()),
        ("from", "2026-10-01T00:00".to_owned()),
        ("to", "2026-10-03T23:00".to_owned()),
    ];
    let r = send(form.clone()).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let confirm = r.text().await.unwrap();
    assert!(confirm.contains("Start 3 runs"), "{confirm}");
    assert!(server.runs().await.is_empty());
    // A bad range: its code, the form again with what was typed.
    let mut bad = form.clone();
    bad[2].1 = "2026-13-01".into();
    let r = send(bad).await.unwrap();
    let page_text = r.text().await.unwrap();
    assert!(
        page_text.contains("E0990") && page_text.contains("value=\"2026-13-01\""),
        "{page_text}"
    );

    let mut go = form.clone();
    go.push(("confirm", "1".to_owned()));
    let r = send(go).await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        r.headers()[LOCATION],
        "/runs?workflow=nightly&trigger=backfill"
    );
    let lines = slots_run(&server, 3);
    assert_eq!(
        lines,
        [
            "2026-10-01T02:00:00Z",
            "2026-10-02T02:00:00Z",
            "2026-10-03T02:00:00Z"
        ]
    );
    // A read key sees no form.
    let reader = pair(&login(&http, &server, &server.reader).await);
    let (_, _, html) = page(&http, &server, "/triggers", &reader).await;
    assert!(!html.contains("Backfill a past range"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_scheduled_run_is_given_its_slot() {
    let every = r#"
workflow tick {
  on schedule "* * * * * *"
  step s: shell { run "echo ${run.scheduled} ${run.started} ${run.trigger} >> @DIR/slots.txt" }
}
"#;
    let server = Server::start(&[("tick.wf", every)], &[]);
    let lines = slots_run(&server, 1);
    let (slot, rest) = lines[0].split_once(' ').unwrap();
    let (started, trigger) = rest.split_once(' ').unwrap();
    assert_eq!(trigger, "schedule");
    // A slot is a whole second; its run starts at or after it.
    let slot = chrono::DateTime::parse_from_rfc3339(slot).unwrap();
    let started = chrono::DateTime::parse_from_rfc3339(started).unwrap();
    assert_eq!(slot.timestamp_subsec_millis(), 0, "{}", lines[0]);
    assert!(
        slot <= started && started - slot < chrono::Duration::seconds(5),
        "{}",
        lines[0]
    );
}

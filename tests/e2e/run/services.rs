//! Steps that talk to servers: `http`, `webhook` and `slack` against an axum
//! server started here, `email` against the local SMTP sink, `docker`
//! against a Docker-API engine — each through the whole `wfc run`.

use crate::workflow;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::routing::any;
use axum::Router;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use wfc_testkit::{docker_engine, skip, SmtpSink};

#[derive(Clone, Default)]
struct Seen {
    requests: Arc<Mutex<Vec<(String, String, HeaderMap)>>>,
    flaky: Arc<AtomicU32>,
}

async fn handle(
    State(s): State<Seen>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, String) {
    let path = uri.path().to_owned();
    let text = String::from_utf8_lossy(&body).into_owned();
    s.requests
        .lock()
        .unwrap()
        .push((path.clone(), text, headers));
    match path.as_str() {
        "/health" => (
            StatusCode::OK,
            r#"{"status":"up","version":"1.4.2"}"#.into(),
        ),
        "/flaky" if s.flaky.fetch_add(1, Ordering::SeqCst) < 2 => {
            (StatusCode::SERVICE_UNAVAILABLE, "not yet".into())
        }
        "/flaky" => (StatusCode::OK, "ready".into()),
        "/hook" => (StatusCode::CREATED, "thanks".into()),
        "/fail" => (StatusCode::INTERNAL_SERVER_ERROR, "broken".into()),
        _ => (StatusCode::OK, "ok".into()),
    }
}

/// Starts the server; returns its base URL and what it saw.
fn server() -> (String, Seen) {
    let seen = Seen::default();
    let app = Router::new().fallback(any(handle)).with_state(seen.clone());
    (crate::serve(app), seen)
}

#[test]
fn http_webhook_and_slack_steps_against_a_real_server() {
    let (base, seen) = server();
    let c = workflow(
        r#"workflow svc {
          param base: string
          secret token: string = env("WFC_TEST_TOKEN")
          step health: http { get "${base}/health"  expect 200 }
          step flaky: http { get "${base}/flaky"  retry 3 }
          step hook: webhook {
            url "${base}/hook"
            json { version: health.json.version, ok: true }
            headers { Authorization = "Bearer ${token}" }
          }
          step notify: slack { webhook "${base}/slack"  message "deployed ${health.json.version}" }
          step text: http {
            post "${base}/hook"
            body "status=${health.status_code}"
            expect [201, 202]
          }
          step show: shell { run "echo ${hook.status_code} ${notify.delivered} ${flaky.body} >> log" }
        }"#,
    );
    let r = c
        .wfc_run(&[
            "--param",
            &format!("base={base}"),
            "--output",
            "report.json",
        ])
        .env("WFC_TEST_TOKEN", "s3cret-token")
        .output();
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(c.lines("log"), ["201 true ready"]);
    let reqs = seen.requests.lock().unwrap().clone();
    let find = |p: &str, body_has: &str| {
        reqs.iter()
            .find(|(path, body, _)| path == p && body.contains(body_has))
            .unwrap_or_else(|| panic!("no {p} request with {body_has:?}: {reqs:?}"))
            .clone()
    };
    let (_, body, headers) = find("/hook", "version");
    let j: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(j, serde_json::json!({"version": "1.4.2", "ok": true}));
    assert_eq!(headers["content-type"], "application/json");
    assert_eq!(headers["authorization"], "Bearer s3cret-token");
    find("/hook", "status=200");
    let (_, slack, _) = find("/slack", "deployed");
    assert!(slack.contains("deployed 1.4.2"), "{slack}");
    assert_eq!(
        reqs.iter().filter(|(p, _, _)| p == "/flaky").count(),
        3,
        "two 503s, then 200"
    );
    assert!(!c.read("report.json").contains("s3cret-token"));

    let c = workflow(
        r#"workflow bad {
          param base: string
          step hook: webhook { url "${base}/fail"  body "x" }
          step probe: http { get "${base}/health"  expect 204 }
        }"#,
    );
    let r = c.run(&["--param", &format!("base={base}"), "--keep-going"]);
    assert_eq!(r.code, 1, "{r}");
    assert!(r.stdout.contains("500"), "{r}");
    assert!(
        r.stdout.contains("200"),
        "the unexpected status is reported: {r}"
    );
}

/// `status` on http and webhook steps is how the step ended, as on every
/// kind; the response code is `status_code`. A failed `optional` probe still
/// lets its `status` reader run (the read is an `after`, not a dependency).
#[test]
fn http_status_is_how_the_step_ended_and_status_code_the_response_code() {
    let (base, _) = server();
    let c = workflow(
        r#"workflow w {
          param base: string
          step probe: http { get "${base}/health" }
          step hook: webhook { url "${base}/hook" }
          step broken: http { get "${base}/fail"  optional }
          step show: shell {
            run "echo ${probe.status} ${probe.status_code} ${hook.status} ${hook.status_code} ${broken.status} > out"
          }
        }"#,
    );
    let r = c.run(&["--param", &format!("base={base}")]);
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(c.lines("out"), ["succeeded 200 succeeded 201 failed"]);
}

/// A body that is not JSON has no `.json.name`: the step that needs it
/// fails, naming what has no value (it used to run with "" and succeed).
#[test]
fn a_field_of_a_body_that_is_not_json_is_never_empty_text() {
    let (base, _) = server();
    let c = workflow(
        r#"workflow w {
          param base: string
          step fetch: http { get "${base}/text" }
          step use: shell { run "echo id=${fetch.json.name} > out" }
        }"#,
    );
    let r = c.run(&[
        "--param",
        &format!("base={base}"),
        "--output",
        "report.json",
    ]);
    assert_eq!(r.code, 1, "{r}");
    assert!(!c.path("out").exists(), "{r}");
    let use_ = wfc_testkit::report_step(&c.report(), "use");
    assert_eq!(use_["status"], "failed");
    assert_eq!(use_["error"], "`${fetch.json.name}` has no value", "{r}");
}

#[test]
fn email_steps_deliver_to_a_local_smtp_sink() {
    let sink = match SmtpSink::start(&[]) {
        Ok(sink) => sink,
        Err(why) => return skip(&format!("the SMTP sink cannot run here: {why}")),
    };
    let port = sink.port;
    let c = workflow(
        r#"workflow mail {
          param port: int
          step count: shell { run "echo 42" }
          step report: email {
            to ["ops@example.com", "dev@example.com"]
            subject "ETL: ${trim(count.stdout)} rows"
            body "Loaded ${trim(count.stdout)} rows."
            smtp "smtp://127.0.0.1:${port}"
            from "etl@example.com"
          }
          step after: shell { run "echo ${report.delivered} >> log" }
        }"#,
    );
    let r = c.run(&["--param", &format!("port={port}")]);
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(c.lines("log"), ["true"]);
    let messages = sink.wait_messages(1);
    let (_, eml) = messages.first().expect("no message arrived");
    assert!(eml.contains("Subject: ETL: 42 rows"), "{eml}");
    assert!(eml.contains("Loaded 42 rows."), "{eml}");
}

#[test]
fn docker_steps_run_in_a_real_engine() {
    let engine = match docker_engine() {
        Ok(engine) => engine,
        Err(why) => return skip(&format!("no Docker-API engine can run here: {why}")),
    };
    let image = &engine.image;
    let c = workflow(&format!(
        r#"workflow d {{
          timeout 3m
          param who: string = "it's me; $(id)"
          step box: docker {{
            image "{image}"
            timeout 90s
            run "echo hello ${{who}}; echo n=5 >> $WF_OUTPUTS"
            outputs {{ n: int }}
          }}
          step after: shell {{ run "echo ${{box.outputs.n}} ${{trim(box.stdout)}} >> log" }}
        }}"#
    ));
    let r = c.wfc_run(&[]).env("DOCKER_HOST", &engine.host).output();
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(c.lines("log"), ["5 hello it's me; $(id)"]);
}

//! API keys under concurrency and rotation, on real `wfc keys` processes
//! and a real `wfc serve`: parallel `keys add` store every key they print,
//! a `revoke` beside other writers always holds, a dashboard session dies
//! with its key (not with its key's name), and revoking a key or logging
//! out ends the streams it opened.

use super::dashboard::{client, login, page, pair};
use super::serve::{get, Server};
use super::WFC;
use reqwest::header::COOKIE;
use reqwest::StatusCode;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const FLOWS: &str = r#"workflow talk {
  step talk: shell { run "for i in $(seq 1 200); do echo line $i; sleep 0.1; done" }
}
"#;

fn keys(state: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(WFC);
    c.arg("keys")
        .args(args)
        .arg("--state-dir")
        .arg(state)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    c
}

fn ended(children: Vec<Child>) -> Vec<Output> {
    children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .collect()
}

fn text(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr)
}

#[tokio::test(flavor = "multi_thread")]
async fn parallel_adds_store_every_key_they_print_and_revokes_hold() {
    let server = Server::start(&[("talk.wf", FLOWS)], &[]);
    let state = server.path("state");
    let http = reqwest::Client::new();

    // 40 `wfc keys add` at once: each prints a key, and each key lets in.
    let adds: Vec<Child> = (0..40)
        .map(|i| keys(&state, &["add", &format!("k{i}")]).spawn().unwrap())
        .collect();
    let printed: Vec<String> = ended(adds)
        .iter()
        .map(|o| {
            assert!(o.status.success(), "{}", text(o));
            String::from_utf8_lossy(&o.stdout).trim().to_owned()
        })
        .collect();
    let stored: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(state.join("keys.json")).unwrap()).unwrap();
    assert_eq!(stored["keys"].as_array().unwrap().len(), 42, "{stored}");
    for key in &printed {
        let (status, _) = get(&http, &server.url("/workflows"), key).await;
        assert_eq!(status, StatusCode::OK, "a printed key was not stored");
    }

    // A revoke beside other writers: it says "revoked", and it is.
    for round in 0..15 {
        let leaked = keys(&state, &["add", "leaked"]).output().unwrap();
        assert!(leaked.status.success(), "{}", text(&leaked));
        let leaked = String::from_utf8_lossy(&leaked.stdout).trim().to_owned();
        let mut writers = vec![keys(&state, &["revoke", "leaked"]).spawn().unwrap()];
        for i in 0..3 {
            let name = format!("r{round}-{i}");
            writers.push(keys(&state, &["add", &name]).spawn().unwrap());
        }
        for o in ended(writers) {
            assert!(o.status.success(), "round {round}: {}", text(&o));
        }
        let (status, _) = get(&http, &server.url("/workflows"), &leaked).await;
        assert_eq!(
            status,
            StatusCode::UNAUTHORIZED,
            "round {round}: the revoked key still works"
        );
    }
    let list = keys(&state, &["list"]).output().unwrap();
    assert!(list.status.success(), "{}", text(&list));
    // The lock file is there; no temporary file is left behind.
    let left: Vec<String> = std::fs::read_dir(&state)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("keys") && n != "keys.json" && n != "keys.json.lock")
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_session_dies_with_its_key_even_when_the_name_comes_back() {
    let server = Server::start(&[("talk.wf", FLOWS)], &[]);
    let state = server.path("state");
    let http = client();
    let cookie = pair(&login(&http, &server, &server.operator).await);
    let (status, _, body) = page(&http, &server, "/workflows/talk/start", &cookie).await;
    assert_eq!(status, StatusCode::OK);
    let csrf = csrf(&body);

    // Rotate the key: revoke it, add another under the same name.
    let revoked = keys(&state, &["revoke", "ops"]).output().unwrap();
    assert!(revoked.status.success(), "{}", text(&revoked));
    let added = keys(&state, &["add", "ops", "--role", "operator"])
        .output()
        .unwrap();
    assert!(added.status.success(), "{}", text(&added));

    let (status, location, _) = page(&http, &server, "/", &cookie).await;
    assert_eq!(
        (status, location.as_str()),
        (StatusCode::SEE_OTHER, "/login")
    );
    let started = http
        .post(format!("{}/workflows/talk/start", server.base))
        .header(COOKIE, &cookie)
        .form(&[("csrf", csrf)])
        .send()
        .await
        .unwrap();
    let location = started.headers().get("location").cloned();
    assert_eq!(started.status(), StatusCode::SEE_OTHER);
    assert_eq!(location.unwrap(), "/login");
    let (status, runs) = get(
        &reqwest::Client::new(),
        &server.url("/runs"),
        &server.reader,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        runs["runs"],
        serde_json::json!([]),
        "the old session started a run"
    );
}

/// The CSRF token of the first acting form on a page.
fn csrf(body: &str) -> String {
    body.split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a form with the session's CSRF token")
        .to_owned()
}

/// Reads `resp`'s body until it ends (`true`) or `within` passes.
async fn ends_within(resp: &mut reqwest::Response, within: Duration) -> bool {
    let deadline = Instant::now() + within;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, resp.chunk()).await {
            Ok(Ok(Some(_))) => continue,
            Ok(Ok(None)) | Ok(Err(_)) => return true,
            Err(_) => return false,
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn revoking_a_key_or_logging_out_ends_its_open_streams() {
    let server = Server::start(&[("talk.wf", FLOWS)], &[]);
    let state = server.path("state");
    let http = client();
    let (status, run) = super::serve::post(
        &http,
        &server.url("/workflows/talk/runs"),
        &server.operator,
        serde_json::json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{run}");
    let id = run["id"].as_str().unwrap().to_owned();

    // The dashboard's stream of the run, for a session of the operator.
    let cookie = pair(&login(&http, &server, &server.operator).await);
    let (_, _, body) = page(&http, &server, &format!("/runs/{id}"), &cookie).await;
    let csrf = csrf(&body);
    let mut dashboard = http
        .get(format!("{}/runs/{id}/events", server.base))
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(dashboard.status(), StatusCode::OK);
    // The API's streams of the reader's key: the run's, and every run's.
    let open = |path: String| {
        http.get(server.url(&path))
            .bearer_auth(&server.reader)
            .send()
    };
    let mut run_stream = open(format!("/runs/{id}/events")).await.unwrap();
    let mut all_stream = open("/events".to_owned()).await.unwrap();
    assert_eq!(run_stream.status(), StatusCode::OK);
    assert_eq!(all_stream.status(), StatusCode::OK);
    // Lines flow while the run talks.
    assert!(!ends_within(&mut run_stream, Duration::from_millis(800)).await);
    assert!(!ends_within(&mut dashboard, Duration::from_millis(300)).await);

    let revoked = keys(&state, &["revoke", "dash"]).output().unwrap();
    assert!(revoked.status.success(), "{}", text(&revoked));
    assert!(
        ends_within(&mut run_stream, Duration::from_secs(2)).await,
        "the run stream went on"
    );
    assert!(
        ends_within(&mut all_stream, Duration::from_secs(2)).await,
        "the events stream went on"
    );
    // The session's stream is not the revoked key's: it goes on, until logout.
    assert!(!ends_within(&mut dashboard, Duration::from_millis(500)).await);
    let out = http
        .post(format!("{}/logout", server.base))
        .header(COOKIE, &cookie)
        .form(&[("csrf", csrf)])
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    assert!(
        ends_within(&mut dashboard, Duration::from_secs(2)).await,
        "the session's stream went on"
    );
}

/// Guessing keys is slow: past 30 unknown keys a minute from one address,
/// every request from it gets 429 with `Retry-After`, a right key's too,
/// so a throttled guesser learns nothing from the answers.
#[tokio::test(flavor = "multi_thread")]
async fn unknown_keys_from_one_address_are_throttled() {
    let server = Server::start(&[("talk.wf", FLOWS)], &[]);
    let http = reqwest::Client::new();
    let mut statuses = Vec::new();
    for i in 0..40 {
        let r = http
            .get(server.url("/workflows"))
            .bearer_auth(format!("wfc_guess{i:03}"))
            .send()
            .await
            .unwrap();
        statuses.push(r.status().as_u16());
    }
    assert!(statuses[..30].iter().all(|s| *s == 401), "{statuses:?}");
    assert!(statuses[30..].iter().all(|s| *s == 429), "{statuses:?}");
    let r = http
        .get(server.url("/workflows"))
        .bearer_auth(&server.reader)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["code"], "API007", "{body}");
}

//! `wfc serve`'s webhooks (`POST /hooks/PATH`): signed and key-guarded
//! hooks, params from the request, rate limits — over real HTTP against
//! the real server, checked in what the steps wrote and in the run store.

use super::serve::Server;
use hmac::{Hmac, KeyInit, Mac};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

const SECRET: &str = "hook-s3cret-2718";

const RELEASE: &str = r#"
workflow release {
  on webhook "/release" {
    secret hook_key
    params { version = request.json.release.tag_name  n = request.json.n  by = request.headers["x-sender"] }
  }
  param version: string
  param n: int in 1..5 = 1
  param by: string = "nobody"
  secret hook_key: string = "hook-s3cret-2718"
  step ship: shell { run "echo ${version} ${n} ${by} >> @DIR/shipped.txt" }
}
"#;

const OPEN: &str = r#"
workflow open {
  on webhook "/team/open"
  param tag: string = "none"
  step note: shell { run "echo ${tag} >> @DIR/open.txt" }
}
"#;

/// `sha256=HEX` of `body` under `key`, as a forge signs it.
pub(super) fn sign(key: &str, body: &str) -> String {
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(key.as_bytes()).unwrap();
    mac.update(body.as_bytes());
    let bytes = mac.finalize().into_bytes();
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256={hex}")
}

/// POSTs `body` to hook `path` with `headers`; the status, `Retry-After` and JSON answer.
pub(super) async fn hook(
    server: &Server,
    path: &str,
    body: &str,
    headers: &[(&str, &str)],
) -> (StatusCode, Option<String>, Value) {
    let mut req = reqwest::Client::new()
        .post(format!("{}/hooks{path}", server.base))
        .body(body.to_owned());
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let r = req.send().await.unwrap();
    let status = r.status();
    let retry = r
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_owned());
    (status, retry, r.json().await.unwrap_or(Value::Null))
}

async fn signed(server: &Server, body: &str) -> (StatusCode, Option<String>, Value) {
    let sig = sign(SECRET, body);
    hook(
        server,
        "/release",
        body,
        &[("X-Hub-Signature-256", &sig), ("X-Sender", "forge")],
    )
    .await
}

fn codes(answer: &Value) -> Vec<String> {
    let mut out = vec![answer["code"].as_str().unwrap_or("").to_owned()];
    for d in answer["diagnostics"].as_array().into_iter().flatten() {
        out.push(d["code"].as_str().unwrap().to_owned());
    }
    out
}

fn read(server: &Server, name: &str) -> String {
    std::fs::read_to_string(server.path(name)).unwrap_or_default()
}

#[tokio::test]
async fn a_signed_webhook_starts_one_run_with_params_from_the_request() {
    let server = Server::start(&[("release.wf", RELEASE)], &[]);
    let d = server.dir.path().display().to_string();
    // A hostile tag stays a value: it is echoed, never run.
    let tag = format!("v1.2.3;touch {d}/pwned");
    let body = json!({"release": {"tag_name": tag}, "n": 3, "extra": [1, 2]}).to_string();
    let (status, _, answer) = signed(&server, &body).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{answer}");
    let id = answer["id"].as_str().unwrap().to_owned();
    assert_eq!(answer["url"], format!("/api/v1/runs/{id}"));

    let run = server.finished(&reqwest::Client::new(), &id).await;
    assert_eq!(run["status"], "succeeded", "{run}");
    assert_eq!(run["trigger"], "webhook");
    assert_eq!(
        run["params"],
        json!({"version": tag, "n": 3, "by": "forge", "hook_key": "***"})
    );
    assert_eq!(read(&server, "shipped.txt"), format!("{tag} 3 forge\n"));
    assert!(!server.path("pwned").exists());
    assert_eq!(server.runs().await.len(), 1);
}

#[tokio::test]
async fn unsigned_and_badly_signed_webhooks_create_nothing() {
    let server = Server::start(&[("release.wf", RELEASE)], &[]);
    let body = json!({"release": {"tag_name": "v9"}, "n": 1}).to_string();
    let wrong_key = sign("not-the-secret", &body);
    let other_body = sign(SECRET, "{}");
    let tampered = format!("{}0", &sign(SECRET, &body)[..70]);
    let cases: [&[(&str, &str)]; 5] = [
        &[],
        &[("X-Hub-Signature-256", &wrong_key)],
        &[("X-Hub-Signature-256", &other_body)],
        &[("X-Hub-Signature-256", &tampered)],
        &[("X-Hub-Signature-256", "sha1=abcd")],
    ];
    for headers in cases {
        let (status, _, answer) = hook(&server, "/release", &body, headers).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{headers:?}: {answer}");
        assert_eq!(answer["code"], "API040");
    }
    // An API key does not stand in for the signature.
    let op = format!("Bearer {}", server.operator);
    let (status, _, _) = hook(&server, "/release", &body, &[("Authorization", &op)]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    assert_eq!(server.runs().await, Vec::<Value>::new());
    assert!(!server.path("shipped.txt").exists());
    let log = server.log.lock().unwrap().clone();
    assert!(log.contains("webhook request refused"), "{log}");
    for leaked in [&wrong_key[7..], &other_body[7..], "v9", SECRET] {
        assert!(!log.contains(leaked), "the log shows {leaked}: {log}");
    }
}

#[tokio::test]
async fn bad_params_get_400_with_their_codes_and_no_run() {
    let server = Server::start(&[("release.wf", RELEASE)], &[]);
    let cases = [
        // No `release` in the body: the trigger param has no value.
        (json!({"n": 1}).to_string(), "API041"),
        // Outside `n`'s range.
        (
            json!({"release": {"tag_name": "v1"}, "n": 9}).to_string(),
            "E0404",
        ),
        // Of the wrong type.
        (
            json!({"release": {"tag_name": "v1"}, "n": "many"}).to_string(),
            "E0403",
        ),
        // Not JSON at all.
        ("release v1".to_owned(), "E0405"),
    ];
    for (body, code) in cases {
        let (status, _, answer) = signed(&server, &body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {answer}");
        let got = codes(&answer);
        assert_eq!(got[0], "API004", "{answer}");
        assert!(got.contains(&code.to_owned()), "{body}: {got:?} {answer}");
    }
    let (_, _, answer) = signed(&server, &json!({"n": 1}).to_string()).await;
    let message = answer["diagnostics"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("`version`") && message.contains("request.json.release.tag_name"),
        "{message}"
    );
    assert_eq!(server.runs().await, Vec::<Value>::new());
}

#[tokio::test]
async fn a_hook_without_a_secret_needs_an_operator_key() {
    let server = Server::start(&[("open.wf", OPEN), ("release.wf", RELEASE)], &[]);
    let body = json!({"tag": "t-7"}).to_string();
    let (status, _, answer) = hook(&server, "/team/open", &body, &[]).await;
    assert_eq!(
        (status, answer["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("API001"))
    );
    let read_key = format!("Bearer {}", server.reader);
    let (status, _, answer) = hook(
        &server,
        "/team/open",
        &body,
        &[("Authorization", &read_key)],
    )
    .await;
    assert_eq!(
        (status, answer["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("API002"))
    );
    assert_eq!(server.runs().await, Vec::<Value>::new());

    let op = format!("Bearer {}", server.operator);
    // Without `params { … }`, the body's fields bind by name.
    let (status, _, answer) = hook(&server, "/team/open", &body, &[("Authorization", &op)]).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{answer}");
    let run = server
        .finished(&reqwest::Client::new(), answer["id"].as_str().unwrap())
        .await;
    assert_eq!(
        (run["status"].as_str(), run["trigger"].as_str()),
        (Some("succeeded"), Some("webhook"))
    );
    assert_eq!(read(&server, "open.txt"), "t-7\n");
    // A field that names no param is left out (a real event has dozens);
    // one that binds with the wrong type is refused with its code.
    let (status, _, answer) = hook(
        &server,
        "/team/open",
        r#"{"tag": ["x"], "tga": "x"}"#,
        &[("Authorization", &op)],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(codes(&answer).contains(&"E0403".to_owned()), "{answer}");
    let (status, _, answer) = hook(&server, "/nope", "{}", &[("Authorization", &op)]).await;
    assert_eq!(
        (status, answer["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("API003"))
    );
}

#[tokio::test]
async fn a_hook_over_its_rate_gets_429() {
    let server = Server::start(
        &[("release.wf", RELEASE)],
        &["--rate-limit", "1", "--rate-burst", "2"],
    );
    let body = json!({"release": {"tag_name": "v1"}, "n": 1}).to_string();
    let mut answers = Vec::new();
    for _ in 0..3 {
        answers.push(signed(&server, &body).await);
    }
    let statuses: Vec<StatusCode> = answers.iter().map(|a| a.0).collect();
    assert_eq!(
        statuses,
        [
            StatusCode::ACCEPTED,
            StatusCode::ACCEPTED,
            StatusCode::TOO_MANY_REQUESTS
        ]
    );
    assert_eq!(answers[2].2["code"], "API043");
    assert!(answers[2]
        .1
        .as_deref()
        .is_some_and(|s| s.parse::<u64>().unwrap() >= 1));
    // Bad signatures are refused before the rate counts them.
    let (status, _, _) = hook(&server, "/release", &body, &[]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let deadline = Instant::now() + Duration::from_secs(10);
    while server.runs().await.iter().any(|r| r["status"] == "running") && Instant::now() < deadline
    {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(server.runs().await.len(), 2);
    assert_eq!(read(&server, "shipped.txt"), "v1 1 forge\nv1 1 forge\n");
}

#[tokio::test]
async fn a_hook_path_two_files_declare_is_served_by_the_first() {
    let second = OPEN
        .replace("workflow open", "workflow other")
        .replace("open.txt", "other.txt");
    let server = Server::start(&[("a.wf", OPEN), ("b.wf", &second)], &[]);
    let op = format!("Bearer {}", server.operator);
    let (status, _, answer) = hook(&server, "/team/open", "", &[("Authorization", &op)]).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{answer}");
    server
        .finished(&reqwest::Client::new(), answer["id"].as_str().unwrap())
        .await;
    assert_eq!(read(&server, "open.txt"), "none\n");
    assert!(!server.path("other.txt").exists());
    let log = server.log.lock().unwrap().clone();
    assert!(
        log.contains("two workflows declare one webhook path"),
        "{log}"
    );
    assert!(log.contains("b.wf"), "{log}");
}

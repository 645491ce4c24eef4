//! A webhook's credentials and its redeliveries, against the real server:
//! no header that carries a credential reaches a param (a `read` key could
//! read it back and replay the hook), and a delivery its sender retries
//! starts one run, however often it comes and across a server's kill -9.

use super::serve::Server;
use super::serve_hooks::{hook, sign};
use reqwest::StatusCode;
use serde_json::json;

const SECRET: &str = "hook-s3cret-1618";

const DEPLOY: &str = r#"
workflow deploy {
  on webhook "/deploy" {
    secret hook_key
    params { who = request.headers["x-sender"]  token = default(request.headers["x-gitlab-token"], "none") }
  }
  param who: string
  param token: string = "none"
  secret hook_key: string = "hook-s3cret-1618"
  step ship: shell { run "echo ${who} >> @DIR/shipped.txt" }
}
"#;

const ECHO: &str = r#"
workflow echo {
  on webhook "/echo" {
    secret hook_key
    params { key = request.headers["x-api-key"] }
  }
  param key: string
  secret hook_key: string = "hook-s3cret-1618"
  step say: shell { run "true" }
}
"#;

#[test]
fn a_header_carrying_a_credential_never_reaches_a_param() {
    for name in [
        "authorization",
        "proxy-authorization",
        "cookie",
        "x-gitlab-token",
        "x-api-key",
        "x-hub-signature-256",
        "x-hub-signature",
        "x-slack-signature",
        "x-auth-user",
        "x-session-id",
        "x-vault-secret",
        "apikey",
    ] {
        assert!(wfc_serve::hooks::carries_credential(name), "{name}");
    }
    for name in [
        "x-sender",
        "x-github-event",
        "x-github-delivery",
        "content-type",
        "user-agent",
        "x-forwarded-for",
    ] {
        assert!(!wfc_serve::hooks::carries_credential(name), "{name}");
    }
}

/// The signed `/deploy` hook with a token header, as delivery `id`.
async fn deliver(
    server: &Server,
    body: &str,
    sig: &str,
    id: &str,
) -> (StatusCode, Option<String>, serde_json::Value) {
    let headers = [
        ("X-Hub-Signature-256", sig),
        ("X-Sender", "forge"),
        ("X-Gitlab-Token", "glpat-secret-000"),
        ("X-GitHub-Delivery", id),
    ];
    hook(server, "/deploy", body, &headers).await
}

#[tokio::test]
async fn credentials_in_headers_are_not_params_and_a_redelivery_starts_nothing() {
    let mut server = Server::start(&[("deploy.wf", DEPLOY), ("echo.wf", ECHO)], &[]);
    let body = json!({"ref": "main"}).to_string();
    let sig = sign(SECRET, &body);

    // A token in a header is not there for the params: the hook that
    // reads it gets no value, and nothing starts.
    let (status, _, answer) = hook(
        &server,
        "/echo",
        &body,
        &[("X-Hub-Signature-256", &sig), ("X-Api-Key", "k-31337")],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    assert!(answer.to_string().contains("API041"), "{answer}");
    assert!(!answer.to_string().contains("k-31337"), "{answer}");

    // One delivery, sent four times (a sender's retries): one run.
    let (status, _, first) = deliver(&server, &body, &sig, "d-0001").await;
    assert_eq!(status, StatusCode::ACCEPTED, "{first}");
    let id = first["id"].as_str().unwrap().to_owned();
    assert!(first.get("replay").is_none(), "{first}");
    for _ in 0..3 {
        let (status, _, again) = deliver(&server, &body, &sig, "d-0001").await;
        assert_eq!(status, StatusCode::ACCEPTED, "{again}");
        assert_eq!(again["id"], id.as_str(), "{again}");
        assert_eq!(again["replay"], true, "{again}");
    }
    let run = server.finished(&reqwest::Client::new(), &id).await;
    assert_eq!(run["status"], "succeeded", "{run}");
    // What a read key sees of the run holds no token.
    assert_eq!(
        run["params"],
        json!({"who": "forge", "token": "none", "hook_key": "***"})
    );
    assert_eq!(server.runs().await.len(), 1);

    // Another delivery is another run.
    let (status, _, other) = deliver(&server, &body, &sig, "d-0002").await;
    assert_eq!(status, StatusCode::ACCEPTED, "{other}");
    let other = other["id"].as_str().unwrap().to_owned();
    server.finished(&reqwest::Client::new(), &other).await;

    // The deliveries are in the store: a restarted server knows them.
    server.signal(nix::sys::signal::Signal::SIGKILL);
    server.child.wait().unwrap();
    let flows = server.path("flows");
    server.restart(&[], &flows);
    let (status, _, again) = deliver(&server, &body, &sig, "d-0001").await;
    assert_eq!(status, StatusCode::ACCEPTED, "{again}");
    assert_eq!(again["id"], id.as_str());
    assert_eq!(again["replay"], true, "{again}");
    assert_eq!(server.runs().await.len(), 2);
    let shipped = std::fs::read_to_string(server.path("shipped.txt")).unwrap();
    assert_eq!(shipped, "forge\nforge\n");
}

#[tokio::test]
async fn deliveries_of_one_id_sent_together_start_exactly_one_run() {
    let server = Server::start(&[("deploy.wf", DEPLOY)], &[]);
    let body = json!({"ref": "main"}).to_string();
    let sig = sign(SECRET, &body);
    let sends = (0..8).map(|_| deliver(&server, &body, &sig, "d-together"));
    let answers = futures::future::join_all(sends).await;
    let mut ids = std::collections::BTreeSet::new();
    let mut replays = 0;
    for (status, _, answer) in &answers {
        assert_eq!(*status, StatusCode::ACCEPTED, "{answer}");
        ids.insert(answer["id"].as_str().unwrap().to_owned());
        replays += usize::from(answer["replay"] == true);
    }
    assert_eq!(ids.len(), 1, "one run for every answer: {answers:?}");
    assert_eq!(replays, 7, "{answers:?}");
    let id = ids.into_iter().next().unwrap();
    server.finished(&reqwest::Client::new(), &id).await;
    assert_eq!(server.runs().await.len(), 1);
    let shipped = std::fs::read_to_string(server.path("shipped.txt")).unwrap();
    assert_eq!(shipped, "forge\n");
}

/// The signed `/deploy` hook with `ids` as its headers: the answer.
async fn deliver_with(server: &Server, ids: &[(&str, &str)]) -> serde_json::Value {
    let body = json!({"ref": "main"}).to_string();
    let sig = sign(SECRET, &body);
    let mut headers = vec![("X-Hub-Signature-256", sig.as_str()), ("X-Sender", "forge")];
    headers.extend_from_slice(ids);
    let (status, _, answer) = hook(server, "/deploy", &body, &headers).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{answer}");
    answer
}

#[tokio::test]
async fn x_request_id_names_a_delivery_after_a_senders_own_id() {
    let server = Server::start(&[("deploy.wf", DEPLOY)], &[]);
    // `X-Request-Id` alone names the delivery: a retry starts nothing.
    let first = deliver_with(&server, &[("X-Request-Id", "r-1")]).await;
    let again = deliver_with(&server, &[("X-Request-Id", "r-1")]).await;
    assert_eq!(again["id"], first["id"], "{again}");
    assert_eq!(again["replay"], true, "{again}");
    // A sender's own id wins over the one a proxy sets on each request.
    let gh = [("X-GitHub-Delivery", "g-1"), ("X-Request-Id", "p-1")];
    let gh = deliver_with(&server, &gh).await;
    assert!(gh.get("replay").is_none(), "{gh}");
    let retried = [("X-GitHub-Delivery", "g-1"), ("X-Request-Id", "p-2")];
    let retried = deliver_with(&server, &retried).await;
    assert_eq!(retried["id"], gh["id"], "{retried}");
    assert_eq!(retried["replay"], true, "{retried}");
    for run in [&first, &gh] {
        let id = run["id"].as_str().unwrap();
        server.finished(&reqwest::Client::new(), id).await;
    }
    assert_eq!(server.runs().await.len(), 2);
}

//! The webhook deliveries that started nothing, on the real `wfc serve`:
//! kept with their answer and why at once (`GET /workflows/{name}/
//! deliveries`, `/triggers`), redelivered by an operator once the cause is
//! fixed (a signed hook's kept signature checked again), at most one run
//! however often; a request that may carry a secret is not kept; a flood
//! of refusals keeps a bounded number.

use super::dashboard::{client, login, page, pair};
use super::serve::{get, post, Server};
use super::serve_hooks::{hook, sign};
use reqwest::header::{COOKIE, LOCATION};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

const SECRET: &str = "hook-s3cret-2718";

/// A signed hook whose secret has no value on the server.
const UNSET: &str = r#"
workflow release {
  on webhook "/release" { secret hook_key }
  param version: string = "none"
  secret hook_key: string
  step ship: shell { run "echo ${version} >> @DIR/shipped.txt" }
}
"#;

/// Its deliveries that started nothing, as the API lists them.
async fn failed(server: &Server, workflow: &str) -> Vec<Value> {
    let url = server.url(&format!("/workflows/{workflow}/deliveries"));
    let (status, list) = get(&reqwest::Client::new(), &url, &server.reader).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    list.as_array().unwrap().clone()
}

async fn redeliver(server: &Server, key: &str, id: &str) -> (StatusCode, Value) {
    let url = server.url(&format!("/deliveries/{id}/redeliver"));
    post(&reqwest::Client::new(), &url, key, json!({})).await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_delivery_is_listed_at_once_and_redelivered_once_fixed() {
    let server = Server::start(&[("release.wf", UNSET)], &[]);
    let body = json!({"version": "1.2.3"}).to_string();
    let sig = sign(SECRET, &body);
    let headers = [
        ("X-Hub-Signature-256", sig.as_str()),
        ("X-GitHub-Delivery", "d-1"),
        ("Content-Type", "application/json"),
    ];
    let (status, _, answer) = hook(&server, "/release", &body, &headers).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{answer}");
    let answered = Instant::now();
    // Listed within a second of its answer, with the reason the answer
    // leaves out (a sender learns how to sign, the operator what is wrong).
    let listed = loop {
        let listed = failed(&server, "release").await;
        if !listed.is_empty() || answered.elapsed() > Duration::from_secs(1) {
            break listed;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(
        listed.len(),
        1,
        "listed within 1 s of the answer: {listed:?}"
    );
    let d = &listed[0];
    assert_eq!(d["status"], 401);
    assert_eq!(d["code"], "API040");
    assert_eq!(d["delivery"], "d-1");
    assert_eq!(d["redeliverable"], true);
    assert_eq!(d["hook"], "/release");
    let reason = d["reason"].as_str().unwrap();
    assert!(reason.contains("`hook_key` has no value"), "{reason}");
    // The kept signature is never shown.
    assert!(!d.to_string().contains(&sig[7..]), "{d}");
    let id = d["id"].as_str().unwrap().to_owned();

    // On /triggers, with a Redeliver button for an operator.
    let http = client();
    let cookie = pair(&login(&http, &server, &server.operator).await);
    let (_, _, html) = page(&http, &server, "/triggers", &cookie).await;
    for shown in [
        "Webhook deliveries that started nothing",
        "API040",
        "d-1",
        "Redeliver",
    ] {
        assert!(
            html.contains(shown),
            "`{shown}` is not on /triggers: {html}"
        );
    }
    let reader = pair(&login(&http, &server, &server.reader).await);
    let (_, _, html) = page(&http, &server, "/triggers", &reader).await;
    assert!(html.contains("API040") && !html.contains(">Redeliver</button>"));

    // A read key may not; nothing is fixed yet: refused again, and kept.
    let (status, answer) = redeliver(&server, &server.reader, &id).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{answer}");
    let (status, answer) = redeliver(&server, &server.operator, &id).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{answer}");
    assert_eq!(failed(&server, "release").await.len(), 2);
    let (status, _) = redeliver(&server, &server.operator, "no-such-id").await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // The secret gets its value: the kept request, signed as it was, starts its run.
    let fixed = UNSET.replace(
        "secret hook_key: string\n",
        &format!("secret hook_key: string = \"{SECRET}\"\n"),
    );
    let d = server.dir.path().display().to_string();
    std::fs::write(server.path("flows/release.wf"), fixed.replace("@DIR", &d)).unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    let (status, answer) = loop {
        let (status, answer) = redeliver(&server, &server.operator, &id).await;
        if status == StatusCode::ACCEPTED || Instant::now() > deadline {
            break (status, answer);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(status, StatusCode::ACCEPTED, "{answer}");
    let run_id = answer["id"].as_str().unwrap().to_owned();
    let run = server.finished(&http, &run_id).await;
    assert_eq!(run["status"], "succeeded", "{run}");
    assert_eq!(run["trigger"], "webhook");
    assert_eq!(run["started_by"], "/release (redelivered by ops)", "{run}");
    let shipped = std::fs::read_to_string(server.path("shipped.txt")).unwrap();
    assert_eq!(shipped, "1.2.3\n");

    // Pressed again (from the dashboard this time): the same run, no other.
    let (_, _, html) = page(&http, &server, "/triggers", &cookie).await;
    assert!(
        html.contains(&format!("Started run {run_id} since")),
        "{html}"
    );
    let at = html.find("name=\"csrf\" value=\"").unwrap() + 19;
    let csrf = html[at..].split('"').next().unwrap();
    let r = http
        .post(format!("{}/deliveries/{id}/redeliver", server.base))
        .header(COOKIE, &cookie)
        .form(&[("csrf", csrf)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let to = r.headers()[LOCATION].to_str().unwrap().to_owned();
    assert_eq!(to, format!("/runs/{run_id}?done=redelivered"));
    let (_, _, run_page) = page(&http, &server, &to, &cookie).await;
    assert!(run_page.contains(": redelivered."), "{run_page}");
    let (status, answer) = redeliver(&server, &server.operator, &id).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(
        (answer["id"].as_str(), answer["replay"].as_bool()),
        (Some(run_id.as_str()), Some(true))
    );
    assert_eq!(server.runs().await.len(), 1);
    assert_eq!(
        std::fs::read_to_string(server.path("shipped.txt")).unwrap(),
        "1.2.3\n"
    );
}

/// An unsigned hook whose params fill a secret, and one that checks a `when`.
const TOKENED: &str = r#"
workflow deploy {
  on webhook "/deploy" { params { token = request.json.token } }
  secret token: string = "unset"
  step go: shell { run "true" }
}

workflow tagged {
  on webhook "/tagged" { when starts_with(request.json.ref, "refs/tags/") }
  param ref: string = ""
  step go: shell { run "echo ${ref} >> @DIR/tagged.txt" }
}
"#;

#[tokio::test(flavor = "multi_thread")]
async fn a_request_that_may_carry_a_secret_is_listed_but_never_kept() {
    let server = Server::start(&[("deploy.wf", TOKENED)], &[]);
    let body = json!({"token": "tok-9f8e7d"}).to_string();
    // No key: refused, listed, its body not written anywhere.
    let (status, _, answer) = hook(&server, "/deploy", &body, &[]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{answer}");
    let listed = failed(&server, "deploy").await;
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0]["redeliverable"], false);
    let why = listed[0]["not_kept"].as_str().unwrap();
    assert!(why.contains("secret param `token`"), "{why}");
    let id = listed[0]["id"].as_str().unwrap();
    let (status, answer) = redeliver(&server, &server.operator, id).await;
    assert_eq!(status, StatusCode::CONFLICT, "{answer}");
    assert_eq!(answer["code"], "API006");
    let state = server.path("state");
    for entry in walk(&state) {
        let bytes = std::fs::read(&entry).unwrap_or_default();
        let text = String::from_utf8_lossy(&bytes);
        assert!(
            !text.contains("tok-9f8e7d"),
            "{} holds the secret",
            entry.display()
        );
    }

    // A key-guarded hook's request sent without a key is kept (no credential
    // in it): an operator's redelivery is its key; a `when` still decides.
    let (status, _, _) = hook(&server, "/tagged", r#"{"ref": "refs/heads/x"}"#, &[]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let op = format!("Bearer {}", server.operator);
    let (status, _, answer) = hook(
        &server,
        "/tagged",
        r#"{"ref": "refs/heads/y"}"#,
        &[("Authorization", &op)],
    )
    .await;
    assert_eq!(
        (status, answer["status"].as_str()),
        (StatusCode::ACCEPTED, Some("ignored"))
    );
    let listed = failed(&server, "tagged").await;
    let codes: Vec<_> = listed.iter().map(|d| d["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["API100", "API001"], "newest first: {listed:?}");
    assert!(!listed
        .iter()
        .any(|d| d.to_string().contains(&server.operator)));
    // Redelivered, the first is started by the operator's key — its `when`
    // turns it down, kept again.
    let first = listed[1]["id"].as_str().unwrap();
    let (status, answer) = redeliver(&server, &server.operator, first).await;
    assert_eq!(
        (status, answer["status"].as_str()),
        (StatusCode::ACCEPTED, Some("ignored"))
    );
    assert_eq!(failed(&server, "tagged").await.len(), 3);
    assert!(server.runs().await.is_empty());
}

/// Every file under `dir`.
fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn a_flood_of_bad_signatures_keeps_a_bounded_few_and_a_forged_one_stays_refused() {
    let fixed = UNSET.replace(
        "secret hook_key: string\n",
        &format!("secret hook_key: string = \"{SECRET}\"\n"),
    );
    let server = Server::start(&[("release.wf", &fixed)], &[]);
    let body = json!({"version": "6.6.6"}).to_string();
    let forged = sign("not-the-secret", &body);
    let http = reqwest::Client::new();
    let sends = (0..300).map(|_| {
        http.post(format!("{}/hooks/release", server.base))
            .header("X-Hub-Signature-256", &forged)
            .body(body.clone())
            .send()
    });
    for r in futures::future::join_all(sends).await {
        assert_eq!(r.unwrap().status(), StatusCode::UNAUTHORIZED);
    }
    let listed = failed(&server, "release").await;
    eprintln!("kept {} of 300 forged requests", listed.len());
    assert!(
        !listed.is_empty() && listed.len() <= 50,
        "kept {} of 300 (at most 50 per hook)",
        listed.len()
    );
    assert!(listed
        .iter()
        .all(|d| d["reason"].as_str().unwrap().contains("does not match")));
    // Redelivered, the kept signature is checked again: still no run.
    let id = listed[0]["id"].as_str().unwrap();
    let (status, answer) = redeliver(&server, &server.operator, id).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{answer}");
    assert!(server.runs().await.is_empty());
    assert!(!server.path("shipped.txt").exists());
}

/// A body over `--max-body` to a served hook: `413`, listed with its size
/// and why nothing of it is kept; one sent in chunks without a length is
/// read only up to the limit, and listed too.
#[tokio::test(flavor = "multi_thread")]
async fn a_body_over_the_limit_is_refused_and_listed_unread() {
    let server = Server::start(&[("release.wf", UNSET)], &["--max-body", "1024"]);
    let body = format!("{{\"version\": \"{}\"}}", "9".repeat(4000));
    let (status, _, answer) = hook(&server, "/release", &body, &[]).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{answer}");
    assert_eq!(answer["code"], "API010", "{answer}");
    let listed = failed(&server, "release").await;
    assert_eq!(listed.len(), 1, "{listed:?}");
    let d = &listed[0];
    assert_eq!(d["status"], 413, "{d}");
    assert_eq!(d["code"], "API010", "{d}");
    assert_eq!(d["redeliverable"], false, "{d}");
    let reason = d["reason"].as_str().unwrap();
    let size = body.len();
    assert!(
        reason.contains(&format!("{size} bytes, over `--max-body` (1024 bytes)")),
        "{reason}"
    );
    assert!(d["not_kept"].as_str().unwrap().contains("not read"), "{d}");

    // Chunked, no length: the server stops reading at the limit.
    let addr = server.base.trim_start_matches("http://").to_owned();
    let answer = tokio::task::spawn_blocking(move || {
        use std::io::{Read, Write};
        let mut s = std::net::TcpStream::connect(addr).unwrap();
        let head = "POST /hooks/release HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
        s.write_all(head.as_bytes()).unwrap();
        let chunk = "a".repeat(800);
        for _ in 0..3 {
            // The server may answer (and close) before all is sent.
            let _ = s.write_all(format!("{:x}\r\n{chunk}\r\n", chunk.len()).as_bytes());
        }
        let _ = s.write_all(b"0\r\n\r\n");
        let mut answer = String::new();
        let _ = s.read_to_string(&mut answer);
        answer
    })
    .await
    .unwrap();
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    let listed = failed(&server, "release").await;
    assert_eq!(listed.len(), 2, "{listed:?}");
    let reasons: Vec<&str> = listed
        .iter()
        .map(|d| d["reason"].as_str().unwrap())
        .collect();
    assert!(
        reasons.contains(&"its body is over `--max-body` (1024 bytes)"),
        "{reasons:?}"
    );
    assert!(server.runs().await.is_empty());
}

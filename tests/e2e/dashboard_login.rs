//! The dashboard's login limit, on the real `wfc serve` over real HTTP:
//! too many `POST /login` from one address get a 429 page with its code and
//! `Retry-After`, a good key from that address too until the wait is over,
//! and the server's log never holds a key typed.

use super::serve::Server;
use reqwest::header::{LOCATION, RETRY_AFTER, SET_COOKIE};
use reqwest::{redirect, StatusCode};
use std::time::{Duration, Instant};

const FLOWS: &str = "workflow hello {\n  step a: shell { run \"true\" }\n}\n";

/// One login with `key`: the status, `Retry-After` (if any) and body.
async fn login(
    http: &reqwest::Client,
    server: &Server,
    key: &str,
) -> (StatusCode, Option<u64>, String) {
    let r = http
        .post(format!("{}/login", server.base))
        .form(&[("key", key)])
        .send()
        .await
        .unwrap();
    let retry = r
        .headers()
        .get(RETRY_AFTER)
        .map(|v| v.to_str().unwrap().parse().unwrap());
    (r.status(), retry, r.text().await.unwrap())
}

#[tokio::test(flavor = "multi_thread")]
async fn too_many_logins_from_one_address_are_refused_for_a_while() {
    let server = Server::start(&[("hello.wf", FLOWS)], &[]);
    let http = reqwest::Client::builder()
        .redirect(redirect::Policy::none())
        .build()
        .unwrap();
    let guesses: Vec<String> = (0..20).map(|i| format!("wfc_guess-{i:02}-zq")).collect();
    let mut statuses = Vec::new();
    for guess in &guesses {
        let (status, retry, body) = login(&http, &server, guess).await;
        if status == StatusCode::TOO_MANY_REQUESTS {
            let secs = retry.expect("a 429 says when to come back");
            assert!((1..=6).contains(&secs), "Retry-After: {secs}");
            assert!(body.contains("API007"), "{body}");
        } else {
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
            assert!(body.contains("API080"), "{body}");
        }
        statuses.push(status);
    }
    // The burst (5) is let through to be refused as unknown keys; the rest wait.
    let refused = |s: &[StatusCode]| {
        s.iter()
            .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
            .count()
    };
    assert_eq!(refused(&statuses[..5]), 0, "{statuses:?}");
    assert!(refused(&statuses[5..]) >= 14, "{statuses:?}");

    // A good key from the same address waits too: the limit is the address's.
    let (status, retry, _) = login(&http, &server, &server.operator).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    let wait = Duration::from_secs(retry.unwrap());
    tokio::time::sleep(wait).await;
    let deadline = Instant::now() + Duration::from_secs(8);
    let r = loop {
        let r = http
            .post(format!("{}/login", server.base))
            .form(&[("key", server.operator.as_str())])
            .send()
            .await
            .unwrap();
        if r.status() != StatusCode::TOO_MANY_REQUESTS || Instant::now() > deadline {
            break r;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "once the wait is over");
    assert_eq!(r.headers()[LOCATION], "/");
    assert!(r.headers().contains_key(SET_COOKIE));

    let log = server.log.lock().unwrap().clone();
    assert!(log.contains("too many attempts"), "{log}");
    for key in guesses.iter().chain([&server.operator, &server.reader]) {
        assert!(
            !log.contains(key.as_str()),
            "a key typed is in the log: {log}"
        );
    }
}

//! The dashboard's login limit, on the real `wfc serve` over real HTTP:
//! too many `POST /login` from one address get a 429 page with its code and
//! `Retry-After`, a good key from that address too until the wait is over,
//! and the server's log never holds a key typed. Logging in goes back to
//! the page asked for, only ever a path of this server.

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

/// Logs in with the operator's key, `cookies` and `fields` sent along:
/// where the answer sends the browser.
async fn login_to(
    http: &reqwest::Client,
    server: &Server,
    cookies: &str,
    fields: &[(&str, &str)],
) -> String {
    let mut form = vec![("key", server.operator.as_str())];
    form.extend_from_slice(fields);
    let r = http
        .post(format!("{}/login", server.base))
        .header(reqwest::header::COOKIE, cookies)
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    r.headers()[LOCATION].to_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn logging_in_goes_back_to_the_page_asked_for_and_only_to_this_server() {
    let server = Server::start(&[("hello.wf", FLOWS)], &[]);
    let http = reqwest::Client::builder()
        .redirect(redirect::Policy::none())
        .build()
        .unwrap();
    // A browser's page without a session: to /login, the page remembered.
    let r = http
        .get(format!("{}/runs?status=failed&q=a%3Bb", server.base))
        .header(reqwest::header::ACCEPT, "text/html,application/xhtml+xml")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()[LOCATION], "/login");
    let set = r.headers()[SET_COOKIE].to_str().unwrap().to_owned();
    assert!(
        set.contains("Path=/login") && set.contains("HttpOnly"),
        "{set}"
    );
    let remembered = set.split(';').next().unwrap();
    let to = login_to(&http, &server, remembered, &[]).await;
    assert_eq!(to, "/runs?status=failed&q=a%3Bb");
    // The form's `next` (from /login?next=), when it is a path here.
    let (_, _, form) = {
        let r = http
            .get(format!("{}/login?next=/waiting", server.base))
            .send()
            .await
            .unwrap();
        (r.status(), (), r.text().await.unwrap())
    };
    assert!(
        form.contains("name=\"next\" value=\"&#x2f;waiting\""),
        "{form}"
    );
    assert_eq!(
        login_to(&http, &server, "", &[("next", "/waiting")]).await,
        "/waiting"
    );
    // Another origin is never kept (logins are limited: the form tells).
    for elsewhere in [
        "//evil.example/x",
        "https://evil.example/",
        "/\\evil.example",
        "/logout",
    ] {
        let url = format!(
            "{}/login?next={}",
            server.base,
            elsewhere.replace('/', "%2F")
        );
        let form = http.get(url).send().await.unwrap().text().await.unwrap();
        assert!(!form.contains("name=\"next\""), "{elsewhere}: {form}");
    }
    let to = login_to(&http, &server, "", &[("next", "//evil.example/x")]).await;
    assert_eq!(to, "/");
    let evil: String = "//evil.example"
        .bytes()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(
        login_to(&http, &server, &format!("wfc_next={evil}"), &[]).await,
        "/"
    );
    // An event stream or a fetch is not a page to come back to.
    let r = http
        .get(format!("{}/runs/last/events", server.base))
        .header(reqwest::header::ACCEPT, "text/event-stream")
        .send()
        .await
        .unwrap();
    assert!(r.headers().get(SET_COOKIE).is_none());
}

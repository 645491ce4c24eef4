//! The dashboard of the real `wfc serve`, over real HTTP (reqwest, the
//! session cookie kept by hand so its attributes can be read): login and
//! its cookie, revoking a key and logging out with the CSRF token, the
//! workflows and runs pages read back against the runs the API started,
//! and values escaped, never markup.

use super::serve::{post, Server};
use super::WFC;
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use reqwest::{redirect, StatusCode};
use serde_json::json;

const FLOWS: &str = r#"
workflow greet {
  description "Says <b>hello</b>"
  on schedule "30 4 * * *" { timezone "Europe/Berlin" }
  param who: string = "<script>alert(1)</script>"
  param n: int in 1..5 = 2
  step greet: shell { run "echo ${n} >> @DIR/greeted.txt" }
}

workflow boom {
  step fail: shell { run "exit 3" }
}
"#;

/// A client that follows no redirect: the tests read each `Location`.
pub(super) fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(redirect::Policy::none())
        .build()
        .unwrap()
}

/// Logs in with `key`; the `Set-Cookie` header the server answered.
pub(super) async fn login(http: &reqwest::Client, server: &Server, key: &str) -> String {
    let r = http
        .post(format!("{}/login", server.base))
        .form(&[("key", key)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()[LOCATION], "/");
    r.headers()[SET_COOKIE].to_str().unwrap().to_owned()
}

/// `name=value` of a `Set-Cookie` header, as a `Cookie` header sends it.
pub(super) fn pair(set_cookie: &str) -> String {
    set_cookie.split(';').next().unwrap().to_owned()
}

/// The page at `path` with `cookie`: its status, `Location` and body.
pub(super) async fn page(
    http: &reqwest::Client,
    server: &Server,
    path: &str,
    cookie: &str,
) -> (StatusCode, String, String) {
    let r = http
        .get(format!("{}{path}", server.base))
        .header(COOKIE, cookie)
        .send()
        .await
        .unwrap();
    let status = r.status();
    let location = r
        .headers()
        .get(LOCATION)
        .map(|l| l.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, location, r.text().await.unwrap())
}

#[tokio::test(flavor = "multi_thread")]
async fn login_sets_a_strict_cookie_without_the_key_and_logout_needs_the_csrf_token() {
    let server = Server::start(&[("flows.wf", FLOWS)], &[]);
    let http = client();
    for path in ["/", "/runs", "/runs/last"] {
        let (status, location, _) = page(&http, &server, path, "").await;
        assert_eq!(
            (status, location.as_str()),
            (StatusCode::SEE_OTHER, "/login"),
            "{path}"
        );
    }
    let (status, _, _) = page(&http, &server, "/", "wfc_session=made-up").await;
    assert_eq!(
        status,
        StatusCode::SEE_OTHER,
        "an unknown session id is no session"
    );

    let bad = http
        .post(format!("{}/login", server.base))
        .form(&[("key", "wfc_not-a-key")])
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::UNAUTHORIZED);
    assert!(bad.headers().get(SET_COOKIE).is_none());
    let body = bad.text().await.unwrap();
    assert!(
        body.contains("API080") && body.contains("<form method=\"post\" action=\"/login\">"),
        "{body}"
    );

    let set = login(&http, &server, &server.reader).await;
    let attrs: Vec<&str> = set.split(';').map(str::trim).collect();
    assert!(
        attrs.contains(&"HttpOnly") && attrs.contains(&"SameSite=Strict"),
        "{set}"
    );
    assert!(!attrs.contains(&"Secure"), "plain http: {set}");
    assert!(
        !set.contains(&server.reader),
        "the cookie holds the key: {set}"
    );
    let cookie = pair(&set);

    let (status, _, body) = page(&http, &server, "/", &cookie).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(
        body.contains("dash") && body.contains("(read)"),
        "who is logged in: {body}"
    );
    assert!(!body.contains(&server.reader));

    // Behind a TLS proxy, the cookie is `Secure`.
    let https = http
        .post(format!("{}/login", server.base))
        .header("x-forwarded-proto", "https")
        .form(&[("key", server.operator.as_str())])
        .send()
        .await
        .unwrap();
    let set = https.headers()[SET_COOKIE].to_str().unwrap();
    assert!(set.split(';').any(|a| a.trim() == "Secure"), "{set}");

    // Revoking a key ends its sessions at once.
    let ops = pair(set);
    assert_eq!(page(&http, &server, "/runs", &ops).await.0, StatusCode::OK);
    let revoked = std::process::Command::new(WFC)
        .args(["keys", "revoke", "ops", "--state-dir"])
        .arg(server.path("state"))
        .output()
        .unwrap();
    assert!(revoked.status.success(), "{revoked:?}");
    let (status, location, _) = page(&http, &server, "/runs", &ops).await;
    assert_eq!(
        (status, location.as_str()),
        (StatusCode::SEE_OTHER, "/login")
    );

    // Logging out needs the session's CSRF token.
    let logout = |csrf: &str| {
        http.post(format!("{}/logout", server.base))
            .header(COOKIE, &cookie)
            .form(&[("csrf", csrf.to_owned())])
            .send()
    };
    let refused = logout("forged").await.unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert!(refused.text().await.unwrap().contains("API081"));
    assert_eq!(page(&http, &server, "/", &cookie).await.0, StatusCode::OK);
    let csrf = body
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_owned();
    let out = logout(&csrf).await.unwrap();
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    // The login page says so; its label is one line of text and a hint.
    let to = out.headers()[reqwest::header::LOCATION]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(to, "/login?out=1");
    let notice = http
        .get(format!("{}{to}", server.base))
        .send()
        .await
        .unwrap();
    let notice = notice.text().await.unwrap();
    assert!(
        notice.contains("role=\"status\" id=\"logged-out\">You are logged out."),
        "{notice}"
    );
    assert!(
        notice.contains("<label for=\"key\"><span>API key <small"),
        "{notice}"
    );
    let fresh = http
        .get(format!("{}/login", server.base))
        .send()
        .await
        .unwrap();
    assert!(!fresh.text().await.unwrap().contains("logged out"));
    assert_eq!(
        page(&http, &server, "/", &cookie).await.0,
        StatusCode::SEE_OTHER,
        "the session is over"
    );

    // The assets need no session and are cached for long.
    let css = http
        .get(format!("{}/assets/htmx.min.js", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(css.status(), StatusCode::OK);
    assert!(css.headers()["cache-control"]
        .to_str()
        .unwrap()
        .contains("max-age=31536000"));
}

#[tokio::test(flavor = "multi_thread")]
async fn pages_show_the_workflows_and_runs_filtered_with_values_escaped() {
    let server = Server::start(&[("flows.wf", FLOWS)], &[]);
    let http = client();
    let start = |name: &str, params: serde_json::Value| {
        let url = server.url(&format!("/workflows/{name}/runs?wait=20s"));
        let key = server.operator.clone();
        let http = http.clone();
        async move { post(&http, &url, &key, params).await }
    };
    let (s, ok) = start("greet", json!({"who": "<script>alert(2)</script>", "n": 3})).await;
    assert_eq!(s, StatusCode::OK, "{ok}");
    assert_eq!(ok["status"], "succeeded");
    let (s, failed) = start("boom", json!({})).await;
    assert_eq!(
        (s, failed["status"].as_str()),
        (StatusCode::OK, Some("failed")),
        "{failed}"
    );
    // The step really ran, with the param the run was given.
    let greeted = std::fs::read_to_string(server.path("greeted.txt")).unwrap();
    assert_eq!(greeted.trim(), "3");
    let (ok_id, failed_id) = (ok["id"].as_str().unwrap(), failed["id"].as_str().unwrap());

    let cookie = pair(&login(&http, &server, &server.reader).await);
    let (status, _, home) = page(&http, &server, "/", &cookie).await;
    assert_eq!(status, StatusCode::OK, "{home}");
    for shown in [
        "greet",
        "boom",
        "Says &lt;b&gt;hello",
        "<code>n</code>",
        "<code>int</code>",
        "in 1..5",
        "&lt;script&gt;alert(1)",
        "schedule",
        "schedule &quot;30 4 * * *&quot; (Europe",
        "Berlin, overlap skip)",
        "success rate 100%",
        "success rate 0%",
    ] {
        assert!(home.contains(shown), "`{shown}` is not on the page: {home}");
    }
    assert!(home.contains(&format!("href=\"/runs/{ok_id}\"")), "{home}");
    assert!(
        !home.contains("<script>alert") && !home.contains("<b>hello"),
        "a value became markup: {home}"
    );
    // The next slot: 04:30 in Berlin, on a date in the coming two days.
    let next = home.split("Next scheduled: <time>").nth(1).unwrap();
    assert!(next.starts_with("20") && next[11..16] == *"04:30", "{next}");

    let (status, _, failed_page) = page(&http, &server, "/runs?status=failed", &cookie).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        failed_page.contains(failed_id) && !failed_page.contains(ok_id),
        "{failed_page}"
    );
    let (_, _, all) = page(
        &http,
        &server,
        "/runs?status=&workflow=&trigger=api",
        &cookie,
    )
    .await;
    assert!(all.contains(failed_id) && all.contains(ok_id), "{all}");
    let (_, _, manual) = page(&http, &server, "/runs?trigger=manual", &cookie).await;
    assert!(
        !manual.contains(failed_id) && manual.contains("No runs match"),
        "{manual}"
    );
    let (status, _, bad) = page(&http, &server, "/runs?status=bogus", &cookie).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(bad.contains("API082") && bad.contains("bogus"), "{bad}");
    // Search (ids, workflows, params), a trigger's part, a range of days.
    let (_, _, found) = page(&http, &server, "/runs?q=ALERT(2)", &cookie).await;
    assert!(
        found.contains(ok_id) && !found.contains(failed_id),
        "{found}"
    );
    let (_, _, probe) = page(&http, &server, "/runs?q=%3Cscript%3Ealert(3)", &cookie).await;
    assert!(
        probe.contains("value=\"&lt;script&gt;alert(3)") && !probe.contains("<script>alert"),
        "{probe}"
    );
    let (_, _, part) = page(&http, &server, "/runs?trigger=P&since=2000-01-01", &cookie).await;
    assert!(part.contains(failed_id) && part.contains(ok_id), "{part}");
    assert!(
        part.contains("<time class=\"ago\" datetime=\"20") && part.contains(" UTC\">"),
        "how long ago, the UTC time in a <time>: {part}"
    );
    let (_, _, old) = page(&http, &server, "/runs?until=2000-01-01", &cookie).await;
    assert!(old.contains("No runs match"), "{old}");
    let (status, _, bad) = page(&http, &server, "/runs?since=yesterday", &cookie).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        bad.contains("API082") && bad.contains("YYYY-MM-DD"),
        "{bad}"
    );
    // Sorted by status: `failed` before `succeeded`; an order not known is refused.
    let (_, _, by_status) = page(&http, &server, "/runs?sort=status", &cookie).await;
    let at = |id: &str| {
        by_status
            .find(id)
            .unwrap_or_else(|| panic!("{id}: {by_status}"))
    };
    assert!(at(failed_id) < at(ok_id), "{by_status}");
    assert!(
        by_status.contains("<option value=\"status\" selected>"),
        "{by_status}"
    );
    let (status, _, _) = page(&http, &server, "/runs?sort=duration", &cookie).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, bad) = page(&http, &server, "/runs?sort=size", &cookie).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(bad.contains("API082") && bad.contains("sort=size"), "{bad}");
    // Nothing waits: the page says so.
    let (status, _, waiting) = page(&http, &server, "/waiting", &cookie).await;
    assert_eq!(status, StatusCode::OK, "{waiting}");
    assert!(waiting.contains("No run is waiting"), "{waiting}");

    let (status, _, run) = page(&http, &server, &format!("/runs/{ok_id}"), &cookie).await;
    assert_eq!(status, StatusCode::OK, "{run}");
    assert!(
        run.contains("<code>greet</code>") && run.contains("succeeded"),
        "{run}"
    );
    assert!(
        run.contains("&lt;script&gt;alert(2)") && !run.contains("<script>alert"),
        "{run}"
    );
    let (status, _, missing) = page(&http, &server, "/runs/nope", &cookie).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(missing.contains("API083"), "{missing}");
}

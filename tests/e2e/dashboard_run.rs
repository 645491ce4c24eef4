//! The dashboard's run page on the real `wfc serve`, over real HTTP: the
//! timeline (one bar per attempt), log tails escaped, the run's events
//! with a session, and the buttons — approve, cancel, pause, resume, and
//! a workflow's triggers' pause — as plain
//! forms with the CSRF token, checked in what the steps leave behind and
//! in the run store.

use super::dashboard::{client, login, page, pair};
use super::serve::{post, Server, GATED};
use reqwest::header::{COOKIE, LOCATION};
use reqwest::StatusCode;
use serde_json::json;
use std::time::{Duration, Instant};
use wfc_store::testing;

/// `flaky` fails once, printing markup, then succeeds on its retry.
const TWICE: &str = r#"
workflow twice {
  step flaky: shell {
    run "if [ -f @DIR/tried ]; then echo second try; else touch @DIR/tried; echo '<img src=x onerror=alert(1)>'; echo 'said on stderr' >&2; printf '\\033[1;31m<i>red</i>\\033[0m\\n'; exit 1; fi"
    retry 1 backoff 10ms
  }
  step after: shell {
    run "echo after >> @DIR/after.txt"
    estimate 2s
    depends on flaky
  }
}

workflow sleepy {
  step nap: shell { run "sleep 30; echo woke >> @DIR/woke.txt" }
}

workflow waits {
  on webhook "/waits"
  step one: shell { run "while [ ! -e @DIR/go ]; do sleep 0.05; done" }
  step two: shell {
    run "echo two >> @DIR/two.txt"
    depends on one
  }
}

workflow fixable {
  step first: shell { run "echo run >> @DIR/first.txt" }
  step second: shell {
    run "test -f @DIR/fixed && echo fixed >> @DIR/second.txt"
    depends on first
  }
}
"#;

/// The CSRF token a page's forms carry.
fn csrf(body: &str) -> String {
    let at = body
        .find("name=\"csrf\" value=\"")
        .expect("a form with the token")
        + 19;
    body[at..].split('"').next().unwrap().to_owned()
}

/// A logged-in session: its cookie and CSRF token.
async fn session(http: &reqwest::Client, server: &Server, key: &str) -> (String, String) {
    let cookie = pair(&login(http, server, key).await);
    let (_, _, body) = page(http, server, "/runs", &cookie).await;
    (cookie.clone(), csrf(&body))
}

/// Posts a form of the dashboard: status, `Location`, body.
async fn act(
    http: &reqwest::Client,
    server: &Server,
    path: &str,
    cookie: &str,
    form: &[(&str, &str)],
) -> (StatusCode, String, String) {
    let r = http
        .post(format!("{}{path}", server.base))
        .header(COOKIE, cookie)
        .form(form)
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

/// Starts `workflow` through the API; its run id (with `wait`, finished).
async fn start(http: &reqwest::Client, server: &Server, workflow: &str, wait: bool) -> String {
    let query = if wait { "?wait=30s" } else { "" };
    let url = server.url(&format!("/workflows/{workflow}/runs{query}"));
    let (status, body) = post(http, &url, &server.operator, json!({})).await;
    assert!(status.is_success(), "{status} {body}");
    body["id"].as_str().unwrap().to_owned()
}

/// Polls the run page until `check` holds for it (at most 15 s).
async fn page_until(
    http: &reqwest::Client,
    server: &Server,
    path: &str,
    cookie: &str,
    check: impl Fn(&str) -> bool,
) -> String {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let (_, _, body) = page(http, server, path, cookie).await;
        if check(&body) || Instant::now() > deadline {
            return body;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The events of a dashboard stream until its end (at most 15 s).
async fn events(
    http: &reqwest::Client,
    url: &str,
    cookie: &str,
) -> Vec<(String, serde_json::Value)> {
    let mut r = http.get(url).header(COOKIE, cookie).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "text/event-stream");
    let mut text = String::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    while let Some(chunk) = tokio::time::timeout_at(deadline, r.chunk())
        .await
        .unwrap()
        .unwrap()
    {
        text.push_str(&String::from_utf8_lossy(&chunk));
    }
    text.split("\n\n")
        .filter_map(|block| {
            let field = |name: &str| {
                block
                    .lines()
                    .find_map(|l| l.strip_prefix(name).map(|v| v.trim().to_owned()))
            };
            Some((
                field("event:")?,
                serde_json::from_str(&field("data:")?).ok()?,
            ))
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_finished_run_shows_each_attempt_its_logs_escaped_and_its_events() {
    let server = Server::start(&[("flows.wf", TWICE)], &[]);
    let http = client();
    let id = start(&http, &server, "twice", true).await;
    let (cookie, _) = session(&http, &server, &server.operator).await;
    let (status, _, body) = page(&http, &server, &format!("/runs/{id}"), &cookie).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(
        body.contains("<tr data-step=\"flaky\" data-status=\"succeeded\">"),
        "{body}"
    );
    // The graph is in the page (no script needed), its legend saying what
    // the run took rather than the critical path's estimate.
    let dag = &body[body.find("<div id=\"dag\">").expect("the graph")..];
    assert!(
        dag.contains("data-step=\"flaky\" data-status=\"succeeded\""),
        "{dag}"
    );
    assert!(dag.contains("critical path (the run took "), "{dag}");
    assert!(!body.contains("Loading the graph"));
    // The timeline: two bars for `flaky`, the first failed; one for `after`.
    let row = |step: &str| {
        let at = body
            .find(&format!("data-gantt-step=\"{step}\""))
            .expect(step);
        body[at..body[at..].find("</g>").unwrap() + at].to_owned()
    };
    let flaky = row("flaky");
    assert_eq!(flaky.matches("class=\"bar\"").count(), 2, "{flaky}");
    assert!(
        flaky.contains("data-attempt=\"1\" data-status=\"failed\""),
        "{flaky}"
    );
    assert!(
        flaky.contains("data-attempt=\"2\" data-status=\"succeeded\""),
        "{flaky}"
    );
    assert!(
        flaky.contains("<title>flaky · attempt 1 · failed · "),
        "{flaky}"
    );
    assert_eq!(row("after").matches("class=\"bar\"").count(), 1);
    // A finished step is drawn as it went: no estimate.
    assert!(
        !row("after").contains("class=\"estimate\""),
        "{}",
        row("after")
    );
    // The log tail: markup printed by a step is text.
    assert!(
        body.contains("&lt;img src=x onerror=alert(1)&gt;"),
        "{body}"
    );
    assert!(!body.contains("<img src=x"));
    assert!(body.contains("second try"));
    assert!(body.contains("data-cursor=\""));
    // An operator sees no button for a run that succeeded.
    assert!(!body.contains("data-action="), "{body}");

    let (status, _, fragment) = page(&http, &server, &format!("/runs/{id}/gantt"), &cookie).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(fragment.matches("class=\"bar\"").count(), 3, "{fragment}");
    // The retried step's log: attempts separated, colours as classes on
    // escaped text, the whole log downloadable with the session.
    let (_, _, flaky) = page(&http, &server, &format!("/runs/{id}?log=flaky"), &cookie).await;
    assert!(
        flaky.contains("<span class=\"log-attempt\">── attempt 1 · ")
            && flaky.contains("<span class=\"log-attempt\">── attempt 2 · "),
        "{flaky}"
    );
    assert!(
        flaky.contains("<span class=\"ansi-fg-1 ansi-bold\">&lt;i&gt;red&lt;&#x2f;i&gt;</span>"),
        "{flaky}"
    );
    assert!(
        !flaky.contains('\u{1b}') && !flaky.contains("<i>red"),
        "{flaky}"
    );
    // Its stderr line is marked as such, its stdout lines are not; each
    // line says when it came (ms, for the viewer's "Times").
    let line_of = |text: &str| {
        let end = flaky.find(text).expect(text);
        let start = flaky[..end].rfind("<span").unwrap();
        flaky[start..end].to_owned()
    };
    let err = line_of("said on stderr");
    assert!(
        err.starts_with(
            "<span class=\"log-line log-err\" data-stream=\"stderr\" title=\"stderr\" data-ms=\""
        ),
        "{err}"
    );
    let out = line_of("second try");
    assert!(
        out.starts_with("<span class=\"log-line\" data-ms=\""),
        "{out}"
    );
    assert!(flaky.contains(&format!("href=\"/runs/{id}/steps/flaky/log.txt\"")));
    let r = http
        .get(format!("{}/runs/{id}/steps/flaky/log.txt", server.base))
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let kind = r.headers()[reqwest::header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(kind.starts_with("text/plain"), "{kind}");
    let whole = r.text().await.unwrap();
    assert!(
        whole.contains("── attempt 1 · ")
            && whole.contains("\u{1b}[1;31m<i>red</i>")
            && whole.contains("second try"),
        "{whole}"
    );
    // The step's own view (the drawer's): both attempts, the log escaped.
    let (status, _, view) = page(&http, &server, &format!("/runs/{id}/steps/flaky"), &cookie).await;
    assert_eq!(status, StatusCode::OK, "{view}");
    assert!(
        view.contains("<tr data-attempt=\"1\">") && view.contains("<tr data-attempt=\"2\">"),
        "{view}"
    );
    assert!(view.contains("&lt;img src=x onerror=alert(1)&gt;") && !view.contains("<img"));
    assert!(view.contains("<span class=\"ansi-fg-1 ansi-bold\">&lt;i&gt;red"));
    let r = http
        .get(format!("{}/runs/{id}/steps/flaky/log.txt", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "a stranger has no log");
    let (status, _, _) = page(
        &http,
        &server,
        &format!("/runs/{id}/steps/nope/log.txt"),
        &cookie,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, missing) = page(&http, &server, &format!("/runs/{id}?log=nope"), &cookie).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(missing.contains("API086"), "{missing}");

    // The run's events with the session: steps and log lines, then its end.
    let url = format!("{}/runs/{id}/events", server.base);
    let seen = events(&http, &url, &cookie).await;
    let has = |event: &str, step: &str| {
        seen.iter()
            .any(|(e, d)| e == event && d["step"].as_str().unwrap_or("") == step)
    };
    assert!(
        has("step_started", "flaky") && has("step_ended", "after"),
        "{seen:?}"
    );
    assert!(
        seen.iter()
            .any(|(e, d)| e == "log" && d["line"] == "second try"),
        "{seen:?}"
    );
    assert_eq!(
        seen.last().map(|(e, d)| (e.as_str(), d["status"].clone())),
        Some(("end", json!("succeeded")))
    );
    // Without a session: sent to the login page, no events.
    let r = http.get(&url).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()[LOCATION], "/login");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_operator_approves_a_gate_a_reader_cannot_and_the_token_is_checked() {
    let server = Server::start(&[("gated.wf", GATED)], &[]);
    let http = client();
    let id = start(&http, &server, "gated", false).await;
    let run_page = format!("/runs/{id}");
    let (reader, reader_csrf) = session(&http, &server, &server.reader).await;
    let body = page_until(&http, &server, &run_page, &reader, |b| {
        b.contains("data-step=\"approve\" data-status=\"waiting\"")
    })
    .await;
    assert!(body.contains("class=\"gate-prompt\""), "{body}");
    // The question in words; the command line only as a small hint.
    let prompt = body
        .split("class=\"gate-prompt\">")
        .nth(1)
        .and_then(|p| p.split("</p>").next())
        .unwrap_or_default();
    assert!(!prompt.contains("wfc approve"), "{prompt}");
    assert!(body.contains("An operator key decides it."), "{body}");
    assert!(!body.contains("--state-dir"), "the server's folder: {body}");
    assert!(
        !body.contains("data-action="),
        "a reader sees buttons: {body}"
    );
    // The header says the run waits for a person (not `running`), and the
    // page still follows it live.
    assert!(
        body.contains("<dd id=\"run-status\" class=\"status-waiting\">waiting</dd>"),
        "{body}"
    );
    let root = body
        .split("id=\"run\"")
        .nth(1)
        .and_then(|r| r.split('>').next());
    assert!(
        root.is_some_and(|r| r.contains("data-status=\"waiting\"")),
        "{root:?}"
    );

    let approve = format!("/runs/{id}/gates/approve/approve");
    let (status, _, refused) =
        act(&http, &server, &approve, &reader, &[("csrf", &reader_csrf)]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(refused.contains("API002"), "{refused}");
    let (ops, ops_csrf) = session(&http, &server, &server.operator).await;
    let (status, _, refused) = act(&http, &server, &approve, &ops, &[]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(refused.contains("API081"), "{refused}");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        std::fs::read_to_string(server.path("order.txt")).unwrap(),
        "before\n",
        "a refused approval let the run go on"
    );

    let (_, _, body) = page(&http, &server, &run_page, &ops).await;
    assert!(
        body.contains(&format!("action=\"/runs/{id}/gates/approve/approve\"")),
        "{body}"
    );
    assert!(
        body.contains("data-action=\"cancel\""),
        "a waiting run can be cancelled: {body}"
    );
    let (status, location, _) = act(&http, &server, &approve, &ops, &[("csrf", &ops_csrf)]).await;
    assert_eq!(
        (status, location.as_str()),
        (StatusCode::SEE_OTHER, &*format!("/runs/{id}?done=approved"))
    );
    assert_eq!(server.finished(&http, &id).await["status"], "succeeded");
    assert_eq!(
        std::fs::read_to_string(server.path("order.txt")).unwrap(),
        "before\nafter\n"
    );
    let store = wfc_store::Store::open(&server.path("state")).unwrap();
    let sql = "SELECT decision, by FROM approvals WHERE run_id = $1 AND step = 'approve'";
    let row = testing::row(&store, sql, &[(&id).into()]).unwrap().unwrap();
    assert_eq!(
        (row[0].text(), row[1].text()),
        (Some("approved"), Some("ops"))
    );
    let (_, _, body) = page(&http, &server, &location, &ops).await;
    assert!(body.contains("class=\"flash\""), "{body}");
}

#[tokio::test(flavor = "multi_thread")]
async fn cancel_stops_a_running_step_and_resume_finishes_a_fixed_run() {
    let server = Server::start(&[("flows.wf", TWICE)], &[]);
    let http = client();
    let (ops, token) = session(&http, &server, &server.operator).await;

    let id = start(&http, &server, "sleepy", false).await;
    let run_page = format!("/runs/{id}");
    let body = page_until(&http, &server, &run_page, &ops, |b| {
        b.contains("data-step=\"nap\" data-status=\"running\"")
    })
    .await;
    assert!(body.contains("data-action=\"cancel\""), "{body}");
    let cancel = format!("/runs/{id}/cancel");
    let (status, location, _) = act(&http, &server, &cancel, &ops, &[("csrf", &token)]).await;
    assert_eq!(
        (status, location),
        (StatusCode::SEE_OTHER, format!("/runs/{id}?done=cancelled"))
    );
    assert_eq!(server.finished(&http, &id).await["status"], "cancelled");
    assert!(
        !server.path("woke.txt").exists(),
        "the cancelled step finished"
    );

    let id = start(&http, &server, "fixable", true).await;
    let run_page = format!("/runs/{id}");
    let (_, _, body) = page(&http, &server, &run_page, &ops).await;
    assert!(body.contains("data-action=\"resume\""), "{body}");
    std::fs::write(server.path("fixed"), "").unwrap();
    let resume = format!("/runs/{id}/resume");
    let (status, location, _) = act(&http, &server, &resume, &ops, &[("csrf", &token)]).await;
    assert_eq!(
        (status, location),
        (StatusCode::SEE_OTHER, format!("/runs/{id}?done=resumed"))
    );
    let body = page_until(&http, &server, &run_page, &ops, |b| {
        b.contains("id=\"run-status\" class=\"status-succeeded\"")
    })
    .await;
    assert!(
        body.contains("id=\"run-status\" class=\"status-succeeded\""),
        "{body}"
    );
    assert_eq!(
        std::fs::read_to_string(server.path("first.txt")).unwrap(),
        "run\n"
    );
    assert_eq!(
        std::fs::read_to_string(server.path("second.txt")).unwrap(),
        "fixed\n"
    );
    // A succeeded run cannot be resumed: the API's refusal, as a page.
    let (status, _, refused) = act(&http, &server, &resume, &ops, &[("csrf", &token)]).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(refused.contains("API020"), "{refused}");
}

#[tokio::test(flavor = "multi_thread")]
async fn pause_holds_a_run_until_resume_and_a_workflow_s_triggers_pause() {
    let server = Server::start(&[("flows.wf", TWICE)], &[]);
    let http = client();
    let (ops, token) = session(&http, &server, &server.operator).await;
    let id = start(&http, &server, "waits", false).await;
    let run_page = format!("/runs/{id}");
    let body = page_until(&http, &server, &run_page, &ops, |b| {
        b.contains("data-step=\"one\" data-status=\"running\"")
    })
    .await;
    assert!(body.contains("data-action=\"pause\""), "{body}");
    let pause = format!("/runs/{id}/pause");
    let (status, location, _) = act(&http, &server, &pause, &ops, &[("csrf", &token)]).await;
    assert_eq!(
        (status, location),
        (StatusCode::SEE_OTHER, format!("/runs/{id}?done=paused"))
    );
    let (_, _, body) = page(&http, &server, &run_page, &ops).await;
    assert!(body.contains("id=\"run-paused\">by ops at "), "{body}");
    assert!(body.contains("data-action=\"resume\""), "{body}");
    assert!(!body.contains("data-action=\"pause\""), "{body}");
    // Taken within the run's poll; then `one` ends and `two` waits.
    tokio::time::sleep(Duration::from_millis(600)).await;
    std::fs::write(server.path("go"), "").unwrap();
    tokio::time::sleep(Duration::from_millis(1000)).await;
    assert!(!server.path("two.txt").exists(), "two ran while paused");
    let resume = format!("/runs/{id}/resume");
    let (status, location, _) = act(&http, &server, &resume, &ops, &[("csrf", &token)]).await;
    assert_eq!(
        (status, location),
        (StatusCode::SEE_OTHER, format!("/runs/{id}?done=resumed"))
    );
    assert_eq!(server.finished(&http, &id).await["status"], "succeeded");
    assert!(server.path("two.txt").exists());

    // The workflows page pauses a workflow's triggers, and shows it.
    let (status, location, _) = act(
        &http,
        &server,
        "/workflows/waits/triggers/pause",
        &ops,
        &[("csrf", &token)],
    )
    .await;
    assert_eq!((status, location.as_str()), (StatusCode::SEE_OTHER, "/"));
    let (_, _, body) = page(&http, &server, "/", &ops).await;
    assert!(body.contains("Every trigger paused by ops"), "{body}");
    assert!(body.contains("data-action=\"resume-triggers\""), "{body}");
    let key = format!("Bearer {}", server.operator);
    let auth = [("Authorization", key.as_str())];
    let (code, _, answer) = super::serve_hooks::hook(&server, "/waits", "{}", &auth).await;
    assert_eq!(code, StatusCode::CONFLICT, "{answer}");
    assert_eq!(answer["code"], "API102", "{answer}");
    // Without the token, nothing changes.
    let (status, _, _) = act(
        &http,
        &server,
        "/workflows/waits/triggers/resume",
        &ops,
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (_, _, body) = page(&http, &server, "/", &ops).await;
    assert!(body.contains("Every trigger paused by ops"), "{body}");
}

//! `wfc serve`'s OpenAPI document against what the server answers: every
//! documented GET route and the POSTs that start, decide and end things,
//! called on a real server, each answer checked against the document's
//! schema for its route and status (`serve_openapi/conform.py`, Python's
//! jsonschema). A status the document does not declare for its route, a
//! media type it does not declare for that status, or a property a schema
//! does not name, fails the test.

use super::serve::{Server, GATED};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::process::Command;
use std::time::{Duration, Instant};

const HELLO: &str = r#"
workflow hello {
  tags ["demo"]
  param who: string = "world"
  step greet: shell {
    run "mkdir -p out && echo hello ${who} | tee out/greeting.txt"
    workdir "@DIR"
    artifacts { greeting = "out/greeting.txt" }
  }
}
"#;

const HOOKED: &str = r#"
workflow hooked {
  on webhook "/team/open" {
    when request.json.go == true
  }
  step note: shell { run "echo hooked" }
}
"#;

/// Incremental: `make` is up to date when its file and `who` are as in
/// the run before.
const BUILT: &str = r#"
workflow built {
  param who: string = "x"
  step make: shell {
    run "echo made ${who}"
    sources ["built.wf"]
  }
}
"#;

/// One answer, as `conform.py` reads it.
struct Calls {
    http: reqwest::Client,
    answers: Vec<Value>,
}

impl Calls {
    /// Calls `method` on `url` (`template` is its path in the document)
    /// with `key` and `body`; records the answer and gives its status, its
    /// headers and its body (an event stream's is not read: it goes on).
    async fn call(
        &mut self,
        method: Method,
        template: &str,
        url: &str,
        key: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, reqwest::header::HeaderMap, Value) {
        let mut req = self
            .http
            .request(method.clone(), url)
            .header("accept", "application/json, text/event-stream");
        if let Some(key) = key {
            req = req.bearer_auth(key);
        }
        if let Some(body) = body {
            req = req.json(&body);
        }
        let r = req.send().await.unwrap();
        let (status, headers) = (r.status(), r.headers().clone());
        let media = headers
            .get("content-type")
            .and_then(|t| t.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let body = if media.starts_with("text/event-stream") {
            Value::Null
        } else if media.contains("json") {
            r.json().await.unwrap()
        } else {
            Value::String(String::from_utf8_lossy(&r.bytes().await.unwrap()).into_owned())
        };
        self.answers.push(json!({
            "method": method.as_str().to_lowercase(), "path": template,
            "status": status.as_u16(), "content_type": media, "body": body,
        }));
        (status, headers, body)
    }
}

/// Polls run `id` until it is not running (nor waiting).
async fn ended(server: &Server, http: &reqwest::Client, id: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let run: Value = http
            .get(server.url(&format!("/runs/{id}")))
            .bearer_auth(&server.reader)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let status = run["status"].as_str().unwrap_or("");
        if !["running", "waiting"].contains(&status) || Instant::now() > deadline {
            return run;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn every_documented_route_answers_as_the_document_says() {
    let server = Server::start(
        &[
            ("hello.wf", HELLO),
            ("gated.wf", GATED),
            ("hooked.wf", HOOKED),
            ("built.wf", BUILT),
        ],
        &["--rate-limit", "1000", "--rate-burst", "1000"],
    );
    let http = reqwest::Client::new();
    let doc: Value = http
        .get(server.url("/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    // Redirects are answers too (a browser's `/metrics` without a session).
    let direct = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut c = Calls {
        http: direct,
        answers: Vec::new(),
    };
    let (ops, reader) = (server.operator.clone(), server.reader.clone());
    let (op, rd) = (Some(ops.as_str()), Some(reader.as_str()));
    let api = |p: &str| server.url(p);
    let root = |p: &str| format!("{}{p}", server.base);

    // Starts: one waited for (200), one not (202), a gate left waiting.
    let t = "/api/v1/workflows/{name}/runs";
    let (s, _, done) = c
        .call(
            Method::POST,
            t,
            &api("/workflows/hello/runs?wait=20s"),
            op,
            Some(json!({})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{done}");
    let id = done["id"].as_str().unwrap().to_owned();
    let (s, _, gated) = c
        .call(
            Method::POST,
            t,
            &api("/workflows/gated/runs"),
            op,
            Some(json!({})),
        )
        .await;
    assert_eq!(s, StatusCode::ACCEPTED, "{gated}");
    let gated = gated["id"].as_str().unwrap().to_owned();
    c.call(
        Method::POST,
        t,
        &api("/workflows/hello/runs"),
        rd,
        Some(json!({})),
    )
    .await;
    c.call(
        Method::POST,
        t,
        &api("/workflows/hello/runs"),
        op,
        Some(json!({"nope": 1})),
    )
    .await;
    c.call(
        Method::POST,
        t,
        &api("/workflows/gone/runs"),
        op,
        Some(json!({})),
    )
    .await;
    c.call(
        Method::POST,
        t,
        &api("/workflows/hello/runs"),
        None,
        Some(json!({})),
    )
    .await;

    // Incremental: a run, one forced with another param, one up to date,
    // and a `rerun` of no step (422).
    let mut built = Vec::new();
    for body in [
        json!({}),
        json!({"who": "y", "force": true}),
        json!({"who": "y", "rerun": []}),
        json!({"rerun": ["nope"]}),
    ] {
        let (s, _, b) = c
            .call(
                Method::POST,
                t,
                &api("/workflows/built/runs?wait=20s"),
                op,
                Some(body),
            )
            .await;
        match b["id"].as_str() {
            Some(id) => built.push(id.to_owned()),
            None => assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}"),
        }
    }
    let b = |i: usize, p: &str| api(&format!("/runs/{}{p}", built[i]));

    // Every documented GET, with what it needs.
    let run = |p: &str| api(&format!("/runs/{id}{p}"));
    let (_, _, arts) = c
        .call(
            Method::GET,
            "/api/v1/runs/{id}/artifacts",
            &run("/artifacts"),
            rd,
            None,
        )
        .await;
    let sha = arts[0]["sha256"].as_str().expect("an artifact").to_owned();
    let gets: Vec<(&str, String)> = vec![
        ("/api/v1/workflows", api("/workflows")),
        ("/api/v1/workflows", api("/workflows?tag=demo")),
        (
            "/api/v1/workflows/{name}/ignored",
            api("/workflows/hooked/ignored"),
        ),
        (
            "/api/v1/workflows/{name}/ignored",
            api("/workflows/hooked/ignored?limit=x"),
        ),
        (
            "/api/v1/workflows/{name}/deliveries",
            api("/workflows/hooked/deliveries"),
        ),
        ("/api/v1/files/{path}", api("/files/hello.wf")),
        ("/api/v1/files/{path}", api("/files/nothing.wf")),
        ("/api/v1/runs", api("/runs")),
        ("/api/v1/servers", api("/servers")),
        ("/api/v1/runs", api("/runs?status=waiting&limit=1")),
        ("/api/v1/runs", api("/runs?status=sleepy")),
        ("/api/v1/runs/{id}", run("")),
        ("/api/v1/runs/{id}", run("?steps=all")),
        ("/api/v1/runs/{id}", run("?steps=none")),
        ("/api/v1/runs/{id}", api(&format!("/runs/{gated}?limit=1"))),
        ("/api/v1/runs/{id}", run("?steps=bogus")),
        ("/api/v1/runs/{id}", api("/runs/nosuchrun")),
        ("/api/v1/runs/{id}/logs/{step}", run("/logs/greet")),
        ("/api/v1/runs/{id}/logs/{step}", run("/logs/greet?tail=1")),
        ("/api/v1/runs/{id}/logs/{step}", run("/logs/nostep")),
        (
            "/api/v1/runs/{id}/logs/{step}/search",
            run("/logs/greet/search?q=hello&limit=1"),
        ),
        (
            "/api/v1/runs/{id}/logs/{step}/search",
            run("/logs/greet/search?q=%28&regex=true"),
        ),
        (
            "/api/v1/runs/{id}/search",
            run("/search?q=HELLO&ignore_case=true"),
        ),
        ("/api/v1/runs/{id}/search", run("/search?q=a&after=x")),
        (
            "/api/v1/runs/{id}/artifacts/{sha256}",
            run(&format!("/artifacts/{sha}")),
        ),
        (
            "/api/v1/runs/{id}/artifacts/{sha256}",
            run(&format!("/artifacts/{}", "0".repeat(64))),
        ),
        ("/api/v1/runs/{id}/events", run("/events")),
        (
            "/api/v1/runs/{id}/steps/{step}/explain",
            b(0, "/steps/make/explain"),
        ),
        (
            "/api/v1/runs/{id}/steps/{step}/explain",
            b(2, "/steps/make/explain"),
        ),
        (
            "/api/v1/runs/{id}/steps/{step}/explain",
            b(2, "/steps/mak/explain"),
        ),
        (
            "/api/v1/runs/{id}/steps/{step}/explain",
            api("/runs/nosuchrun/steps/make/explain"),
        ),
        ("/api/v1/runs/{id}/diff", b(0, "/diff")),
        ("/api/v1/runs/{id}/diff", b(1, "/diff")),
        (
            "/api/v1/runs/{id}/diff",
            b(2, &format!("/diff?against={}", built[0])),
        ),
        ("/api/v1/runs/{id}/diff", b(2, "/diff?against=nosuchrun")),
        ("/api/v1/events", api("/events")),
        ("/api/v1/stats", api("/stats")),
        ("/api/v1/stats", api("/stats?workflow=hello&last=5")),
        ("/api/v1/triggers/paused", api("/triggers/paused")),
        ("/api/v1/alerts", api("/alerts")),
        ("/api/v1/alerts", api("/alerts?workflow=gone")),
        ("/healthz", root("/healthz")),
        ("/readyz", root("/readyz")),
        ("/metrics", root("/metrics")),
        ("/mcp", root("/mcp")),
    ];
    for (template, url) in &gets {
        // The operator's key: `/files` needs it.
        c.call(Method::GET, template, url, op, None).await;
    }
    c.call(Method::GET, "/api/v1/runs", &api("/runs"), None, None)
        .await;
    let mut got: Vec<&str> = gets.iter().map(|(t, _)| *t).collect();
    got.push("/api/v1/runs/{id}/artifacts");

    // Deciding, pausing, validating, writing.
    let g = |p: &str| api(&format!("/runs/{gated}{p}"));
    let approve = "/api/v1/runs/{id}/gates/{gate}/approve";
    c.call(
        Method::POST,
        approve,
        &g("/gates/approve/approve"),
        rd,
        None,
    )
    .await;
    c.call(
        Method::POST,
        approve,
        &g("/gates/approve/approve"),
        op,
        Some(json!({"comment": "ok"})),
    )
    .await;
    c.call(
        Method::POST,
        approve,
        &g("/gates/approve/approve"),
        op,
        None,
    )
    .await;
    c.call(
        Method::POST,
        "/api/v1/runs/{id}/gates/{gate}/reject",
        &g("/gates/nogate/reject"),
        op,
        None,
    )
    .await;
    ended(&server, &http, &gated).await;
    c.call(
        Method::POST,
        "/api/v1/runs/{id}/cancel",
        &run("/cancel"),
        op,
        None,
    )
    .await;
    c.call(
        Method::POST,
        "/api/v1/runs/{id}/pause",
        &run("/pause"),
        op,
        None,
    )
    .await;
    c.call(
        Method::POST,
        "/api/v1/runs/{id}/resume",
        &run("/resume"),
        op,
        None,
    )
    .await;
    let triggers = "/api/v1/workflows/{name}/triggers";
    c.call(
        Method::POST,
        &format!("{triggers}/pause"),
        &api("/workflows/hooked/triggers/pause"),
        op,
        Some(json!({"kind": "webhook"})),
    )
    .await;
    c.call(
        Method::GET,
        "/api/v1/triggers/paused",
        &api("/triggers/paused"),
        rd,
        None,
    )
    .await;
    c.call(
        Method::POST,
        "/hooks/{path}",
        &root("/hooks/team/open"),
        op,
        Some(json!({"go": true})),
    )
    .await;
    c.call(
        Method::POST,
        &format!("{triggers}/resume"),
        &api("/workflows/hooked/triggers/resume"),
        op,
        Some(json!({"kind": "sometimes"})),
    )
    .await;
    c.call(
        Method::POST,
        &format!("{triggers}/resume"),
        &api("/workflows/hooked/triggers/resume"),
        op,
        None,
    )
    .await;
    for body in [json!({"go": true}), json!({"go": false})] {
        c.call(
            Method::POST,
            "/hooks/{path}",
            &root("/hooks/team/open"),
            op,
            Some(body),
        )
        .await;
    }
    c.call(
        Method::POST,
        "/hooks/{path}",
        &root("/hooks/team/open"),
        rd,
        Some(json!({})),
    )
    .await;
    // The deliveries that started nothing (the read key's, the ignored
    // one), one of them redelivered, and one that is not kept.
    let (_, _, failed) = c
        .call(
            Method::GET,
            "/api/v1/workflows/{name}/deliveries",
            &api("/workflows/hooked/deliveries?limit=5"),
            rd,
            None,
        )
        .await;
    let kept = failed[0]["id"]
        .as_str()
        .expect("a failed delivery")
        .to_owned();
    let redeliver = "/api/v1/deliveries/{id}/redeliver";
    c.call(
        Method::POST,
        redeliver,
        &api(&format!("/deliveries/{kept}/redeliver")),
        op,
        None,
    )
    .await;
    c.call(
        Method::POST,
        redeliver,
        &api("/deliveries/nothing/redeliver"),
        op,
        None,
    )
    .await;
    c.call(
        Method::POST,
        "/hooks/{path}",
        &root("/hooks/no/such"),
        op,
        Some(json!({})),
    )
    .await;
    let r = c
        .http
        .get(root("/metrics"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    c.answers
        .push(json!({"method": "get", "path": "/metrics", "status": 303,
        "content_type": null, "body": r.text().await.unwrap()}));
    let validate = c
        .http
        .post(api("/validate"))
        .bearer_auth(&ops)
        .body("workflow w { step s: nope {} }");
    let r = validate.send().await.unwrap();
    c.answers.push(json!({"method": "post", "path": "/api/v1/validate", "status": r.status().as_u16(),
        "content_type": r.headers()["content-type"].to_str().unwrap(), "body": r.json::<Value>().await.unwrap()}));

    // MCP: a session opened, a message taken, the session ended.
    let init = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-03-26", "capabilities": {},
        "clientInfo": {"name": "conform", "version": "1"}}});
    let (s, headers, _) = c
        .call(Method::POST, "/mcp", &root("/mcp"), rd, Some(init))
        .await;
    assert_eq!(s, StatusCode::OK);
    let session = headers["mcp-session-id"].to_str().unwrap().to_owned();
    let end = c
        .http
        .delete(root("/mcp"))
        .bearer_auth(&reader)
        .header("mcp-session-id", &session);
    let r = end.send().await.unwrap();
    c.answers.push(
        json!({"method": "delete", "path": "/mcp", "status": r.status().as_u16(),
        "content_type": null, "body": r.text().await.unwrap()}),
    );
    let (s, _, _) = c
        .call(Method::DELETE, "/api/v1/runs/{id}", &run(""), op, None)
        .await;
    assert_eq!(s, StatusCode::OK);
    c.call(Method::DELETE, "/api/v1/runs/{id}", &run(""), op, None)
        .await;

    // Every documented GET was called.
    for (path, item) in doc["paths"].as_object().unwrap() {
        if item.get("get").is_some() {
            assert!(got.contains(&path.as_str()), "GET {path} is not called");
        }
    }
    conform(&server, &doc, &c.answers);
}

/// #69: a start with no body started a run while the document said a body
/// is required, and a resume refused for want of a slot answered 503,
/// which the document did not declare. With `--max-runs 1` and a long
/// step holding the one slot, both are called and checked.
#[tokio::test]
async fn a_bare_start_and_a_full_server_answer_as_the_document_says() {
    const FAILS: &str = "workflow fails {\n  step s: shell { run \"exit 3\" }\n}\n";
    const SLOW: &str = "workflow slow {\n  step s: shell { run \"sleep 60\" }\n}\n";
    let server = Server::start(
        &[("hello.wf", HELLO), ("slow.wf", SLOW), ("fails.wf", FAILS)],
        &["--max-runs", "1"],
    );
    let http = reqwest::Client::new();
    let doc: Value = http
        .get(server.url("/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let start = &doc["paths"]["/api/v1/workflows/{name}/runs"]["post"];
    assert_ne!(start["requestBody"]["required"], true, "{start}");
    let mut c = Calls {
        http,
        answers: Vec::new(),
    };
    let op = Some(server.operator.as_str());
    // Each started with no body at all.
    let mut post = async |template: &str, path: &str| {
        let (s, _, body) = c
            .call(Method::POST, template, &server.url(path), op, None)
            .await;
        (s, body)
    };
    let t = "/api/v1/workflows/{name}/runs";
    let (s, bare) = post(t, "/workflows/hello/runs?wait=20s").await;
    assert_eq!(s, StatusCode::OK, "{bare}");
    assert_eq!(bare["status"], "succeeded", "{bare}");
    let (s, failed) = post(t, "/workflows/fails/runs?wait=20s").await;
    assert_eq!(s, StatusCode::OK, "{failed}");
    let failed = failed["id"].as_str().unwrap().to_owned();
    let (s, slow) = post(t, "/workflows/slow/runs").await;
    assert_eq!(s, StatusCode::ACCEPTED, "{slow}");
    // The slow run holds the one slot: a resume cannot start.
    let resume = format!("/runs/{failed}/resume");
    let (s, refused) = post("/api/v1/runs/{id}/resume", &resume).await;
    assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE, "{refused}");
    // Shedding load is not an error of the server: a warning (issue 74).
    let log = server.log.lock().unwrap().clone();
    let line = log.lines().find(|l| l.contains("answered 503"));
    assert!(line.is_some_and(|l| l.contains("WARN")), "{log}");
    assert!(
        !log.lines()
            .any(|l| l.contains("ERROR") && l.contains("503")),
        "{log}"
    );
    // A body over --max-body, to a route that reads none: 413, declared.
    // The server answers from the length and closes: a client still
    // writing the 3 MiB may see a broken pipe instead of the answer (the
    // request never reached a handler), and sends it again.
    let big = json!({ "x": "y".repeat(3 << 20) });
    let mut answer = None;
    for _ in 0..10 {
        let sent = c
            .http
            .post(server.url(&resume))
            .bearer_auth(&server.operator)
            .json(&big)
            .send()
            .await;
        match sent {
            Ok(r) => {
                answer = Some(r);
                break;
            }
            Err(e) if e.is_request() => continue,
            Err(e) => panic!("{e}"),
        }
    }
    let r = answer.expect("no answer to the oversized body in ten tries");
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let media = r.headers()["content-type"].to_str().unwrap().to_owned();
    let body: Value = r.json().await.unwrap();
    c.answers.push(json!({
        "method": "post", "path": "/api/v1/runs/{id}/resume",
        "status": 413, "content_type": media, "body": body,
    }));
    conform(&server, &doc, &c.answers);
}

/// Checks `answers` against `doc` with `conform.py`.
fn conform(server: &Server, doc: &Value, answers: &[Value]) {
    let document = server.path("openapi.json");
    let answers_file = server.path("answers.json");
    std::fs::write(&answers_file, serde_json::to_vec_pretty(answers).unwrap()).unwrap();
    std::fs::write(&document, serde_json::to_vec(doc).unwrap()).unwrap();
    let ok = Command::new("python3")
        .args(["-c", "import jsonschema, referencing"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        wfc_testkit::skip("python3 with jsonschema (pip install jsonschema) is not installed");
        return;
    }
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/e2e/serve_openapi/conform.py"
    );
    let out = Command::new("python3")
        .arg(script)
        .arg(&document)
        .arg(&answers_file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

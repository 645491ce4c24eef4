//! Bounded answers (issue 52): a run's steps and a step's log a page at a
//! time, over the REST API and MCP on a real `wfc serve`. The pages put
//! together are the whole, each says how to ask for the next, a bad ask is
//! a code, and an MCP answer (JSON text, and the same JSON as
//! `structuredContent`) stays under 64 KiB.

use super::serve::{get, Server};
use reqwest::StatusCode;
use serde_json::{json, Value};

/// 120 steps, then one that prints 20,000 lines, then one that fails.
const MANY: &str = r#"
workflow many {
  for each i in range(0, 120) parallel {
    step s: shell { run "echo ${i}" }
  }
  step noisy: shell {
    run "seq 1 20000"
    depends on s
  }
  step bad: shell {
    run "exit 3"
    depends on noisy
  }
}
"#;

/// Starts `many` and waits for its end; the server and the run's id.
async fn ran() -> (Server, String) {
    let server = Server::start(&[("many.wf", MANY)], &[]);
    let http = reqwest::Client::new();
    let started: Value = http
        .post(server.url("/workflows/many/runs?wait=60s"))
        .bearer_auth(&server.operator)
        .json(&json!({}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = started["id"].as_str().unwrap().to_owned();
    let run = server.finished(&http, &id).await;
    assert_eq!(run["status"], "failed", "{run}");
    (server, id)
}

fn names(steps: &Value) -> Vec<String> {
    let steps = steps.as_array().unwrap();
    steps.iter().map(|s| s["name"].to_string()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_is_read_a_page_of_steps_at_a_time() {
    let (server, id) = ran().await;
    let http = reqwest::Client::new();
    let key = &server.reader;
    let (code, whole) = get(&http, &server.url(&format!("/runs/{id}?steps=all")), key).await;
    assert_eq!(code, StatusCode::OK);
    let all = names(&whole["step_list"]);
    assert_eq!(all.len(), 122);

    // Pages of 50, each pointing at the next (`next`, `Link`).
    let mut url = server.url(&format!("/runs/{id}?limit=50"));
    let (mut paged, mut pages) = (Vec::new(), 0);
    loop {
        let r = http.get(&url).bearer_auth(key).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let link = r
            .headers()
            .get("link")
            .map(|l| l.to_str().unwrap().to_owned());
        let page: Value = r.json().await.unwrap();
        pages += 1;
        assert_eq!(page["id"], id.as_str());
        assert_eq!(page["step_total"], 122);
        assert_eq!(page["step_counts"]["failed"], 1, "{}", page["step_counts"]);
        assert_eq!(page["step_counts"]["succeeded"], 121);
        paged.extend(names(&page["step_list"]));
        let Some(next) = page["next"].as_str() else {
            assert!(link.is_none() && page.get("next_cursor").is_none());
            break;
        };
        assert_eq!(link.unwrap(), format!("<{next}>; rel=\"next\""));
        assert!(next.contains(&format!("cursor={}", page["next_cursor"].as_str().unwrap())));
        url = format!("{}{next}", server.base);
    }
    assert_eq!((paged, pages), (all.clone(), 3));

    // The default is a bounded page; a status picks steps; `none` counts.
    let (_, first) = get(&http, &server.url(&format!("/runs/{id}")), key).await;
    assert_eq!(names(&first["step_list"]), all);
    assert!(first.get("next").is_none());
    let (_, failed) = get(&http, &server.url(&format!("/runs/{id}?steps=failed")), key).await;
    assert_eq!(names(&failed["step_list"]), ["\"bad\""]);
    assert_eq!(failed["step_total"], 1);
    let (_, none) = get(&http, &server.url(&format!("/runs/{id}?steps=none")), key).await;
    assert_eq!(none["step_list"], json!([]));
    assert_eq!(none["step_total"], 122);

    for ask in [
        "limit=0",
        "limit=1001",
        "cursor=x",
        "steps=bogus",
        "steps=all&limit=5",
    ] {
        let (code, p) = get(&http, &server.url(&format!("/runs/{id}?{ask}")), key).await;
        assert_eq!(code, StatusCode::BAD_REQUEST, "{ask}: {p}");
        assert_eq!(p["code"], "API005", "{ask}: {p}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_log_is_paged_backwards_from_its_tail() {
    let (server, id) = ran().await;
    let http = reqwest::Client::new();
    let url = |q: &str| server.url(&format!("/runs/{id}/logs/noisy?{q}"));
    let read = |q: String| {
        let (http, key) = (http.clone(), server.reader.clone());
        let url = url(&q);
        async move {
            let r = http.get(url).bearer_auth(key).send().await.unwrap();
            let h = |n: &str| r.headers().get(n).map(|v| v.to_str().unwrap().to_owned());
            let (start, link) = (h("wfc-log-start"), h("link"));
            (r.status(), start, link, r.text().await.unwrap())
        }
    };
    let (code, start, link, text) = read("tail=100".into()).await;
    assert_eq!(code, StatusCode::OK);
    let want: String = (19901..=20000).map(|i| format!("{i}\n")).collect();
    assert_eq!(text, want);
    let start = start.unwrap();
    assert!(link
        .unwrap()
        .contains(&format!("<?before={start}&tail=100>; rel=\"prev\"")));
    let (_, _, _, before) = read(format!("before={start}&tail=100")).await;
    let want: String = (19801..=19900).map(|i| format!("{i}\n")).collect();
    assert_eq!(before, want);
    for ask in ["before=1", "before=x", "before=0&after=0"] {
        let (code, _, _, p) = read(ask.into()).await;
        assert_eq!(code, StatusCode::BAD_REQUEST, "{ask}: {p}");
        assert!(p.contains("API005"), "{ask}: {p}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mcp_answers_a_summary_then_pages_each_sent_once() {
    let (server, id) = ran().await;
    let mcp = Mcp::open(&server).await;
    // The summary: counts, steps of note, the first and last steps.
    let (text, status) = mcp.call("run_status", json!({"run": id})).await;
    assert!(text.len() <= 64 << 10, "{} bytes", text.len());
    assert_eq!(status["status"], "failed");
    assert_eq!(status["step_counts"]["failed"], 1);
    assert_eq!(status["step_list"].as_array().unwrap().len(), 20);
    assert_eq!(names(&status["steps_of_note"]["steps"]), ["\"bad\""]);
    assert_eq!(status["last_steps"].as_array().unwrap().len(), 5);
    // `next` is the next call's arguments; the pages add up to the run.
    let mut all = names(&status["step_list"]);
    let mut next = status["next"].clone();
    while !next.is_null() {
        let (_, page) = mcp.call("run_status", next.clone()).await;
        all.extend(names(&page["step_list"]));
        next = page["next"].clone();
    }
    assert_eq!(all.len(), 122);
    let (_, whole) = get(
        &reqwest::Client::new(),
        &server.url(&format!("/runs/{id}?steps=all")),
        &server.reader,
    )
    .await;
    assert_eq!(all, names(&whole["step_list"]));

    // Logs: the tail, then the lines before it.
    let (_, log) = mcp.call("logs", json!({"run": id, "step": "noisy"})).await;
    assert_eq!(log["lines"], 200);
    assert!(log["log"].as_str().unwrap().ends_with("19999\n20000\n"));
    let (_, before) = mcp.call("logs", log["previous"].clone()).await;
    assert!(
        before["log"].as_str().unwrap().ends_with("19800\n"),
        "{before}"
    );

    let (_, bad) = mcp
        .call("run_status", json!({"run": id, "cursor": "x"}))
        .await;
    assert_eq!(bad["code"], "API071", "{bad}");
}

/// A bare MCP session over `/mcp` with a read key.
struct Mcp {
    http: reqwest::Client,
    url: String,
    key: String,
    session: String,
}

impl Mcp {
    async fn open(server: &Server) -> Mcp {
        let mut mcp = Mcp {
            http: reqwest::Client::new(),
            url: format!("{}/mcp", server.base),
            key: server.reader.clone(),
            session: String::new(),
        };
        let init = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-11-25", "capabilities": {},
            "clientInfo": {"name": "test", "version": "1"}}});
        let r = mcp.send(init).await;
        mcp.session = r.headers()["mcp-session-id"].to_str().unwrap().to_owned();
        let _ = r.text().await;
        let r = mcp
            .send(json!({"jsonrpc": "2.0", "method": "notifications/initialized"}))
            .await;
        assert!(r.status().is_success(), "{}", r.status());
        mcp
    }

    async fn send(&self, body: Value) -> reqwest::Response {
        let mut r = self
            .http
            .post(&self.url)
            .bearer_auth(&self.key)
            .header("Accept", "application/json, text/event-stream")
            .json(&body);
        if !self.session.is_empty() {
            r = r.header("mcp-session-id", &self.session);
        }
        r.send().await.unwrap()
    }

    /// Calls `tool`: its answer's text, and that text read as JSON (which
    /// its `structuredContent` is too).
    async fn call(&self, tool: &str, arguments: Value) -> (String, Value) {
        let body = json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call",
            "params": {"name": tool, "arguments": arguments}});
        let text = self.send(body).await.text().await.unwrap();
        let data = text
            .lines()
            .filter_map(|l| l.strip_prefix("data:"))
            .map(str::trim)
            .find(|d| d.contains("\"result\""))
            .unwrap_or_else(|| panic!("no result: {text}"));
        let v: Value = serde_json::from_str(data).unwrap();
        let result = &v["result"];
        let content = result["content"].as_array().unwrap();
        assert_eq!(content.len(), 1, "{result}");
        let text = content[0]["text"].as_str().unwrap().to_owned();
        let json: Value = serde_json::from_str(&text).unwrap();
        if result["isError"] != true {
            assert_eq!(result["structuredContent"], json, "not the same answer");
        }
        (text, json)
    }
}

//! A plan's size bound (E0413, issue 51 F6 and F8) through a real `wfc
//! serve`: a start asking for 300,000 steps (a 600 KB list for a `for
//! each`) through the API, a webhook and MCP (`plan` with a read key,
//! `start_run`, `describe_workflow`) is refused at once, before any run is
//! recorded, and the server's peak memory stays small; a start of exactly
//! the bound still runs. `wfc run` refuses the same params.

use super::serve::{get, Server};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

const LOOP: &str = r#"
workflow l {
  on webhook "/l"
  param items: list<int> = []
  for each i in items parallel 4 {
    step s: shell { run "true" }
  }
}
"#;

/// Too big with its defaults: what a schedule or `describe_workflow` plans.
const MATRIX: &str = r#"
workflow matrix {
  param n: int = 300
  for each x in range(0, n) {
    for each y in range(0, n) {
      step s: shell { run "echo ${x} ${y}" }
    }
  }
}
"#;

/// `{"items":[0,0,…]}` with `n` items.
fn items(n: usize) -> String {
    format!("{{\"items\":[{}]}}", vec!["0"; n].join(","))
}

/// The peak resident memory of process `pid`, in MiB.
fn peak_rss_mib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    let kib: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kib >> 10
}

/// POSTs `body` as JSON to `url` with `key`; the status and the answer.
async fn post_text(
    http: &reqwest::Client,
    url: &str,
    key: &str,
    body: String,
) -> (StatusCode, Value) {
    let r = http
        .post(url)
        .bearer_auth(key)
        .header("Content-Type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// The diagnostics' codes of a problem.
fn codes(problem: &Value) -> Vec<&str> {
    (problem["diagnostics"].as_array().into_iter().flatten())
        .filter_map(|d| d["code"].as_str())
        .collect()
}

/// Asserts `problem` is the API's answer to a plan over the bound.
fn too_big(problem: &Value, count: &str) {
    assert_eq!(problem["code"], "API004", "{problem}");
    assert_eq!(codes(problem), ["E0413"], "{problem}");
    let text = problem.to_string();
    assert!(
        text.contains(&format!(
            "the plan would hold {count} steps, more than 50000"
        )),
        "{text}"
    );
}

/// An MCP session over `wfc serve`'s `/mcp`, spoken in plain HTTP (an
/// argument of 600 KB is more than a command line takes, so not through
/// the Python client).
struct Mcp {
    http: reqwest::Client,
    url: String,
    key: String,
    session: String,
}

impl Mcp {
    async fn open(server: &Server, key: &str) -> Mcp {
        let http = reqwest::Client::new();
        let url = format!("{}/mcp", server.base);
        let init = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-11-25", "capabilities": {},
            "clientInfo": {"name": "test", "version": "1"}}});
        let r = Mcp::send(&http, &url, key, None, init.to_string()).await;
        assert_eq!(r.status(), StatusCode::OK);
        let session = r.headers()["mcp-session-id"].to_str().unwrap().to_owned();
        let mcp = Mcp {
            http,
            url,
            key: key.to_owned(),
            session,
        };
        let note = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
        let r = Mcp::send(
            &mcp.http,
            &mcp.url,
            key,
            Some(&mcp.session),
            note.to_string(),
        )
        .await;
        assert!(r.status().is_success(), "{}", r.status());
        mcp
    }

    async fn send(
        http: &reqwest::Client,
        url: &str,
        key: &str,
        session: Option<&str>,
        body: String,
    ) -> reqwest::Response {
        let mut req = http
            .post(url)
            .bearer_auth(key)
            .header("Accept", "application/json, text/event-stream")
            .header("Content-Type", "application/json");
        if let Some(s) = session {
            req = req.header("mcp-session-id", s);
        }
        req.body(body).send().await.unwrap()
    }

    /// Calls `tool` with `arguments` (JSON text); its result.
    async fn call(&self, tool: &str, arguments: &str) -> Value {
        let body = format!(
            r#"{{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{{"name":"{tool}","arguments":{arguments}}}}}"#
        );
        let r = Mcp::send(&self.http, &self.url, &self.key, Some(&self.session), body).await;
        assert_eq!(r.status(), StatusCode::OK);
        let text = r.text().await.unwrap();
        // One SSE event (or a bare JSON answer) holding the response.
        let answer = text
            .lines()
            .filter_map(|l| l.strip_prefix("data:"))
            .map(str::trim)
            .find(|d| d.contains("\"result\"") || d.contains("\"error\""))
            .unwrap_or(text.as_str());
        let v: Value = serde_json::from_str(answer).unwrap_or_else(|e| panic!("{e}: {text}"));
        // The answer is JSON text, and (unless an error) the same JSON as
        // `structuredContent`.
        let mut result = v["result"].clone();
        let json = result["content"][0]["text"]
            .as_str()
            .map(serde_json::from_str);
        result["json"] = json.and_then(Result::ok).unwrap_or_default();
        if result["isError"] != true && !result.is_null() {
            assert_eq!(result["structuredContent"], result["json"], "{result}");
        }
        result
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn starts_asking_for_300k_steps_are_refused_before_a_run_exists() {
    let server = Server::start(&[("l.wf", LOOP), ("matrix.wf", MATRIX)], &[]);
    let http = reqwest::Client::new();
    let big = items(300_000);
    assert!(big.len() > 500 << 10 && big.len() < 1 << 20);

    // The API, with an operator's key.
    let t = Instant::now();
    let (status, problem) = post_text(
        &http,
        &server.url("/workflows/l/runs"),
        &server.operator,
        big.clone(),
    )
    .await;
    let took = t.elapsed();
    assert_eq!(status, StatusCode::BAD_REQUEST, "{problem}");
    too_big(&problem, "300000");
    assert!(took < Duration::from_secs(10), "{took:?}");

    // The webhook, with the same body.
    let (status, problem) = post_text(
        &http,
        &format!("{}/hooks/l", server.base),
        &server.operator,
        big.clone(),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{problem}");
    too_big(&problem, "300000");

    // MCP: `plan` with a read key, `start_run` with an operator's.
    let args = format!(r#"{{"workflow":"l","params":{big}}}"#);
    let reader = Mcp::open(&server, &server.reader).await;
    let answer = reader.call("plan", &args).await;
    assert_eq!(answer["isError"], true, "{answer}");
    too_big(&answer["json"], "300000");
    // The three starts of the findings, each refused before a step was
    // built (a plan of 340,000 steps took the server to 640 MB, MCP's to
    // 3.6 GB): what is left is the request's list itself, parsed.
    let peak = peak_rss_mib(server.child.id());
    eprintln!("peak after the API, the hook and MCP's plan: {peak} MiB");
    // 104–122 MiB alone; 151 once under the whole suite on the 2-core
    // machine (allocator arenas of busy threads): the bound is the later
    // check's, still far below the 640 MB such a plan took.
    assert!(peak < 200, "the server peaked at {peak} MiB");
    let operator = Mcp::open(&server, &server.operator).await;
    let answer = operator.call("start_run", &args).await;
    assert_eq!(answer["isError"], true, "{answer}");
    too_big(&answer["json"], "300000");
    // `describe_workflow` plans with the defaults: the plan's error, the
    // workflow still described.
    let answer = reader
        .call("describe_workflow", r#"{"workflow":"matrix"}"#)
        .await;
    assert_ne!(answer["isError"], true, "{answer}");
    let described = &answer["json"];
    assert_eq!(described["name"], "matrix", "{described}");
    too_big(&described["plan_error"], "90000");

    // No run was recorded; five requests of 600 KB, parsed, are all the
    // memory the server took. (207 MiB once on PostgreSQL under the whole
    // suite, stop 87's CI: allocator arenas; still a third of the 640 MB
    // such a plan took.)
    assert_eq!(server.runs().await, Vec::<Value>::new());
    let peak = peak_rss_mib(server.child.id());
    eprintln!("peak after five refused starts: {peak} MiB");
    assert!(peak < 256, "the server peaked at {peak} MiB");

    // A start of exactly the bound is a run (cancelled: its steps are not the point).
    let (status, started) = post_text(
        &http,
        &server.url("/workflows/l/runs"),
        &server.operator,
        items(50_000),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{started}");
    let id = started["id"].as_str().unwrap();
    let (status, _) = post_text(
        &http,
        &server.url(&format!("/runs/{id}/cancel")),
        &server.operator,
        String::new(),
    )
    .await;
    assert!(status.is_success(), "{status}");
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let (_, run) = get(&http, &server.url(&format!("/runs/{id}")), &server.reader).await;
        if run["status"] != "running" {
            assert_eq!(run["status"], "cancelled");
            // Every step counted; a page of them shown.
            assert_eq!(run["step_total"], 50_000, "{}", run["step_counts"]);
            assert_eq!(run["step_list"].as_array().unwrap().len(), 200);
            break;
        }
        assert!(Instant::now() < deadline, "the run did not end");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// `wfc run` refuses the same params before it records a run.
#[test]
fn wfc_run_refuses_a_plan_over_the_bound() {
    let c = super::workflow(LOOP);
    c.write("p.json", &items(300_000));
    let t = Instant::now();
    let out = c
        .wfc(["run", "w.wf", "--params-file", "p.json", "--plain"])
        .status(2)
        .stderr_has("E0413")
        .stderr_has("the plan would hold 300000 steps, more than 50000")
        .stderr_has("300000 items × 1 step each")
        .output();
    assert!(t.elapsed() < Duration::from_secs(10), "{:?}", t.elapsed());
    drop(out);
    // Nothing was recorded (on SQLite, not even the store).
    c.wfc(["history"])
        .status(0)
        .stdout("no runs recorded\n")
        .output();
}

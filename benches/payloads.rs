//! Payload sizes (issue 52, "Bounded answers"): the bytes of what MCP's
//! tools and the REST API answer about a big run, before and after, side by
//! side in one run.
//!
//! `cargo bench --bench payloads` records, with `wfc run`, a run of 2,001
//! steps (2,000 trivial ones, then one that prints 20,000 lines), then
//! starts the real server on that store — the `wfc` of this build (or
//! `$WFC_BENCH_BIN`), and the build to compare with, `$WFC_BENCH_BEFORE`
//! (default `/tmp/wfc-payload-before`, skipped when absent) — and prints
//! the bytes of: MCP `run_status`, `describe_workflow` and `logs` (each as
//! the JSON-RPC message that carries it), and `GET /api/v1/runs/{id}` (its
//! default answer, a page of 50 steps and every step) and a step's log
//! tail, each with whether one answer holds its payload twice
//! (`structuredContent` and the same JSON as text). (The build before
//! answers `/runs/{id}` whole whatever the query.)

use serde_json::{json, Value};
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;

#[path = "support/server.rs"]
mod server;
use server::{wfc, Server};

/// The build to compare with: `$WFC_BENCH_BEFORE`, or a copy made before
/// the change (`cp target/release/wfc /tmp/wfc-payload-before`).
fn before() -> Option<PathBuf> {
    let p: PathBuf = std::env::var_os("WFC_BENCH_BEFORE")
        .map(Into::into)
        .unwrap_or_else(|| "/tmp/wfc-payload-before".into());
    p.exists().then_some(p)
}

const STEPS: usize = 2000;
const LINES: usize = 20_000;

fn workflow() -> String {
    format!(
        "workflow big {{\n  for each i in range(0, {STEPS}) parallel {{\n    step s: shell {{ run \"true\" }}\n  }}\n  \
         step noisy: shell {{\n    run \"seq -f 'line %g of a step that prints a lot' 1 {LINES}\"\n    depends on s\n  }}\n}}\n"
    )
}

/// `bin` serving `dir`'s flows on its store.
fn serve(bin: &Path, dir: &Path) -> Server {
    let flows = dir.join("flows");
    let args = ["--keep-runs", "0", "--keep-days", "0"].map(OsStr::new);
    server::serve(
        bin,
        &dir.join("state"),
        &[&args[..], &[flows.as_os_str()]].concat(),
    )
}

/// One answer: its bytes, and whether it holds its payload twice.
struct Size {
    bytes: usize,
    twice: bool,
}

/// An MCP session over `/mcp`.
struct Mcp {
    http: reqwest::Client,
    url: String,
    key: String,
    session: String,
}

impl Mcp {
    async fn open(server: &Server, key: &str) -> Mcp {
        let mut mcp = Mcp {
            http: reqwest::Client::new(),
            url: format!("{}/mcp", server.base),
            key: key.to_owned(),
            session: String::new(),
        };
        let r = mcp
            .send(
                json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-06-18", "capabilities": {},
            "clientInfo": {"name": "bench", "version": "1"}}}),
            )
            .await;
        mcp.session = r.headers()["mcp-session-id"].to_str().unwrap().to_owned();
        let _ = r.text().await;
        let _ = mcp
            .send(json!({"jsonrpc": "2.0", "method": "notifications/initialized"}))
            .await;
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

    /// The JSON-RPC message answering `tool` with `arguments`: its size, and
    /// whether its text repeats its `structuredContent`.
    async fn call(&self, tool: &str, arguments: Value) -> Size {
        let body = json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call",
            "params": {"name": tool, "arguments": arguments}});
        let text = self.send(body).await.text().await.unwrap();
        let data = text
            .lines()
            .filter_map(|l| l.strip_prefix("data:"))
            .map(str::trim)
            .find(|d| d.contains("\"result\""))
            .unwrap_or_else(|| panic!("no answer to {tool}: {}", &text[..text.len().min(300)]));
        let v: Value = serde_json::from_str(data).unwrap();
        let result = &v["result"];
        assert_ne!(result["isError"], true, "{tool}: {result}");
        let texts = result["content"].as_array().cloned().unwrap_or_default();
        let twice = result.get("structuredContent").is_some_and(|s| {
            texts.iter().any(|t| {
                t["text"]
                    .as_str()
                    .and_then(|t| serde_json::from_str::<Value>(t).ok())
                    .is_some_and(|t| &t == s)
            })
        });
        Size {
            bytes: data.len(),
            twice,
        }
    }
}

/// The bytes of `GET path` (a whole JSON answer, never twice).
async fn rest(server: &Server, key: &str, path: &str) -> Size {
    let r = reqwest::Client::new()
        .get(format!("{}/api/v1{path}", server.base))
        .bearer_auth(key)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{path}: {}", r.status());
    Size {
        bytes: r.bytes().await.unwrap().len(),
        twice: false,
    }
}

/// Every figure of one build serving `dir`.
async fn measure(bin: &Path, dir: &Path, key: &str, id: &str) -> Vec<(&'static str, Size)> {
    let server = serve(bin, dir);
    let mcp = Mcp::open(&server, key).await;
    let logs = json!({"run": id, "step": "noisy"});
    vec![
        (
            "MCP run_status",
            mcp.call("run_status", json!({"run": id})).await,
        ),
        (
            "MCP describe_workflow",
            mcp.call("describe_workflow", json!({"workflow": "big"}))
                .await,
        ),
        ("MCP logs (default)", mcp.call("logs", logs).await),
        (
            "REST GET /runs/{id}",
            rest(&server, key, &format!("/runs/{id}")).await,
        ),
        (
            "REST GET /runs/{id}?limit=50",
            rest(&server, key, &format!("/runs/{id}?limit=50")).await,
        ),
        (
            "REST GET /runs/{id}?steps=all",
            rest(&server, key, &format!("/runs/{id}?steps=all")).await,
        ),
        (
            "REST GET /runs/{id}/logs/noisy?tail=200",
            rest(&server, key, &format!("/runs/{id}/logs/noisy?tail=200")).await,
        ),
    ]
}

fn kib(n: usize) -> String {
    format!("{:.1} KiB", n as f64 / 1024.0)
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("flows")).unwrap();
    std::fs::write(dir.path().join("flows/big.wf"), workflow()).unwrap();
    let state = dir.path().join("state");
    let out = Command::new(wfc())
        .args(["run", "--jobs", "4", "--state-dir"])
        .arg(&state)
        .arg(dir.path().join("flows/big.wf"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let out = Command::new(wfc())
        .args(["keys", "add", "bench", "--role", "read", "--state-dir"])
        .arg(&state)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let key = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    let out = Command::new(wfc())
        .args(["history", "--format", "json", "--state-dir"])
        .arg(&state)
        .output()
        .unwrap();
    let runs: Value = serde_json::from_slice(&out.stdout).unwrap();
    let id = runs[0]["id"].as_str().unwrap().to_owned();
    println!(
        "run {id}: {} steps, step `noisy` of {LINES} lines",
        STEPS + 1
    );

    let rt = tokio::runtime::Runtime::new().unwrap();
    let after = rt.block_on(measure(&wfc(), dir.path(), &key, &id));
    let before = before().map(|b| {
        let sizes = rt.block_on(measure(&b, dir.path(), &key, &id));
        (b, sizes)
    });
    println!("{:<42} {:>22} {:>22}", "answer", "before", "after");
    for (i, (name, a)) in after.iter().enumerate() {
        let show = |s: &Size| format!("{}{}", kib(s.bytes), if s.twice { " (twice)" } else { "" });
        let b = before
            .as_ref()
            .map_or("—".to_owned(), |(_, b)| show(&b[i].1));
        println!("{name:<42} {b:>22} {:>22}", show(a));
    }
    if let Some((b, _)) = before {
        println!("before: {}", b.display());
    }
    println!("after: {}", wfc().display());
}

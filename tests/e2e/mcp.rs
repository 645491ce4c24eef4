//! `wfc mcp` driven by a real MCP client: the `mcp` PyPI package (2.x),
//! through tests/e2e/mcp/client.py, over stdio and over `wfc serve`'s
//! `/mcp`. The tools are listed with their schemas, a broken file is
//! validated, a run is started and polled to its end, and what its step
//! wrote is checked; over HTTP, keys are required and a read key cannot
//! start a run.

use super::serve::Server;
use super::WFC;
use serde_json::{json, Value};
use std::process::Command;

const CLIENT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/e2e/mcp/client.py");

pub(super) const HELLO: &str = r#"
workflow hello {
  param who: string
  param times: int = 2
  step greet: shell { run "echo hi ${who} ${times} > @DIR/greeted.txt; date +%s%N > @DIR/at.txt" }
}
"#;

const SECRET: &str = r#"
workflow sec {
  secret token: string
  step use: shell { run "printf %s ${token} | wc -c > @DIR/length.txt" }
}
"#;

const SLOW: &str = r#"
workflow slow {
  step work: shell { run "sleep 20; echo done > @DIR/slow-done.txt" }
  finally {
    step cleanup: shell { run "echo cleaned > @DIR/cleanup.txt" }
  }
}
"#;

const GATED: &str = r#"
workflow gated {
  step approve: gate {
    approval "an agent"
    inputs { rollout: int in 1..100 = 10, region: string in ["eu", "us"] }
  }
  step ship: shell { run "echo ${approve.outputs.rollout} ${approve.outputs.region} ${approve.comment} > @DIR/shipped.txt" }
}
"#;

/// Whether the `mcp` package is there (else the test is skipped).
pub(super) fn has_client() -> bool {
    let ok = Command::new("python3")
        .args(["-c", "import mcp.client.stdio"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        wfc_testkit::skip("the MCP client (pip install 'mcp>=2,<3') is not installed");
    }
    ok
}

/// The client's answer to `calls` made on `target` (a command, or a URL
/// and a key); panics with its errors if it fails.
pub(super) fn client(calls: &Value, target: &[&std::ffi::OsStr]) -> Value {
    let out = Command::new("python3")
        .arg(CLIENT)
        .arg(calls.to_string())
        .arg("--")
        .args(target)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "client failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Runs the client against `wfc mcp flows/` in a folder holding `hello.wf`,
/// making `calls`; `None` when the `mcp` package is missing (skipped).
pub(super) fn session(dir: &std::path::Path, calls: Value) -> Option<Value> {
    if !has_client() {
        return None;
    }
    let flows = dir.join("flows");
    std::fs::create_dir_all(&flows).unwrap();
    let d = dir.display().to_string();
    std::fs::write(flows.join("hello.wf"), HELLO.replace("@DIR", &d)).unwrap();
    std::fs::write(flows.join("sec.wf"), SECRET.replace("@DIR", &d)).unwrap();
    std::fs::write(flows.join("slow.wf"), SLOW.replace("@DIR", &d)).unwrap();
    std::fs::write(flows.join("gated.wf"), GATED.replace("@DIR", &d)).unwrap();
    let state = dir.join("state");
    let target = [
        WFC.as_ref(),
        "mcp".as_ref(),
        flows.as_os_str(),
        "--state-dir".as_ref(),
        state.as_os_str(),
    ];
    Some(client(&calls, &target))
}

fn tool<'a>(answer: &'a Value, name: &str) -> &'a Value {
    answer["tools"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == name)
        .unwrap_or_else(|| panic!("no tool {name} in {answer}"))
}

#[test]
fn tools_are_listed_with_schemas_and_hints() {
    let dir = tempfile::tempdir().unwrap();
    let Some(answer) = session(dir.path(), json!([])) else {
        return;
    };
    let names: Vec<&str> = answer["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "list_workflows",
            "describe_workflow",
            "validate",
            "plan",
            "start_run",
            "cancel_run",
            "pause_run",
            "pause_triggers",
            "resume_triggers",
            "resume_run",
            "approve_gate",
            "reject_gate",
            "delete_run",
            "run_status",
            "logs",
            "explain_step",
            "run_diff",
            "history",
            "stats",
            "alerts",
            "read_workflow_file",
            "create_workflow",
            "update_workflow",
            "delete_workflow",
            "create_from_template",
            "suggest",
            "complete",
            "wait_run",
            "pending_approvals"
        ]
    );
    // Resuming acts but undoes nothing; stats only reads.
    let resume = &tool(&answer, "resume_run")["annotations"];
    assert_eq!(
        (&resume["readOnlyHint"], &resume["destructiveHint"]),
        (&json!(false), &json!(false))
    );
    assert_eq!(tool(&answer, "stats")["annotations"]["readOnlyHint"], true);
    let delete = &tool(&answer, "delete_run")["annotations"];
    assert_eq!(delete["destructiveHint"], true);
    let stats = &tool(&answer, "stats")["inputSchema"]["properties"];
    assert_eq!(stats["last"]["type"], "integer");
    let start = tool(&answer, "start_run");
    assert_eq!(start["annotations"]["destructiveHint"], true);
    assert_eq!(start["annotations"]["readOnlyHint"], false);
    assert_eq!(
        tool(&answer, "history")["annotations"]["readOnlyHint"],
        true
    );
    let schema = &start["inputSchema"]["properties"];
    assert_eq!(
        schema["workflow"]["enum"],
        json!(["gated", "hello", "sec", "slow"])
    );
    let any = schema["params"]["anyOf"].as_array().unwrap();
    let hello = any.iter().find(|s| s["title"] == "hello").unwrap();
    assert_eq!(hello["properties"]["who"]["type"], "string");
    assert_eq!(hello["properties"]["times"]["type"], "integer");
    assert_eq!(
        hello["properties"]["times"]["description"],
        "int, default 2"
    );
    assert_eq!(hello["required"], json!(["who"]));
    // Every tool says what its answer is.
    for t in answer["tools"].as_array().unwrap() {
        let out = &t["outputSchema"];
        assert_eq!(out["type"], "object", "{t}");
        assert!(
            out["properties"].as_object().is_some_and(|p| !p.is_empty()),
            "{t}"
        );
    }
}

#[test]
fn a_broken_file_and_bad_params_come_back_with_codes() {
    let dir = tempfile::tempdir().unwrap();
    let calls = json!([
        {"tool": "validate", "arguments": {"text": "workflow x {\n  step a: shell { run \"true\" }\n"}},
        {"tool": "start_run", "arguments": {"workflow": "hello", "params": {"who": "a", "times": "many"}}},
        {"tool": "describe_workflow", "arguments": {"workflow": "nope"}},
        {"tool": "run_status", "arguments": {}},
    ]);
    let Some(answer) = session(dir.path(), calls) else {
        return;
    };
    let r = &answer["results"];
    let valid = &r[0]["json"];
    assert_eq!(r[0]["isError"], false);
    assert_eq!(valid["valid"], false);
    let d = &valid["diagnostics"][0];
    assert_eq!(d["code"], "E0003", "{valid}");
    assert!(d["help"].as_str().is_some_and(|h| !h.is_empty()), "{d}");
    assert_eq!(d["labels"][0]["line"], 1, "{d}");
    assert_eq!(d["labels"][0]["column"], 12, "{d}");

    assert_eq!(r[1]["isError"], true);
    assert_eq!(r[1]["json"]["code"], "API004");
    assert_eq!(r[1]["json"]["diagnostics"][0]["code"], "E0403");
    assert!(
        !dir.path().join("greeted.txt").exists(),
        "a refused run ran"
    );
    assert_eq!(r[2]["isError"], true);
    assert_eq!(r[2]["json"]["code"], "API003", "{}", r[2]);
    assert_eq!(r[3]["json"]["code"], "API071", "{}", r[3]);
}

#[test]
fn a_started_run_is_polled_to_success_and_its_step_ran() {
    let dir = tempfile::tempdir().unwrap();
    let before = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let calls = json!([
        {"tool": "describe_workflow", "arguments": {"workflow": "hello"}},
        {"tool": "start_run", "arguments": {"workflow": "hello", "params": {"who": "agent"}}},
        {"tool": "run_status", "arguments": {"run": "$run"}, "until_ended": true},
        {"tool": "history", "arguments": {"workflow": "hello"}},
        {"tool": "plan", "arguments": {"workflow": "hello", "params": {"who": "x"}}},
    ]);
    let Some(answer) = session(dir.path(), calls) else {
        return;
    };
    let r = &answer["results"];
    // Each answer is `structuredContent` (the client checked it against the
    // tool's `outputSchema`) and the same JSON as one text block.
    for result in r.as_array().unwrap() {
        assert_eq!(result["structuredContent"], result["json"], "{result}");
        assert_eq!(result["content"].as_array().unwrap().len(), 1, "{result}");
    }
    // Without `who`, there is no default plan, and the description says why.
    assert_eq!(r[0]["json"]["params"][0]["name"], "who");
    assert!(r[0]["json"]["plan_error"]["diagnostics"].is_array());
    let id = r[1]["json"]["id"].as_str().unwrap();
    let status = &r[2]["json"];
    assert_eq!(status["id"], id);
    assert_eq!(status["status"], "succeeded", "{status}");
    assert_eq!(
        (&status["trigger"], &status["origin"]),
        (&json!("api"), &json!("mcp"))
    );
    let greeted = std::fs::read_to_string(dir.path().join("greeted.txt")).unwrap();
    assert_eq!(greeted.trim(), "hi agent 2");
    let at: u128 = std::fs::read_to_string(dir.path().join("at.txt"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(at >= before, "the step's file is older than the test");
    let runs = &r[3]["json"]["runs"];
    assert_eq!(runs[0]["id"], id);
    assert_eq!(runs[0]["trigger"], "api");
    assert_eq!(r[4]["json"]["steps"][0]["name"], "greet");
    // The run is in the store `wfc history` reads.
    let out = Command::new(WFC)
        .args(["history", "--format", "json", "--state-dir"])
        .arg(dir.path().join("state"))
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains(id));
}

#[test]
fn an_agent_approves_a_gate_with_inputs_and_a_comment() {
    let dir = tempfile::tempdir().unwrap();
    let calls = json!([
        {"tool": "start_run", "arguments": {"workflow": "gated"}},
        {"tool": "approve_gate", "arguments": {"run": "$run", "gate": "approve", "inputs": {"rollout": 500}}},
        {"tool": "approve_gate", "arguments": {"run": "$run", "gate": "approve", "inputs": {"rollout": 30, "region": "eu"}, "comment": "looks good"}},
        {"tool": "run_status", "arguments": {"run": "$run"}, "until_ended": true},
    ]);
    let Some(answer) = session(dir.path(), calls) else {
        return;
    };
    let r = &answer["results"];
    assert_eq!(r[1]["isError"], true, "{}", r[1]);
    let refused = r[1]["content"][0]["text"].as_str().unwrap();
    assert!(
        refused.contains("input `rollout`: 500 is outside 1..100")
            && refused.contains("input `region` (string) is required"),
        "{refused}"
    );
    assert_eq!(r[2]["isError"], false, "{}", r[2]);
    assert_eq!(r[3]["json"]["status"], "succeeded", "{}", r[3]);
    let d = &r[3]["json"]["decisions"][0];
    assert_eq!(
        (&d["comment"], &d["inputs"]["rollout"]),
        (&json!("looks good"), &json!(30)),
        "{}",
        r[3]
    );
    let shipped = std::fs::read_to_string(dir.path().join("shipped.txt")).unwrap();
    assert_eq!(shipped.trim(), "30 eu looks good");
}

#[test]
fn a_secret_param_is_used_but_never_shown() {
    let dir = tempfile::tempdir().unwrap();
    let token = "s3cr3t-T0ken-value";
    let calls = json!([
        {"tool": "plan", "arguments": {"workflow": "sec", "params": {"token": token}}},
        {"tool": "start_run", "arguments": {"workflow": "sec", "params": {"token": token}, "wait_seconds": 20}},
        {"tool": "run_status", "arguments": {"run": "$run"}, "until_ended": true},
        {"tool": "logs", "arguments": {"run": "$run", "step": "use"}},
        {"tool": "history", "arguments": {}},
    ]);
    let Some(answer) = session(dir.path(), calls) else {
        return;
    };
    assert_eq!(answer["results"][2]["json"]["status"], "succeeded");
    // The step got the value: it wrote its length.
    let length = std::fs::read_to_string(dir.path().join("length.txt")).unwrap();
    assert_eq!(length.trim(), token.len().to_string());
    let shown = answer.to_string();
    assert!(!shown.contains(token), "the secret was shown: {shown}");
    for entry in walk(&dir.path().join("state")) {
        let bytes = std::fs::read(&entry).unwrap();
        assert!(
            !String::from_utf8_lossy(&bytes).contains(token),
            "the secret was written to {}",
            entry.display()
        );
    }
}

#[test]
fn a_run_is_cancelled_and_its_finally_runs() {
    let dir = tempfile::tempdir().unwrap();
    let calls = json!([
        {"tool": "start_run", "arguments": {"workflow": "slow"}},
        {"tool": "cancel_run", "arguments": {"run": "$run"}},
        {"tool": "run_status", "arguments": {"run": "$run"}, "until_ended": true},
    ]);
    let Some(answer) = session(dir.path(), calls) else {
        return;
    };
    let r = &answer["results"];
    assert_eq!(r[1]["isError"], false, "{}", r[1]);
    assert_eq!(r[2]["json"]["status"], "cancelled", "{}", r[2]);
    assert!(
        !dir.path().join("slow-done.txt").exists(),
        "the step was not stopped"
    );
    let cleanup = std::fs::read_to_string(dir.path().join("cleanup.txt")).unwrap();
    assert_eq!(cleanup.trim(), "cleaned");
}

/// Every file under `dir`.
fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            files.extend(walk(&p));
        } else {
            files.push(p);
        }
    }
    files
}

#[tokio::test]
async fn serve_mcp_needs_a_key_and_an_operator_to_start() {
    if !has_client() {
        return;
    }
    let server = Server::start(&[("hello.wf", HELLO)], &[]);
    let url = format!("{}/mcp", server.base);
    // No key: refused before MCP sees the request.
    let init = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {},
        "clientInfo": {"name": "test", "version": "1"}}});
    let r = reqwest::Client::new()
        .post(&url)
        .header("Accept", "application/json, text/event-stream")
        .json(&init)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), reqwest::StatusCode::UNAUTHORIZED);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["code"], "API001");

    let start = json!([
        {"tool": "start_run", "arguments": {"workflow": "hello", "params": {"who": "reader"}}},
    ]);
    let read = tokio::task::spawn_blocking({
        let (start, url, key) = (start.clone(), url.clone(), server.reader.clone());
        move || client(&start, &[url.as_ref(), key.as_ref()])
    })
    .await
    .unwrap();
    assert_eq!(read["results"][0]["isError"], true);
    assert_eq!(read["results"][0]["json"]["code"], "API002");
    assert!(
        !server.path("greeted.txt").exists(),
        "a read key started a run"
    );

    let calls = json!([
        {"tool": "start_run", "arguments": {"workflow": "hello", "params": {"who": "ops"}}},
        {"tool": "run_status", "arguments": {"run": "$run"}, "until_ended": true},
    ]);
    let ops = tokio::task::spawn_blocking({
        let (url, key) = (url.clone(), server.operator.clone());
        move || client(&calls, &[url.as_ref(), key.as_ref()])
    })
    .await
    .unwrap();
    let status = &ops["results"][1]["json"];
    assert_eq!(status["status"], "succeeded", "{ops}");
    let greeted = std::fs::read_to_string(server.path("greeted.txt")).unwrap();
    assert_eq!(greeted.trim(), "hi ops 2");
    // The API's run: trigger `api`, from MCP.
    let id = status["id"].as_str().unwrap();
    let run: Value = reqwest::Client::new()
        .get(server.url(&format!("/runs/{id}")))
        .bearer_auth(&server.reader)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (&run["trigger"], &run["origin"]),
        (&json!("api"), &json!("mcp")),
        "{run}"
    );
    // `wfc history --trigger api` finds it, `wfc status` says where it came from.
    let wfc = |args: &[&str]| {
        let out = server
            .wfc()
            .args(args)
            .arg("--state-dir")
            .arg(server.path("state"))
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    assert!(wfc(&["history", "--trigger", "api"]).contains(id));
    assert!(!wfc(&["history", "--trigger", "manual"]).contains(id));
    let shown = wfc(&["status", id]);
    assert!(shown.contains("trigger   api (mcp)"), "{shown}");
}

#[test]
fn stats_sum_up_the_runs_started() {
    let dir = tempfile::tempdir().unwrap();
    let run = json!({"tool": "start_run", "arguments": {"workflow": "hello", "params": {"who": "s"}, "wait_seconds": 20}});
    let calls = json!([
        run,
        run,
        {"tool": "stats", "arguments": {"workflow": "hello"}},
        {"tool": "stats", "arguments": {"last": 1}},
        {"tool": "history", "arguments": {"trigger": "api"}},
        {"tool": "alerts", "arguments": {"workflow": "hello"}},
    ]);
    let Some(answer) = session(dir.path(), calls) else {
        return;
    };
    let r = &answer["results"];
    assert_eq!(r[1]["json"]["status"], "succeeded", "{}", r[1]);
    // `hello` has no alert rules: an empty list, not an error.
    assert_eq!(r[5]["json"]["alerts"], json!([]), "{}", r[5]);
    let hello = &r[2]["json"]["workflows"][0];
    assert_eq!(hello["workflow"], "hello", "{}", r[2]);
    assert_eq!(
        (&hello["runs"], &hello["succeeded"]),
        (&json!(2), &json!(2))
    );
    assert_eq!(hello["success_rate"], 1.0);
    assert!(
        hello["p50_seconds"].as_f64().is_some_and(|s| s >= 0.0),
        "{hello}"
    );
    assert_eq!(hello["steps"][0]["name"], "greet");
    assert_eq!(hello["steps"][0]["runs"], 2);
    assert!(hello["slowest"]
        .as_array()
        .is_some_and(|s| s.contains(&json!("greet"))));
    assert_eq!(r[3]["json"]["workflows"][0]["runs"], 1);
    assert_eq!(r[4]["json"]["runs"].as_array().unwrap().len(), 2);
}

const FLAKY: &str = r#"
workflow flaky {
  step first: shell { run "date +%s%N >> @DIR/first.txt" }
  step second: shell {
    run "exit 3"
    depends on first
  }
}
"#;

#[tokio::test]
async fn a_failed_run_is_resumed_after_its_file_is_fixed() {
    if !has_client() {
        return;
    }
    let server = Server::start(&[("flaky.wf", FLAKY)], &[]);
    let url = format!("{}/mcp", server.base);
    let through = |calls: Value, key: &str| {
        let (url, key) = (url.clone(), key.to_owned());
        tokio::task::spawn_blocking(move || client(&calls, &[url.as_ref(), key.as_ref()]))
    };
    let first = json!([
        {"tool": "start_run", "arguments": {"workflow": "flaky"}},
        {"tool": "run_status", "arguments": {"run": "$run"}, "until_ended": true},
    ]);
    let failed = through(first, &server.operator).await.unwrap();
    let run = &failed["results"][1]["json"];
    assert_eq!(run["status"], "failed", "{failed}");
    let id = run["id"].as_str().unwrap().to_owned();

    // The fix, and a marker workflow that says the server has read it.
    let fixed = FLAKY.replace("exit 3", "echo fixed > @DIR/second.txt")
        + "workflow fixed_marker {\n  step x: shell { run \"true\" }\n}\n";
    let d = server.dir.path().display().to_string();
    std::fs::write(server.path("flows/flaky.wf"), fixed.replace("@DIR", &d)).unwrap();
    let http = reqwest::Client::new();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    loop {
        let listed = http
            .get(server.url("/workflows"))
            .bearer_auth(&server.reader)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        if listed.contains("fixed_marker") {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the fix was not read: {listed}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }

    let resume = json!([{"tool": "resume_run", "arguments": {"run": id}}]);
    let refused = through(resume.clone(), &server.reader).await.unwrap();
    assert_eq!(refused["results"][0]["isError"], true);
    assert_eq!(refused["results"][0]["json"]["code"], "API002");
    assert!(
        !server.path("second.txt").exists(),
        "a read key resumed a run"
    );

    let calls = json!([
        {"tool": "resume_run", "arguments": {"run": id}},
        {"tool": "run_status", "arguments": {"run": id}, "until_ended": true},
    ]);
    let resumed = through(calls, &server.operator).await.unwrap();
    let r = &resumed["results"];
    assert_eq!(r[0]["isError"], false, "{}", r[0]);
    assert_eq!(r[0]["json"]["id"], id.as_str());
    // Right after the answer the run may still show its failed session.
    let mut run = r[1]["json"].clone();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while run["status"] != "succeeded" && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        run = http
            .get(server.url(&format!("/runs/{id}")))
            .bearer_auth(&server.reader)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
    }
    assert_eq!(run["status"], "succeeded", "{run}");
    assert_eq!(
        (&run["trigger"], &run["origin"]),
        (&json!("api"), &json!("mcp")),
        "a resumed run keeps them"
    );
    let read = |n: &str| std::fs::read_to_string(server.path(n)).unwrap();
    assert_eq!(read("second.txt").trim(), "fixed");
    assert_eq!(
        read("first.txt").lines().count(),
        1,
        "the step that succeeded ran again"
    );
}
/// A file whose calls nest 13 deep, two calls a level, once overflowed the
/// planner's stack: one `describe_workflow` with a read key killed the
/// server and the run it had. It answers now, and the server goes on.
#[tokio::test]
async fn describing_deeply_nested_calls_leaves_the_server_up() {
    if !has_client() {
        return;
    }
    let nested = wfc_testkit::nested_calls(13, 2);
    let server = Server::start(&[("hello.wf", HELLO), ("nested.wf", &nested)], &[]);
    let url = format!("{}/mcp", server.base);
    let calls = json!([
        {"tool": "describe_workflow", "arguments": {"workflow": "w0"}},
        {"tool": "plan", "arguments": {"workflow": "w0"}},
    ]);
    let answer = tokio::task::spawn_blocking({
        let (url, key) = (url.clone(), server.reader.clone());
        move || client(&calls, &[url.as_ref(), key.as_ref()])
    })
    .await
    .unwrap();
    // Each answer is a page of the plan's 8,000 steps, under 64 KiB (its
    // `structuredContent` the same JSON), with the cursor of the next page.
    let r = answer["results"].as_array().unwrap();
    for (r, plan) in [(&r[0], &r[0]["json"]["plan"]), (&r[1], &r[1]["json"])] {
        assert_ne!(r["isError"], true, "{r}");
        assert_eq!(r["structuredContent"], r["json"], "the same answer");
        let text = r["content"][0]["text"].as_str().unwrap();
        assert!(text.len() <= 64 << 10, "{} bytes", text.len());
        assert!(plan["step_total"].as_u64() > Some(8000), "{}", &text[..300]);
        let shown = plan["steps"].as_array().unwrap().len();
        assert!(shown > 0 && shown <= 50, "{shown}");
        assert_eq!(plan["next_cursor"], shown.to_string(), "{}", &text[..300]);
    }
    let (status, listed) = super::serve::get(
        &reqwest::Client::new(),
        &server.url("/workflows"),
        &server.reader,
    )
    .await;
    assert_eq!(status, reqwest::StatusCode::OK, "the server went down");
    assert!(listed.to_string().contains("hello"), "{listed}");
}

/// Ending a session with `DELETE` is answered 204, which MCP clients take
/// for success (rmcp's 202 made them log a failure).
#[tokio::test]
async fn ending_a_session_is_answered_no_content() {
    let server = Server::start(&[("hello.wf", HELLO)], &[]);
    let url = format!("{}/mcp", server.base);
    let http = reqwest::Client::new();
    let init = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {},
        "clientInfo": {"name": "test", "version": "1"}}});
    let r = http
        .post(&url)
        .bearer_auth(&server.reader)
        .header("Accept", "application/json, text/event-stream")
        .json(&init)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), reqwest::StatusCode::OK);
    let session = r.headers()["mcp-session-id"].to_str().unwrap().to_owned();
    let ended = http
        .delete(&url)
        .bearer_auth(&server.reader)
        .header("mcp-session-id", &session)
        .send()
        .await
        .unwrap();
    assert_eq!(ended.status(), reqwest::StatusCode::NO_CONTENT);
}

#[test]
fn a_run_is_deleted_once_and_never_while_it_runs() {
    let dir = tempfile::tempdir().unwrap();
    let calls = json!([
        {"tool": "start_run", "arguments": {"workflow": "slow"}},
        {"tool": "delete_run", "arguments": {"run": "$run"}},
        {"tool": "cancel_run", "arguments": {"run": "$run"}},
        {"tool": "run_status", "arguments": {"run": "$run"}, "until_ended": true},
        {"tool": "delete_run", "arguments": {"run": "$run"}},
        {"tool": "delete_run", "arguments": {"run": "$run"}},
        {"tool": "history", "arguments": {}},
    ]);
    let Some(answer) = session(dir.path(), calls) else {
        return;
    };
    let r = &answer["results"];
    assert_eq!(r[1]["isError"], true, "{}", r[1]);
    assert_eq!(r[1]["json"]["status"], 409, "{}", r[1]);
    assert!(
        r[1]["json"]["detail"].as_str().unwrap().contains("E0980"),
        "{}",
        r[1]
    );
    assert_eq!(r[3]["json"]["status"], "cancelled", "{}", r[3]);
    assert_eq!(r[4]["isError"], false, "{}", r[4]);
    assert_eq!(r[5]["json"]["status"], 404, "{}", r[5]);
    assert!(
        r[5]["json"]["detail"].as_str().unwrap().contains("E0981"),
        "{}",
        r[5]
    );
    assert_eq!(r[6]["json"]["runs"], json!([]), "{}", r[6]);
    assert!(!dir
        .path()
        .join("state/logs")
        .read_dir()
        .unwrap()
        .any(|e| e.is_ok()));
}

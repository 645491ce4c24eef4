//! Incremental runs through MCP, with the Python SDK's client (which checks
//! each answer against its tool's `outputSchema`): a second `start_run`
//! restores the step with `sources` (`explain_step` says so, naming the run
//! it was restored from), `run_diff` says what changed since the run
//! before, `force` runs it anyway and `rerun` of no step is refused.

use super::mcp::{client, has_client};
use super::WFC;
use serde_json::{json, Value};

const BUILT: &str = r#"
workflow built {
  param who: string = "x"
  step make: shell {
    run "echo made ${who} >> @DIR/made.txt"
    sources ["built.wf"]
  }
}
"#;

#[test]
fn an_agent_explains_a_step_and_diffs_runs() {
    if !has_client() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let flows = dir.path().join("flows");
    std::fs::create_dir_all(&flows).unwrap();
    let d = dir.path().display().to_string();
    std::fs::write(flows.join("built.wf"), BUILT.replace("@DIR", &d)).unwrap();
    let start = |extra: Value| {
        let mut a = json!({"workflow": "built", "wait_seconds": 20});
        a.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        json!({"tool": "start_run", "arguments": a})
    };
    let calls = json!([
        start(json!({})),
        {"tool": "run_diff", "arguments": {"run": "$run"}},
        start(json!({})),
        {"tool": "explain_step", "arguments": {"run": "$run", "step": "make"}},
        {"tool": "run_diff", "arguments": {"run": "$run"}},
        start(json!({"params": {"who": "y"}, "force": true})),
        {"tool": "run_diff", "arguments": {"run": "$run"}},
        {"tool": "explain_step", "arguments": {"run": "$run", "step": "make"}},
        start(json!({"rerun": ["mkae"]})),
        start(json!({"force": "yes"})),
        {"tool": "explain_step", "arguments": {"run": "$run", "step": "nope"}},
    ]);
    let state = dir.path().join("state");
    let target = [
        WFC.as_ref(),
        "mcp".as_ref(),
        flows.as_os_str(),
        "--state-dir".as_ref(),
        state.as_os_str(),
    ];
    let answer = client(&calls, &target);
    let tools = answer["tools"].as_array().unwrap();
    let tool = |n: &str| tools.iter().find(|t| t["name"] == n).unwrap().clone();
    let start_args = &tool("start_run")["inputSchema"]["properties"];
    assert_eq!(start_args["force"]["type"], "boolean", "{start_args}");
    assert_eq!(start_args["rerun"]["type"], "array", "{start_args}");
    for name in ["explain_step", "run_diff"] {
        let t = tool(name);
        assert_eq!(t["annotations"]["readOnlyHint"], true, "{t}");
        assert!(t["outputSchema"]["properties"].is_object(), "{t}");
    }
    let r: Vec<Value> = answer["results"].as_array().unwrap().clone();
    for ok in &r[..8] {
        assert_ne!(ok["isError"], true, "{ok}");
        assert_eq!(ok["structuredContent"], ok["json"], "{ok}");
    }
    let first = r[0]["json"]["id"].as_str().unwrap();
    assert_eq!(
        r[1]["json"],
        json!({"against": null, "changes": {
        "added": [], "removed": [], "changed": [], "params": [], "env": []}})
    );
    let second = r[2]["json"]["id"].as_str().unwrap();
    let e = &r[3]["json"];
    assert_eq!(
        (
            e["run"].as_str(),
            &e["verdict"],
            e["up_to_date_with"].as_str()
        ),
        (Some(second), &json!("up_to_date"), Some(first)),
        "{e}"
    );
    assert_eq!(r[4]["json"]["against"], first);
    assert_eq!(r[4]["json"]["changes"]["changed"], json!([]));
    let diff = &r[6]["json"];
    assert_eq!(diff["against"], second, "{diff}");
    assert_eq!(
        diff["changes"]["params"],
        json!([["who", "x", "y"]]),
        "{diff}"
    );
    assert_eq!(diff["changes"]["changed"][0]["step"], "make", "{diff}");
    assert_eq!(r[7]["json"]["verdict"], "ran", "{}", r[7]);
    let made = std::fs::read_to_string(dir.path().join("made.txt")).unwrap();
    assert_eq!(made, "made x\nmade y\n", "the second run ran `make`");
    assert_eq!(r[8]["isError"], true);
    assert_eq!(r[8]["json"]["code"], "API022", "{}", r[8]);
    assert!(r[8]["json"]["detail"].as_str().unwrap().contains("`make`"));
    assert_eq!(r[9]["json"]["code"], "API071", "{}", r[9]);
    assert_eq!(r[10]["json"]["code"], "API003", "{}", r[10]);
}

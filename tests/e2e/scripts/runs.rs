//! Script steps run locally: typed values, results, failures, timeouts,
//! retries, secrets and `file` steps.

use super::{ended, outputs};
use crate::workflow;

#[test]
fn values_arrive_typed_and_results_feed_later_steps_and_loops() {
    let c = workflow(
        r#"workflow w {
  param n: int = 5
  param who: string = "it's \"b c\""
  param ratio: float = 0.5
  param on: bool = true

  step py: python {
    script """
import json, os
total = sum(range(${n}))
names = ["a", ${who}[6:9]]
assert ${ratio} == 0.5 and isinstance(${ratio}, float)
print("total", total)
with open(os.environ["WF_RESULT"], "w") as f:
    json.dump({"total": total, "names": [n.upper() for n in names], "share": 1}, f)
"""
    outputs { total: int, names: list<string>, share: float }
  }

  step js: node {
    script """
const fs = require("fs");
if (typeof ${n} !== "number" || ${on} !== true || ${who} !== "it's \"b c\"") process.exit(3);
fs.writeFileSync(process.env.WF_RESULT, JSON.stringify({ n: ${n} * 2 }));
fs.appendFileSync(process.env.WF_OUTPUTS, "plain=from-outputs\n");
"""
    outputs { n: int, plain: string }
  }

  step totals: shell {
    run "echo ${py.outputs.total} ${py.outputs.share} ${js.outputs.n} ${js.outputs.plain} > sum.txt"
  }

  for each name in py.outputs.names {
    step each: shell { run "echo ${name} >> each.txt" }
  }
}
"#,
    );
    let r = c.run(&["-o", "report.json"]);
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(c.read("sum.txt").trim(), "10 1.0 10 from-outputs");
    assert_eq!(c.lines("each.txt"), ["A", "B C"]);
    let py = outputs(&c, "py");
    assert_eq!(py["stdout"], "total 10");
    assert_eq!(py["exit_code"], 0);
    assert_eq!(py["result"]["names"], serde_json::json!(["A", "B C"]));
    assert_eq!(outputs(&c, "js")["result"]["n"], 10);
}

#[test]
fn a_failing_script_fails_its_step_with_the_message() {
    let c = workflow(
        r#"workflow w {
  step raises: python { script "raise ValueError('boom ' + str(6 * 7))" }
  step throws: node { script "throw new TypeError('bad ' + 6 * 7)" }
  step garbled: python { script "open(__import__('os').environ['WF_RESULT'], 'w').write('{oops')" }
  step mistyped: node {
    script "require('fs').writeFileSync(process.env.WF_RESULT, JSON.stringify({count: '5'}))"
    outputs { count: int }
  }
  step missing: python { file "nowhere/tool.py" }
  step no_interp: python { script "pass" interpreter "wfc-no-such-python" }
  step empty: python { script "pass" }
}
"#,
    );
    let r = c.run(&["-o", "report.json", "-k"]);
    assert_ne!(r.code, 0, "{r}");
    let (status, error) = ended(&c, "raises");
    assert_eq!(status, "failed");
    assert!(
        error.contains("exit code 1: ValueError: boom 42"),
        "{error}"
    );
    let (_, error) = ended(&c, "throws");
    assert!(error.contains("TypeError: bad 42"), "{error}");
    let (status, error) = ended(&c, "garbled");
    assert_eq!(status, "failed");
    assert!(error.contains("invalid JSON to $WF_RESULT"), "{error}");
    let (status, error) = ended(&c, "mistyped");
    assert_eq!(status, "failed");
    assert!(
        error.contains("`count` (int)") && error.contains("string"),
        "{error}"
    );
    let (_, error) = ended(&c, "missing");
    assert!(
        error.contains("nowhere/tool.py") && error.contains("does not exist"),
        "{error}"
    );
    let (_, error) = ended(&c, "no_interp");
    assert!(error.contains("`wfc-no-such-python` not found"), "{error}");
    let (status, _) = ended(&c, "empty");
    assert_eq!(status, "succeeded");
    assert_eq!(outputs(&c, "empty")["result"], serde_json::Value::Null);
}

#[test]
fn a_timeout_kills_the_interpreter_and_its_children() {
    let c = workflow(
        r#"workflow w {
  step slow: python {
    script """
import subprocess, time
child = subprocess.Popen(["sleep", "30"])
open("child.pid", "w").write(str(child.pid))
time.sleep(30)
"""
    timeout 1s
  }
}
"#,
    );
    let started = std::time::Instant::now();
    let r = c.run(&["-o", "report.json"]);
    assert_ne!(r.code, 0, "{r}");
    assert!(started.elapsed().as_secs() < 15, "{r}");
    assert_eq!(ended(&c, "slow").0, "timed_out", "{r}");
    let pid: i32 = c.read("child.pid").trim().parse().unwrap();
    assert!(
        wfc_testkit::wait_dead(pid, std::time::Duration::from_secs(5)),
        "the script's child {pid} outlived the timeout"
    );
}

#[test]
fn a_retried_script_runs_again_until_it_succeeds() {
    let c = workflow(
        r#"workflow w {
  step flaky: node {
    script """
const fs = require("fs");
fs.appendFileSync("tries.txt", "x\n");
if (fs.readFileSync("tries.txt", "utf8").length < 6) { console.error("not yet"); process.exit(4); }
"""
    retry 3 backoff 10ms
  }
}
"#,
    );
    let r = c.run(&["-o", "report.json"]);
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(c.lines("tries.txt").len(), 3);
    assert_eq!(
        wfc_testkit::report_step(&c.report(), "flaky")["attempts"],
        3
    );
}

#[test]
fn a_file_step_runs_beside_its_workflow_file_with_its_args() {
    let c = crate::case()
        .file(
            "flows/w.wf",
            r#"workflow w {
  param who: string = "it's \"me\""
  step tool: python {
    file "tools/tool.py"
    args ["--name", who, "2"]
  }
  step js: node { file "tools/tool.js" args ["a b"] }
}
"#,
        )
        .file("flows/tools/tool.py", "import sys\nprint(sys.argv[1:])\n")
        .file(
            "flows/tools/tool.js",
            "console.log(JSON.stringify(process.argv.slice(2)))\n",
        );
    let r = c
        .wfc([
            "run",
            "flows/w.wf",
            "--plain",
            "--no-store",
            "-o",
            "report.json",
        ])
        .output();
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(
        outputs(&c, "tool")["stdout"],
        r#"['--name', 'it\'s "me"', '2']"#
    );
    assert_eq!(outputs(&c, "js")["stdout"], r#"["a b"]"#);
}

#[test]
fn a_secret_reaches_the_script_only_through_its_environment() {
    let secret = "S3cr3t-'py\"-tok";
    let e = crate::store::Env::new(
        r#"workflow w {
  secret tok: string = env("WFC_SCRIPT_TOK")
  step py: python {
    script """
import json, os, stat
me = open(__file__).read()
tok = ${tok}
assert any(tok in v or json.dumps(tok) in v for v in os.environ.values()), "not in the env"
print("in file:", tok in me, "mode:", oct(stat.S_IMODE(os.stat(__file__).st_mode)))
print("the token is", tok)
open("script_path.txt", "w").write(__file__)
"""
  }
  step js: node {
    script "console.error('token: ' + ${tok})"
  }
}
"#,
    );
    let vars = [("WFC_SCRIPT_TOK", secret)];
    let all = crate::secrets::everything(&e, &[], &vars);
    let run = crate::secrets::shown(&all, "run");
    assert!(run.contains("in file: False mode: 0o600"), "{run}");
    assert!(run.contains("the token is ***"), "{run}");
    assert!(run.contains("token: ***"), "{run}");
    let logs = crate::secrets::shown(&all, "logs");
    assert!(logs.contains("the token is ***"), "{logs}");
    crate::secrets::assert_no_leak(&all, &[secret]);
    // The rendered script is gone once the step ended.
    let script = std::fs::read_to_string(e.path().join("script_path.txt")).unwrap();
    assert!(!std::path::Path::new(&script).exists(), "{script} is left");
}

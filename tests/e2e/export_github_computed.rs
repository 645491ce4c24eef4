//! `wfc export github-actions` of values GitHub's expressions cannot
//! compute: `json(x.stdout).primary`, sums over a loop's outputs, a gate's
//! arithmetic, a `json` body over outputs, an http step's `status_code`.
//! The YAML lints; the step `wfc-values` is run with the real `bash` and
//! `jq` as GitHub runs it (its `${{ … }}` filled in as GitHub would, a
//! hostile stdout included), and each value it hands on is the one `wfc
//! run` computes; the http step's answer reaches a later job from a real
//! request, through the `answer` step.

use super::export_github::{export, lint};
use super::export_github_http::echo_server;
use super::export_github_scripts::{github_outputs, run_step};
use serde_json::{json, Value as Json};
use std::collections::HashMap;
use std::path::Path;

const WORKFLOW: &str = r#"workflow computed {
  param names: list<string> = ["a", "b"]
  for each n in names {
    step count: shell {
      run "echo total=3 >> $WF_OUTPUTS"
      outputs { total: int }
    }
  }
  step who: shell { run "cat oncall.json" }
  step ping: http { get "URL/ping" }
  step tell: shell {
    run "echo ${json(who.stdout).primary} ${sum(count.outputs.total)}"
  }
  step enough: gate {
    check sum(count.outputs.total) * 100 >= len(names) * ping.status_code
  }
  step calc: python {
    script """
      import json, os
      json.dump({"total": 41 + 1, "note": "it's \"here\""}, open(os.environ["WF_RESULT"], "w"))
    """
  }
  step use: shell { run "echo ${calc.result.total} ${calc.result.note}" }
  step card: http {
    post "URL/cards"
    json {
      who: json(who.stdout),
      totals: count.outputs.total,
      code: ping.status_code,
      note: "it's ${trim(who.stdout)}",
    }
  }
}
"#;

/// A stdout holding quotes, `$(…)`, `${{ … }}` and a line break.
const ONCALL: &str = "  {\"primary\": \"a'b\\\"c $(id) ${{ github.token }}\\nsecond\"}\n";

/// Whether `jq` is missing here (then the test is skipped, and fails
/// under `CI=true`).
pub(super) fn no_jq() -> bool {
    let missing = std::process::Command::new("jq")
        .arg("--version")
        .output()
        .is_err();
    if missing {
        wfc_testkit::skip("jq is not installed (scripts/install-test-deps)");
    }
    missing
}

/// `text` exported as `dir/w.yml`, which must succeed and lint: its jobs.
pub(super) fn exported_jobs(dir: &Path, text: &str) -> serde_json::Map<String, Json> {
    let wf = dir.join("w.wf");
    std::fs::write(&wf, text).unwrap();
    let out = dir.join("w.yml");
    let run = export(&wf, &[], &out);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    lint(std::slice::from_ref(&out));
    jobs(&std::fs::read_to_string(&out).unwrap())
}

fn jobs(yaml: &str) -> serde_json::Map<String, Json> {
    let doc: Json = serde_norway::from_str(yaml).unwrap();
    doc["jobs"].as_object().unwrap().clone()
}

/// The step `id` of job `job`.
fn step<'a>(jobs: &'a serde_json::Map<String, Json>, job: &str, id: &str) -> &'a Json {
    jobs[job]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == id)
        .unwrap_or_else(|| panic!("no step {id} in job {job}: {:#}", jobs[job]))
}

/// Runs `job`'s `wfc-values` step with `known` filled in; its outputs.
fn computed(
    jobs: &serde_json::Map<String, Json>,
    job: &str,
    dir: &Path,
    known: &HashMap<String, String>,
) -> HashMap<String, String> {
    let out_file = dir.join(format!("{job}.out"));
    std::fs::write(&out_file, "").unwrap();
    let mut known = known.clone();
    known.insert("env.GITHUB_OUTPUT".into(), out_file.display().to_string());
    known.insert("env.RUNNER_TEMP".into(), dir.display().to_string());
    let run = run_step(step(jobs, job, "wfc-values"), dir, &known);
    assert!(
        run.status.success(),
        "{job}: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    github_outputs(&std::fs::read_to_string(&out_file).unwrap())
}

#[test]
fn values_over_outputs_are_computed_by_jq_before_their_step() {
    if no_jq() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let base = echo_server();
    let wf = dir.path().join("computed.wf");
    std::fs::write(&wf, WORKFLOW.replace("URL", &base)).unwrap();
    let out = dir.path().join("computed.yml");
    let run = export(&wf, &[], &out);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    lint(std::slice::from_ref(&out));
    let yaml = std::fs::read_to_string(&out).unwrap();
    let jobs = jobs(&yaml);

    // The answer of a real request reaches the job's outputs.
    let ping_out = dir.path().join("ping.out");
    std::fs::write(&ping_out, "").unwrap();
    let env: HashMap<String, String> = [
        ("env.GITHUB_OUTPUT", ping_out.display().to_string()),
        ("env.RUNNER_TEMP", dir.path().display().to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    for id in ["run", "answer"] {
        let ran = run_step(step(&jobs, "ping", id), dir.path(), &env);
        assert!(
            ran.status.success(),
            "{}",
            String::from_utf8_lossy(&ran.stderr)
        );
    }
    let answer = github_outputs(&std::fs::read_to_string(&ping_out).unwrap());
    assert_eq!(answer["wfc-status-code"], "200");
    assert!(
        answer["wfc-body"].starts_with("GET /ping HTTP/1.1"),
        "{answer:?}"
    );
    assert_eq!(
        jobs["ping"]["outputs"]["wfc-status-code"],
        "${{ steps.answer.outputs.wfc-status-code }}"
    );

    // A script's result, written by the real script, reaches the job's outputs.
    let calc_out = dir.path().join("calc.out");
    std::fs::write(&calc_out, "").unwrap();
    let mut env = env.clone();
    env.insert("env.GITHUB_OUTPUT".into(), calc_out.display().to_string());
    env.insert("runner.temp".into(), dir.path().display().to_string());
    for id in ["run", "result"] {
        let ran = run_step(step(&jobs, "calc", id), dir.path(), &env);
        assert!(
            ran.status.success(),
            "{}",
            String::from_utf8_lossy(&ran.stderr)
        );
    }
    let result = github_outputs(&std::fs::read_to_string(&calc_out).unwrap());
    let written: Json = serde_json::from_str(&result["wfc-result"]).unwrap();
    assert_eq!(written, json!({ "total": 42, "note": "it's \"here\"" }));

    // What GitHub fills in: the producers' job outputs and the inputs.
    let mut known: HashMap<String, String> = HashMap::new();
    known.insert("needs.who.outputs.wfc-stdout".into(), ONCALL.into());
    known.insert(
        "needs.who.outputs.wfc-stdout-trimmed".into(),
        ONCALL.trim().into(),
    );
    known.insert("needs.count-a.outputs.total".into(), "3".into());
    known.insert("needs.count-b.outputs.total".into(), "4".into());
    known.insert("needs.ping.outputs.wfc-status-code".into(), "200".into());
    known.insert("inputs.names".into(), r#"["a","b"]"#.into());

    known.insert(
        "needs.calc.outputs.wfc-result".into(),
        result["wfc-result"].clone(),
    );
    let used = computed(&jobs, "use", dir.path(), &known);
    let mut used: Vec<&String> = used.values().collect();
    used.sort();
    assert_eq!(used, ["42", "it's \"here\""]);

    let tell = computed(&jobs, "tell", dir.path(), &known);
    let mut tell: Vec<&String> = tell.values().collect();
    tell.sort();
    assert_eq!(tell, ["7", "a'b\"c $(id) ${{ github.token }}\nsecond"]);
    // The script reads them from `env:`, never as text of its own.
    let run = step(&jobs, "tell", "run");
    assert!(!run["run"].as_str().unwrap().contains("primary"));

    // 7 * 100 >= 2 * 200: the check holds, so the failing step is skipped.
    let enough = computed(&jobs, "enough", dir.path(), &known);
    assert_eq!(enough["v1"], "true");
    assert_eq!(
        step(&jobs, "enough", "run")["if"],
        "${{ !((steps.wfc-values.outputs.v1 == 'true')) }}"
    );
    known.insert("needs.ping.outputs.wfc-status-code".into(), "500".into());
    assert_eq!(computed(&jobs, "enough", dir.path(), &known)["v1"], "false");

    // The body, whole, as `wfc run` sends it (keys sorted).
    let card = computed(&jobs, "card", dir.path(), &known);
    let body: Json = serde_json::from_str(&card["v1"]).unwrap();
    assert_eq!(
        body,
        json!({
            "code": 500,
            "note": "it's {\"primary\": \"a'b\\\"c $(id) ${{ github.token }}\\nsecond\"}",
            "totals": [3, 4],
            "who": { "primary": "a'b\"c $(id) ${{ github.token }}\nsecond" },
        })
    );
    assert!(
        card["v1"].starts_with("{\"code\":500,\"note\""),
        "{}",
        card["v1"]
    );
    assert_eq!(
        step(&jobs, "card", "run")["env"]["WF_BODY"],
        "${{ steps.wfc-values.outputs.v1 }}"
    );
}

#[test]
fn computed_values_export_is_pinned() {
    let dir = tempfile::tempdir().unwrap();
    let wf = dir.path().join("computed.wf");
    std::fs::write(&wf, WORKFLOW.replace("URL", "http://127.0.0.1:8080")).unwrap();
    let out = dir.path().join("computed.yml");
    let run = export(&wf, &[], &out);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    // (Its first line names the temporary folder.)
    let yaml = std::fs::read_to_string(&out).unwrap();
    insta::assert_snapshot!(yaml.split_once('\n').unwrap().1);
}

/// A list only the run knows (a `list` input) as a command's words: jq
/// quotes each item for the shell and they are the command's `"$@"`, each
/// one argument, as under `wfc run`, whatever they hold.
#[test]
fn a_list_input_is_the_commands_words() {
    if no_jq() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let jobs = exported_jobs(
        dir.path(),
        "workflow words {\n  param files: list<string> = []\n  step show: shell { run \"printf '<%s>' ${files}\" }\n}\n",
    );
    let show = step(&jobs, "show", "run");
    assert_eq!(show["env"]["WF_WORDS"], "${{ inputs.files }}");
    let items = json!(["a b", "it's", "$(id) `id` ${{ x }}", "line\nbreak", ""]);
    let mut known = HashMap::new();
    known.insert("inputs.files".to_string(), items.to_string());
    let ran = run_step(show, dir.path(), &known);
    assert!(
        ran.status.success(),
        "{}",
        String::from_utf8_lossy(&ran.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&ran.stdout),
        "<a b><it's><$(id) `id` ${{ x }}><line\nbreak><>"
    );
    // Anything but a list fails the step before the command.
    known.insert("inputs.files".to_string(), "\"a string\"".to_string());
    assert!(!run_step(show, dir.path(), &known).status.success());
}

/// Nothing read from a secret is computed (GitHub masks a secret's own
/// value, not one made from it), but how a step ended is: a slack step's
/// `delivered` (its job's result), though the step read a secret.
#[test]
fn values_from_a_secret_are_not_computed_but_how_a_step_ended_is() {
    let dir = tempfile::tempdir().unwrap();
    let wf = dir.path().join("s.wf");
    std::fs::write(
        &wf,
        "workflow s {\n  secret token: string = env(\"TOKEN\")\n  step shout: shell { run \"echo ${upper(token)}\" }\n}\n",
    )
    .unwrap();
    let run = export(&wf, &[], &dir.path().join("s.yml"));
    assert_eq!(run.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        stderr.contains("E0733") && stderr.contains("an expression over a secret"),
        "{stderr}"
    );

    let jobs = exported_jobs(
        dir.path(),
        "workflow s {\n  secret hook: string = env(\"SLACK_HOOK\")\n  step post: slack { webhook hook  message \"hi\" }\n  step said: shell { run \"echo ${post.delivered ? 1 : 0}\" }\n}\n",
    );
    let values = step(&jobs, "said", "wfc-values");
    assert_eq!(
        values["env"]["WF_IN_1"],
        "${{ (needs.post.result == 'success') }}"
    );
}

//! `wfc export github-actions`: `parallel … wait any` as one job whose step
//! races the members (`crate::race`'s driver). The YAML is pinned and
//! linted, and the race is run here with bash against a local server as a
//! runner runs it: the first success wins and the others are stopped; when
//! every member fails, the job's record says so as `wfc run` does. (The
//! server answers `/ok` with 200, anything else 404.)

use serde_json::Value as Json;
use std::path::Path;
use std::process::Command;

use super::export_github::{export, lint};
use super::export_github_failed::step;
use super::export_github_runtime::status_server as server;

fn workflow(base: &str, us: &str, marks: &Path) -> String {
    format!(
        r#"workflow w {{
  step build: shell {{ run "echo building" }}
  parallel probes wait any {{
    depends on build
    step probe_eu: http {{
      get "{base}/down"
      expect 200
    }}
    step probe_us: http {{
      get "{base}/{us}"
      expect 200
    }}
    step slow: shell {{
      run "sleep 20 && touch '{marks}/slow-finished'"
    }}
  }}
  step announce: shell {{
    run "echo live"
    depends on probes
  }}
  on failure {{
    step report: shell {{ run "echo \"${{failed.step}}: ${{failed.error}}\"" }}
  }}
}}
"#,
        marks = marks.display()
    )
}

/// Exports `wf`; returns the YAML.
fn exported(dir: &Path, wf: &str) -> String {
    let file = dir.join("w.wf");
    std::fs::write(&file, wf).unwrap();
    let out = dir.join("w.yml");
    let done = export(&file, &[], &out);
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    lint(std::slice::from_ref(&out));
    std::fs::read_to_string(out).unwrap()
}

/// The job holding the race's step (a chain folds it into one job), and
/// the step.
fn race(doc: &Json) -> (&Json, &Json) {
    for job in doc["jobs"].as_object().unwrap().values() {
        for st in job["steps"].as_array().into_iter().flatten() {
            if st["env"].get("WF_RACE").is_some() {
                return (job, st);
            }
        }
    }
    panic!("no race in {doc}")
}

/// Runs `step` as GitHub runs a `shell: bash` (or, `sh`: `sh -e`) step, in
/// `temp` (its `$RUNNER_TEMP`); returns the exit code, the log and the
/// `$GITHUB_OUTPUT` lines.
fn run(step: &Json, temp: &Path) -> (i32, String, String) {
    let script = temp.join("step.sh");
    std::fs::write(&script, step["run"].as_str().unwrap()).unwrap();
    let output = temp.join("output");
    std::fs::write(&output, "").unwrap();
    let mut cmd = match step["shell"].as_str() {
        Some("sh") => Command::new("sh"),
        _ => {
            let mut c = Command::new("bash");
            c.args(["--noprofile", "--norc", "-eo", "pipefail"]);
            c
        }
    };
    if step["shell"] == "sh" {
        cmd.arg("-e");
    }
    cmd.arg(&script)
        .env("RUNNER_TEMP", temp)
        .env("GITHUB_OUTPUT", &output);
    for (k, v) in step["env"].as_object().into_iter().flatten() {
        cmd.env(k, v.as_str().unwrap());
    }
    let out = cmd.output().unwrap();
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let outputs = std::fs::read_to_string(&output).unwrap();
    (out.status.code().unwrap_or(-1), log, outputs)
}

#[test]
fn the_first_member_to_succeed_wins_and_the_others_are_stopped() {
    let dir = tempfile::tempdir().unwrap();
    let base = server();
    let yaml = exported(dir.path(), &workflow(&base, "ok", dir.path()));
    let pinned = yaml
        .replace(&base, "http://SERVER")
        .replace(&dir.path().display().to_string(), "MARKS");
    insta::assert_snapshot!("export_github_race", pinned.split_once('\n').unwrap().1);
    let doc: Json = serde_norway::from_str(&yaml).unwrap();
    let jobs = &doc["jobs"];
    for member in ["probe_eu", "probe_us", "slow"] {
        assert!(jobs.get(member).is_none(), "{member} is no job of its own");
    }
    // `build → probes → announce` is a chain: one job, the race a step.
    let (job, raced) = race(&doc);
    assert_eq!(raced["id"], "probes");
    let ids: Vec<&str> = job["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["id"].as_str())
        .collect();
    assert_eq!(ids, ["build", "probes", "announce", "wfc-error"]);

    let temp = tempfile::tempdir().unwrap();
    let (code, log, _) = run(raced, temp.path());
    assert_eq!(code, 0, "{log}");
    // The 404 member ended by itself, or was stopped; its end may come
    // after the winner's, when the driver no longer reads ends.
    assert!(
        log.contains("wfc: `probe_eu` failed (exit 1)")
            || log.contains("wfc: `probe_eu` cancelled")
            || log.contains("[probe_eu] wfc: expected HTTP 200, got 404"),
        "{log}"
    );
    assert!(log.contains("wfc: `probe_us` succeeded first"), "{log}");
    assert!(log.contains("wfc: `slow` cancelled"), "{log}");
    assert!(!dir.path().join("slow-finished").exists(), "{log}");
}

#[test]
fn every_member_failing_fails_the_job_with_the_last_as_wfc_run_says_it() {
    let dir = tempfile::tempdir().unwrap();
    let base = server();
    let wf = workflow(&base, "down", dir.path()).replace(
        "sleep 20 && touch",
        "sleep 0.5; echo slow-broke >&2; exit 7; touch",
    );
    let yaml = exported(dir.path(), &wf);
    let doc: Json = serde_norway::from_str(&yaml).unwrap();
    let (job, raced) = race(&doc);
    let temp = tempfile::tempdir().unwrap();
    let (code, log, _) = run(raced, temp.path());
    assert_eq!(code, 7, "the last member's exit code: {log}");
    assert!(
        log.contains("wfc: every member of `probes` failed"),
        "{log}"
    );
    let (code, log, outputs) = run(step(job, "wfc-error"), temp.path());
    assert_eq!(code, 0, "{log}");
    assert!(outputs.contains("\nslow\n"), "{outputs}");
    assert!(
        outputs.contains("\nevery member of `probes` failed; the last: exit code 7: slow-broke\n"),
        "{outputs}"
    );
    // The finder of the failed step reads the one job (its record names
    // the step).
    let finder = doc["jobs"]["wfc-failed"].to_string();
    assert!(finder.contains(r#"[[\"build\",\"build\"]]"#), "{finder}");
    assert!(!finder.contains("probe_eu"), "{finder}");
}

/// Races in a loop's iterations and in a handler: one job each, and
/// `wfc import` reads each back as its block, the handler's in its handler.
#[test]
fn races_in_loops_and_handlers_import_back_as_blocks() {
    let dir = tempfile::tempdir().unwrap();
    let yaml = exported(
        dir.path(),
        r#"workflow a {
  for each r in ["eu", "us"] {
    parallel probes wait any {
      step p1: shell { run "echo one ${r}" }
      step p2: shell { run "echo two ${r}" }
    }
    step after_it: shell {
      run "echo after ${r}"
      depends on probes
    }
  }
  on failure {
    parallel notify wait any {
      step n1: shell { run "echo n1" }
      step n2: shell { run "echo n2" }
    }
  }
}
"#,
    );
    let doc: Json = serde_norway::from_str(&yaml).unwrap();
    let jobs = doc["jobs"].as_object().unwrap();
    let races: Vec<&str> = jobs
        .values()
        .flat_map(|j| j["steps"].as_array().unwrap())
        .filter_map(|s| s["env"]["WF_RACE"].as_str())
        .collect();
    assert_eq!(races, ["notify", "probes [eu]", "probes [us]"]);
    // The handler's race keeps the handler's mark.
    assert_eq!(race(&doc).1["id"], "wfc-on-failure");

    let (text, _) = super::export_github::import_back(&dir.path().join("w.yml"));
    let imported = dir.path().join("back.wf");
    std::fs::write(&imported, &text).unwrap();
    let check = Command::new(super::WFC)
        .arg("check")
        .arg(&imported)
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    let handler = text.split_once("on failure {").expect("a handler").1;
    assert!(
        handler
            .trim_start()
            .starts_with("parallel notify wait any {"),
        "{text}"
    );
    for block in [
        "parallel probes-eu wait any {",
        "parallel probes-us wait any {",
    ] {
        assert!(text.contains(block), "{block} in\n{text}");
    }
}

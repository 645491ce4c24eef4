//! `wfc export github-actions`: how steps ended, as GitHub's
//! `needs.JOB.result`. `after` is an `always()` job, `any(…)` a job whose
//! `if:` wants one member to have succeeded, `x.status` a comparison of
//! results, and each compensation an `if: failure()` job that runs only
//! when its step succeeded. Each YAML is checked by actionlint.

use serde_json::Value as Json;
use std::path::Path;

use super::export_github::{export, lint, reported};

#[test]
fn status_after_any_and_rollbacks_map_to_results() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("status.yml");
    let run = export(Path::new("tests/export/github-status.wf"), &[], &out);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let yaml = std::fs::read_to_string(&out).unwrap();
    let doc: Json = serde_norway::from_str(&yaml).unwrap();
    let jobs = &doc["jobs"];
    let cond = |job: &str| jobs[job]["if"].as_str().unwrap_or_default().to_string();
    assert_eq!(
        cond("announce"),
        "${{ !cancelled() && ((needs.eu.result == 'success') || (needs.us.result == 'success')) }}"
    );
    assert_eq!(
        cond("page"),
        "${{ always() && (needs.deploy.result == 'failure') }}",
        "{yaml}"
    );
    assert_eq!(cond("cleanup"), "${{ always() }}");
    let env = &jobs["cleanup"]["steps"][1]["env"]["WF_VALUE_1"];
    assert!(
        env.as_str()
            .unwrap()
            .starts_with("${{ needs.deploy.result == 'success' && 'succeeded'"),
        "{env}"
    );
    // Compensations: the later step's first, each only if its step succeeded.
    assert_eq!(
        cond("undeploy"),
        "${{ failure() && needs.deploy.result == 'success' }}"
    );
    assert_eq!(
        cond("unmigrate"),
        "${{ failure() && needs.migrate.result == 'success' }}"
    );
    assert_eq!(jobs["unmigrate"]["needs"][0], "undeploy");
    // A step whose result is read keeps a job of its own.
    assert!(jobs.get("deploy").is_some() && jobs.get("migrate").is_some());
    insta::assert_snapshot!("export_github_status", yaml.split_once('\n').unwrap().1);
    lint(&[out]);
}

/// GitHub's `skipped` is both wfc's `skipped` and `not_run`: for a step
/// that may be skipped the comparison is refused, naming the step.
#[test]
fn skipped_of_a_step_that_may_be_skipped_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("w.wf");
    std::fs::write(
        &file,
        r#"workflow w {
  step a: shell {
    run "echo code=0 >> \"$WF_OUTPUTS\""
    outputs { code: int }
  }
  if a.outputs.code == 0 {
    step b: shell { run "make b" }
  }
  if b.status == "skipped" {
    step c: shell { run "echo skipped" }
  }
}
"#,
    )
    .unwrap();
    let run = export(&file, &[], &dir.path().join("w.yml"));
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(3), "{stderr}");
    let file = file.display().to_string();
    assert!(
        reported(&stderr, &file).contains(&("E0737".into(), 9)),
        "{stderr}"
    );
    assert!(
        stderr.contains("cannot tell whether `b` was skipped or not run"),
        "{stderr}"
    );
}

/// A step's stdout read by another: kept in a file, printed, and handed
/// on as job outputs (whole and trimmed) in the delimiter form, run for
/// real; the reader gets it in `env:` only.
#[test]
fn stdout_read_by_another_step_is_a_job_output() {
    use super::export_github_runtime::run_step;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("w.wf");
    std::fs::write(
        &file,
        r#"workflow w {
  step who: shell { run "printf '  alice\nbob  \n'" }
  step greet: shell { run "echo hi ${trim(who.stdout)} / ${who.stdout}" }
}
"#,
    )
    .unwrap();
    let out = dir.path().join("w.yml");
    let run = export(&file, &[], &out);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    lint(std::slice::from_ref(&out));
    let doc: Json = serde_norway::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let greet = &doc["jobs"]["greet"]["steps"][1];
    assert_eq!(
        greet["env"]["WF_VALUE_1"],
        "${{ needs.who.outputs.wfc-stdout-trimmed }}"
    );
    assert_eq!(
        greet["env"]["WF_VALUE_2"],
        "${{ needs.who.outputs.wfc-stdout }}"
    );
    assert_eq!(
        doc["jobs"]["who"]["outputs"]["wfc-stdout"],
        "${{ steps.stdout.outputs.wfc-stdout }}"
    );
    let steps = doc["jobs"]["who"]["steps"].as_array().unwrap();
    let temp = dir.path().to_path_buf();
    let github_output = dir.path().join("github-output");
    std::fs::write(&github_output, "").unwrap();
    let ran = run_step(&steps[1], dir.path(), &[("RUNNER_TEMP", &temp)]);
    assert!(ran.status.success(), "{ran:?}");
    assert_eq!(String::from_utf8_lossy(&ran.stdout), "  alice\nbob  \n");
    let handed = run_step(
        &steps[2],
        dir.path(),
        &[("RUNNER_TEMP", &temp), ("GITHUB_OUTPUT", &github_output)],
    );
    assert!(handed.status.success(), "{handed:?}");
    let written = std::fs::read_to_string(&github_output).unwrap();
    let mut lines = written.lines();
    let head = lines.next().unwrap();
    let delim = head.strip_prefix("wfc-stdout<<").unwrap();
    assert!(delim.len() > 20, "a random delimiter: {delim}");
    let expected = format!(
        "wfc-stdout<<{delim}\n  alice\nbob  \n{delim}\nwfc-stdout-trimmed<<{delim}\nalice\nbob\n{delim}\n"
    );
    assert_eq!(written, expected);
}

/// `run.id` is GitHub's run id: in a `lock` (the `concurrency` group) and
/// in a script, through `env:`.
#[test]
fn run_id_is_github_s_run_id_in_locks_and_scripts() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("w.wf");
    std::fs::write(
        &file,
        r#"workflow w {
  lock "deploy-${run.id}"
  step a: shell { run "echo run ${run.id}" }
}
"#,
    )
    .unwrap();
    let out = dir.path().join("w.yml");
    let run = export(&file, &[], &out);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    lint(std::slice::from_ref(&out));
    let doc: Json = serde_norway::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(doc["concurrency"]["group"], "deploy-${{ github.run_id }}");
    assert_eq!(
        doc["jobs"]["a"]["steps"][1]["env"]["WF_VALUE_1"],
        "${{ github.run_id }}"
    );
}

/// A check gate's `passed` is a job output a reader gets in `env:` (its
/// step skipped: the check held); `in` over a list known at export is
/// `contains(fromJSON('[…]'), …)`. The file lints.
#[test]
fn gate_results_and_in_map_to_job_outputs_and_contains() {
    let c = crate::workflow(
        r#"workflow w {
  step audit: shell { run "echo kind=key >> \"$WF_OUTPUTS\""  outputs { kind: string } }
  step known: gate { check audit.outputs.kind in ["key", "token"]  on fail continue }
  step tell: shell { run "echo ${known.passed}" }
}
"#,
    );
    std::fs::create_dir_all(c.path("out")).unwrap();
    c.wfc(["export", "github", "w.wf", "-o", "out/w.yml"])
        .success()
        .output();
    let yaml = c.read("out/w.yml");
    let doc: Json = serde_norway::from_str(&yaml).unwrap();
    let gate_job = doc["jobs"]
        .as_object()
        .unwrap()
        .values()
        .find(|j| j["outputs"].get("wfc-passed-known").is_some())
        .unwrap_or_else(|| panic!("no job has the gate's output:\n{yaml}"));
    let gate_step = gate_job["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["if"].as_str().is_some_and(|i| i.contains("contains(")))
        .unwrap();
    assert_eq!(
        gate_step["if"],
        "${{ !(contains(fromJSON('[\"key\",\"token\"]'), needs.audit.outputs.kind)) }}"
    );
    assert!(yaml.contains("outputs.wfc-passed-known }}"), "{yaml}");
    super::export_github::lint(&[c.path("out/w.yml")]);
}

/// An `optional` step's job continues on error, and GitHub then says
/// `success` of it however it ended: its last step records `job.status`,
/// and its dependants and `.status` readers read that, so a failed
/// optional step does not satisfy `depends on` (as in wfc) and reads as
/// `failed`.
#[test]
fn a_failed_optional_step_reads_as_failed_and_stops_its_dependants() {
    let dir = tempfile::tempdir().unwrap();
    let jobs = super::export_github_computed::exported_jobs(
        dir.path(),
        "workflow w {\n  step a: shell { run \"false\"  optional }\n  step b: shell { run \"true\"  depends on a }\n  step c: shell { run \"echo ${a.status}\"  after a }\n}\n",
    );
    assert_eq!(jobs["a"]["continue-on-error"], true);
    assert_eq!(
        jobs["a"]["outputs"]["wfc-result"],
        "${{ steps.wfc-outcome.outputs.result }}"
    );
    let last = jobs["a"]["steps"].as_array().unwrap().last().unwrap();
    assert_eq!(last["if"], "${{ always() }}");
    assert_eq!(last["env"]["WF_STATUS"], "${{ job.status }}");
    let read = "(needs.a.outputs.wfc-result || needs.a.result)";
    assert_eq!(
        jobs["b"]["if"],
        format!(
            "${{{{ !cancelled() && contains(fromJSON('[\"success\",\"skipped\"]'), {read}) }}}}"
        )
    );
    let shown = jobs["c"]["steps"][1]["env"]["WF_VALUE_1"].as_str().unwrap();
    assert!(
        shown.contains(&format!("{read} == 'failure' && 'failed'")),
        "{shown}"
    );
}

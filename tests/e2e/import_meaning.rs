//! `wfc import` keeps what a workflow does, or says it does not: imported
//! GitHub workflows are checked and run, and each step runs exactly where
//! the original's would (a status function, `continue-on-error`), or a
//! stand-in that fails stands where the import cannot tell (W0902).

use crate::case;
use wfc_testkit::Case;

/// `yaml` imported as `w.wf` (checked), warnings on stderr.
fn imported(yaml: &str) -> (Case, String) {
    let c = case().file(".github/workflows/ci.yml", yaml);
    let out = c
        .wfc(["import", ".github/workflows/ci.yml", "-o", "w.wf"])
        .success()
        .output();
    c.wfc(["check", "w.wf"]).success().output();
    (c, out.stderr)
}

/// Each step's status after a run of `w.wf` with `env` (`--keep-going`:
/// one failure does not stop the other branches; `absent`: pruned by the
/// plan, a condition false there), and whether the run succeeded.
fn run(c: &Case, env: &[(&str, &str)], steps: &[&str]) -> (Vec<String>, bool) {
    let out = c
        .wfc_run(&["-o", "report.json", "--keep-going"])
        .envs(env.iter().copied())
        .output();
    let report = c.report();
    let ran = report["steps"].as_array().cloned().unwrap_or_default();
    let status = steps
        .iter()
        .map(|s| match ran.iter().find(|r| r["name"] == *s) {
            Some(r) => r["status"].as_str().unwrap_or("").to_string(),
            None => "absent".to_string(),
        })
        .collect();
    (status, out.code == 0)
}

const DEPLOY: &str = r#"on: workflow_dispatch
jobs:
  test:
    steps:
      - run: exit ${FAIL_TEST:-0}
  deploy:
    needs: test
    steps:
      - id: ship
        run: exit ${FAIL_DEPLOY:-0}
      - id: notify
        if: failure()
        run: echo "deploy failed"
      - id: cleanup
        if: always()
        run: echo cleanup
      - id: smoke
        run: echo smoke
  page:
    needs: deploy
    if: failure() && github.ref == 'refs/heads/main'
    steps:
      - run: echo paging
"#;

#[test]
fn failure_and_always_run_when_github_runs_them() {
    let (c, _) = imported(DEPLOY);
    let steps = [
        "deploy-ship",
        "deploy-notify",
        "deploy-cleanup",
        "deploy-smoke",
        "page",
    ];
    let main = ("GITHUB_REF", "refs/heads/main");
    // Deploy succeeds: nothing says it failed, the cleanup runs.
    let (got, ok) = run(&c, &[main], &steps);
    assert!(ok);
    assert_eq!(
        got,
        ["succeeded", "skipped", "succeeded", "succeeded", "skipped"]
    );
    // Deploy fails: the step and the job on failure run, the cleanup too.
    let (got, ok) = run(&c, &[main, ("FAIL_DEPLOY", "1")], &steps);
    assert!(!ok);
    assert_eq!(
        got,
        ["failed", "succeeded", "succeeded", "not_run", "succeeded"]
    );
    // On another branch the page's condition does not hold.
    let other = ("GITHUB_REF", "refs/heads/dev");
    let (got, _) = run(&c, &[other, ("FAIL_DEPLOY", "1")], &steps);
    assert_eq!(got[4], "absent");
    // A job's `failure()` is any ancestor's failure: `test` failed, so
    // `deploy` did not run, and the page goes out.
    let (got, ok) = run(&c, &[main, ("FAIL_TEST", "1")], &steps);
    assert!(!ok);
    assert_eq!(
        got,
        ["not_run", "not_run", "not_run", "not_run", "succeeded"]
    );
}

#[test]
fn a_first_steps_failure_never_holds_as_on_github() {
    let (c, warnings) = imported(
        r#"on: workflow_dispatch
jobs:
  deploy:
    steps:
      - run: exit ${FAIL:-0}
  notify:
    needs: deploy
    steps:
      - if: failure()
        run: echo "deploy failed"
"#,
    );
    assert!(warnings.contains("W0909"), "{warnings}");
    for fail in ["0", "1"] {
        let (got, _) = run(&c, &[("FAIL", fail)], &["notify"]);
        assert_eq!(got, ["absent"], "FAIL={fail}");
    }
}

#[test]
fn continue_on_error_lets_the_steps_and_jobs_after_it_run() {
    let (c, _) = imported(
        r#"on: workflow_dispatch
jobs:
  lint:
    steps:
      - run: exit 1
        continue-on-error: true
      - run: echo formatted
  build:
    needs: lint
    if: failure()
    steps:
      - run: echo never
  ship:
    needs: lint
    continue-on-error: true
    steps:
      - run: exit 1
  announce:
    needs: [lint, ship]
    steps:
      - run: echo announced
"#,
    );
    let (got, ok) = run(&c, &[], &["lint-1", "lint-2", "build", "ship", "announce"]);
    assert!(ok, "a step or job that continues on error fails no run");
    assert_eq!(
        got,
        ["failed", "succeeded", "skipped", "failed", "succeeded"]
    );
}

#[test]
fn a_needed_jobs_result_is_read_from_its_steps() {
    let (c, _) = imported(
        r#"on: workflow_dispatch
jobs:
  deploy:
    steps:
      - run: exit ${FAIL:-0}
  revert:
    needs: deploy
    if: always() && needs.deploy.result == 'failure'
    steps:
      - run: echo reverting
"#,
    );
    let (got, _) = run(&c, &[], &["revert"]);
    assert_eq!(got, ["skipped"]);
    let (got, _) = run(&c, &[("FAIL", "1")], &["revert"]);
    assert_eq!(got, ["succeeded"]);
}

#[test]
fn a_condition_it_cannot_translate_stands_behind_a_failing_stand_in() {
    let (c, warnings) = imported(
        r#"on: workflow_dispatch
jobs:
  build:
    steps:
      - run: echo built
  gone:
    needs: build
    if: cancelled()
    steps:
      - run: echo "the run was cancelled"
  tidy:
    needs: build
    steps:
      - run: echo one
      - if: steps.probe.outputs.dirty == 'true'
        run: echo two
"#,
    );
    assert!(warnings.contains("W0902"), "{warnings}");
    let wf = c.read("w.wf");
    assert!(
        wf.contains("# wfc import: stand-in for `if: cancelled()`"),
        "{wf}"
    );
    let (got, ok) = run(
        &c,
        &[],
        &["gone-condition", "gone", "tidy-2-condition", "tidy-2"],
    );
    assert!(!ok, "a refused condition fails the run where it stands");
    assert_eq!(got, ["failed", "not_run", "failed", "not_run"]);
}

#[test]
fn a_matrix_value_in_a_name_or_a_path_keeps_its_meaning() {
    let (c, warnings) = imported(
        r#"on: workflow_dispatch
jobs:
  test:
    strategy:
      matrix:
        os: [linux, mac]
    steps:
      - name: Test on ${{ matrix.os }}
        working-directory: out/${{ matrix.os }}
        run: mkdir -p bin && echo ${{ matrix.os }} > junit.xml && echo app > bin/app
      - uses: actions/upload-artifact@v4
        with:
          name: junit-${{ matrix.os }}
          path: |
            out/${{ matrix.os }}/junit.xml
            out/${{ matrix.os }}/bin/app
      - name: Report ${{ matrix.os }}
        run: echo reported
"#,
    );
    // The name: the loop's iterations keep theirs apart, said so (W0906).
    assert!(
        warnings.contains("the artifact `junit-${{ matrix.os }}` is `junit`"),
        "{warnings}"
    );
    let wf = c.read("w.wf");
    assert!(!wf.contains("matrix-os"), "{wf}");
    assert!(wf.contains("step test-test-on: shell"), "{wf}");
    c.wfc(["run", "w.wf", "--plain"]).success().output();
    let listed = c
        .wfc(["artifacts", "last", "--format", "json"])
        .success()
        .output();
    let mut kept: Vec<String> = listed
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|a| format!("{} {} {}", a["step"], a["name"], a["path"]))
        .collect();
    kept.sort();
    let dir = c.dir().canonicalize().unwrap();
    let d = dir.display();
    assert_eq!(
        kept,
        [
            format!(r#""test-test-on[linux]" "junit" "{d}/out/linux/junit.xml""#),
            format!(r#""test-test-on[linux]" "junit-2" "{d}/out/linux/bin/app""#),
            format!(r#""test-test-on[mac]" "junit" "{d}/out/mac/junit.xml""#),
            format!(r#""test-test-on[mac]" "junit-2" "{d}/out/mac/bin/app""#),
        ]
    );
}

const TASKFILE: &str = r#"version: '3'
vars:
  OUT: bin
tasks:
  build:
    dir: app
    sources: ['**/*.go']
    generates: ['{{.OUT}}/app']
    cmds:
      - mkdir -p {{.OUT}} && cat main.go > {{.OUT}}/app
  dotenv:
    status:
      - test -f .env
    cmds:
      - cp .env.example .env
"#;

/// `(status, up to date)` of each step of the run `-o report.json`.
fn fresh(c: &Case, steps: &[&str]) -> Vec<(String, bool)> {
    let report = c.report();
    let ran = report["steps"].as_array().cloned().unwrap_or_default();
    steps
        .iter()
        .map(|s| match ran.iter().find(|r| r["name"] == *s) {
            Some(r) => (
                r["status"].as_str().unwrap_or("").to_string(),
                r["up_to_date"].is_string(),
            ),
            None => ("absent".to_string(), false),
        })
        .collect()
}

#[test]
fn a_tasks_sources_and_status_keep_it_from_running_again() {
    let c = case()
        .file("Taskfile.yml", TASKFILE)
        .file("app/main.go", "package main\n")
        .file(".env.example", "X=1\n");
    c.wfc(["import", "Taskfile.yml", "-o", "w.wf"])
        .success()
        .stderr_lacks("`sources` has no `.wf` equivalent")
        .output();
    c.wfc(["check", "w.wf"]).success().output();
    let steps = ["build", "dotenv"];
    let run = || {
        c.wfc(["run", "w.wf", "--plain", "-o", "report.json"])
            .success()
            .output()
    };
    let (ran, up_to_date, skipped) = (
        ("succeeded".to_string(), false),
        ("succeeded".to_string(), true),
        ("skipped".to_string(), false),
    );
    run();
    assert_eq!(fresh(&c, &steps), [ran.clone(), ran.clone()]);
    assert_eq!(c.read("app/bin/app"), "package main\n");
    // Nothing changed: Task would skip both.
    run();
    assert_eq!(fresh(&c, &steps), [up_to_date.clone(), skipped.clone()]);
    // A source changed, the generated file is gone: the build runs.
    c.write("app/main.go", "package main // 2\n");
    std::fs::remove_file(c.path(".env")).unwrap();
    run();
    assert_eq!(fresh(&c, &steps), [ran.clone(), ran]);
    assert_eq!(c.read("app/bin/app"), "package main // 2\n");
    // Its output removed, an up-to-date build puts it back.
    std::fs::remove_file(c.path("app/bin/app")).unwrap();
    run();
    assert_eq!(fresh(&c, &steps), [up_to_date, skipped]);
    assert_eq!(c.read("app/bin/app"), "package main // 2\n");
}

#[test]
fn a_job_needing_a_skipped_one_is_skipped_too() {
    let (c, _) = imported(
        r#"on: workflow_dispatch
jobs:
  deploy:
    if: github.ref == 'refs/heads/main'
    steps:
      - run: echo deployed
      - run: echo verified
  smoke:
    needs: deploy
    steps:
      - run: echo smoke
  report:
    needs: smoke
    steps:
      - run: echo report
  tidy:
    needs: smoke
    if: always()
    steps:
      - run: echo tidy
"#,
    );
    let steps = ["deploy-1", "smoke", "report", "tidy"];
    let (got, ok) = run(&c, &[("GITHUB_REF", "refs/heads/main")], &steps);
    assert!(ok);
    assert_eq!(got, ["succeeded", "succeeded", "succeeded", "succeeded"]);
    // Off main GitHub skips `deploy`, and so what needs it, but `tidy`.
    let (got, ok) = run(&c, &[("GITHUB_REF", "refs/heads/dev")], &steps);
    assert!(ok);
    assert_eq!(got, ["absent", "skipped", "skipped", "succeeded"]);
}

#[test]
fn a_command_that_ignores_its_error_lets_the_task_go_on() {
    let c = case().file(
        "Taskfile.yml",
        r#"version: '3'
tasks:
  db:
    cmds:
      - cmd: exit 3
        ignore_error: true
      - echo started > started
  migrate:
    deps: [db]
    cmds:
      - echo migrated > migrated
"#,
    );
    c.wfc(["import", "Taskfile.yml", "-o", "w.wf"])
        .success()
        .output();
    c.wfc(["check", "w.wf"]).success().output();
    let (got, ok) = run(&c, &[], &["db-1", "db-2", "migrate"]);
    assert!(ok, "an ignored error fails nothing");
    assert_eq!(got, ["failed", "succeeded", "succeeded"]);
    assert_eq!(c.read("migrated"), "migrated\n");
}

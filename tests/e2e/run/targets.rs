//! `--target STEP` and `--from STEP` (issue 73): part of a workflow run, as
//! `make TARGET`, `snakemake FILE` or dbt's `--select orders+` do. Each step
//! appends its name to `ran`, so what ran is read back from the folder.

use crate::workflow;

/// fetch → build → deploy[eu], deploy[us] (one at a time) → report (after);
/// lint stands alone. `fetch` keeps a file and gives an output `build`
/// reads; the counter in `n` makes each fetch give a new value.
const PIPELINE: &str = r#"workflow pipe {
  param regions: list<string> = ["eu", "us"]
  step fetch: shell {
    run "echo fetch >> ran; n=$(( $(cat n 2>/dev/null || echo 0) + 1 )); echo $n > n; echo data-$n > data.txt; echo \"version=v$n\" >> $WF_OUTPUTS"
    outputs { version: string }
    artifacts { data = "data.txt" }
  }
  step lint: shell { run "echo lint >> ran" }
  step build: shell {
    depends on fetch
    run "echo build >> ran; echo built ${fetch.outputs.version} from $(cat data.txt) > build.txt"
  }
  for each r in regions {
    step deploy: shell {
      depends on build
      run "echo deploy-${r} >> ran"
    }
  }
  step report: shell {
    after deploy
    run "echo report >> ran"
  }
}"#;

fn ran(c: &wfc_testkit::Case) -> Vec<String> {
    let lines = c.lines("ran");
    std::fs::remove_file(c.path("ran")).ok();
    lines
}

#[test]
fn a_target_runs_it_and_what_it_needs_and_nothing_else() {
    let c = workflow(PIPELINE);
    let r = c.wfc_run(&["--target", "build"]).output();
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(ran(&c), ["fetch", "build"]);

    // One iteration of a loop: the steps it waits for (the one before it,
    // in a loop that runs one at a time) and what they need.
    let r = c.wfc_run(&["--target", "deploy[us]"]).output();
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(ran(&c), ["fetch", "build", "deploy-eu", "deploy-us"]);

    // Two targets; a loop's step name stands for all its iterations.
    let r = c
        .wfc_run(&["--target", "lint", "--target", "deploy"])
        .output();
    assert_eq!(r.code, 0, "{r}");
    let mut got = ran(&c);
    got.sort();
    assert_eq!(got, ["build", "deploy-eu", "deploy-us", "fetch", "lint"]);

    // The plan says what was left out and why.
    let plan = c.wfc(["plan", "w.wf", "--target", "build"]).output();
    assert_eq!(plan.code, 0, "{plan}");
    assert!(
        plan.stdout
            .contains("lint, deploy[eu], deploy[us], report  — not needed by `--target build`"),
        "{plan}"
    );
    let json = c
        .wfc(["plan", "w.wf", "--target", "build", "--format", "json"])
        .output();
    let steps: Vec<String> = json.json()["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(steps, ["fetch", "build"]);
}

#[test]
fn a_name_that_is_no_step_is_refused_with_the_nearest_one() {
    let c = workflow(PIPELINE);
    for cmd in [["run", "w.wf"], ["plan", "w.wf"]] {
        let r = c.wfc(cmd).args(["--target", "biuld"]).output();
        assert_eq!(r.code, 2, "{r}");
        assert!(r.stderr.contains("E0805"), "{r}");
        assert!(
            r.stderr
                .contains("--target biuld: no step of the plan has that name"),
            "{r}"
        );
        assert!(r.stderr.contains("did you mean `build`?"), "{r}");
    }
    let r = c.wfc(["run", "w.wf", "--from", "deploy[fr]"]).output();
    assert_eq!(r.code, 2, "{r}");
    assert!(r.stderr.contains("--from deploy[fr]"), "{r}");
    assert!(!c.path("ran").exists(), "nothing ran");
    // `--from` a step no target needs: nothing to run.
    let r = c
        .wfc(["run", "w.wf", "--from", "lint", "--target", "build"])
        .output();
    assert_eq!(r.code, 2, "{r}");
    assert!(r.stderr.contains("nothing to run"), "{r}");
}

#[test]
fn from_a_step_runs_it_and_after_taking_the_rest_from_the_last_run() {
    let c = workflow(PIPELINE);
    std::fs::create_dir(c.path(".wfc")).unwrap();
    let run = |args: &[&str]| c.wfc(["run", "w.wf", "--plain"]).args(args).output();

    // No earlier run had `fetch`: refused before anything is created.
    let r = run(&["--from", "build"]);
    assert_eq!(r.code, 2, "{r}");
    assert!(r.stderr.contains("E0806"), "{r}");
    assert!(
        r.stderr
            .contains("no earlier run of this workflow has `fetch` succeeded"),
        "{r}"
    );
    let history = c.wfc(["history", "--format", "json"]).output();
    assert_eq!(
        history.json().as_array().map(Vec::len),
        Some(0),
        "{history}"
    );

    let r = run(&[]);
    assert_eq!(r.code, 0, "{r}");
    ran(&c);
    std::fs::remove_file(c.path("data.txt")).unwrap();

    // `fetch` is not run again: its output and its kept file come back
    // from the first run (`v1`, `data-1`); `build` and what follows run.
    let r = run(&["--from", "build"]);
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(ran(&c), ["build", "deploy-eu", "deploy-us", "report"]);
    assert_eq!(c.read("build.txt").trim(), "built v1 from data-1");
    assert!(
        r.stdout.lines().any(|l| l.starts_with("fetch ")
            && l.contains("| ✓ from run ")
            && l.ends_with("(`--from`): not run")),
        "{r}"
    );

    // From one iteration: the one before it is taken from the last run
    // (and nothing before that); `lint` is neither after nor needed.
    let r = run(&["--from", "deploy[us]"]);
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(ran(&c), ["deploy-us", "report"]);

    // Both: the `--from` part of what the targets need.
    let r = run(&["--target", "build", "--from", "build"]);
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(ran(&c), ["build"]);
}

#[test]
fn a_resumed_run_of_a_target_runs_only_that_part() {
    let c = workflow(&PIPELINE.replace(
        "run \"echo build >> ran;",
        "run \"test -e go || exit 7; echo build >> ran;",
    ));
    std::fs::create_dir(c.path(".wfc")).unwrap();
    let r = c
        .wfc(["run", "w.wf", "--plain", "--target", "build"])
        .output();
    assert_eq!(r.code, 1, "{r}");
    assert_eq!(ran(&c), ["fetch"]);
    c.write("go", "");
    let r = c.wfc(["resume", "last", "--plain"]).output();
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(ran(&c), ["build"], "not lint, deploy nor report");
}

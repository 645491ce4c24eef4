//! `wfc resume` after the workflow's `env { }` changed (#51, F11): a step
//! that succeeded with the old environment is not kept as if it had run
//! with the new one; the resume is refused, naming the change, as for a
//! change to the step's own `env`.

const DEPLOY: &str = r#"workflow e {
  param target: string = "staging"
  env { TARGET = target }
  step deploy: shell { run "echo deployed to $TARGET >> log" }
  step verify: shell { run "echo verify $TARGET >> log; test -e go" depends on deploy }
}
"#;

#[test]
fn resume_refuses_a_succeeded_step_whose_workflow_env_changed() {
    let case = crate::workflow(DEPLOY);
    let first = case.wfc(["run", "w.wf", "--plain"]).output();
    assert_eq!(first.code, 1, "verify fails without ./go: {}", first.all());
    assert_eq!(case.read("log"), "deployed to staging\nverify staging\n");

    case.write(
        "w.wf",
        &DEPLOY.replace("env { TARGET = target }", r#"env { TARGET = "prod" }"#),
    );
    case.write("go", "");
    let refused = case.wfc(["resume", "last", "--plain"]).output();
    assert_eq!(refused.code, 2, "{}", refused.all());
    assert!(
        refused.stderr.contains(
            r#"step `deploy` changed (the workflow's env.TARGET: "staging" → "prod"), but it already succeeded"#
        ),
        "{}",
        refused.stderr
    );
    assert!(
        !refused.stderr.contains("but not its plan"),
        "{}",
        refused.stderr
    );
    assert_eq!(
        case.read("log"),
        "deployed to staging\nverify staging\n",
        "nothing ran"
    );

    // The file changed back but for a comment: the plan is the run's, and
    // the resume goes on with the environment `deploy` had.
    case.write("w.wf", &format!("# deploys\n{DEPLOY}"));
    let resumed = case.wfc(["resume", "last", "--plain"]).output();
    assert_eq!(resumed.code, 0, "{}", resumed.all());
    assert!(
        resumed.stderr.contains("but not its plan"),
        "{}",
        resumed.stderr
    );
    assert_eq!(
        case.read("log"),
        "deployed to staging\nverify staging\nverify staging\n"
    );
}

/// A change to the workflow's `env` that a succeeded step does not get
/// (its own `env` sets the key; an `http` step has no environment) lets
/// the resume go on; the failed step takes the new value in.
#[test]
fn resume_takes_in_a_workflow_env_change_no_succeeded_step_gets() {
    let wf = r#"workflow e {
  env { TARGET = "staging" }
  step pinned: shell {
    run "echo pinned to $TARGET >> log"
    env { TARGET = "qa" }
  }
  step verify: shell { run "echo verify $TARGET >> log; test -e go" depends on pinned }
}
"#;
    let case = crate::workflow(wf);
    assert_eq!(case.wfc(["run", "w.wf", "--plain"]).output().code, 1);
    case.write(
        "w.wf",
        &wf.replace(r#"TARGET = "staging""#, r#"TARGET = "prod""#),
    );
    case.write("go", "");
    let resumed = case.wfc(["resume", "last", "--plain"]).output();
    assert_eq!(resumed.code, 0, "{}", resumed.all());
    assert!(
        resumed.stderr.contains(
            r#"step `verify` changed (the workflow's env.TARGET: "staging" → "prod"); it runs with the new definition"#
        ),
        "{}",
        resumed.stderr
    );
    assert_eq!(
        case.read("log"),
        "pinned to qa\nverify staging\nverify prod\n"
    );
}

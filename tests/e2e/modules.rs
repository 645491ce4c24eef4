//! Files of several workflows, a workflow's own outputs, and `wfc list`:
//! the second workflow of a file run by name (and resumed, and shown by
//! `status` and `history`), a name the file does not have, outputs printed,
//! reported and stored with secrets masked, and the listing of a tree.

use crate::case;
use wfc_testkit::Case;

/// Two workflows writing different files; `second` fails until `go` exists.
const TWO: &str = r#"
## Builds.
workflow first {
  step a: shell { run "echo first >> order" }
}

## Ships.
workflow second {
  param who: string = "world"
  step b: shell { run "echo second-b >> order" }
  step c: shell {
    run "test -f go && echo second-c >> order && echo name=${who} >> $WF_OUTPUTS"
    outputs { name: string }
    depends on b
  }
  outputs {
    greeting: string = "hello ${c.outputs.name}"
    steps: int = 2
  }
}
"#;

fn two() -> Case {
    case().file("two.wf", TWO)
}

#[test]
fn the_second_workflow_of_a_file_runs_by_name_and_resumes() {
    let c = two();
    c.write("go", "");
    let r = c.wfc(["run", "two.wf", "second", "--plain"]).output();
    assert_eq!(r.code, 0, "{r}");
    // Only `second` ran, in its order; `first` left nothing.
    assert_eq!(c.lines("order"), ["second-b", "second-c"]);
    assert!(r.stdout.contains("outputs:"), "{r}");
    assert!(r.stdout.contains("greeting = hello world"), "{r}");
    let st = c
        .wfc(["status", "last", "--format", "json"])
        .success()
        .output()
        .json();
    assert_eq!(st["workflow"], "second");
    assert_eq!(st["outputs"]["greeting"], "hello world");
    assert_eq!(st["outputs"]["steps"], 2);
    let text = c.wfc(["status", "last"]).success().output();
    assert!(
        text.stdout.contains("Run ") && text.stdout.contains("— second (two.wf)"),
        "{text}"
    );
    assert!(text.stdout.contains("greeting = hello world"), "{text}");
    let hist = c
        .wfc(["history", "--format", "json"])
        .success()
        .output()
        .json();
    assert_eq!(hist[0]["workflow"], "second");

    // Without a name: the file's first workflow.
    let r = c.wfc(["run", "two.wf", "--plain"]).output();
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(c.lines("order").last().map(String::as_str), Some("first"));
}

#[test]
fn a_failed_run_of_the_second_workflow_has_no_outputs_until_resumed() {
    let c = two();
    let r = c
        .wfc(["run", "two.wf", "second", "--plain", "-p", "who=ann"])
        .output();
    assert_eq!(r.code, 1, "{r}");
    assert!(!r.stdout.contains("outputs:"), "{r}");
    let st = c
        .wfc(["status", "last", "--format", "json"])
        .success()
        .output()
        .json();
    assert_eq!(st["status"], "failed");
    assert!(st.get("outputs").is_none(), "{st}");
    let id = st["id"].as_str().unwrap().to_owned();
    c.write("go", "");
    let r = c.wfc(["resume", &id, "--plain"]).output();
    assert_eq!(r.code, 0, "{r}");
    assert!(r.stdout.contains("greeting = hello ann"), "{r}");
    // `b` succeeded before: not run again.
    assert_eq!(c.lines("order"), ["second-b", "second-c"]);
    let st = c
        .wfc(["status", &id, "--format", "json"])
        .success()
        .output()
        .json();
    assert_eq!(st["workflow"], "second");
    assert_eq!(st["sessions"], 2);
    assert_eq!(st["outputs"]["greeting"], "hello ann");
}

#[test]
fn a_workflow_name_the_file_does_not_have_exits_2_and_runs_nothing() {
    let c = two();
    let r = c.wfc(["run", "two.wf", "secnod", "--plain"]).output();
    assert_eq!(r.code, 2, "{r}");
    assert!(r.stderr.contains("two.wf has no workflow `secnod`"), "{r}");
    assert!(r.stderr.contains("did you mean `second`?"), "{r}");
    assert!(r.stderr.contains("`first`, `second`"), "{r}");
    assert!(!c.path("order").exists());
    let r = c.wfc(["plan", "two.wf", "nope"]).output();
    assert_eq!(r.code, 2, "{r}");
    assert!(!r.stderr.contains("did you mean"), "{r}");
}

#[test]
fn outputs_are_reported_and_stored_with_secrets_masked() {
    let c = case().file(
        "w.wf",
        r#"workflow w {
          secret token: string = env("DEPLOY_TOKEN")
          step login: shell {
            run "echo session=abc-${token}-xyz >> $WF_OUTPUTS; echo plain=visible >> $WF_OUTPUTS"
            outputs { session: string, plain: string }
          }
          outputs {
            header: string = "Bearer ${token}"
            session: string = login.outputs.session
            plain: string = login.outputs.plain
          }
        }"#,
    );
    let secret = "hunter2-s3cr3t";
    let r = c
        .wfc(["run", "w.wf", "--plain", "-o", "report.json"])
        .env("DEPLOY_TOKEN", secret)
        .output();
    assert_eq!(r.code, 0, "{r}");
    assert!(r.stdout.contains("plain   = visible"), "{r}");
    assert!(r.stdout.contains("header  = ***"), "{r}");
    let report = c.report();
    assert_eq!(report["outputs"]["plain"], "visible");
    assert_eq!(report["outputs"]["header"], "***");
    assert!(!report["outputs"]["session"]
        .as_str()
        .unwrap()
        .contains(secret));
    let st = c.wfc(["status", "last"]).success().output();
    assert!(st.stdout.contains("plain   = visible"), "{st}");
    // The secret is nowhere wfc wrote.
    assert!(!r.all().contains(secret));
    assert!(!st.all().contains(secret));
    for f in walk(c.dir()) {
        let bytes = std::fs::read(&f).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        assert!(!text.contains(secret), "{} holds the secret", f.display());
    }
}

#[test]
fn an_output_that_cannot_be_evaluated_fails_the_run() {
    let c = case().file(
        "w.wf",
        r#"workflow w {
          step count: shell { run "echo not-a-number" }
          step after: shell { run "echo ran >> after"  depends on count }
          outputs { n: int = int(trim(count.stdout)) }
          on failure { step note: shell { run "echo failed >> handler" } }
        }"#,
    );
    let r = c.wfc(["run", "w.wf", "--plain", "--no-store"]).output();
    assert_eq!(r.code, 1, "{r}");
    assert!(r.stdout.contains("run failed"), "{r}");
    assert!(r.stdout.contains("outputs.n"), "{r}");
    assert_eq!(c.lines("after"), ["ran"]);
    assert_eq!(c.lines("handler"), ["failed"]);
}

/// Every file below `dir`.
fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn list_shows_every_workflow_of_a_tree_and_counts_errors() {
    let c = case()
        .file("ci.wf", TWO)
        .file(
            "deploy/prod.wf",
            r#"workflow deploy {
              description "Ship a release"
              param env: string in ["dev", "prod"] = "dev"
              param replicas: int in 1..5
              secret token: string = "literal-secret"
              secret key: string = env("KEY")
              step s: shell { run "true" }
              outputs { url: string = "https://${env}.example.com" }
            }"#,
        )
        .file(
            "deploy/broken.wf",
            "workflow broken {\n  step a: shell { run 1 }\n}\n",
        )
        .file("target/skipped.wf", TWO)
        .file("node_modules/skipped.wf", TWO)
        .file(".hidden/skipped.wf", TWO)
        .file("notes.txt", "not a workflow");
    let r = c.wfc(["list", "--format", "json"]).output();
    assert_eq!(r.code, 1, "{r}");
    assert!(!r.stdout.contains("literal-secret"), "{r}");
    insta::assert_snapshot!("list_json", r.stdout);
    let t = c.wfc(["list"]).output();
    assert_eq!(t.code, 1, "{t}");
    assert!(t.stdout.contains("deploy/broken.wf"), "{t}");
    assert!(t.stdout.contains("1 error"), "{t}");
    assert!(t.stdout.contains("Ship a release"), "{t}");
    assert!(t.stdout.contains("env, replicas*, token, key"), "{t}");
    assert!(!t.stdout.contains("skipped"), "{t}");
    // Files named directly; all good: exit 0.
    let r = c.wfc(["list", "ci.wf", "deploy/prod.wf"]).output();
    assert_eq!(r.code, 0, "{r}");
}

#[test]
fn errors_stop_only_the_workflow_that_has_them() {
    let c = case().file(
        "two.wf",
        r#"workflow broken {
          step a: shell { run "echo ${nope}" }
        }

        workflow fine {
          step b: shell { run "echo fine >> ran" }
        }"#,
    );
    let r = c
        .wfc(["run", "two.wf", "fine", "--plain", "--no-store"])
        .output();
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(c.lines("ran"), ["fine"]);
    let r = c.wfc(["run", "two.wf", "--plain", "--no-store"]).output();
    assert_eq!(r.code, 3, "{r}");
    assert!(r.stderr.contains("E0140"), "{r}");
    // `check` reports the file as a whole.
    let r = c.wfc(["check", "two.wf"]).output();
    assert_eq!(r.code, 1, "{r}");
}

/// A workflow output reading `x.status` sees how `x` ended (it read
/// "skipped" for every step once: the outputs' evaluator had no statuses).
#[test]
fn a_workflow_output_reads_how_a_step_ended() {
    let c = case().workflow(
        r#"workflow w {
  step a: shell { run "true" }
  step b: shell { run "false"  optional }
  outputs {
    a_status: string = a.status
    b_status: string = b.status
  }
}
"#,
    );
    let r = c.wfc(["run", "w.wf", "--plain"]).output();
    assert_eq!(r.code, 0, "{r}");
    let st = c
        .wfc(["status", "last", "--format", "json"])
        .success()
        .output()
        .json();
    assert_eq!(st["outputs"]["a_status"], "succeeded", "{st}");
    assert_eq!(st["outputs"]["b_status"], "failed", "{st}");
}

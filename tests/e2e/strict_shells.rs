//! Strict shells: `sh` runs with `-e`, `bash` with `-e -o pipefail` (as
//! GitHub Actions runs them), so a failing command fails its step;
//! `strict false` on a step or the workflow runs the shell bare, and a
//! callee keeps its own choice. Real processes through `wfc run`.

use crate::workflow;

const STRICT: &str = r#"workflow main {
  step listed: shell { run "false; touch listed_went_on" }
  step piped: shell {
    run "false | true; touch piped_went_on"
    shell "bash"
  }
  step loose: shell {
    run "false; false | true; touch loose_went_on"
    shell "bash"
    strict false
  }
  step alone: shell { run "exit 3" }
  step called: call relaxed { }
}

workflow relaxed {
  strict false
  step bare: shell { run "false; touch bare_went_on" }
  step own: shell {
    run "false; touch own_went_on"
    strict true
  }
}
"#;

#[test]
fn a_failing_command_fails_a_strict_step_and_strict_false_goes_on() {
    let c = workflow(STRICT);
    let r = c
        .wfc([
            "run",
            "w.wf",
            "--plain",
            "--keep-going",
            "-o",
            "report.json",
        ])
        .output();
    assert_eq!(r.code, 1, "{r}");
    let report = c.report();
    let step = |n: &str| wfc_testkit::report_step(&report, n);
    let status = |n: &str| step(n)["status"].as_str().unwrap().to_string();
    let error = |n: &str| step(n)["error"].as_str().unwrap_or("").to_string();

    // `sh -e`: the list stops at `false`.
    assert_eq!(status("listed"), "failed");
    assert!(!c.path("listed_went_on").exists());
    assert_eq!(
        error("listed"),
        "exit code 1 (a command failed under `sh -e`; `strict false` lets the script go on)"
    );
    // `bash -e -o pipefail`: the pipeline failed with its first command.
    assert_eq!(status("piped"), "failed");
    assert!(!c.path("piped_went_on").exists());
    assert!(
        error("piped").contains("`bash -e -o pipefail`"),
        "{}",
        error("piped")
    );
    // Bare: as a shell runs a script by default.
    assert_eq!(status("loose"), "succeeded", "{}", error("loose"));
    assert!(c.path("loose_went_on").exists());
    // One command's failure needs no hint.
    assert_eq!(error("alone"), "exit code 3");
    // The callee's `strict false` is its steps', and a step's own wins.
    assert_eq!(status("called.bare"), "succeeded");
    assert!(c.path("bare_went_on").exists());
    assert_eq!(status("called.own"), "failed");
    assert!(!c.path("own_went_on").exists());
}

#[test]
fn strict_must_be_a_literal_bool() {
    let c = workflow(
        r#"workflow w {
  param p: bool = false
  strict p
  step a: shell { run "true"  strict "no" }
}
"#,
    );
    let r = c.wfc(["check", "w.wf"]).output();
    assert_ne!(r.code, 0, "{r}");
    assert!(r.stderr.contains("E0116"), "{r}");
    assert!(r.stderr.contains("`strict` must be a literal value"), "{r}");
    assert!(
        r.stderr.contains("`strict` expects bool, found string"),
        "{r}"
    );
}

/// The exports keep the choice: GitHub's own `bash`/`sh` are strict, a bare
/// step runs `bash --noprofile --norc {0}` (and its script is not made strict
/// by the wrappers), Argo's script sets the options; the import reads them back.
#[test]
fn exports_run_the_shells_as_wfc_does_and_the_import_reads_it_back() {
    let c = workflow(
        r#"workflow w {
  step strict_one: shell { run "false | true; echo on"  shell "bash" }
  step bare: shell {
    run "false; echo on"
    shell "bash"
    strict false
    retry 1
  }
}
"#,
    );
    let gh = c
        .wfc(["export", "github", "w.wf"])
        .success()
        .output()
        .stdout;
    assert!(gh.contains("shell: bash\n"), "{gh}");
    assert!(gh.contains("shell: bash --noprofile --norc {0}"), "{gh}");
    assert!(gh.contains("set +e  # wfc: strict false"), "{gh}");
    c.write("w.yml", &gh);
    let back = c.wfc(["import", "w.yml"]).success().output().stdout;
    let bare = back.split("step bare").nth(1).expect("the bare step");
    assert!(bare.contains("strict false"), "{back}");
    let strict_one = back.split("step strict_one").nth(1).unwrap();
    let strict_one = strict_one.split("step bare").next().unwrap();
    assert!(!strict_one.contains("strict"), "{back}");

    let argo = c
        .wfc(["export", "argo", "w.wf", "--image", "alpine"])
        .success()
        .output()
        .stdout;
    assert!(argo.contains("set -e -o pipefail\n"), "{argo}");
}

//! A newcomer's first day, through the `wfc` binary: relative paths resolve
//! in the workflow file's folder (or `--workdir`), a missing `workdir` is
//! made, each run has a folder of its own (`run.dir`, `$WFC_RUN_DIR`) kept
//! while it can be resumed, the run store is found as `.git` is, and
//! `require_env` refuses to start without its variable.

use crate::case;
use std::path::{Path, PathBuf};

/// A step that writes where it runs, and the run's folder, to files named
/// relatively (so they land in its working folder).
const WHERE: &str = r#"workflow w {
  step a: shell {
    run "pwd > where.txt; echo \"$WFC_RUN_DIR\" > run-dir.txt; test -d \"$WFC_RUN_DIR\" && echo ${run.dir} > same.txt"
  }
  step b: shell {
    workdir "made/deep"
    run "pwd > where.txt; test \"$FAIL\" != 1"
    depends on a
  }
}
"#;

fn real(p: &Path) -> PathBuf {
    std::fs::canonicalize(p).unwrap()
}

#[test]
fn a_workflow_runs_in_its_own_folder_from_anywhere() {
    let c = case().file("sub/w.wf", WHERE);
    std::fs::create_dir_all(c.path("elsewhere")).unwrap();
    c.wfc(["run", "../sub/w.wf", "--plain", "--no-store"])
        .current_dir("elsewhere")
        .success()
        .output();
    let sub = real(&c.path("sub"));
    assert_eq!(c.read("sub/where.txt").trim(), sub.display().to_string());
    // A missing workdir is made, in the workflow's folder.
    let deep = sub.join("made/deep");
    assert_eq!(
        c.read("sub/made/deep/where.txt").trim(),
        deep.display().to_string()
    );
    assert!(!c.path("elsewhere/where.txt").exists());

    // `--workdir .`: the current folder, as before.
    c.wfc([
        "run",
        "--workdir",
        ".",
        "../sub/w.wf",
        "--plain",
        "--no-store",
    ])
    .current_dir("elsewhere")
    .success()
    .output();
    let elsewhere = real(&c.path("elsewhere"));
    assert_eq!(
        c.read("elsewhere/where.txt").trim(),
        elsewhere.display().to_string()
    );
    assert!(c.path("elsewhere/made/deep/where.txt").exists());
}

#[test]
fn a_workdir_that_cannot_be_made_fails_the_step_with_its_code() {
    let c = case().workflow(
        "workflow w {\n  step a: shell {\n    workdir \"file/x\"\n    run \"true\"\n  }\n}\n",
    );
    c.write("file", "");
    c.wfc_run(&[])
        .status(1)
        .stdout_has("E0800: the workdir")
        .output();
}

#[test]
fn a_bad_workdir_flag_is_refused_before_anything_runs() {
    case()
        .workflow("workflow w {\n  step a: shell { run \"touch ran\" }\n}\n")
        .wfc(["run", "w.wf", "--no-store", "--workdir", "nowhere"])
        .status(2)
        .stderr_has("E0803")
        .output();
}

#[test]
fn the_run_folder_exists_during_the_run_and_goes_after() {
    let c = case().file("w.wf", WHERE);
    let tmp = c.path("tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    c.wfc(["run", "w.wf", "--plain"])
        .env("TMPDIR", &tmp)
        .success()
        .output();
    let dir = c.read("run-dir.txt").trim().to_owned();
    assert!(dir.starts_with(&tmp.display().to_string()), "{dir}");
    assert_eq!(c.read("same.txt").trim(), dir, "run.dir is $WFC_RUN_DIR");
    assert!(!Path::new(&dir).exists(), "removed after the run");

    c.wfc(["run", "w.wf", "--plain", "--keep-run-dir"])
        .env("TMPDIR", &tmp)
        .success()
        .output();
    let kept = c.read("run-dir.txt").trim().to_owned();
    assert_ne!(kept, dir, "a fresh folder per run");
    assert!(Path::new(&kept).is_dir(), "--keep-run-dir keeps it");
}

#[test]
fn a_failed_run_keeps_its_folder_and_resume_gets_it_back() {
    let c = case().file("w.wf", WHERE);
    let tmp = c.path("tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    c.wfc(["run", "w.wf", "--plain"])
        .env("TMPDIR", &tmp)
        .env("FAIL", "1")
        .status(1)
        .output();
    let dir = c.read("run-dir.txt").trim().to_owned();
    assert!(Path::new(&dir).is_dir(), "kept while resumable");
    std::fs::write(Path::new(&dir).join("left.txt"), "from the first session").unwrap();
    // `b` runs again, from another folder, in the same run folder.
    std::fs::create_dir_all(c.path("sub")).unwrap();
    c.wfc(["resume", "last", "--plain"])
        .current_dir("sub")
        .env("TMPDIR", &tmp)
        .env("FAIL", "0")
        .success()
        .output();
    assert!(!Path::new(&dir).exists(), "removed once the run succeeded");
    assert_eq!(c.read("sub/.wfc/runs.db"), "", "the store above was found");
}

#[test]
fn the_store_is_found_above_and_made_beside_the_file() {
    let c = case().file(
        "proj/ci/w.wf",
        "workflow w {\n  step a: shell { run \"true\" }\n}\n",
    );
    // No store anywhere: a new one beside the file, ignoring itself.
    c.wfc(["run", "proj/ci/w.wf", "--plain"]).success().output();
    assert_eq!(c.read("proj/ci/.wfc/.gitignore"), "*\n");
    assert!(!c.path(".wfc").exists());
    // From a folder below it, `history` finds it.
    std::fs::create_dir_all(c.path("proj/ci/deep/er")).unwrap();
    c.wfc(["history"])
        .current_dir("proj/ci/deep/er")
        .success()
        .stdout_has("succeeded")
        .output();
    // A store at the project's root is the nearest from there.
    std::fs::create_dir_all(c.path("proj/.wfc")).unwrap();
    c.wfc(["run", "ci/w.wf", "--plain"])
        .current_dir("proj")
        .success()
        .output();
    assert!(c.path("proj/.wfc/runs.db").exists());
}

const REQUIRES: &str = r#"workflow w {
  param region: string = require_env("WFC_TEST_REGION")
  step a: shell { run "echo ${region} > ran.txt" }
}
"#;

#[test]
fn require_env_refuses_to_start_without_its_variable() {
    let c = case().workflow(REQUIRES);
    for value in [None, Some("")] {
        let mut run = c.wfc_run(&[]).env_remove("WFC_TEST_REGION");
        if let Some(v) = value {
            run = run.env("WFC_TEST_REGION", v);
        }
        run.status(2)
            .stderr_has("E0802")
            .stderr_has("`WFC_TEST_REGION`")
            .output();
        assert_eq!(c.read("ran.txt"), "", "nothing ran");
    }
    c.wfc(["plan", "w.wf"])
        .env_remove("WFC_TEST_REGION")
        .status(2)
        .stderr_has("E0802")
        .output();
    c.wfc_run(&[])
        .env("WFC_TEST_REGION", "eu-west-1")
        .success()
        .output();
    assert_eq!(c.read("ran.txt").trim(), "eu-west-1");
}

/// A fixture of `tests/run/`.
fn fixture(name: &str) -> String {
    let root = env!("CARGO_MANIFEST_DIR");
    std::fs::read_to_string(format!("{root}/tests/run/{name}")).unwrap()
}

#[test]
fn the_run_fixtures_give_their_codes() {
    let c = case().workflow(&fixture("E0800-workdir-not-made.wf"));
    c.write("blocker", "");
    c.wfc_run(&[])
        .status(1)
        .stdout_has("E0800: the workdir")
        .output();
    assert!(!c.path("after-ran").exists(), "its dependents did not run");

    let c = case().workflow(&fixture("E0801-run-dir-not-made.wf"));
    c.wfc_run(&[])
        .env("TMPDIR", c.path("nowhere"))
        .status(2)
        .stderr_has("E0801: the run's folder cannot be made")
        .output();
    assert!(!c.path("ran").exists(), "nothing ran");
}

#[test]
fn explain_prints_a_page_and_refuses_an_unknown_code() {
    let out = case().wfc(["explain", "e0802"]).success().output();
    assert!(
        out.stdout.starts_with("E0802\n\n**A variable"),
        "{}",
        out.stdout
    );
    assert!(!out.stdout.contains("## E0803"), "one page: {}", out.stdout);
    case()
        .wfc(["explain", "E0141x"])
        .status(2)
        .stderr_has("E0804")
        .stderr_has("did you mean `E0141`?")
        .output();
}

#[test]
fn check_with_no_file_checks_the_folder_below() {
    let good = "workflow w {\n  step a: shell { run \"true\" }\n}\n";
    let c = case()
        .file("a.wf", good)
        .file("ci/b.wf", good)
        .file(
            "ci/bad.wf",
            "workflow w {\n  step a: shel { run \"x\" }\n}\n",
        )
        .file(".hidden/c.wf", "not a workflow")
        .file("target/d.wf", "not a workflow");
    let out = c.wfc(["check"]).status(1).output();
    for shown in ["a.wf: ok", "b.wf: ok", "bad.wf: 1 error"] {
        assert!(out.stderr.contains(shown), "{shown}\n{}", out.stderr);
    }
    assert!(
        !out.stderr.contains(".hidden") && !out.stderr.contains("target"),
        "{}",
        out.stderr
    );
    // A folder as an argument; W0300 from another folder, not from its own.
    c.write(
        "ci/b.wf",
        "workflow w {\n  step a: shell { run \"./x.sh\" }\n}\n",
    );
    c.wfc(["check", "ci/b.wf"])
        .success()
        .stderr_has("W0300")
        .output();
    c.wfc(["check", "."])
        .current_dir("ci")
        .status(1)
        .stderr_lacks("W0300")
        .output();
    c.wfc(["check", "--workdir", ".", "ci/b.wf"])
        .success()
        .stderr_lacks("W0300")
        .output();
    std::fs::create_dir_all(c.path("empty")).unwrap();
    c.wfc(["check", "empty"])
        .status(2)
        .stderr_has("no .wf files under empty")
        .output();
}

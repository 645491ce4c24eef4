//! `wfc resume` after a file a step runs as its code changed (#51): the
//! step's definition names only the path, so the recorded plan keeps a
//! hash of the file's content too. A succeeded `python` or `sql` step whose
//! file changed is not kept as if it had run the new code: the resume is
//! refused, naming the file; a failed step takes the new code in.

/// In `flow/`, run from the directory above it with `--workdir .` (the
/// database and the scripts' `log` and `go` are there, and a resume keeps
/// that folder): the files are read beside the workflow file, as the run
/// reads them.
const FLOW: &str = r#"workflow e {
  step make: python { file "make.py" }
  step load: sql {
    database "sqlite:flow/d.db?mode=rwc"
    file "load.sql"
    depends on make
  }
  step check: python { file "check.py"  depends on load }
}
"#;

const MAKE: &str = "open('log', 'a').write('make v1\\n')\n";
const LOAD: &str = "create table if not exists t(v text); insert into t values ('v1');\n";
const CHECK: &str = "open('log', 'a').write('check\\n')\nimport os, sys\nsys.exit(0 if os.path.exists('go') else 1)\n";

fn case() -> wfc_testkit::Case {
    let case = crate::case();
    case.write("flow/w.wf", FLOW);
    case.write("flow/make.py", MAKE);
    case.write("flow/load.sql", LOAD);
    case.write("flow/check.py", CHECK);
    // The store here, where `wfc resume` runs (else it goes beside the file).
    std::fs::create_dir(case.path(".wfc")).unwrap();
    let first = case
        .wfc(["run", "flow/w.wf", "--plain", "--workdir", "."])
        .output();
    assert_eq!(first.code, 1, "check fails without ./go: {}", first.all());
    assert_eq!(case.read("log"), "make v1\ncheck\n");
    case
}

#[test]
fn resume_refuses_a_succeeded_step_whose_file_changed() {
    let case = case();
    case.write("flow/make.py", &MAKE.replace("v1", "v2"));
    case.write("go", "");
    let refused = case.wfc(["resume", "last", "--plain"]).output();
    assert_eq!(refused.code, 2, "{}", refused.all());
    assert!(
        refused
            .stderr
            .contains("step `make` changed (the file make.py changed), but it already succeeded"),
        "{}",
        refused.stderr
    );
    assert_eq!(case.read("log"), "make v1\ncheck\n", "nothing ran");

    // A `sql` step's query file is checked as well.
    case.write("flow/make.py", MAKE);
    case.write("flow/load.sql", &LOAD.replace("'v1'", "'v2'"));
    let refused = case.wfc(["resume", "last", "--plain"]).output();
    assert_eq!(refused.code, 2, "{}", refused.all());
    assert!(
        refused
            .stderr
            .contains("step `load` changed (the file load.sql changed), but it already succeeded"),
        "{}",
        refused.stderr
    );
    assert!(!refused.stderr.contains("make.py"), "{}", refused.stderr);
    assert_eq!(case.read("log"), "make v1\ncheck\n", "nothing ran");

    // Back as they ran: the resume goes on, keeping `make` and `load`.
    case.write("flow/load.sql", LOAD);
    let resumed = case.wfc(["resume", "last", "--plain"]).output();
    assert_eq!(resumed.code, 0, "{}", resumed.all());
    assert_eq!(case.read("log"), "make v1\ncheck\ncheck\n");
}

/// The step that failed runs its file as it is now: fixing it and
/// resuming is the point.
#[test]
fn resume_runs_a_failed_step_with_its_changed_file() {
    let case = case();
    case.write("flow/check.py", "open('log', 'a').write('check v2\\n')\n");
    let resumed = case.wfc(["resume", "last", "--plain"]).output();
    assert_eq!(resumed.code, 0, "{}", resumed.all());
    assert!(
        resumed.stderr.contains(
            "step `check` changed (the file check.py changed); it runs with the new definition"
        ),
        "{}",
        resumed.stderr
    );
    assert_eq!(case.read("log"), "make v1\ncheck\ncheck v2\n");
}

//! Artifacts through the real `wfc`: a producer's files kept in the run
//! store and read by a consumer as `build.artifacts.NAME`, listed by
//! `wfc status`, copied out (checked) by `wfc artifacts -o`, put back by
//! `wfc resume`; and each way it refuses (`tests/run/E084x-*.wf`).

use super::fixture;
use crate::workflow;
use wfc_testkit::Case;

/// `wfc run w.wf --plain` with a store.
fn run(c: &Case) -> wfc_testkit::Output {
    c.wfc(["run", "w.wf", "--plain"]).output()
}

/// The run's one stored copy (by content) under `.wfc/artifacts/RUN/`.
fn stored(c: &Case) -> std::path::PathBuf {
    let runs: Vec<_> = std::fs::read_dir(c.path(".wfc/artifacts"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(runs.len(), 1, "{runs:?}");
    let files: Vec<_> = std::fs::read_dir(&runs[0])
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    files[0].clone()
}

#[test]
fn a_consumer_reads_the_producers_files_and_wfc_artifacts_copies_them_out() {
    let c = workflow(
        r#"workflow ship {
  step build: shell {
    run "mkdir -p dist/docs && echo one > dist/a.tgz && echo two > dist/b.tgz && echo doc > dist/docs/x.tgz"
    artifacts {
      bundle = "dist/*.tgz"
      notes = "dist/*.md" optional
    }
  }
  step publish: python {
    script """
      import json
      paths = ${build.artifacts.bundle}
      notes = ${build.artifacts.notes}
      with open("published", "w") as f:
          json.dump({"texts": [open(p).read().strip() for p in paths], "notes": notes}, f)
    """
  }
  step first: shell { run "cat ${build.artifacts.bundle[0]} > first" }
}
"#,
    );
    let r = run(&c);
    assert_eq!(r.code, 0, "{}", r.all());
    let published: serde_json::Value = serde_json::from_str(&c.read("published")).unwrap();
    // `*` stays in its folder: dist/docs/x.tgz is not a match; sorted by path.
    assert_eq!(published["texts"], serde_json::json!(["one", "two"]));
    assert_eq!(published["notes"], serde_json::json!([]));
    assert_eq!(c.read("first"), "one\n");

    let status = c.wfc(["status", "last"]).output();
    assert!(status.stdout.contains("ARTIFACTS"), "{}", status.all());
    let a = c.path("dist/a.tgz").canonicalize().unwrap();
    assert!(
        status
            .stdout
            .contains(&format!("build  bundle  {}  4 bytes", a.display())),
        "{}",
        status.stdout
    );
    let listed = c.wfc(["artifacts", "last", "--format", "json"]).output();
    let listed = listed.json();
    assert_eq!(listed.as_array().unwrap().len(), 2, "{listed:#}");
    assert_eq!(listed[0]["sha256"].as_str().unwrap().len(), 64);

    // Copied out from the store, not from dist/: gone meanwhile.
    std::fs::remove_dir_all(c.path("dist")).unwrap();
    let out = c.wfc(["artifacts", "last", "build", "-o", "out"]).output();
    assert_eq!(out.code, 0, "{}", out.all());
    assert_eq!(c.read("out/build/bundle/a.tgz"), "one\n");
    assert_eq!(c.read("out/build/bundle/b.tgz"), "two\n");
}

#[test]
fn a_glob_matching_nothing_fails_the_step_unless_optional() {
    let c = fixture("E0840-artifact-glob-matches-nothing.wf");
    let r = run(&c);
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(
        r.all()
            .contains("E0840: artifact `bundle`: the glob `dist/*.tgz` matched no file"),
        "{}",
        r.all()
    );
    assert!(!c.path("published").exists(), "publish ran");
    // Nothing kept, nothing recorded.
    let listed = c.wfc(["artifacts", "last", "--format", "json"]).output();
    assert_eq!(listed.json(), serde_json::json!([]));
}

#[test]
fn links_out_of_the_folder_pipes_and_unmounted_workdirs_are_refused() {
    for (fixture_name, code) in [
        ("E0841-artifact-link-out-of-folder.wf", "E0841"),
        ("E0842-docker-workdir-not-mounted.wf", "E0842"),
        ("E0843-artifact-not-a-regular-file.wf", "E0843"),
    ] {
        let c = fixture(fixture_name);
        let r = run(&c);
        assert_eq!(r.code, 1, "{fixture_name}: {}", r.all());
        assert!(
            r.all().contains(&format!("{code}: ")),
            "{fixture_name}: {}",
            r.all()
        );
        assert!(
            !c.path(".wfc/artifacts").exists() || dir_is_empty(&c),
            "{fixture_name}"
        );
    }
}

/// No stored copy in any run folder.
fn dir_is_empty(c: &Case) -> bool {
    std::fs::read_dir(c.path(".wfc/artifacts"))
        .unwrap()
        .all(|run| {
            std::fs::read_dir(run.unwrap().path())
                .unwrap()
                .next()
                .is_none()
        })
}

#[test]
fn wfc_artifacts_refuses_an_unknown_step_and_a_changed_copy() {
    let c = fixture("E0844-no-artifacts-of-step.wf");
    assert_eq!(run(&c).code, 0);
    let r = c.wfc(["artifacts", "last", "publish"]).output();
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(r.stderr.contains("E0844: run "), "{}", r.stderr);

    let c = fixture("E0845-tampered-artifact.wf");
    assert_eq!(run(&c).code, 0);
    std::fs::write(stored(&c), "v2\n").unwrap();
    let r = c.wfc(["artifacts", "last", "-o", "out"]).output();
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(
        r.stderr.contains("E0845: the stored copy of"),
        "{}",
        r.stderr
    );
    assert!(
        !c.path("out/build/bundle/app.tgz").exists(),
        "a changed copy was written"
    );
}

#[test]
fn resume_puts_a_restored_steps_files_back_or_refuses_a_changed_copy() {
    let c = fixture("E0846-artifact-not-restored.wf");
    let r = run(&c);
    assert_eq!(r.code, 1, "check fails without ./go: {}", r.all());
    std::fs::remove_dir_all(c.path("dist")).unwrap();
    c.write("go", "");
    let r = c.wfc(["resume", "last", "--plain"]).output();
    assert_eq!(r.code, 0, "{}", r.all());
    assert_eq!(c.read("builds"), "built\n", "build ran again");
    assert_eq!(c.read("dist/app.tgz"), "v1\n", "not put back");
    assert_eq!(c.read("seen"), "v1\n");

    // A second run fails again; its stored copy is then changed.
    std::fs::remove_file(c.path("go")).unwrap();
    assert_eq!(run(&c).code, 1);
    let last = c.wfc(["history", "--format", "json"]).output().json()[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let folder = c.path(".wfc/artifacts").join(&last);
    let copy = std::fs::read_dir(&folder)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    std::fs::write(copy, "evil\n").unwrap();
    c.write("go", "");
    let r = c.wfc(["resume", &last, "--plain"]).output();
    assert_ne!(r.code, 0, "{}", r.all());
    assert!(
        r.all().contains("E0846: step `build` succeeded before"),
        "{}",
        r.all()
    );
    assert_eq!(
        c.read("dist/app.tgz"),
        "v1\n",
        "the changed copy was put back"
    );
}

#[test]
fn a_command_gets_each_artifact_as_an_argument_of_its_own() {
    // Names with blanks, quotes and shell syntax: each is one argument,
    // and none runs (the design's `run "upload ${build.artifacts.bundle}"`).
    let c = workflow(
        r#"workflow ship {
  step build: shell {
    run "mkdir -p dist && echo one > \"dist/a b.tgz\" && echo two > \"dist/it's \\$(touch pwned).tgz\""
    artifacts { bundle = "dist/*.tgz" }
  }
  step publish: shell {
    run "for f in ${build.artifacts.bundle} --; do printf '<%s>\n' \"$f\"; done > args"
  }
  step count: shell { run "set -- ${build.artifacts.bundle}; echo $# > count" }
}
"#,
    );
    let r = run(&c);
    assert_eq!(r.code, 0, "{}", r.all());
    let dist = c.path("dist").canonicalize().unwrap();
    assert_eq!(
        c.read("args"),
        format!(
            "<{0}/a b.tgz>\n<{0}/it's $(touch pwned).tgz>\n<-->\n",
            dist.display()
        )
    );
    assert_eq!(c.read("count"), "2\n");
    assert!(!c.path("pwned").exists());
    assert!(!c.path("dist/pwned").exists());
}

#[test]
fn wfc_artifacts_names_the_folder_copies_are_kept_in() {
    let c = workflow(
        r#"workflow ship {
  step build: shell {
    run "mkdir -p dist && echo one > dist/a.tgz"
    artifacts { bundle = "dist/a.tgz" }
  }
}
"#,
    );
    let shared = c.path("shared");
    let r = c
        .wfc(["run", "w.wf", "--plain"])
        .env("WFC_ARTIFACTS", &shared)
        .output();
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        !c.path(".wfc/artifacts").exists(),
        "not in the state folder"
    );
    let runs: Vec<_> = std::fs::read_dir(&shared).unwrap().collect();
    assert_eq!(runs.len(), 1, "{runs:?}");
    // Read from there (checked), and not found without the setting.
    std::fs::remove_dir_all(c.path("dist")).unwrap();
    let out = c
        .wfc(["artifacts", "last", "build", "-o", "out"])
        .env("WFC_ARTIFACTS", &shared)
        .output();
    assert_eq!(out.code, 0, "{}", out.all());
    assert_eq!(c.read("out/build/bundle/a.tgz"), "one\n");
    let lost = c
        .wfc(["artifacts", "last", "build", "-o", "again"])
        .output();
    assert_ne!(lost.code, 0, "{}", lost.all());
    assert!(lost.stderr.contains("E0845"), "{}", lost.all());
}

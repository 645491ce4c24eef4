//! `wfc export github-actions`: `artifacts` as upload-artifact and
//! download-artifact (pinned by commit SHA). The pack and unpack scripts
//! run for real with bash: the files come back at their paths in the jobs
//! after, a glob matching nothing fails the step unless it is optional,
//! and the glob reaches bash through `env:` only.

use serde_json::Value as Json;
use std::path::Path;
use std::process::Command;

use super::export_github::{export, lint};

const UPLOAD: &str = "actions/upload-artifact@ea165f8d65b6e75b540449e92b4886f43607fa02";
const DOWNLOAD: &str = "actions/download-artifact@d3f86a106a0bac45b974a628896c90dbdf5c8093";

/// Runs a `run:` step with bash in `dir`, its env and `RUNNER_TEMP` set.
fn bash(step: &Json, dir: &Path, temp: &Path) -> std::process::Output {
    let mut cmd = Command::new("bash");
    cmd.arg("-e")
        .arg("-c")
        .arg(step["run"].as_str().unwrap())
        .current_dir(dir);
    for (k, v) in step["env"].as_object().into_iter().flatten() {
        cmd.env(k, v.as_str().unwrap());
    }
    cmd.env("RUNNER_TEMP", temp).output().unwrap()
}

#[test]
fn artifacts_are_uploaded_and_unpacked_where_they_were() {
    let dir = tempfile::tempdir().unwrap();
    let wf = dir.path().join("files.wf");
    std::fs::write(
        &wf,
        r#"workflow files {
  step build: shell {
    run "mkdir -p dist/deep && echo app > 'dist/a b.tgz' && echo x > dist/deep/c.tgz"
    workdir "app"
    artifacts {
      bundle = "dist/**/*.tgz"
      report = "out/report.html" optional
    }
  }
  step lint: shell { run "ls app/dist"  depends on build }
  step test: shell { run "ls app/dist"  depends on build }
}
"#,
    )
    .unwrap();
    let out = dir.path().join("files.yml");
    let run = export(&wf, &[], &out);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let yaml = std::fs::read_to_string(&out).unwrap();
    insta::assert_snapshot!("export_github_files", yaml.split_once('\n').unwrap().1);
    lint(std::slice::from_ref(&out));
    let doc: Json = serde_norway::from_str(&yaml).unwrap();
    let build = doc["jobs"]["build"]["steps"].as_array().unwrap().clone();
    let uses: Vec<&str> = build.iter().filter_map(|s| s["uses"].as_str()).collect();
    assert_eq!(uses[1..], [UPLOAD, UPLOAD]);
    // Each job after `build`: checkout, the download, the unpack.
    for job in ["lint", "test"] {
        let steps = doc["jobs"][job]["steps"].as_array().unwrap();
        assert_eq!(steps[1]["uses"], DOWNLOAD, "{job}");
        assert_eq!(steps[1]["with"]["pattern"], "wfc-build--bundle--*");
    }

    // Pack in one workspace, unpack in another: the same paths.
    let (work, temp, next) = (
        dir.path().join("w1"),
        dir.path().join("t1"),
        dir.path().join("w2"),
    );
    for d in [&work, &temp, &next] {
        std::fs::create_dir_all(d).unwrap();
    }
    // The `workdir` is made first, as `wfc run` makes it.
    let folder = bash(&build[1], &work, &temp);
    assert!(
        folder.status.success() && work.join("app").is_dir(),
        "{folder:?}"
    );
    assert_eq!(build[2]["working-directory"], "app");
    let made = Command::new("sh")
        .arg("-c")
        .arg(build[2]["run"].as_str().unwrap())
        .current_dir(work.join("app"))
        .status()
        .unwrap();
    assert!(made.success());
    let packed = bash(&build[3], &work, &temp);
    assert!(packed.status.success(), "{packed:?}");
    assert!(build[3]["run"].as_str().unwrap().contains("$WF_GLOB"));
    // The optional report matched nothing: no tarball, no failure.
    let report = bash(&build[5], &work, &temp);
    assert!(report.status.success(), "{report:?}");
    let unpack_dir = temp.join("wfc-unpack");
    std::fs::create_dir_all(&unpack_dir).unwrap();
    for f in std::fs::read_dir(temp.join("wfc-pack")).unwrap() {
        let f = f.unwrap().path();
        std::fs::copy(&f, unpack_dir.join(f.file_name().unwrap())).unwrap();
    }
    let lint_steps = doc["jobs"]["lint"]["steps"].as_array().unwrap();
    let unpack = lint_steps
        .iter()
        .find(|s| s["run"].as_str().is_some_and(|r| r.contains("wfc-unpack")))
        .unwrap();
    let unpacked = bash(unpack, &next, &temp);
    assert!(unpacked.status.success(), "{unpacked:?}");
    assert_eq!(
        std::fs::read_to_string(next.join("app/dist/a b.tgz")).unwrap(),
        "app\n"
    );
    assert_eq!(
        std::fs::read_to_string(next.join("app/dist/deep/c.tgz")).unwrap(),
        "x\n"
    );

    // A required artifact that matches nothing fails its step, naming it.
    let empty = dir.path().join("w3");
    std::fs::create_dir_all(empty.join("app")).unwrap();
    let failed = bash(&build[3], &empty, &temp);
    assert!(!failed.status.success());
    assert!(
        String::from_utf8_lossy(&failed.stderr).contains("wfc-build--bundle--0 matched no file")
    );
}

/// `${build.artifacts.dist}` as words of a command: a line before it sets
/// the files (from the tarballs' listing, under the workspace, sorted) as
/// its `"$@"`, inside whatever wraps the command; the tarball is the
/// downloaded one in a job after, the packed one when the jobs fold.
#[test]
fn an_artifacts_files_are_the_words_of_a_command() {
    let dir = tempfile::tempdir().unwrap();
    let wf = dir.path().join("w.wf");
    std::fs::write(
        &wf,
        r#"workflow release {
  step build: shell {
    run "mkdir -p 'dist/a b' && echo 1 > 'dist/a b/one' && echo 2 > dist/two"
    artifacts { dist = "dist/**" }
  }
  step list: shell {
    run "printf '[%s]\n' ${build.artifacts.dist} > listed"
    retry 1 backoff 1s
    depends on build
  }
}
"#,
    )
    .unwrap();
    let out = dir.path().join("w.yml");
    let run = export(&wf, &[], &out);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    lint(std::slice::from_ref(&out));
    let yaml = std::fs::read_to_string(&out).unwrap();
    let doc: Json = serde_norway::from_str(&yaml).unwrap();
    // One job (a chain folds): build, pack, upload, list.
    let steps = doc["jobs"]["build"]["steps"].as_array().unwrap();
    let runs: Vec<&Json> = steps.iter().filter(|s| s.get("run").is_some()).collect();
    let list = runs.last().unwrap();
    let script = list["run"].as_str().unwrap();
    assert!(
        script.contains("wfc_attempt() (\nset -e\nset --;"),
        "inside the retry: {script}"
    );
    let (work, temp) = (dir.path().join("work"), dir.path().join("temp"));
    std::fs::create_dir_all(&work).unwrap();
    std::fs::create_dir_all(&temp).unwrap();
    for step in &runs[..2] {
        let got = bash(step, &work, &temp);
        assert!(got.status.success(), "{got:?}");
    }
    let mut cmd = Command::new("sh");
    cmd.arg("-e").arg("-c").arg(script).current_dir(&work);
    let got = cmd
        .env("RUNNER_TEMP", &temp)
        .env("GITHUB_WORKSPACE", &work)
        .output()
        .unwrap();
    assert!(got.status.success(), "{got:?}");
    assert_eq!(
        std::fs::read_to_string(work.join("listed")).unwrap(),
        format!("[{0}/dist/a b/one]\n[{0}/dist/two]\n", work.display())
    );
    // `wfc import` reads the line back as the read of the artifact.
    let (text, _) = super::export_github::import_back(&out);
    assert!(text.contains("${build.artifacts.dist} > listed"), "{text}");
    assert!(!text.contains("wfc-unpack"), "{text}");
}

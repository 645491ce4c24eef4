//! `artifacts { … }` on Argo: the producer packs what each glob matches
//! into an output artifact once its script succeeded; every later step
//! unpacks it (an optional input artifact `from` the producer's task)
//! before its command. Pinned, validated, and the scripts run for real:
//! the files arrive where they were, a glob matching nothing fails the
//! producer unless optional.

use super::{export, validate};
use crate::workflow;
use serde_json::Value as Json;
use std::path::Path;
use std::process::Command;

const FILES: &str = r#"workflow release {
  step build: shell {
    run "mkdir -p dist/sub && echo app > dist/app && echo lib > dist/sub/lib.so && echo x > other.txt"
    artifacts { dist = "dist/**"  notes = "*.md" optional }
  }
  step package: shell { run "cat dist/app dist/sub/lib.so > pkg"  depends on build }
  step publish: shell { run "cat dist/app"  depends on package }
  step ping: http { get "https://example.com"  depends on build }
}
"#;

fn template(doc: &Json, name: &str) -> Json {
    doc["spec"]["templates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == name)
        .unwrap()
        .clone()
}

/// Runs a container template's script in `dir`, `/tmp/` meaning `tmp`.
fn run(t: &Json, dir: &Path, tmp: &Path) -> std::process::Output {
    let script = t["container"]["command"][2]
        .as_str()
        .unwrap()
        .replace("/tmp/", &format!("{}/", tmp.display()));
    let mut cmd = Command::new("sh");
    cmd.args(["-c", &script]).current_dir(dir);
    for var in t["container"]["env"].as_array().into_iter().flatten() {
        cmd.env(
            var["name"].as_str().unwrap(),
            var["value"].as_str().unwrap(),
        );
    }
    cmd.output().unwrap()
}

#[test]
fn artifacts_are_output_and_input_artifacts() {
    let c = workflow(FILES);
    let yaml = export(&c, &["w.wf", "--image", "alpine:3.20"]);
    insta::assert_snapshot!("export_argo_files", yaml);
    let doc: Json = serde_norway::from_str(&yaml).unwrap();
    let tasks = doc["spec"]["templates"][0]["dag"]["tasks"]
        .as_array()
        .unwrap()
        .clone();
    let task = |n: &str| tasks.iter().find(|t| t["name"] == n).unwrap().clone();
    // Every later step gets them, directly or not; not the http step.
    for consumer in ["package", "publish"] {
        assert_eq!(
            task(consumer)["arguments"]["artifacts"],
            serde_json::json!([
                { "name": "build--dist", "from": "{{tasks.build.outputs.artifacts.dist}}" },
                { "name": "build--notes", "from": "{{tasks.build.outputs.artifacts.notes}}" },
            ])
        );
    }
    assert!(task("ping").get("arguments").is_none());
    let build = template(&doc, "build");
    assert_eq!(
        build["outputs"]["artifacts"][0],
        serde_json::json!({ "name": "dist", "path": "/tmp/wfc-artifacts/dist.tgz", "archive": { "none": {} }, "optional": false })
    );
    c.write("files.yaml", &yaml);
    validate(&c, &["files.yaml"]);

    // The producer packs; the consumer, elsewhere, unpacks and finds them.
    let (a, b, tmp) = (c.path("a"), c.path("b"), c.path("tmp"));
    for d in [&a, &b, &tmp] {
        std::fs::create_dir_all(d).unwrap();
    }
    let out = run(&build, &a, &tmp);
    assert!(out.status.success(), "{out:?}");
    std::fs::create_dir_all(tmp.join("wfc-artifacts-in")).unwrap();
    std::fs::copy(
        tmp.join("wfc-artifacts/dist.tgz"),
        tmp.join("wfc-artifacts-in/build--dist.tgz"),
    )
    .unwrap();
    assert!(
        !tmp.join("wfc-artifacts/notes.tgz").exists(),
        "optional, matched nothing"
    );
    let out = run(&template(&doc, "package"), &b, &tmp);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        std::fs::read_to_string(b.join("pkg")).unwrap(),
        "app\nlib\n"
    );
    assert!(!b.join("other.txt").exists(), "not matched by dist/**");
}

/// A glob that is not optional and matches nothing fails the producer.
#[test]
fn a_glob_matching_nothing_fails_the_step() {
    let c = workflow(
        "workflow w {\n  step build: shell {\n    run \"true\"\n    artifacts { dist = \"dist/*.tgz\" }\n  }\n}\n",
    );
    let yaml = export(&c, &["w.wf", "--image", "alpine:3.20"]);
    let doc: Json = serde_norway::from_str(&yaml).unwrap();
    let tmp = c.path("tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    let out = run(&template(&doc, "build"), c.dir(), &tmp);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("artifact dist matched no file"));
}

/// `${build.artifacts.dist}` as words of a command: the files the consumer
/// unpacked, each an absolute path, sorted, the command's `"$@"` (set from
/// the tarball's listing before it), as `wfc run` gives them; in a command
/// the export wraps, refused (E0722).
#[test]
fn an_artifacts_files_are_the_words_of_a_command() {
    let c = workflow(
        r#"workflow release {
  step build: shell {
    run "mkdir -p 'dist/a b' && echo 1 > 'dist/a b/one' && echo 2 > dist/two"
    artifacts { dist = "dist/**" }
  }
  step list: shell { run "printf '[%s]\n' ${build.artifacts.dist} > listed"  depends on build }
}
"#,
    );
    let yaml = export(&c, &["w.wf", "--image", "alpine:3.20"]);
    let doc: Json = serde_norway::from_str(&yaml).unwrap();
    let list = template(&doc, "list");
    let script = list["container"]["command"][2].as_str().unwrap();
    assert!(script.ends_with("' \"$@\" > listed"), "{script}");
    c.write("words.yaml", &yaml);
    validate(&c, &["words.yaml"]);
    let (a, b, tmp) = (c.path("a"), c.path("b"), c.path("tmp"));
    for d in [&a, &b, &tmp] {
        std::fs::create_dir_all(d).unwrap();
    }
    assert!(run(&template(&doc, "build"), &a, &tmp).status.success());
    std::fs::create_dir_all(tmp.join("wfc-artifacts-in")).unwrap();
    std::fs::copy(
        tmp.join("wfc-artifacts/dist.tgz"),
        tmp.join("wfc-artifacts-in/build--dist.tgz"),
    )
    .unwrap();
    let out = run(&list, &b, &tmp);
    assert!(out.status.success(), "{out:?}");
    let b = b.canonicalize().unwrap();
    assert_eq!(
        std::fs::read_to_string(b.join("listed")).unwrap(),
        format!("[{0}/dist/a b/one]\n[{0}/dist/two]\n", b.display())
    );
    // Inside a wrapper (`until`) its `"$@"` would be a function's.
    c.write(
        "wrapped.wf",
        r#"workflow release {
  step build: shell { run "echo 1 > one"  artifacts { one = "one" } }
  step list: shell {
    run "ls ${build.artifacts.one}"
    until list.stdout != "" every 1s within 5s
    depends on build
  }
}
"#,
    );
    c.wfc(["export", "argo", "wrapped.wf", "--image", "alpine:3.20"])
        .status(3)
        .stderr_has("E0722")
        .stderr_has("a command the export wraps")
        .output();
}

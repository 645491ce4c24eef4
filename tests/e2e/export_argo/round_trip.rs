//! Every example, template and std module through `wfc export argo`
//! *without* `--approximate`: it exports and validates against Argo's
//! schema (unknown keys rejected), or it is refused with exactly the codes
//! listed here, each with the construct that still has no exact mapping.
//! When a mapping lands, its file's entry shrinks and this test says so.

use super::validate;
use crate::case;

/// (file, params it requires, the codes it is refused with: empty = exports).
const FILES: &[(&str, &[&str], &[&str])] = &[
    // `on failure rollback` (reverse order of completion: E0721), `until` (E0721).
    ("templates/config-update.wf", &[], &["E0721"]),
    ("templates/data-pipeline.wf", &[], &["E0721"]),
    // … and `failed.*` (E0722).
    ("templates/deploy-api.wf", &[], &["E0721", "E0722"]),
    // `until`, a linear backoff (E0721), `failed.*`, a status in text (E0722).
    ("templates/incident-response.wf", &[], &["E0721", "E0722"]),
    // rollback, `until` (E0721), `run.*` (E0722).
    ("templates/maintenance-window.wf", &[], &["E0721", "E0722"]),
    ("templates/ml-training.wf", &[], &["E0721"]),
    // rollback, `until` (E0721), a string output in a command, a status in text (E0722).
    ("templates/security-alert.wf", &[], &["E0721", "E0722"]),
    ("templates/test-suite.wf", &[], &["E0721"]),
    // `mount`, rollback, `wait any`, linear backoff (E0721), slack (E0724).
    ("examples/deploy.wf", &["version=1"], &["E0721", "E0724"]),
    // `sql`, `on fail pause` (E0721), a list output (E0722), email (E0724).
    ("examples/etl.wf", &[], &["E0721", "E0722", "E0724"]),
    ("examples/file-drop.wf", &[], &[]),
    // `until` (E0721), a status in text (E0722), `retry … when` (E0770).
    ("examples/health-poll.wf", &[], &["E0721", "E0722", "E0770"]),
    ("examples/incident.wf", &[], &["E0721", "E0722", "E0724"]),
    // list outputs and `len(…)` at run time (E0722), a secret in text (E0723).
    ("examples/ml-train.wf", &[], &["E0722", "E0723"]),
    ("examples/nightly.wf", &[], &[]),
    // rollback (E0721), `failed.*` (E0722).
    ("examples/quickstart.wf", &[], &["E0721", "E0722"]),
    // `lock` (E0721), an artifact's files in a command (E0722), `artifacts` (E0761).
    (
        "examples/release-webhook.wf",
        &["version=1"],
        &["E0721", "E0722", "E0761"],
    ),
    (
        "examples/release-with-std.wf",
        &["version=1"],
        &["E0721", "E0722", "E0723", "E0724", "E0727", "E0728"],
    ),
    ("examples/test-suite.wf", &[], &["E0721", "E0722", "E0724"]),
    // rollback (E0721).
    (
        "std/db-migrate.wf",
        &["migrate=m", "rollback=r"],
        &["E0721"],
    ),
    // `{{.Id}}` in a command (E0727: Argo has no escape for it).
    ("std/docker-build.wf", &[], &["E0727"]),
    ("std/git-release.wf", &["version=1"], &["E0721"]),
    // `until`, linear backoff (E0721).
    ("std/http-healthcheck.wf", &[], &["E0721"]),
    // an `if` on a secret (E0728).
    ("std/notify.wf", &["text=hi"], &["E0728"]),
    ("std/rust-ci.wf", &[], &[]),
];

/// The distinct `E….` codes of an error report, sorted.
fn codes(stderr: &str) -> Vec<String> {
    let mut codes: Vec<String> = stderr
        .lines()
        .map(str::trim)
        .filter(|l| {
            l.len() == 5 && l.starts_with('E') && l[1..].bytes().all(|b| b.is_ascii_digit())
        })
        .map(str::to_owned)
        .collect();
    codes.sort();
    codes.dedup();
    codes
}

#[test]
fn every_example_template_and_std_module_exports_or_is_refused_as_listed() {
    let c = case();
    let root = env!("CARGO_MANIFEST_DIR");
    // Every file of the three folders is in the list.
    for dir in ["examples", "templates", "std"] {
        for e in std::fs::read_dir(format!("{root}/{dir}"))
            .unwrap()
            .flatten()
        {
            let name = format!("{dir}/{}", e.file_name().to_string_lossy());
            if name.ends_with(".wf") {
                assert!(
                    FILES.iter().any(|(f, ..)| *f == name),
                    "{name} is not in the round-trip list"
                );
            }
        }
    }
    let mut exported = Vec::new();
    let mut wrong = Vec::new();
    for (i, (file, params, expected)) in FILES.iter().enumerate() {
        let path = format!("{root}/{file}");
        let mut args = vec!["export", "argo", path.as_str(), "--image", "alpine:3.20"];
        for p in *params {
            args.extend(["-p", p]);
        }
        let out = c.wfc(&args).output();
        let got = codes(&out.stderr);
        if out.code == 0 {
            let name = format!("round-trip-{i}.yaml");
            c.write(&name, &out.stdout);
            exported.push(name);
        } else {
            assert_eq!(
                out.code, 3,
                "{file}: not an export refusal:\n{}",
                out.stderr
            );
        }
        if got != *expected {
            wrong.push(format!(
                "{file}: expected {expected:?}, got {got:?}\n{}",
                out.stderr
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    let names: Vec<&str> = exported.iter().map(String::as_str).collect();
    validate(&c, &names);
}

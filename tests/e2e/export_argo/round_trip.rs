//! Every example, template and std module through `wfc export argo`
//! *without* `--approximate`: it exports and validates against Argo's
//! schema (unknown keys rejected), or it is refused with exactly the codes
//! listed here, each with the construct that still has no exact mapping.
//! When a mapping lands, its file's entry shrinks and this test says so.

use super::validate;
use crate::case;

/// (file, params it requires — `--flag=value`: that flag —, the codes it
/// is refused with: empty = exports).
const FILES: &[(&str, &[&str], &[&str])] = &[
    ("templates/blank.wf", &[], &[]),
    ("templates/config-update.wf", &[], &[]),
    ("templates/data-pipeline.wf", &[], &[]),
    ("templates/deploy-api.wf", &[], &[]),
    ("templates/incident-response.wf", &[], &[]),
    ("templates/maintenance-window.wf", &[], &[]),
    ("templates/ml-training.wf", &[], &[]),
    ("templates/security-alert.wf", &[], &[]),
    ("templates/test-suite.wf", &[], &[]),
    // Its `mount "."` is the folder of a clone of the repository; its
    // `wait any` is one task racing the probes.
    (
        "examples/deploy.wf",
        &["version=1", "--repo=https://github.com/acme/wfc.git"],
        &[],
    ),
    // The handler reads main outputs (global parameters), the script's
    // `result` (an output parameter); its `sql` steps and the paused gate map.
    ("examples/etl.wf", &[], &[]),
    // `call file(…)`: the file is known only when the run reaches it.
    ("examples/dynamic-pipeline.wf", &[], &["E0721"]),
    ("examples/canary.wf", &[], &[]),
    ("examples/reads.wf", &[], &[]),
    ("examples/file-drop.wf", &[], &[]),
    ("examples/health-poll.wf", &[], &[]),
    // Http steps' status codes and bodies read later: curl containers
    // keeping them as output parameters; the paused gate maps.
    ("examples/incident.wf", &[], &[]),
    // Its list outputs, `len(…)` and `json` body computed by jq tasks.
    ("examples/ml-train.wf", &[], &[]),
    ("examples/nightly.wf", &[], &[]),
    ("examples/quickstart.wf", &[], &[]),
    // The kept artifact's files are the command's `"$@"`.
    ("examples/release-webhook.wf", &["version=1"], &[]),
    // Calls' joins, a slack step's `delivered` (its task's phase) computed
    // by jq, std notify's own secret a `secretKeyRef`.
    ("examples/release-with-std.wf", &["version=1"], &[]),
    // Its iteration's outputs, the gate's arithmetic and the `json` body
    // over outputs computed by jq tasks.
    ("examples/test-suite.wf", &[], &[]),
    // `up to date when` (no earlier run's outputs to restore) and SQLite
    // (the sqlite3 CLI cannot bind a value apart from the SQL text).
    ("examples/top-artists.wf", &[], &["E0721", "E0743"]),
    ("std/db-migrate.wf", &["migrate=m", "rollback=r"], &[]),
    // `{{.Id}}` in the command's text is written `{''{.Id}}`.
    ("std/docker-build.wf", &[], &[]),
    ("std/git-release.wf", &["version=1"], &[]),
    // `until` on an http step: the request in rounds in a curl container.
    ("std/http-healthcheck.wf", &[], &[]),
    // an `if` on a secret: decided by a task of its own.
    ("std/notify.wf", &["text=hi"], &[]),
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
            match p.starts_with("--") {
                true => args.push(p),
                false => args.extend(["-p", p]),
            }
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

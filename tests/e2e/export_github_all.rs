//! Every example, template and std module through `wfc export
//! github-actions`: each exports and passes actionlint, or is refused with
//! exactly the codes listed here, each with why GitHub cannot carry it.
//! A file added to `examples/`, `templates/` or `std/` must be listed.

use std::path::{Path, PathBuf};

use super::export_github::{export, lint, reported};

/// `(file, params, [(code, why)])`: empty codes, it exports.
pub(crate) type Entry = (
    &'static str,
    &'static [&'static str],
    &'static [(&'static str, &'static str)],
);

pub(crate) const ALL: &[Entry] = &[
    ("examples/canary.wf", &[], &[]),
    ("examples/deploy.wf", &["version=1.2.3"], &[]),
    (
        "examples/dynamic-pipeline.wf",
        &[],
        &[(
            "E0738",
            "`call file(…)`: a workflow file known only at run time cannot become jobs mid-run",
        )],
    ),
    ("examples/etl.wf", &[], &[]),
    ("examples/file-drop.wf", &[], &[]),
    ("examples/health-poll.wf", &[], &[]),
    ("examples/incident.wf", &[], &[]),
    ("examples/ml-train.wf", &[], &[]),
    ("examples/nightly.wf", &[], &[]),
    ("examples/reads.wf", &[], &[]),
    ("examples/quickstart.wf", &[], &[]),
    ("examples/release-webhook.wf", &["version=1.2.3"], &[]),
    ("examples/release-with-std.wf", &["version=1.2.3"], &[]),
    ("examples/test-suite.wf", &[], &[]),
    (
        "examples/top-artists.wf",
        &[],
        &[(
            "E0738",
            "`up to date when`: a job cannot restore an earlier workflow run's outputs when the check holds",
        )],
    ),
    ("templates/blank.wf", &[], &[]),
    ("templates/config-update.wf", &[], &[]),
    ("templates/data-pipeline.wf", &[], &[]),
    ("templates/deploy-api.wf", &[], &[]),
    ("templates/incident-response.wf", &[], &[]),
    ("templates/maintenance-window.wf", &[], &[]),
    ("templates/ml-training.wf", &[], &[]),
    ("templates/security-alert.wf", &[], &[]),
    ("templates/test-suite.wf", &[], &[]),
    (
        "std/db-migrate.wf",
        &["migrate=make migrate", "rollback=make rollback"],
        &[],
    ),
    ("std/docker-build.wf", &[], &[]),
    ("std/git-release.wf", &["version=1.2.3"], &[]),
    ("std/http-healthcheck.wf", &[], &[]),
    ("std/notify.wf", &["text=hi"], &[]),
    ("std/rust-ci.wf", &[], &[]),
];

#[test]
fn every_example_template_and_std_module_exports_or_is_refused_as_listed() {
    let mut files: Vec<PathBuf> = Vec::new();
    for dir in ["examples", "templates", "std"] {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "wf") {
                files.push(path);
            }
        }
    }
    files.sort();
    let mut listed: Vec<PathBuf> = ALL.iter().map(|(f, _, _)| PathBuf::from(f)).collect();
    listed.sort();
    assert_eq!(files, listed, "every .wf of examples/, templates/ and std/");

    let dir = tempfile::tempdir().unwrap();
    let mut exported = Vec::new();
    let mut problems = Vec::new();
    for (file, params, refused) in ALL {
        let out = dir
            .path()
            .join(file.replace('/', "-").replace(".wf", ".yml"));
        let run = export(Path::new(file), params, &out);
        let stderr = String::from_utf8_lossy(&run.stderr);
        let mut codes: Vec<String> = reported(&stderr, file)
            .into_iter()
            .map(|(c, _)| c)
            .collect();
        codes.sort();
        codes.dedup();
        let expected: Vec<String> = refused.iter().map(|(c, _)| c.to_string()).collect();
        match run.status.code() {
            Some(0) if refused.is_empty() => exported.push(out),
            Some(3) if codes == expected => {}
            status => problems.push(format!(
                "{file}: exit {status:?}, codes {codes:?}, listed {expected:?}\n{stderr}"
            )),
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    lint(&exported);
}

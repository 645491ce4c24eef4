//! `wfc export github-actions` of a real release workflow ported to `.wf`
//! (casey/just's, its source and commit in the fixture's header): the
//! export stays within twice the hand-written original's lines and lints.

use std::path::Path;

use super::export_github::{export, lint};

/// Lines of just's `.github/workflows/release.yaml` at the commit the
/// fixture names.
const ORIGINAL_LINES: usize = 284;
const FIXTURE: &str = "tests/export/ports/just-release.wf";

#[test]
fn just_release_exports_within_twice_the_original() {
    let source = std::fs::read_to_string(FIXTURE).unwrap();
    assert!(source.contains(
        "https://github.com/casey/just/blob/4f41f609278edb6f1024e3dd7a9912946e1e7bc3/.github/workflows/release.yaml"
    ));
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("release.yml");
    let run = export(Path::new(FIXTURE), &[], &out);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let yaml = std::fs::read_to_string(&out).unwrap();
    let lines = yaml.lines().count();
    assert!(
        lines <= 2 * ORIGINAL_LINES,
        "{lines} lines, more than twice the original's {ORIGINAL_LINES}:\n{yaml}"
    );
    // Hand-written shape: the packaging loops are matrix jobs, the Linux
    // one's two steps in one job.
    let doc: serde_json::Value = serde_norway::from_str(&yaml).unwrap();
    let jobs = doc["jobs"].as_object().unwrap();
    assert_eq!(jobs.len(), 7, "{yaml}");
    assert_eq!(
        jobs["linux_deps"]["strategy"]["matrix"]["target"]
            .as_array()
            .unwrap()
            .len(),
        6
    );
    assert_eq!(jobs["windows_package"]["runs-on"], "windows-latest");
    insta::assert_snapshot!("export_github_just_release", yaml);
    lint(&[out]);
}

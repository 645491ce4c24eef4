//! Every `.wf` of the examples, `tests/plan/` and `tests/run/` through
//! `wfc export argo --approximate`: each either exports and validates
//! against Argo's schema, or is refused with export codes (E072x) only:
//! never a panic, never another error. Files that do not check or plan (a
//! param without default) are skipped, and listed.

use super::validate;
use crate::case;
use std::path::{Path, PathBuf};

fn wf_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir).unwrap().flatten().collect();
    entries.sort_by_key(|e| e.path());
    for e in entries {
        let p = e.path();
        if p.is_dir() {
            wf_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "wf") {
            out.push(p);
        }
    }
}

/// The `E….` codes of an error report.
fn codes(stderr: &str) -> Vec<String> {
    stderr
        .lines()
        .map(str::trim)
        .filter(|l| {
            l.len() == 5 && l.starts_with('E') && l[1..].bytes().all(|b| b.is_ascii_digit())
        })
        .map(str::to_owned)
        .collect()
}

#[test]
fn corpus_exports_or_is_refused_with_export_codes() {
    let c = case();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in ["examples", "tests/plan", "tests/run"] {
        wf_files(&root.join(dir), &mut files);
    }
    let mut report = Vec::new();
    let mut exported = Vec::new();
    for (i, file) in files.iter().enumerate() {
        let shown = file.strip_prefix(root).unwrap().display().to_string();
        // (`plan`: some files check but stop at plan time, e.g. E0231.)
        let planned = c
            .wfc(["plan".as_ref(), file.as_os_str()])
            .own_store()
            .output();
        if planned.code != 0 {
            report.push(format!("{shown}: skipped (does not check or plan)"));
            continue;
        }
        let out = c
            .wfc(["export".as_ref(), "argo".as_ref(), file.as_os_str()])
            .args(["--image", "alpine:3.20", "--approximate"])
            .output();
        assert!(
            !out.stderr.contains("panicked"),
            "{shown}: wfc panicked:\n{}",
            out.stderr
        );
        match out.code {
            0 => {
                let name = format!("corpus-{i}.yaml");
                c.write(&name, &out.stdout);
                exported.push(name);
                report.push(format!("{shown}: exported"));
            }
            3 => {
                let codes = codes(&out.stderr);
                assert!(
                    !codes.is_empty()
                        && codes
                            .iter()
                            .all(|c| c.starts_with("E072") || is_later_export(c)),
                    "{shown}: refused with codes other than export refusals: {codes:?}\n{}",
                    out.stderr
                );
                report.push(format!("{shown}: refused {}", codes.join(" ")));
            }
            other => panic!("{shown}: exit {other}:\n{}", out.stderr),
        }
    }
    println!("{}", report.join("\n"));
    assert!(
        exported.len() >= 4,
        "too few exported:\n{}",
        report.join("\n")
    );
    let names: Vec<&str> = exported.iter().map(String::as_str).collect();
    validate(&c, &names);
}

/// The export refusals of the third round of the language (E0750–E0779):
/// what neither export maps yet.
fn is_later_export(code: &str) -> bool {
    // E0743: a `sql` step on SQLite, which both exports refuse.
    code == "E0743" || ["E075", "E076", "E077"].iter().any(|p| code.starts_with(p))
}

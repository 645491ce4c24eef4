//! Checker fixtures: `tests/check/<CODE>-<case>.wf` must report `<CODE>`;
//! `tests/check/ok-<case>.wf` must report nothing. Each fixture's source and
//! rendered diagnostics are pinned with insta (`tests/check/snapshots`).
//! Also: every constructor in `src/diag/check.rs` has a fixture.

use std::collections::BTreeSet;
use wfc::diag::render::render;
use wfc::span::SourceFile;

fn fixtures() -> Vec<(String, String)> {
    let mut paths: Vec<_> = std::fs::read_dir("tests/check")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "wf"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|p| {
            let name = p.file_stem().unwrap().to_string_lossy().to_string();
            (name, std::fs::read_to_string(&p).unwrap())
        })
        .collect()
}

/// Parses and checks; returns the codes and the rendering.
fn run(name: &str, text: &str) -> (Vec<&'static str>, String) {
    let parsed = wfc::syntax::parse(text);
    assert!(
        parsed.diagnostics.is_empty(),
        "{name}: syntax errors: {:?}",
        parsed.diagnostics
    );
    let file = parsed.file.expect("parsed");
    let checked = wfc::check::check(&file);
    let source = SourceFile::new(format!("{name}.wf"), text);
    let rendered = checked
        .diagnostics
        .iter()
        .map(|d| render(d, &source, false))
        .collect::<Vec<_>>()
        .join("\n");
    let codes = checked.diagnostics.iter().map(|d| d.code).collect();
    (codes, rendered)
}

#[test]
fn check_fixtures() {
    let all = fixtures();
    assert!(!all.is_empty());
    let mut failures = Vec::new();
    for (name, text) in &all {
        let (codes, rendered) = run(name, text);
        let expected = name.split('-').next().unwrap();
        if expected == "ok" {
            if !codes.is_empty() {
                failures.push(format!(
                    "{name}: expected no diagnostics, got {codes:?}\n{rendered}"
                ));
            }
        } else if !codes.contains(&expected) {
            failures.push(format!(
                "{name}: expected {expected}, got {codes:?}\n{rendered}"
            ));
        }
        let snapshot = format!("{text}\n---- diagnostics ----\n{rendered}");
        insta::with_settings!({ snapshot_path => "check/snapshots", prepend_module_to_snapshot => false }, {
            insta::assert_snapshot!(name.as_str(), snapshot);
        });
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Every diagnostic code constructed in `src/diag/check.rs` has a fixture named after it.
#[test]
fn every_code_has_a_fixture() {
    let source = std::fs::read_to_string("src/diag/check.rs").unwrap();
    let mut codes = BTreeSet::new();
    for quote in source.split('"').skip(1).step_by(2) {
        let b = quote.as_bytes();
        if b.len() == 5 && (b[0] == b'E' || b[0] == b'W') && b[1..].iter().all(u8::is_ascii_digit) {
            codes.insert(quote.to_string());
        }
    }
    assert!(codes.len() > 40, "found only {codes:?}");
    let names: Vec<String> = fixtures().into_iter().map(|(n, _)| n).collect();
    let missing: Vec<&String> = codes
        .iter()
        .filter(|c| !names.iter().any(|n| n.starts_with(&format!("{c}-"))))
        .collect();
    assert!(missing.is_empty(), "codes without a fixture: {missing:?}");
    for n in &names {
        let code = n.split('-').next().unwrap();
        assert!(code == "ok" || codes.contains(code), "{n}: no such code");
    }
}

/// The IR of the language sketch's example: names resolved, implied deps recorded.
#[test]
fn ir_records_implied_dependencies_and_references() {
    let text = std::fs::read_to_string("tests/check/ok-deploy.wf").unwrap();
    let file = wfc::syntax::parse(&text).file.unwrap();
    let checked = wfc::check::check(&file);
    assert!(checked.diagnostics.is_empty(), "{:?}", checked.diagnostics);
    let wf = &checked.ir;
    let gate = wf.step_named("coverage_ok").unwrap();
    let test = wf.step_named("test").unwrap();
    assert_eq!(wf.steps[gate].implied, vec![test]);
    assert!(wf
        .references
        .iter()
        .any(|r| r.target == wfc::ir::Symbol::Step(test)));
    let ship = wf.step_named("ship").unwrap();
    assert_eq!(wf.steps[ship].retry.as_ref().unwrap().count, 3);
    let lint = wf.step_named("lint").unwrap();
    assert_eq!(
        wf.steps[lint].retry.as_ref().unwrap().count,
        2,
        "defaults apply"
    );
    assert_eq!(wf.steps[lint].timeout_ms, Some(600_000));
}

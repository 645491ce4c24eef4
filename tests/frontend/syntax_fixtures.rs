//! One fixture per syntax diagnostic: `tests/syntax/<CODE>-<case>.wf`.
//! The rendered diagnostics are pinned with insta; the file name's code must
//! be the code reported. Every failing fixture is reported, not just the first.

use wfc_language::diag::render::render;
use wfc_language::span::SourceFile;
use wfc_language::syntax::parse;

#[test]
fn syntax_fixtures() {
    let mut paths: Vec<_> = std::fs::read_dir("tests/syntax")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "wf"))
        .collect();
    paths.sort();
    let cases = paths.into_iter().map(|path| {
        let name = path.file_stem().unwrap().to_string_lossy().to_string();
        (name, path)
    });
    wfc_testkit::check_each(cases, |name, path| {
        let text = std::fs::read_to_string(&path).unwrap();
        let parsed = parse(&text);
        let code = name.split('-').next().unwrap();
        assert!(
            parsed.diagnostics.iter().any(|d| d.code == code),
            "expected {code}, got {:?}",
            parsed
                .diagnostics
                .iter()
                .map(|d| d.code)
                .collect::<Vec<_>>()
        );
        let file = SourceFile::new(format!("{name}.wf"), text);
        let rendered: String = parsed
            .diagnostics
            .iter()
            .map(|d| render(d, &file, false))
            .collect::<Vec<_>>()
            .join("\n");
        insta::with_settings!({ snapshot_path => "../syntax/snapshots", prepend_module_to_snapshot => false }, {
            insta::assert_snapshot!(name, rendered);
        });
    });
}

/// Every code constructed in crates/language/src/diag/syntax.rs has a fixture.
#[test]
fn every_syntax_code_has_a_fixture() {
    let src = std::fs::read_to_string("crates/language/src/diag/syntax.rs").unwrap();
    let fixtures: Vec<String> = std::fs::read_dir("tests/syntax")
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    let mut codes: Vec<&str> = src
        .match_indices("\"E00")
        .map(|(i, _)| &src[i + 1..i + 6])
        .collect();
    codes.sort();
    codes.dedup();
    assert!(codes.len() >= 9, "{codes:?}");
    for code in codes {
        assert!(
            fixtures.iter().any(|f| f.starts_with(code)),
            "no fixture for {code}"
        );
    }
}

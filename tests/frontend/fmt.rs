//! `wfc fmt`: snapshots of every fixture in `tests/fmt/`, and three properties
//! over every `.wf` file in the project (fixtures, `tests/check/`, `examples/`,
//! `std/`): formatting is idempotent, keeps the tree (spans aside), and keeps
//! every comment exactly once. Each test reports every file that fails it.
//!
//! Update the snapshots with `INSTA_UPDATE=always cargo test --test frontend fmt::` (or
//! `cargo insta review`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use wfc_language::fmt::{format_file, format_source};
use wfc_language::syntax::parse;
use wfc_testkit::check_each;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every `.wf` file under `dir` (recursively), sorted.
fn wf_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(wf_files(&path));
        } else if path.extension().is_some_and(|e| e == "wf") {
            out.push(path);
        }
    }
    out.sort();
    out
}

fn fixtures() -> Vec<PathBuf> {
    let files = wf_files(&root().join("tests/fmt"));
    assert!(!files.is_empty(), "no fixtures in tests/fmt");
    files
}

/// Every `.wf` file in the project that parses, with its text. Files outside
/// `tests/fmt/` that do not parse (say, `tests/check/` cases about syntax
/// errors) are skipped; the fixtures must all parse.
fn corpus() -> Vec<(PathBuf, String)> {
    let mut files = fixtures();
    for dir in ["tests/check", "examples", "std"] {
        files.extend(wf_files(&root().join(dir)));
    }
    let mut out = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        let parsed = parse(&text);
        let ok = parsed.file.is_some() && !parsed.diagnostics.iter().any(|d| d.is_error());
        if ok {
            out.push((path, text));
        } else {
            assert!(
                !path.starts_with(root().join("tests/fmt")),
                "fixture {} does not parse: {:#?}",
                path.display(),
                parsed.diagnostics
            );
        }
    }
    out
}

/// [`corpus`], each file named for [`check_each`].
fn named_corpus() -> impl Iterator<Item = (String, (PathBuf, String))> {
    corpus().into_iter().map(|(p, t)| (name(&p), (p, t)))
}

fn name(path: &Path) -> String {
    path.strip_prefix(root())
        .unwrap_or(path)
        .display()
        .to_string()
}

fn fmt(path: &Path, text: &str) -> String {
    match format_source(text) {
        Ok(out) => out,
        Err(diags) => panic!("{} does not parse: {diags:#?}", name(path)),
    }
}

/// The tree's `Debug` text with every `Span { start: …, end: … }` replaced by `Span`.
fn erase_spans(debug: &str) -> String {
    const OPEN: &str = "Span {";
    let mut out = String::with_capacity(debug.len());
    let mut rest = debug;
    while let Some(i) = rest.find(OPEN) {
        out.push_str(&rest[..i]);
        out.push_str("Span");
        let after = &rest[i..];
        let close = after.find('}').expect("a Span's closing brace");
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    out
}

fn tree_without_spans(path: &Path, text: &str) -> String {
    let parsed = parse(text);
    let file = parsed
        .file
        .unwrap_or_else(|| panic!("{} does not parse", name(path)));
    erase_spans(&format!("{file:#?}"))
}

/// The multiset of comment texts (trailing whitespace aside).
fn comment_texts(text: &str) -> BTreeMap<(bool, String), usize> {
    let mut out = BTreeMap::new();
    for c in parse(text).comments {
        *out.entry((c.doc, c.text.trim_end().to_string()))
            .or_insert(0) += 1;
    }
    out
}

#[test]
fn snapshots() {
    let cases = fixtures().into_iter().map(|p| (name(&p), p));
    check_each(cases, |_, path| {
        let text = std::fs::read_to_string(&path).unwrap();
        let out = fmt(&path, &text);
        let snapshot = path.file_stem().unwrap().to_string_lossy().to_string();
        insta::with_settings!({
            snapshot_path => root().join("tests/fmt/snapshots"),
            prepend_module_to_snapshot => false,
            input_file => &path,
            omit_expression => true,
        }, {
            insta::assert_snapshot!(snapshot, out);
        });
    });
}

#[test]
fn formatting_is_idempotent() {
    check_each(named_corpus(), |_, (path, text)| {
        let once = fmt(&path, &text);
        let twice = fmt(&path, &once);
        similar_asserts(&path, &once, &twice);
    });
}

#[test]
fn formatting_keeps_the_tree() {
    check_each(named_corpus(), |_, (path, text)| {
        let out = fmt(&path, &text);
        let before = tree_without_spans(&path, &text);
        let after = tree_without_spans(&path, &out);
        similar_asserts(&path, &before, &after);
    });
}

#[test]
fn formatting_keeps_every_comment_once() {
    let mut seen = 0;
    check_each(named_corpus(), |_, (path, text)| {
        let out = fmt(&path, &text);
        let before = comment_texts(&text);
        seen += before.values().sum::<usize>();
        assert_eq!(before, comment_texts(&out), "comments of {}", name(&path));
    });
    assert!(seen > 0, "the corpus has comments");
}

#[test]
fn formatted_files_have_one_final_newline_and_no_trailing_blanks() {
    check_each(named_corpus(), |_, (path, text)| {
        let out = fmt(&path, &text);
        assert!(
            out.ends_with('\n') && !out.ends_with("\n\n"),
            "{}",
            name(&path)
        );
        assert!(!out.contains("\n\n\n"), "{}: two blank lines", name(&path));
        for (i, line) in out.lines().enumerate() {
            // Lines of `"""` blocks are verbatim; the fixtures keep theirs clean.
            if path.starts_with(root().join("tests/fmt")) {
                assert_eq!(line, line.trim_end(), "{}:{}", name(&path), i + 1);
            }
        }
    });
}

#[test]
fn a_file_with_syntax_errors_is_left_alone() {
    let text = "workflow broken {\n  step x: shell {\n";
    let diags = format_source(text).unwrap_err();
    assert!(diags.iter().any(|d| d.is_error()));
}

#[test]
fn format_file_matches_format_source() {
    let text = "workflow w{step a: shell{run \"x\"}}";
    let parsed = parse(text);
    let file = parsed.file.expect("parses");
    let out = format_file(&file, &parsed.comments, text);
    assert_eq!(out, "workflow w {\n  step a: shell { run \"x\" }\n}\n");
    assert_eq!(format_source(text).unwrap(), out);
}

fn similar_asserts(path: &Path, left: &str, right: &str) {
    if left != right {
        let diff = similar::TextDiff::from_lines(left, right)
            .unified_diff()
            .header("first", "second")
            .to_string();
        panic!("{} differs:\n{diff}", name(path));
    }
}

/// `text` with a comment at the end of every line (`# tN`) or on its own line
/// above every line (`# oN`). Lines inside `"""` strings get one too; there it
/// is string text, not a comment, which the properties do not mind.
fn sprinkle(text: &str, own_line: bool) -> String {
    let mut out = String::new();
    for (i, line) in text.lines().enumerate() {
        if own_line {
            out.push_str(&format!("# o{i}\n{line}\n"));
        } else {
            out.push_str(&format!("{line}  # t{i}\n"));
        }
    }
    out
}

#[test]
fn comments_anywhere_are_kept_and_stable() {
    let mut checked = 0;
    check_each(named_corpus(), |_, (path, text)| {
        for own_line in [false, true] {
            let input = sprinkle(&text, own_line);
            let parsed = parse(&input);
            if parsed.file.is_none() || parsed.diagnostics.iter().any(|d| d.is_error()) {
                continue;
            }
            checked += 1;
            let once = fmt(&path, &input);
            assert_eq!(
                comment_texts(&input),
                comment_texts(&once),
                "comments of {} ({})",
                name(&path),
                if own_line { "own-line" } else { "trailing" }
            );
            similar_asserts(&path, &once, &fmt(&path, &once));
            similar_asserts(
                &path,
                &tree_without_spans(&path, &input),
                &tree_without_spans(&path, &once),
            );
        }
    });
    assert!(checked > 0);
}

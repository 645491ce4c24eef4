//! The diagnostics of `wfc plan`, `wfc run` and `wfc export`, each from a
//! fixture run through the real binary: `tests/plan/errors/<CODE>-<what>.wf`
//! (params and planning, `E0195`, `E04xx`) and
//! `tests/export/errors/<CODE>-<what>.wf` (`E072x` Argo, `E073x` GitHub
//! Actions). A fixture's header says how to provoke its code:
//!
//! - `# wfc: ARGS`: the command line, split on whitespace; `FILE` is the
//!   fixture, `PARAMS` the params file;
//! - `# params-file: JSON`: the params file's text, written beside the fixture.
//!
//! Each runs in a temporary directory holding the fixture under its own name,
//! so a message names it as `wfc` run beside it would. A fixture whose code is
//! an error must exit non-zero; one whose code is a warning (`⚠`) must exit 0
//! with no error. Either way the code heads a diagnostic on stderr, which is
//! pinned (temporary paths as `[TMP]`) in `snapshots/`. Every failing
//! fixture is reported. Update with
//! `INSTA_UPDATE=always cargo test --test e2e diagnostic_fixtures`.

use crate::case;
use std::path::Path;

const DIRS: [&str; 2] = ["tests/plan/errors", "tests/export/errors"];

/// The params file's name in the case's directory.
const PARAMS_FILE: &str = "params.json";

/// A fixture: its file name and text.
struct Fixture {
    file: String,
    text: String,
}

fn fixtures() -> Vec<(String, Fixture)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut out = Vec::new();
    for dir in DIRS {
        let mut paths: Vec<_> = std::fs::read_dir(root.join(dir))
            .unwrap_or_else(|e| panic!("{dir}: {e}"))
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "wf"))
            .collect();
        paths.sort();
        for p in paths {
            let name = p.file_stem().unwrap().to_string_lossy().into_owned();
            let file = p.file_name().unwrap().to_string_lossy().into_owned();
            let text = std::fs::read_to_string(&p).unwrap();
            out.push((name, Fixture { file, text }));
        }
    }
    out
}

/// The value of the header line `# KEY: VALUE`, if there is one.
fn header<'a>(text: &'a str, key: &str) -> Option<&'a str> {
    let prefix = format!("# {key}:");
    text.lines()
        .find_map(|l| l.strip_prefix(prefix.as_str()))
        .map(str::trim)
}

/// The mark under the line that is exactly `code` (`×` an error, `⚠` a
/// warning), if `code` heads a diagnostic in `stderr`.
fn mark(stderr: &str, code: &str) -> Option<char> {
    let mut lines = stderr.lines();
    lines.by_ref().find(|l| l.trim() == code)?;
    lines
        .map(str::trim)
        .find(|l| !l.is_empty())
        .and_then(|l| l.chars().next())
}

/// `text` with the case's directory (as given, and as resolved) as `[TMP]`.
fn tmp_as_placeholder(c: &wfc_testkit::Case, text: &str) -> String {
    let mut text = text.replace(&c.dir().display().to_string(), "[TMP]");
    if let Ok(real) = c.dir().canonicalize() {
        text = text.replace(&real.display().to_string(), "[TMP]");
    }
    text
}

#[test]
fn diagnostic_fixtures() {
    wfc_testkit::check_each(fixtures(), |name, f| {
        let code = name.split('-').next().unwrap();
        assert!(
            code.len() == 5
                && code.starts_with(['E', 'W'])
                && code[1..].bytes().all(|b| b.is_ascii_digit()),
            "a fixture's name starts with its code: {name}"
        );
        let args = header(&f.text, "wfc").expect("a `# wfc: ARGS` line");
        let c = case().file(&f.file, &f.text);
        if let Some(json) = header(&f.text, "params-file") {
            c.write(PARAMS_FILE, json);
        }
        let params = c.path(PARAMS_FILE).display().to_string();
        let argv: Vec<&str> = args
            .split_whitespace()
            .map(|a| match a {
                "FILE" => f.file.as_str(),
                "PARAMS" => params.as_str(),
                _ => a,
            })
            .collect();
        let out = c.wfc(&argv).output();
        let stderr = tmp_as_placeholder(&c, &out.stderr);
        match mark(&stderr, code) {
            Some('⚠') => assert!(
                out.code == 0 && !stderr.contains('×'),
                "{code} is a warning: expected exit 0 and no error\n{out}"
            ),
            Some('×') => assert!(out.code != 0, "{code} is an error, but exit 0\n{out}"),
            _ => panic!("no diagnostic {code} on stderr\n{out}"),
        }
        let command = tmp_as_placeholder(&c, &argv.join(" "));
        insta::assert_snapshot!(
            name,
            format!("$ wfc {command}\nexit {}\n\n{stderr}", out.code)
        );
    });
}

//! The JSON form (docs/json-form.md): every example, std module and
//! template goes `.wf` → JSON → `.wf` to its own formatted text (comments
//! but `##` docs and blank lines aside: JSON keeps no layout); the JSON of two examples is
//! pinned; each fixture `tests/json_form/<CODE>-*.json` reports `<CODE>`
//! at its place, and checker reports point into the JSON.

use std::path::{Path, PathBuf};
use wfc_language::diag::render::render;
use wfc_language::json_form::{to_json, to_wf_source};
use wfc_language::program::{load, Disk};

fn files(dir: &str, ext: &str) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == ext))
        .collect();
    out.sort();
    out
}

/// `text` formatted, without the comments that are not `##` docs.
fn formatted_without_comments(text: &str) -> String {
    let mut parsed = wfc_language::syntax::parse(text);
    parsed.comments.retain(|c| c.doc);
    let file = parsed.file.expect("parses");
    wfc_language::fmt::format_file(&file, &parsed.comments, text)
}

fn without_blank_lines(text: &str) -> String {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| format!("{l}\n"))
        .collect()
}

#[test]
fn every_example_std_module_and_template_round_trips() {
    let mut all = files("examples", "wf");
    all.extend(files("std", "wf"));
    all.extend(files("templates", "wf"));
    assert!(all.len() > 20, "{all:?}");
    let mut failed = Vec::new();
    for path in &all {
        let text = std::fs::read_to_string(path).unwrap();
        let json = to_json(&text).unwrap_or_else(|e| panic!("{}: {e:?}", path.display()));
        let back = to_wf_source(&json).unwrap_or_else(|e| panic!("{}: {e:?}", path.display()));
        let want = without_blank_lines(&formatted_without_comments(&text));
        if without_blank_lines(&back) != want {
            let diff = similar::TextDiff::from_lines(&want, &without_blank_lines(&back))
                .unified_diff()
                .to_string();
            failed.push(format!("{}:\n{diff}", path.display()));
        }
        // Canonical both ways: the `.wf` is formatted, and its JSON the same.
        assert_eq!(wfc_language::fmt::format_source(&back).unwrap(), back);
        assert_eq!(to_json(&back).unwrap(), json, "{}", path.display());
    }
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}

#[test]
fn the_json_of_two_examples() {
    for name in ["quickstart", "release-with-std"] {
        let text = std::fs::read_to_string(format!("examples/{name}.wf")).unwrap();
        insta::assert_snapshot!(format!("json_form_{name}"), to_json(&text).unwrap());
    }
}

/// The diagnostics of loading `path` (a `.json` file) as `wfc check` does.
fn diagnostics(path: &Path) -> (Vec<&'static str>, String) {
    let text = std::fs::read_to_string(path).unwrap();
    let program = load(path, text, &Disk, false);
    let a = &program.root().analysis;
    let diags = a.diagnostics();
    let rendered: Vec<String> = diags.iter().map(|d| render(d, &a.source, false)).collect();
    (diags.iter().map(|d| d.code).collect(), rendered.join("\n"))
}

#[test]
fn json_fixtures_report_their_code_at_its_place() {
    let fixtures: Vec<(String, String)> = files("tests/json_form", "json")
        .into_iter()
        .map(|p| (p.display().to_string(), String::new()))
        .collect();
    assert!(fixtures.len() >= 8);
    wfc_testkit::check_each(fixtures, |path, _| {
        let path = Path::new(path);
        let name = path.file_stem().unwrap().to_string_lossy().to_string();
        let expected = name.split('-').next().unwrap();
        if expected == "E0937" {
            return; // `wfc fmt`'s: tests/e2e/json_form.rs
        }
        let (codes, rendered) = diagnostics(path);
        let text = std::fs::read_to_string(path).unwrap();
        insta::with_settings!({ snapshot_path => "../json_form/snapshots", prepend_module_to_snapshot => false }, {
            insta::assert_snapshot!(name.clone(), format!("{text}\n---- diagnostics ----\n{rendered}"));
        });
        if expected.starts_with('E') {
            assert!(
                codes.contains(&expected),
                "expected {expected}, got {codes:?}\n{rendered}"
            );
        } else {
            assert!(
                !codes.is_empty(),
                "expected the checker's reports\n{rendered}"
            );
        }
    });
}

/// A value that would end its field and start a step of its own is one
/// diagnostic, and no step `evil` exists.
#[test]
fn a_value_cannot_change_the_shape_around_it() {
    let path = Path::new("tests/json_form/E0936-not-one-expression.json");
    let (codes, rendered) = diagnostics(path);
    assert_eq!(codes, ["E0936"], "{rendered}");
    let text = std::fs::read_to_string(path).unwrap();
    assert!(to_wf_source(&text).is_err());
}

/// The first block of `lang` in `markdown`.
fn block<'a>(markdown: &'a str, lang: &str) -> &'a str {
    let open = format!("```{lang}\n");
    let start = markdown.find(&open).expect("a block") + open.len();
    let len = markdown[start..].find("```").expect("closed");
    &markdown[start..start + len]
}

/// docs/json-form.md's example: its `.wf` and its JSON say the same.
#[test]
fn the_docs_example_is_what_the_code_writes() {
    let doc = std::fs::read_to_string("docs/json-form.md").unwrap();
    let (wf, json) = (block(&doc, "wf"), block(&doc, "json"));
    assert_eq!(to_json(wf).unwrap(), json);
    assert_eq!(to_wf_source(json).unwrap(), wf);
}

/// Bad input gets diagnostics, never a panic: every example's JSON cut
/// short, and with a byte left out, at many places.
#[test]
fn broken_json_documents_get_diagnostics_not_panics() {
    let mut checked = 0;
    for path in files("examples", "wf") {
        let json = to_json(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let cuts = (0..json.len())
            .step_by(89)
            .filter(|&i| json.is_char_boundary(i));
        for i in cuts {
            let next = (i + 1..=json.len())
                .find(|&j| json.is_char_boundary(j))
                .unwrap();
            for text in [&json[..i], &format!("{}{}", &json[..i], &json[next..])] {
                let program = load(Path::new("w.json"), text.to_string(), &Disk, false);
                let a = &program.root().analysis;
                for d in a.diagnostics() {
                    render(&d, &a.source, false);
                }
                checked += 1;
            }
        }
    }
    assert!(checked > 1000, "{checked}");
}

#[test]
fn an_approval_gate_s_inputs_round_trip() {
    let text = "workflow w {\n  param base: int = 10\n  step approve: gate {\n    approval \"ops\"\n    inputs { notes: string = \"\", rollout: int in 1..100 = base, region: string in [\"eu\", \"us\"] }\n  }\n}\n";
    let json = to_json(text).unwrap();
    let inputs = &serde_json::from_str::<serde_json::Value>(&json).unwrap()["workflows"][0]
        ["items"][1]["fields"]["inputs"];
    assert_eq!(inputs["rollout"]["in"], "1..100", "{json}");
    assert_eq!(inputs["region"]["type"], "string", "{json}");
    let back = to_wf_source(&json).unwrap();
    assert_eq!(
        without_blank_lines(&back),
        without_blank_lines(&wfc_language::fmt::format_source(text).unwrap())
    );
}

#[test]
fn alert_rules_round_trip() {
    let text = std::fs::read_to_string("tests/check/ok-alerts.wf").unwrap();
    let json = to_json(&text).unwrap();
    let items = &serde_json::from_str::<serde_json::Value>(&json).unwrap()["workflows"][0]["items"];
    let alert = &items[2];
    assert_eq!(alert["alert"], "failing", "{json}");
    assert_eq!(alert["when"], "failure_rate(last 10) > 0.3", "{json}");
    assert_eq!(alert["notify"][0]["kind"], "slack", "{json}");
    assert_eq!(alert["fields"]["cooldown"], "1h", "{json}");
    let back = to_wf_source(&json).unwrap();
    assert_eq!(
        without_blank_lines(&back),
        without_blank_lines(&formatted_without_comments(&text))
    );
    // A condition that is not one reads as an error at its place.
    let broken = json.replacen(
        "failure_rate(last 10) > 0.3",
        "failure_rate(last 10 runs)",
        1,
    );
    assert!(to_wf_source(&broken).is_err());
    let text = std::fs::read_to_string("tests/check/ok-batch.wf").unwrap();
    let json: serde_json::Value = serde_json::from_str(&to_json(&text).unwrap()).unwrap();
    assert_eq!(json["workflows"][0]["items"][2]["batch"], "size", "{json}");
}

#[test]
fn fail_fast_strict_batches_and_error_classes_round_trip() {
    for file in [
        "tests/check/ok-fail-fast.wf",
        "tests/check/ok-strict-shells.wf",
        "tests/check/ok-batch.wf",
        "tests/check/ok-max-failures.wf",
        "tests/check/ok-retry-error-classes.wf",
        "tests/check/ok-up-to-date-when.wf",
    ] {
        let text = std::fs::read_to_string(file).unwrap();
        let json = to_json(&text).unwrap();
        let back = to_wf_source(&json).unwrap();
        assert_eq!(
            without_blank_lines(&back),
            without_blank_lines(&formatted_without_comments(&text)),
            "{file}: {json}"
        );
    }
    let text = std::fs::read_to_string("tests/check/ok-up-to-date-when.wf").unwrap();
    let json: serde_json::Value = serde_json::from_str(&to_json(&text).unwrap()).unwrap();
    let fields = &json["workflows"][0]["items"][2]["fields"];
    assert!(fields["up_to_date_when_sql"].is_string(), "{json}");
    let text = std::fs::read_to_string("tests/check/ok-fail-fast.wf").unwrap();
    let json: serde_json::Value = serde_json::from_str(&to_json(&text).unwrap()).unwrap();
    let items = &json["workflows"][0]["items"];
    assert_eq!(items[1]["fail_fast"], true, "{json}");
    assert_eq!(items[2]["fail_fast"], true, "{json}");
    // A `fail_fast` that is not a boolean is an error at its place.
    let broken = json
        .to_string()
        .replacen("\"fail_fast\":true", "\"fail_fast\":\"yes\"", 1);
    assert!(to_wf_source(&broken).is_err());
    let text = std::fs::read_to_string("tests/check/ok-batch.wf").unwrap();
    let json: serde_json::Value = serde_json::from_str(&to_json(&text).unwrap()).unwrap();
    assert_eq!(json["workflows"][0]["items"][2]["batch"], "size", "{json}");
}

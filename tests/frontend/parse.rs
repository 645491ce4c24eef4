//! Parser tests: the language sketch parses; syntax errors are in plain words
//! at the right place.

use wfc_language::syntax::ast::*;
use wfc_language::syntax::parse;

fn parse_ok(text: &str) -> File {
    let parsed = parse(text);
    assert!(
        parsed.diagnostics.is_empty(),
        "unexpected diagnostics: {:#?}",
        parsed.diagnostics
    );
    parsed.file.expect("a tree")
}

#[test]
fn the_language_sketch_parses() {
    let text = std::fs::read_to_string("tests/parse/sketch.wf").unwrap();
    let file = parse_ok(&text);
    let wf = &file.first();
    assert_eq!(wf.name.name, "deploy");
    let steps: Vec<&str> = wf
        .items
        .iter()
        .filter_map(|i| match i {
            Item::Step(s) => Some(s.name.name.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(steps, ["lint", "test", "coverage_ok", "build", "announce"]);
    let params = wf
        .items
        .iter()
        .filter(|i| matches!(i, Item::Param(_)))
        .count();
    assert_eq!(params, 6);
}

/// Every `.wf` file the project ships parses without diagnostics (each one
/// that does not is reported).
#[test]
fn shipped_workflows_parse() {
    let mut files = Vec::new();
    for dir in ["examples", "std", "tests/parse"] {
        let Ok(entries) = std::fs::read_dir(dir) else {
            continue;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "wf") {
                files.push((path.display().to_string(), path));
            }
        }
    }
    files.sort();
    wfc_testkit::check_each(files, |_, path| {
        let text = std::fs::read_to_string(&path).unwrap();
        let parsed = parse(&text);
        assert!(
            parsed.file.is_some() && parsed.diagnostics.is_empty(),
            "{:#?}",
            parsed.diagnostics
        );
    });
}

/// Spans end at a node's last token, not at whitespace or comments after it.
#[test]
fn spans_are_tight() {
    let text = "workflow w {\n  description \"x\"   # trailing\n\n  # own\n  param p: int = 3 # c\n  step s: shell {\n    run \"a\"  # r\n    depends on t, u  # d\n  }\n  step t: shell { run \"b\" }\n  step u: shell { run \"c\" }\n}\n";
    let file = parse_ok(text);
    let slice = |sp: wfc_language::span::Span| &text[sp.range()];
    let items = &file.first().items;
    assert_eq!(slice(items[0].span()), "description \"x\"");
    assert_eq!(slice(items[1].span()), "param p: int = 3");
    let Item::Step(s) = &items[2] else { panic!() };
    assert!(slice(s.span).ends_with('}'));
    assert_eq!(slice(s.fields[0].span), "run \"a\"");
    assert_eq!(slice(s.fields[1].span), "depends on t, u");
    assert_eq!(slice(file.first().span).chars().last(), Some('}'));
}

/// Each broken item is reported, and the rest of the file still has a tree:
/// a broken field costs only itself (`c` stays), a half-written line is
/// reported where it stops (line 13, not the `}` after it).
#[test]
fn syntax_errors_are_all_reported_and_the_rest_is_kept() {
    let text = "workflow ci {\n  step a: shell { run \"x\" }\n  step b shell {\n    run \"y\"\n  }\n  step c: shell {\n    run \"z\" = 1\n  }\n  step d: shell {\n    run \"w\"\n    depends on a, b\n  }\n  param p: int =\n}\n";
    let parsed = parse(text);
    let lines: Vec<u32> = parsed
        .diagnostics
        .iter()
        .map(|d| {
            let at = d.primary_span().unwrap().start as usize;
            text[..at].matches('\n').count() as u32 + 1
        })
        .collect();
    assert_eq!(lines, [3, 7, 13], "{:#?}", parsed.diagnostics);
    let file = parsed.file.expect("a tree of the rest");
    let steps: Vec<&str> = file
        .first()
        .items
        .iter()
        .filter_map(|i| match i {
            Item::Step(s) => Some(s.name.name.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(steps, ["a", "c", "d"]);
    assert_eq!(parsed.recovered_names, ["b", "p"]);
    // `d` depends on the left-out `b`: not reported as unknown.
    let analysis = wfc_language::analysis::analyze("ci.wf", text);
    let codes: Vec<&str> = analysis.diagnostics().iter().map(|d| d.code).collect();
    assert_eq!(codes, ["E0001", "E0001", "E0001"]);
}

/// Strings and comments take every character but their delimiters (the
/// grammar lists them as ranges, so each must be checked).
#[test]
fn strings_and_comments_take_every_other_character() {
    let plain: String = (1u8..0x80)
        .map(char::from)
        .filter(|c| !matches!(c, '"' | '\\' | '\n' | '\r'))
        .chain("$ $x é → 😀".chars())
        .collect();
    let triple = "a \"quoted\" \"\" b \\n c \\\\ $ #\n  ${ no: it is `\\$`{ }é\t→";
    let comment = "# all of it: \" \\ $ ${ \r lone CR é → 😀\t";
    let text = format!(
        "workflow w {{\n  description \"{plain}\"\n  step s: shell {{\n    run \"\"\"{}\"\"\" {comment}\r\n  }}\n}}\n",
        triple.replace("${", "\\${"),
    );
    let parsed = parse(&text);
    assert!(parsed.diagnostics.is_empty(), "{:#?}", parsed.diagnostics);
    let file = parsed.file.unwrap();
    let Item::Setting(setting) = &file.first().items[0] else {
        panic!("a setting first")
    };
    let FieldValue::Expr(Expr {
        kind: ExprKind::Str(s),
        ..
    }) = &setting.value
    else {
        panic!("a string")
    };
    assert_eq!(s.as_plain().as_deref(), Some(plain.as_str()));
    let Item::Step(step) = &file.first().items[1] else {
        panic!("a step")
    };
    let FieldValue::Expr(Expr {
        kind: ExprKind::Str(s),
        ..
    }) = &step.fields[0].value
    else {
        panic!("a string")
    };
    assert_eq!(
        s.as_plain().as_deref(),
        Some(triple.replace("\\$", "$").as_str())
    );
    let texts: Vec<&str> = parsed.comments.iter().map(|c| c.text.as_str()).collect();
    assert_eq!(texts, [&comment[1..]]);
}

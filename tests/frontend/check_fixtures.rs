//! Checker fixtures: `tests/check/<CODE>-<case>.wf` must report `<CODE>`;
//! `tests/check/ok-<case>.wf` must report nothing. Each fixture's source and
//! rendered diagnostics are pinned with insta (`tests/check/snapshots`).
//! Every failing fixture is reported, not just the first.
//! Also: every diagnostic code the source constructs has a fixture named
//! after it somewhere under `tests/` and a section in docs/diagnostics.md.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use wfc_language::diag::render::render;
use wfc_language::program::{load, Disk};
use wfc_language::span::SourceFile;

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
    let parsed = wfc_language::syntax::parse(text);
    let source = SourceFile::new(format!("{name}.wf"), text);
    if !parsed.diagnostics.is_empty() {
        let rendered: Vec<String> = parsed
            .diagnostics
            .iter()
            .map(|d| render(d, &source, false))
            .collect();
        panic!("{name}: syntax errors:\n{}", rendered.join("\n"));
    }
    // Loaded as a program, so a fixture may import `modules/*.wf`.
    let path = std::path::Path::new("tests/check").join(format!("{name}.wf"));
    let program = load(&path, text.to_string(), &Disk, true);
    let diagnostics = program.root().analysis.diagnostics();
    let mut rendered: Vec<String> = program.units[1..]
        .iter()
        .flat_map(|u| {
            let d = u.analysis.diagnostics();
            d.iter()
                .map(|d| render(d, &u.analysis.source, false))
                .collect::<Vec<_>>()
        })
        .collect();
    rendered.extend(diagnostics.iter().map(|d| render(d, &source, false)));
    let rendered = rendered.join("\n");
    let codes = diagnostics.iter().map(|d| d.code).collect();
    (codes, rendered)
}

#[test]
fn check_fixtures() {
    wfc_testkit::check_each(fixtures(), |name, text| {
        let (codes, rendered) = run(name, &text);
        let snapshot = format!("{text}\n---- diagnostics ----\n{rendered}");
        insta::with_settings!({ snapshot_path => "../check/snapshots", prepend_module_to_snapshot => false }, {
            insta::assert_snapshot!(name, snapshot);
        });
        let expected = name.split('-').next().unwrap();
        if expected == "ok" {
            assert!(
                codes.is_empty(),
                "expected no diagnostics, got {codes:?}\n{rendered}"
            );
        } else {
            assert!(
                codes.contains(&expected),
                "expected {expected}, got {codes:?}\n{rendered}"
            );
        }
    });
}

/// Codes the source constructs that no workflow file can provoke, so no
/// fixture can show them, each with why. They still need a section in the
/// docs.
const NO_FIXTURE: [(&str, &str); 9] = [
    (
        "E0601",
        "a run store of an older schema that cannot be written: a store, not a \
         file, provokes it (tests/e2e/store/read_only.rs)",
    ),
    (
        "E0602",
        "a run store that cannot be read (a write-ahead log without its index, \
         where it cannot be made): tests/e2e/store/read_only.rs provokes it",
    ),
    (
        "E0603",
        "a store location (`--store`, `WFC_STORE`) provokes it, not a file: \
         wfc_store_db::location's unit tests",
    ),
    (
        "E0604",
        "a store URL with a password on the command line provokes it: \
         wfc_store_db::location's unit tests",
    ),
    (
        "E0605",
        "`wfc store copy` into a store that holds runs: wfc_store::copy's unit \
         tests and tests/e2e/store/postgres.rs",
    ),
    (
        "E0606",
        "`wfc store copy` of a store with a run going on: wfc_store::copy's unit tests",
    ),
    (
        "E0607",
        "a run taken over by another process (its session moved on): \
         wfc_store::store_recorder's unit tests",
    ),
    (
        "E0608",
        "a schedule's slot another server fired first: wfc_store::fires' unit \
         tests and tests/e2e/servers_once.rs",
    ),
    (
        "E0609",
        "a webhook delivery another server started first: tests/e2e/servers_once.rs",
    ),
];

/// Whether `s` is a diagnostic code: `E` or `W` and four digits.
fn is_code(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 5 && (b[0] == b'E' || b[0] == b'W') && b[1..].iter().all(u8::is_ascii_digit)
}

/// The files under `dir` (at any depth) whose names end in `.ext`.
fn files_under(dir: &Path, ext: &str, out: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for e in entries {
        let p = e.unwrap().path();
        if p.is_dir() {
            files_under(&p, ext, out);
        } else if p.extension().is_some_and(|e| e == ext) {
            out.push(p);
        }
    }
}

/// Every code the source constructs: string literals that are exactly a
/// code (`"E0401"`), in every `.rs` file of `crates/*/src`, `src` and `lsp/src`.
fn constructed_codes() -> BTreeSet<String> {
    let mut sources = Vec::new();
    for krate in std::fs::read_dir("crates").unwrap() {
        let src = krate.unwrap().path().join("src");
        if src.is_dir() {
            files_under(&src, "rs", &mut sources);
        }
    }
    files_under(Path::new("src"), "rs", &mut sources);
    files_under(Path::new("lsp/src"), "rs", &mut sources);
    let mut codes = BTreeSet::new();
    for f in sources {
        let text = std::fs::read_to_string(&f).unwrap();
        for w in text.as_bytes().windows(7) {
            if w[0] == b'"' && w[6] == b'"' {
                let inner = std::str::from_utf8(&w[1..6]).unwrap_or_default();
                if is_code(inner) {
                    codes.insert(inner.to_string());
                }
            }
        }
    }
    codes
}

/// Every code the source constructs has a fixture `tests/**/<CODE>-*.wf`
/// (`tests/check`, `tests/syntax`, `tests/plan/errors`, `tests/export/errors`,
/// …, each run by its own test) and a `## CODE` section in
/// docs/diagnostics.md; every fixture and section names a code the source
/// constructs, or (a section) one its table row marks "(no longer reported)".
#[test]
fn every_code_has_a_fixture_and_a_section() {
    let codes = constructed_codes();
    assert!(codes.len() > 150, "found only {codes:?}");

    let mut wf = Vec::new();
    files_under(Path::new("tests"), "wf", &mut wf);
    // `wfc import`'s codes are provoked by YAML (tests/e2e/import.rs runs them).
    files_under(Path::new("tests/import"), "yml", &mut wf);
    // The JSON form's (`tests/json_form`, run by json_form.rs).
    files_under(Path::new("tests/json_form"), "json", &mut wf);
    let mut fixtures: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for p in &wf {
        let name = p.file_name().unwrap().to_string_lossy();
        if let Some((code, _)) = name.split_once('-').filter(|(c, _)| is_code(c)) {
            fixtures
                .entry(code.to_string())
                .or_default()
                .push(p.display().to_string());
        }
    }

    let docs = std::fs::read_to_string("docs/diagnostics.md").unwrap();
    let sections: BTreeSet<&str> = docs
        .lines()
        .filter_map(|l| l.strip_prefix("## "))
        .map(str::trim)
        .filter(|c| is_code(c))
        .collect();
    let retired: BTreeSet<&str> = docs
        .lines()
        .filter(|l| l.contains("(no longer reported)"))
        .filter_map(|l| l.strip_prefix("| ["))
        .filter_map(|l| l.get(..5))
        .filter(|c| is_code(c))
        .collect();

    let exempt = |c: &str| NO_FIXTURE.iter().any(|(x, _)| *x == c);
    let mut problems = Vec::new();
    let mut report = |what: &str, found: Vec<String>| {
        if !found.is_empty() {
            problems.push(format!("{what}: {}", found.join(", ")));
        }
    };
    report(
        "codes without a fixture tests/**/<CODE>-*.wf",
        codes
            .iter()
            .filter(|c| !fixtures.contains_key(*c) && !exempt(c))
            .cloned()
            .collect(),
    );
    report(
        "codes without a `## CODE` section in docs/diagnostics.md",
        codes
            .iter()
            .filter(|c| !sections.contains(c.as_str()))
            .cloned()
            .collect(),
    );
    report(
        "sections of codes the source does not construct (mark a retired one \
         \"(no longer reported)\" in the table)",
        sections
            .iter()
            .filter(|c| !codes.contains(**c) && !retired.contains(*c))
            .map(|c| c.to_string())
            .collect(),
    );
    report(
        "fixtures named after a code the source does not construct",
        fixtures
            .iter()
            .filter(|(c, _)| !codes.contains(*c))
            .flat_map(|(_, paths)| paths.clone())
            .collect(),
    );
    report(
        "NO_FIXTURE codes that the source no longer constructs or that have a fixture now",
        NO_FIXTURE
            .iter()
            .filter(|(c, _)| !codes.contains(*c) || fixtures.contains_key(*c))
            .map(|(c, _)| c.to_string())
            .collect(),
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Pages of docs/diagnostics.md that have no ```wf example, each with why.
const NO_EXAMPLE: [(&str, &str); 26] = [
    ("E0232", "no longer reported"),
    ("E0724", "no longer reported"),
    ("E0233", "no longer reported"),
    ("E0601", "a run store provokes it, not a workflow file"),
    ("E0602", "a run store provokes it, not a workflow file"),
    ("E0603", "a store location provokes it, not a workflow file"),
    ("E0604", "a store URL provokes it, not a workflow file"),
    ("E0605", "`wfc store copy` provokes it, not a workflow file"),
    ("E0606", "`wfc store copy` provokes it, not a workflow file"),
    (
        "E0607",
        "a second process on a run provokes it, not a workflow file",
    ),
    ("E0608", "a second server provokes it, not a workflow file"),
    ("E0609", "a second server provokes it, not a workflow file"),
    ("E0739", "no longer reported"),
    ("E0736", "no longer reported"),
    ("E0755", "no longer reported"),
    ("E0756", "no longer reported"),
    ("E0760", "no longer reported"),
    ("E0840", "names its run fixture instead"),
    (
        "E0901",
        "its cause is the file's name and keys, said in words",
    ),
    ("W0901", "its cause is any `uses:`, said in words"),
    ("E0841", "names its run fixture instead"),
    ("E0842", "names its run fixture instead"),
    ("E0843", "names its run fixture instead"),
    ("E0844", "names its run fixture instead"),
    ("E0845", "names its run fixture instead"),
    ("E0846", "names its run fixture instead"),
];

/// One `# ` group of docs/diagnostics.md: its title, the codes its table
/// lists, and its `## CODE` pages (each page's lines, heading excluded).
struct DocGroup<'a> {
    title: &'a str,
    table: Vec<&'a str>,
    pages: Vec<(&'a str, Vec<&'a str>)>,
}

/// The groups and pages of docs/diagnostics.md; a `#` line inside a fenced
/// block (a comment of an example) is the block's, not a heading.
fn doc_groups(docs: &str) -> (Vec<DocGroup<'_>>, bool) {
    let mut groups: Vec<DocGroup> = Vec::new();
    let mut fenced = false;
    for line in docs.lines() {
        if line.starts_with("```") {
            fenced = !fenced;
        }
        if !fenced {
            if let Some(title) = line.strip_prefix("# ") {
                groups.push(DocGroup {
                    title,
                    table: Vec::new(),
                    pages: Vec::new(),
                });
                continue;
            }
        }
        let Some(group) = groups.last_mut() else {
            continue;
        };
        if !fenced {
            if let Some(code) = line.strip_prefix("## ") {
                group.pages.push((code.trim(), Vec::new()));
                continue;
            }
        }
        match group.pages.last_mut() {
            Some((_, lines)) => lines.push(line),
            None => {
                let code = line.strip_prefix("| [").and_then(|l| l.get(..5));
                if let Some(code) = code.filter(|c| is_code(c)) {
                    group.table.push(code);
                }
            }
        }
    }
    (groups, fenced)
}

/// What is wrong with the layout of docs/diagnostics.md: the kind of damage
/// a line-union merge of two branches leaves (pages cut into each other,
/// groups repeated, pages away from their group).
fn diagnostics_doc_problems(docs: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let (groups, fence_open) = doc_groups(docs);
    if fence_open {
        problems.push("a ``` block is never closed".to_owned());
    }
    let mut titles = BTreeSet::new();
    let mut pages_seen = BTreeSet::new();
    for g in &groups {
        if !titles.insert(g.title) {
            problems.push(format!("group `# {}` appears twice", g.title));
        }
        let paged: Vec<&str> = g.pages.iter().map(|(c, _)| *c).collect();
        for c in &g.table {
            if !paged.contains(c) {
                problems.push(format!(
                    "{c}: in the table of `# {}`, no page there",
                    g.title
                ));
            }
        }
        for c in &paged {
            if !g.table.contains(c) {
                problems.push(format!("{c}: a page in `# {}`, not in its table", g.title));
            }
        }
        let table_order: Vec<&str> = g
            .table
            .iter()
            .copied()
            .filter(|c| paged.contains(c))
            .collect();
        let page_order: Vec<&str> = paged
            .iter()
            .copied()
            .filter(|c| g.table.contains(c))
            .collect();
        if table_order != page_order {
            problems.push(format!("pages of `# {}` not in its table's order", g.title));
        }
        for (code, lines) in &g.pages {
            if !pages_seen.insert(*code) {
                problems.push(format!("{code}: two `## {code}` pages"));
            }
            let fences: Vec<(usize, &&str)> = lines
                .iter()
                .enumerate()
                .filter(|(_, l)| l.starts_with("```"))
                .collect();
            // `wfc import`'s codes are provoked by YAML, the JSON form's by
            // JSON (`wfc fmt`'s refusal of it by a command), not `.wf` text.
            let lang = match &code[1..] {
                "0937" => "```sh",
                c if c.starts_with("090") => "```yaml",
                c if c.starts_with("093") => "```json",
                _ => "```wf",
            };
            let exempt = NO_EXAMPLE.iter().any(|(c, _)| c == code);
            let example_end = match (fences.as_slice(), exempt) {
                ([(_, open), (end, close)], false) if **open == lang && **close == "```" => {
                    Some(*end)
                }
                ([], true) => None,
                _ => {
                    problems.push(format!(
                        "{code}: {} fence lines, want one {lang} example{}",
                        fences.len(),
                        if exempt { " (or none: NO_EXAMPLE)" } else { "" }
                    ));
                    continue;
                }
            };
            let fixes = lines.iter().filter(|l| l.starts_with("**Fix:**")).count();
            if fixes > 1 {
                problems.push(format!("{code}: {fixes} `**Fix:**` lines"));
            }
            for (i, l) in lines.iter().enumerate() {
                let closing = l.starts_with("Reports:") || l.starts_with("**Fix:**");
                if closing && example_end.is_some_and(|end| i < end) {
                    problems.push(format!("{code}: `{}` before the example", &l[..8]));
                }
            }
        }
    }
    problems
}

/// docs/diagnostics.md (which `wfc explain` prints from) is whole: every
/// page has one example and one fix after it, no page or group appears
/// twice, and each group's table lists exactly its pages, in their order.
#[test]
fn diagnostics_doc_is_whole() {
    let docs = std::fs::read_to_string("docs/diagnostics.md").unwrap();
    let problems = diagnostics_doc_problems(&docs);
    assert!(
        problems.is_empty(),
        "docs/diagnostics.md:\n{}",
        problems.join("\n")
    );
}

/// The IR of the language sketch's example: names resolved, implied deps recorded.
#[test]
fn ir_records_implied_dependencies_and_references() {
    let text = std::fs::read_to_string("tests/check/ok-deploy.wf").unwrap();
    let file = wfc_language::syntax::parse(&text).file.unwrap();
    let checked = wfc_language::check::check(file.first());
    assert!(checked.diagnostics.is_empty(), "{:?}", checked.diagnostics);
    let wf = &checked.ir;
    let gate = wf.step_named("coverage_ok").unwrap();
    let test = wf.step_named("test").unwrap();
    assert_eq!(wf.steps[gate].implied, vec![test]);
    assert!(wf
        .references
        .iter()
        .any(|r| r.target == wfc_language::ir::Symbol::Step(test)));
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

/// The types of every `step.output` read in one step's fields, as `name.field: type`.
fn output_reads(wf: &wfc_language::ir::Workflow, step: &str) -> Vec<String> {
    use wfc_language::ir::{Expr, ExprKind, FieldValue, InterpPart};
    fn walk(wf: &wfc_language::ir::Workflow, e: &Expr, out: &mut Vec<String>) {
        match &e.kind {
            ExprKind::StepOutput {
                step,
                field,
                output,
            } => {
                let name = &wf.steps[*step].name;
                let field = output
                    .as_ref()
                    .map_or(field.clone(), |o| format!("outputs.{o}"));
                out.push(format!("{name}.{field}: {}", e.ty));
            }
            ExprKind::List(xs) | ExprKind::Call(_, xs) => xs.iter().for_each(|x| walk(wf, x, out)),
            ExprKind::Map(kv) => kv.iter().for_each(|(_, x)| walk(wf, x, out)),
            ExprKind::Interp(parts) => parts.iter().for_each(|p| {
                if let InterpPart::Expr(x) = p {
                    walk(wf, x, out)
                }
            }),
            ExprKind::Unary(_, x) | ExprKind::Field(x, _) => walk(wf, x, out),
            ExprKind::Binary(_, a, b) | ExprKind::Index(a, b) => {
                walk(wf, a, out);
                walk(wf, b, out);
            }
            _ => {}
        }
    }
    let s = &wf.steps[wf.step_named(step).unwrap()];
    let mut out = Vec::new();
    for f in &s.fields {
        match &f.value {
            FieldValue::Expr(x) => walk(wf, x, &mut out),
            FieldValue::Map(kv) => kv.iter().for_each(|(_, x)| walk(wf, x, &mut out)),
            _ => {}
        }
    }
    out
}

#[test]
fn outputs_are_typed_through_control_flow() {
    let text = std::fs::read_to_string("tests/check/ok-every-construct.wf").unwrap();
    let file = wfc_language::syntax::parse(&text).file.unwrap();
    let checked = wfc_language::check::check(file.first());
    assert!(checked.diagnostics.is_empty(), "{:?}", checked.diagnostics);
    let wf = &checked.ir;
    assert_eq!(
        output_reads(wf, "after"),
        ["approve.approved_by: string", "approve.passed: bool"]
    );
    assert_eq!(
        output_reads(wf, "approved"),
        ["approve.approved_by: string?", "dev_note.exit_code: int?"]
    );
    assert_eq!(
        output_reads(wf, "summary"),
        [
            "ship.stdout: list<string>",
            "ship.exit_code: list<int>",
            "ship.stdout: list<string>",
            "inner.stdout: list<list<string>>"
        ]
    );
    assert_eq!(output_reads(wf, "eu_only"), ["ship.stdout: string"]);
    assert_eq!(output_reads(wf, "inner"), ["ship.stderr: string"]);
    assert_eq!(output_reads(wf, "unship"), ["ship.exit_code: int"]);
    assert_eq!(
        output_reads(wf, "notify"),
        ["probe_eu.status_code: int?", "a.stdout: string"]
    );
    assert_eq!(output_reads(wf, "alert"), ["build.stdout: string?"]);
    // `api` is optional: its outputs may not exist, unless the reader waits
    // for it with `depends on` (it then runs only if `api` succeeded).
    assert_eq!(
        output_reads(wf, "quality")[0],
        "api.status_code: int?",
        "read through default()"
    );
    assert_eq!(
        output_reads(wf, "json_gate"),
        [
            "api.json: json",
            "build.outputs.meta: json",
            "api.headers: map<string>"
        ]
    );
    assert_eq!(
        output_reads(wf, "done"),
        ["mail.delivered: bool", "build.stdout: string"]
    );

    let id = |n: &str| wf.step_named(n).unwrap();
    let implied = |n: &str| wf.steps[id(n)].implied.clone();
    assert_eq!(implied("ship"), [id("container"), id("build")]);
    assert_eq!(
        implied("alert"),
        Vec::<usize>::new(),
        "handlers do not wait for the main graph"
    );
    assert_eq!(implied("alert2"), [id("alert")]);
    assert_eq!(
        implied("unship"),
        Vec::<usize>::new(),
        "a rollback reads its step without an edge"
    );
    assert_eq!(
        wf.steps[id("unship")].role,
        wfc_language::ir::Role::Rollback { of: id("ship") }
    );
    assert_eq!(wf.steps[id("ship")].rollback, [id("unship")]);
    // `else if` waits for what the first condition reads (nothing here), and the
    // gate reads api and build.
    assert_eq!(implied("quality"), [id("api"), id("build")]);
    let lint_defaults = &wf.steps[id("head")];
    assert_eq!(lint_defaults.timeout_ms, Some(600_000));
    assert_eq!(
        lint_defaults.retry.as_ref().unwrap().strategy,
        wfc_language::ir::Backoff::Linear
    );
    assert_eq!(wf.concurrency, Some(2));
    assert_eq!(wf.description.as_deref(), Some("every construct"));
}

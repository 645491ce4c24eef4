//! No input makes the front end panic: property tests over random token soups
//! and over mutations of the project's own workflows. (`fuzz/` has the
//! coverage-guided version of the same property.)

use proptest::prelude::*;
use wfc_language::analysis::analyze;

const TOKENS: &[&str] = &[
    "workflow",
    "w",
    "{",
    "}",
    "step",
    "a",
    "b",
    ":",
    "shell",
    "http",
    "gate",
    "run",
    "\"x\"",
    "\"${a.stdout}\"",
    "\"\"\"\n  y\n\"\"\"",
    "param",
    "p",
    "int",
    "string",
    "list<string>",
    "=",
    "3",
    "1.5",
    "5m",
    "in",
    "[",
    "]",
    "..",
    ",",
    "if",
    "else",
    "for",
    "each",
    "parallel",
    "wait",
    "any",
    "depends",
    "on",
    "failure",
    "rollback",
    "retry",
    "backoff",
    "max",
    "within",
    "until",
    "every",
    "sleep",
    "duration",
    "a.json.state",
    "*",
    "/",
    "500ms",
    "outputs",
    "(",
    ")",
    "env",
    "len",
    "&&",
    "||",
    "==",
    "!",
    "-",
    "+",
    ".",
    "#c\n",
    "## d\n",
    "\n",
    " ",
    "optional",
    "mount",
    "at",
    "finally",
    "secret",
    "defaults",
    "timeout",
    "${",
    "\\",
    "\"",
    "true",
    "failed",
    "check",
    "approval",
    "sequence",
    "after",
    "\"${a.status}\"",
    "a.status",
    "é",
    "\u{0}",
    "let",
    "?",
    "\"${HOME:-x}\"",
    "\"${#x}\"",
    "\"${x%y}\"",
    "run.id",
    "run.status",
    "starts_with",
    "matches",
    "\"(\"",
    "coalesce",
    "slice",
    "range",
];

fn soup() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(TOKENS), 0..80).prop_map(|t| t.join(" "))
}

fn shipped_files() -> Vec<String> {
    let mut out = Vec::new();
    for dir in ["examples", "std", "tests/parse", "tests/fmt", "tests/plan"] {
        if let Ok(entries) = std::fs::read_dir(dir) {
            for e in entries.flatten() {
                if e.path().extension().is_some_and(|x| x == "wf") {
                    if let Ok(t) = std::fs::read_to_string(e.path()) {
                        out.push(t);
                    }
                }
            }
        }
    }
    out
}

#[derive(Debug, Clone)]
enum Mutation {
    Delete(usize, usize),
    Insert(usize, &'static str),
    Duplicate(usize, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 1..40usize).prop_map(|(a, n)| Mutation::Delete(a, n)),
        (any::<usize>(), prop::sample::select(TOKENS)).prop_map(|(a, t)| Mutation::Insert(a, t)),
        (any::<usize>(), 1..200usize).prop_map(|(a, n)| Mutation::Duplicate(a, n)),
    ]
}

fn apply(text: &str, m: &Mutation) -> String {
    let bytes = text.as_bytes();
    let at = |i: usize| if bytes.is_empty() { 0 } else { i % bytes.len() };
    let mut out = bytes.to_vec();
    match *m {
        Mutation::Delete(a, n) => {
            let a = at(a);
            let b = (a + n).min(out.len());
            out.drain(a..b);
        }
        Mutation::Insert(a, t) => {
            let a = at(a);
            out.splice(a..a, t.bytes());
        }
        Mutation::Duplicate(a, n) => {
            let a = at(a);
            let b = (a + n).min(out.len());
            let copy = out[a..b].to_vec();
            out.splice(b..b, copy);
        }
    }
    // Mutations may split a UTF-8 sequence; the CLI rejects such files
    // before parsing, so test the text a user could actually give.
    String::from_utf8_lossy(&out).into_owned()
}

/// Runs every front-end entry point; any panic fails the property.
fn exercise(text: &str) {
    let analysis = analyze("input.wf", text);
    let _ = analysis.diagnostics();
    if let Ok(formatted) = wfc_language::fmt::format_source(text) {
        let again = wfc_language::syntax::parse(&formatted);
        assert!(
            again.file.is_some(),
            "formatted text does not parse:\n{formatted}\n{:?}",
            again.diagnostics
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, .. ProptestConfig::default() })]

    #[test]
    fn random_token_soup_never_panics(text in soup()) {
        exercise(&text);
    }

    #[test]
    fn soup_inside_a_workflow_never_panics(text in soup()) {
        exercise(&format!("workflow w {{\n{text}\n}}\n"));
    }

    #[test]
    fn mutated_workflows_never_panic(
        which in any::<usize>(),
        muts in prop::collection::vec(mutation(), 1..4),
    ) {
        let files = shipped_files();
        prop_assume!(!files.is_empty());
        let mut text = files[which % files.len()].clone();
        for m in &muts {
            text = apply(&text, m);
        }
        exercise(&text);
    }
}

/// A workflow of steps `s0…` spread over nested `sequence` blocks, with
/// random `depends on`, `after` and `.status` reads between them: cycles,
/// steps waiting for later members, a step after its own sequence.
fn ordering_workflow() -> impl Strategy<Value = String> {
    let step = (0..4usize, 0..3usize, 0..8usize, 0..8usize, 0..8usize);
    prop::collection::vec(step, 1..8).prop_map(|steps| {
        let n = steps.len();
        let mut out = String::from("workflow w {\n");
        let mut open = 0;
        for (i, &(nest, how, dep, after, read)) in steps.iter().enumerate() {
            // Open or close sequences to reach depth `nest % 3`.
            let want = nest % 3;
            while open < want {
                out.push_str(&format!("sequence q{i}_{open} {{\n"));
                open += 1;
            }
            while open > want {
                out.push_str("}\n");
                open -= 1;
            }
            let mut fields = format!("run \"echo ${{s{}.status}}\"", read % n);
            if how == 1 {
                fields.push_str(&format!("  depends on s{}", dep % n));
            }
            if how == 2 || after % 3 == 0 {
                let target = if after % 5 == 0 {
                    format!("q{}_0", after % n)
                } else {
                    format!("s{}", after % n)
                };
                fields.push_str(&format!("  after {target}"));
            }
            out.push_str(&format!("step s{i}: shell {{ {fields} }}\n"));
        }
        out.push_str(&"}\n".repeat(open));
        out.push_str("}\n");
        out
    })
}

/// An expression over lets `l0`…`l5`, a param, a step output, the run
/// context and the new functions, possibly reading itself.
fn let_expr() -> impl Strategy<Value = String> {
    let leaf = prop::sample::select(vec![
        "l0",
        "l1",
        "l2",
        "l5",
        "p",
        "a.stdout",
        "b.exit_code",
        "run.id",
        "run.status",
        "run.failures",
        "run.nope",
        "failed.step",
        "3",
        "\"x\"",
        "true",
        "[1, 2]",
        "{ k: 1 }",
        "\"${l1}-${p}\"",
        "\"${HOME}\"",
        "\"${X:-y}\"",
        "item",
    ])
    .prop_map(str::to_string);
    leaf.prop_recursive(4, 24, 3, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone(), inner.clone())
                .prop_map(|(c, a, b)| format!("{c} ? {a} : {b}")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a}) + {b}")),
            (
                prop::sample::select(vec![
                    "starts_with",
                    "ends_with",
                    "replace",
                    "split",
                    "slice",
                    "range",
                    "keys",
                    "values",
                    "coalesce",
                    "string",
                    "int",
                    "float",
                    "matches",
                    "trim",
                ]),
                prop::collection::vec(inner, 0..4),
            )
                .prop_map(|(f, args)| format!("{f}({})", args.join(", "))),
        ]
    })
}

/// Lets placed at workflow level, in blocks and in handlers, before or
/// after steps, with duplicate names and cycles.
fn let_workflow() -> impl Strategy<Value = String> {
    let place = prop::sample::select(vec!["top", "if", "each", "handler", "after"]);
    prop::collection::vec((0..6usize, let_expr(), place), 1..7).prop_map(|lets| {
        let mut body = String::from(
            "  param p: string = \"v\"\n  step a: shell { run \"echo a\" }\n  step b: shell { run \"echo ${l0}\" }\n",
        );
        for (n, e, place) in lets {
            let l = format!("let l{n} = {e}");
            body.push_str(&match place {
                "top" => format!("  {l}\n"),
                "if" => format!("  if p == \"v\" {{\n    {l}\n    step i{n}: shell {{ run \"echo ${{l{n}}}\" }}\n  }}\n"),
                "each" => format!("  for each item in [p] {{\n    {l}\n    step e{n}: shell {{ run \"${{l{n}}}\" }}\n  }}\n"),
                "handler" => format!("  finally {{\n    {l}\n    step h{n}: shell {{ run \"${{l{n}}}\" }}\n  }}\n"),
                _ => format!("  if true {{\n    step x{n}: shell {{ run \"x\" }}\n    {l}\n  }}\n"),
            });
        }
        format!("workflow w {{\n{body}}}\n")
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, .. ProptestConfig::default() })]

    /// The checker never panics on ordering, and what it accepts plans into
    /// an acyclic graph (every instance in the topological order).
    #[test]
    fn ordering_never_panics_and_what_checks_plans(text in ordering_workflow()) {
        exercise(&text);
        let analysis = analyze("input.wf", &text);
        if !analysis.has_errors() {
            let wf = analysis.module.unwrap().into_first().ir;
            let plan = wfc_plan::plan(
                &wf,
                &wfc_plan::ParamInput::default(),
                wfc_plan::Options::default(),
                &wfc_plan::DefaultEstimator,
            );
            let plan = plan.map_err(|d| format!("{text}\n{d:?}")).unwrap();
            let (_, order) = wfc_plan::reduce::depths(&plan.main.dependents());
            prop_assert_eq!(order.len(), plan.main.len(), "a cycle in the plan of\n{}", text);
        }
    }

    /// The checker, the formatter and the plan never panic on lets,
    /// conditionals, the new functions and the run context.
    #[test]
    fn lets_and_conditionals_never_panic(text in let_workflow()) {
        exercise(&text);
        let analysis = analyze("input.wf", &text);
        if let Some(checked) = analysis.module.as_ref().map(|m| m.first()).filter(|c| !c.has_errors()) {
            let input = wfc_plan::ParamInput::default();
            let _ = wfc_plan::plan(&checked.ir, &input, wfc_plan::Options { jobs: Some(2) }, &wfc_plan::DefaultEstimator);
        }
    }
}

/// Codes of the diagnostics of `text`, after rendering every one of them.
fn codes_rendered(text: &str) -> Vec<&'static str> {
    let analysis = analyze("input.wf", text);
    let diags = analysis.diagnostics();
    let shown = wfc_language::diag::render::render_all(&diags, &analysis.source, false);
    assert!(diags.is_empty() || !shown.is_empty());
    diags.iter().map(|d| d.code).collect()
}

#[test]
fn long_operator_chains_are_an_error_not_a_stack_overflow() {
    // Each of these overflowed the stack: the Pratt parser and the passes
    // over the tree recurse once per operator.
    let n = 100_000;
    for value in [
        vec!["1"; n].join(" + "),
        format!("{}1", "-".repeat(n)),
        format!("{}true", "! ".repeat(n)),
        format!("x{}", ".y".repeat(n)),
    ] {
        let text = format!("workflow w {{\n  param p: int = {value}\n}}\n");
        exercise(&text);
        let codes = codes_rendered(&text);
        assert!(codes.contains(&"E0007"), "{codes:?} for {}…", &value[..20]);
        assert!(!codes.contains(&"E0140"), "no follow-on error: {codes:?}");
    }
    // At the limit, an expression is fine (in a test thread's 2 MiB stack).
    let most = vec!["1"; wfc_language::syntax::MAX_OPERATORS].join(" + ");
    let text = format!("workflow w {{\n  param p: int = {most}\n  step s: shell {{\n    run \"echo ${{p}}\"\n  }}\n}}\n");
    exercise(&text);
    assert_eq!(codes_rendered(&text), Vec::<&str>::new());
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    // pest runs without its stack probe: the scan's depth bound is all that
    // stands between these and a stack overflow.
    let n = 200_000;
    for (what, value) in [
        (
            "type",
            format!("{}string{}", "list<".repeat(n), ">".repeat(n)),
        ),
        (
            "list",
            format!("list<int> = {}{}", "[".repeat(n), "]".repeat(n)),
        ),
        (
            "call",
            format!("int = {}1{}", "len(".repeat(n), ")".repeat(n)),
        ),
        (
            "interpolation",
            format!("string = {}{}", "\"${".repeat(n), "}\"".repeat(n)),
        ),
    ] {
        let text = format!("workflow w {{\n  param p: {value}\n}}\n");
        exercise(&text);
        let codes = codes_rendered(&text);
        assert!(codes.contains(&"E0007"), "{what}: {codes:?}");
    }
    // At the limit, in a test thread's 2 MiB stack (an unoptimized build
    // uses the most stack per level).
    let depth = wfc_language::syntax::MAX_DEPTH;
    for value in [
        format!("{}string{}", "list<".repeat(depth), ">".repeat(depth)),
        format!(
            "list<int> = {}{}",
            "[".repeat(depth - 1),
            "]".repeat(depth - 1)
        ),
        format!("int = {}1{}", "(".repeat(depth - 1), ")".repeat(depth - 1)),
    ] {
        let text = format!("workflow w {{\n  param p: {value}\n}}\n");
        exercise(&text);
        let codes = codes_rendered(&text);
        assert!(!codes.contains(&"E0007"), "{codes:?}");
        assert!(!codes.contains(&"E0001"), "{codes:?}");
    }
}

#[test]
fn a_diagnostic_on_a_very_long_line_names_its_place_instead_of_drawing_it() {
    // miette panicked drawing a label past column 65,535.
    let text = format!(
        "workflow w {{\n  param p: string = \"{}\" + nope\n}}\n",
        "a".repeat(70_000)
    );
    let analysis = analyze("input.wf", text.as_str());
    let diags = analysis.diagnostics();
    let shown = wfc_language::diag::render::render_all(&diags, &analysis.source, false);
    assert!(shown.contains("unknown name `nope`"), "{shown}");
    assert!(shown.contains("at input.wf:2:70026"), "{shown}");
    assert!(shown.contains("the line is too long to show"), "{shown}");
}

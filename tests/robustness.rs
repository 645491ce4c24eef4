//! No input makes the front end panic: property tests over random token soups
//! and over mutations of the project's own workflows. (`fuzz/` has the
//! coverage-guided version of the same property.)

use proptest::prelude::*;
use wfc::analysis::analyze;

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
    "é",
    "\u{0}",
];

fn soup() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(TOKENS), 0..80).prop_map(|t| t.join(" "))
}

fn shipped_files() -> Vec<String> {
    let mut out = Vec::new();
    for dir in ["examples", "std", "tests/parse"] {
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
    if let Ok(formatted) = wfc::fmt::format_source(text) {
        let again = wfc::syntax::parse(&formatted);
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

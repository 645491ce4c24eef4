//! Named half-typed states of one workflow: their diagnostics and outline
//! pinned with insta, and the editor features that must keep working
//! around the broken line (hover, definition, completion elsewhere).

use wfc_language::diag::render::render;
use wfc_language::ide::{Doc, Symbol};
use wfc_language::span::SourceFile;

/// The workflow every state starts from; `@@` marks where the
/// half-typed text goes (on a line of its own, or inside a line).
const BASE: &str = r#"workflow ci {
  param env: string = "dev"
  param jobs: int = 2

  step fetch: shell { run "git fetch" }
@@
  parallel checks {
    step lint: shell { run "cargo clippy" }
    step unit: shell {
      run "cargo test -j ${jobs}"
      depends on fetch
    }
  }

  if env == "prod" {
    step ship: shell { run "ship ${env}" }
  }

  step report: shell {
    run "echo done"
    depends on checks
  }
}
"#;

/// Each state: a name and the full text.
fn states() -> Vec<(&'static str, String)> {
    let at = |typed: &str| BASE.replace("@@\n", typed);
    let mut out = vec![
        (
            "unclosed-brace",
            at("  step build: shell {\n    run \"make\"\n"),
        ),
        (
            "unclosed-string",
            at("  step build: shell {\n    run \"make\n  }\n"),
        ),
        ("step-header", at("  step build: \n")),
        ("step-kind-without-body", at("  step build: shell\n")),
        ("param-header", at("  param foo: \n")),
        ("if-header", at("  if env == \n")),
        (
            "depends-on-empty",
            at("  step build: shell {\n    run \"make\"\n    depends on \n  }\n"),
        ),
        (
            "broken-step-in-parallel",
            at("").replace(
                "    step lint: shell { run \"cargo clippy\" }",
                "    step lint: shell { run \"cargo clippy\n",
            ),
        ),
    ];
    // The `}` closing `step unit` deleted: the middle of the file.
    let base = at("");
    let unit_close = base.find("depends on fetch\n    }").unwrap() + "depends on fetch\n    ".len();
    let mut deleted = base.clone();
    deleted.remove(unit_close);
    out.push(("deleted-brace-mid-file", deleted));
    out
}

fn outline(symbols: &[Symbol], depth: usize, out: &mut String) {
    for s in symbols {
        out.push_str(&format!("{}{:?} {}\n", "  ".repeat(depth), s.kind, s.name));
        outline(&s.children, depth + 1, out);
    }
}

#[test]
fn half_typed_states_give_one_diagnostic_and_keep_their_outline() {
    for (name, text) in states() {
        let doc = Doc::analyze(&format!("{name}.wf"), &text);
        let file = SourceFile::new(format!("{name}.wf"), text.clone());
        let diagnostics = doc.analysis.diagnostics();
        let mut out: String = diagnostics
            .iter()
            .map(|d| render(d, &file, false))
            .collect::<Vec<_>>()
            .join("\n");
        out.push_str("\n-- outline\n");
        outline(&doc.symbols(), 0, &mut out);
        assert_eq!(diagnostics.len(), 1, "{name}:\n{out}");
        // Every step of the base file but the broken one is still there.
        for step in ["fetch", "unit", "ship", "report"] {
            assert!(
                out.contains(&format!("Step {step}\n")),
                "{name} lost {step}:\n{out}"
            );
        }
        insta::assert_snapshot!(name, out);
    }
}

#[test]
fn a_step_with_an_empty_depends_on_stays_in_the_outline_and_hover() {
    let text = BASE.replace(
        "@@\n",
        "  step build: shell {\n    run \"make\"\n    depends on \n  }\n",
    );
    let doc = Doc::analyze("x.wf", &text);
    let names: Vec<String> = doc.symbols()[0]
        .children
        .iter()
        .map(|s| s.name.clone())
        .collect();
    assert!(names.contains(&"build".to_string()), "{names:?}");
    let at = text.find("step build").unwrap() + 5;
    let hover = doc.hover(at).expect("a hover on the step");
    assert!(hover.markdown.contains("build"), "{}", hover.markdown);
}

#[test]
fn hover_definition_and_completion_work_around_each_broken_line() {
    for (name, text) in states() {
        let doc = Doc::analyze("x.wf", &text);
        // Hover on a param used far below the broken line.
        let use_of_env = text.rfind("${env}").unwrap() + 2;
        let hover = doc.hover(use_of_env);
        assert!(
            hover.as_ref().is_some_and(|h| h.markdown.contains("env")),
            "{name}: no hover on `env`"
        );
        // Definition of a step named in `depends on` after the broken line.
        let dep = text.rfind("depends on checks").unwrap() + "depends on ".len();
        let def = doc
            .definition(dep)
            .unwrap_or_else(|| panic!("{name}: no definition"));
        assert!(text[def.clone()].starts_with("checks"), "{name}: {def:?}");
        // Completion after `depends on ` in the last step offers the steps.
        let mut typing = text.clone();
        let at = typing.rfind("depends on checks").unwrap() + "depends on ".len();
        typing.replace_range(at..at + "checks".len(), "");
        let doc = Doc::analyze("x.wf", &typing);
        let labels: Vec<String> = doc.completion(at).into_iter().map(|c| c.label).collect();
        assert!(
            labels.iter().any(|l| l == "fetch"),
            "{name}: completion {labels:?}"
        );
    }
}

//! The editor on a file of several workflows: the outline shows each one
//! (with its outputs), and hover, definition, references, rename and
//! completion answer from the workflow under the cursor, never the other.

use wfc_language::ide::{Doc, SymbolKind, TokenKind};

const SRC: &str = r#"## Builds.
workflow build {
  param target: string = "debug"
  step compile: shell { run "cargo build --profile ${target}" }
  step test: shell { run "cargo test"  depends on compile }
}

## Ships.
workflow ship {
  param version: string
  step compile: shell {
    run "echo v=${version} >> $WF_OUTPUTS"
    outputs { v: string }
  }
  step push: shell { run "push"  depends on compile }
  outputs { shipped: string = compile.outputs.v }
}
"#;

/// The offset of the `n`th (0-based) `needle`, plus `shift`.
fn at(needle: &str, n: usize, shift: usize) -> usize {
    SRC.match_indices(needle).nth(n).expect("in the text").0 + shift
}

#[test]
fn the_outline_shows_every_workflow_and_its_outputs() {
    let d = Doc::analyze("t.wf", SRC);
    assert!(d.diagnostics().is_empty(), "{:?}", d.diagnostics());
    let symbols = d.symbols();
    let names: Vec<&str> = symbols.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["build", "ship"]);
    assert!(symbols.iter().all(|s| s.kind == SymbolKind::Workflow));
    let ship: Vec<(&str, SymbolKind)> = symbols[1]
        .children
        .iter()
        .map(|c| (c.name.as_str(), c.kind))
        .collect();
    assert_eq!(
        ship,
        [
            ("version", SymbolKind::Param),
            ("compile", SymbolKind::Step),
            ("push", SymbolKind::Step),
            ("shipped", SymbolKind::Output),
        ]
    );
    let tokens = d.semantic_tokens();
    let shipped = at("shipped", 0, 0);
    assert!(tokens
        .iter()
        .any(|t| t.span.start == shipped && t.kind == TokenKind::Output && t.declaration));
}

#[test]
fn hover_and_definition_stay_in_the_workflow_under_the_cursor() {
    let d = Doc::analyze("t.wf", SRC);
    // `compile` in ship's `depends on` is ship's compile (it has outputs).
    let use_in_ship = at("depends on compile", 1, "depends on ".len());
    let hover = d.hover(use_in_ship).expect("a hover").markdown;
    assert!(hover.contains("v: string"), "{hover}");
    let def = d.definition(use_in_ship).expect("a definition");
    assert_eq!(def.start, at("step compile", 1, "step ".len()));
    // The same name in build goes to build's compile.
    let use_in_build = at("depends on compile", 0, "depends on ".len());
    let def = d.definition(use_in_build).expect("a definition");
    assert_eq!(def.start, at("step compile", 0, "step ".len()));
    // The workflow's own output and its name.
    let out = d.hover(at("shipped", 0, 1)).expect("a hover").markdown;
    assert!(out.contains("shipped: string"), "{out}");
    assert!(out.contains("workflow `ship`"), "{out}");
    let name = d
        .hover(at("workflow ship", 0, "workflow ".len()))
        .expect("a hover")
        .markdown;
    assert!(name.contains("Ships."), "{name}");
    // An output read in ship's `outputs { … }`.
    let read = at("compile.outputs.v", 0, 1);
    assert_eq!(
        d.definition(read).unwrap().start,
        at("step compile", 1, "step ".len())
    );
}

#[test]
fn rename_and_references_stay_in_their_workflow() {
    let d = Doc::analyze("t.wf", SRC);
    let decl = at("step compile", 1, "step ".len());
    let refs = d.references(decl, true);
    // The declaration, `depends on`, and the workflow output's read.
    assert_eq!(refs.len(), 3, "{refs:?}");
    assert!(refs.iter().all(|r| r.start > at("workflow ship", 0, 0)));
    let edits = d.rename(decl, "make").expect("renames");
    let mut text = SRC.to_string();
    for e in edits.iter().rev() {
        text.replace_range(e.span.clone(), &e.new_text);
    }
    assert!(
        text.contains("step compile: shell { run \"cargo build"),
        "{text}"
    );
    assert!(text.contains("depends on compile }"), "{text}");
    assert!(text.contains("shipped: string = make.outputs.v"), "{text}");
    assert!(
        Doc::analyze("t.wf", &text).diagnostics().is_empty(),
        "{text}"
    );
}

#[test]
fn completion_offers_only_the_names_of_the_workflow_under_the_cursor() {
    let src = SRC.replace(
        "push\"  depends on compile",
        "push ${}\"  depends on compile",
    );
    let d = Doc::analyze("t.wf", &src);
    let cursor = src.find("push ${").unwrap() + "push ${".len();
    let labels: Vec<String> = d.completion(cursor).into_iter().map(|c| c.label).collect();
    assert!(labels.contains(&"version".to_string()), "{labels:?}");
    assert!(!labels.contains(&"target".to_string()), "{labels:?}");
    assert!(!labels.contains(&"test".to_string()), "{labels:?}");
}

#[test]
fn completion_in_a_workflow_output_offers_values() {
    let src = SRC.replace("shipped: string = compile.outputs.v", "shipped: string = ");
    let d = Doc::analyze("t.wf", &src);
    let cursor = src.find("shipped: string = ").unwrap() + "shipped: string = ".len();
    let labels: Vec<String> = d.completion(cursor).into_iter().map(|c| c.label).collect();
    assert!(labels.contains(&"version".to_string()), "{labels:?}");
    assert!(labels.contains(&"compile".to_string()), "{labels:?}");
    let src = SRC.replace("compile.outputs.v }", "compile. }");
    let d = Doc::analyze("t.wf", &src);
    let cursor = src.find("compile. }").unwrap() + "compile.".len();
    let labels: Vec<String> = d.completion(cursor).into_iter().map(|c| c.label).collect();
    assert!(labels.contains(&"outputs".to_string()), "{labels:?}");
}

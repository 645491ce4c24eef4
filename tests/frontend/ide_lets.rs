//! The editor features on `let`, the run context, the new functions and
//! shell text: hover, definition, references, rename, completion, outline,
//! semantic tokens and the quick fix for a shell expansion.

use wfc_language::ide::{Doc, TokenKind};

const SRC: &str = r#"workflow w {
  param version: string = "1.0"
  ## The image to ship.
  let image = "api:${version}"
  step describe: shell { run "git describe" }
  let tag = trim(describe.stdout)
  step ship: shell { run "deploy ${image} ${tag} ${starts_with(tag, "v")}" }
  finally {
    step log: shell { run "echo ${run.status}" }
  }
}
"#;

fn doc() -> Doc {
    Doc::analyze("test.wf", SRC)
}

/// The offset of the `n`th occurrence of `needle`, plus `shift`.
fn at(needle: &str, n: usize, shift: usize) -> usize {
    SRC.match_indices(needle).nth(n).expect("needle").0 + shift
}

#[test]
fn hover_on_a_let_shows_its_type_doc_and_when_it_is_computed() {
    let d = doc();
    let h = d.hover(at("${image}", 0, 3)).expect("a hover");
    assert!(h.markdown.contains("let image: string"), "{}", h.markdown);
    assert!(h.markdown.contains("The image to ship."), "{}", h.markdown);
    assert!(h.markdown.contains("plan time"), "{}", h.markdown);
    let h = d.hover(at("${tag}", 0, 3)).expect("a hover");
    assert!(h.markdown.contains("run time"), "{}", h.markdown);
}

#[test]
fn hover_on_a_new_function_shows_its_signature_and_doc() {
    let d = doc();
    let h = d.hover(at("starts_with", 0, 2)).expect("a hover");
    assert!(
        h.markdown
            .contains("starts_with(s: string, prefix: string) -> bool"),
        "{}",
        h.markdown
    );
}

#[test]
fn hover_on_a_run_field_shows_its_type_and_doc() {
    let d = doc();
    let h = d.hover(at("run.status", 0, 5)).expect("a hover");
    assert!(h.markdown.contains("run.status: string"), "{}", h.markdown);
    assert!(h.markdown.contains("In handlers"), "{}", h.markdown);
}

#[test]
fn definition_references_and_rename_of_a_let() {
    let d = doc();
    let decl = at("let tag", 0, 4);
    assert_eq!(d.definition(at("${tag}", 0, 3)), Some(decl..decl + 3));
    // Its declaration and both uses (not the uses inside the let itself).
    let refs = d.references(decl, true);
    assert_eq!(refs.len(), 3, "{refs:?}");
    let edits = d.rename(at("${tag}", 0, 3), "release").unwrap();
    assert_eq!(edits.len(), 3);
    assert!(edits.iter().all(|e| &SRC[e.span.clone()] == "tag"));
    assert!(d.rename(decl, "version").is_err(), "a param has that name");
}

#[test]
fn completion_offers_lets_and_the_run_fields_where_they_exist() {
    let text = SRC.replace("${run.status}", "${run.}");
    let d = Doc::analyze("test.wf", &text);
    let dot = text.find("${run.}").unwrap() + 6;
    let labels: Vec<String> = d.completion(dot).into_iter().map(|c| c.label).collect();
    for f in [
        "id", "workflow", "trigger", "started", "status", "duration", "failures",
    ] {
        assert!(labels.iter().any(|l| l == f), "{f} in {labels:?}");
    }
    // Outside a handler, the handler-only fields are not offered.
    let text = SRC.replace("${image} ${tag}", "${run.} ${tag}");
    let d = Doc::analyze("test.wf", &text);
    let dot = text.find("${run.}").unwrap() + 6;
    let labels: Vec<String> = d.completion(dot).into_iter().map(|c| c.label).collect();
    assert!(labels.contains(&"id".to_string()) && !labels.contains(&"status".to_string()));
    // In an expression: the lets, `run` and the new functions.
    let d = doc();
    let labels: Vec<String> = d
        .completion(at("${image}", 0, 2))
        .into_iter()
        .map(|c| c.label)
        .collect();
    for l in ["image", "tag", "run", "coalesce", "matches"] {
        assert!(labels.iter().any(|x| x == l), "{l} in {labels:?}");
    }
}

#[test]
fn lets_are_in_the_outline_and_coloured_alike_where_declared_and_used() {
    let d = doc();
    let names: Vec<String> = d.symbols()[0]
        .children
        .iter()
        .map(|s| s.name.clone())
        .collect();
    assert!(
        names.contains(&"image".into()) && names.contains(&"tag".into()),
        "{names:?}"
    );
    let tokens = d.semantic_tokens();
    let kind_at = |offset: usize| {
        tokens
            .iter()
            .find(|t| t.span.start == offset)
            .map(|t| (t.kind, t.declaration))
    };
    let decl = at("let image", 0, 4);
    assert_eq!(kind_at(decl), Some((TokenKind::LoopVar, true)));
    assert_eq!(
        kind_at(at("${image}", 0, 2)),
        Some((TokenKind::LoopVar, false))
    );
    assert_eq!(
        kind_at(at("let image", 0, 0)).map(|k| k.0),
        Some(TokenKind::Keyword)
    );
}

#[test]
fn a_shell_expansion_has_a_quick_fix_that_escapes_it() {
    let text = "workflow w {\n  step s: shell { run \"echo ${HOME:-/tmp}\" }\n}\n";
    let d = Doc::analyze("test.wf", text);
    let start = text.find("${HOME").unwrap();
    let actions = d.code_actions(start..start + 1);
    let fix = actions
        .iter()
        .find(|a| a.title.contains("escape"))
        .expect("a fix");
    let mut fixed = text.to_string();
    for e in fix.edits.iter().rev() {
        fixed.replace_range(e.span.clone(), &e.new_text);
    }
    assert!(fixed.contains(r#"run "echo \${HOME:-/tmp}""#), "{fixed}");
    assert!(Doc::analyze("test.wf", &fixed).diagnostics().is_empty());
}

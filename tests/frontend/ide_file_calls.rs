//! `call file(EXPR)` in the editor: completion offers it among call
//! targets, hover on `file` explains it, the path is an expression like any
//! other (hover and go to definition on the step it reads), and `file` is
//! coloured as a keyword.

use wfc_language::ide::Doc;

const SRC: &str = "workflow w {\n  step gen: shell {\n    run \"echo pipeline=p.wf >> \\\"$WF_OUTPUTS\\\"\"\n    outputs { pipeline: string }\n  }\n  step up: call file(gen.outputs.pipeline) { region \"eu\" }\n}\n";

#[test]
fn completes_file_among_call_targets() {
    let src = "workflow w {\n  step up: call $0\n}\nworkflow other {}\n";
    let at = src.find("$0").unwrap();
    let d = Doc::analyze("t.wf", &src.replacen("$0", "", 1));
    let items = d.completion(at);
    let file = items
        .iter()
        .find(|i| i.label == "file(…)")
        .expect("file(…) offered");
    assert!(file.snippet, "a snippet");
    assert_eq!(
        file.insert_text.as_deref(),
        Some("file(${1:gen.outputs.pipeline})")
    );
    assert!(
        items.iter().any(|i| i.label == "other"),
        "workflows still offered"
    );
}

#[test]
fn hovers_file_and_reads_the_path_as_an_expression() {
    let d = Doc::analyze("t.wf", SRC);
    assert!(d.diagnostics().is_empty(), "{:?}", d.diagnostics());
    let file = SRC.find("file(").unwrap();
    let h = d.hover(file + 1).expect("a hover on `file`").markdown;
    assert!(
        h.contains("call file(EXPR)") && h.contains("checked when the step starts"),
        "{h}"
    );
    // `gen` in the path leads to the step.
    let gen = SRC.find("file(gen").unwrap() + 5;
    let def = d.definition(gen).expect("a definition");
    assert_eq!(&SRC[def.clone()], "gen");
    assert_eq!(def.start, SRC.find("gen:").unwrap());
}

#[test]
fn colours_file_as_a_keyword() {
    let d = Doc::analyze("t.wf", SRC);
    let at = SRC.find("file(").unwrap();
    let t = d.semantic_tokens().into_iter().find(|t| t.span.start == at);
    assert_eq!(
        t.map(|t| format!("{:?}", t.kind)).as_deref(),
        Some("Keyword")
    );
}

//! `retry N … when COND` in the editor: completion offers `when` after a
//! retry's settings and the attempt's names after it; hover explains
//! `when`; it is highlighted as a keyword; the names are checked per kind;
//! `error is` completes the error classes.

use wfc_language::ide::Doc;

fn at(src: &str) -> (Doc, usize) {
    let at = src.find("$0").expect("a $0 cursor marker");
    (Doc::analyze("test.wf", &src.replacen("$0", "", 1)), at)
}

fn labels(src: &str) -> Vec<String> {
    let (d, at) = at(src);
    let mut v: Vec<String> = d.completion(at).into_iter().map(|i| i.label).collect();
    v.sort();
    v
}

const SRC: &str = "workflow w {\n  step pay: http {\n    post \"http://x/pay\"\n    retry 5 backoff 1s when status_code >= 500\n  }\n}\n";

#[test]
fn completes_when_and_the_attempts_names() {
    let src = "workflow w {\n  step pay: http {\n    post \"http://x\"\n    retry 3 $0\n  }\n}\n";
    assert_eq!(labels(src), vec!["when"]);
    let src = "workflow w {\n  step pay: http {\n    post \"http://x\"\n    retry 3 backoff 1s when $0\n  }\n}\n";
    assert_eq!(labels(src), vec!["error", "exit_code", "status_code"]);
}

#[test]
fn hovers_and_highlights_when_and_checks_names_per_kind() {
    let (d, at) = at(&SRC.replacen("when", "wh$0en", 1));
    let h = d.hover(at).expect("a hover on `when`").markdown;
    assert!(
        h.contains("retry N … when COND") && h.contains("status_code"),
        "{h}"
    );
    let d = Doc::analyze("x.wf", SRC);
    assert!(d.diagnostics().is_empty(), "{:?}", d.diagnostics());
    let kinds: Vec<String> = d
        .semantic_tokens()
        .iter()
        .map(|t| format!("{:?} {}", t.kind, &SRC[t.span.clone()]))
        .collect();
    assert!(kinds.contains(&"Keyword when".to_string()), "{kinds:?}");
    let shell = SRC
        .replace("pay: http", "pay: shell")
        .replace("post \"http://x/pay\"", "run \"pay\"");
    let codes: Vec<_> = Doc::analyze("x.wf", &shell)
        .diagnostics()
        .iter()
        .map(|d| d.code.clone())
        .collect();
    assert_eq!(codes, ["E0375"]);
}

#[test]
fn completes_and_hovers_error_classes() {
    let src = "workflow w {\n  step pay: http {\n    post \"http://x\"\n    retry 3 when error is $0\n  }\n}\n";
    assert_eq!(
        labels(src),
        vec![
            "connection",
            "exit_code",
            "http_status",
            "other",
            "signal",
            "timeout"
        ]
    );
    let src = "workflow w {\n  step pay: http {\n    post \"http://x\"\n    retry 3 when error i$0s connection\n  }\n}\n";
    let (d, at) = at(src);
    let h = d.hover(at).expect("a hover on `is`").markdown;
    assert!(
        h.contains("error is CLASS") && h.contains("connection"),
        "{h}"
    );
    let d = Doc::analyze("x.wf", &src.replace("$0", ""));
    assert!(d.diagnostics().is_empty(), "{:?}", d.diagnostics());
    let text = src.replace("$0", "");
    let kinds: Vec<String> = d
        .semantic_tokens()
        .iter()
        .map(|t| format!("{:?} {}", t.kind, &text[t.span.clone()]))
        .collect();
    assert!(kinds.contains(&"Keyword is".to_string()), "{kinds:?}");
}

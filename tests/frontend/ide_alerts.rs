//! The editor on alert rules: the words are highlighted, the outline lists
//! each rule with its condition, a hover says when a rule fires and what a
//! channel takes, and completion writes the rule, its lines and a
//! channel's fields (never the text, which the alert writes).

use wfc_language::ide::{Doc, SymbolKind, TokenKind};

const TEXT: &str = r#"workflow nightly {
  secret hook: string = env("SLACK_HOOK")
  alert failing {
    when failure_rate(last 10) > 0.3
    notify slack { webhook hook }
    cooldown 30m
  }
  step build: shell { run "make" }
}
"#;

#[test]
fn alerts_are_highlighted_outlined_and_hovered() {
    let d = Doc::analyze("t.wf", TEXT);
    assert!(d.diagnostics().is_empty(), "{:?}", d.diagnostics());
    let keywords: Vec<&str> = d
        .semantic_tokens()
        .iter()
        .filter(|t| t.kind == TokenKind::Keyword)
        .map(|t| &TEXT[t.span.clone()])
        .collect();
    for k in ["alert", "when", "notify", "cooldown", "last"] {
        assert!(keywords.contains(&k), "{k} is a keyword: {keywords:?}");
    }
    let field = d
        .semantic_tokens()
        .into_iter()
        .find(|t| &TEXT[t.span.clone()] == "webhook")
        .map(|t| t.kind);
    assert_eq!(field, Some(TokenKind::Field));
    let alert = d.symbols()[0]
        .children
        .iter()
        .find(|s| s.kind == SymbolKind::Alert)
        .map(|s| (s.name.clone(), s.detail.clone()));
    assert_eq!(
        alert,
        Some((
            "alert failing".into(),
            Some("failure_rate(last 10) > 0.3".into())
        ))
    );
    let h = d.hover(TEXT.find("failing").unwrap()).expect("a hover");
    assert!(
        h.markdown
            .contains("more than 30% of the last 10 runs failed")
            && h.markdown.contains("30m"),
        "{}",
        h.markdown
    );
    let h = d.hover(TEXT.find("notify").unwrap()).expect("a hover");
    assert!(
        h.markdown.contains("`channel`") && !h.markdown.contains("`message`"),
        "{}",
        h.markdown
    );
    // A param in a channel is still the param.
    let at = TEXT.find("webhook hook").unwrap() + "webhook ".len();
    assert!(d.hover(at).unwrap().markdown.contains("secret hook"));
}

#[test]
fn alerts_are_completed() {
    let d = Doc::analyze("t.wf", TEXT);
    let labels = |offset: usize| -> Vec<String> {
        d.completion(offset).into_iter().map(|c| c.label).collect()
    };
    let item = labels(TEXT.find("  step").unwrap());
    assert!(item.iter().any(|l| l == "alert"), "{item:?}");
    let body = labels(TEXT.find("    cooldown").unwrap() + 4);
    for l in ["when consecutive_failures", "notify email", "cooldown"] {
        assert!(body.iter().any(|b| b == l), "{l}: {body:?}");
    }
    let text = "workflow w {\n  alert a {\n    when \n    notify slack {\n      webhook \"x\"\n      \n    }\n  }\n}\n";
    let d = Doc::analyze("t.wf", text);
    let metrics: Vec<String> = d
        .completion(text.find("when ").unwrap() + 5)
        .into_iter()
        .map(|c| c.label)
        .collect();
    assert!(
        metrics.contains(&"waiting_longer_than".into()),
        "{metrics:?}"
    );
    let fields: Vec<String> = d
        .completion(text.find("      \n").unwrap() + 6)
        .into_iter()
        .map(|c| c.label)
        .collect();
    assert_eq!(fields, ["channel"]);
}

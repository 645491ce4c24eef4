//! The editor on triggers and locks: the keywords are highlighted and
//! completed, the outline lists each trigger and the lock, a hover on a
//! schedule gives its next fire times, and a trigger's secret and params
//! navigate to their declarations.

use wfc_language::ide::{Doc, SymbolKind, TokenKind};

const TEXT: &str = r#"workflow nightly {
  param version: string = "latest"
  secret hook_key: string = env("HOOK_KEY")
  on schedule "0 2 * * *" { timezone "Europe/Berlin" }
  on webhook "/deploy" {
    secret hook_key
    params { version = request.json.tag }
  }
  lock "nightly-${version}"
  step build: shell { run "echo ${version}" }
}
"#;

#[test]
fn triggers_are_highlighted_outlined_hovered_and_completed() {
    let d = Doc::analyze("t.wf", TEXT);
    assert!(d.diagnostics().is_empty(), "{:?}", d.diagnostics());
    let keywords: Vec<&str> = d
        .semantic_tokens()
        .iter()
        .filter(|t| t.kind == TokenKind::Keyword)
        .map(|t| &TEXT[t.span.clone()])
        .collect();
    for k in ["schedule", "webhook", "lock"] {
        assert!(keywords.contains(&k), "{k} is a keyword: {keywords:?}");
    }
    let outline = &d.symbols()[0].children;
    let triggers: Vec<(&str, Option<&str>)> = outline
        .iter()
        .filter(|s| matches!(s.kind, SymbolKind::Trigger | SymbolKind::Lock))
        .map(|s| (s.name.as_str(), s.detail.as_deref()))
        .collect();
    assert_eq!(
        triggers,
        [
            ("on schedule", Some("0 2 * * *")),
            ("on webhook", Some("/deploy")),
            ("lock", None)
        ]
    );
    let h = d.hover(TEXT.find("0 2 *").unwrap()).expect("a hover");
    assert!(h.markdown.contains("Next fire times"), "{}", h.markdown);
    assert!(h.markdown.contains("T02:00:00+01:00") || h.markdown.contains("T02:00:00+02:00"));
    // The secret named by the webhook is the declared one.
    let at = TEXT.find("secret hook_key\n").unwrap() + "secret ".len();
    let def = d.definition(at).expect("a definition");
    assert_eq!(&TEXT[def.clone()], "hook_key");
    assert!(
        def.start < TEXT.find("on schedule").unwrap(),
        "the declaration"
    );
    let line_start = TEXT.find("  lock").unwrap();
    let labels: Vec<String> = d
        .completion(line_start)
        .into_iter()
        .map(|c| c.label)
        .collect();
    for k in ["on schedule", "on webhook", "on change", "lock"] {
        assert!(labels.iter().any(|l| l == k), "{k} completes: {labels:?}");
    }
}

/// `when`, `env("…")` schedules and `on busy`: highlighted, outlined,
/// hovered and completed.
#[test]
fn configurable_triggers_are_highlighted_hovered_and_completed() {
    let text = r#"workflow release {
  param env: string = "staging"
  on schedule env("BACKUP_SCHEDULE") { when env == "prod" }
  lock "deploy-${env}" { on busy cancel }
  step s: shell { run "echo ${env}" }
}
"#;
    let d = Doc::analyze("t.wf", text);
    assert!(d.diagnostics().is_empty(), "{:?}", d.diagnostics());
    let keywords: Vec<&str> = d
        .semantic_tokens()
        .iter()
        .filter(|t| t.kind == TokenKind::Keyword)
        .map(|t| &text[t.span.clone()])
        .collect();
    for k in ["when", "busy"] {
        assert!(keywords.contains(&k), "{k} is a keyword: {keywords:?}");
    }
    let h = d.hover(text.find("schedule").unwrap()).expect("a hover");
    assert!(
        h.markdown.contains("pattern from $BACKUP_SCHEDULE"),
        "{}",
        h.markdown
    );
    assert!(h.markdown.contains("`when`"), "{}", h.markdown);
    let lock = d.symbols()[0]
        .children
        .iter()
        .find(|s| s.kind == SymbolKind::Lock)
        .map(|s| s.detail.clone());
    assert_eq!(lock, Some(Some("on busy cancel".to_owned())));
    let items = d.completion(text.find("  lock").unwrap());
    assert!(items.iter().any(|c| c.label == "lock on busy"), "{items:?}");
    let hook = items.iter().find(|c| c.label == "on webhook").unwrap();
    let doc = hook.documentation.as_deref().unwrap_or_default();
    assert!(doc.contains("`when COND`"), "{doc}");
}

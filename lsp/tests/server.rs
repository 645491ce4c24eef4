//! Protocol tests of the server mechanics with a stub engine, over an
//! in-memory stream: capabilities, position conversion (UTF-16), debounced
//! diagnostics with versions, panics in the engine, slow analyses.

use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use wfc_lsp::client::in_memory;
use wfc_lsp::*;

/// Reports every `bad` as an error; `panic` in the text makes hover panic;
/// `slow` makes the analysis take 500 ms.
#[derive(Default)]
struct Stub {
    analyses: Arc<AtomicUsize>,
}

struct StubDoc(Arc<str>);

impl Engine for Stub {
    fn analyze(&self, _: &str, text: Arc<str>, _: Option<Arc<dyn Analysis>>) -> Arc<dyn Analysis> {
        self.analyses.fetch_add(1, Ordering::SeqCst);
        if text.contains("slow") {
            std::thread::sleep(Duration::from_millis(500));
        }
        Arc::new(StubDoc(text))
    }
}

impl Analysis for StubDoc {
    fn text(&self) -> &str {
        &self.0
    }
    fn diagnostics(&self) -> Vec<Diagnostic> {
        self.0
            .match_indices("bad")
            .map(|(i, _)| Diagnostic {
                span: i..i + 3,
                severity: Severity::Error,
                code: "E0001".into(),
                message: "bad word".into(),
                related: vec![(0..1, "the start".into())],
            })
            .collect()
    }
    fn completion(&self, offset: usize) -> Vec<CompletionItem> {
        vec![CompletionItem {
            replace: Some(offset.saturating_sub(1)..offset),
            ..CompletionItem::new(format!("at{offset}"), CompletionKind::Keyword)
        }]
    }
    fn hover(&self, offset: usize) -> Option<Hover> {
        if self.0.contains("panic") {
            panic!("the engine panicked");
        }
        Some(Hover {
            markdown: format!("offset {offset}"),
            span: offset..offset + 1,
        })
    }
    fn definition(&self, _: usize) -> Option<Span> {
        self.0.find("x").map(|i| i..i + 1)
    }
    fn references(&self, _: usize, _: bool) -> Vec<Span> {
        self.0.match_indices('x').map(|(i, _)| i..i + 1).collect()
    }
    fn prepare_rename(&self, _: usize) -> Result<Span, String> {
        Err("cannot rename here".into())
    }
    fn rename(&self, _: usize, _: &str) -> Result<Vec<TextEdit>, String> {
        Err("no".into())
    }
    fn symbols(&self) -> Vec<Symbol> {
        Vec::new()
    }
    fn semantic_tokens(&self) -> Vec<Token> {
        // Every `x`, and one token over two lines.
        let mut v: Vec<Token> = self
            .0
            .match_indices('x')
            .map(|(i, _)| Token {
                span: i..i + 1,
                kind: TokenKind::Param,
                declaration: false,
            })
            .collect();
        if let Some(i) = self.0.find("ab\ncd") {
            v.push(Token {
                span: i..i + 5,
                kind: TokenKind::String,
                declaration: false,
            });
            v.sort_by_key(|t| t.span.start);
        }
        v
    }
    fn folding_ranges(&self) -> Vec<Fold> {
        vec![Fold {
            span: 0..self.0.len(),
            comment: false,
        }]
    }
    fn code_actions(&self, _: Span) -> Vec<CodeAction> {
        vec![CodeAction {
            title: "fix".into(),
            edits: vec![TextEdit {
                span: 0..0,
                new_text: "!".into(),
            }],
            diagnostic: Some(0),
            preferred: true,
        }]
    }
    fn format(&self) -> Option<String> {
        Some(self.0.to_uppercase())
    }
}

const URI: &str = "file:///t.wf";
const WAIT: Duration = Duration::from_secs(5);

fn pos(line: u32, character: u32) -> Value {
    json!({"textDocument": {"uri": URI}, "position": {"line": line, "character": character}})
}

#[tokio::test]
async fn capabilities_cover_every_feature() {
    let mut c = in_memory(Stub::default(), Options::default());
    let caps = c.initialize().await;
    for key in [
        "completionProvider",
        "hoverProvider",
        "definitionProvider",
        "referencesProvider",
        "renameProvider",
        "documentSymbolProvider",
        "documentFormattingProvider",
        "foldingRangeProvider",
        "codeActionProvider",
        "semanticTokensProvider",
    ] {
        assert!(caps.get(key).is_some(), "missing {key}: {caps}");
    }
    assert_eq!(caps["textDocumentSync"], json!(1), "full sync");
    c.shutdown().await;
}

#[tokio::test]
async fn positions_are_utf16_at_the_edge() {
    let mut c = in_memory(Stub::default(), Options::default());
    c.initialize().await;
    c.open(URI, "😀 bad\nçx").await;
    let d = c.diagnostics(URI, Some(1), WAIT).await.unwrap();
    // The emoji is two UTF-16 units (four bytes): `bad` starts at column 3.
    assert_eq!(d[0]["range"]["start"], json!({"line": 0, "character": 3}));
    assert_eq!(d[0]["code"], json!("E0001"));
    assert_eq!(d[0]["severity"], json!(1));
    assert_eq!(d[0]["relatedInformation"][0]["message"], json!("the start"));
    // Hover at line 1, column 1 (after `ç`, two bytes) is byte offset 11.
    let h = c.request("textDocument/hover", pos(1, 1)).await.unwrap();
    assert_eq!(h["contents"]["value"], json!("offset 11"));
    let def = c
        .request("textDocument/definition", pos(1, 1))
        .await
        .unwrap();
    assert_eq!(def["range"]["start"], json!({"line": 1, "character": 1}));
    c.shutdown().await;
}

#[tokio::test]
async fn every_request_answers() {
    let mut c = in_memory(Stub::default(), Options::default());
    c.initialize().await;
    c.open(URI, "x ab\ncd x bad").await;
    c.diagnostics(URI, None, WAIT).await.unwrap();
    let r = c
        .request("textDocument/completion", pos(0, 1))
        .await
        .unwrap();
    assert_eq!(r["items"][0]["label"], json!("at1"));
    assert_eq!(
        r["items"][0]["textEdit"]["range"]["start"]["character"],
        json!(0)
    );
    let r = c
        .request("textDocument/references", json!({"textDocument": {"uri": URI}, "position": {"line": 0, "character": 0}, "context": {"includeDeclaration": true}}))
        .await
        .unwrap();
    assert_eq!(r.as_array().unwrap().len(), 2);
    let e = c
        .request("textDocument/prepareRename", pos(0, 0))
        .await
        .unwrap_err();
    assert_eq!(e["message"], json!("cannot rename here"));
    let r = c
        .request("textDocument/rename", json!({"textDocument": {"uri": URI}, "position": {"line": 0, "character": 0}, "newName": "y"}))
        .await;
    assert!(r.is_err());
    let r = c
        .request(
            "textDocument/formatting",
            json!({"textDocument": {"uri": URI}, "options": {"tabSize": 2, "insertSpaces": true}}),
        )
        .await
        .unwrap();
    assert_eq!(r[0]["newText"], json!("X AB\nCD X BAD"));
    let r = c
        .request(
            "textDocument/semanticTokens/full",
            json!({"textDocument": {"uri": URI}}),
        )
        .await
        .unwrap();
    // x@(0,0); "ab" (0,2)-(0,4); "cd" (1,0)-(1,2); x@(1,3) — relative encoding.
    assert_eq!(
        r["data"],
        json!([0, 0, 1, 5, 0, 0, 2, 2, 7, 0, 1, 0, 2, 7, 0, 0, 3, 1, 5, 0])
    );
    let r = c
        .request(
            "textDocument/foldingRange",
            json!({"textDocument": {"uri": URI}}),
        )
        .await
        .unwrap();
    assert_eq!(
        r,
        json!([]),
        "a fold ends before its last line; one line apart folds nothing"
    );
    let r = c
        .request("textDocument/codeAction", json!({"textDocument": {"uri": URI}, "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}}, "context": {"diagnostics": []}}))
        .await
        .unwrap();
    assert_eq!(r[0]["title"], json!("fix"));
    assert_eq!(r[0]["diagnostics"][0]["code"], json!("E0001"));
    assert_eq!(r[0]["edit"]["changes"][URI][0]["newText"], json!("!"));
    let r = c
        .request(
            "textDocument/documentSymbol",
            json!({"textDocument": {"uri": URI}}),
        )
        .await
        .unwrap();
    assert_eq!(r, json!([]));
    // A document that is not open: no answer, no error.
    let r = c.request("textDocument/hover", json!({"textDocument": {"uri": "file:///nope.wf"}, "position": {"line": 0, "character": 0}})).await.unwrap();
    assert_eq!(r, Value::Null);
    c.shutdown().await;
}

#[tokio::test]
async fn a_panicking_engine_gives_an_empty_answer_and_the_server_lives_on() {
    let mut c = in_memory(Stub::default(), Options::default());
    c.initialize().await;
    c.open(URI, "panic").await;
    let r = c.request("textDocument/hover", pos(0, 0)).await.unwrap();
    assert_eq!(r, Value::Null);
    c.change(URI, 2, "calm").await;
    let r = c.request("textDocument/hover", pos(0, 0)).await.unwrap();
    assert_eq!(r["contents"]["value"], json!("offset 0"));
    c.shutdown().await;
}

#[tokio::test]
async fn rapid_changes_are_debounced_and_versioned() {
    let engine = Stub::default();
    let count = engine.analyses.clone();
    let options = Options {
        debounce: Duration::from_millis(100),
    };
    let mut c = in_memory(engine, options);
    c.initialize().await;
    c.open(URI, "").await;
    c.diagnostics(URI, Some(1), WAIT).await.unwrap();
    let before = count.load(Ordering::SeqCst);
    for v in 2..=10 {
        c.change(URI, v, &"bad ".repeat(v as usize)).await;
    }
    let d = c.diagnostics(URI, Some(10), WAIT).await.unwrap();
    assert_eq!(d.as_array().unwrap().len(), 10);
    assert_eq!(
        count.load(Ordering::SeqCst) - before,
        1,
        "one analysis for a burst of changes"
    );
    // No diagnostics were published for the intermediate versions.
    assert!(c
        .diagnostics(URI, None, Duration::from_millis(300))
        .await
        .is_none());
    c.shutdown().await;
}

#[tokio::test]
async fn a_slow_analysis_does_not_block_other_documents() {
    let mut c = in_memory(Stub::default(), Options::default());
    c.initialize().await;
    c.open("file:///slow.wf", "slow").await;
    c.open(URI, "bad").await;
    let t = Instant::now();
    let r = c.request("textDocument/hover", pos(0, 0)).await.unwrap();
    assert_eq!(r["contents"]["value"], json!("offset 0"));
    assert!(
        t.elapsed() < Duration::from_millis(400),
        "{:?}",
        t.elapsed()
    );
    assert!(c.diagnostics("file:///slow.wf", None, WAIT).await.is_some());
    c.shutdown().await;
}

#[tokio::test]
async fn closing_a_document_clears_its_diagnostics() {
    let mut c = in_memory(Stub::default(), Options::default());
    c.initialize().await;
    c.open(URI, "bad").await;
    assert_eq!(
        c.diagnostics(URI, Some(1), WAIT)
            .await
            .unwrap()
            .as_array()
            .unwrap()
            .len(),
        1
    );
    c.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": URI}}),
    )
    .await;
    let d = c.diagnostics(URI, None, WAIT).await.unwrap();
    assert_eq!(d, json!([]));
    c.shutdown().await;
}

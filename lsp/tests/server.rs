//! Protocol tests of the server over an in-memory stream, on real `.wf`
//! text: capabilities, position conversion (UTF-16), the conversion of every
//! answer to protocol values, debounced and versioned diagnostics, analyses
//! that do not block the message loop, closing a document, a file of two
//! workflows.
//!
//! What each feature answers is tested in `tests/ide.rs` (the language
//! crate's `ide`, with cursor markers); here, that the server asks for it at
//! the right place and delivers it in the protocol's terms.

use serde_json::{json, Value};
use std::time::{Duration, Instant};
use wfc_lsp::client::in_memory;
use wfc_lsp::Options;

const URI: &str = "file:///t.wf";
const WAIT: Duration = Duration::from_secs(10);

/// A typo (`rnu`) after a two-UTF-16-unit emoji (four bytes) on its line.
const TYPO: &str = "workflow t {
  param x: string = \"ç\"
  step a: shell { run \"😀 ${x}\" rnu \"x\" }
}
";

/// Checks clean; not in canonical layout (the param's indent); a string
/// over two lines.
const SHIP: &str = r#"workflow ship {
  ## Where to ship.
    param env: string = "dev"

  step build: shell { run "make ${env}" }

  step test: shell {
    run """cargo
test"""
    depends on build
  }
}
"#;

fn at(line: u32, character: u32) -> Value {
    json!({"textDocument": {"uri": URI}, "position": {"line": line, "character": character}})
}

fn doc() -> Value {
    json!({"textDocument": {"uri": URI}})
}

fn codes(diagnostics: &Value) -> Vec<&str> {
    diagnostics
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect()
}

/// Semantic tokens as absolute `[line, column, length, type]`, decoded from
/// the protocol's relative encoding.
fn absolute_tokens(data: &Value) -> Vec<[u64; 4]> {
    let data: Vec<u64> = data
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_u64().unwrap())
        .collect();
    let (mut line, mut col) = (0, 0);
    data.chunks(5)
        .map(|t| {
            if t[0] > 0 {
                (line, col) = (line + t[0], t[1]);
            } else {
                col += t[1];
            }
            [line, col, t[2], t[3]]
        })
        .collect()
}

#[tokio::test]
async fn capabilities_cover_every_feature() {
    let mut c = in_memory(Options::default());
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
    let mut c = in_memory(Options::default());
    c.initialize().await;
    c.open(URI, TYPO).await;
    let d = c.diagnostics(URI, Some(1), WAIT).await.unwrap();
    assert_eq!(codes(&d), ["E0102"], "{d}");
    // `rnu` is the 31st character of its line, the 32nd UTF-16 unit, the 34th byte.
    assert_eq!(
        d[0]["range"],
        json!({"start": {"line": 2, "character": 32}, "end": {"line": 2, "character": 35}})
    );
    assert_eq!(d[0]["severity"], json!(1));
    assert_eq!(d[0]["source"], json!("wfc"));
    let message = d[0]["message"].as_str().unwrap();
    assert!(
        message.ends_with("\nhelp: did you mean `run`?"),
        "{message}"
    );

    // The `x` of `${x}` is at UTF-16 column 28 (byte 30): the param hovers.
    let h = c.request("textDocument/hover", at(2, 28)).await.unwrap();
    assert_eq!(h["contents"]["kind"], json!("markdown"));
    let md = h["contents"]["value"].as_str().unwrap();
    assert!(md.contains("param x: string"), "{md}");
    assert_eq!(
        h["range"],
        json!({"start": {"line": 2, "character": 28}, "end": {"line": 2, "character": 29}})
    );
    let def = c
        .request("textDocument/definition", at(2, 28))
        .await
        .unwrap();
    assert_eq!(def["uri"], json!(URI));
    assert_eq!(
        def["range"],
        json!({"start": {"line": 1, "character": 8}, "end": {"line": 1, "character": 9}})
    );
    c.shutdown().await;
}

#[tokio::test]
async fn every_request_answers_in_protocol_terms() {
    let mut c = in_memory(Options::default());
    c.initialize().await;
    c.open(URI, SHIP).await;
    assert_eq!(c.diagnostics(URI, Some(1), WAIT).await.unwrap(), json!([]));

    // Completion replaces the word typed so far.
    let typing = SHIP.replace("depends on build", "depends on bu");
    c.change(URI, 2, &typing).await;
    let r = c
        .request("textDocument/completion", at(9, 17))
        .await
        .unwrap();
    assert_eq!(r["isIncomplete"], json!(false));
    let build = r["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["label"] == json!("build"))
        .unwrap_or_else(|| panic!("`build` is offered: {r}"));
    assert_eq!(
        build["textEdit"],
        json!({"range": {"start": {"line": 9, "character": 15}, "end": {"line": 9, "character": 17}}, "newText": "build"})
    );
    assert_eq!(build["insertTextFormat"], json!(1), "plain text");
    c.change(URI, 3, SHIP).await;
    // Requests answer from the last finished analysis: wait for this one's.
    c.diagnostics(URI, Some(3), WAIT).await.unwrap();

    // References of `build`, with and without its declaration.
    for (declaration, count) in [(true, 2), (false, 1)] {
        let r = c
            .request("textDocument/references", json!({"textDocument": {"uri": URI}, "position": {"line": 4, "character": 8}, "context": {"includeDeclaration": declaration}}))
            .await
            .unwrap();
        assert_eq!(r.as_array().unwrap().len(), count, "{r}");
    }

    // Rename: a refusal is an error with the reason; a rename edits every use.
    let e = c
        .request("textDocument/prepareRename", at(0, 2))
        .await
        .unwrap_err();
    assert_eq!(e["message"], json!("there is no name to rename here"));
    let p = c
        .request("textDocument/prepareRename", at(4, 8))
        .await
        .unwrap();
    assert_eq!(
        p,
        json!({"start": {"line": 4, "character": 7}, "end": {"line": 4, "character": 12}})
    );
    let rename = |name: &str| json!({"textDocument": {"uri": URI}, "position": {"line": 4, "character": 8}, "newName": name});
    let e = c
        .request("textDocument/rename", rename("test"))
        .await
        .unwrap_err();
    assert!(e["message"].as_str().unwrap().contains("already"), "{e}");
    let r = c
        .request("textDocument/rename", rename("compile"))
        .await
        .unwrap();
    let lines: Vec<&Value> = r["changes"][URI]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["range"]["start"]["line"])
        .collect();
    assert_eq!(lines, [&json!(4), &json!(9)], "{r}");

    // Formatting: one edit over the whole text, with what `wfc fmt` writes.
    let format =
        json!({"textDocument": {"uri": URI}, "options": {"tabSize": 2, "insertSpaces": true}});
    let r = c
        .request("textDocument/formatting", format.clone())
        .await
        .unwrap();
    let formatted = wfc_language::fmt::format_source(SHIP).unwrap();
    assert_ne!(formatted, SHIP);
    assert_eq!(
        r,
        json!([{"range": {"start": {"line": 0, "character": 0}, "end": {"line": 12, "character": 0}}, "newText": formatted}])
    );
    c.change(URI, 4, &formatted).await;
    let r = c
        .request("textDocument/formatting", format.clone())
        .await
        .unwrap();
    assert_eq!(r, json!([]), "already formatted: no edit");
    c.change(URI, 5, SHIP).await;
    c.diagnostics(URI, Some(5), WAIT).await.unwrap();

    // Semantic tokens: the string over two lines is one token per line
    // (type 7 in the legend); the step's declaration has the modifier.
    let r = c
        .request("textDocument/semanticTokens/full", doc())
        .await
        .unwrap();
    let tokens = absolute_tokens(&r["data"]);
    assert!(tokens.contains(&[7, 8, 8, 7]), "{tokens:?}");
    assert!(tokens.contains(&[8, 0, 7, 7]), "{tokens:?}");
    let data = r["data"].as_array().unwrap();
    let build_decl = tokens.iter().position(|t| t[..2] == [4, 7]).unwrap();
    assert_eq!(data[build_decl * 5 + 4], json!(1), "declaration modifier");

    // Folding: a block folds up to the line before its `}`; a one-line block
    // does not fold.
    let r = c.request("textDocument/foldingRange", doc()).await.unwrap();
    let folds: Vec<(u64, u64)> = r
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["startLine"].as_u64().unwrap(),
                f["endLine"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(folds, [(0, 10), (6, 9)], "{r}");

    // The outline.
    let r = c
        .request("textDocument/documentSymbol", doc())
        .await
        .unwrap();
    assert_eq!(r[0]["name"], json!("ship"));
    let children: Vec<&Value> = r[0]["children"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| &s["name"])
        .collect();
    assert_eq!(children, [&json!("env"), &json!("build"), &json!("test")]);
    assert_eq!(
        r[0]["children"][1]["selectionRange"],
        json!({"start": {"line": 4, "character": 7}, "end": {"line": 4, "character": 12}})
    );

    // A document that is not open: no answer, no error.
    let r = c
        .request("textDocument/hover", json!({"textDocument": {"uri": "file:///nope.wf"}, "position": {"line": 0, "character": 0}}))
        .await
        .unwrap();
    assert_eq!(r, Value::Null);
    c.shutdown().await;
}

#[tokio::test]
async fn a_code_action_carries_the_diagnostic_it_fixes() {
    let mut c = in_memory(Options::default());
    c.initialize().await;
    c.open(URI, TYPO).await;
    let d = c.diagnostics(URI, Some(1), WAIT).await.unwrap();
    let range = d[0]["range"].clone();
    let r = c
        .request(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": URI}, "range": range, "context": {"diagnostics": []}}),
        )
        .await
        .unwrap();
    assert_eq!(r[0]["title"], json!("replace with `run`"));
    assert_eq!(r[0]["kind"], json!("quickfix"));
    assert_eq!(r[0]["isPreferred"], json!(true));
    assert_eq!(r[0]["diagnostics"], json!([d[0]]));
    assert_eq!(
        r[0]["edit"]["changes"][URI],
        json!([{"range": range, "newText": "run"}])
    );
    // Away from any diagnostic, no action.
    let r = c
        .request("textDocument/codeAction", json!({"textDocument": {"uri": URI}, "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}}, "context": {"diagnostics": []}}))
        .await
        .unwrap();
    assert_eq!(r, json!([]));
    c.shutdown().await;
}

#[tokio::test]
async fn rapid_changes_are_debounced_and_versioned() {
    let debounce = Duration::from_millis(100);
    let mut c = in_memory(Options {
        debounce,
        ..Options::default()
    });
    c.initialize().await;
    c.open(URI, "workflow w {\n}\n").await;
    assert_eq!(c.diagnostics(URI, Some(1), WAIT).await.unwrap(), json!([]));
    // Version v has v - 1 misspelt fields.
    let typos = |v: usize| {
        let fields = "    rnu \"x\"\n".repeat(v - 1);
        format!("workflow w {{\n  step a: shell {{\n    run \"x\"\n{fields}  }}\n}}\n")
    };
    for v in 2..=10 {
        c.change(URI, v, &typos(v as usize)).await;
    }
    let last_change = Instant::now();
    let published = c
        .notification("textDocument/publishDiagnostics", WAIT, |_| true)
        .await
        .unwrap();
    assert!(
        last_change.elapsed() >= debounce,
        "published before the quiet period"
    );
    assert_eq!(published["version"], json!(10), "only the last version");
    assert_eq!(codes(&published["diagnostics"]), ["E0102"; 9]);
    // No diagnostics were published for the intermediate versions.
    assert!(c
        .diagnostics(URI, None, Duration::from_millis(300))
        .await
        .is_none());
    c.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_analysis_does_not_block_other_documents() {
    const BIG: &str = "file:///big.wf";
    let mut c = in_memory(Options::default());
    c.initialize().await;
    let big = wfc_testkit::large_workflow(3_000);
    let started = Instant::now();
    c.open(BIG, &big).await;
    c.open(URI, TYPO).await;
    let h = c.request("textDocument/hover", at(2, 28)).await.unwrap();
    let hovered = started.elapsed();
    assert!(h.get("contents").is_some(), "{h}");
    let d = c.diagnostics(BIG, Some(1), WAIT).await.unwrap();
    let analysed = started.elapsed();
    assert_eq!(d, json!([]));
    assert!(
        hovered < analysed / 2,
        "the hover waited for the big analysis: hover after {hovered:?}, big analysed after {analysed:?}"
    );
    c.shutdown().await;
}

#[tokio::test]
async fn closing_a_document_clears_its_diagnostics() {
    let mut c = in_memory(Options::default());
    c.initialize().await;
    c.open(
        URI,
        "workflow t {\n  step a: shell { run \"x\" }\n  step a: shell { run \"y\" }\n}\n",
    )
    .await;
    let d = c.diagnostics(URI, Some(1), WAIT).await.unwrap();
    assert_eq!(codes(&d), ["E0120"]);
    assert_eq!(
        d[0]["relatedInformation"],
        json!([{
            "location": {"uri": URI, "range": {"start": {"line": 1, "character": 7}, "end": {"line": 1, "character": 8}}},
            "message": "first defined here",
        }])
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

#[tokio::test]
async fn a_file_of_two_workflows_has_two_outlines_and_diagnostics_for_both() {
    let text = "workflow build {\n  step a: shell { run \"make\"  depends on b }\n}\n\nworkflow ship {\n  step a: shell { run \"ship\" }\n  outputs { url: string = a.stdot }\n}\n";
    let mut c = in_memory(Options::default());
    c.initialize().await;
    c.open(URI, text).await;
    let diags = c.diagnostics(URI, Some(1), WAIT).await.unwrap();
    // An unknown dependency in the first, an unknown output in the second.
    assert_eq!(codes(&diags), ["E0130", "E0142"], "{diags}");
    assert_eq!(diags[1]["range"]["start"]["line"], json!(6));
    let r = c
        .request("textDocument/documentSymbol", doc())
        .await
        .unwrap();
    let names: Vec<&Value> = r.as_array().unwrap().iter().map(|s| &s["name"]).collect();
    assert_eq!(names, [&json!("build"), &json!("ship")], "{r}");
    assert_eq!(r[1]["children"][1]["name"], json!("url"), "{r}");
    c.shutdown().await;
}

/// One message the server cannot decode (a broken client, a stray write)
/// used to end the server; it is skipped and the session goes on.
#[tokio::test]
async fn an_undecodable_message_does_not_end_the_server() {
    use tokio::io::AsyncWriteExt;
    let (client_end, server_end) = tokio::io::duplex(1 << 20);
    let (server_read, server_write) = tokio::io::split(server_end);
    tokio::spawn(wfc_lsp::serve(
        Options::default(),
        server_read,
        server_write,
    ));
    let (read, mut write) = tokio::io::split(client_end);
    write
        .write_all(b"Content-Length: 5\r\n\r\n{{{{{Content-Length: 2\r\n\r\n[]")
        .await
        .unwrap();
    let mut client = wfc_lsp::client::Client::new(read, write);
    let init = tokio::time::timeout(
        WAIT,
        client.request("initialize", json!({"capabilities": {}})),
    )
    .await
    .expect("the server answers after an undecodable message")
    .expect("initialize succeeds");
    assert!(init["capabilities"].is_object(), "{init}");
}

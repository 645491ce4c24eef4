//! Protocol tests: the real editor features behind the real server, driven as an
//! editor drives it — over an in-memory stream, and over stdio of the
//! `wfc lsp` binary. Initialize, open, change, diagnostics, every request,
//! shutdown.

use serde_json::{json, Value};
use std::time::Duration;
use wfc_lsp::client::{in_memory, Client};
use wfc_lsp::Options;

const URI: &str = "file:///work/deploy.wf";
const WAIT: Duration = Duration::from_secs(10);

const BROKEN: &str = r#"workflow deploy {
  param version: string

  step lint: shell {
    run "cargo clippy"
  }

  step build: shell {
    rnu "cargo build --release ${version}"
    depends on lint
  }
}
"#;

fn at(line: u32, character: u32) -> Value {
    json!({"textDocument": {"uri": URI}, "position": {"line": line, "character": character}})
}

fn doc() -> Value {
    json!({"textDocument": {"uri": URI}})
}

async fn session<R, W>(c: &mut Client<R, W>)
where
    R: tokio::io::AsyncRead + Unpin,
    W: tokio::io::AsyncWrite + Unpin,
{
    let caps = c.initialize().await;
    assert!(
        caps["renameProvider"]["prepareProvider"] == json!(true),
        "{caps}"
    );

    // Open a file with a typo: the diagnostics of `wfc check`, with the fix in the message.
    c.open(URI, BROKEN).await;
    let d = c
        .diagnostics(URI, Some(1), WAIT)
        .await
        .expect("diagnostics");
    let codes: Vec<&str> = d
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["E0103", "E0102"], "{d}");
    let typo = &d[1];
    assert_eq!(
        typo["range"],
        json!({"start": {"line": 8, "character": 4}, "end": {"line": 8, "character": 7}})
    );
    assert_eq!(typo["severity"], json!(1));
    assert_eq!(typo["source"], json!("wfc"));
    assert!(
        typo["message"]
            .as_str()
            .unwrap()
            .contains("did you mean `run`?"),
        "{typo}"
    );

    // The quick fix for the typo.
    let range = typo["range"].clone();
    let actions = c
        .request("textDocument/codeAction", json!({"textDocument": {"uri": URI}, "range": range, "context": {"diagnostics": [typo]}}))
        .await
        .unwrap();
    let fix = actions
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["title"] == json!("replace with `run`"))
        .expect("did-you-mean action");
    assert_eq!(fix["isPreferred"], json!(true));
    assert_eq!(fix["edit"]["changes"][URI][0]["newText"], json!("run"));

    // Accept it: the editor sends the new text; the diagnostics clear.
    let fixed = BROKEN.replace("rnu", "run");
    c.change(URI, 2, &fixed).await;
    let d = c
        .diagnostics(URI, Some(2), WAIT)
        .await
        .expect("diagnostics after the fix");
    assert_eq!(d, json!([]));

    // Type a new step and complete its `depends on`.
    let typing = fixed.replace(
        "  }\n}\n",
        "  }\n\n  step ship: shell {\n    run \"ship\"\n    depends on \n",
    );
    c.change(URI, 3, &typing).await;
    let r = c
        .request("textDocument/completion", at(14, 15))
        .await
        .unwrap();
    let labels: Vec<&str> = r["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["label"].as_str().unwrap())
        .collect();
    assert_eq!(labels, ["lint", "build", "any(…)"]);
    c.change(URI, 4, &fixed).await;
    // Requests answer from the last finished analysis: wait for this one's.
    c.diagnostics(URI, Some(4), WAIT).await.unwrap();

    // Hover a step name in `depends on`.
    let h = c.request("textDocument/hover", at(9, 16)).await.unwrap();
    let md = h["contents"]["value"].as_str().unwrap();
    assert!(md.contains("step lint: shell"), "{md}");

    // Jump to its definition, find its references.
    let def = c
        .request("textDocument/definition", at(9, 16))
        .await
        .unwrap();
    assert_eq!(def["uri"], json!(URI));
    assert_eq!(def["range"]["start"], json!({"line": 3, "character": 7}));
    let refs = c
        .request("textDocument/references", json!({"textDocument": {"uri": URI}, "position": {"line": 3, "character": 8}, "context": {"includeDeclaration": true}}))
        .await
        .unwrap();
    assert_eq!(refs.as_array().unwrap().len(), 2, "{refs}");

    // Rename it.
    let p = c
        .request("textDocument/prepareRename", at(3, 8))
        .await
        .unwrap();
    assert_eq!(p["start"], json!({"line": 3, "character": 7}));
    let edit = c
        .request("textDocument/rename", json!({"textDocument": {"uri": URI}, "position": {"line": 3, "character": 8}, "newName": "clippy"}))
        .await
        .unwrap();
    let edits = edit["changes"][URI].as_array().unwrap();
    assert_eq!(edits.len(), 2);
    assert!(edits.iter().all(|e| e["newText"] == json!("clippy")));
    let err = c
        .request("textDocument/rename", json!({"textDocument": {"uri": URI}, "position": {"line": 3, "character": 8}, "newName": "build"}))
        .await
        .unwrap_err();
    assert!(
        err["message"].as_str().unwrap().contains("already"),
        "{err}"
    );

    // Outline, formatting, semantic tokens, folding.
    let s = c
        .request("textDocument/documentSymbol", doc())
        .await
        .unwrap();
    let names: Vec<&str> = s[0]["children"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["version", "lint", "build"]);
    let f = c
        .request(
            "textDocument/formatting",
            json!({"textDocument": {"uri": URI}, "options": {"tabSize": 2, "insertSpaces": true}}),
        )
        .await
        .unwrap();
    let formatted = f[0]["newText"].as_str().unwrap();
    assert_eq!(
        Ok(formatted.to_string()),
        wfc_language::fmt::format_source(&fixed).map_err(|_| ())
    );
    let t = c
        .request("textDocument/semanticTokens/full", doc())
        .await
        .unwrap();
    assert!(t["data"].as_array().unwrap().len() > 5 * 10);
    let folds = c.request("textDocument/foldingRange", doc()).await.unwrap();
    assert_eq!(folds.as_array().unwrap().len(), 3, "{folds}");

    c.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_whole_session_in_memory() {
    let mut c = in_memory(Options::default());
    session(&mut c).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_whole_session_with_the_wfc_lsp_binary_over_stdio() {
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_wfc"))
        .arg("lsp")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("wfc lsp starts");
    let stdin = child.stdin.take().unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut c = Client::new(stdout, stdin);
    session(&mut c).await;
    let status = tokio::time::timeout(WAIT, child.wait())
        .await
        .expect("exits after `exit`")
        .unwrap();
    assert!(status.success(), "{status}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_that_does_not_parse_still_gets_completion_and_syntax_diagnostics() {
    let mut c = in_memory(Options::default());
    c.initialize().await;
    c.open(URI, "workflow w {\n  step a: shell {\n    ru\n")
        .await;
    let d = c.diagnostics(URI, Some(1), WAIT).await.unwrap();
    assert!(d[0]["code"].as_str().unwrap().starts_with("E00"), "{d}");
    let r = c
        .request("textDocument/completion", at(2, 6))
        .await
        .unwrap();
    let labels: Vec<&str> = r["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["label"].as_str().unwrap())
        .collect();
    assert!(labels.contains(&"run"), "{labels:?}");
    c.shutdown().await;
}

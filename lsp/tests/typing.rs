//! Protocol tests of the server under typing: bursts of changes coalesce
//! into one analysis at a time and publish in version order, the newest
//! last; publishes keep coming while changes never pause; requests answer
//! from the last analysis while a newer one runs; delta semantic tokens
//! apply to the same tokens as a full request; and a line of 400k tokens
//! gets answers (every request is linear in the document).

use serde_json::{json, Value};
use std::time::{Duration, Instant};
use wfc_lsp::client::in_memory;
use wfc_lsp::Options;

const URI: &str = "file:///typing.wf";
const WAIT: Duration = Duration::from_secs(30);

fn at(line: usize, character: usize) -> Value {
    json!({"textDocument": {"uri": URI}, "position": {"line": line, "character": character}})
}

fn doc() -> Value {
    json!({"textDocument": {"uri": URI}})
}

/// `steps` steps; the first `typos` of them misspell `run` as `rnu`.
fn workflow(steps: usize, typos: usize) -> String {
    let mut text = String::from("workflow typing {\n");
    for i in 0..steps {
        let field = if i < typos { "rnu" } else { "run" };
        text.push_str(&format!("  step s{i}: shell {{ {field} \"echo {i}\" }}\n"));
    }
    text.push_str("}\n");
    text
}

fn count(diagnostics: &Value) -> usize {
    diagnostics.as_array().unwrap().len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_changes_publishes_the_last_version_last() {
    let mut c = in_memory(Options::default());
    c.initialize().await;
    c.open(URI, &workflow(300, 0)).await;
    assert_eq!(count(&c.diagnostics(URI, Some(1), WAIT).await.unwrap()), 0);
    // Version v has v - 1 typos; the changes come faster than the analyses.
    for v in 2..=51 {
        c.change(URI, v, &workflow(300, v as usize - 1)).await;
        tokio::time::sleep(Duration::from_millis(3)).await;
    }
    let mut versions = Vec::new();
    loop {
        let p = c
            .notification("textDocument/publishDiagnostics", WAIT, |p| {
                p["uri"] == json!(URI)
            })
            .await
            .expect("a publish for the last version");
        let v = p["version"].as_i64().unwrap();
        // Each publish is of the text of its version, never another's.
        // (A misspelt `run` is two errors: the unknown field, the missing one.)
        assert_eq!(
            count(&p["diagnostics"]),
            2 * (v as usize - 1),
            "version {v}"
        );
        versions.push(v);
        if v == 51 {
            break;
        }
    }
    assert!(
        versions.windows(2).all(|w| w[0] < w[1]),
        "publishes go forward only: {versions:?}"
    );
    assert!(
        versions.len() < 50,
        "the changes were coalesced: {versions:?}"
    );
    let late = c.diagnostics(URI, None, Duration::from_millis(500)).await;
    assert!(late.is_none(), "a publish after the last version: {late:?}");
    c.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typing_that_never_pauses_still_gets_diagnostics() {
    let mut c = in_memory(Options {
        // A quiet period longer than the pause between keys.
        debounce: Duration::from_millis(400),
        max_wait: Duration::from_millis(500),
        ..Options::default()
    });
    c.initialize().await;
    c.open(URI, &workflow(20, 0)).await;
    c.diagnostics(URI, Some(1), WAIT).await.unwrap();
    let started = Instant::now();
    let mut v = 1;
    while started.elapsed() < Duration::from_millis(2_500) {
        v += 1;
        c.change(URI, v, &workflow(20, v as usize % 20)).await;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Without a bound on the quiet period, nothing would be published
    // before the last version; one analysis may have been running when
    // the keys stopped.
    let mut during = 0;
    loop {
        let p = c
            .notification("textDocument/publishDiagnostics", WAIT, |_| true)
            .await
            .expect("the last version is published");
        if p["version"] == json!(v) {
            break;
        }
        during += 1;
    }
    assert!(during >= 3, "{during} publishes in 2.5 s of typing");
    c.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_answer_from_the_last_analysis_while_a_newer_one_runs() {
    let mut c = in_memory(Options::default());
    c.initialize().await;
    let big = wfc_testkit::large_workflow(3_000);
    c.open(URI, &big).await;
    c.diagnostics(URI, Some(1), WAIT).await.unwrap();
    let edited = big.replacen("    run \"", "    rnu \"", 1);
    c.change(URI, 2, &edited).await;
    let h = c.request("textDocument/hover", at(1, 3)).await.unwrap();
    assert!(h.get("contents").is_some(), "{h}");
    let s = c
        .request("textDocument/documentSymbol", doc())
        .await
        .unwrap();
    assert!(!s.as_array().unwrap().is_empty());
    assert!(
        c.diagnostics(URI, Some(2), Duration::ZERO).await.is_none(),
        "the requests waited for the new analysis"
    );
    let d = c.diagnostics(URI, Some(2), WAIT).await.unwrap();
    assert_eq!(count(&d), 2, "{d}");
    c.shutdown().await;
}

#[tokio::test]
async fn completion_reads_the_text_being_typed() {
    let mut c = in_memory(Options {
        debounce: Duration::from_secs(5),
        ..Options::default()
    });
    c.initialize().await;
    c.open(URI, &workflow(2, 0)).await;
    c.diagnostics(URI, Some(1), WAIT).await.unwrap();
    // Not analysed yet (the quiet period is long): a new step's kind.
    let text = workflow(2, 0).replace("}\n}\n", "}\n  step b: sh\n}\n");
    c.change(URI, 2, &text).await;
    let r = c
        .request("textDocument/completion", at(3, 12))
        .await
        .unwrap();
    let labels: Vec<&str> = r["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["label"].as_str().unwrap())
        .collect();
    assert!(labels.contains(&"shell"), "{labels:?}");
    assert_eq!(
        r["items"][0]["textEdit"]["range"],
        json!({"start": {"line": 3, "character": 10}, "end": {"line": 3, "character": 12}})
    );
    c.shutdown().await;
}

/// Applies `semanticTokens/full/delta` edits to the integers sent before.
fn apply(data: &mut Vec<u64>, edits: &Value) {
    let mut edits = edits.as_array().unwrap().clone();
    edits.sort_by_key(|e| std::cmp::Reverse(e["start"].as_u64().unwrap()));
    for e in edits {
        let start = e["start"].as_u64().unwrap() as usize;
        let end = start + e["deleteCount"].as_u64().unwrap() as usize;
        let new = e["data"].as_array().into_iter().flatten();
        data.splice(start..end, new.map(|n| n.as_u64().unwrap()));
    }
}

fn ints(data: &Value) -> Vec<u64> {
    data.as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_u64().unwrap())
        .collect()
}

#[tokio::test]
async fn delta_tokens_apply_to_the_full_tokens() {
    let mut c = in_memory(Options::default());
    let caps = c.initialize().await;
    assert_eq!(
        caps["semanticTokensProvider"]["full"],
        json!({"delta": true})
    );
    let mut text = workflow(5, 0);
    c.open(URI, &text).await;
    c.diagnostics(URI, Some(1), WAIT).await.unwrap();
    let full = c
        .request("textDocument/semanticTokens/full", doc())
        .await
        .unwrap();
    let mut data = ints(&full["data"]);
    let mut id = full["resultId"].as_str().unwrap().to_string();
    let edits = [
        ("  step s2:", "  step renamed:"),
        ("\"echo 4\"", "\"echo ${x}\" # now with a comment"),
        (
            "workflow typing {\n",
            "workflow typing {\n  param x: int = 1\n",
        ),
        ("  step s0: shell { run \"echo 0\" }\n", ""),
    ];
    for (v, (from, to)) in edits.into_iter().enumerate() {
        let version = v as i32 + 2;
        text = text.replacen(from, to, 1);
        c.change(URI, version, &text).await;
        c.diagnostics(URI, Some(version), WAIT).await.unwrap();
        let params = json!({"textDocument": {"uri": URI}, "previousResultId": id});
        let delta = c
            .request("textDocument/semanticTokens/full/delta", params)
            .await
            .unwrap();
        assert!(delta.get("data").is_none(), "an edit, not all: {delta}");
        apply(&mut data, &delta["edits"]);
        id = delta["resultId"].as_str().unwrap().to_string();
        let full = c
            .request("textDocument/semanticTokens/full", doc())
            .await
            .unwrap();
        assert_eq!(data, ints(&full["data"]), "after edit {v}");
        // The full answer is what was sent last now.
        id = full["resultId"].as_str().map_or(id, str::to_string);
    }
    // An unknown result id gets all the tokens.
    let params = json!({"textDocument": {"uri": URI}, "previousResultId": "nope"});
    let r = c
        .request("textDocument/semanticTokens/full/delta", params)
        .await
        .unwrap();
    assert_eq!(ints(&r["data"]), data);
    c.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_line_of_400k_tokens_gets_answers() {
    // A list of 200k strings: 400k tokens on one line.
    let items: Vec<String> = (0..200_000).map(|i| format!("\"{}\"", i % 1000)).collect();
    // And 8k maps on another: each `{` looks at the words before it.
    let maps: Vec<String> = (0..8_000).map(|i| format!("{{a: {i}}}")).collect();
    let text = format!(
        "workflow long {{\n  param xs: list<string> = [{}]\n  param ms: list<map<int>> = [{}]\n  step a: shell {{ run \"echo ${{join(xs, \" \")}} ${{len(ms)}}\" }}\n}}\n",
        items.join(", "),
        maps.join(", ")
    );
    let line_len = text.lines().nth(1).unwrap().len();
    let mut c = in_memory(Options::default());
    c.initialize().await;
    c.open(URI, &text).await;
    // Parsing and checking 1.4 MB in a debug build takes seconds of its own.
    let analysed = Duration::from_secs(90);
    let d = c.diagnostics(URI, Some(1), analysed).await;
    let d = d.expect("diagnostics");
    assert_eq!(count(&d), 0, "{d}");
    let started = Instant::now();
    let tokens = c
        .request("textDocument/semanticTokens/full", doc())
        .await
        .unwrap();
    // Keywords, the param, the type, 200k strings, the step …
    assert!(tokens["data"].as_array().unwrap().len() > 200_000 * 5);
    for (method, params) in [
        ("textDocument/documentSymbol", doc()),
        ("textDocument/foldingRange", doc()),
        ("textDocument/hover", at(1, 9)),
        ("textDocument/hover", at(1, line_len - 3)),
        ("textDocument/completion", at(1, line_len - 1)),
        ("textDocument/definition", at(3, 31)),
        ("textDocument/references", {
            let mut p = at(1, 9);
            p["context"] = json!({"includeDeclaration": true});
            p
        }),
    ] {
        let r = c.request(method, params).await;
        assert!(r.is_ok(), "{method}: {r:?}");
    }
    let elapsed = started.elapsed();
    // Linear, they take seconds in a debug build; quadratic, minutes.
    assert!(
        elapsed < Duration::from_secs(20),
        "the requests took {elapsed:?}"
    );
    c.shutdown().await;
}

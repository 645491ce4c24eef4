//! A document importing a FIFO named `*.wf`: the server reads no further
//! than the file's type, says why the import fails, and answers a hover
//! (opening the FIFO would wait for a writer, and no answer would come).

use serde_json::json;
use std::time::Duration;
use wfc_lsp::client::in_memory;
use wfc_lsp::Options;

const WAIT: Duration = Duration::from_secs(10);

// Two workers: a server thread stuck on the FIFO leaves one for the test.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_document_importing_a_fifo_gets_e0220_and_hovers_answer() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo.wf");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let stuck = |what: &str| -> ! {
        // A writer lets a reader stuck on the FIFO go, so the test ends.
        std::thread::spawn(move || std::fs::OpenOptions::new().write(true).open(fifo));
        panic!("{what}: the server waits on the FIFO")
    };
    let uri = url(&dir.path().join("imp.wf"));
    let text = "import \"fifo.wf\" as f\nworkflow w {\n  param x: string = \"a\"\n  step a: shell { run \"echo ${x}\" }\n}\n";
    let mut c = in_memory(Options::default());
    c.initialize().await;
    c.open(&uri, text).await;
    let Some(d) = c.diagnostics(&uri, Some(1), WAIT).await else {
        stuck("no diagnostics");
    };
    let e0220 = d
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "E0220")
        .unwrap_or_else(|| panic!("no E0220: {d}"));
    let message = e0220["message"].as_str().unwrap();
    assert!(
        message.contains("cannot import `fifo.wf`: not a regular file (a FIFO)"),
        "{message}"
    );
    assert_eq!(e0220["range"]["start"], json!({"line": 0, "character": 7}));
    // The `x` of `${x}`: the param hovers.
    let hover = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri}, "position": {"line": 3, "character": 30}}),
    );
    let Ok(h) = tokio::time::timeout(WAIT, hover).await else {
        stuck("no hover");
    };
    let h = h.unwrap();
    let md = h["contents"]["value"].as_str().unwrap_or_default();
    assert!(md.contains("param x: string"), "{h}");
    c.shutdown().await;
}

fn url(path: &std::path::Path) -> String {
    format!("file://{}", path.display())
}

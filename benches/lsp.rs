//! Language-server benchmark: a generated workflow of 3,000 steps, driven
//! through the real server (in memory) as an editor drives it.
//!
//! `cargo bench --bench lsp` prints the median / max time from a change to
//! its diagnostics (the 30 ms debounce included), and of completion and hover
//! requests, against the goals: diagnostics within 100 ms of a change,
//! completion and hover under 20 ms. Under `cargo test` (no `--bench`) it
//! runs once on 200 steps, as a smoke test.

use serde_json::{json, Value};
use std::time::{Duration, Instant};
use wfc_lsp::client::in_memory;
use wfc_lsp::Options;
use wfc_testkit::large_workflow;

const URI: &str = "file:///bench/generated.wf";

fn stats(mut v: Vec<Duration>) -> (f64, f64) {
    v.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    (ms(v[v.len() / 2]), ms(v[v.len() - 1]))
}

/// Line and column (0-based, ASCII text) of the first `needle` after `from`.
fn pos_of(text: &str, needle: &str, from: usize, shift: usize) -> Value {
    let at = from + text[from..].find(needle).expect("needle") + shift;
    let line = text[..at].matches('\n').count();
    let col = at - text[..at].rfind('\n').map_or(0, |i| i + 1);
    json!({"textDocument": {"uri": URI}, "position": {"line": line, "character": col}})
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let (steps, runs) = if full { (3_000, 21) } else { (200, 2) };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let text = large_workflow(steps);
        let lines = text.lines().count();
        let mut c = in_memory(Options::default());
        c.initialize().await;
        let t = Instant::now();
        c.open(URI, &text).await;
        let d = c
            .diagnostics(URI, Some(1), Duration::from_secs(60))
            .await
            .expect("diagnostics");
        assert_eq!(d, json!([]), "the generated workflow checks clean");
        let open = t.elapsed();

        // Change → diagnostics: edit a run command in the middle, alternating
        // with a version that has an error (a misspelt field).
        let mid = text.len() / 2;
        let run_at = mid + text[mid..].find("    run \"").expect("a run field");
        let mut change = Vec::new();
        for v in 0..runs {
            let version = v + 2;
            let replacement = if v % 2 == 0 {
                "    rnu \""
            } else {
                "    run \""
            };
            let edited = format!("{}{}{}", &text[..run_at], replacement, &text[run_at + 9..]);
            let t = Instant::now();
            c.change(URI, version, &edited).await;
            let d = c
                .diagnostics(URI, Some(version), Duration::from_secs(60))
                .await
                .expect("diagnostics after a change");
            change.push(t.elapsed());
            assert_eq!(d.as_array().unwrap().is_empty(), v % 2 == 1, "{d}");
        }

        // Completion and hover on the current (analysed) text.
        let deps = pos_of(&text, "depends on c", mid, 11);
        let interp = pos_of(&text, "${env}", mid, 3);
        let step = pos_of(&text, "  step ", mid, 8);
        let mut completion = Vec::new();
        let mut hover = Vec::new();
        for _ in 0..runs {
            for p in [&deps, &interp] {
                let t = Instant::now();
                let r = c
                    .request("textDocument/completion", p.clone())
                    .await
                    .unwrap();
                completion.push(t.elapsed());
                assert!(!r["items"].as_array().unwrap().is_empty());
            }
            for p in [&interp, &step] {
                let t = Instant::now();
                let r = c.request("textDocument/hover", p.clone()).await.unwrap();
                hover.push(t.elapsed());
                assert!(r.get("contents").is_some(), "{r}");
            }
        }
        c.shutdown().await;

        let (cm, cx) = stats(change);
        let (pm, px) = stats(completion);
        let (hm, hx) = stats(hover);
        println!(
            "lsp benchmark: {steps} steps, {lines} lines, {} KB",
            text.len() / 1024
        );
        println!(
            "  open → diagnostics           {:>8.1} ms",
            open.as_secs_f64() * 1e3
        );
        println!(
            "  change → diagnostics   median {cm:>6.1} ms   max {cx:>6.1} ms   (goal < 100 ms)"
        );
        println!(
            "  completion             median {pm:>6.1} ms   max {px:>6.1} ms   (goal < 20 ms)"
        );
        println!(
            "  hover                  median {hm:>6.1} ms   max {hx:>6.1} ms   (goal < 20 ms)"
        );
    });
}

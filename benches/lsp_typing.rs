//! Typing-replay benchmark of the language server: 31 keys typed into the
//! middle of a generated 3,000-step workflow (25k lines) at 10 and at 30
//! keys per second, through the real server in memory, with a completion
//! request at the cursor and a hover elsewhere after every key, as an
//! editor sends them.
//!
//! `cargo bench --bench lsp_typing` prints, per rate: the time from the
//! last keystroke to the diagnostics of the final text (goal ≤ 250 ms), the
//! longest gap between fresh publishes from the first key to that one
//! (goal ≤ 1 s: at least one a second while typing), and completion and
//! hover p50/p95 during typing (goal < 50 ms); then the analysis alone. A
//! reader task timestamps every message as it arrives, so a publish is
//! timed when the server sent it, not when the benchmark looked. Under
//! `cargo test` (no `--bench`) it runs once on 200 steps, as a smoke test.

use serde_json::{json, Value};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use wfc_lsp::client::Client;
use wfc_lsp::Options;
use wfc_testkit::large_workflow;

const URI: &str = "file:///bench/typing.wf";
/// The keys typed: a new step, misspelt (its diagnostics tell the final text).
const KEYS: &str = "  step typed: shell { rnu \"x\" }";
const WAIT: Duration = Duration::from_secs(60);

/// A client whose reader runs on its own task, timestamping every message.
struct Session {
    writer: Client<tokio::io::Empty, tokio::io::WriteHalf<tokio::io::DuplexStream>>,
    inbox: mpsc::UnboundedReceiver<(Instant, Value)>,
    next_id: i64,
    /// Publishes for the document: (when, version, number of diagnostics).
    published: Vec<(Instant, i64, usize)>,
}

impl Session {
    fn start() -> Session {
        let (client_end, server_end) = tokio::io::duplex(1 << 22);
        let (server_read, server_write) = tokio::io::split(server_end);
        tokio::spawn(wfc_lsp::serve(
            Options::default(),
            server_read,
            server_write,
        ));
        let (read, write) = tokio::io::split(client_end);
        let mut reader = Client::new(read, tokio::io::sink());
        let (tx, inbox) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            while let Some(m) = reader.read().await {
                if tx.send((Instant::now(), m)).is_err() {
                    return;
                }
            }
        });
        Session {
            writer: Client::new(tokio::io::empty(), write),
            inbox,
            next_id: 1,
            published: Vec::new(),
        }
    }

    /// Files a message; a response is returned.
    fn file(&mut self, at: Instant, m: Value) -> Option<(i64, Value)> {
        if m["method"] == json!("textDocument/publishDiagnostics") {
            let p = &m["params"];
            if p["uri"] == json!(URI) {
                let n = p["diagnostics"].as_array().map_or(0, Vec::len);
                self.published
                    .push((at, p["version"].as_i64().unwrap_or(-1), n));
            }
            return None;
        }
        let id = m.get("id")?.as_i64()?;
        m.get("method").is_none().then(|| (id, m["result"].clone()))
    }

    async fn request(&mut self, method: &str, params: Value) -> (Duration, Value) {
        let id = self.next_id;
        self.next_id += 1;
        let sent = Instant::now();
        let msg = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
        self.writer.send(&msg).await.expect("server listens");
        loop {
            let (at, m) = self.inbox.recv().await.expect("server answers");
            if let Some((got, result)) = self.file(at, m) {
                if got == id {
                    return (at - sent, result);
                }
            }
        }
    }

    async fn notify(&mut self, method: &str, params: Value) {
        let msg = json!({"jsonrpc": "2.0", "method": method, "params": params});
        self.writer.send(&msg).await.expect("server listens");
    }

    /// Files what has arrived so far, without waiting.
    fn pump(&mut self) {
        while let Ok((at, m)) = self.inbox.try_recv() {
            self.file(at, m);
        }
    }

    /// Waits for the publish of `version`; when it arrived.
    async fn published(&mut self, version: i64) -> Instant {
        let deadline = Instant::now() + WAIT;
        loop {
            if let Some(p) = self.published.iter().find(|p| p.1 == version) {
                return p.0;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            let (at, m) = tokio::time::timeout(left, self.inbox.recv())
                .await
                .expect("diagnostics in time")
                .expect("server open");
            self.file(at, m);
        }
    }
}

fn position(text: &str, at: usize) -> Value {
    let line = text[..at].matches('\n').count();
    let col = at - text[..at].rfind('\n').map_or(0, |i| i + 1);
    json!({"textDocument": {"uri": URI}, "position": {"line": line, "character": col}})
}

fn percentile(v: &mut [Duration], p: f64) -> f64 {
    v.sort();
    let i = ((v.len() as f64 - 1.0) * p).round() as usize;
    v[i].as_secs_f64() * 1e3
}

struct Figures {
    rate: u32,
    last_key_to_diagnostics: Duration,
    max_gap: Duration,
    fresh: usize,
    completion: Vec<Duration>,
    hover: Vec<Duration>,
    /// Hovers that had an answer.
    hovered: usize,
}

/// Types [`KEYS`] into `text` at `rate` keys per second.
async fn replay(text: &str, rate: u32) -> Figures {
    let mut s = Session::start();
    let caps = json!({"textDocument": {"publishDiagnostics": {}}});
    let init = json!({"processId": null, "rootUri": null, "capabilities": caps});
    s.request("initialize", init).await;
    s.notify("initialized", json!({})).await;
    let doc = json!({"uri": URI, "languageId": "wf", "version": 1, "text": text});
    s.notify("textDocument/didOpen", json!({"textDocument": doc}))
        .await;
    s.published(1).await;

    // Type at the start of a line in the middle; hover a step name above it.
    let mid = text.len() / 2;
    let cursor = mid + text[mid..].find("\n  step ").expect("a step") + 1;
    let hover_at = position(text, text[..cursor].rfind("  step ").unwrap() + 8);
    let mut text = text.to_string();
    let interval = Duration::from_secs(1) / rate;
    let (mut completion, mut hover, mut hovered) = (Vec::new(), Vec::new(), 0);
    let start = Instant::now();
    let mut last_key = start;
    let mut version = 1;
    for (k, key) in KEYS.chars().enumerate() {
        tokio::time::sleep_until((start + interval * k as u32).into()).await;
        text.insert(cursor + k, key);
        version += 1;
        let change = json!({
            "textDocument": {"uri": URI, "version": version},
            "contentChanges": [{"text": text}],
        });
        s.notify("textDocument/didChange", change).await;
        last_key = Instant::now();
        let (took, _) = s
            .request("textDocument/completion", position(&text, cursor + k + 1))
            .await;
        completion.push(took);
        let (took, r) = s.request("textDocument/hover", hover_at.clone()).await;
        // A half-typed step may leave the text unparsed: no hover then.
        hovered += usize::from(r.get("contents").is_some());
        hover.push(took);
        s.pump();
    }
    let done = s.published(version).await;
    let last = s.published.iter().find(|p| p.1 == version).unwrap();
    assert_eq!(
        last.2, 2,
        "the final text's two errors (the misspelt `run`)"
    );
    // Fresh publishes from the first key to the final one, in order.
    let mut times = vec![start];
    times.extend(
        s.published
            .iter()
            .filter(|p| p.1 > 1 && p.0 <= done)
            .map(|p| p.0),
    );
    let versions: Vec<i64> = s.published.iter().map(|p| p.1).collect();
    assert!(
        versions.windows(2).all(|w| w[0] < w[1]),
        "publishes go forward only: {versions:?}"
    );
    let max_gap = times.windows(2).map(|w| w[1] - w[0]).max().unwrap();
    Figures {
        rate,
        last_key_to_diagnostics: done - last_key,
        max_gap,
        fresh: times.len() - 1,
        completion,
        hover,
        hovered,
    }
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let steps = if full { 3_000 } else { 200 };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let compact = large_workflow(steps);
    let mut files = vec![("compact", compact.clone())];
    if full {
        // The 3,000-step file had ~25k lines: the same graph with
        // the settings real steps carry.
        files.push(("padded", padded(&compact)));
    }
    for (what, text) in &files {
        replay_at_rates(&rt, what, steps, text);
    }
    if full {
        for (_, text) in &files {
            analysis_alone(text);
        }
    }
}

/// Each shell step of `text` with six more lines of settings.
fn padded(text: &str) -> String {
    text.replace(
        ": shell {\n",
        ": shell {\n    timeout 10m\n    # warm the cache first\n    env {\n      CI = \"true\"\n      RUST_LOG = \"info\"\n    }\n",
    )
}

fn replay_at_rates(rt: &tokio::runtime::Runtime, what: &str, steps: usize, text: &str) {
    println!(
        "lsp typing benchmark ({what}): {steps} steps, {} lines, {} KB, {} keys",
        text.lines().count(),
        text.len() / 1024,
        KEYS.len()
    );
    for rate in [10, 30] {
        let mut f = rt.block_on(replay(text, rate));
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        println!("  {} keys/s:", f.rate);
        println!(
            "    last key → final diagnostics {:>7.1} ms   (goal ≤ 250 ms)",
            ms(f.last_key_to_diagnostics)
        );
        println!(
            "    longest gap between publishes {:>6.1} ms   ({} fresh publishes; goal ≤ 1000 ms)",
            ms(f.max_gap),
            f.fresh
        );
        println!(
            "    completion p50 {:>6.1} ms  p95 {:>6.1} ms   (goal p95 < 50 ms)",
            percentile(&mut f.completion, 0.5),
            percentile(&mut f.completion, 0.95)
        );
        println!(
            "    hover      p50 {:>6.1} ms  p95 {:>6.1} ms   (goal p95 < 50 ms; {} of {} answered)",
            percentile(&mut f.hover, 0.5),
            percentile(&mut f.hover, 0.95),
            f.hovered,
            f.hover.len()
        );
    }
}

/// The analysis the server runs per version, alone (median of 5), with its
/// phases from the language crate's own marks.
fn analysis_alone(text: &str) {
    use wfc_language::ide::Doc;
    use wfc_language::program::{Disk, FileKey};
    let mut times: Vec<Duration> = (0..5)
        .map(|_| {
            let t = Instant::now();
            let key = FileKey::Path("/bench/typing.wf".into());
            let d = Doc::analyze_program(key, text, &Disk);
            let took = t.elapsed();
            std::hint::black_box(d.diagnostics());
            took
        })
        .collect();
    let median = percentile(&mut times, 0.5);
    let mut parse: Vec<Duration> = (0..5)
        .map(|_| {
            let t = Instant::now();
            std::hint::black_box(wfc_language::syntax::parse(text));
            t.elapsed()
        })
        .collect();
    let lex = (0..5)
        .map(|_| {
            let t = Instant::now();
            std::hint::black_box(wfc_language::ide::lexer::lex(text));
            t.elapsed().as_secs_f64() * 1e3
        })
        .fold(f64::MAX, f64::min);
    println!(
        "  analysis alone (parse + check): median {median:.1} ms; parse {:.1} ms; lex {:.1} ms",
        percentile(&mut parse, 0.5),
        lex
    );
}

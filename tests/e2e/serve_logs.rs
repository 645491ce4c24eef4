//! A step's log of 200 MB read through `wfc serve` (issue 51): parallel
//! tails and pages of the API's log route, the whole log streamed and
//! searched, and the dashboard's run page, with the server's peak RSS
//! (`VmHWM`) staying bounded, and the answers right.

use super::dashboard::{client, login, page, pair};
use super::serve::{post, Server};
use reqwest::StatusCode;
use serde_json::json;
use std::io::Write;

const NOISY: &str = r#"
workflow noisy {
  step shout: shell { run "echo first; echo second" }
}
"#;

/// The filler's lines: 200 MB of them.
const FILLER_LINE: &str =
    "filler line of a big log, nothing to see here, padding padding padding\n";
const FILLER: usize = 200 << 20;
/// One line of 8 MB, then these last lines.
const HUGE_LINE: usize = 8 << 20;
const LAST: usize = 300;

/// The peak resident memory of process `pid`, in KiB.
fn peak_rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

impl Server {
    /// The length of run `id`'s step `step`'s log (a main-graph step of a
    /// plain name), where the server keeps it.
    pub(super) fn log_len(&self, id: &str, step: &str) -> u64 {
        let Ok(store) = wfc_store::Store::open(&self.path("state")) else {
            return 0;
        };
        let log = format!("logs/{id}/{step}.log");
        let source = wfc_store::logs::source(&store, id, &log);
        wfc_store::logs::read::Chain::open(&[source]).map_or(0, |c| c.len())
    }

    /// What run `id`'s step `step` logged so far, read as the server reads
    /// it (its file, or its chunks on PostgreSQL); `None` while it has no
    /// line, and once the run is gone.
    pub(super) fn step_log(&self, id: &str, step: &str) -> Option<String> {
        use std::io::Read;
        let store = wfc_store::Store::open(&self.path("state")).ok()?;
        let logs = wfc_store::logs::step_logs(&store, id, Some(step)).ok()?;
        let sources: Vec<_> = logs.into_iter().map(|l| l.source).collect();
        let mut text = String::new();
        wfc_store::logs::read::Chain::open(&sources)
            .ok()?
            .read_to_string(&mut text)
            .ok()?;
        (!text.is_empty()).then_some(text)
    }
}

/// Step `shout`'s log, appended to where the server keeps it: its file,
/// or (on PostgreSQL) its chunks, a row a write.
enum Log {
    File(std::fs::File),
    Chunks {
        store: Box<wfc_store::Store>,
        id: String,
        end: u64,
    },
}

impl Log {
    fn open(server: &Server, id: &str) -> Log {
        let store = wfc_store::Store::open(&server.path("state")).unwrap();
        let log = format!("logs/{id}/shout.log");
        match wfc_store::logs::source(&store, id, &log) {
            wfc_store::logs::Source::File(path) => {
                Log::File(std::fs::OpenOptions::new().append(true).open(path).unwrap())
            }
            source => {
                let end = wfc_store::logs::read::Chain::open(&[source]).unwrap().len();
                assert!(end > 0, "the step's own lines are there");
                Log::Chunks {
                    store: Box::new(store),
                    id: id.to_owned(),
                    end,
                }
            }
        }
    }

    /// The log's length, everything written.
    fn end(self) -> u64 {
        match self {
            Log::File(f) => {
                f.sync_all().unwrap();
                f.metadata().unwrap().len()
            }
            Log::Chunks { end, .. } => end,
        }
    }
}

impl Write for Log {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Log::File(f) => f.write(buf),
            Log::Chunks { store, id, end } => {
                let sql =
                    "INSERT INTO log_chunks (run_id, log, start, bytes) VALUES (?1, ?2, ?3, ?4)";
                let log = format!("logs/{id}/shout.log");
                let row = [
                    id.as_str().into(),
                    log.into(),
                    (*end as i64).into(),
                    buf.to_vec().into(),
                ];
                wfc_store::testing::execute(store, sql, &row).map_err(std::io::Error::other)?;
                *end += buf.len() as u64;
                Ok(buf.len())
            }
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Log::File(f) => f.flush(),
            Log::Chunks { .. } => Ok(()),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_huge_log_is_read_with_bounded_memory() {
    let server = Server::start(&[("noisy.wf", NOISY)], &[]);
    let http = client();
    let url = server.url("/workflows/noisy/runs?wait=30s");
    let (status, body) = post(&http, &url, &server.operator, json!({})).await;
    assert!(status.is_success(), "{status} {body}");
    let id = body["id"].as_str().unwrap().to_owned();
    // The step's log, grown as a step printing 200 MB would leave it
    // (printing it for real takes the runner far longer than a test may).
    let mut f = std::io::BufWriter::with_capacity(1 << 20, Log::open(&server, &id));
    for _ in 0..FILLER / FILLER_LINE.len() {
        f.write_all(FILLER_LINE.as_bytes()).unwrap();
    }
    f.write_all(&vec![b'x'; HUGE_LINE]).unwrap();
    f.write_all(b"\n").unwrap();
    for i in 0..LAST {
        writeln!(f, "last line {i}").unwrap();
    }
    let size = f.into_inner().map_err(|e| e.into_error()).unwrap().end();
    let pid = server.child.id();
    let before = peak_rss_kib(pid);

    let logs = server.url(&format!("/runs/{id}/logs/shout"));
    let get = |query: String| {
        let (http, logs, key) = (http.clone(), logs.clone(), server.reader.clone());
        async move {
            let r = http
                .get(format!("{logs}{query}"))
                .bearer_auth(key)
                .send()
                .await
                .unwrap();
            let status = r.status();
            let cursor = r
                .headers()
                .get("wfc-log-cursor")
                .map(|v| v.to_str().unwrap().to_owned());
            (status, cursor, r.text().await.unwrap())
        }
    };
    // Six tails at once, as many as the probe sent.
    let tails = futures::future::join_all((0..6).map(|_| get("?tail=100".into()))).await;
    for (status, cursor, text) in &tails {
        assert_eq!(*status, StatusCode::OK, "{text}");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 100);
        assert_eq!(lines[99], format!("last line {}", LAST - 1));
        assert_eq!(lines[0], format!("last line {}", LAST - 100));
        assert_eq!(cursor.as_deref(), Some(size.to_string().as_str()));
    }
    // The huge line comes cut; pages follow each other from the start.
    let (_, _, text) = get(format!("?tail={}", LAST + 1)).await;
    let cut = text.lines().next().unwrap();
    assert!(
        cut.ends_with(&format!("[line of {HUGE_LINE} bytes cut]")),
        "{}",
        &cut[cut.len() - 60..]
    );
    assert!(cut.len() < 20 << 10);
    let (status, cursor, first) = get("?limit=2".into()).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        first.starts_with("── attempt 1 · ") && first.ends_with("──\nfirst\n"),
        "{first}"
    );
    let (_, _, second) = get(format!("?after={}&limit=2", cursor.unwrap())).await;
    assert_eq!(second, format!("second\n{FILLER_LINE}"));
    // A page of the most lines stays within its bytes.
    let (_, _, big) = get("?after=0&limit=10000".into()).await;
    assert_eq!(big.lines().count(), 10_000);
    // Bad values: a problem with its code.
    for bad in [
        "?tail=0",
        "?tail=10001",
        "?tail=x",
        "?after=1",
        "?limit=-1",
        "?tail=5&after=0",
    ] {
        let r = http
            .get(format!("{logs}{bad}"))
            .bearer_auth(&server.reader)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{bad}");
        let body: serde_json::Value = r.json().await.unwrap();
        assert_eq!(body["code"], "API005", "{bad}: {body}");
    }
    // Four loads of the run page at once, each with the log's last lines.
    let cookie = pair(&login(&http, &server, &server.reader).await);
    let run_page = format!("/runs/{id}?log=shout");
    let pages =
        futures::future::join_all((0..4).map(|_| page(&http, &server, &run_page, &cookie))).await;
    for (status, _, body) in &pages {
        assert_eq!(*status, StatusCode::OK);
        assert!(body.contains(&format!("last line {}", LAST - 1)));
        assert_eq!(
            body.matches("last line ").count(),
            200,
            "the last 200 lines"
        );
    }
    // Two clients reading the whole log as it is, streamed from disk.
    let whole = futures::future::join_all((0..2).map(|_| {
        let (http, logs, key) = (http.clone(), logs.clone(), server.reader.clone());
        async move {
            let mut r = http.get(logs).bearer_auth(key).send().await.unwrap();
            assert_eq!(r.content_length(), Some(size));
            let mut got = 0u64;
            while let Some(chunk) = r.chunk().await.unwrap() {
                got += chunk.len() as u64;
            }
            got
        }
    }))
    .await;
    assert_eq!(whole, [size, size]);
    // Four whole-log searches at once, a read key's, each page within its
    // budget: the last line found at its number, past the 8 MB line.
    let search = server.url(&format!("/runs/{id}/logs/shout/search"));
    let found = futures::future::join_all((0..4).map(|_| {
        let (http, search, key) = (http.clone(), search.clone(), server.reader.clone());
        async move {
            let mut after = String::new();
            let mut hits = Vec::new();
            loop {
                let url = format!("{search}?q=last%20line%20{}{after}", LAST - 1);
                let (status, body) = super::serve::get(&http, &url, &key).await;
                assert_eq!(status, StatusCode::OK, "{body}");
                hits.extend(body["matches"].as_array().unwrap().iter().cloned());
                match body["next"].as_str() {
                    Some(n) => after = format!("&after={n}"),
                    None => return hits,
                }
            }
        }
    }))
    .await;
    let lines = (FILLER / FILLER_LINE.len()) as u64;
    for hits in &found {
        assert_eq!(hits.len(), 1, "{hits:?}");
        // The header, `first`, `second`, the filler, the huge line, then the last lines.
        assert_eq!(hits[0]["line"], 3 + lines + 1 + LAST as u64, "{hits:?}");
    }

    let peak = peak_rss_kib(pid);
    eprintln!(
        "serve_logs: log {} MB, peak RSS {} MiB before the reads, {} MiB after",
        size >> 20,
        before >> 10,
        peak >> 10
    );
    assert!(peak < 150 << 10, "peak RSS {} MiB", peak >> 10);
}

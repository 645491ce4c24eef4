//! A step's log of 200 MB read through `wfc serve` (issue 51): parallel
//! tails and pages of the API's log route, the whole log streamed, and
//! the dashboard's run page, with the server's peak RSS (`VmHWM`) staying
//! bounded, and the answers right.

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
    let log = server.path("state").join(format!("logs/{id}/shout.log"));
    let mut f =
        std::io::BufWriter::new(std::fs::OpenOptions::new().append(true).open(&log).unwrap());
    for _ in 0..FILLER / FILLER_LINE.len() {
        f.write_all(FILLER_LINE.as_bytes()).unwrap();
    }
    f.write_all(&vec![b'x'; HUGE_LINE]).unwrap();
    f.write_all(b"\n").unwrap();
    for i in 0..LAST {
        writeln!(f, "last line {i}").unwrap();
    }
    f.into_inner().unwrap().sync_all().unwrap();
    let size = std::fs::metadata(&log).unwrap().len();
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

    let peak = peak_rss_kib(pid);
    eprintln!(
        "serve_logs: log {} MB, peak RSS {} MiB before the reads, {} MiB after",
        size >> 20,
        before >> 10,
        peak >> 10
    );
    assert!(peak < 150 << 10, "peak RSS {} MiB", peak >> 10);
}

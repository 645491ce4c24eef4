//! Step logs in the database, written as a run writes them and read back
//! as the readers of files read them (on either backend).

use super::super::read::{self, Chain};
use super::super::{time_of, Headers, LogOutput, LogPaths, Source};
use super::*;
use crate::journal::tests::store;
use crate::testing::rows;
use std::io::Read;
use std::time::SystemTime;
use wfc_contract::{GraphName, LineOutput, StepKey, Stream};

/// A run's log output into chunks on `store`'s database, with its headers.
fn output(store: &crate::Store, dir: &std::path::Path) -> (LogOutput, Chunks, Headers) {
    let conn = store.reopen().unwrap().conn;
    let failure = LogFailure::default();
    let fence = Arc::new(crate::exclusive::Fence::new());
    let chunks = Chunks::new("r1", Arc::new(Mutex::new(conn)), fence, failure.clone());
    let headers = Headers::default();
    let out =
        LogOutput::new(dir, "r1", headers.clone(), failure, None).in_chunks(Some(chunks.clone()));
    (out, chunks, headers)
}

/// Sends what `chunks` holds in a transaction on `store`; `commit`: or
/// rolls it back, as a failed one is.
fn send(store: &crate::Store, chunks: &Chunks, commit: bool) {
    let tx = store.conn.write().unwrap();
    let sent = chunks.send_in(&tx).unwrap();
    if commit {
        tx.commit().unwrap();
        chunks.sent(sent);
    }
}

fn key(name: &str) -> StepKey {
    StepKey {
        graph: GraphName::Main,
        name: name.into(),
        kind: "shell",
    }
}

fn source(dir: &std::path::Path, log: &str) -> Source {
    Source::Chunks {
        dir: dir.to_path_buf(),
        run: "r1".into(),
        log: log.into(),
    }
}

#[test]
fn lines_sent_in_chunks_read_back_as_a_file_does() {
    let (dir, store) = store();
    let (out, chunks, headers) = output(&store, dir.path());
    let rel = LogPaths::new("r1").of(&key("a"));
    let sink = out.sink(&key("a"));
    headers.attempt(rel.clone(), 1, 1, SystemTime::UNIX_EPOCH);
    sink(Stream::Stdout, "hello");
    sink(Stream::Stderr, "oops");
    send(&store, &chunks, true);
    // A send whose transaction failed leaves its lines for the next.
    let later = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(60);
    headers.attempt(rel.clone(), 1, 2, later);
    sink(Stream::Stdout, "again");
    send(&store, &chunks, false);
    sink(Stream::Stderr, "worse");
    send(&store, &chunks, true);
    send(&store, &chunks, true);
    assert!(!dir.path().join(&rel).exists(), "no file is written");
    let text = "── attempt 1 · 1970-01-01T00:00:00.000Z ──\nhello\noops\n\
                ── attempt 1 (session 2, resumed) · 1970-01-01T00:01:00.000Z ──\nagain\nworse\n";
    let first = "── attempt 1 · 1970-01-01T00:00:00.000Z ──\nhello\noops\n".len();
    // Two rows, the second starting where the first ended.
    let got = rows(
        &store,
        "SELECT start, length(bytes), err FROM log_chunks WHERE run_id = 'r1' ORDER BY start",
        &[],
    )
    .unwrap();
    assert_eq!(got.len(), 2, "{got:?}");
    assert_eq!(got[1][0], crate::db::Value::Int(first as i64));
    assert_eq!(
        got[1][1],
        crate::db::Value::Int((text.len() - first) as i64)
    );
    // Read whole, a few bytes at a time (across the rows' border).
    let mut chain = Chain::open(&[source(dir.path(), &rel)]).unwrap();
    assert_eq!(chain.len(), text.len() as u64);
    let mut whole = Vec::new();
    let mut buf = [0u8; 7];
    loop {
        let n = chain.read(&mut buf).unwrap();
        if n == 0 {
            break;
        }
        whole.extend_from_slice(&buf[..n]);
    }
    assert_eq!(String::from_utf8(whole).unwrap(), text);
    // A page, its stderr lines and times, as `wfc logs` and the API read.
    let page = read::page(&mut chain, 0, 100, usize::MAX).unwrap();
    assert_eq!(super::super::stderr_lines(&chain, &page), ["oops", "worse"]);
    let tail = read::tail(&mut chain, 2, usize::MAX).unwrap();
    assert_eq!(tail.lines, ["again", "worse"]);
    // The lines of the second row came within a second of the first
    // row's mark: a page from there finds it in the row before.
    let marks = chain.times_in(tail.start, tail.end);
    assert_eq!(marks.len(), 1, "{marks:?}");
    assert!(marks[0].0 < first as u64, "{marks:?}");
    assert_eq!(time_of(&marks, tail.offsets[1]), Some(marks[0].1));
}

#[test]
fn a_step_that_prints_fast_sends_its_lines_itself() {
    let (dir, store) = store();
    let (out, _chunks, _) = output(&store, dir.path());
    let sink = out.sink(&key("big"));
    let line = "x".repeat(SHIP_AT / 4);
    for _ in 0..5 {
        sink(Stream::Stdout, &line);
    }
    // No fold sent them: the sink did, once the buffer held SHIP_AT.
    let rel = LogPaths::new("r1").of(&key("big"));
    let sent = length(&store.conn, "r1", &rel).unwrap();
    assert_eq!(sent, 4 * (line.len() as u64 + 1));
    // A range read gives what the page asks for, not the row.
    let mut buf = vec![0u8; 10];
    let n = read_at(&store.conn, "r1", &rel, 5, &mut buf).unwrap();
    assert_eq!((n, &buf[..]), (10, "xxxxxxxxxx".as_bytes()));
    assert_eq!(read_at(&store.conn, "r1", &rel, sent, &mut buf).unwrap(), 0);
    // Known to hold chunks; another log is not.
    assert!(holds(&store.conn, "r1", &rel).unwrap());
    assert!(!holds(&store.conn, "r1", "logs/r1/other.log").unwrap());
}

#[test]
fn a_source_is_the_file_when_there_is_one() {
    let (dir, store) = store();
    let rel = "logs/r1/a.log";
    let got = crate::logs::source(&store, "r1", rel);
    match store.dialect() {
        crate::db::Dialect::Sqlite => assert_eq!(got, Source::File(dir.path().join(rel))),
        _ => assert_eq!(got, source(dir.path(), rel)),
    }
    std::fs::create_dir_all(dir.path().join("logs/r1")).unwrap();
    std::fs::write(dir.path().join(rel), "old\n").unwrap();
    assert_eq!(
        crate::logs::source(&store, "r1", rel),
        Source::File(dir.path().join(rel))
    );
}

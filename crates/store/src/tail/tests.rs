//! [`RunTail`] on a store written by hand: a run resumed once, whose step
//! printed in both sessions into one log file; and a log bigger than a
//! poll reads.

use super::*;

const T1: i64 = 1_714_564_800_000;
const T2: i64 = T1 + 60_000;

/// The header of attempt 1 started at `ms`, in the session that was then
/// (the second one from `T2` on), as the store's log writer writes it.
fn header_at(ms: i64) -> String {
    let at = std::time::UNIX_EPOCH + std::time::Duration::from_millis(ms as u64);
    let session = if ms >= T2 { 2 } else { 1 };
    format!("{}\n", crate::logs::header(1, session, at))
}

/// The header as a wfc that did not name sessions wrote it.
fn old_header_at(ms: i64) -> String {
    let at = std::time::UNIX_EPOCH + std::time::Duration::from_millis(ms as u64);
    format!("── attempt 1 · {} ──\n", wfc_contract::time::timestamp(at))
}

/// A run that failed, was resumed, and succeeded; `a` printed `one`, then `two`.
fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = crate::test_store::open(dir.path());
    store
        .conn
        .execute_batch(
            "INSERT INTO runs (id, workflow, file, file_hash, params, status, jobs, steps, pid,
                           started_at, heartbeat_at, failed_step, failed_error)
         VALUES ('r', 'w', 'w.wf', 'h', '{}', 'succeeded', 1, 1, 1, 0, 0, NULL, NULL);
         INSERT INTO steps (run_id, graph, name, kind, seq, status, attempts, log_path, error)
         VALUES ('r', 'main', 'a', 'shell', 0, 'succeeded', 1, 'logs/r/a.log', NULL);",
        )
        .unwrap();
    let events = [
        (T1, "run_started", None, "{}"),
        (T1, "attempt_started", Some("a"), r#"{"attempt":1}"#),
        (T1 + 1, "step_ended", Some("a"), r#"{"status":"failed"}"#),
        (T1 + 2, "run_ended", None, r#"{"status":"failed"}"#),
        (T2, "run_resumed", None, r#"{"session":2}"#),
        (T2, "attempt_started", Some("a"), r#"{"attempt":1}"#),
        (T2 + 1, "step_ended", Some("a"), r#"{"status":"succeeded"}"#),
        (T2 + 2, "run_ended", None, r#"{"status":"succeeded"}"#),
    ];
    for (at, kind, step, detail) in events {
        crate::record::add_event(&store.conn, "r", at, kind, step, Some(detail)).unwrap();
    }
    std::fs::create_dir_all(dir.path().join("logs/r")).unwrap();
    let log = format!("{}one\n{}two\n", header_at(T1), header_at(T2));
    std::fs::write(dir.path().join("logs/r/a.log"), log).unwrap();
    (dir, store)
}

fn shown(out: &[Out]) -> Vec<String> {
    out.iter()
        .map(|o| match o.event.as_str() {
            "log" => format!("log {}", o.data["line"].as_str().unwrap()),
            e => format!("{e} {}", o.data["status"].as_str().unwrap_or(""))
                .trim()
                .to_owned(),
        })
        .collect()
}

fn tail_from(store: &Store, id: &str) -> RunTail {
    let cursor = RunCursor::parse(id).unwrap();
    RunTail::new(store, "r".into(), cursor, true).unwrap()
}

#[test]
fn each_session_s_lines_come_between_its_step_s_start_and_end() {
    let (_dir, store) = store();
    let mut t = tail_from(&store, "0");
    let out = t.poll(&store).unwrap();
    assert_eq!(
        shown(&out),
        [
            "run_started",
            "step_started",
            "log one",
            "step_ended failed",
            "end failed",
            "run_resumed",
            "step_started",
            "log two",
            "step_ended succeeded",
            "end succeeded",
        ]
    );
    assert!(t.done, "the last end closes the stream");
    assert!(tail_from(&store, "8").done, "nothing after the last end");
    assert!(
        !tail_from(&store, "4").done,
        "a session came after this end"
    );
    assert!(t.poll(&store).unwrap().is_empty());
    // Every id goes on with exactly what came after it.
    for (i, o) in out.iter().enumerate() {
        let rest = tail_from(&store, &o.id).poll(&store).unwrap();
        assert_eq!(shown(&rest), shown(&out[i + 1..]), "after {}", o.id);
    }
}

#[test]
fn lines_kept_as_chunks_come_as_a_file_s_do() {
    let (dir, store) = store();
    std::fs::remove_file(dir.path().join("logs/r/a.log")).unwrap();
    let one = format!("{}one\n", header_at(T1));
    let two = format!("{}two\n", header_at(T2));
    for (start, bytes) in [(0, one.clone()), (one.len(), two)] {
        store
            .conn
            .execute(
                "INSERT INTO log_chunks (run_id, log, start, bytes) VALUES ('r', 'logs/r/a.log', ?1, ?2)",
                crate::params![start as i64, bytes.into_bytes()],
            )
            .unwrap();
    }
    let out = tail_from(&store, "0").poll(&store).unwrap();
    let logged: Vec<String> = shown(&out)
        .into_iter()
        .filter(|l| l.starts_with("log"))
        .collect();
    assert_eq!(logged, ["log one", "log two"]);
    for (i, o) in out.iter().enumerate() {
        let rest = tail_from(&store, &o.id).poll(&store).unwrap();
        assert_eq!(shown(&rest), shown(&out[i + 1..]), "after {}", o.id);
    }
}

#[test]
fn a_step_that_has_printed_nothing_yet_starts_after_what_is_there() {
    let (dir, store) = store();
    // The second session's attempt has not printed yet.
    std::fs::write(
        dir.path().join("logs/r/a.log"),
        format!("{}one\n", header_at(T1)),
    )
    .unwrap();
    let mut t = tail_from(&store, "6");
    let path = dir.path().join("logs/r/a.log");
    let mut log = std::fs::read_to_string(&path).unwrap();
    log.push_str(&format!("{}two\n", header_at(T2)));
    std::fs::write(&path, log).unwrap();
    assert_eq!(
        shown(&t.poll(&store).unwrap()),
        ["log two", "step_ended succeeded", "end succeeded"]
    );
}

#[test]
fn a_log_written_before_headers_named_sessions_reads_the_same() {
    let (dir, store) = store();
    let log = format!("{}one\n{}two\n", old_header_at(T1), old_header_at(T2));
    std::fs::write(dir.path().join("logs/r/a.log"), log).unwrap();
    let mut t = tail_from(&store, "0");
    let lines: Vec<String> = shown(&t.poll(&store).unwrap())
        .into_iter()
        .filter(|l| l.starts_with("log "))
        .collect();
    assert_eq!(lines, ["log one", "log two"]);
}

/// Polls `t` until it has nothing more to read at once; with the most
/// bytes of log lines one poll sent.
fn drain(t: &mut RunTail, store: &Store) -> (Vec<Out>, usize) {
    let (mut all, mut most) = (Vec::new(), 0);
    loop {
        let out = t.poll(store).unwrap();
        let bytes: usize = out
            .iter()
            .filter_map(|o| o.data["line"].as_str())
            .map(|l| l.len() + 1)
            .sum();
        most = most.max(bytes);
        all.extend(out);
        if !t.behind() {
            return (all, most);
        }
    }
}

/// A log of 4 MB (a line of 1 MB in it) goes out over many polls, none
/// reading more than its budget, every line once and in order, the
/// step's end after its last line; and from any id, exactly the rest.
#[test]
fn a_big_log_goes_out_a_budget_a_poll() {
    let (dir, store) = store();
    let line = |i: usize| format!("line {i:06} {}", "x".repeat(88));
    let mut log = header_at(T1);
    for i in 0..30_000 {
        log.push_str(&line(i));
        log.push('\n');
    }
    log.push_str(&"y".repeat(1 << 20));
    log.push_str("\nlast of one\n");
    log.push_str(&header_at(T2));
    log.push_str("two\n");
    std::fs::write(dir.path().join("logs/r/a.log"), &log).unwrap();

    let mut t = tail_from(&store, "0");
    let (all, most) = drain(&mut t, &store);
    assert!(t.done);
    // (A line begun in one poll's budget may end in the next one's.)
    let line_cap = crate::logs::read::LINE_CAP;
    assert!(
        most <= POLL_BYTES + line_cap,
        "a poll sent {most} bytes of log"
    );
    let text = shown(&all);
    let logs: Vec<&String> = text.iter().filter(|l| l.starts_with("log ")).collect();
    assert_eq!(logs.len(), 30_003);
    for (i, l) in logs.iter().take(30_000).enumerate() {
        assert_eq!(**l, format!("log {}", line(i)));
    }
    let cut = logs[30_000];
    assert!(
        cut.ends_with(&format!("[line of {} bytes cut]", 1 << 20)),
        "{}",
        &cut[cut.len() - 40..]
    );
    assert!(cut.len() < line_cap + 64);
    assert_eq!(&logs[30_001..], ["log last of one", "log two"]);
    let at = |what: &str| text.iter().position(|l| l == what).unwrap();
    assert!(at("log last of one") < at("step_ended failed"));
    assert!(at("step_ended failed") < at("log two"));
    // From ids here and there (the huge line's neighbours among them).
    let huge = all
        .iter()
        .position(|o| o.data["line"] == cut.trim_start_matches("log "))
        .unwrap();
    let picks = (0..all.len()).step_by(2_999).chain(huge - 1..huge + 2);
    for i in picks {
        let (rest, _) = drain(&mut tail_from(&store, &all[i].id), &store);
        assert_eq!(rest.len(), all.len() - i - 1, "after {}", all[i].id);
        assert_eq!(
            shown(&rest[..rest.len().min(3)]),
            text[i + 1..(i + 4).min(text.len())],
            "after {}",
            all[i].id
        );
    }
}

/// A run of many events is read [`ROWS`] a poll, every event once.
#[test]
fn many_events_go_out_a_few_hundred_a_poll() {
    let (_dir, store) = store();
    for i in 0..1_200 {
        let at = T2 + 10 + i;
        crate::record::add_event(&store.conn, "r", at, "step_skipped", None, Some("{}")).unwrap();
    }
    crate::record::add_event(&store.conn, "r", T2 + 2_000, "run_ended", None, Some("{}")).unwrap();
    let mut t = tail_from(&store, "0");
    let mut polls = Vec::new();
    loop {
        polls.push(t.poll(&store).unwrap().len());
        if !t.behind() {
            break;
        }
    }
    assert!(t.done);
    assert!(polls.iter().all(|n| *n <= ROWS + 2), "{polls:?}");
    assert_eq!(polls.iter().sum::<usize>(), 8 + 1_200 + 1 + 2, "{polls:?}");
}

/// A line the step printed that looks like an attempt's header, but of
/// no attempt and no later than the step's, is a line: it is sent, and
/// the lines after it too (it stopped the reading for good).
#[test]
fn a_printed_line_like_a_header_is_a_line() {
    let (dir, store) = store();
    let fake = old_header_at(T1 - 1_000);
    let log = format!("{}one\n{fake}after\n{}two\n", header_at(T1), header_at(T2));
    std::fs::write(dir.path().join("logs/r/a.log"), log).unwrap();
    let mut t = tail_from(&store, "0");
    let lines: Vec<String> = shown(&t.poll(&store).unwrap())
        .into_iter()
        .filter(|l| l.starts_with("log "))
        .collect();
    assert_eq!(
        lines,
        [
            "log one".to_owned(),
            format!("log {}", fake.trim_end()),
            "log after".to_owned(),
            "log two".to_owned()
        ]
    );
}

/// Each `log` event says which attempt printed its line: a step retried
/// within one session prints under attempt 1, then attempt 2.
#[test]
fn a_log_line_says_which_attempt_printed_it() {
    let dir = tempfile::tempdir().unwrap();
    let store = crate::test_store::open(dir.path());
    store
        .conn
        .execute_batch(
            "INSERT INTO runs (id, workflow, file, file_hash, params, status, jobs, steps, pid,
                           started_at, heartbeat_at, failed_step, failed_error)
         VALUES ('r', 'w', 'w.wf', 'h', '{}', 'succeeded', 1, 1, 1, 0, 0, NULL, NULL);
         INSERT INTO steps (run_id, graph, name, kind, seq, status, attempts, log_path, error)
         VALUES ('r', 'main', 'a', 'shell', 0, 'succeeded', 2, 'logs/r/a.log', NULL);",
        )
        .unwrap();
    let events = [
        (T1, "run_started", None, "{}"),
        (T1, "attempt_started", Some("a"), r#"{"attempt":1}"#),
        (T1 + 5, "attempt_started", Some("a"), r#"{"attempt":2}"#),
        (T1 + 9, "step_ended", Some("a"), r#"{"status":"succeeded"}"#),
        (T1 + 10, "run_ended", None, r#"{"status":"succeeded"}"#),
    ];
    for (at, kind, step, detail) in events {
        crate::record::add_event(&store.conn, "r", at, kind, step, Some(detail)).unwrap();
    }
    let header = |n: u32, ms: i64| {
        let at = std::time::UNIX_EPOCH + std::time::Duration::from_millis(ms as u64);
        format!("{}\n", crate::logs::header(n, 1, at))
    };
    std::fs::create_dir_all(dir.path().join("logs/r")).unwrap();
    let (h1, h2) = (header(1, T1), header(2, T1 + 5));
    let log = format!("{h1}first\n{h2}second\nthird\n");
    std::fs::write(dir.path().join("logs/r/a.log"), &log).unwrap();
    // `second` came from stderr: its start is in the log's `.err` file.
    let second = log.find("second").unwrap();
    std::fs::write(dir.path().join("logs/r/a.log.err"), format!("{second}\n")).unwrap();
    let out = tail_from(&store, "0").poll(&store).unwrap();
    let lines: Vec<(String, u64, String)> = out
        .iter()
        .filter(|o| o.event == "log")
        .map(|o| {
            (
                o.data["line"].as_str().unwrap().to_owned(),
                o.data["attempt"].as_u64().unwrap(),
                o.data["stream"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        lines,
        [
            ("first".to_owned(), 1, "stdout".to_owned()),
            ("second".to_owned(), 2, "stderr".to_owned()),
            ("third".to_owned(), 2, "stdout".to_owned())
        ]
    );
}

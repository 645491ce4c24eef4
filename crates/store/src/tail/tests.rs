//! [`RunTail`] on a store written by hand: a run resumed once, whose step
//! printed in both sessions into one log file.

use super::*;

const T1: i64 = 1_714_564_800_000;
const T2: i64 = T1 + 60_000;

fn header_at(ms: i64) -> String {
    let at = std::time::UNIX_EPOCH + std::time::Duration::from_millis(ms as u64);
    format!("── attempt 1 · {} ──\n", wfc_contract::time::timestamp(at))
}

/// A run that failed, was resumed, and succeeded; `a` printed `one`, then `two`.
fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
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

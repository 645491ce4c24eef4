use super::*;
use crate::store_recorder::{RunMeta, StoreRecorder};
use wfc_contract::{Recorder, RunInfo};

fn queued(id: &str) -> QueuedStart {
    QueuedStart {
        id: id.into(),
        workflow: "w".into(),
        file: "w.wf".into(),
        file_hash: "h".into(),
        params: r#"{"n":3}"#.into(),
        steps: 2,
        start: StartRows {
            trigger: Some(("api".into(), Some("mcp".into()), Some("ops".into()))),
            ..StartRows::default()
        },
        detail: r#"{"rerun":{"all":true,"steps":[]}}"#.into(),
    }
}

fn status(store: &Store, id: &str) -> String {
    store
        .conn
        .query_row("SELECT status FROM runs WHERE id = ?1", [id], |r| r.get(0))
        .unwrap()
}

fn queue_len(store: &Store) -> i64 {
    crate::sweep::queued(store).unwrap()
}

/// Starts `id` as a claimer does: a first session whose row was queued.
fn start(store: &Store, id: &str) -> Result<(), wfc_contract::RecordError> {
    let meta = RunMeta {
        file_hash: "h".into(),
        start: StartRows {
            queued: true,
            ..StartRows::default()
        },
        ..RunMeta::default()
    };
    let mut r = StoreRecorder::on(store.reopen().unwrap(), id, meta);
    r.run_started(&RunInfo {
        run_id: id.into(),
        workflow: "w".into(),
        file: "w.wf".into(),
        params: vec![("n".into(), serde_json::json!(3))],
        jobs: 4,
        steps: 2,
        started_at: std::time::SystemTime::now(),
    })
}

#[test]
fn a_queued_start_is_listed_then_started_once() {
    let dir = tempfile::tempdir().unwrap();
    let store = crate::test_store::open(dir.path());
    enqueue(&store, &queued("q1")).unwrap();
    assert_eq!(status(&store, "q1"), QUEUED);
    assert!(is_queued(&store, "q1").unwrap());
    assert_eq!(queue_len(&store), 1);
    // What the claimer reads: the row, its trigger, its options.
    let c = take(&store, "q1").unwrap().expect("queued");
    assert_eq!(
        (c.workflow.as_str(), c.params.as_str()),
        ("w", r#"{"n":3}"#)
    );
    assert_eq!(c.trigger, "api");
    assert_eq!(c.origin.as_deref(), Some("mcp"));
    assert_eq!(c.started_by.as_deref(), Some("ops"));
    assert!(c.detail.contains("rerun"), "{}", c.detail);

    start(&store, "q1").unwrap();
    assert_eq!(status(&store, "q1"), "running");
    assert_eq!(queue_len(&store), 0, "off the queue once started");
    assert!(take(&store, "q1").unwrap().is_none());
    // A second claimer's start records nothing.
    let again = start(&store, "q1").unwrap_err();
    assert!(again.0.contains("no longer queued"), "{}", again.0);
    // Its first session, once: one start event.
    let starts: i64 = store
        .conn
        .query_row(
            "SELECT COUNT(*) FROM events WHERE run_id = 'q1' AND kind = 'run_started'",
            (),
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(starts, 1);
    // Not a run that failed: the trigger stays the queued one's.
    assert_eq!(crate::listing::trigger(&store, "q1").unwrap(), "api");
}

#[test]
fn a_queued_start_no_server_took_ends_failed_saying_why() {
    let dir = tempfile::tempdir().unwrap();
    let store = crate::test_store::open(dir.path());
    enqueue(&store, &queued("old")).unwrap();
    enqueue(&store, &queued("new")).unwrap();
    store
        .conn
        .execute(
            "UPDATE run_queue SET at = at - 60000 WHERE run_id = 'old'",
            (),
        )
        .unwrap();
    assert_eq!(expire(&store, 30_000).unwrap(), vec!["old".to_owned()]);
    assert_eq!(status(&store, "old"), "failed");
    assert_eq!(status(&store, "new"), QUEUED);
    let why: String = store
        .conn
        .query_row("SELECT failed_error FROM runs WHERE id = 'old'", (), |r| {
            r.get(0)
        })
        .unwrap();
    assert!(why.contains("no server had room"), "{why}");
    // It cannot start after that, and failing it again does nothing.
    assert!(start(&store, "old").is_err());
    assert!(!fail(&store, "old", "again").unwrap());
    assert_eq!(queue_len(&store), 1);
}

#[test]
fn a_start_whose_id_is_taken_queues_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = crate::test_store::open(dir.path());
    enqueue(&store, &queued("q")).unwrap();
    assert!(enqueue(&store, &queued("q")).is_err());
    assert_eq!(queue_len(&store), 1);
}

#[test]
fn a_queued_start_cancelled_never_starts() {
    let dir = tempfile::tempdir().unwrap();
    let store = crate::test_store::open(dir.path());
    enqueue(&store, &queued("c")).unwrap();
    assert!(cancel(&store, "c").unwrap());
    assert_eq!(status(&store, "c"), "cancelled");
    assert_eq!(queue_len(&store), 0);
    assert!(start(&store, "c").is_err(), "a claimer finds it gone");
    assert!(!cancel(&store, "c").unwrap(), "once");
}

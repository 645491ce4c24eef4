//! A recorder whose writes fail: the run's failure, told at once and kept
//! where the next reader of the store finds it.

use super::*;
use crate::{query, Store};
use std::time::Duration;

fn key(name: &str) -> StepKey {
    StepKey {
        graph: GraphName::Main,
        name: name.into(),
        kind: "shell",
    }
}

fn info(id: &str) -> RunInfo {
    RunInfo {
        run_id: id.into(),
        workflow: "w".into(),
        file: "w.wf".into(),
        params: Vec::new(),
        jobs: 1,
        steps: 2,
        started_at: SystemTime::now(),
    }
}

/// Step `name`: started and succeeded, in one turn each.
fn succeed(r: &mut StoreRecorder, name: &str) -> Result<(), RecordError> {
    let at = SystemTime::now();
    r.attempt_started(&key(name), 1, at);
    r.flush()?;
    r.attempt_ended(
        &key(name),
        &Attempt {
            number: 1,
            status: StepStatus::Succeeded,
            started_at: at,
            duration: Duration::from_millis(3),
            exit_code: Some(0),
            error: None,
            outputs: serde_json::Value::Null,
            usage: None,
        },
    );
    ended(r, name, at, serde_json::Value::Null);
    r.flush()
}

/// Step `name`, started at `at`, succeeded with `outputs`.
fn ended(r: &mut StoreRecorder, name: &str, at: SystemTime, outputs: serde_json::Value) {
    r.step_ended(
        &key(name),
        &StepEnd {
            status: StepStatus::Succeeded,
            attempts: 1,
            started_at: Some(at),
            duration: Duration::from_millis(3),
            exit_code: Some(0),
            error: None,
            outputs,
            optional: false,
        },
    );
}

fn end(status: RunStatus) -> RunEnd {
    RunEnd {
        status,
        duration: Duration::from_millis(10),
        ended_at: SystemTime::now(),
        failed: None,
    }
}

/// A store in a new folder, and a recorder of run `id` on it.
fn recorder(id: &str) -> (tempfile::TempDir, Store, StoreRecorder) {
    let dir = tempfile::tempdir().unwrap();
    let store = crate::test_store::open(dir.path());
    let r = StoreRecorder::new(&store, id, RunMeta::default()).unwrap();
    (dir, store, r)
}

/// The run as a reader sees it once its process is gone: its pid made one
/// no process has.
fn reaped(store: &Store, id: &str) -> query::RunDetail {
    store
        .conn
        .execute(
            "UPDATE runs SET pid = ?2 WHERE id = ?1",
            params![id, i32::MAX],
        )
        .unwrap();
    crate::control::reap(store).unwrap();
    query::detail(store, id).unwrap().unwrap()
}

#[test]
fn a_journal_that_cannot_be_written_fails_the_run_and_a_reaper_finds_it_failed() {
    let (_dir, store, mut r) = recorder("r1");
    r.run_started(&info("r1")).unwrap();
    succeed(&mut r, "a").unwrap();
    // From here every write of the journal fails, as on a full disk.
    r.journal.as_mut().unwrap().fail_appends();
    let e = succeed(&mut r, "b").unwrap_err();
    assert!(e.0.contains("No space left on device"), "{e}");
    // Said once, then every turn is refused: the journal keeps a prefix.
    assert_eq!(r.flush(), Err(e.clone()));
    // The process is killed before the run's end: the end slot tells.
    std::mem::forget(r);
    let d = reaped(&store, "r1");
    assert_eq!(d.run.status, "failed", "{d:?}");
    assert_eq!(d.run.failed_step.as_deref(), Some("wfc"));
    assert!(
        d.run
            .failed_error
            .as_deref()
            .is_some_and(|m| m.contains("No space left on device")),
        "{d:?}"
    );
    let statuses: Vec<(&str, &str)> = d
        .step_list
        .iter()
        .map(|s| (s.name.as_str(), s.status.as_str()))
        .collect();
    // `a` was recorded; `b`'s start was not (the scheduler stops a step
    // whose start could not be recorded): nothing claims it succeeded.
    assert_eq!(statuses, [("a", "succeeded")]);
}

#[test]
fn a_run_told_it_succeeded_after_its_record_failed_ends_failed() {
    let (_dir, store, mut r) = recorder("r2");
    r.run_started(&info("r2")).unwrap();
    r.journal.as_mut().unwrap().fail_appends();
    assert!(succeed(&mut r, "a").is_err());
    // The database takes the end, which says what failed.
    let e = r.run_ended(&end(RunStatus::Succeeded)).unwrap_err();
    assert!(e.0.contains("No space left on device"), "{e}");
    drop(r);
    let d = query::detail(&store, "r2").unwrap().unwrap();
    assert_eq!(d.run.status, "failed", "{d:?}");
}

#[test]
fn an_end_the_database_cannot_take_is_kept_in_the_end_slot_and_applied_later() {
    let (dir, store, mut r) = recorder("r3");
    r.run_started(&info("r3")).unwrap();
    succeed(&mut r, "a").unwrap();
    succeed(&mut r, "b").unwrap();
    // The database refuses every write (as a full disk refuses its pages).
    crate::test_store::refuse_writes(&r.conn.lock());
    // The run's end is durable in the slot: it may report its success.
    r.run_ended(&end(RunStatus::Succeeded)).unwrap();
    assert!(dir.path().join("journal/r3.end").exists());
    drop(r);
    // Its process is alive (this one), yet its end is known: applied.
    crate::control::reap(&store).unwrap();
    let d = query::detail(&store, "r3").unwrap().unwrap();
    assert_eq!(d.run.status, "succeeded", "{d:?}");
    let statuses: Vec<&str> = d.step_list.iter().map(|s| s.status.as_str()).collect();
    assert_eq!(statuses, ["succeeded", "succeeded"]);
    assert!(!dir.path().join("journal/r3.end").exists());
    assert!(!dir.path().join("journal/r3.wfj").exists());
}

#[test]
fn a_start_that_cannot_be_recorded_records_nothing() {
    let (dir, store, mut r) = recorder("r4");
    std::fs::create_dir_all(dir.path().join("journal")).unwrap();
    crate::test_store::refuse_writes(&r.conn.lock());
    let e = r.run_started(&info("r4")).unwrap_err();
    assert!(e.0.contains("the run store"), "{e}");
    assert!(query::run(&store, "r4").unwrap().is_none());
    assert!(!dir.path().join("journal/r4.wfj").exists());
    assert!(!dir.path().join("journal/r4.end").exists());
}

#[test]
fn a_second_session_of_a_running_run_is_refused() {
    let (_dir, store, mut r) = recorder("r5");
    r.run_started(&info("r5")).unwrap();
    let mut again = StoreRecorder::resuming(&store, "r5", RunMeta::default()).unwrap();
    let e = again.run_started(&info("r5")).unwrap_err();
    assert!(e.0.contains("is running already"), "{e}");
    r.run_ended(&end(RunStatus::Failed)).unwrap();
}

#[test]
fn one_steps_outputs_are_read_as_the_run_detail_has_them() {
    let (_dir, store, mut r) = recorder("r4");
    r.run_started(&info("r4")).unwrap();
    let at = SystemTime::now();
    r.attempt_started(&key("a"), 1, at);
    r.flush().unwrap();
    let outputs = serde_json::json!({"stdout": "one\ntwo", "exit_code": 0});
    ended(&mut r, "a", at, outputs.clone());
    r.flush().unwrap();
    r.run_ended(&end(RunStatus::Succeeded)).unwrap();
    let d = query::detail(&store, "r4").unwrap().unwrap();
    let listed = &d.step_list.iter().find(|s| s.name == "a").unwrap().outputs;
    assert_eq!(listed, &outputs);
    let one = query::step_outputs(&store, "r4", "a").unwrap();
    assert_eq!(one.as_ref(), Some(listed));
    assert_eq!(query::step_outputs(&store, "r4", "b").unwrap(), None);
    assert_eq!(query::step_outputs(&store, "other", "a").unwrap(), None);
}

/// What each attempt used is kept with it; its step shows the CPU time of
/// them all and the largest peak; a peak or a usage not known is none.
#[test]
fn what_attempts_used_is_kept_and_summed_per_step() {
    let (_dir, store, mut r) = recorder("r5");
    r.run_started(&info("r5")).unwrap();
    let at = SystemTime::now();
    let used = |ms: u64, mib: u64| wfc_contract::Usage {
        cpu: Duration::from_millis(ms),
        peak_memory: (mib > 0).then_some(mib << 20),
    };
    for (n, usage) in [
        (1, Some(used(1500, 40))),
        (2, Some(used(250, 0))),
        (3, None),
    ] {
        r.attempt_started(&key("a"), n, at);
        r.attempt_ended(
            &key("a"),
            &Attempt {
                number: n,
                status: StepStatus::Failed,
                started_at: at,
                duration: Duration::from_millis(3),
                exit_code: Some(1),
                error: Some("no".into()),
                outputs: serde_json::Value::Null,
                usage,
            },
        );
        r.flush().unwrap();
    }
    ended(&mut r, "a", at, serde_json::Value::Null);
    r.run_ended(&end(RunStatus::Succeeded)).unwrap();
    let d = query::detail(&store, "r5").unwrap().unwrap();
    let s = &d.step_list[0];
    assert_eq!(
        (s.cpu_seconds, s.peak_memory_bytes),
        (Some(1.75), Some(40 << 20))
    );
    let each: Vec<_> = s
        .attempt_log
        .iter()
        .map(|a| (a.cpu_seconds, a.peak_memory_bytes))
        .collect();
    assert_eq!(
        each,
        [
            (Some(1.5), Some(40 << 20)),
            (Some(0.25), None),
            (None, None)
        ]
    );
}

/// A session's start event says where the session stands among all
/// (`listed`), read by its own insert: the same text it always had.
#[test]
fn a_sessions_start_event_holds_its_listed_number() {
    let (_dir, store, mut r) = recorder("r6");
    let mut run = info("r6");
    run.file = "dir/a \"quoted\" w.wf".into();
    r.run_started(&run).unwrap();
    r.run_ended(&end(RunStatus::Failed)).unwrap();
    let mut again = StoreRecorder::resuming(&store, "r6", RunMeta::default()).unwrap();
    again.run_started(&run).unwrap();
    again.run_ended(&end(RunStatus::Succeeded)).unwrap();
    let listed: Vec<i64> =
        crate::testing::rows(&store, "SELECT listed FROM runs WHERE id = 'r6'", &[])
            .unwrap()
            .iter()
            .map(|r| r[0].int().unwrap())
            .collect();
    let details: Vec<(String, String)> = crate::testing::rows(
        &store,
        "SELECT kind, detail FROM events WHERE run_id = 'r6' AND kind LIKE 'run_%' ORDER BY seq",
        &[],
    )
    .unwrap()
    .iter()
    .map(|r| {
        (
            r[0].text().unwrap().to_owned(),
            r[1].text().unwrap().to_owned(),
        )
    })
    .collect();
    let pid = std::process::id();
    let want = [
        (
            "run_started",
            json!({ "pid": pid, "file": run.file, "listed": listed[0] - 1 }),
        ),
        ("run_ended", json!({ "status": "failed" })),
        (
            "run_resumed",
            json!({ "pid": pid, "session": 2, "listed": listed[0] }),
        ),
        ("run_ended", json!({ "status": "succeeded" })),
    ]
    .map(|(k, d)| (k.to_owned(), d.to_string()));
    assert_eq!(details, want);
}

#[test]
fn a_session_another_process_took_over_records_nothing_more_and_no_end() {
    let (dir, store, mut r) = recorder("r9");
    r.run_started(&info("r9")).unwrap();
    succeed(&mut r, "a").unwrap();
    assert!(r.connection().fold("r9").unwrap() > 0);
    // Another process resumes the run: its session moves on.
    store
        .conn
        .execute("UPDATE runs SET session = 2 WHERE id = 'r9'", ())
        .unwrap();
    succeed(&mut r, "b").unwrap();
    // A reader folds no turn of a journal another session wrote.
    assert_eq!(crate::journal::fold(&store.conn, "r9").unwrap(), 0);
    let e = r.connection().fold("r9").unwrap_err();
    assert!(
        e.to_string().starts_with("E0607: run r9 is in session 2"),
        "{e}"
    );
    let e = r.run_ended(&end(RunStatus::Succeeded)).unwrap_err();
    assert!(e.0.starts_with("E0607"), "{e}");
    let d = query::detail(&store, "r9").unwrap().unwrap();
    assert_eq!(d.run.status, "running", "not ended by the old session");
    let names: Vec<&str> = d.step_list.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["a"], "b was never folded: {d:?}");
    // An end slot the old session left is not the run's end either.
    let slot = End {
        status: "succeeded".into(),
        at: now_ms(),
        duration_ms: 5,
        failed_step: None,
        failed_error: None,
        final_: true,
        session: Some(1),
        owner: None,
    };
    std::fs::create_dir_all(dir.path().join("journal")).unwrap();
    Journal::create(dir.path().join("journal/r9.wfj"))
        .unwrap()
        .write_end(&slot)
        .unwrap();
    crate::control::reap(&store).unwrap();
    let d = query::detail(&store, "r9").unwrap().unwrap();
    assert_eq!(d.run.status, "running", "{d:?}");
    // A server's settling neither: it drops the stale journal.
    assert!(crate::control::settle(&store).unwrap().is_empty());
    assert_eq!(End::read(&store.conn, "r9"), None);
    assert_eq!(
        query::detail(&store, "r9").unwrap().unwrap().run.status,
        "running"
    );
}

#[test]
fn an_end_the_database_could_not_take_is_settled_once_it_can() {
    let (dir, store, mut r) = recorder("r7");
    r.run_started(&info("r7")).unwrap();
    succeed(&mut r, "a").unwrap();
    r.flush().unwrap();
    // As run_ended leaves it when its transaction fails: the final slot.
    let slot = End {
        status: "succeeded".into(),
        at: now_ms(),
        duration_ms: 7,
        failed_step: None,
        failed_error: None,
        final_: true,
        session: Some(1),
        owner: None,
    };
    let j = r.journal.take().unwrap();
    j.write_end(&slot).unwrap();
    drop(r);
    assert!(dir.path().join("journal/r7.end").exists());
    assert_eq!(crate::control::settle(&store).unwrap(), ["r7"]);
    let d = query::detail(&store, "r7").unwrap().unwrap();
    assert_eq!(d.run.status, "succeeded", "{d:?}");
    assert_eq!(d.step_list.len(), 1, "the journal folded in first: {d:?}");
    assert!(!dir.path().join("journal/r7.end").exists());
    assert!(crate::control::settle(&store).unwrap().is_empty(), "once");
}

#[test]
fn a_run_under_a_lease_this_process_no_longer_holds_writes_nothing_more() {
    let (_dir, store, mut r) = recorder("r8");
    r.run_started(&info("r8")).unwrap();
    succeed(&mut r, "a").unwrap();
    // As if it had started under lease `gone`, which this process lost.
    r.conn.fence = Arc::new(crate::exclusive::Fence::owned_by("gone", 1));
    let e = r.connection().fold("r8").unwrap_err();
    assert!(
        e.to_string()
            .starts_with("E0607: run r8 ran under this server's lease gone"),
        "{e}"
    );
    let e = r.run_ended(&end(RunStatus::Succeeded)).unwrap_err();
    assert!(e.0.starts_with("E0607"), "{e}");
    let d = query::detail(&store, "r8").unwrap().unwrap();
    assert_eq!(d.run.status, "running", "no end from a lost lease");
    assert!(d.step_list.is_empty(), "nothing folded: {d:?}");
    // Nor an end slot for a reader to apply: the run is the sweep's.
    assert_eq!(End::read(&store.conn, "r8"), None);
}

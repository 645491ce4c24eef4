//! The run store through its library API: migrations (from an empty
//! directory and from a store of version 6), the recorder and the queries on known
//! data (history, status, stats, history estimates), crash reaping,
//! approvals, and several writers sharing one store.

use serde_json::json;
use std::time::{Duration, SystemTime};
use wfc_contract::{
    Attempt, GraphName, Recorder, RunEnd, RunInfo, RunStatus, StepEnd, StepKey, StepStatus,
};
use wfc_store::store_recorder::{RunMeta, StoreRecorder};
use wfc_store::testing::{self, Value};
use wfc_store::{control, query, schema, stats, HistoryEstimator, Store};

fn key(name: &str) -> StepKey {
    StepKey {
        graph: GraphName::Main,
        name: name.into(),
        kind: "shell",
    }
}

fn info(id: &str, workflow: &str, at: SystemTime) -> RunInfo {
    RunInfo {
        run_id: id.into(),
        workflow: workflow.into(),
        file: format!("{workflow}.wf"),
        params: vec![
            ("env".into(), json!("prod")),
            ("token".into(), json!("***")),
        ],
        jobs: 2,
        steps: 3,
        started_at: at,
    }
}

/// Records one step with the given attempt outcomes (durations in ms).
fn step(r: &mut StoreRecorder, name: &str, at: SystemTime, attempts: &[(StepStatus, u64)]) {
    let k = key(name);
    let mut t = at;
    for (i, (status, ms)) in attempts.iter().enumerate() {
        let n = i as u32 + 1;
        r.attempt_started(&k, n, t);
        r.attempt_ended(
            &k,
            &Attempt {
                number: n,
                status: *status,
                started_at: t,
                duration: Duration::from_millis(*ms),
                exit_code: Some(i64::from(*status != StepStatus::Succeeded)),
                error: (*status != StepStatus::Succeeded).then(|| "boom".into()),
                outputs: json!({ "n": n }),
                usage: None,
            },
        );
        t += Duration::from_millis(*ms);
    }
    let (last, ms) = *attempts.last().unwrap();
    r.step_ended(
        &k,
        &StepEnd {
            status: last,
            attempts: attempts.len() as u32,
            started_at: Some(at),
            duration: Duration::from_millis(ms),
            exit_code: Some(0),
            error: None,
            outputs: json!({ "n": attempts.len() }),
            optional: false,
        },
    );
    // The scheduler flushes once per turn of its loop.
    r.flush().unwrap();
}

/// Five runs of `deploy` with known figures:
/// - `build`: 100, 200, 300, 400, 500 ms, always first time;
/// - `test`: succeeds after one failed attempt in runs 2 and 4 (retries 2);
/// - `ship`: fails in run 5 (the run fails there).
fn known_history(store: &Store) {
    let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    for i in 0..5u64 {
        let id = format!("run-{i}");
        let at = t0 + Duration::from_secs(i * 60);
        let mut r = StoreRecorder::new(store, &id, RunMeta::default()).unwrap();
        r.run_started(&info(&id, "deploy", at)).unwrap();
        step(
            &mut r,
            "build",
            at,
            &[(StepStatus::Succeeded, 100 * (i + 1))],
        );
        let test: &[(StepStatus, u64)] = if i == 1 || i == 3 {
            &[(StepStatus::Failed, 50), (StepStatus::Succeeded, 1000)]
        } else {
            &[(StepStatus::Succeeded, 1000)]
        };
        step(&mut r, "test", at, test);
        let ship = if i == 4 {
            StepStatus::Failed
        } else {
            StepStatus::Succeeded
        };
        step(&mut r, "ship", at, &[(ship, 10)]);
        let status = if i == 4 {
            RunStatus::Failed
        } else {
            RunStatus::Succeeded
        };
        r.run_ended(&RunEnd {
            status,
            duration: Duration::from_millis(2000 + i * 100),
            ended_at: at + Duration::from_secs(2),
            failed: (i == 4).then(|| ("ship".into(), "boom".into())),
        })
        .unwrap();
    }
}

/// The first column of the first row of `sql` in the store (`Null`: none).
fn one(store: &Store, sql: &str, params: &[Value]) -> Value {
    testing::one(store, sql, params).unwrap()
}

/// The store's schema version.
fn version(store: &Store) -> i64 {
    one(store, "PRAGMA user_version", &[]).int().unwrap()
}

#[test]
fn migrates_an_empty_directory() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested/state");
    let store = Store::open(&path).unwrap();
    assert_eq!(version(&store), schema::VERSION);
    assert!(path.join("runs.db").exists());
    // Opening again is a no-op.
    drop(store);
    let store = Store::open(&path).unwrap();
    assert_eq!(version(&store), schema::VERSION);
}

/// A store older than version 6 is refused, saying what to do, and left
/// as it is.
#[test]
fn a_store_older_than_v6_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("runs.db");
    // Raw SQLite: an old-schema file, made before any store opens it.
    {
        let c = rusqlite::Connection::open(&db).unwrap();
        c.execute_batch("CREATE TABLE runs (id TEXT PRIMARY KEY); PRAGMA user_version = 5;")
            .unwrap();
    }
    let e = Store::open_existing(dir.path()).unwrap_err().to_string();
    assert!(
        e.contains("runs.db: the run store was made by an older wfc (schema version 5)"),
        "{e}"
    );
    assert!(e.contains("move the state directory away"), "{e}");
    // Raw SQLite: `Store::open` refuses this file.
    let c = rusqlite::Connection::open(&db).unwrap();
    assert_eq!(schema::version(&c).unwrap(), 5);
}

/// A store of version 6 keeps its runs, with every attempt and event a row
/// of its own, and a migrated run resumes.
#[test]
fn migrates_a_v6_store() {
    let dir = tempfile::tempdir().unwrap();
    // Raw SQLite: the v6 file is made before the store opens (migrates) it.
    {
        let c = rusqlite::Connection::open(dir.path().join("runs.db")).unwrap();
        c.execute_batch(include_str!("../../store/v6/runs.sql"))
            .unwrap();
    }
    let store = Store::open(dir.path()).unwrap();
    assert_eq!(version(&store), schema::VERSION);
    let runs = query::history(&store, None, 10).unwrap();
    assert_eq!(runs.len(), 5);
    // `build` succeeded at its only attempt: version 6 had no row for it.
    let id = "20261124-010203-33ee";
    let sql = "SELECT COUNT(*) FROM attempts WHERE run_id = $1 AND step = 'build'";
    assert_eq!(one(&store, sql, &[id.into()]).int(), Some(1));
    let d = query::detail(&store, id).unwrap().unwrap();
    let flaky = d.step_list.iter().find(|s| s.name == "flaky").unwrap();
    let statuses: Vec<&str> = flaky
        .attempt_log
        .iter()
        .map(|a| a.status.as_str())
        .collect();
    assert_eq!(statuses, ["failed", "succeeded"]);
    // Each event a row, numbered 1, 2, … in order (two sessions' worth).
    let resumed = "20261124-010157-d3e1";
    let sql = "SELECT COUNT(*), MAX(seq) FROM events WHERE run_id = $1";
    let row = testing::row(&store, sql, &[resumed.into()])
        .unwrap()
        .unwrap();
    assert_eq!((row[0].int(), row[1].int()), (Some(34), Some(34)));
    let kinds: Vec<String> = query::events(&store, resumed)
        .unwrap()
        .into_iter()
        .map(|e| e.kind)
        .collect();
    assert_eq!(kinds.first().map(String::as_str), Some("run_started"));
    assert!(kinds.contains(&"run_resumed".to_owned()));
    assert_eq!(kinds.last().map(String::as_str), Some("run_ended"));
    assert_eq!(
        control::decision(&store, id, "ship").unwrap(),
        Some(wfc_contract::GateDecision::approved("alice"))
    );
    // A resumed session of a migrated run.
    let r = StoreRecorder::resuming(&store, "20261124-010157-b436", RunMeta::default()).unwrap();
    assert_eq!(r.session(), 2);
}

#[test]
fn history_status_and_stats_on_known_data() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    known_history(&store);

    let h = query::history(&store, Some("deploy"), 3).unwrap();
    let ids: Vec<&str> = h.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, ["run-4", "run-3", "run-2"], "newest first, limited");
    assert_eq!(h[0].status, "failed");
    assert_eq!(h[0].failed_step.as_deref(), Some("ship"));
    assert_eq!(h[0].duration_seconds, 2.4);
    assert_eq!(h[0].params, json!({ "env": "prod", "token": "***" }));
    assert!(query::history(&store, Some("other"), 3).unwrap().is_empty());

    let d = query::detail(&store, "run-1").unwrap().unwrap();
    let test = d.step_list.iter().find(|s| s.name == "test").unwrap();
    assert_eq!(test.status, "succeeded");
    assert_eq!(test.attempts, 2);
    assert_eq!(test.attempt_log[0].status, "failed");
    assert_eq!(test.attempt_log[0].error.as_deref(), Some("boom"));
    assert_eq!(test.log.as_deref(), Some("logs/run-1/test.log"));

    let all = stats::stats(&store, None, None).unwrap();
    assert_eq!(all.len(), 1);
    let s = &all[0];
    assert_eq!((s.runs, s.succeeded, s.failed), (5, 4, 1));
    assert_eq!(s.success_rate, Some(0.8));
    // Successful runs: 2.0, 2.1, 2.2, 2.3 s.
    assert_eq!(s.p50_seconds, Some(2.1));
    assert_eq!(s.p95_seconds, Some(2.3));
    let build = s.steps.iter().find(|x| x.name == "build").unwrap();
    assert_eq!((build.runs, build.succeeded, build.retries), (5, 5, 0));
    assert_eq!(build.p50_seconds, Some(0.3));
    assert_eq!(build.p95_seconds, Some(0.5));
    let test = s.steps.iter().find(|x| x.name == "test").unwrap();
    assert_eq!((test.retries, test.flaky_runs), (2, 2));
    let ship = s.steps.iter().find(|x| x.name == "ship").unwrap();
    assert_eq!(ship.success_rate, 0.8);
    assert_eq!(s.flakiest, ["test", "ship"]);
    assert_eq!(s.slowest[0], "test", "5 s of 6.55 s of step time");
    assert!((test.time_share - 5.0 / 6.55).abs() < 1e-9);
    // Only the 2 most recent runs.
    let recent = stats::stats(&store, Some("deploy"), Some(2)).unwrap();
    assert_eq!(recent[0].runs, 2);

    let est = HistoryEstimator::load(&store, "deploy", None).unwrap();
    assert_eq!(est.len(), 3, "build, test and ship have successes");
}

#[test]
fn history_estimates_feed_the_plan() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    known_history(&store);
    let src = "workflow deploy {\n  step build: shell { run \"make\" estimate 1m }\n  step lint: shell { run \"lint\" estimate 5s }\n}\n";
    let a = wfc_language::analysis::analyze("deploy.wf", src);
    let wf = a.module.expect("checks").into_first().ir;
    let est = wfc_store::history_estimator::from_store(dir.path(), "deploy", None).unwrap();
    let plan = wfc_plan::plan(
        &wf,
        &wfc_plan::ParamInput::default(),
        wfc_plan::Options { jobs: Some(1) },
        &est,
    )
    .unwrap();
    let build = &plan.main.steps[plan.main.named("build").unwrap()];
    assert_eq!(build.estimate.ms, 300, "the median of 100..500");
    assert_eq!(build.estimate.source, wfc_plan::EstimateSource::History);
    let lint = &plan.main.steps[plan.main.named("lint").unwrap()];
    assert_eq!(lint.estimate.source, wfc_plan::EstimateSource::Declared);
}

/// Each run's first session packs its successful main-graph durations into
/// one `durations` row; the estimates from those rows are the ones its
/// `steps` rows give. A resumed session deletes the row: it does not see
/// the earlier sessions' steps end.
#[test]
fn packed_durations_give_the_estimates_the_steps_rows_give() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    known_history(&store);
    let rows = |store: &Store| -> i64 {
        one(store, "SELECT COUNT(*) FROM durations", &[])
            .int()
            .unwrap()
    };
    assert_eq!(rows(&store), 5);
    let medians = |store: &Store| {
        let h = HistoryEstimator::load(store, "deploy", None).unwrap();
        ["build", "test", "ship"].map(|s| h.median(s))
    };
    let packed = medians(&store);
    assert_eq!(packed, [Some(300), Some(1000), Some(10)]);
    testing::execute(&store, "DELETE FROM durations", &[]).unwrap();
    assert_eq!(medians(&store), packed);

    let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_001_000);
    let mut r = StoreRecorder::new(&store, "again", RunMeta::default()).unwrap();
    r.run_started(&info("again", "deploy", t0)).unwrap();
    step(&mut r, "build", t0, &[(StepStatus::Succeeded, 50)]);
    r.run_ended(&RunEnd {
        status: RunStatus::Failed,
        duration: Duration::from_millis(100),
        ended_at: t0,
        failed: Some(("ship".into(), "boom".into())),
    })
    .unwrap();
    drop(r);
    assert_eq!(rows(&store), 1);
    let mut r = StoreRecorder::resuming(&store, "again", RunMeta::default()).unwrap();
    r.run_started(&info("again", "deploy", t0 + Duration::from_secs(5)))
        .unwrap();
    assert_eq!(rows(&store), 0, "a resumed session forgets the run's row");
    step(&mut r, "verify", t0, &[(StepStatus::Succeeded, 7)]);
    r.run_ended(&RunEnd {
        status: RunStatus::Succeeded,
        duration: Duration::from_millis(100),
        ended_at: t0 + Duration::from_secs(6),
        failed: None,
    })
    .unwrap();
    drop(r);
    assert_eq!(rows(&store), 0, "nor does its end write one");
    // Read from its `steps` rows: both sessions' steps count.
    let h = HistoryEstimator::load(&store, "deploy", None).unwrap();
    assert_eq!(h.median("build"), Some(250), "50 and 100..=500");
    assert_eq!(h.median("verify"), Some(7), "the second session's");
}

/// `wfc run` takes the history after compiling (`Plan::reestimate`), once
/// the IR is gone: the plan is the one compiling with it would give.
#[test]
fn history_taken_after_compiling_gives_the_same_plan() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    known_history(&store);
    // `build` is short by its declaration, long by its history: the
    // critical path moves from `lint` to `build` with the history.
    let src = "workflow deploy {\n  step build: shell { run \"make\" estimate 10ms }\n  step lint: shell { run \"lint\" estimate 200ms }\n  step ship: shell { run \"ship\" depends on build, lint\n    on failure rollback { step undo_ship: shell { run \"undo\" } } }\n  finally { step tidy: shell { run \"tidy\" } }\n}\n";
    let a = wfc_language::analysis::analyze("deploy.wf", src);
    let wf = a.module.expect("checks").into_first().ir;
    let est = wfc_store::history_estimator::from_store(dir.path(), "deploy", None).unwrap();
    let compile = |e: &dyn wfc_plan::Estimator| {
        wfc_plan::plan(
            &wf,
            &wfc_plan::ParamInput::default(),
            wfc_plan::Options { jobs: Some(1) },
            e,
        )
        .unwrap()
    };
    let with = compile(&est);
    let mut later = compile(&wfc_plan::DefaultEstimator);
    let before = later.schedule.critical_path.clone();
    later.reestimate(&|name| est.median(name));
    let json = |p: &wfc_plan::Plan| wfc_plan::render::json::render(p, &wf, None);
    assert_eq!(json(&later), json(&with));
    assert_ne!(later.schedule.critical_path, before);
    let build = later.main.named("build").unwrap();
    assert_eq!(later.schedule.critical_path[0], build);
}

#[test]
fn a_dead_process_run_is_reaped_as_interrupted() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let mut r = StoreRecorder::new(&store, "crashed", RunMeta::default()).unwrap();
    r.run_started(&info("crashed", "w", SystemTime::now()))
        .unwrap();
    step(
        &mut r,
        "a",
        SystemTime::now(),
        &[(StepStatus::Succeeded, 5)],
    );
    r.attempt_started(&key("b"), 1, SystemTime::now());
    r.waiting(&key("b"), "retrying in 1.0s");
    // The scheduler flushes before it waits.
    r.flush().unwrap();
    // Pretend the run belongs to a process that has exited.
    let mut child = std::process::Command::new("true").spawn().unwrap();
    let dead = child.id();
    child.wait().unwrap();
    testing::execute(
        &store,
        "UPDATE runs SET pid = $1",
        &[i64::from(dead).into()],
    )
    .unwrap();
    assert_eq!(control::reap(&store).unwrap(), ["crashed"]);
    let d = query::detail(&store, "crashed").unwrap().unwrap();
    assert_eq!(d.run.status, "interrupted");
    let b = d.step_list.iter().find(|s| s.name == "b").unwrap();
    assert_eq!(b.status, "interrupted");
    assert_eq!(b.attempt_log[0].status, "interrupted");
    assert_eq!(d.step_list[0].status, "succeeded");
    // Idempotent; and a live run (this process) is left alone.
    assert!(control::reap(&store).unwrap().is_empty());
    let mut live = StoreRecorder::new(&store, "live", RunMeta::default()).unwrap();
    live.run_started(&info("live", "w", SystemTime::now()))
        .unwrap();
    assert!(control::reap(&store).unwrap().is_empty());
    let ok = one(&store, "PRAGMA integrity_check", &[]);
    assert_eq!(ok.text(), Some("ok"));
}

#[test]
fn run_ids_resolve_by_prefix_and_last() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    known_history(&store);
    assert_eq!(control::find_run(&store, "run-3").unwrap(), "run-3");
    assert_eq!(control::find_run(&store, "last").unwrap(), "run-4");
    assert!(control::find_run(&store, "run-")
        .unwrap_err()
        .contains("several"));
    assert!(control::find_run(&store, "nope")
        .unwrap_err()
        .contains("no run"));
}

#[test]
fn several_writers_share_one_store() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let path = dir.path().to_path_buf();
            std::thread::spawn(move || {
                let store = Store::open(&path).unwrap();
                let id = format!("par-{t}");
                let mut r = StoreRecorder::new(&store, &id, RunMeta::default()).unwrap();
                r.run_started(&info(&id, "par", SystemTime::now())).unwrap();
                for i in 0..100 {
                    step(
                        &mut r,
                        &format!("s{i}"),
                        SystemTime::now(),
                        &[(StepStatus::Succeeded, 1)],
                    );
                }
                r.run_ended(&RunEnd {
                    status: RunStatus::Succeeded,
                    duration: Duration::from_millis(5),
                    ended_at: SystemTime::now(),
                    failed: None,
                })
                .unwrap();
                // A reader in the middle of it all.
                query::history(&store, None, 10).unwrap().len()
            })
        })
        .collect();
    for t in threads {
        assert!(t.join().unwrap() >= 1);
    }
    let n = one(
        &store,
        "SELECT COUNT(*) FROM steps WHERE status = 'succeeded'",
        &[],
    );
    assert_eq!(n.int(), Some(400));
    let s = stats::stats(&store, Some("par"), None).unwrap();
    assert_eq!(s[0].succeeded, 4);
}

#[test]
fn approvals_are_checked_and_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let plan = json!({ "steps": [
        { "name": "build", "kind": "shell", "fp": "1", "def": {} },
        { "name": "approve", "kind": "gate", "fp": "2", "def": {} }
    ] })
    .to_string();
    let mut r = StoreRecorder::new(
        &store,
        "g",
        RunMeta {
            file_hash: "h".into(),
            plan: plan.into(),
            ..Default::default()
        },
    )
    .unwrap();
    r.run_started(&info("g", "w", SystemTime::now())).unwrap();
    use control::Decision::{Approved, Rejected};
    let err = control::decide(&store, "g", "build", &Approved.by("me")).unwrap_err();
    assert!(
        err.contains("no gate `build`") && err.contains("approve"),
        "{err}"
    );
    control::decide(&store, "g", "approve", &Rejected.by("bob")).unwrap();
    assert_eq!(
        control::decision(&store, "g", "approve").unwrap(),
        Some(wfc_contract::GateDecision::rejected("bob"))
    );
    // One decision per gate, either way.
    let again = control::decide(&store, "g", "approve", &Approved.by("alice")).unwrap_err();
    assert!(again.contains("already rejected by bob at "), "{again}");
    let again = control::decide(&store, "g", "approve", &Rejected.by("carol")).unwrap_err();
    assert!(again.contains("already rejected by bob"), "{again}");
    control::request_cancel(&store, "g").unwrap();
    let asked = one(
        &store,
        "SELECT cancel_requested_at FROM runs WHERE id = 'g'",
        &[],
    );
    assert!(asked.int().is_some());
}

/// The plan's fingerprints from a thread (`StoreRecorder::plan_later`):
/// recorded with the run's start when they are there by then, else at the
/// first turn after they come, at once when a step waits (a gate: `wfc
/// approve` checks against them), and with the run's end at the latest.
#[test]
fn fingerprints_from_a_thread_are_recorded_as_soon_as_they_come() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let plan_of = |id: &str| -> Option<Vec<u8>> {
        let plan = one(
            &store,
            "SELECT plan FROM plans WHERE run_id = $1",
            &[id.into()],
        );
        plan.blob().map(<[u8]>::to_vec)
    };
    let recorder = |id: &str| {
        let mut r = StoreRecorder::new(&store, id, RunMeta::default()).unwrap();
        let (tx, rx) = std::sync::mpsc::channel::<Vec<u8>>();
        r.plan_later(rx);
        (r, tx)
    };
    let end = |r: &mut StoreRecorder| {
        r.run_ended(&RunEnd {
            status: RunStatus::Succeeded,
            ended_at: SystemTime::now(),
            duration: Duration::from_millis(5),
            failed: None,
        })
        .unwrap()
    };

    // There before the start: recorded with it.
    let (mut r, tx) = recorder("early");
    tx.send(b"early plan".to_vec()).unwrap();
    r.run_started(&info("early", "w", SystemTime::now()))
        .unwrap();
    assert_eq!(plan_of("early").as_deref(), Some(&b"early plan"[..]));

    // Later: absent until a turn after it came.
    let (mut r, tx) = recorder("later");
    r.run_started(&info("later", "w", SystemTime::now()))
        .unwrap();
    step(
        &mut r,
        "a",
        SystemTime::now(),
        &[(StepStatus::Succeeded, 5)],
    );
    assert_eq!(plan_of("later"), None);
    tx.send(b"later plan".to_vec()).unwrap();
    step(
        &mut r,
        "b",
        SystemTime::now(),
        &[(StepStatus::Succeeded, 5)],
    );
    assert_eq!(plan_of("later").as_deref(), Some(&b"later plan"[..]));

    // A waiting step waits for them (here: from a thread, 50 ms on).
    let (mut r, tx) = recorder("gated");
    r.run_started(&info("gated", "w", SystemTime::now()))
        .unwrap();
    let sender = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(50));
        tx.send(b"gated plan".to_vec()).unwrap();
    });
    r.attempt_started(&key("ok"), 1, SystemTime::now());
    r.waiting(&key("ok"), "waiting for approval");
    r.flush().unwrap();
    assert_eq!(plan_of("gated").as_deref(), Some(&b"gated plan"[..]));
    sender.join().unwrap();

    // Not before the end: the end waits for them.
    let (mut r, tx) = recorder("short");
    r.run_started(&info("short", "w", SystemTime::now()))
        .unwrap();
    let sender = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(50));
        tx.send(b"short plan".to_vec()).unwrap();
    });
    end(&mut r);
    assert_eq!(plan_of("short").as_deref(), Some(&b"short plan"[..]));
    sender.join().unwrap();

    // While a long step runs there is no turn: the watch thread records
    // them (CI saw a run killed then lose its plan, and its pending steps).
    let (mut r, tx) = recorder("watched");
    r.run_started(&info("watched", "w", SystemTime::now()))
        .unwrap();
    r.attempt_started(&key("long"), 1, SystemTime::now());
    r.flush().unwrap();
    let asks = control::Asks {
        cancel: Box::new(|| {}),
        pause: Box::new(|_| {}),
        taken: Box::new(|_| {}),
    };
    let watch = control::Watch::start_on(r.connection(), "watched", asks, r.late_plan()).unwrap();
    assert_eq!(plan_of("watched"), None);
    tx.send(b"watched plan".to_vec()).unwrap();
    let t = std::time::Instant::now();
    while plan_of("watched").is_none() && t.elapsed() < Duration::from_secs(5) {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(plan_of("watched").as_deref(), Some(&b"watched plan"[..]));
    drop(watch);
    // The run's end does not wait for what the watch thread took.
    end(&mut r);
    assert_eq!(plan_of("watched").as_deref(), Some(&b"watched plan"[..]));

    // A thread gone without them: the run ends without a plan.
    let (mut r, tx) = recorder("lost");
    r.run_started(&info("lost", "w", SystemTime::now()))
        .unwrap();
    drop(tx);
    end(&mut r);
    assert_eq!(plan_of("lost").filter(|p| !p.is_empty()), None);
    let status = one(&store, "SELECT status FROM runs WHERE id = 'lost'", &[]);
    assert_eq!(status.text(), Some("succeeded"));
}

/// A run another process took over (its session moved on in the store):
/// the watch tells the run's side at its next poll, which stops its steps.
#[test]
fn the_watch_says_when_the_run_was_taken_over() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let mut r = StoreRecorder::new(&store, "t", RunMeta::default()).unwrap();
    r.run_started(&info("t", "w", SystemTime::now())).unwrap();
    let (said, told) = std::sync::mpsc::channel::<String>();
    let asks = control::Asks {
        cancel: Box::new(|| {}),
        pause: Box::new(|_| {}),
        taken: Box::new(move |why| said.send(why).unwrap()),
    };
    let watch = control::Watch::start_on(r.connection(), "t", asks, r.late_plan()).unwrap();
    // Nothing said while the run is this process's.
    assert!(told.recv_timeout(Duration::from_millis(500)).is_err());
    testing::execute_batch(&store, "UPDATE runs SET session = 2 WHERE id = 't'").unwrap();
    let why = told.recv_timeout(Duration::from_secs(5)).unwrap();
    assert!(why.starts_with("E0607: run t is in session 2"), "{why}");
    drop(watch);
}

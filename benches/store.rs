//! Run-store benchmark: what recording costs per step.
//!
//! `cargo bench --bench store` records 5,000 one-attempt steps into a fresh
//! store the way the scheduler does (start, attempt end, step end), flushing
//! once per step (one scheduler turn per step, as on a chain) and once per
//! event (the worst case: every event in its own turn), and prints the
//! median time per step of the two halves of the work: the scheduler's
//! (appending each turn to the journal, one `write` a turn) and the fold's
//! (applying the journal's records to SQLite one by one, on the recorder's
//! connection as the watch thread does: all of it at once at the end, and
//! every 400 steps as the watch thread does on a fan-out of trivial steps;
//! and so again in a store that already holds eight such runs, as a store
//! in use does). The store's directory is under `$TMPDIR`. It also times
//! what a run's start adds to the front end: the plan's fingerprints
//! (`store::resume::stored_fingerprints`, for `wfc resume`), and what
//! reading the history takes before the scheduler can rank steps
//! (`store::estimate`: ten earlier runs of the workflow).
//! Under `cargo test` it records 50 steps.

use serde_json::json;
use std::time::{Duration, Instant, SystemTime};
use wfc_contract::{Attempt, GraphName, Recorder, RunInfo, StepEnd, StepKey, StepStatus};
use wfc_store::store_recorder::{RunMeta, StoreRecorder};
use wfc_store::Store;

/// How many steps a fold of the watch thread finds (every 200 ms; a fan-out
/// of trivial steps ends ~2,000 a second on the development VM).
const FOLD_EVERY: usize = 400;

/// Runs already in the store for the last row: a store in use holds many.
const EARLIER_RUNS: usize = 8;

/// One configuration of the benchmark.
#[derive(Clone, Copy)]
struct Case {
    /// Flush once per event (else once per step).
    per_event: bool,
    /// Fold every this many steps (0: once, at the end).
    every: usize,
    /// Runs recorded in the store before the timed ones.
    earlier: usize,
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let (steps, runs) = if full { (5_000, 5) } else { (50, 1) };
    println!(
        "{:<34} {:>8} {:>16} {:>14}",
        "flush", "steps", "journal µs/step", "fold µs/step"
    );
    let cases = [
        (false, 0, 0),
        (true, 0, 0),
        (false, FOLD_EVERY, 0),
        (false, FOLD_EVERY, EARLIER_RUNS),
    ];
    for (per_event, every, earlier) in cases {
        let case = Case {
            per_event,
            every,
            earlier,
        };
        let (mut times, mut folds) = (Vec::new(), Vec::new());
        for _ in 0..runs {
            let dir = tempfile::tempdir().expect("a temp dir");
            let store = Store::open(dir.path()).expect("opens");
            // Run ids as wfc makes them: the start time first, so the
            // newest run sorts last (the store's keys begin with it).
            for k in 0..case.earlier {
                record_run(&store, &format!("20261101-0000{k:02}-e{k:03}"), steps, case);
            }
            let (recording, folding) = record_run(&store, "20261102-000000-b000", steps, case);
            times.push(recording);
            folds.push(folding);
        }
        let median = |v: &mut Vec<Duration>| {
            v.sort();
            v[v.len() / 2].as_secs_f64() * 1e6 / steps as f64
        };
        let (per, fold) = (median(&mut times), median(&mut folds));
        let mut label = match (per_event, every) {
            (true, _) => "once per event".to_owned(),
            (false, 0) => "once per step (turn)".to_owned(),
            (false, n) => format!("per step, fold per {n}"),
        };
        if earlier > 0 {
            label.push_str(&format!(", {earlier} runs in"));
        }
        println!("{label:<34} {steps:>8} {per:>16.1} {fold:>14.1}");
    }
    fingerprints(steps, runs);
    history(steps, runs);
}

/// Median time to read the history of a workflow of `steps` steps from a
/// store holding [`history_estimator::RECENT`] earlier runs of it, as `wfc run` does
/// before a big plan's first step.
fn history(steps: usize, runs: usize) {
    use rustc_hash::FxHashSet;
    use wfc_store::history_estimator::{self, HistoryEstimator};
    let dir = tempfile::tempdir().expect("a temp dir");
    let store = Store::open(dir.path()).expect("opens");
    let case = Case {
        per_event: false,
        every: 0,
        earlier: 0,
    };
    for k in 0..history_estimator::RECENT {
        record_run(&store, &format!("run-{k}"), steps, case);
    }
    let names: Vec<String> = (0..steps).map(|i| format!("s{i}")).collect();
    let only: FxHashSet<&str> = names.iter().map(String::as_str).collect();
    let mut times: Vec<Duration> = (0..runs.max(3))
        .map(|_| {
            let t = Instant::now();
            let h = HistoryEstimator::load(&store, "bench", Some(&only)).expect("reads");
            let took = t.elapsed();
            assert_eq!(h.len(), steps);
            took
        })
        .collect();
    times.sort();
    let median = times[times.len() / 2];
    println!(
        "history of {steps} steps, {} runs (run start): {:.1} ms, {:.2} µs/step",
        history_estimator::RECENT,
        median.as_secs_f64() * 1e3,
        median.as_secs_f64() * 1e6 / steps as f64
    );
}

/// Records run `id` of `steps` steps; returns the time spent recording
/// (the journal) and folding.
fn record_run(store: &Store, id: &str, steps: usize, case: Case) -> (Duration, Duration) {
    // The watch thread folds on the recorder's connection.
    let mut r = StoreRecorder::new(store, id, RunMeta::default()).expect("recorder");
    let watch = r.connection();
    r.run_started(&RunInfo {
        run_id: id.into(),
        workflow: "bench".into(),
        file: "bench.wf".into(),
        params: Vec::new(),
        jobs: 2,
        steps,
        started_at: SystemTime::now(),
    })
    .unwrap();
    let (mut recording, mut folding, mut turns) = (Duration::ZERO, Duration::ZERO, 0);
    let mut t = Instant::now();
    for i in 0..steps {
        record(&mut r, &format!("s{i}"), case.per_event);
        if case.every > 0 && (i + 1) % case.every == 0 {
            recording += t.elapsed();
            t = Instant::now();
            turns += watch.fold(id).expect("folds");
            folding += t.elapsed();
            t = Instant::now();
        }
    }
    recording += t.elapsed();
    let t = Instant::now();
    turns += watch.fold(id).expect("folds");
    folding += t.elapsed();
    assert!(turns >= steps, "every turn folded");
    (recording, folding)
}

/// Median time to fingerprint a generated plan of `steps` steps.
fn fingerprints(steps: usize, runs: usize) {
    use wfc_plan::{self as plan, DefaultEstimator, Options, ParamInput};
    let a = wfc_language::analysis::analyze("bench.wf", wfc_testkit::large_workflow(steps));
    let wf = &a.module.as_ref().expect("checks").first().ir;
    let p = plan::plan(
        wf,
        &ParamInput::default(),
        Options { jobs: Some(2) },
        &DefaultEstimator,
    )
    .expect("plans");
    let mut times: Vec<Duration> = (0..runs.max(3))
        .map(|_| {
            let t = Instant::now();
            let stored = wfc_store::reuse::stored_fingerprints(&p, wf);
            assert!(!stored.is_empty());
            t.elapsed()
        })
        .collect();
    times.sort();
    let median = times[times.len() / 2];
    println!(
        "fingerprints of {} planned steps (run start): {:.1} ms, {:.1} µs/step",
        p.main.len(),
        median.as_secs_f64() * 1e3,
        median.as_secs_f64() * 1e6 / p.main.len() as f64
    );
}

fn record(r: &mut StoreRecorder, name: &str, per_event: bool) {
    let key = StepKey {
        graph: GraphName::Main,
        name: name.into(),
        kind: "shell",
    };
    let at = SystemTime::now();
    let flush = |r: &mut StoreRecorder| {
        if per_event {
            r.flush().unwrap();
        }
    };
    r.attempt_started(&key, 1, at);
    flush(r);
    r.attempt_ended(
        &key,
        &Attempt {
            number: 1,
            status: StepStatus::Succeeded,
            started_at: at,
            duration: Duration::from_millis(1),
            exit_code: Some(0),
            error: None,
            outputs: json!({ "exit_code": 0 }),
            // What a small shell step reports: its CPU time, no peak of its own.
            usage: Some(wfc_contract::Usage {
                cpu: Duration::from_micros(1500),
                peak_memory: None,
            }),
        },
    );
    r.step_ended(
        &key,
        &StepEnd {
            status: StepStatus::Succeeded,
            attempts: 1,
            started_at: Some(at),
            duration: Duration::from_millis(1),
            exit_code: Some(0),
            error: None,
            outputs: json!({ "exit_code": 0 }),
            optional: false,
        },
    );
    r.flush().unwrap();
}

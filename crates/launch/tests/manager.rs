//! The run manager under load: one process, one tokio runtime, one
//! `RunManager`, one store. Fifty workflows start at once — chains and
//! parallel blocks that succeed, runs that fail, gates decided through the
//! manager and through the store (as `wfc approve` from another process
//! would), long sleeps cancelled through the manager (gracefully and by
//! force) and through the store (`wfc cancel`) — and then every record is
//! checked: each run's status, its steps', the approvals with their `by`,
//! nothing left running, no step process left behind, and a subscriber
//! that saw every run end.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};
use wfc_contract::RunStatus;
use wfc_language::ir::NameTable;
use wfc_launch::session::RunSession;
use wfc_run::manager::events::RunEventKind;
use wfc_run::manager::ManagerError;
use wfc_run::{RunHandle, RunManager, RunRequest};
use wfc_store::control::{self, Decision};
use wfc_store::store_recorder::RunMeta;
use wfc_store::{testing, Store};

/// Three steps in a chain beside a parallel block, joined at the end.
const CHAIN: &str = r#"workflow chain {
  step a: shell { run "echo a" }
  step b: shell {
    run "echo b"
    depends on a
  }
  parallel wide {
    step p1: shell { run "echo p1" }
    step p2: shell { run "echo p2" }
  }
  step c: shell {
    run "echo c"
    depends on b, wide
  }
}"#;

/// A step that fails; what depends on it never runs.
const FAILING: &str = r#"workflow failing {
  step setup: shell { run "true" }
  step broken: shell {
    run "exit 3"
    depends on setup
  }
  step after: shell {
    run "echo never"
    depends on broken
  }
}"#;

/// A gate for a person between two steps.
const GATED: &str = r#"workflow gated {
  step build: shell { run "echo built" }
  step ship_ok: gate {
    approval "release manager"
    depends on build
  }
  step ship: shell {
    run "echo shipped"
    depends on ship_ok
  }
}"#;

/// A long sleep that records its pid (the shell `exec`s into `sleep`),
/// and a `finally` that a graceful cancel still runs.
const SLEEPY: &str = r#"workflow sleepy {
  param pidfile: string
  step nap: shell { run "echo $$ > ${pidfile}.tmp && mv ${pidfile}.tmp ${pidfile} && exec sleep 30" }
  step after: shell {
    run "echo woke"
    depends on nap
  }
  finally { step tidy: shell { run "echo tidy" } }
}"#;

#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    Chain,
    Failing,
    /// Approved through the manager.
    GateApproved,
    /// Rejected through the manager.
    GateRejected,
    /// Approved in the store, as by `wfc approve` from another process.
    GateApprovedElsewhere,
    /// Cancelled through the manager.
    Cancelled,
    /// Force-cancelled through the manager (its `finally` is cancelled too).
    Forced,
    /// Cancelled in the store, as by `wfc cancel` from another process.
    CancelledElsewhere,
}

impl Kind {
    fn source(self) -> &'static str {
        match self {
            Kind::Chain => CHAIN,
            Kind::Failing => FAILING,
            Kind::GateApproved | Kind::GateRejected | Kind::GateApprovedElsewhere => GATED,
            Kind::Cancelled | Kind::Forced | Kind::CancelledElsewhere => SLEEPY,
        }
    }

    fn status(self) -> RunStatus {
        match self {
            Kind::Chain | Kind::GateApproved | Kind::GateApprovedElsewhere => RunStatus::Succeeded,
            Kind::Failing | Kind::GateRejected => RunStatus::Failed,
            Kind::Cancelled | Kind::Forced | Kind::CancelledElsewhere => RunStatus::Cancelled,
        }
    }

    /// Main-graph and handler steps as the store must hold them.
    fn steps(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Kind::Chain => &[
                ("a", "succeeded"),
                ("b", "succeeded"),
                ("p1", "succeeded"),
                ("p2", "succeeded"),
                ("c", "succeeded"),
            ],
            Kind::Failing => &[
                ("setup", "succeeded"),
                ("broken", "failed"),
                ("after", "not_run"),
            ],
            Kind::GateApproved | Kind::GateApprovedElsewhere => &[
                ("build", "succeeded"),
                ("ship_ok", "succeeded"),
                ("ship", "succeeded"),
            ],
            Kind::GateRejected => &[
                ("build", "succeeded"),
                ("ship_ok", "failed"),
                ("ship", "not_run"),
            ],
            Kind::Cancelled | Kind::CancelledElsewhere => &[
                ("nap", "cancelled"),
                ("after", "not_run"),
                ("tidy", "succeeded"),
            ],
            // The forced cancel may come before `tidy` starts or while it
            // runs: its status is checked apart.
            Kind::Forced => &[("nap", "cancelled"), ("after", "not_run")],
        }
    }
}

/// The fifty runs: mostly chains, some failing, three gates, ten sleepers.
fn kinds() -> Vec<Kind> {
    let mut kinds = vec![Kind::Chain; 32];
    kinds.extend([Kind::Failing; 5]);
    kinds.extend([
        Kind::GateApproved,
        Kind::GateRejected,
        Kind::GateApprovedElsewhere,
    ]);
    kinds.extend([Kind::Cancelled; 7]);
    kinds.extend([Kind::Forced, Kind::Forced, Kind::CancelledElsewhere]);
    assert_eq!(kinds.len(), 50);
    kinds
}

/// Compiles `source` with `params` as `wfc run` does (no history).
fn compile(source: &str, params: &[String]) -> (wfc_plan::Plan, NameTable) {
    let analysis = wfc_language::analysis::analyze_lean("w.wf", source);
    assert!(!analysis.has_errors(), "{:?}", analysis.diagnostics());
    let ir = analysis.module.expect("checked").into_first().ir;
    let mut input = wfc_plan::ParamInput::default();
    for p in params {
        input.push_assignment(p).unwrap();
    }
    let options = wfc_plan::Options { jobs: Some(4) };
    let plan = wfc_plan::plan(&ir, &input, options, &wfc_plan::DefaultEstimator).expect("plans");
    (plan, NameTable::from(&ir))
}

/// Starts run `id` of `kind` on `manager`, recorded in the store in `dir`.
fn start(manager: &RunManager, dir: &Path, id: &str, kind: Kind) -> (RunHandle, RunSession) {
    let params = vec![format!(
        "pidfile={}",
        dir.join(format!("{id}.pid")).display()
    )];
    let params = if kind.source() == SLEEPY {
        params
    } else {
        Vec::new()
    };
    let (plan, names) = compile(kind.source(), &params);
    let mut session = RunSession::open(dir, id, RunMeta::default(), false).unwrap();
    let mut request = RunRequest::new(Arc::new(plan), names, id);
    request.file = "w.wf".into();
    request.recorder = session.recorder();
    request.lines = Some(session.lines(None));
    request.approvals =
        Some(session.approvals(Arc::new(wfc_run::gates::CliApprovals::default()), false));
    request.decisions = Some(session.decisions());
    (manager.start(request).unwrap(), session)
}

/// Waits until `pidfile` holds a pid, and returns it.
async fn pid_in(pidfile: &Path) -> i64 {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Ok(text) = std::fs::read_to_string(pidfile) {
            if let Ok(pid) = text.trim().parse() {
                return pid;
            }
        }
        assert!(
            Instant::now() < deadline,
            "{} never came",
            pidfile.display()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn query_strings(store: &Store, sql: &str, id: &str) -> Vec<(String, String)> {
    let text = |v: &testing::Value| v.text().unwrap().to_owned();
    testing::rows(store, sql, &[id.into()])
        .unwrap()
        .iter()
        .map(|r| (text(&r[0]), text(&r[1])))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_concurrent_runs_are_started_cancelled_approved_and_recorded() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_path_buf();
    let began = Instant::now();
    let manager = RunManager::new(wfc_run::exec::ExecOptions::default());
    assert!(manager.reaper_tag().is_some(), "no reaper");
    let mut events = manager.subscribe();

    let kinds = kinds();
    let mut runs = Vec::new();
    let mut sessions = Vec::new();
    for (i, &kind) in kinds.iter().enumerate() {
        let id = format!("run-{i:02}");
        let (handle, session) = start(&manager, &dir, &id, kind);
        let watch = session
            .watch(
                handle.cancel_token(),
                handle.cancel_token(),
                tokio::sync::watch::channel(false).0,
            )
            .unwrap();
        sessions.push((session, watch));
        runs.push((id, kind, handle));
    }
    let id_of = |k: Kind| -> Vec<String> {
        runs.iter()
            .filter(|r| r.1 == k)
            .map(|r| r.0.clone())
            .collect()
    };
    // A sleeper runs until cancelled; its id is taken while it does.
    let sleeper = id_of(Kind::Cancelled).remove(0);
    assert!(manager.running().contains(&sleeper));
    let (plan, names) = compile(CHAIN, &[]);
    let again = RunRequest::new(Arc::new(plan), names, &sleeper);
    assert!(matches!(
        manager.start(again),
        Err(ManagerError::AlreadyRunning(id)) if id == sleeper
    ));

    // The sleepers: cancelled once their step process is there.
    let mut pids = HashMap::new();
    for k in [Kind::Cancelled, Kind::Forced, Kind::CancelledElsewhere] {
        for id in id_of(k) {
            let pid = pid_in(&dir.join(format!("{id}.pid"))).await;
            pids.insert(id.clone(), pid);
            // Every run's steps carry the one reaper's tag.
            // (Read again for a while: the shell may be in the middle of
            // its `exec`, when /proc shows no environment yet.)
            let tag = format!("WFC_REAPER_TAG={}", manager.reaper_tag().unwrap());
            let deadline = Instant::now() + Duration::from_secs(5);
            loop {
                let environ = std::fs::read(format!("/proc/{pid}/environ")).unwrap_or_default();
                if environ.split(|&b| b == 0).any(|v| v == tag.as_bytes()) {
                    break;
                }
                assert!(Instant::now() < deadline, "{id}: its step lacks {tag}");
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            match k {
                Kind::Cancelled => manager.cancel(&id).unwrap(),
                Kind::Forced => manager.force_cancel(&id).unwrap(),
                _ => {
                    let store = Store::open(&dir).unwrap();
                    control::request_cancel(&store, &id).unwrap();
                }
            }
        }
    }

    // The gates: decided once they wait.
    let approved = id_of(Kind::GateApproved).remove(0);
    let rejected = id_of(Kind::GateRejected).remove(0);
    let elsewhere = id_of(Kind::GateApprovedElsewhere).remove(0);
    let mut ended = HashMap::new();
    let mut waiting = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while ended.len() < 50 {
        let event = tokio::time::timeout_at(deadline, events.recv())
            .await
            .expect("every run ends in time")
            .expect("the subscriber keeps up");
        let id = event.run_id.to_string();
        match event.kind {
            RunEventKind::Waiting {
                step,
                approval: true,
                ..
            } => {
                assert_eq!(step, "ship_ok");
                waiting.push(id.clone());
                if id == approved {
                    let unknown = manager.approve(&id, "nope", "alice").await;
                    assert!(matches!(unknown, Err(ManagerError::NoSuchGate { .. })));
                    manager.approve(&id, "ship_ok", "alice").await.unwrap();
                    let twice = manager.reject(&id, "ship_ok", "mallory").await;
                    let Err(ManagerError::Refused(why)) = twice else {
                        panic!("a second decision was taken: {twice:?}")
                    };
                    assert!(why.contains("already approved by alice"), "{why}");
                } else if id == rejected {
                    manager.reject(&id, "ship_ok", "carol").await.unwrap();
                } else {
                    let store = Store::open(&dir).unwrap();
                    control::decide(&store, &id, "ship_ok", &Decision::Approved.by("bob")).unwrap();
                }
            }
            RunEventKind::Ended { status, .. } => {
                assert!(ended.insert(id, status).is_none(), "a run ended twice");
            }
            _ => {}
        }
    }
    waiting.sort();
    let mut gates = vec![approved.clone(), rejected.clone(), elsewhere.clone()];
    gates.sort();
    assert_eq!(waiting, gates, "each gate run said it waits for approval");

    for (id, kind, handle) in runs {
        let result = handle.wait().await;
        assert_eq!(result.status, kind.status(), "run {id} ({kind:?})");
        assert_eq!(ended[&id], kind.status(), "the event of run {id}");
    }
    assert!(manager.running().is_empty());
    assert_eq!(
        manager.cancel(&approved),
        Err(ManagerError::NotRunning(approved.clone()))
    );
    drop(sessions);

    // Every record.
    let store = Store::open(&dir).unwrap();
    for (i, &kind) in kinds.iter().enumerate() {
        let id = format!("run-{i:02}");
        let status = testing::one(
            &store,
            "SELECT status FROM runs WHERE id = $1",
            &[(&id).into()],
        );
        let status = status.unwrap();
        assert_eq!(
            status.text(),
            Some(kind.status().name()),
            "run {id} ({kind:?})"
        );
        let steps: HashMap<String, String> = query_strings(
            &store,
            "SELECT name, status FROM steps WHERE run_id = $1",
            &id,
        )
        .into_iter()
        .collect();
        for (name, want) in kind.steps() {
            assert_eq!(
                steps.get(*name).map(String::as_str),
                Some(*want),
                "{id} ({kind:?}): step {name}"
            );
        }
        if kind == Kind::Forced {
            let tidy = steps.get("tidy").map(String::as_str);
            assert!(
                matches!(tidy, None | Some("cancelled" | "succeeded" | "not_run")),
                "{id}: tidy {tidy:?}"
            );
        }
        let unfinished = testing::one(
            &store,
            "SELECT (SELECT COUNT(*) FROM steps WHERE run_id = $1 AND status IN ('running', 'waiting'))
                  + (SELECT COUNT(*) FROM attempts WHERE run_id = $1 AND status = 'running')",
            &[(&id).into()],
        )
        .unwrap();
        assert_eq!(unfinished.int(), Some(0), "{id}: steps left running");
    }

    // The decisions, recorded as `wfc approve` records them.
    let decisions = |id: &str| {
        query_strings(
            &store,
            "SELECT kind, detail FROM events WHERE run_id = $1 AND kind IN ('approved', 'rejected') ORDER BY seq",
            id,
        )
    };
    let by = |who: &str| serde_json::json!({ "by": who }).to_string();
    assert_eq!(decisions(&approved), [("approved".to_owned(), by("alice"))]);
    assert_eq!(decisions(&rejected), [("rejected".to_owned(), by("carol"))]);
    assert_eq!(decisions(&elsewhere), [("approved".to_owned(), by("bob"))]);
    assert_eq!(
        control::decision(&store, &approved, "ship_ok").unwrap(),
        Some(wfc_contract::GateDecision::approved("alice"))
    );
    let sql = "SELECT outputs FROM steps WHERE run_id = $1 AND name = 'ship_ok'";
    let approved_by = testing::one(&store, sql, &[(&approved).into()]).unwrap();
    let approved_by = approved_by.text().unwrap();
    assert!(approved_by.contains("alice"), "{approved_by}");

    // No step process outlived its run.
    assert_eq!(pids.len(), 10);
    for (id, pid) in &pids {
        assert!(
            !control::pid_alive(*pid),
            "{id}: its sleep {pid} is still there"
        );
    }
    assert!(
        // A bound against a decision or a cancel that hangs, not a
        // measurement (under 1 s on a quiet machine).
        began.elapsed() < Duration::from_secs(60),
        "too slow: {:?}",
        began.elapsed()
    );
}

/// A started run is in the store once `recorded` returns, so a server that
/// answers a start with the run's id only then is never asked about an id
/// the store does not know. (On this one-thread runtime the run's task has
/// not run before the first await: without `recorded` the row is not there.)
#[tokio::test(flavor = "current_thread")]
async fn a_run_is_in_the_store_once_its_start_is_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let manager = RunManager::new(wfc_run::exec::ExecOptions::default());
    let (mut handle, _session) = start(&manager, dir.path(), "r1", Kind::GateApproved);
    let store = Store::open(dir.path()).unwrap();
    assert!(control::find_run(&store, "r1").is_err(), "recorded already");
    handle.recorded().await.unwrap();
    assert_eq!(control::find_run(&store, "r1"), Ok("r1".to_owned()));
    let status = testing::one(&store, "SELECT status FROM runs WHERE id = 'r1'", &[]);
    assert_eq!(status.unwrap().text(), Some("running"));
    manager.cancel("r1").unwrap();
    assert_eq!(handle.wait().await.status, RunStatus::Cancelled);
}

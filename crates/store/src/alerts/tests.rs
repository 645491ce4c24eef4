//! Conditions measured over runs written straight into a store, and the
//! rule's states as decisions go.

use super::*;

fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let s = crate::test_store::open(dir.path());
    (dir, s)
}

/// Run `id` of `w` that ended `status` at `ended` after `ms`.
fn run(s: &Store, id: &str, status: &str, ended: i64, ms: i64) {
    s.conn
        .execute(
            "INSERT INTO runs (id, workflow, file, file_hash, params, status, jobs, steps, pid,
                               started_at, heartbeat_at, ended_at, duration_ms)
             VALUES (?1, 'w', 'w.wf', 'h', '{}', ?2, 1, 1, 1, ?3, ?3, ?4, ?5)",
            params![id, status, ended - ms, ended, ms],
        )
        .unwrap();
}

#[test]
fn failure_rate_over_the_last_runs_and_a_window() {
    let (_d, s) = store();
    for (i, st) in ["succeeded", "failed", "failed", "cancelled", "succeeded"]
        .iter()
        .enumerate()
    {
        run(&s, &format!("r{i}"), st, 1000 * (i as i64 + 1), 10);
    }
    let rate = |window, rate, inclusive| Condition::FailureRate {
        window,
        rate,
        inclusive,
    };
    let m = measure(&s, "w", &rate(Window::Runs(3), 0.5, false), 10_000).unwrap();
    assert!(m.holds, "{m:?}");
    assert_eq!(m.value, "2 of the last 3 runs failed (66.7% > 50%)");
    assert_eq!(m.run.as_deref(), Some("r4"));
    let m = measure(&s, "w", &rate(Window::Runs(10), 0.5, true), 10_000).unwrap();
    assert!(m.holds, "cancelled runs count for nothing: {m:?}");
    // Ended in the last 3 s at 5.5 s: r2 (3 s, failed), r4 (5 s).
    let m = measure(&s, "w", &rate(Window::Time(3000), 0.5, false), 5500).unwrap();
    assert!(!m.holds, "{m:?}");
    assert!(
        m.value
            .starts_with("1 of the 2 runs that ended in the last 3s failed"),
        "{m:?}"
    );
    let none = measure(&s, "x", &rate(Window::Runs(3), 0.1, false), 0).unwrap();
    assert!(!none.holds);
}

#[test]
fn consecutive_failures_and_slower_than() {
    let (_d, s) = store();
    run(&s, "a", "succeeded", 1000, 100);
    run(&s, "b", "failed", 2000, 100);
    run(&s, "c", "failed", 3000, 5000);
    let k = |k| measure(&s, "w", &Condition::ConsecutiveFailures(k), 0).unwrap();
    assert!(k(2).holds);
    assert!(!k(3).holds);
    let slow = |x| measure(&s, "w", &Condition::SlowerThan(x), 0).unwrap();
    assert!(slow(Slower::Fixed(4000)).holds);
    assert!(!slow(Slower::Fixed(6000)).holds);
    // Fewer than 5 succeeded runs before it: no p95.
    assert!(!slow(Slower::P95(1.5)).holds);
    for i in 0..6 {
        run(&s, &format!("p{i}"), "succeeded", 10 + i, 1000);
    }
    let m = slow(Slower::P95(1.5));
    assert!(m.holds, "{m:?}");
    assert!(!slow(Slower::P95(6.0)).holds);
}

#[test]
fn a_rule_fires_once_stays_quiet_in_its_cooldown_and_resolves() {
    let (_d, s) = store();
    let c = Condition::ConsecutiveFailures(2);
    let d = |now| decide(&s, "w", "a", &c, 60_000, now).unwrap().0;
    run(&s, "a", "failed", 1000, 10);
    assert_eq!(d(1000), Decision::Quiet);
    assert_eq!(get(&s, "w", "a").unwrap().unwrap().state, "ok");
    run(&s, "b", "failed", 2000, 10);
    assert_eq!(d(2000), Decision::Fire);
    run(&s, "c", "failed", 3000, 10);
    assert_eq!(d(3000), Decision::Quiet, "firing already");
    run(&s, "d", "succeeded", 4000, 10);
    assert_eq!(d(4000), Decision::Resolve);
    run(&s, "e", "failed", 5000, 10);
    run(&s, "f", "failed", 6000, 10);
    assert_eq!(d(6000), Decision::Quiet, "within the cooldown");
    assert_eq!(d(62_000), Decision::Fire, "after it, still failing");
    let st = get(&s, "w", "a").unwrap().unwrap();
    assert_eq!(st.last_fired_at, Some(62_000));
    assert_eq!(st.last_resolved_at, Some(4000));
    record_error(&s, "w", "a", Some("refused")).unwrap();
    assert_eq!(
        list(&s, Some("w")).unwrap()[0].last_error.as_deref(),
        Some("refused")
    );
    assert!(list(&s, Some("x")).unwrap().is_empty());
}

#[test]
fn a_run_waiting_for_an_approval_counts_from_its_attempt() {
    let (_d, s) = store();
    s.conn
        .execute_batch(
            "INSERT INTO runs (id, workflow, file, file_hash, params, status, jobs, steps, pid,
                               started_at, heartbeat_at)
             VALUES ('r', 'w', 'w.wf', 'h', '{}', 'running', 1, 1, 1, 100, 100);
             INSERT INTO steps (run_id, graph, name, kind, seq, status, started_at)
             VALUES ('r', 'main', 'ok', 'approval', 1, 'waiting', 500);
             INSERT INTO attempts (run_id, graph, step, session, number, status, started_at)
             VALUES ('r', 'main', 'ok', 1, 1, 'running', 500);",
        )
        .unwrap();
    assert_eq!(
        longest_wait(&s, "w", 2500).unwrap(),
        Some(("r".to_owned(), 2000))
    );
    let m = measure(&s, "w", &Condition::WaitingLongerThan(1000), 2500).unwrap();
    assert!(m.holds, "{m:?}");
    assert!(
        !measure(&s, "w", &Condition::WaitingLongerThan(3000), 2500)
            .unwrap()
            .holds
    );
}

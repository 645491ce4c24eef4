use super::*;
use crate::params;

/// A SQLite store in `dir` holding two ended runs with steps, events, an
/// approval and a plan, and rows of no run.
fn history(dir: &std::path::Path) -> Store {
    let s = Store::open(dir).unwrap();
    for (id, at) in [("r1", 1_000), ("r2", 2_000)] {
        s.conn
            .execute(
                "INSERT INTO runs (id, workflow, file, file_hash, params, status, jobs, steps, pid,
                                   started_at, heartbeat_at, ended_at)
                 VALUES (?1, 'w', 'w.wf', 'h', '{}', 'succeeded', 1, 1, 1, ?2, ?2, ?2 + 5)",
                params![id, at],
            )
            .unwrap();
        s.conn
            .execute(
                "INSERT INTO steps (run_id, graph, name, kind, seq, status, attempts, outputs)
                 VALUES (?1, 'main', 'build', 'shell', 0, 'succeeded', 1, '{\"n\":1}')",
                [id],
            )
            .unwrap();
        crate::record::add_event(&s.conn, id, at, "run_started", None, None).unwrap();
        crate::record::add_event(&s.conn, id, at + 5, "run_ended", None, Some("{}")).unwrap();
        s.conn
            .execute(
                "INSERT INTO plans (run_id, plan) VALUES (?1, ?2)",
                params![id, vec![0u8, 159, 146, 150]],
            )
            .unwrap();
    }
    s.conn
        .execute_batch(
            "INSERT INTO approvals (run_id, step, decision, by, at) VALUES ('r2', 'g', 'approved', 'ana', 2001);
             INSERT INTO schedule_fires (file, workflow, schedule, done_until, fired) VALUES ('w.wf', 'w', '0 2 * * * UTC', 7, 1);
             INSERT INTO ignored_firings (at, file, workflow, trigger, reason) VALUES (3, 'w.wf', 'w', 'webhook /push', 'no tag');",
        )
        .unwrap();
    s
}

/// Every table's rows, sorted, as text (the listing order's numbers
/// aside: the written store numbers the runs itself, in the same order).
fn dump(s: &Store) -> Vec<(String, Vec<String>)> {
    let mut out = Vec::new();
    for t in tables(&s.conn).unwrap() {
        if LEFT_OUT.contains(&t.as_str()) {
            continue;
        }
        let cols: Vec<String> = table_columns(&s.conn, &t)
            .unwrap()
            .into_iter()
            .filter(|c| c != "rowid" && !(t == "runs" && c == "listed"))
            .collect();
        let list = cols.iter().map(|c| format!("\"{c}\"")).collect::<Vec<_>>();
        let sql = format!("SELECT {} FROM \"{t}\"", list.join(", "));
        let mut rows: Vec<String> = s
            .conn
            .prepare(&sql)
            .unwrap()
            .query_map((), |r| {
                Ok((0..r.len())
                    .map(|i| format!("{:?}", r.get::<Value>(i).unwrap()))
                    .collect::<Vec<_>>()
                    .join("|"))
            })
            .unwrap()
            .collect::<crate::Result<_>>()
            .unwrap();
        rows.sort();
        out.push((t, rows));
    }
    out
}

#[test]
fn a_history_copied_there_and_back_is_the_same_rows() {
    let (a, b, c) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    );
    let from = history(a.path());
    // (On PostgreSQL with WFC_TEST_STORE: SQLite to PostgreSQL and back.)
    let there = crate::test_store::open(b.path());
    let copied = copy(&from, &there).unwrap();
    assert_eq!(copied.runs, 2);
    // 2 runs, 2 steps, 4 events, 2 plans, 1 approval; 1 fire, 1 ignored.
    assert_eq!(copied.rows, 13);
    let back = Store::open(c.path()).unwrap();
    assert_eq!(copy(&there, &back).unwrap(), copied);
    let original = dump(&from);
    assert!(original.iter().any(|(t, r)| t == "events" && r.len() == 4));
    assert_eq!(dump(&back), original);
    // The listing order survives, and the next run is listed after them.
    let order: Vec<String> = back
        .conn
        .prepare("SELECT id FROM runs ORDER BY listed")
        .unwrap()
        .query_map((), |r| r.get(0))
        .unwrap()
        .collect::<crate::Result<_>>()
        .unwrap();
    assert_eq!(order, ["r1", "r2"]);
}

#[test]
fn a_copy_into_a_store_with_runs_or_of_a_going_run_writes_nothing() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let from = history(a.path());
    let there = crate::test_store::open(b.path());
    copy(&from, &there).unwrap();
    let again = copy(&from, &there).unwrap_err();
    assert!(matches!(again, CopyError::NotEmpty(2)), "{again}");

    let (c, d) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let going = history(c.path());
    // Running, by this live process: not reaped.
    going
        .conn
        .execute(
            "UPDATE runs SET status = 'running', ended_at = NULL, pid = ?1, host = ?2,
                    heartbeat_at = ?3 WHERE id = 'r2'",
            params![
                i64::from(std::process::id()),
                crate::store_recorder::hostname(),
                crate::now_ms()
            ],
        )
        .unwrap();
    let empty = crate::test_store::open(d.path());
    let refused = copy(&going, &empty).unwrap_err();
    assert!(
        matches!(&refused, CopyError::Going(ids) if ids == "r2"),
        "{refused}"
    );
    let none: i64 = empty
        .conn
        .query_row("SELECT COUNT(*) FROM runs", (), |r| r.get(0))
        .unwrap();
    assert_eq!(none, 0);
}

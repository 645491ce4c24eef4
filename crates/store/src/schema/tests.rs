//! The migrations' tests: a new store, the versions refused, and stores
//! of earlier versions brought up to the newest.

use super::*;

/// A store of version 6, as that wfc made it.
const V6_STORE: &str = include_str!("../../../../tests/store/v6/runs.sql");

#[test]
fn empty_to_latest_and_idempotent() {
    let mut c = Connection::open_in_memory().unwrap();
    assert_eq!(migrate(&mut c).unwrap(), 0);
    assert_eq!(version(&c).unwrap(), VERSION);
    assert_eq!(migrate(&mut c).unwrap(), VERSION);
}

#[test]
fn newer_and_older_are_refused() {
    let mut c = Connection::open_in_memory().unwrap();
    c.execute_batch("PRAGMA user_version = 99").unwrap();
    assert!(migrate(&mut c).unwrap_err().contains("newer"));
    c.execute_batch("PRAGMA user_version = 5").unwrap();
    let e = migrate(&mut c).unwrap_err();
    assert!(e.contains("made by an older wfc (schema version 5)"), "{e}");
    assert_eq!(version(&c).unwrap(), 5);
}

/// A packed row's events become rows in their order, between the rows
/// around them; a row of that kind that is not packed stays as it is.
#[test]
fn packed_events_become_rows() {
    let mut c = Connection::open_in_memory().unwrap();
    c.execute_batch(V6_STORE).unwrap();
    c.execute_batch(
        r#"INSERT INTO runs (id, workflow, file, file_hash, params, status, jobs, steps, pid,
                             started_at, heartbeat_at)
           VALUES ('r', 'w', 'w.wf', 'h', '{}', 'failed', 1, 1, 1, 0, 0);
           INSERT INTO events VALUES
             ('r', 1, 1, 'run_started', NULL, '{"pid":1}'),
             ('r', 2, 2, 'events', NULL, '[[2,"attempt_started","a \"q\"",{"attempt":1}],[3,"phase",null,{"phase":"finally"}],[4,"x","b",null]]'),
             ('r', 3, 5, 'events', NULL, '{"not":"packed"}'),
             ('r', 4, 6, 'run_ended', NULL, NULL);"#,
    )
    .unwrap();
    assert_eq!(migrate(&mut c).unwrap(), 6);
    type Row = (i64, i64, String, Option<String>, Option<String>);
    let rows: Vec<Row> = c
        .prepare("SELECT seq, at, kind, step, detail FROM events WHERE run_id = 'r' ORDER BY seq")
        .unwrap()
        .query_map([], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let s = |t: &str| Some(t.to_owned());
    assert_eq!(
        rows,
        [
            (1, 1, "run_started".into(), None, s(r#"{"pid":1}"#)),
            (
                2,
                2,
                "attempt_started".into(),
                s("a \"q\""),
                s(r#"{"attempt":1}"#)
            ),
            (3, 3, "phase".into(), None, s(r#"{"phase":"finally"}"#)),
            (4, 4, "x".into(), s("b"), None),
            (5, 5, "events".into(), None, s(r#"{"not":"packed"}"#)),
            (6, 6, "run_ended".into(), None, None),
        ]
    );
}

/// A store of version 7, as that wfc left it: its schema (version 6's,
/// migrated), and the tables it made on first use, with rows.
fn v7_store(path: &std::path::Path) {
    let mut c = Connection::open(path).unwrap();
    c.execute_batch(V6_STORE).unwrap();
    let tx = c.transaction().unwrap();
    tx.execute_batch(FROM_V6).unwrap();
    rewrite_events(&tx).unwrap();
    tx.execute_batch(
        r#"PRAGMA user_version = 7;
           CREATE TABLE IF NOT EXISTS run_triggers (
               run_id  TEXT PRIMARY KEY,
               trigger TEXT NOT NULL
           ) WITHOUT ROWID;
           CREATE TABLE IF NOT EXISTS run_locks (
               key TEXT PRIMARY KEY, run_id TEXT NOT NULL, pid INTEGER NOT NULL,
               pid_start INTEGER NOT NULL, host TEXT NOT NULL, since INTEGER NOT NULL
           ) WITHOUT ROWID;
           CREATE TABLE IF NOT EXISTS schedule_fires (
               file TEXT NOT NULL, workflow TEXT NOT NULL, schedule TEXT NOT NULL,
               done_until INTEGER NOT NULL, fired INTEGER NOT NULL,
               PRIMARY KEY (file, workflow, schedule)
           ) WITHOUT ROWID;
           INSERT INTO run_triggers VALUES ('r1', 'api'), ('r2', 'schedule');
           INSERT INTO run_locks VALUES ('deploy-eu', 'r1', 42, 7, 'box', 1000);
           INSERT INTO schedule_fires VALUES ('a.wf', 'nightly', '0 2 * * * UTC', 5000, 3);"#,
    )
    .unwrap();
    tx.commit().unwrap();
}

/// A store of version 7 opens as the newest with the rows of the
/// tables it made on first use, `origin` NULL, and no deliveries; an
/// old wfc would now refuse it.
#[test]
fn a_v7_store_opens_as_the_newest_with_its_rows() {
    let dir = tempfile::tempdir().unwrap();
    v7_store(&dir.path().join("runs.db"));
    let store = crate::Store::open(dir.path()).unwrap();
    let c = store.conn.as_sqlite().unwrap();
    assert_eq!(version(c).unwrap(), VERSION);
    let deliveries: i64 = c
        .query_row("SELECT COUNT(*) FROM deliveries", [], |r| r.get(0))
        .unwrap();
    assert_eq!(deliveries, 0);
    let triggers: Vec<(String, String, Option<String>)> = c
        .prepare("SELECT run_id, trigger, origin FROM run_triggers ORDER BY run_id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        triggers,
        [
            ("r1".into(), "api".into(), None),
            ("r2".into(), "schedule".into(), None)
        ]
    );
    let lock: (String, i64, String) = c
        .query_row(
            "SELECT run_id, pid, host FROM run_locks WHERE key = 'deploy-eu'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!(lock, ("r1".into(), 42, "box".into()));
    let fires: (i64, i64) = c
        .query_row("SELECT done_until, fired FROM schedule_fires", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!(fires, (5000, 3));
    drop(store);
    let mut fresh = Connection::open_in_memory().unwrap();
    migrate(&mut fresh).unwrap();
    let c = Connection::open(dir.path().join("runs.db")).unwrap();
    assert_eq!(shape(&c), shape(&fresh));
}

/// A version 7 store without the first-use tables gets them too.
#[test]
fn a_v7_store_without_the_first_use_tables_gets_them() {
    let mut c = Connection::open_in_memory().unwrap();
    c.execute_batch(V6_STORE).unwrap();
    let tx = c.transaction().unwrap();
    tx.execute_batch(FROM_V6).unwrap();
    rewrite_events(&tx).unwrap();
    tx.execute_batch("PRAGMA user_version = 7").unwrap();
    tx.commit().unwrap();
    assert_eq!(migrate(&mut c).unwrap(), 7);
    let mut fresh = Connection::open_in_memory().unwrap();
    migrate(&mut fresh).unwrap();
    assert_eq!(shape(&c), shape(&fresh));
}

/// Every table's columns and keys, every index, which tables have no rowid.
fn shape(c: &Connection) -> Vec<String> {
    let mut q = c
        .prepare(
            "SELECT m.type, m.name, p.cid, p.name, p.type, p.\"notnull\", p.dflt_value, p.pk
             FROM sqlite_schema m, pragma_table_info(m.name) p
             WHERE m.name NOT LIKE 'sqlite_%' ORDER BY m.name, p.cid",
        )
        .unwrap();
    let mut rows: Vec<String> = q
        .query_map([], |r| {
            (0..8)
                .map(|i| {
                    r.get::<_, rusqlite::types::Value>(i)
                        .map(|v| format!("{v:?}"))
                })
                .collect::<Result<Vec<_>, _>>()
                .map(|v| v.join(" "))
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let mut q = c
        .prepare(
            "SELECT name, tbl_name, type FROM sqlite_schema
             WHERE name NOT LIKE 'sqlite_%' AND type = 'index' ORDER BY name",
        )
        .unwrap();
    rows.extend(
        q.query_map([], |r| {
            Ok(format!(
                "{:?}",
                (r.get::<_, String>(0)?, r.get::<_, String>(1)?)
            ))
        })
        .unwrap()
        .map(Result::unwrap),
    );
    let triggers = "SELECT name, tbl_name FROM sqlite_schema WHERE type = 'trigger' ORDER BY name";
    rows.extend(
        c.prepare(triggers)
            .unwrap()
            .query_map([], |r| {
                Ok(format!(
                    "trigger {} on {}",
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?
                ))
            })
            .unwrap()
            .map(Result::unwrap),
    );
    let without_rowid = "SELECT name FROM sqlite_schema WHERE type = 'table' AND sql LIKE '%WITHOUT ROWID%' ORDER BY name";
    rows.extend(
        c.prepare(without_rowid)
            .unwrap()
            .query_map([], |r| r.get::<_, String>(0))
            .unwrap()
            .map(|n| format!("without rowid: {}", n.unwrap())),
    );
    rows
}

/// A migrated store has the tables, columns and keys of a new one, and
/// both are shaped as [`TABLES`] says.
#[test]
fn a_migrated_store_is_shaped_as_a_new_one() {
    let mut new = Connection::open_in_memory().unwrap();
    migrate(&mut new).unwrap();
    let documented = Connection::open_in_memory().unwrap();
    documented.execute_batch(TABLES).unwrap();
    assert_eq!(shape(&new), shape(&documented));
    let mut old = Connection::open_in_memory().unwrap();
    old.execute_batch(V6_STORE).unwrap();
    migrate(&mut old).unwrap();
    assert_eq!(shape(&old), shape(&new));
    assert!(shape(&new).len() > 60);
}

/// A store of version 18 gets its runs numbered by when their sessions
/// started, and a new session (a run, a resume) the next number.
#[test]
fn sessions_are_numbered_in_order() {
    let mut c = Connection::open_in_memory().unwrap();
    migrations().to_version(&mut c, 18).unwrap();
    c.execute_batch(
        "INSERT INTO runs (id, workflow, file, file_hash, params, status, jobs, steps, pid, started_at, heartbeat_at, session_started_at)
         VALUES ('b', 'w', 'w.wf', 'h', '{}', 'failed', 1, 1, 1, 10, 10, 30),
                ('a', 'w', 'w.wf', 'h', '{}', 'failed', 1, 1, 1, 20, 20, NULL)",
    )
    .unwrap();
    migrate(&mut c).unwrap();
    let listed = |c: &Connection| -> Vec<(String, i64)> {
        let mut q = c
            .prepare("SELECT id, listed FROM runs ORDER BY listed")
            .unwrap();
        q.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    assert_eq!(listed(&c), [("a".into(), 1), ("b".into(), 2)]);
    c.execute_batch(
        "INSERT INTO runs (id, workflow, file, file_hash, params, status, jobs, steps, pid, started_at, heartbeat_at)
         VALUES ('c', 'w', 'w.wf', 'h', '{}', 'running', 1, 1, 1, 5, 5);
         UPDATE runs SET session = 2 WHERE id = 'a';
         UPDATE runs SET status = 'failed' WHERE id = 'c';",
    )
    .unwrap();
    assert_eq!(
        listed(&c),
        [("b".into(), 2), ("c".into(), 3), ("a".into(), 4)]
    );
}

/// A store of version 16 keeps its runs' triggers; who started them is
/// not known (NULL) until a run records it; `step_inputs` starts empty.
#[test]
fn who_started_a_run_is_added_to_its_trigger() {
    let mut c = Connection::open_in_memory().unwrap();
    migrations().to_version(&mut c, 16).unwrap();
    c.execute_batch("INSERT INTO run_triggers VALUES ('r1', 'api', 'mcp')")
        .unwrap();
    assert_eq!(migrate(&mut c).unwrap(), 16);
    assert_eq!(version(&c).unwrap(), VERSION);
    let rows: i64 = c
        .query_row("SELECT count(*) FROM step_inputs", [], |r| r.get(0))
        .unwrap();
    assert_eq!(rows, 0);
    let row: (String, Option<String>, Option<String>) = c
        .query_row(
            "SELECT trigger, origin, started_by FROM run_triggers WHERE run_id = 'r1'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!(row, ("api".into(), Some("mcp".into()), None));
}

//! The store's schema and its migrations.
//!
//! The version lives in SQLite's `PRAGMA user_version`. [`migrate`] brings a
//! database of any earlier version (0 = empty) up to [`VERSION`], one step at a
//! time, each step in its own transaction together with the version bump, so a
//! crash mid-migration leaves the previous version intact. Migrations are
//! append-only: a released step is never edited, a change is a new step.
//!
//! - **v1** — runs, steps (final state per step instance), attempts, events,
//!   approvals.
//! - **v2** — resume and cancel: `runs.session` (how many times the run was
//!   started: 1, then +1 per `wfc resume`), `runs.plan` (the plan's step
//!   fingerprints, to refuse a resume against a changed plan), `runs.cancel_requested_at`
//!   (`wfc cancel` from another process), `runs.host`, `runs.session_started_at`
//!   and `runs.prior_ms` (time spent in earlier sessions); attempts get a
//!   `session` column in their key; steps get `log_path` and `detail` (why a
//!   step waits); events are numbered per run (`seq`) instead of by an
//!   AUTOINCREMENT id. steps, attempts and events are rebuilt (SQLite cannot
//!   change a primary key in place) as `WITHOUT ROWID` tables clustered on
//!   their key: one b-tree each instead of a table plus its key index (plus
//!   `sqlite_sequence`), so recording a step writes half as many pages.
//!
//! - **v3** — `journal`: how far each running run's journal file has been
//!   applied (see [`super::journal`]).
//! - **v4** — no new table: a fold's events may be packed into one `events`
//!   row (see [`super::events`]), which an older wfc would show as one odd
//!   event; the version keeps it from reading or writing such a store.
//! - **v5** — a running run's journal is binary frames, `journal/RUN.wfj`
//!   ([`super::wire`]), not JSON lines (`RUN.jsonl`): an older wfc would
//!   not find it, and would mark a live run's record interrupted without
//!   what it holds (a wfc of v5 folds a `.jsonl` journal left by an older
//!   one). And a main-graph step that succeeded at its first attempt of the
//!   run's first session has no `attempts` row when that attempt is all its
//!   `steps` row says (most steps: it halves what a fold inserts); the view
//!   `attempt_log` gives every attempt, those included, and is what readers
//!   read.
//! - **v6** — `durations`: one row per run of its main-graph steps that
//!   succeeded and their durations, packed (see [`super::durations`]); the
//!   history estimates read it instead of ten runs' `steps` rows. An older
//!   wfc resuming a run would leave its row stale. And `plans`: a run's
//!   plan fingerprints move out of `runs.plan` (dropped) into a table of
//!   their own. SQLite rewrites a whole row on every `UPDATE`, and a run's
//!   row is updated at every fold (its heartbeat) and its end: with the
//!   fingerprints in it (35 KB at 1,000 steps, 180 KB at 5,000), each of
//!   those read and wrote them again, in overflow pages. And `events` is
//!   rebuilt as a rowid table (its key an index beside it): a fold's
//!   packed row (v4) is up to ~25 KB, and in a `WITHOUT ROWID` table a
//!   search that compares its key with such a row reads all of the row's
//!   overflow pages first; each fold's two searches (the next number, the
//!   insert) read several packed rows whole, ~330 page reads at the end of
//!   a run of 1,000 steps.
//!
//! Times are integer milliseconds since the Unix epoch; JSON columns hold
//! masked values only (secrets are `***` before anything reaches the store).

use rusqlite::{Connection, Transaction};

/// The schema version this build writes.
pub const VERSION: i64 = 6;

/// Version 1, exactly as released (kept verbatim: tests build v1 files with it).
pub const V1: &str = r#"
CREATE TABLE runs (
    id           TEXT PRIMARY KEY,
    workflow     TEXT NOT NULL,
    file         TEXT NOT NULL,
    file_hash    TEXT NOT NULL,
    params       TEXT NOT NULL,            -- JSON object, secrets masked
    status       TEXT NOT NULL,            -- running | succeeded | failed | cancelled | interrupted
    jobs         INTEGER NOT NULL,
    steps        INTEGER NOT NULL,         -- main-graph instances
    pid          INTEGER NOT NULL,
    started_at   INTEGER NOT NULL,
    heartbeat_at INTEGER NOT NULL,
    ended_at     INTEGER,
    duration_ms  INTEGER,
    failed_step  TEXT,
    failed_error TEXT
);
CREATE INDEX runs_by_workflow ON runs (workflow, started_at);
CREATE INDEX runs_by_status ON runs (status);

CREATE TABLE steps (
    run_id      TEXT NOT NULL REFERENCES runs (id),
    graph       TEXT NOT NULL,             -- main | rollback | on_failure | on_success | finally
    rollback_of TEXT NOT NULL DEFAULT '',  -- the main-graph step of a rollback
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL,
    seq         INTEGER NOT NULL,          -- first seen order
    status      TEXT NOT NULL,             -- running | waiting | succeeded | failed | timed_out | cancelled | skipped | not_run | interrupted
    attempts    INTEGER NOT NULL DEFAULT 0,
    started_at  INTEGER,
    duration_ms INTEGER,
    exit_code   INTEGER,
    error       TEXT,
    outputs     TEXT,                      -- JSON, masked
    optional    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (run_id, graph, rollback_of, name)
);

CREATE TABLE attempts (
    run_id      TEXT NOT NULL REFERENCES runs (id),
    graph       TEXT NOT NULL,
    rollback_of TEXT NOT NULL DEFAULT '',
    step        TEXT NOT NULL,
    number      INTEGER NOT NULL,
    status      TEXT NOT NULL,             -- running, then as steps.status
    started_at  INTEGER NOT NULL,
    duration_ms INTEGER,
    exit_code   INTEGER,
    error       TEXT,
    outputs     TEXT,
    PRIMARY KEY (run_id, graph, rollback_of, step, number)
);

CREATE TABLE events (
    id     INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id TEXT NOT NULL REFERENCES runs (id),
    at     INTEGER NOT NULL,
    kind   TEXT NOT NULL,
    step   TEXT,
    detail TEXT
);
CREATE INDEX events_by_run ON events (run_id, id);

CREATE TABLE approvals (
    run_id   TEXT NOT NULL REFERENCES runs (id),
    step     TEXT NOT NULL,
    decision TEXT NOT NULL,                -- approved | rejected
    by       TEXT NOT NULL,
    at       INTEGER NOT NULL,
    PRIMARY KEY (run_id, step)
);
"#;

/// Version 2 (see the module docs).
const V2: &str = r#"
ALTER TABLE runs ADD COLUMN session INTEGER NOT NULL DEFAULT 1;
ALTER TABLE runs ADD COLUMN plan TEXT;
ALTER TABLE runs ADD COLUMN cancel_requested_at INTEGER;
ALTER TABLE runs ADD COLUMN host TEXT NOT NULL DEFAULT '';
ALTER TABLE runs ADD COLUMN session_started_at INTEGER;
ALTER TABLE runs ADD COLUMN prior_ms INTEGER NOT NULL DEFAULT 0;
UPDATE runs SET session_started_at = started_at;

CREATE TABLE steps2 (
    run_id      TEXT NOT NULL REFERENCES runs (id),
    graph       TEXT NOT NULL,
    rollback_of TEXT NOT NULL DEFAULT '',
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    status      TEXT NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    started_at  INTEGER,
    duration_ms INTEGER,
    exit_code   INTEGER,
    error       TEXT,
    outputs     TEXT,
    optional    INTEGER NOT NULL DEFAULT 0,
    log_path    TEXT,
    detail      TEXT,
    PRIMARY KEY (run_id, graph, rollback_of, name)
) WITHOUT ROWID;
INSERT INTO steps2 (run_id, graph, rollback_of, name, kind, seq, status, attempts, started_at,
                    duration_ms, exit_code, error, outputs, optional)
    SELECT run_id, graph, rollback_of, name, kind, seq, status, attempts, started_at,
           duration_ms, exit_code, error, outputs, optional FROM steps;
DROP TABLE steps;
ALTER TABLE steps2 RENAME TO steps;

CREATE TABLE attempts2 (
    run_id      TEXT NOT NULL REFERENCES runs (id),
    graph       TEXT NOT NULL,
    rollback_of TEXT NOT NULL DEFAULT '',
    step        TEXT NOT NULL,
    session     INTEGER NOT NULL,
    number      INTEGER NOT NULL,
    status      TEXT NOT NULL,
    started_at  INTEGER NOT NULL,
    duration_ms INTEGER,
    exit_code   INTEGER,
    error       TEXT,
    outputs     TEXT,
    PRIMARY KEY (run_id, graph, rollback_of, step, session, number)
) WITHOUT ROWID;
INSERT INTO attempts2 (run_id, graph, rollback_of, step, session, number, status,
                       started_at, duration_ms, exit_code, error, outputs)
    SELECT run_id, graph, rollback_of, step, 1, number, status,
           started_at, duration_ms, exit_code, error, outputs FROM attempts;
DROP TABLE attempts;
ALTER TABLE attempts2 RENAME TO attempts;

CREATE TABLE events2 (
    run_id TEXT NOT NULL REFERENCES runs (id),
    seq    INTEGER NOT NULL,               -- per run, from 1
    at     INTEGER NOT NULL,
    kind   TEXT NOT NULL,
    step   TEXT,
    detail TEXT,
    PRIMARY KEY (run_id, seq)
) WITHOUT ROWID;
INSERT INTO events2 (run_id, seq, at, kind, step, detail)
    SELECT run_id, ROW_NUMBER() OVER (PARTITION BY run_id ORDER BY id), at, kind, step, detail
    FROM events;
DROP TABLE events;
ALTER TABLE events2 RENAME TO events;
"#;

/// Version 3 (see the module docs).
const V3: &str = r#"
CREATE TABLE journal (
    run_id TEXT PRIMARY KEY REFERENCES runs (id),
    batch  INTEGER NOT NULL,               -- the last journal line applied
    bytes  INTEGER NOT NULL                -- the journal bytes applied (where the next line starts)
) WITHOUT ROWID;
"#;

/// Version 4 (see the module docs): the version alone.
const V4: &str = "";

/// Version 5 (see the module docs).
const V5: &str = r#"
CREATE VIEW attempt_log AS
SELECT run_id, graph, rollback_of, step, session, number, status, started_at, duration_ms,
       exit_code, error, outputs
FROM attempts
UNION ALL
SELECT run_id, graph, rollback_of, name, 1, 1, status, started_at, duration_ms,
       exit_code, error, outputs
FROM steps s
WHERE graph = 'main' AND status = 'succeeded' AND attempts = 1
  AND NOT EXISTS (SELECT 1 FROM attempts a WHERE a.run_id = s.run_id AND a.graph = s.graph
                    AND a.rollback_of = s.rollback_of AND a.step = s.name);
"#;

/// Version 6 (see the module docs).
const V6: &str = r#"
CREATE TABLE durations (
    run_id TEXT PRIMARY KEY REFERENCES runs (id),
    packed BLOB NOT NULL                   -- succeeded main-graph steps: (name, ms) in postcard
);
CREATE TABLE plans (
    run_id TEXT PRIMARY KEY REFERENCES runs (id),
    plan   BLOB NOT NULL                   -- the plan's fingerprints (gzip'd JSON; JSON text before v3)
);
INSERT INTO plans (run_id, plan)
    SELECT id, plan FROM runs WHERE plan IS NOT NULL AND length(plan) > 0;
ALTER TABLE runs DROP COLUMN plan;

CREATE TABLE events2 (
    run_id TEXT NOT NULL REFERENCES runs (id),
    seq    INTEGER NOT NULL,               -- per run, from 1
    at     INTEGER NOT NULL,
    kind   TEXT NOT NULL,
    step   TEXT,
    detail TEXT,
    PRIMARY KEY (run_id, seq)
);
INSERT INTO events2 (run_id, seq, at, kind, step, detail)
    SELECT run_id, seq, at, kind, step, detail FROM events;
DROP TABLE events;
ALTER TABLE events2 RENAME TO events;
"#;

/// The migration steps, in order: `STEPS[i]` goes from version `i` to `i + 1`.
const STEPS: &[&str] = &[V1, V2, V3, V4, V5, V6];

/// The database's schema version.
pub fn version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("PRAGMA user_version", [], |r| r.get(0))
}

/// Brings the schema up to [`VERSION`]; returns the version it found.
/// A database newer than this build is refused (an older wfc must not
/// write to it).
pub fn migrate(conn: &mut Connection) -> Result<i64, String> {
    let found = version(conn).map_err(|e| e.to_string())?;
    if found > VERSION {
        return Err(format!(
            "the run store has schema version {found}, newer than this wfc understands ({VERSION}); upgrade wfc"
        ));
    }
    for v in found..VERSION {
        // IMMEDIATE: take the write lock first, so two processes opening an
        // old store at once migrate it once (the second sees the new version).
        let tx = Transaction::new(conn, rusqlite::TransactionBehavior::Immediate)
            .map_err(|e| e.to_string())?;
        let now = version(&tx).map_err(|e| e.to_string())?;
        if now > v {
            tx.commit().map_err(|e| e.to_string())?;
            continue;
        }
        tx.execute_batch(STEPS[v as usize])
            .and_then(|()| tx.execute_batch(&format!("PRAGMA user_version = {}", v + 1)))
            .and_then(|()| tx.commit())
            .map_err(|e| format!("migrating the run store to version {}: {e}", v + 1))?;
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_to_latest_and_idempotent() {
        let mut c = Connection::open_in_memory().unwrap();
        assert_eq!(migrate(&mut c).unwrap(), 0);
        assert_eq!(version(&c).unwrap(), VERSION);
        assert_eq!(migrate(&mut c).unwrap(), VERSION);
    }

    #[test]
    fn v1_rows_survive() {
        let mut c = Connection::open_in_memory().unwrap();
        c.execute_batch(V1).unwrap();
        c.execute_batch("PRAGMA user_version = 1").unwrap();
        c.execute_batch(
            "INSERT INTO runs VALUES ('r1','w','w.wf','h','{}','failed',1,1,1,0,0,5,5,'a','boom');
             INSERT INTO attempts VALUES ('r1','main','','a',1,'failed',0,5,1,'boom',NULL);",
        )
        .unwrap();
        assert_eq!(migrate(&mut c).unwrap(), 1);
        let (session, n): (i64, i64) = c
            .query_row(
                "SELECT r.session, a.session FROM runs r JOIN attempts a ON a.run_id = r.id",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!((session, n), (1, 1));
    }

    #[test]
    fn v6_moves_the_fingerprints_out_of_runs() {
        let mut c = Connection::open_in_memory().unwrap();
        for step in &STEPS[..5] {
            c.execute_batch(step).unwrap();
        }
        c.execute_batch(
            "PRAGMA user_version = 5;
             INSERT INTO runs (id, workflow, file, file_hash, params, status, jobs, steps, pid,
                               started_at, heartbeat_at, plan)
             VALUES ('a','w','w.wf','h','{}','succeeded',1,1,1,0,0, x'1f8b00'),
                    ('b','w','w.wf','h','{}','succeeded',1,1,1,0,0, '{\"steps\":[]}'),
                    ('c','w','w.wf','h','{}','succeeded',1,1,1,0,0, NULL),
                    ('d','w','w.wf','h','{}','succeeded',1,1,1,0,0, x'');",
        )
        .unwrap();
        assert_eq!(migrate(&mut c).unwrap(), 5);
        let plans: Vec<(String, rusqlite::types::Value)> = c
            .prepare("SELECT run_id, plan FROM plans ORDER BY run_id")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        use rusqlite::types::Value as V;
        assert_eq!(
            plans,
            [
                ("a".into(), V::Blob(vec![0x1f, 0x8b, 0])),
                ("b".into(), V::Text("{\"steps\":[]}".into()))
            ]
        );
        let columns: i64 = c
            .query_row(
                "SELECT COUNT(*) FROM pragma_table_info('runs') WHERE name = 'plan'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(columns, 0);
        let runs: i64 = c
            .query_row("SELECT COUNT(*) FROM runs", [], |r| r.get(0))
            .unwrap();
        assert_eq!(runs, 4);
    }

    #[test]
    fn newer_is_refused() {
        let mut c = Connection::open_in_memory().unwrap();
        c.execute_batch("PRAGMA user_version = 99").unwrap();
        assert!(migrate(&mut c).unwrap_err().contains("newer"));
    }
}

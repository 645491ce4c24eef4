//! The migrations' SQL, one constant each: `FROM_Vn` takes a store from
//! version n to n + 1 (`V6` makes version 6's tables). Listed in order
//! by [`super::migrations`]; PostgreSQL replays those since its baseline
//! ([`super::postgres`]).

/// Version 16 to 17: what decided each step that declares `sources`.
pub(super) const FROM_V16: &str = r#"
CREATE TABLE step_inputs (
    run_id   TEXT NOT NULL,
    step     TEXT NOT NULL,               -- a main-graph step that declares `sources`
    scope    TEXT NOT NULL,               -- the workflow file's real path, `#`, the workflow
    key      TEXT NOT NULL,               -- keyed BLAKE3 of what decides the step (hex)
    sources  TEXT NOT NULL,               -- [[path, blake3-hex], …]
    deps     TEXT NOT NULL,               -- {dep: {"outputs": hex, "artifacts": hex}}
    gave     TEXT NOT NULL,               -- what the step gave (outputs and files), hashed
    origin   TEXT,                        -- up to date with this run (NULL: it ran)
    forced   INTEGER NOT NULL DEFAULT 0,  -- ran because of --force / --rerun
    at       INTEGER NOT NULL,
    PRIMARY KEY (run_id, step)
) WITHOUT ROWID;
CREATE INDEX step_inputs_by_key ON step_inputs (scope, step, key);
"#;

/// Version 27 to 28: what a step's `up to date when` check said.
pub(super) const FROM_V27: &str = "ALTER TABLE step_inputs ADD COLUMN checked TEXT;";

/// Version 28 to 29: the webhook deliveries that started nothing, with
/// what a redelivery sends again (see `failed_deliveries`), and the slot a
/// schedule's or a backfill's run is for.
pub(super) const FROM_V28: &str = r#"
ALTER TABLE run_triggers ADD COLUMN scheduled_at INTEGER;
CREATE TABLE failed_deliveries (
    id       TEXT PRIMARY KEY,
    at       INTEGER NOT NULL,
    hook     TEXT NOT NULL,
    workflow TEXT NOT NULL,
    file     TEXT NOT NULL,
    status   INTEGER NOT NULL,
    code     TEXT NOT NULL,
    reason   TEXT NOT NULL,
    delivery TEXT,
    request  TEXT,
    body     BLOB,
    not_kept TEXT
) WITHOUT ROWID;
CREATE INDEX failed_deliveries_by_hook ON failed_deliveries (hook, at);
CREATE INDEX failed_deliveries_by_workflow ON failed_deliveries (workflow, at);
"#;

/// Version 25 to 26: what each server serves, for the runs it claims to
/// be those it can resume (see `served`), and which server leads what only
/// one may do (see `servers::lead`).
pub(super) const FROM_V25: &str = r#"
CREATE TABLE served (
    server    TEXT NOT NULL,
    workflow  TEXT NOT NULL,
    file      TEXT NOT NULL,
    file_hash TEXT NOT NULL,
    PRIMARY KEY (server, workflow)
) WITHOUT ROWID;
CREATE TABLE leaders (
    role   TEXT PRIMARY KEY,
    server TEXT NOT NULL,
    at     INTEGER NOT NULL
) WITHOUT ROWID;
"#;

/// Version 26 to 27: what a queued start needs besides its run's row
/// (`queued`).
pub(super) const FROM_V26: &str = r#"
ALTER TABLE run_queue ADD COLUMN detail TEXT;
"#;

/// Version 24 to 25: the runs of dead servers, queued for any server to
/// resume (see `sweep`).
pub(super) const FROM_V24: &str = r#"
CREATE TABLE run_queue (
    run_id     TEXT PRIMARY KEY REFERENCES runs (id),
    kind       TEXT NOT NULL,
    at         INTEGER NOT NULL,
    claimed_by TEXT
) WITHOUT ROWID;
"#;

/// Version 23 to 24: the `wfc serve` processes sharing a store in a
/// database, with their leases, and which one runs each run (see
/// `servers`).
pub(super) const FROM_V23: &str = r#"
ALTER TABLE runs ADD COLUMN owner TEXT;
CREATE TABLE servers (
    id           TEXT PRIMARY KEY,        -- a UUID a `wfc serve` process takes when it joins
    epoch        INTEGER NOT NULL,        -- the how-manyth join on this store
    host         TEXT NOT NULL,
    pid          INTEGER NOT NULL,
    version      TEXT NOT NULL,
    listen       TEXT NOT NULL,           -- where it answers (`--listen`)
    started_at   INTEGER NOT NULL,        -- the database's clock, ms
    heartbeat_at INTEGER NOT NULL,        -- the database's clock, ms: its lease's last renewal
    state        TEXT NOT NULL            -- `alive`, `left` (stopped), `dead` (its lease expired)
) WITHOUT ROWID;
"#;

/// Version 22 to 23: step logs kept in the database, as chunks (a store
/// on PostgreSQL writes them there; see `logs::chunks`).
pub(super) const FROM_V22: &str = r#"
CREATE TABLE log_chunks (
    run_id  TEXT NOT NULL REFERENCES runs (id),
    log     TEXT NOT NULL,                -- the step's log, as `steps.log_path` names it
    start   INTEGER NOT NULL,             -- the chunk's first byte in the log
    bytes   BLOB NOT NULL,
    err     TEXT,                         -- where its stderr lines start, from `start`: `0 12 …`
    marks   TEXT,                         -- when lines came: `OFFSET MS` pairs, from `start`
    PRIMARY KEY (run_id, log, start)
) WITHOUT ROWID;
"#;

/// Version 21 to 22: runs parked waiting for a `lock` key (see `park`).
pub(super) const FROM_V21: &str = "ALTER TABLE parked ADD COLUMN lock_key TEXT;";

/// Version 20 to 21: runs that only wait, parked with no process (see
/// `park`).
pub(super) const FROM_V20: &str = r#"
CREATE TABLE parked (
    run_id  TEXT PRIMARY KEY REFERENCES runs (id),
    session INTEGER NOT NULL,
    since   INTEGER NOT NULL,
    wake_at INTEGER,
    paused  INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE INDEX parked_by_wake ON parked (wake_at);
"#;

/// Version 19 to 20: the sessions of a run that a stopping server left
/// for the next start to resume (not crashes: they do not count against
/// the sessions a server resumes at start).
pub(super) const FROM_V19: &str = r#"
ALTER TABLE runs ADD COLUMN left_sessions INTEGER NOT NULL DEFAULT 0;
"#;

/// Version 18 to 19: each run's session numbered in the order sessions
/// reached the store (the runs there: in the order their sessions
/// started), by triggers from now on.
pub(super) const FROM_V18: &str = r#"
ALTER TABLE runs ADD COLUMN listed INTEGER;
UPDATE runs SET listed = o.n
FROM (SELECT id, ROW_NUMBER() OVER (ORDER BY COALESCE(session_started_at, started_at), id) AS n
      FROM runs) AS o
WHERE o.id = runs.id;
CREATE INDEX runs_by_listed ON runs (listed);
CREATE TABLE counters (
    name TEXT PRIMARY KEY,
    n    INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO counters VALUES ('sessions', (SELECT COUNT(*) FROM runs));
CREATE TRIGGER runs_listed_at_start AFTER INSERT ON runs BEGIN
    UPDATE counters SET n = n + 1 WHERE name = 'sessions';
    UPDATE runs SET listed = (SELECT n FROM counters WHERE name = 'sessions') WHERE id = NEW.id;
END;
CREATE TRIGGER runs_listed_at_resume AFTER UPDATE OF session ON runs
WHEN NEW.session IS NOT OLD.session BEGIN
    UPDATE counters SET n = n + 1 WHERE name = 'sessions';
    UPDATE runs SET listed = (SELECT n FROM counters WHERE name = 'sessions') WHERE id = NEW.id;
END;
"#;

/// Version 17 to 18: who started a run (runs recorded before: not known).
pub(super) const FROM_V17: &str = r#"
ALTER TABLE run_triggers ADD COLUMN started_by TEXT;
"#;

/// Version 15 to 16: each alert rule's state (`alert NAME { … }`).
pub(super) const FROM_V15: &str = r#"
CREATE TABLE alert_states (
    workflow         TEXT NOT NULL,
    alert            TEXT NOT NULL,
    state            TEXT NOT NULL,
    since            INTEGER NOT NULL,
    last_fired_at    INTEGER,
    last_resolved_at INTEGER,
    last_value       TEXT,
    last_run         TEXT,
    last_error       TEXT,
    PRIMARY KEY (workflow, alert)
) WITHOUT ROWID;
"#;

/// Version 13 to 14: pausing a run (`wfc pause`) and a workflow's triggers
/// (`wfc triggers pause`).
pub(super) const FROM_V13: &str = r#"
ALTER TABLE runs ADD COLUMN paused_at INTEGER;
ALTER TABLE runs ADD COLUMN paused_by TEXT;
ALTER TABLE runs ADD COLUMN pause_taken_at INTEGER;
CREATE TABLE paused_triggers (
    workflow TEXT NOT NULL,
    kind     TEXT NOT NULL,
    by       TEXT NOT NULL,
    at       INTEGER NOT NULL,
    PRIMARY KEY (workflow, kind)
) WITHOUT ROWID;
"#;

/// Version 14 to 15: what each attempt's process or container used.
pub(super) const FROM_V14: &str = r#"
ALTER TABLE attempts ADD COLUMN cpu_us INTEGER;
ALTER TABLE attempts ADD COLUMN peak_memory INTEGER;
"#;

/// Version 12 to 13: the `version` and `tags` of each run's workflow.
pub(super) const FROM_V12: &str = r#"
CREATE TABLE run_labels (
    run_id  TEXT PRIMARY KEY,
    version TEXT,
    tags    TEXT NOT NULL DEFAULT '[]'
) WITHOUT ROWID;
"#;

/// Version 9 to 10: deliveries are dated (those of 9 count from now), and
/// the firings a trigger's `when` turned down are kept.
pub(super) const FROM_V9: &str = r#"
ALTER TABLE deliveries ADD COLUMN at INTEGER NOT NULL DEFAULT 0;
UPDATE deliveries SET at = CAST(strftime('%s', 'now') AS INTEGER) * 1000;
CREATE TABLE ignored_firings (
    at       INTEGER NOT NULL,
    file     TEXT NOT NULL,
    workflow TEXT NOT NULL,
    trigger  TEXT NOT NULL,
    reason   TEXT NOT NULL,
    delivery TEXT
);
CREATE INDEX ignored_firings_by_workflow ON ignored_firings (workflow, at);
"#;

/// Version 10 to 11: the files steps kept as artifacts.
pub(super) const FROM_V10: &str = r#"
CREATE TABLE artifacts (
    run_id      TEXT NOT NULL REFERENCES runs (id),
    graph       TEXT NOT NULL,
    rollback_of TEXT NOT NULL DEFAULT '',
    step        TEXT NOT NULL,
    name        TEXT NOT NULL,
    path        TEXT NOT NULL,
    size        INTEGER NOT NULL,
    sha256      TEXT NOT NULL,
    PRIMARY KEY (run_id, graph, rollback_of, step, name, path)
) WITHOUT ROWID;
"#;

/// Version 11 to 12: a decision's inputs and comment.
pub(super) const FROM_V11: &str = r#"
ALTER TABLE approvals ADD COLUMN inputs TEXT;
ALTER TABLE approvals ADD COLUMN comment TEXT NOT NULL DEFAULT '';
"#;

/// Version 8 to 9: the deliveries that started runs.
pub(super) const FROM_V8: &str = r#"
CREATE TABLE deliveries (
    key    TEXT PRIMARY KEY,
    run_id TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX deliveries_by_run ON deliveries (run_id);
"#;

/// Version 6, the schema the list starts from (as that wfc left a store).
pub(super) const V6: &str = r#"
CREATE TABLE runs (
    id           TEXT PRIMARY KEY,
    workflow     TEXT NOT NULL,
    file         TEXT NOT NULL,
    file_hash    TEXT NOT NULL,
    params       TEXT NOT NULL,
    status       TEXT NOT NULL,
    jobs         INTEGER NOT NULL,
    steps        INTEGER NOT NULL,
    pid          INTEGER NOT NULL,
    started_at   INTEGER NOT NULL,
    heartbeat_at INTEGER NOT NULL,
    ended_at     INTEGER,
    duration_ms  INTEGER,
    failed_step  TEXT,
    failed_error TEXT,
    session             INTEGER NOT NULL DEFAULT 1,
    cancel_requested_at INTEGER,
    host                TEXT NOT NULL DEFAULT '',
    session_started_at  INTEGER,
    prior_ms            INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX runs_by_workflow ON runs (workflow, started_at);
CREATE INDEX runs_by_status ON runs (status);
CREATE TABLE approvals (
    run_id   TEXT NOT NULL REFERENCES runs (id),
    step     TEXT NOT NULL,
    decision TEXT NOT NULL,
    by       TEXT NOT NULL,
    at       INTEGER NOT NULL,
    PRIMARY KEY (run_id, step)
);
CREATE TABLE steps (
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
CREATE TABLE attempts (
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
CREATE TABLE journal (
    run_id TEXT PRIMARY KEY REFERENCES runs (id),
    batch  INTEGER NOT NULL,
    bytes  INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE durations (
    run_id TEXT PRIMARY KEY REFERENCES runs (id),
    packed BLOB NOT NULL
);
CREATE TABLE plans (
    run_id TEXT PRIMARY KEY REFERENCES runs (id),
    plan   BLOB NOT NULL
);
CREATE TABLE events (
    run_id TEXT NOT NULL REFERENCES runs (id),
    seq    INTEGER NOT NULL,
    at     INTEGER NOT NULL,
    kind   TEXT NOT NULL,
    step   TEXT,
    detail TEXT,
    PRIMARY KEY (run_id, seq)
);
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

/// From version 7: the tables 7 made on first use, as 7 made them (a store
/// of 7 may have them, with rows), then `run_triggers.origin`.
pub(super) const FROM_V7: &str = r#"
CREATE TABLE IF NOT EXISTS run_triggers (
    run_id  TEXT PRIMARY KEY,
    trigger TEXT NOT NULL
) WITHOUT ROWID;
ALTER TABLE run_triggers ADD COLUMN origin TEXT;
CREATE TABLE IF NOT EXISTS run_locks (
    key       TEXT PRIMARY KEY,
    run_id    TEXT NOT NULL,
    pid       INTEGER NOT NULL,
    pid_start INTEGER NOT NULL,
    host      TEXT NOT NULL,
    since     INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS schedule_fires (
    file       TEXT NOT NULL,
    workflow   TEXT NOT NULL,
    schedule   TEXT NOT NULL,
    done_until INTEGER NOT NULL,
    fired      INTEGER NOT NULL,
    PRIMARY KEY (file, workflow, schedule)
) WITHOUT ROWID;
"#;

/// From version 6: the attempts `attempt_log` gave from `steps` rows get
/// rows of their own, and `events` is made anew (its rows are written by
/// [`events_of_v6`]).
pub(super) const FROM_V6: &str = r#"
INSERT INTO attempts (run_id, graph, rollback_of, step, session, number, status, started_at,
                      duration_ms, exit_code, error, outputs)
SELECT run_id, graph, rollback_of, name, 1, 1, status, started_at, duration_ms,
       exit_code, error, outputs
FROM steps s
WHERE graph = 'main' AND status = 'succeeded' AND attempts = 1
  AND NOT EXISTS (SELECT 1 FROM attempts a WHERE a.run_id = s.run_id AND a.graph = s.graph
                    AND a.rollback_of = s.rollback_of AND a.step = s.name);
DROP VIEW attempt_log;

ALTER TABLE events RENAME TO events_v6;
CREATE TABLE events (
    run_id TEXT NOT NULL REFERENCES runs (id),
    seq    INTEGER NOT NULL,
    at     INTEGER NOT NULL,
    kind   TEXT NOT NULL,
    step   TEXT,
    detail TEXT,
    PRIMARY KEY (run_id, seq)
) WITHOUT ROWID;
"#;

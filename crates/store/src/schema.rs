//! The store's schema: its migrations, as a list ([`migrations`]).
//!
//! The version lives in SQLite's `PRAGMA user_version`: the number of
//! migrations applied ([rusqlite_migration]). A new store goes through the
//! list from the start; a store of version 6 or 7 through the rest of it;
//! an older one is refused with what to do about it, and so is a newer one
//! (an older wfc must not write to it). A change to the tables is one more
//! migration at the end of the list, and [`TABLES`] (what a new store
//! holds, checked against the list by a test) changed to match.
//!
//! Versions 1 to 5 came before the store kept its history in this form:
//! their places in the list are empty, and a store of one is refused, never
//! migrated. 6 is the schema the list starts from; 7 gives every attempt
//! and every event a row of its own (6 left out a main-graph step's only
//! attempt, giving it back through the view `attempt_log`, and packed a
//! fold's events into one row of kind `events`: the migration writes those
//! rows, numbering each run's events anew in order, and drops the view); 8
//! makes the tables 7 created on first use — `run_triggers`, `run_locks`,
//! `schedule_fires` — part of the schema (a store of 7 may hold them with
//! rows: they are kept) and adds `run_triggers.origin` (where an `api` run
//! came from: `mcp`, `dashboard`); 9 adds `deliveries` (the webhook
//! deliveries that started runs, so a redelivery starts nothing); 10 dates
//! each delivery (`deliveries.at`: a redelivery counts for 24 hours) and
//! adds `ignored_firings` (the firings a trigger's `when` turned down); 11
//! adds `artifacts` (the files steps kept, stored under `artifacts/RUN/`);
//! 12 gives each decision on a gate its inputs and comment; 13 adds
//! `run_labels` (the `version` and `tags` of a run's workflow); 14 adds
//! `runs.paused_at` and `runs.paused_by` (`wfc pause`) and
//! `paused_triggers` (`wfc triggers pause`); 15 gives each attempt the CPU
//! time and peak memory its process or container used (`attempts.cpu_us`,
//! `attempts.peak_memory`); 16 adds `alert_states` (each alert rule's
//! state, its last firing and resolve, and a send that failed); 17 adds
//! `step_inputs` (what decided each step that declares `sources`: the key
//! an up-to-date step is found by, its sources' manifest, what its
//! dependencies gave); 18 adds `run_triggers.started_by` (who started a
//! run: an API key's name, the dashboard's user, a webhook's path, a
//! schedule's pattern); 19 numbers each run's sessions in the order they
//! reached the store (`runs.listed`, from `counters`, set by triggers):
//! the all-runs event stream's ids say where they stand by it.
//! 23 adds `log_chunks` (step logs in the database, where a store on
//! PostgreSQL keeps them); 24 `servers` (the servers sharing a store in a
//! database, and their leases) and `runs.owner` (the server a run's
//! session is on); 25 `run_queue` (dead servers' runs, for any server to
//! resume); 26 `served` (the workflows each server serves, as checked) and
//! `leaders` (the server that does what one does for all); 27
//! `run_queue.detail` (starts a full server queued for any server: `queued`);
//! 28 `step_inputs.checked`; 29 `failed_deliveries` (the webhook requests
//! that started nothing, with what a redelivery sends again) and
//! `run_triggers.scheduled_at` (the slot a schedule's or a backfill's run
//! is for: `run.scheduled`).
//!
//! Times are integer milliseconds since the Unix epoch; JSON columns hold
//! masked values only (secrets are `***` before anything reaches the store).

use rusqlite::{params, Connection, Transaction, TransactionBehavior};
use rusqlite_migration::{Migrations, M};

pub(crate) mod postgres;
mod steps;

use steps::*;

/// The schema version this build writes: the length of [`migrations`].
pub const VERSION: i64 = 29;

/// The oldest version `migrate` brings up to [`VERSION`].
pub const OLDEST: i64 = 6;

/// The migrations, in order: the one at index `i` takes a store from
/// version `i` to `i + 1`.
pub fn migrations() -> Migrations<'static> {
    Migrations::new(vec![
        // Versions 1 to 5: refused before migrating (see `check`).
        M::up(""),
        M::up(""),
        M::up(""),
        M::up(""),
        M::up(""),
        M::up(V6),
        M::up_with_hook(FROM_V6, events_of_v6),
        M::up(FROM_V7),
        M::up(FROM_V8),
        M::up(FROM_V9),
        M::up(FROM_V10),
        M::up(FROM_V11),
        M::up(FROM_V12),
        M::up(FROM_V13),
        M::up(FROM_V14),
        M::up(FROM_V15),
        M::up(FROM_V16),
        M::up(FROM_V17),
        M::up(FROM_V18),
        M::up(FROM_V19),
        M::up(FROM_V20),
        M::up(FROM_V21),
        M::up(FROM_V22),
        M::up(FROM_V23),
        M::up(FROM_V24),
        M::up(FROM_V25),
        M::up(FROM_V26),
        M::up(FROM_V27),
        M::up(FROM_V28),
    ])
}

/// The tables of a new store (what [`migrations`] leave), with what their
/// columns hold.
pub const TABLES: &str = r#"
CREATE TABLE runs (
    id                  TEXT PRIMARY KEY,
    workflow            TEXT NOT NULL,
    file                TEXT NOT NULL,
    file_hash           TEXT NOT NULL,
    params              TEXT NOT NULL,     -- JSON object, secrets masked
    status              TEXT NOT NULL,     -- running | succeeded | failed | cancelled | interrupted | queued
    jobs                INTEGER NOT NULL,
    steps               INTEGER NOT NULL,  -- main-graph instances
    pid                 INTEGER NOT NULL,
    started_at          INTEGER NOT NULL,
    heartbeat_at        INTEGER NOT NULL,
    ended_at            INTEGER,
    duration_ms         INTEGER,           -- every session's
    failed_step         TEXT,
    failed_error        TEXT,
    session             INTEGER NOT NULL DEFAULT 1,  -- 1, then one more per `wfc resume`
    cancel_requested_at INTEGER,
    host                TEXT NOT NULL DEFAULT '',
    session_started_at  INTEGER,
    prior_ms            INTEGER NOT NULL DEFAULT 0,  -- time spent in earlier sessions
    paused_at           INTEGER,           -- `wfc pause`: nothing new starts until `wfc resume`
    paused_by           TEXT,
    pause_taken_at      INTEGER,           -- when the run's process took the pause
    listed              INTEGER,           -- its session's place in the order sessions reached the store
    left_sessions       INTEGER NOT NULL DEFAULT 0, -- sessions a stopping server left to the next start
    owner               TEXT               -- the `wfc serve` (servers.id) whose session this is, if one
);
-- A `running` run whose session parked: no process runs it; what wakes it.
CREATE TABLE parked (
    run_id  TEXT PRIMARY KEY REFERENCES runs (id),
    session INTEGER NOT NULL,   -- the session that parked it
    since   INTEGER NOT NULL,
    wake_at INTEGER,            -- its earliest deadline (NULL: a person or a cancel wakes it)
    paused  INTEGER NOT NULL DEFAULT 0,  -- parked paused: letting it go on wakes it
    lock_key TEXT               -- parked before its first step, waiting for this `lock` key
) WITHOUT ROWID;
CREATE INDEX parked_by_wake ON parked (wake_at);
CREATE INDEX runs_by_workflow ON runs (workflow, started_at);
CREATE INDEX runs_by_status ON runs (status);
CREATE INDEX runs_by_listed ON runs (listed);

-- Numbers handed out in the order of the transactions that take them.
CREATE TABLE counters (
    name TEXT PRIMARY KEY,                 -- `sessions`: runs.listed
    n    INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO counters VALUES ('sessions', 0);
CREATE TRIGGER runs_listed_at_start AFTER INSERT ON runs BEGIN
    UPDATE counters SET n = n + 1 WHERE name = 'sessions';
    UPDATE runs SET listed = (SELECT n FROM counters WHERE name = 'sessions') WHERE id = NEW.id;
END;
CREATE TRIGGER runs_listed_at_resume AFTER UPDATE OF session ON runs
WHEN NEW.session IS NOT OLD.session BEGIN
    UPDATE counters SET n = n + 1 WHERE name = 'sessions';
    UPDATE runs SET listed = (SELECT n FROM counters WHERE name = 'sessions') WHERE id = NEW.id;
END;

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
    log_path    TEXT,
    detail      TEXT,                      -- why it waits
    PRIMARY KEY (run_id, graph, rollback_of, name)
) WITHOUT ROWID;

CREATE TABLE attempts (
    run_id      TEXT NOT NULL REFERENCES runs (id),
    graph       TEXT NOT NULL,
    rollback_of TEXT NOT NULL DEFAULT '',
    step        TEXT NOT NULL,
    session     INTEGER NOT NULL,
    number      INTEGER NOT NULL,
    status      TEXT NOT NULL,             -- running, then as steps.status
    started_at  INTEGER NOT NULL,
    duration_ms INTEGER,
    exit_code   INTEGER,
    error       TEXT,
    outputs     TEXT,
    cpu_us      INTEGER,                   -- CPU time (user + system) of its process tree, µs
    peak_memory INTEGER,                   -- peak RSS, bytes (NULL: not known, as for http steps)
    PRIMARY KEY (run_id, graph, rollback_of, step, session, number)
) WITHOUT ROWID;

CREATE TABLE events (
    run_id TEXT NOT NULL REFERENCES runs (id),
    seq    INTEGER NOT NULL,               -- per run, from 1
    at     INTEGER NOT NULL,
    kind   TEXT NOT NULL,
    step   TEXT,
    detail TEXT,                           -- JSON
    PRIMARY KEY (run_id, seq)
) WITHOUT ROWID;

CREATE TABLE approvals (
    run_id   TEXT NOT NULL REFERENCES runs (id),
    step     TEXT NOT NULL,
    decision TEXT NOT NULL,                -- approved | rejected | timed_out
    by       TEXT NOT NULL,
    at       INTEGER NOT NULL,
    inputs   TEXT,                         -- JSON object: the approval's inputs, bound
    comment  TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (run_id, step)
);

CREATE TABLE journal (
    run_id TEXT PRIMARY KEY REFERENCES runs (id),
    batch  INTEGER NOT NULL,               -- the last journal turn applied
    bytes  INTEGER NOT NULL                -- the journal bytes applied (where the next turn starts)
) WITHOUT ROWID;

CREATE TABLE durations (
    run_id TEXT PRIMARY KEY REFERENCES runs (id),
    packed BLOB NOT NULL                   -- succeeded main-graph steps: (name, ms) in postcard
);

CREATE TABLE plans (
    run_id TEXT PRIMARY KEY REFERENCES runs (id),
    plan   BLOB NOT NULL                   -- the plan's fingerprints (gzip'd JSON, or JSON text)
);

CREATE TABLE run_triggers (
    run_id  TEXT PRIMARY KEY,              -- no row: started by `wfc run` (manual)
    trigger TEXT NOT NULL,                 -- api | schedule | webhook | change | …
    origin  TEXT,                          -- where an `api` run came from: mcp | dashboard
    started_by TEXT,                       -- who: a key's name, a webhook's path, a schedule's pattern
    scheduled_at INTEGER                   -- the slot a schedule's or a backfill's run is for (ms)
) WITHOUT ROWID;

CREATE TABLE run_locks (
    key       TEXT PRIMARY KEY,
    run_id    TEXT NOT NULL,
    pid       INTEGER NOT NULL,
    pid_start INTEGER NOT NULL,            -- the process's start time (clock ticks after boot; 0: unknown)
    host      TEXT NOT NULL,
    since     INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE schedule_fires (
    file       TEXT NOT NULL,
    workflow   TEXT NOT NULL,
    schedule   TEXT NOT NULL,              -- the pattern and its zone: `*/2 * * * * * UTC`
    done_until INTEGER NOT NULL,           -- every slot up to it is handled
    fired      INTEGER NOT NULL,           -- slots that fired (recorded before their run started)
    PRIMARY KEY (file, workflow, schedule)
) WITHOUT ROWID;

CREATE TABLE deliveries (
    key    TEXT PRIMARY KEY,               -- the hook's path and its sender's delivery id
    run_id TEXT NOT NULL,                  -- the run it started
    at     INTEGER NOT NULL DEFAULT 0      -- when it was first seen
) WITHOUT ROWID;
CREATE INDEX deliveries_by_run ON deliveries (run_id);

CREATE TABLE ignored_firings (
    at       INTEGER NOT NULL,
    file     TEXT NOT NULL,
    workflow TEXT NOT NULL,
    trigger  TEXT NOT NULL,                -- `webhook /push`, `schedule 0 2 * * *`, `change in/*.csv`
    reason   TEXT NOT NULL,                -- why `when` turned it down
    delivery TEXT                          -- a webhook delivery's id, when sent
);
CREATE INDEX ignored_firings_by_workflow ON ignored_firings (workflow, at);

CREATE TABLE failed_deliveries (
    id       TEXT PRIMARY KEY,             -- what a redelivery names
    at       INTEGER NOT NULL,
    hook     TEXT NOT NULL,                -- the hook's path: `/push`
    workflow TEXT NOT NULL,
    file     TEXT NOT NULL,
    status   INTEGER NOT NULL,             -- the HTTP status it was answered
    code     TEXT NOT NULL,                -- `API001`…; `API100`: its `when` turned it down
    reason   TEXT NOT NULL,
    delivery TEXT,                         -- the sender's delivery id, when sent
    request  TEXT,                         -- {"query", "headers"}: NULL when not kept
    body     BLOB,                         -- the raw body: NULL when not kept
    not_kept TEXT                          -- why the request was not kept
) WITHOUT ROWID;
CREATE INDEX failed_deliveries_by_hook ON failed_deliveries (hook, at);
CREATE INDEX failed_deliveries_by_workflow ON failed_deliveries (workflow, at);

CREATE TABLE artifacts (
    run_id      TEXT NOT NULL REFERENCES runs (id),
    graph       TEXT NOT NULL,
    rollback_of TEXT NOT NULL DEFAULT '',
    step        TEXT NOT NULL,
    name        TEXT NOT NULL,             -- as declared: `artifacts { NAME = … }`
    path        TEXT NOT NULL,             -- where the step left the file (absolute)
    size        INTEGER NOT NULL,
    sha256      TEXT NOT NULL,             -- hex; the copy is artifacts/RUN/SHA256
    PRIMARY KEY (run_id, graph, rollback_of, step, name, path)
) WITHOUT ROWID;

CREATE TABLE run_labels (
    run_id  TEXT PRIMARY KEY,              -- no row: its workflow set neither
    version TEXT,                          -- the workflow's `version`
    tags    TEXT NOT NULL DEFAULT '[]'     -- JSON array: the workflow's `tags`
) WITHOUT ROWID;

CREATE TABLE paused_triggers (
    workflow TEXT NOT NULL,
    kind     TEXT NOT NULL,                -- schedule | webhook | change | * (every kind)
    by       TEXT NOT NULL,
    at       INTEGER NOT NULL,
    PRIMARY KEY (workflow, kind)
) WITHOUT ROWID;

CREATE TABLE alert_states (
    workflow         TEXT NOT NULL,
    alert            TEXT NOT NULL,
    state            TEXT NOT NULL,        -- ok | firing
    since            INTEGER NOT NULL,     -- when it took that state
    last_fired_at    INTEGER,
    last_resolved_at INTEGER,
    last_value       TEXT,                 -- what the runs did, in words (no param's value)
    last_run         TEXT,                 -- the run the last decision read
    last_error       TEXT,                 -- the last send that failed, masked
    PRIMARY KEY (workflow, alert)
) WITHOUT ROWID;

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
    checked  TEXT,                        -- what its `up to date when` check said (NULL: none)
    PRIMARY KEY (run_id, step)
) WITHOUT ROWID;
CREATE INDEX step_inputs_by_key ON step_inputs (scope, step, key);

CREATE TABLE log_chunks (
    run_id  TEXT NOT NULL REFERENCES runs (id),
    log     TEXT NOT NULL,                -- the step's log, as `steps.log_path` names it
    start   INTEGER NOT NULL,             -- the chunk's first byte in the log
    bytes   BLOB NOT NULL,
    err     TEXT,                         -- where its stderr lines start, from `start`: `0 12 …`
    marks   TEXT,                         -- when lines came: `OFFSET MS` pairs, from `start`
    PRIMARY KEY (run_id, log, start)
) WITHOUT ROWID;

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
CREATE TABLE run_queue (
    run_id     TEXT PRIMARY KEY REFERENCES runs (id),
    kind       TEXT NOT NULL,             -- `resume`: a dead server's run, for any server to resume;
                                          -- `start`: a start a full server queued (`runs.status` queued)
    at         INTEGER NOT NULL,          -- when it was queued (the database's clock, ms)
    claimed_by TEXT,                      -- the server resuming it; none, or a dead one: free
    detail     TEXT                       -- a start's options besides its row (JSON: `rerun`)
) WITHOUT ROWID;
CREATE TABLE served (
    server    TEXT NOT NULL,              -- a server (`servers.id`)
    workflow  TEXT NOT NULL,              -- a workflow it serves, as checked
    file      TEXT NOT NULL,              -- its file, as runs record it
    file_hash TEXT NOT NULL,              -- the file's hash (`runs.file_hash`)
    PRIMARY KEY (server, workflow)
) WITHOUT ROWID;
CREATE TABLE leaders (
    role   TEXT PRIMARY KEY,              -- what one server does for all: `changes` (on change triggers)
    server TEXT NOT NULL,                 -- the server doing it; another takes it once it is not alive
    at     INTEGER NOT NULL               -- its last claim (the database's clock, ms)
) WITHOUT ROWID;
"#;

/// Version 6's `events` rows as rows of version 7 (after [`FROM_V6`]): a
/// packed row's events one by one, each run's numbered anew from 1 in order.
fn events_of_v6(tx: &Transaction) -> rusqlite_migration::HookResult {
    Ok(rewrite_events(tx)?)
}

fn rewrite_events(tx: &Transaction) -> rusqlite::Result<()> {
    let mut read =
        tx.prepare("SELECT run_id, at, kind, step, detail FROM events_v6 ORDER BY run_id, seq")?;
    let mut write = tx.prepare(
        "INSERT INTO events (run_id, seq, at, kind, step, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    let (mut run, mut seq) = (String::new(), 0);
    let mut rows = read.query([])?;
    while let Some(row) = rows.next()? {
        let id: String = row.get(0)?;
        if id != run {
            (run, seq) = (id, 0);
        }
        let (at, kind, step, detail): (i64, String, Option<String>, Option<String>) =
            (row.get(1)?, row.get(2)?, row.get(3)?, row.get(4)?);
        let packed = (kind == "events")
            .then(|| detail.as_deref().and_then(unpack))
            .flatten();
        match packed {
            Some(events) => {
                for (at, kind, step, detail) in events {
                    seq += 1;
                    let detail = (!detail.is_null()).then(|| detail.to_string());
                    write.execute(params![run, seq, at, kind, step, detail])?;
                }
            }
            None => {
                seq += 1;
                write.execute(params![run, seq, at, kind, step, detail])?;
            }
        }
    }
    drop(rows);
    tx.execute_batch("DROP TABLE events_v6")
}

/// One event of a packed row of version 6: when, kind, step and detail.
type PackedEvent = (i64, String, Option<String>, serde_json::Value);

/// The events of a packed row of version 6, `None` when the text is not
/// such a row (it is then an event of its own).
fn unpack(detail: &str) -> Option<Vec<PackedEvent>> {
    serde_json::from_str(detail).ok()
}

/// The database's schema version.
pub fn version(conn: &Connection) -> crate::Result<i64> {
    conn.query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(crate::Error::from)
}

/// Brings the schema up to [`VERSION`] through [`migrations`]: a new
/// database from the start, one of version [`OLDEST`] or later from where
/// it is; others are refused. Returns the version it found.
pub(crate) fn migrate(conn: &mut Connection) -> Result<i64, String> {
    let found = version(conn).map_err(|e| e.to_string())?;
    check(found)?;
    if found == VERSION {
        return Ok(found);
    }
    // IMMEDIATE: two processes opening an old (or new) store at once take
    // turns; the second's migration fails on what the first made, and it
    // then finds the store at the latest version.
    conn.set_transaction_behavior(TransactionBehavior::Immediate);
    let migrated = migrations().to_latest(conn);
    conn.set_transaction_behavior(TransactionBehavior::Deferred);
    match migrated {
        Ok(()) => Ok(found),
        Err(_) if version(conn).is_ok_and(|v| v == VERSION) => Ok(found),
        Err(e) => Err(format!("migrating the run store to version {VERSION}: {e}")),
    }
}

/// Refuses a version this build cannot bring up to [`VERSION`].
pub(crate) fn check(found: i64) -> Result<(), String> {
    if found > VERSION {
        return Err(format!(
            "the run store has schema version {found}, newer than this wfc understands ({VERSION}); upgrade wfc"
        ));
    }
    if found > 0 && found < OLDEST {
        return Err(format!(
            "the run store was made by an older wfc (schema version {found}); this wfc migrates \
             version {OLDEST} and later: move the state directory away to start a new history, \
             or open it once with a wfc of schema version {OLDEST} first"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests;

//! The schema on PostgreSQL: the tables of [`super::TABLES`], in
//! PostgreSQL's types, as one baseline at [`super::VERSION`] for a new
//! database; a database made at an earlier version goes through the
//! migrations since ([`LATER`], SQLite's, in PostgreSQL's types), numbered
//! as SQLite's. The first PostgreSQL stores were made at version [`FIRST`].
//!
//! The version lives in the table `wfc_schema`. Every migration runs in one
//! transaction under a transaction-scoped advisory lock, so that two
//! processes starting on an empty database migrate it once (the second
//! waits, then finds the version the first wrote), and a crash leaves the
//! schema as it was.

use super::{check, TABLES, VERSION};

/// The version the first PostgreSQL stores were made at.
pub(crate) const FIRST: i64 = 22;

/// The migrations since [`FIRST`]: the one at index `i` takes a database
/// from version `FIRST + i` to the next.
const LATER: [&str; (VERSION - FIRST) as usize] = [
    super::FROM_V22,
    super::FROM_V23,
    super::FROM_V24,
    super::FROM_V25,
    super::FROM_V26,
    super::FROM_V27,
    super::FROM_V28,
];
use crate::db::{Db, Optional};

/// The advisory lock's key (any number the database's other users do not
/// take: "wfc" in ASCII).
const LOCK: i64 = 0x77_66_63;

/// The triggers SQLite's part of [`TABLES`] writes as `CREATE TRIGGER …
/// BEGIN … END` (each session of a run takes the next number of
/// `counters`, in the order the transactions that start them commit), and
/// SQLite's `instr`, which the statements use, as PostgreSQL's `strpos`.
const TRIGGERS: &str = r#"
CREATE FUNCTION instr(text, text) RETURNS integer LANGUAGE sql IMMUTABLE
    AS 'SELECT strpos($1, $2)';
CREATE FUNCTION wfc_runs_listed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE counters SET n = n + 1 WHERE name = 'sessions';
    UPDATE runs SET listed = (SELECT n FROM counters WHERE name = 'sessions') WHERE id = NEW.id;
    RETURN NULL;
END $$;
CREATE TRIGGER runs_listed_at_start AFTER INSERT ON runs
    FOR EACH ROW EXECUTE FUNCTION wfc_runs_listed();
CREATE TRIGGER runs_listed_at_resume AFTER UPDATE OF session ON runs
    FOR EACH ROW WHEN (NEW.session IS DISTINCT FROM OLD.session)
    EXECUTE FUNCTION wfc_runs_listed();
"#;

/// What a parked run waits for, told at commit to whoever listens on
/// [`crate::park::WAKE_CHANNEL`]: a run parked or woken, a decision, a cancel, a pause
/// lifted or taken, a lock let go (schema 26; PostgreSQL folds one
/// transaction's notices into one).
const WAKE_TRIGGERS: &str = r#"
CREATE OR REPLACE FUNCTION wfc_wake() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('wfc_wake', '');
    RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS parked_wake ON parked;
CREATE TRIGGER parked_wake AFTER INSERT OR UPDATE OR DELETE ON parked
    FOR EACH STATEMENT EXECUTE FUNCTION wfc_wake();
DROP TRIGGER IF EXISTS approvals_wake ON approvals;
CREATE TRIGGER approvals_wake AFTER INSERT OR UPDATE OR DELETE ON approvals
    FOR EACH STATEMENT EXECUTE FUNCTION wfc_wake();
DROP TRIGGER IF EXISTS run_locks_wake ON run_locks;
CREATE TRIGGER run_locks_wake AFTER DELETE ON run_locks
    FOR EACH STATEMENT EXECUTE FUNCTION wfc_wake();
CREATE OR REPLACE FUNCTION wfc_queue_news() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('wfc_queue', '');
    RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS run_queue_news ON run_queue;
CREATE TRIGGER run_queue_news AFTER INSERT ON run_queue
    FOR EACH STATEMENT EXECUTE FUNCTION wfc_queue_news();
DROP TRIGGER IF EXISTS runs_wake ON runs;
CREATE TRIGGER runs_wake AFTER UPDATE OF cancel_requested_at, paused_at ON runs
    FOR EACH ROW WHEN (NEW.cancel_requested_at IS DISTINCT FROM OLD.cancel_requested_at
                       OR NEW.paused_at IS DISTINCT FROM OLD.paused_at)
    EXECUTE FUNCTION wfc_wake();
"#;

/// [`TABLES`] for PostgreSQL: every integer a `BIGINT` (SQLite's are 64
/// bits), bytes `BYTEA`, no `WITHOUT ROWID`; the one table that is read in
/// the order of SQLite's `rowid` (`ignored_firings`) gets a column of that
/// name; the triggers are [`TRIGGERS`].
pub(crate) fn baseline() -> String {
    let mut out = translated(TABLES);
    out.push_str(TRIGGERS);
    out.push_str(WAKE_TRIGGERS);
    out
}

/// SQLite's statements `sql` (tables, indexes) in PostgreSQL's types, its
/// triggers left out (see [`baseline`]).
fn translated(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + TRIGGERS.len());
    let mut trigger = false;
    for line in sql.lines() {
        if line.starts_with("CREATE TRIGGER") {
            trigger = true;
        }
        if trigger {
            trigger = line.trim_end() != "END;";
            continue;
        }
        let line = line
            .replace(") WITHOUT ROWID;", ");")
            .replace(" INTEGER", " BIGINT")
            .replace(" BLOB", " BYTEA")
            .replace(" REAL", " DOUBLE PRECISION");
        out.push_str(&line);
        out.push('\n');
        if line.starts_with("CREATE TABLE ignored_firings (") {
            out.push_str("    rowid BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n");
        }
    }
    out
}

/// Brings the database's schema up to [`VERSION`] (from nothing: the
/// baseline); refuses a newer one. Returns the version it found (0: none).
pub(crate) fn migrate(db: &Db) -> Result<i64, String> {
    let failed = |e: crate::Error| format!("migrating the run store to version {VERSION}: {e}");
    let tx = db.write().map_err(failed)?;
    // (`DROP … IF EXISTS` of what is not there yet is no news for the log.)
    tx.execute_batch(&format!(
        "SET LOCAL client_min_messages = warning;
         SELECT pg_advisory_xact_lock({LOCK});
         CREATE TABLE IF NOT EXISTS wfc_schema (version BIGINT NOT NULL)"
    ))
    .map_err(failed)?;
    let found: i64 = tx
        .query_row("SELECT version FROM wfc_schema", (), |r| r.get(0))
        .optional()
        .map_err(failed)?
        .unwrap_or(0);
    check(found)?;
    if found == 0 {
        tx.execute_batch(&baseline()).map_err(failed)?;
        tx.execute("INSERT INTO wfc_schema (version) VALUES (?1)", [VERSION])
            .map_err(failed)?;
    } else if found < FIRST {
        return Err(format!(
            "the run store has schema version {found}; PostgreSQL stores start at {FIRST}"
        ));
    } else if found < VERSION {
        for sql in &LATER[(found - FIRST) as usize..] {
            tx.execute_batch(&translated(sql)).map_err(failed)?;
        }
        // Every version may add one; each is dropped and made again.
        tx.execute_batch(WAKE_TRIGGERS).map_err(failed)?;
        tx.execute("UPDATE wfc_schema SET version = ?1", [VERSION])
            .map_err(failed)?;
    }
    tx.commit().map_err(failed)?;
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_baseline_is_every_table_in_postgresql_types() {
        let all = baseline();
        let b = &all[..all.len() - TRIGGERS.len() - WAKE_TRIGGERS.len()];
        for sqlite_only in ["WITHOUT ROWID", " INTEGER", " BLOB", "BEGIN\n    UPDATE"] {
            assert!(!b.contains(sqlite_only), "{sqlite_only} in\n{b}");
        }
        let tables = |s: &str| s.matches("CREATE TABLE ").count();
        assert_eq!(tables(b), tables(TABLES));
        assert_eq!(all.matches("CREATE TRIGGER ").count(), 7);
        assert!(WAKE_TRIGGERS.contains(&format!("'{}'", crate::park::WAKE_CHANNEL)));
        assert!(WAKE_TRIGGERS.contains(&format!("'{}'", crate::queued::CHANNEL)));
        assert!(b.contains("    rowid BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n    at "));
    }

    #[test]
    fn a_database_of_an_earlier_version_is_migrated_in_place() {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::test_store::open(dir.path());
        if store.dialect() != crate::db::Dialect::Postgres {
            return;
        }
        let db = &store.conn;
        db.execute_batch(
            "DROP TABLE log_chunks; DROP TABLE servers; DROP TABLE run_queue; DROP TABLE served; DROP TABLE leaders;
             ALTER TABLE runs DROP COLUMN owner; ALTER TABLE step_inputs DROP COLUMN checked;
             DROP TABLE failed_deliveries; ALTER TABLE run_triggers DROP COLUMN scheduled_at;
             UPDATE wfc_schema SET version = 22",
        )
        .unwrap();
        assert_eq!(migrate(db), Ok(22));
        let version: i64 = db
            .query_row("SELECT version FROM wfc_schema", (), |r| r.get(0))
            .unwrap();
        assert_eq!(version, VERSION);
        db.execute("SELECT start, bytes, err, marks FROM log_chunks", ())
            .unwrap();
        db.execute("SELECT id, epoch, heartbeat_at FROM servers", ())
            .unwrap();
        db.execute(
            "SELECT run_id, kind, at, claimed_by, detail FROM run_queue",
            (),
        )
        .unwrap();
        db.execute("SELECT server, workflow, file, file_hash FROM served", ())
            .unwrap();
        db.execute("SELECT role, server, at FROM leaders", ())
            .unwrap();
        db.execute("SELECT checked FROM step_inputs", ()).unwrap();
        db.execute(
            "SELECT id, hook, status, code, request, body, not_kept FROM failed_deliveries",
            (),
        )
        .unwrap();
        db.execute("SELECT scheduled_at FROM run_triggers", ())
            .unwrap();
        // Again: nothing left to do.
        assert_eq!(migrate(db), Ok(VERSION));
        // From 26: the queue's column and its notice come with 27.
        db.execute_batch(
            "DROP TRIGGER run_queue_news ON run_queue; ALTER TABLE run_queue DROP COLUMN detail;
             ALTER TABLE step_inputs DROP COLUMN checked; DROP TABLE failed_deliveries;
             ALTER TABLE run_triggers DROP COLUMN scheduled_at;
             UPDATE wfc_schema SET version = 26",
        )
        .unwrap();
        assert_eq!(migrate(db), Ok(26));
        db.execute("SELECT detail FROM run_queue", ()).unwrap();
        db.execute("SELECT checked FROM step_inputs", ()).unwrap();
        let news: i64 = db
            .query_row(
                "SELECT COUNT(*) FROM pg_trigger
                 WHERE tgname = 'run_queue_news' AND tgrelid = 'run_queue'::regclass",
                (),
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(news, 1);
        db.execute_batch("UPDATE wfc_schema SET version = 21")
            .unwrap();
        assert!(migrate(db).unwrap_err().contains("start at 22"));
    }
}

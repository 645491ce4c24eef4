//! `wfc store copy FROM TO`: a history moved from one store to another —
//! from a state folder's SQLite file to a team's PostgreSQL, or back.
//!
//! Every table of the schema, row by row, in one transaction on the store
//! written (all or nothing) and one read transaction on the store read (one
//! moment of it). Runs go first, in the order they were listed, then each
//! run's rows (a run at a time: memory holds one run's rows, whatever the
//! history's size), then the tables of no run (schedules' fires,
//! deliveries, alert states, paused triggers, ignored firings). Left out:
//! what coordinates live processes (`run_locks`, `journal`, `parked`:
//! refused when a run is going on, as a copy of a live run would leave it
//! behind), the counter of listings, which the written store keeps
//! itself, and each backend's own bookkeeping.
//!
//! The step logs and artifacts are files in the state folder, and stay
//! there: a PostgreSQL store is used with the same folder (`--state-dir`).

use crate::db::{Db, Dialect, Value};
use crate::Store;

/// A copy into a store that holds runs.
pub const NOT_EMPTY: &str = "E0605";
/// A copy of a store with runs going on.
pub const GOING: &str = "E0606";

/// Tables a copy leaves out (see the module docs).
const LEFT_OUT: [&str; 5] = ["counters", "run_locks", "journal", "parked", "wfc_schema"];

/// What a copy wrote.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Copied {
    pub runs: usize,
    /// Rows in all, the runs' among them.
    pub rows: usize,
}

/// Why a copy did not happen (nothing was written).
#[derive(Debug, thiserror::Error)]
pub enum CopyError {
    #[error(
        "{NOT_EMPTY}: the store to copy into holds {0} runs already: copy into an empty store"
    )]
    NotEmpty(i64),
    #[error(
        "{GOING}: runs are going on in the store to copy from ({0}): copy once they ended, with \
         no server or `wfc run` on it"
    )]
    Going(String),
    #[error("{0}")]
    Store(#[from] crate::Error),
}

/// Copies every run and what belongs to the history from `from` into
/// `to`, which must hold no run yet.
pub fn copy(from: &Store, to: &Store) -> Result<Copied, CopyError> {
    let there: i64 = to
        .conn
        .query_row("SELECT COUNT(*) FROM runs", (), |r| r.get(0))?;
    if there > 0 {
        return Err(CopyError::NotEmpty(there));
    }
    // (A run whose process died is marked interrupted first: it ended.)
    crate::control::reap(from)?;
    let read = from.conn.read()?;
    let going: Vec<String> = read
        .prepare("SELECT id FROM runs WHERE status = 'running' ORDER BY id LIMIT 4")?
        .query_map((), |r| r.get(0))?
        .collect::<crate::Result<_>>()?;
    if !going.is_empty() {
        return Err(CopyError::Going(going.join(", ")));
    }
    let write = to.conn.write()?;
    let mut copied = Copied::default();
    let tables = tables(&write)?;
    let run_tables = crate::retention::run_tables(&write)?;
    let columns = |t: &str| shared_columns(&read, &write, t);
    let runs_columns = columns("runs")?;
    let ids: Vec<String> = read
        .prepare("SELECT id FROM runs ORDER BY listed, started_at, id")?
        .query_map((), |r| r.get(0))?
        .collect::<crate::Result<_>>()?;
    let per_run: Vec<(String, Vec<String>)> = run_tables
        .iter()
        .filter(|t| !LEFT_OUT.contains(&t.as_str()))
        .map(|t| Ok((t.clone(), columns(t)?)))
        .collect::<crate::Result<_>>()?;
    for id in &ids {
        copied.rows += rows(&read, &write, "runs", &runs_columns, "id", Some(id))?;
        for (t, cols) in &per_run {
            copied.rows += rows(&read, &write, t, cols, "run_id", Some(id))?;
        }
        copied.runs += 1;
    }
    for t in &tables {
        if t == "runs" || run_tables.contains(t) || LEFT_OUT.contains(&t.as_str()) {
            continue;
        }
        copied.rows += rows(&read, &write, t, &columns(t)?, "", None)?;
    }
    write.commit()?;
    drop(read);
    Ok(copied)
}

/// Copies table `t`'s rows (of run `run` by its column `key`, or all):
/// how many.
fn rows(
    read: &Db,
    write: &Db,
    t: &str,
    cols: &[String],
    key: &str,
    run: Option<&str>,
) -> crate::Result<usize> {
    let list = cols
        .iter()
        .map(|c| format!("\"{c}\""))
        .collect::<Vec<_>>()
        .join(", ");
    let select = match run {
        Some(_) => format!("SELECT {list} FROM \"{t}\" WHERE \"{key}\" = ?1"),
        None => format!("SELECT {list} FROM \"{t}\""),
    };
    let marks = (1..=cols.len())
        .map(|i| format!("?{i}"))
        .collect::<Vec<_>>()
        .join(", ");
    let insert = format!("INSERT INTO \"{t}\" ({list}) VALUES ({marks})");
    let found: Vec<Vec<Value>> = read
        .prepare_cached(&select)?
        .query_map(run.map(|r| vec![r]).unwrap_or_default(), |r| {
            (0..r.len()).map(|i| r.get::<Value>(i)).collect()
        })?
        .collect::<crate::Result<_>>()?;
    let mut insert = write.prepare_cached(&insert)?;
    for row in &found {
        insert.execute(row.clone())?;
    }
    Ok(found.len())
}

/// The tables of the store `db`.
fn tables(db: &Db) -> crate::Result<Vec<String>> {
    let sql = match db.dialect() {
        Dialect::Sqlite => {
            "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'
             ORDER BY name"
        }
        Dialect::Postgres => {
            "SELECT CAST(table_name AS TEXT) FROM information_schema.tables
             WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY 1"
        }
    };
    db.prepare(sql)?.query_map((), |r| r.get(0))?.collect()
}

/// Table `t`'s columns in `db`, in order.
fn table_columns(db: &Db, t: &str) -> crate::Result<Vec<String>> {
    let sql = match db.dialect() {
        Dialect::Sqlite => "SELECT name FROM pragma_table_info(?1) ORDER BY cid",
        Dialect::Postgres => {
            "SELECT CAST(column_name AS TEXT) FROM information_schema.columns
             WHERE table_schema = current_schema() AND table_name = ?1 ORDER BY ordinal_position"
        }
    };
    db.prepare(sql)?.query_map([t], |r| r.get(0))?.collect()
}

/// The columns of `t` both stores have (one schema version; PostgreSQL's
/// `ignored_firings.rowid` is SQLite's hidden one, and is numbered anew).
fn shared_columns(read: &Db, write: &Db, t: &str) -> crate::Result<Vec<String>> {
    let theirs = table_columns(read, t)?;
    Ok(table_columns(write, t)?
        .into_iter()
        .filter(|c| theirs.contains(c) && c != "rowid")
        .collect())
}

#[cfg(test)]
mod tests;

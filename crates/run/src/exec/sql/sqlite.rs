//! SQLite through `rusqlite`, on a blocking thread: `:name` parameters are
//! SQLite's own, bound by name. The database file must exist unless the
//! URL ends in `?mode=rwc`. A stop interrupts the running statement;
//! the transaction is then rolled back.

use super::{place, Failure, Results};
use crate::exec::StepContext;
use base64::Engine;
use rusqlite::types::{Value as Sql, ValueRef};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use wfc_language::sql_syntax::Statement;
use wfc_plan::Value;

type Interrupt = Arc<Mutex<Option<rusqlite::InterruptHandle>>>;

pub(super) async fn run(
    path: &str,
    base: Option<&std::path::Path>,
    statements: &[Statement],
    params: &[(String, Value)],
    transaction: bool,
    ctx: &StepContext,
) -> Result<Results, Failure> {
    let (path, statements, params) = (path.to_owned(), statements.to_vec(), params.to_vec());
    let base = base.map(std::path::Path::to_path_buf);
    let interrupt: Interrupt = Arc::default();
    let stopped = Arc::new(AtomicBool::new(false));
    let (i2, s2) = (interrupt.clone(), stopped.clone());
    let mut work = tokio::task::spawn_blocking(move || {
        blocking(
            &path,
            base.as_deref(),
            &statements,
            &params,
            transaction,
            &i2,
            &s2,
        )
    });
    let joined = tokio::select! {
        r = &mut work => r,
        stop = ctx.stopped() => {
            stopped.store(true, Ordering::SeqCst);
            if let Ok(guard) = interrupt.lock() {
                if let Some(h) = guard.as_ref() {
                    h.interrupt();
                }
            }
            // Wait for the rollback before saying the step stopped.
            let _ = work.await;
            return Err(Failure::Stopped(stop));
        }
    };
    joined
        .map_err(|e| Failure::Error(format!("the SQLite thread failed: {e}")))?
        .map_err(Failure::Error)
}

fn blocking(
    path: &str,
    base: Option<&std::path::Path>,
    statements: &[Statement],
    params: &[(String, Value)],
    transaction: bool,
    interrupt: &Interrupt,
    stopped: &AtomicBool,
) -> Result<Results, String> {
    let conn = open(path, base)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))
        .map_err(|e| e.to_string())?;
    if let Ok(mut g) = interrupt.lock() {
        *g = Some(conn.get_interrupt_handle());
    }
    if transaction {
        conn.execute_batch("BEGIN IMMEDIATE")
            .map_err(|e| format!("cannot begin a transaction: {e}"))?;
    }
    let result = statements
        .iter()
        .enumerate()
        .try_fold(Results::default(), |mut acc, (i, s)| {
            if stopped.load(Ordering::SeqCst) {
                return Err("stopped".to_owned());
            }
            statement(&conn, s, params, &mut acc).map_err(|e| format!("{}: {e}", place(s, i)))?;
            Ok(acc)
        });
    if !transaction {
        return result;
    }
    match result {
        Ok(r) if !stopped.load(Ordering::SeqCst) => {
            conn.execute_batch("COMMIT")
                .map_err(|e| format!("cannot commit: {e}"))?;
            Ok(r)
        }
        other => {
            // Nothing of the step stays: SQLite rolls back on close too.
            let _ = conn.execute_batch("ROLLBACK");
            other.and(Err("stopped".to_owned()))
        }
    }
}

/// Opens what follows `sqlite:`: `:memory:`, or `PATH[?mode=ro|rw|rwc]`,
/// a relative `PATH` in `base` (the run's base folder, else wfc's own).
/// The file must exist unless the mode is `rwc`: a misspelt path would
/// otherwise be a new, empty database, and the step fail on "no such
/// table" (or, for `create table`, succeed on the wrong file).
fn open(url: &str, base: Option<&std::path::Path>) -> Result<rusqlite::Connection, String> {
    use rusqlite::OpenFlags as F;
    if url == ":memory:" {
        return rusqlite::Connection::open_in_memory().map_err(|e| e.to_string());
    }
    let (path, options) = url.split_once('?').unwrap_or((url, ""));
    let mut mode = "rw";
    for option in options.split('&').filter(|o| !o.is_empty()) {
        match option.split_once('=') {
            Some(("mode", m @ ("ro" | "rw" | "rwc"))) => mode = m,
            _ => {
                return Err(format!(
                    "the SQLite URL `sqlite:{url}` has the option `{option}`; \
                     it takes only `mode=ro`, `mode=rw` (the default) or `mode=rwc`"
                ))
            }
        }
    }
    if path.is_empty() {
        return Err(format!("the SQLite URL `sqlite:{url}` names no file"));
    }
    let flags = F::SQLITE_OPEN_NO_MUTEX
        | match mode {
            "ro" => F::SQLITE_OPEN_READ_ONLY,
            "rw" => F::SQLITE_OPEN_READ_WRITE,
            _ => F::SQLITE_OPEN_READ_WRITE | F::SQLITE_OPEN_CREATE,
        };
    let file = match base {
        Some(dir) => dir.join(path),
        None => std::path::PathBuf::from(path),
    };
    rusqlite::Connection::open_with_flags(&file, flags).map_err(|e| {
        if mode != "rwc" && !file.exists() {
            let full = std::env::current_dir()
                .map(|d| d.join(&file))
                .unwrap_or_else(|_| file.clone());
            format!(
                "the SQLite database `{path}` does not exist ({}): create it, \
                 or write `sqlite:{path}?mode=rwc` to let the step create it",
                full.display()
            )
        } else {
            format!("cannot open the SQLite database `{path}`: {e}")
        }
    })
}

/// Runs one statement, binding the params it names.
fn statement(
    conn: &rusqlite::Connection,
    s: &Statement,
    params: &[(String, Value)],
    acc: &mut Results,
) -> Result<(), String> {
    let mut st = conn.prepare(&s.text).map_err(|e| e.to_string())?;
    foreign_placeholders(&st, s)?;
    for name in s.names() {
        let Some((_, value)) = params.iter().find(|(n, _)| n == name) else {
            return Err(format!("`:{name}` is not bound by the step's `params`"));
        };
        let index = st
            .parameter_index(&format!(":{name}"))
            .map_err(|e| e.to_string())?
            .ok_or_else(|| format!("SQLite does not see `:{name}` as a parameter"))?;
        st.raw_bind_parameter(index, bind(name, value)?)
            .map_err(|e| format!("param `{name}`: {e}"))?;
    }
    if st.column_count() == 0 {
        acc.row_count = st.raw_execute().map_err(|e| e.to_string())? as u64;
        return Ok(());
    }
    let columns: Vec<String> = st.column_names().iter().map(|c| c.to_string()).collect();
    let mut rows = st.raw_query();
    let mut out = Vec::new();
    while let Some(row) = rows.next().map_err(|e| e.to_string())? {
        let mut m = serde_json::Map::new();
        for (i, c) in columns.iter().enumerate() {
            m.insert(c.clone(), cell(row.get_ref(i).map_err(|e| e.to_string())?));
        }
        out.push(m);
    }
    acc.row_count = out.len() as u64;
    acc.rows = out;
    Ok(())
}

/// Refuses a statement in which SQLite sees a placeholder wfc does not
/// bind: SQLite would bind it NULL. wfc's scanner refuses these at check
/// time; this asks SQLite itself, so a text the scanner reads otherwise
/// than SQLite (a quoting form it does not know) still cannot wipe rows.
fn foreign_placeholders(st: &rusqlite::Statement<'_>, s: &Statement) -> Result<(), String> {
    for i in 1..=st.parameter_count() {
        let bound = st
            .parameter_name(i)
            .and_then(|n| n.strip_prefix(':'))
            .is_some_and(|n| s.names().contains(&n));
        if !bound {
            let shown = st.parameter_name(i).unwrap_or("?");
            return Err(format!(
                "SQLite reads `{shown}` as a parameter that wfc does not bind (it would be NULL): \
                 write `:name` in the query and bind it in `params`"
            ));
        }
    }
    Ok(())
}

/// A param's value as SQLite stores it (see docs/sql.md for the mapping).
fn bind(name: &str, v: &Value) -> Result<Sql, String> {
    Ok(match v {
        Value::Null => Sql::Null,
        Value::Str(s) => Sql::Text(s.clone()),
        Value::Int(i) => Sql::Integer(*i),
        Value::Float(f) if f.is_nan() => {
            return Err(format!(
                "param `{name}` is NaN, which SQLite cannot store (it would become NULL)"
            ))
        }
        Value::Float(f) => Sql::Real(*f),
        Value::Bool(b) => Sql::Integer(i64::from(*b)),
        Value::Duration(ms) => Sql::Integer(i64::try_from(*ms).unwrap_or(i64::MAX)),
        // RFC 3339, which SQLite's date and time functions read.
        Value::Time(_) => Sql::Text(v.to_text()),
        Value::List(_) | Value::Map(_) => Sql::Text(v.to_json().to_string()),
    })
}

/// A column value as JSON: blobs as base64, infinities as strings.
fn cell(v: ValueRef<'_>) -> serde_json::Value {
    match v {
        ValueRef::Null => serde_json::Value::Null,
        ValueRef::Integer(i) => i.into(),
        ValueRef::Real(f) => serde_json::Number::from_f64(f)
            .map(serde_json::Value::Number)
            .unwrap_or_else(|| float_word(f).into()),
        ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned().into(),
        ValueRef::Blob(b) => base64::engine::general_purpose::STANDARD.encode(b).into(),
    }
}

/// `NaN`, `Infinity`, `-Infinity`: the floats JSON cannot hold.
pub(super) fn float_word(f: f64) -> &'static str {
    if f.is_nan() {
        "NaN"
    } else if f > 0.0 {
        "Infinity"
    } else {
        "-Infinity"
    }
}

/// Whether `sqlite:URL` opens as a step opens it, for `wfc doctor`; a
/// `mode=rwc` one is not opened (that would make the file the step makes).
pub(super) fn opens(url: &str, base: Option<&std::path::Path>) -> Result<(), String> {
    if url.contains("mode=rwc") {
        return Ok(());
    }
    open(url, base).map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whatever wfc's scanner made of a statement, SQLite's own reading
    /// decides: a placeholder only SQLite sees is refused, not bound NULL.
    #[test]
    fn a_placeholder_only_sqlite_sees_is_refused() {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        conn.execute_batch("create table t (v text); insert into t values ('a')")
            .unwrap();
        let scanned = wfc_language::sql_syntax::scan("update t set v = :x");
        let mut s = scanned.statements[0].clone();
        let params = [("x".to_owned(), Value::Str("b".into()))];
        for hidden in ["?", "?2", "$v", "@v", ":y"] {
            s.text = format!("update t set v = :x, v = {hidden}");
            let e = statement(&conn, &s, &params, &mut Results::default()).unwrap_err();
            assert!(e.contains(&format!("`{hidden}`")), "{hidden}: {e}");
        }
        let v: String = conn.query_row("select v from t", [], |r| r.get(0)).unwrap();
        assert_eq!(v, "a");
        s.text = "update t set v = :x".into();
        statement(&conn, &s, &params, &mut Results::default()).unwrap();
        let v: String = conn.query_row("select v from t", [], |r| r.get(0)).unwrap();
        assert_eq!(v, "b");
    }
}

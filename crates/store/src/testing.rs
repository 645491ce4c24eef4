//! A store's tables read and written directly, for tests and benches only
//! (feature `testing`): what a test checks beyond the commands and the API
//! (a column no command shows, a row made to look like an older wfc's),
//! through the store's own connection, so that the same test runs on
//! every backend (issue 71) and no test names the database's driver.
//!
//! Statements are the test's, in the SQL both backends share, with
//! PostgreSQL's `$1`, `$2`, … for parameters.

use crate::{Result, Store};

pub use crate::db::Value;

/// Every row `sql` gives with `params` (`$1`, `$2`, …), each row's
/// columns in order.
pub fn rows(store: &Store, sql: &str, params: &[Value]) -> Result<Vec<Vec<Value>>> {
    let mut q = store.conn.prepare(sql)?;
    let rows = q.query_map(params, |r| (0..r.len()).map(|i| r.get(i)).collect())?;
    rows.collect()
}

/// The first row `sql` gives, if any.
pub fn row(store: &Store, sql: &str, params: &[Value]) -> Result<Option<Vec<Value>>> {
    Ok(rows(store, sql, params)?.into_iter().next())
}

/// The first column of the first row `sql` gives (`Null` when none).
pub fn one(store: &Store, sql: &str, params: &[Value]) -> Result<Value> {
    Ok(row(store, sql, params)?
        .and_then(|r| r.into_iter().next())
        .unwrap_or(Value::Null))
}

/// Runs the statements `sql` changes (one or several, no parameters).
pub fn execute_batch(store: &Store, sql: &str) -> Result<()> {
    store.conn.execute_batch(sql)
}

/// Runs one statement with `params`; how many rows it changed.
pub fn execute(store: &Store, sql: &str, params: &[Value]) -> Result<usize> {
    store.conn.execute(sql, params)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_come_back_typed_and_parameters_bind_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::test_store::open(dir.path());
        let table = match store.dialect() {
            crate::db::Dialect::Sqlite => "CREATE TABLE t (a INTEGER, b TEXT, c REAL, d BLOB)",
            crate::db::Dialect::Postgres => {
                "CREATE TABLE t (a BIGINT, b TEXT, c DOUBLE PRECISION, d BYTEA)"
            }
        };
        execute_batch(&store, table).unwrap();
        let n = execute(
            &store,
            "INSERT INTO t VALUES ($1, $2, $3, $4)",
            &[7.into(), "x".into(), Value::Real(0.5), vec![1u8, 2].into()],
        )
        .unwrap();
        assert_eq!(n, 1);
        execute(
            &store,
            "INSERT INTO t (b, a) VALUES ($2, $1)",
            &[8.into(), None::<&str>.into()],
        )
        .unwrap();
        let all = rows(&store, "SELECT a, b, c, d FROM t ORDER BY a", &[]).unwrap();
        assert_eq!(
            all[0],
            [
                Value::Int(7),
                Value::Text("x".into()),
                Value::Real(0.5),
                Value::Blob(vec![1, 2])
            ]
        );
        assert!(all[1][1].is_null());
        let b = one(
            &store,
            "SELECT b FROM t WHERE a = $1 AND '$1' = '$1'",
            &[7.into()],
        )
        .unwrap();
        assert_eq!(b.text(), Some("x"));
        assert!(one(&store, "SELECT b FROM t WHERE a = 0", &[])
            .unwrap()
            .is_null());
        assert!(rows(&store, "SELECT nope FROM t", &[]).is_err());
    }
}

//! A store's tables read and written directly, for tests and benches only
//! (feature `testing`): what a test checks beyond the commands and the API
//! (a column no command shows, a row made to look like an older wfc's),
//! through the store's own connection, so that the same test runs on
//! every backend (issue 71) and no test names the database's driver.
//!
//! Statements are the test's, in the SQL both backends share, with
//! PostgreSQL's `$1`, `$2`, … for parameters.

use crate::{Result, Store};

/// A column's value or a parameter, whichever database holds it.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

impl Value {
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// An integer (a real is not one).
    pub fn int(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            _ => None,
        }
    }

    pub fn text(&self) -> Option<&str> {
        match self {
            Value::Text(t) => Some(t),
            _ => None,
        }
    }

    pub fn real(&self) -> Option<f64> {
        match self {
            Value::Real(r) => Some(*r),
            Value::Int(i) => Some(*i as f64),
            _ => None,
        }
    }

    pub fn blob(&self) -> Option<&[u8]> {
        match self {
            Value::Blob(b) => Some(b),
            _ => None,
        }
    }
}

impl From<i64> for Value {
    fn from(i: i64) -> Value {
        Value::Int(i)
    }
}

impl From<&str> for Value {
    fn from(t: &str) -> Value {
        Value::Text(t.to_owned())
    }
}

impl From<String> for Value {
    fn from(t: String) -> Value {
        Value::Text(t)
    }
}

impl From<&String> for Value {
    fn from(t: &String) -> Value {
        Value::Text(t.clone())
    }
}

impl From<Vec<u8>> for Value {
    fn from(b: Vec<u8>) -> Value {
        Value::Blob(b)
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Value {
        v.map_or(Value::Null, Into::into)
    }
}

impl rusqlite::ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef};
        Ok(ToSqlOutput::Borrowed(match self {
            Value::Null => ValueRef::Null,
            Value::Int(i) => ValueRef::Integer(*i),
            Value::Real(r) => ValueRef::Real(*r),
            Value::Text(t) => ValueRef::Text(t.as_bytes()),
            Value::Blob(b) => ValueRef::Blob(b),
        }))
    }
}

fn value(v: rusqlite::types::ValueRef<'_>) -> Value {
    use rusqlite::types::ValueRef as V;
    match v {
        V::Null => Value::Null,
        V::Integer(i) => Value::Int(i),
        V::Real(r) => Value::Real(r),
        V::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
        V::Blob(b) => Value::Blob(b.to_vec()),
    }
}

/// `sql` with `$N` written as SQLite's `?N` (outside quoted text).
fn for_sqlite(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut quote: Option<char> = None;
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (None, '\'' | '"') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '$') if chars.peek().is_some_and(char::is_ascii_digit) => {
                out.push('?');
                continue;
            }
            _ => {}
        }
        out.push(c);
    }
    out
}

/// Every row `sql` gives with `params` (`$1`, `$2`, …), each row's
/// columns in order.
pub fn rows(store: &Store, sql: &str, params: &[Value]) -> Result<Vec<Vec<Value>>> {
    let mut q = store.conn.prepare(&for_sqlite(sql))?;
    let n = q.column_count();
    let rows = q.query_map(rusqlite::params_from_iter(params), |r| {
        (0..n).map(|i| r.get_ref(i).map(value)).collect()
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
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
    Ok(store.conn.execute_batch(sql)?)
}

/// Runs one statement with `params`; how many rows it changed.
pub fn execute(store: &Store, sql: &str, params: &[Value]) -> Result<usize> {
    Ok(store
        .conn
        .execute(&for_sqlite(sql), rusqlite::params_from_iter(params))?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_come_back_typed_and_parameters_bind_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        execute_batch(&store, "CREATE TABLE t (a INTEGER, b TEXT, c REAL, d BLOB)").unwrap();
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

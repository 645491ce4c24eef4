//! PostgreSQL's functions the store's statements use, given to SQLite, so
//! that a statement is written once: `GREATEST(a, b, …)` and `LEAST(…)`
//! (SQLite's own two-argument `MAX(a, b)` is an aggregate on PostgreSQL).
//! As on PostgreSQL, NULLs are passed over; only numbers are compared.

use rusqlite::functions::{Context, FunctionFlags};
use rusqlite::types::{Value, ValueRef};
use rusqlite::{Connection, Error};

pub(crate) fn register(conn: &Connection) -> rusqlite::Result<()> {
    let flags = FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC;
    conn.create_scalar_function("greatest", -1, flags, |c| pick(c, true))?;
    conn.create_scalar_function("least", -1, flags, |c| pick(c, false))
}

/// The greatest (or least) number among the arguments; NULL when all are.
fn pick(ctx: &Context<'_>, greatest: bool) -> rusqlite::Result<Value> {
    let mut best: Option<Value> = None;
    for i in 0..ctx.len() {
        let v = match ctx.get_raw(i) {
            ValueRef::Null => continue,
            ValueRef::Integer(n) => Value::Integer(n),
            ValueRef::Real(r) => Value::Real(r),
            _ => {
                return Err(Error::UserFunctionError(
                    "GREATEST and LEAST compare numbers only".into(),
                ))
            }
        };
        let better = match &best {
            None => true,
            Some(b) => (number(&v) > number(b)) == greatest && number(&v) != number(b),
        };
        if better {
            best = Some(v);
        }
    }
    Ok(best.unwrap_or(Value::Null))
}

/// (Integers past 2^53 lose precision here; the store compares times and
/// counts far below that.)
fn number(v: &Value) -> f64 {
    match v {
        Value::Integer(n) => *n as f64,
        Value::Real(r) => *r,
        _ => f64::NAN,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn greatest_and_least_pass_over_nulls() {
        let db = crate::Db::sqlite(rusqlite::Connection::open_in_memory().unwrap()).unwrap();
        let one = |sql: &str| -> Option<i64> { db.query_row(sql, (), |r| r.get(0)).unwrap() };
        assert_eq!(one("SELECT GREATEST(0, 5 - 7)"), Some(0));
        assert_eq!(one("SELECT GREATEST(3, NULL, 9, 4)"), Some(9));
        assert_eq!(one("SELECT LEAST(3, NULL, -1)"), Some(-1));
        assert_eq!(one("SELECT GREATEST(NULL, NULL)"), None);
        let real: f64 = db
            .query_row("SELECT GREATEST(1, 2.5)", (), |r| r.get(0))
            .unwrap();
        assert_eq!(real, 2.5);
    }
}

use super::*;
use crate::params;

fn db() -> Db {
    let db = Db::sqlite(rusqlite::Connection::open_in_memory().unwrap()).unwrap();
    db.execute_batch("CREATE TABLE t (a INTEGER PRIMARY KEY, b TEXT, c REAL, d BLOB)")
        .unwrap();
    db
}

#[test]
fn parameters_bind_in_order_and_columns_read_typed() {
    let db = db();
    let n = db
        .execute(
            "INSERT INTO t VALUES (?1, ?2, ?3, ?4)",
            params![7, "x", 0.5, vec![1u8, 2]],
        )
        .unwrap();
    assert_eq!(n, 1);
    db.execute(
        "INSERT INTO t (b, a) VALUES ($2, $1)",
        params![8, None::<&str>],
    )
    .unwrap();
    let rows: Vec<(i64, Option<String>, Option<f64>)> = db
        .prepare("SELECT a, b, c FROM t ORDER BY a")
        .unwrap()
        .query_map((), |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<Result<_>>()
        .unwrap();
    assert_eq!(rows, [(7, Some("x".into()), Some(0.5)), (8, None, None)]);
    let d: Vec<u8> = db
        .query_row("SELECT d FROM t WHERE a = ?1", [7], |r| r.get(0))
        .unwrap();
    assert_eq!(d, [1, 2]);
    // A column read as the wrong type says so, with its index.
    let e = db
        .query_row("SELECT b FROM t WHERE a = 7", (), |r| r.get::<i64>(0))
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("Invalid column type Text at index: 0"),
        "{e}"
    );
}

#[test]
fn no_row_is_not_found_and_optional_makes_it_none() {
    let db = db();
    let e = db
        .query_row("SELECT a FROM t", (), |r| r.get::<i64>(0))
        .unwrap_err();
    assert!(e.is_not_found());
    let none = db
        .query_row("SELECT a FROM t", (), |r| r.get::<i64>(0))
        .optional()
        .unwrap();
    assert_eq!(none, None);
    assert!(!db.prepare("SELECT 1 FROM t").unwrap().exists(()).unwrap());
}

#[test]
fn a_write_commits_or_rolls_back_when_dropped() {
    let db = db();
    {
        let tx = db.write().unwrap();
        tx.execute("INSERT INTO t (a) VALUES (1)", ()).unwrap();
    }
    let tx = db.write().unwrap();
    tx.execute("INSERT INTO t (a) VALUES (2)", ()).unwrap();
    tx.commit().unwrap();
    let all: Vec<i64> = db
        .prepare("SELECT a FROM t")
        .unwrap()
        .query_map((), |r| r.get(0))
        .unwrap()
        .collect::<Result<_>>()
        .unwrap();
    assert_eq!(all, [2]);
    // A broken write is a conflict, and the connection takes the next one.
    let tx = db.write().unwrap();
    let e = tx.execute("INSERT INTO t (a) VALUES (2)", ()).unwrap_err();
    assert!(matches!(e, Error::Conflict(_)), "{e:?}");
    drop(tx);
    assert!(db.write().unwrap().commit().is_ok());
}

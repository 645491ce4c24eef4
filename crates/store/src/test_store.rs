//! The store the unit tests run on: SQLite in the test's folder, or, with
//! `WFC_TEST_STORE=postgres://…`, a schema of the test's own on that
//! PostgreSQL server (scripts/test sets it, and runs the tests twice).

use crate::db::location::Location;
use crate::Store;
use std::path::Path;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

/// A new, empty store for one test, files in `dir`.
pub(crate) fn open(dir: &Path) -> Store {
    match std::env::var("WFC_TEST_STORE") {
        Ok(url) if url.starts_with("postgres") => on_postgres(&url, dir),
        _ => Store::open(dir).unwrap(),
    }
}

/// From now on the connection `db` refuses every write, as a full disk
/// refuses SQLite's pages.
pub(crate) fn refuse_writes(db: &crate::db::Db) {
    db.execute_batch(match db.dialect() {
        crate::db::Dialect::Sqlite => "PRAGMA query_only = true",
        crate::db::Dialect::Postgres => "SET default_transaction_read_only = on",
    })
    .unwrap();
}

fn on_postgres(url: &str, dir: &Path) -> Store {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let schema = format!(
        "t_{}_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed),
        crate::now_ms()
    );
    let admin = wfc_store_postgres::connect(&pg(url)).unwrap();
    admin
        .execute_batch(&format!("CREATE SCHEMA {schema}"))
        .unwrap();
    let sep = if url.contains('?') { '&' } else { '?' };
    let pg = pg(&format!("{url}{sep}options=-csearch_path%3D{schema}"));
    let shown = pg.shown();
    let again: crate::Reconnect = Arc::new(move || wfc_store_postgres::connect(&pg));
    // (What reopens the store by its folder, as a step log's reader does.)
    crate::remote::bind(dir, shown.clone(), again.clone());
    Store::open_db(again, dir, &shown).unwrap()
}

fn pg(url: &str) -> crate::db::location::PgUrl {
    match Location::parse(url, false).unwrap() {
        Location::Postgres(pg) => pg,
        Location::Folder(_) => unreachable!("a postgres:// URL"),
    }
}

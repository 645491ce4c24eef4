//! The run store the end-to-end suites run on: each case's state folder
//! (SQLite, the default), or with `WFC_TEST_STORE=postgres://…` (scripts/
//! test sets it for the store, serve and schedule suites' second pass) a
//! schema of each case's own on that PostgreSQL server, which every `wfc`
//! of the case is given as `WFC_STORE`.

use std::sync::atomic::{AtomicU32, Ordering};

/// PostgreSQL's `psql` (scripts/install-test-deps installs PostgreSQL 15).
const PSQL: &str = "/usr/lib/postgresql/15/bin/psql";

/// The URL of a new, empty schema on the server `WFC_TEST_STORE` names;
/// `None` when the suite runs on SQLite.
pub fn fresh() -> Option<String> {
    let base = std::env::var("WFC_TEST_STORE").ok()?;
    if !base.starts_with("postgres") {
        return None;
    }
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let schema = format!(
        "e_{}_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() % 1_000_000_000)
    );
    let made = std::process::Command::new(PSQL)
        .args([base.as_str(), "-qAtc", &format!("CREATE SCHEMA {schema}")])
        .output()
        .expect("psql runs");
    assert!(
        made.status.success(),
        "cannot make a schema on WFC_TEST_STORE: {}",
        String::from_utf8_lossy(&made.stderr)
    );
    let sep = if base.contains('?') { '&' } else { '?' };
    Some(format!("{base}{sep}options=-csearch_path%3D{schema}"))
}

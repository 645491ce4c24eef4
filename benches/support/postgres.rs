//! A PostgreSQL run store for the server benchmarks (`#[path =
//! "support/postgres.rs"] mod postgres;`): `$WFC_BENCH_PG` (a server's URL,
//! `postgres://USER@HOST:PORT/DB`, with `pg_stat_statements` in its
//! `shared_preload_libraries`), else a throwaway server that
//! `scripts/start-postgres` starts and stops. Each measure gets a database
//! of its own, and reads what the server asked of it from
//! `pg_stat_statements`, `pg_stat_database` and `pg_stat_wal`.

use std::path::Path;
use std::sync::atomic::{AtomicU32, Ordering};
use wfc_store::db::Db;
use wfc_store::location::Location;

/// The PostgreSQL server the benchmark uses; stopped when dropped if the
/// benchmark started it.
pub struct Postgres {
    base: String,
    /// The folder `scripts/start-postgres` made.
    started: Option<String>,
}

/// The role the benchmark's own reads go as: apart from the server's in
/// `pg_stat_statements`.
const CLIENT: &str = "wfc_bench_client";

impl Postgres {
    pub fn start() -> Postgres {
        if let Ok(url) = std::env::var("WFC_BENCH_PG") {
            return Postgres::on(url, None);
        }
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/start-postgres");
        let out = std::process::Command::new(script)
            .output()
            .expect("scripts/start-postgres runs");
        assert!(
            out.status.success(),
            "PostgreSQL 15 did not start: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8(out.stdout).unwrap();
        let var = |name: &str| {
            text.split_whitespace()
                .find_map(|w| w.strip_prefix(&format!("{name}=")))
                .map(str::to_owned)
                .expect("start-postgres prints PG_URL and PG_DIR")
        };
        Postgres::on(var("PG_URL"), Some(var("PG_DIR")))
    }

    fn on(base: String, started: Option<String>) -> Postgres {
        let pg = Postgres { base, started };
        let admin = pg.connect(&pg.base);
        admin
            .execute_batch(&format!(
                "CREATE EXTENSION IF NOT EXISTS pg_stat_statements;
                 DO $$ BEGIN CREATE ROLE {CLIENT} SUPERUSER LOGIN;
                 EXCEPTION WHEN duplicate_object THEN NULL; END $$;"
            ))
            .expect("pg_stat_statements is loaded (shared_preload_libraries)");
        pg
    }

    fn connect(&self, url: &str) -> Db {
        let Location::Postgres(pg) = Location::parse(url, false).unwrap() else {
            panic!("{url}: not a PostgreSQL URL")
        };
        wfc_store_postgres::connect(&pg).unwrap()
    }

    /// A new, empty database: its URL for the server, and one for the
    /// benchmark's own reads (as [`CLIENT`]).
    pub fn database(&self) -> Database {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let name = format!(
            "bench_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let admin = self.connect(&self.base);
        admin
            .execute_batch(&format!("CREATE DATABASE {name}"))
            .unwrap();
        let (head, _) = self.base.rsplit_once('/').expect("a URL with a database");
        let server = format!("{head}/{name}");
        // (A user or password in the base URL goes: the client's is ours.)
        let (scheme, rest) = server.split_once("://").unwrap();
        let host = rest.rsplit_once('@').map_or(rest, |(_, host)| host);
        let client = format!("{scheme}://{CLIENT}@{host}");
        Database {
            name,
            server,
            client,
            admin,
        }
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        if let Some(dir) = &self.started {
            let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/start-postgres");
            let _ = std::process::Command::new(script)
                .args(["--stop", dir])
                .status();
        }
    }
}

/// One measure's database.
pub struct Database {
    pub name: String,
    /// The server's `--store`.
    pub server: String,
    /// The benchmark's own connections'.
    pub client: String,
    admin: Db,
}

/// What the server asked of its database between two [`Database::counts`].
#[derive(Clone, Copy, Debug, Default)]
#[allow(dead_code)] // not every benchmark reads every count
pub struct Counts {
    /// Statements the server ran (`pg_stat_statements` calls, BEGIN and
    /// COMMIT among them).
    pub statements: i64,
    /// Of them, BEGIN, COMMIT and ROLLBACK.
    pub transaction: i64,
    /// Transactions that wrote (transaction ids given out): the commits
    /// that wait for the disk (`synchronous_commit`), the benchmark's own
    /// reads taking none.
    pub commits: i64,
    /// WAL flushes to disk (`pg_stat_wal.wal_sync`): the commits that
    /// waited for the disk, several at once counted once.
    pub syncs: i64,
}

impl Database {
    /// Binds the state folder `dir` of this process to the database, as
    /// `wfc --store` does, so that `Store::open(dir)` reads it as
    /// [`CLIENT`].
    pub fn bind(&self, dir: &Path) {
        let Location::Postgres(pg) = Location::parse(&self.client, false).unwrap() else {
            unreachable!()
        };
        wfc_store::remote::bind_postgres(dir, pg, wfc_store_postgres::connect);
    }

    /// Zeroes `pg_stat_statements` (the counters of the other views only
    /// grow: [`Counts`] are differences).
    pub fn reset(&self) {
        self.admin
            .execute_batch("SELECT 1 FROM (SELECT pg_stat_statements_reset()) r")
            .unwrap();
    }

    pub fn counts(&self) -> Counts {
        // (The statistics views are read by a new transaction's snapshot:
        // a fresh one each time.)
        let _ = self.admin.execute_batch("SELECT pg_stat_clear_snapshot()");
        self.admin
            .query_row(
                "SELECT
                   (SELECT COALESCE(SUM(s.calls), 0)::bigint FROM pg_stat_statements s
                     JOIN pg_database d ON d.oid = s.dbid JOIN pg_roles r ON r.oid = s.userid
                     WHERE d.datname = ?1 AND r.rolname <> ?2),
                   (SELECT COALESCE(SUM(s.calls), 0)::bigint FROM pg_stat_statements s
                     JOIN pg_database d ON d.oid = s.dbid JOIN pg_roles r ON r.oid = s.userid
                     WHERE d.datname = ?1 AND r.rolname <> ?2
                       AND upper(s.query) IN ('BEGIN', 'COMMIT', 'ROLLBACK')),
                   txid_snapshot_xmax(txid_current_snapshot()),
                   (SELECT wal_sync FROM pg_stat_wal)",
                wfc_store::params![self.name, CLIENT],
                |r| {
                    Ok(Counts {
                        statements: r.get(0)?,
                        transaction: r.get(1)?,
                        commits: r.get(2)?,
                        syncs: r.get(3)?,
                    })
                },
            )
            .unwrap()
    }
}

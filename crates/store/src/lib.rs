//! The run store: every run wfc starts, kept in an embedded SQLite database
//! so that nothing a run did is lost and nothing that succeeded runs twice.
//!
//! Layout of the state directory (`.wfc/` in the working directory;
//! `--state-dir` or `WFC_STATE_DIR` move it):
//!
//! ```text
//! .wfc/runs.db              the database (WAL mode: runs.db-wal, runs.db-shm beside it)
//! .wfc/logs/RUN/STEP.log    each step's output lines, every attempt appended
//! .wfc/journal/RUN.wfj      a running run's state changes not yet in runs.db
//! .wfc/artifacts/RUN/SHA256 the files steps kept as artifacts, by content
//! .wfc/serve.lock           held (flock) by the `wfc serve` of the folder, with its pid
//! ```
//!
//! - [`schema`] — the tables, and the migration from the version before;
//! - [`journal`] — the running run's record file and how it is folded in
//!   ([`record`]: what it holds and the rows each writes; [`wire`]: its frames);
//! - [`durations`] — each run's successful durations in one row, for [`history_estimator`];
//! - [`store_recorder`] — [`StoreRecorder`], a [`wfc_contract::Recorder`]
//!   that journals every state change before the run goes on;
//! - [`logs`] — step log files, a [`wfc_contract::LineOutput`] that
//!   writes them (and passes lines on to the terminal);
//! - [`query`] — history and one run's detail (`wfc history`, `wfc status`);
//! - [`listing`] — runs filtered and paged, and what started each (`wfc serve`);
//! - [`labels`] — the `version` and `tags` each run's workflow had;
//! - [`fires`] — how far each `on schedule` of `wfc serve` has fired;
//! - [`stats`] — per workflow and per step figures (`wfc stats`), and
//!   [`critical`] — how often each step was on its run's critical path;
//! - [`tail`] — live events read back from a cursor on (`wfc serve`'s streams);
//! - [`history_estimator`] — a history-based [`wfc_plan::Estimator`];
//! - [`control`] — what other processes ask of a run (cancel, approvals),
//!   the heartbeat, and marking crashed runs as interrupted;
//! - [`park`] — runs that only wait, parked with no process, and what
//!   wakes them;
//! - [`decisions`] — decisions on gates, with an approval's inputs bound
//!   against the run's recorded plan, who, when and a comment;
//! - [`retention`] — pruning old runs and their logs (`wfc serve --keep-runs`),
//!   and [`delete`] — deleting runs on demand (`wfc runs delete`);
//! - [`server_lock`] — one `wfc serve` per state folder; [`servers`] — the
//!   servers sharing a store in a database, and their leases; [`sweep`] —
//!   what takes a dead server's runs; [`queued`] — starts a full server
//!   queued for any server;
//! - [`reuse`] — plan fingerprints and what a resumed run restores;
//! - [`artifacts`] — the files steps kept: listed, copied out checked, put back on resume.
//!
//! Connections: WAL journal (readers never block the writer, so `wfc status`
//! works while runs write), `busy_timeout` of 10 s (several wfc processes
//! take turns at the write lock instead of failing), `synchronous = NORMAL`.
//! With WAL, NORMAL never corrupts the database and loses nothing when the
//! *process* dies (SIGKILL, a panic): a commit is in the WAL file, in the
//! OS page cache, before `COMMIT` returns. Only a power loss or kernel crash
//! may lose the last commits (never consistency). FULL would add an fsync
//! per state change — milliseconds each on many disks, which would dominate
//! short steps — for protection against an event the crash model (wfc being
//! killed) does not need.

pub mod alerts;
pub mod artifacts;
pub mod backfill;
pub mod control;
pub mod copy;
pub mod critical;
pub mod decisions;
pub mod delete;
pub mod deliveries;
pub mod durations;
mod exclusive;
pub mod failed_deliveries;
pub mod fires;
pub mod history_estimator;
pub mod ignored;
pub mod journal;
pub mod labels;
pub mod listing;
pub mod live;
pub mod locks;
pub mod logs;
pub mod metrics;
pub mod park;
pub mod pause;
pub mod place;
pub mod plan_diff;
pub mod pool;
pub mod prior_attempts;
pub mod query;
pub mod queued;
pub mod record;
pub mod remote;
pub mod resume;
pub mod retention;
pub mod reuse;
pub mod run_graph;
pub mod schema;
pub mod served;
pub mod server_lock;
pub mod servers;
pub mod stats;
pub mod store_recorder;
pub mod sweep;
pub mod tail;
#[cfg(test)]
pub(crate) mod test_store;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod up_to_date;
pub mod wire;

pub use history_estimator::HistoryEstimator;
pub use store_recorder::StoreRecorder;

use rusqlite::{Connection, OpenFlags};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// The store's connection, values and errors (`wfc-store-db`).
pub use wfc_store_db as db;
/// What a store function fails with ([`error`]).
pub use wfc_store_db::Error;
/// What a store function returns.
pub use wfc_store_db::Result;
pub use wfc_store_db::{error, location, params};

/// The default state directory, relative to the working directory.
pub const DEFAULT_DIR: &str = ".wfc";
/// The environment variable that moves it.
pub const ENV_VAR: &str = "WFC_STATE_DIR";
/// How long a writer waits for another process's write lock.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// An open store. Its connection is its own: every statement against the
/// store's tables is one of this crate's functions.
pub struct Store {
    /// (Given back to the folder's pool when the store is dropped, if the
    /// process keeps one: [`pool::keep_open`].)
    conn: pool::Conn,
    dir: PathBuf,
    /// How to open another connection to a database other than the SQLite
    /// file in `dir` ([`Store::open_db`]).
    again: Option<Reconnect>,
}

/// Opens another connection to a store's database.
pub type Reconnect = std::sync::Arc<dyn Fn() -> Result<db::Db> + Send + Sync>;

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("dir", &self.dir).finish()
    }
}

/// `--state-dir`, else `$WFC_STATE_DIR`, else the nearest `.wfc` at or
/// above the current folder, else `.wfc` ([`place::find`]).
pub fn state_dir(flag: Option<&Path>) -> PathBuf {
    place::find(flag, None)
}

/// Why a store could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("cannot create the state directory {}: {source}", dir.display())]
    CreateDir {
        dir: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot open the run store {}: {source}", path.display())]
    Open { path: PathBuf, source: Error },
    /// A database other than SQLite's (named as shown, without a password)
    /// could not be reached or migrated.
    #[error("the run store {shown}: {why}")]
    Database {
        shown: String,
        why: String,
        /// It refused for now (PostgreSQL's `max_connections` reached):
        /// the caller may try again later.
        busy: bool,
    },
    /// Its schema is newer than this build's, too old, or its migration failed.
    #[error("{}: {why}", path.display())]
    Schema { path: PathBuf, why: String },
    /// It takes no writes (a read-only file system, no write permission)
    /// and is of an older schema: it would have to be migrated to be read.
    #[error(
        "{}: the run store {} has schema version {found}, and this wfc reads version {}: \
         it must be migrated first, which writes to it, and it cannot be written here (a \
         read-only file system or folder); open it once with write access (any wfc command \
         migrates it: `wfc history --state-dir DIR`), or read it with the wfc that wrote it",
        NEEDS_MIGRATION,
        path.display(),
        schema::VERSION
    )]
    NeedsMigration { path: PathBuf, found: i64 },
    /// It takes no writes and cannot be read as it is.
    #[error("{}: the run store {} cannot be read: {why}", UNREADABLE, path.display())]
    Unreadable { path: PathBuf, why: String },
}

/// What a start refused for want of a database connection says, after the
/// error ([`OpenError::is_busy`]).
pub const NO_CONNECTION: &str = "the database has no connection to spare (its `max_connections`)";

impl OpenError {
    /// Whether the database refused for now (out of connections): a start
    /// may be tried again, unlike a store that cannot be opened at all.
    pub fn is_busy(&self) -> bool {
        matches!(self, OpenError::Database { busy: true, .. })
    }
}

/// The code of [`OpenError::NeedsMigration`] (docs/diagnostics.md).
pub const NEEDS_MIGRATION: &str = "E0601";
/// The code of [`OpenError::Unreadable`].
pub const UNREADABLE: &str = "E0602";

/// Callers that only report the failure take it as text.
impl From<OpenError> for String {
    fn from(e: OpenError) -> String {
        e.to_string()
    }
}

impl Store {
    /// Opens (creating it and the directory if needed) and migrates the store in `dir`.
    pub fn open(dir: &Path) -> std::result::Result<Store, OpenError> {
        if let Some(store) = Store::kept(dir) {
            return Ok(store);
        }
        if let Some(b) = remote::bound(dir) {
            return b.open(dir);
        }
        place::create(dir).map_err(|source| OpenError::CreateDir {
            dir: dir.to_path_buf(),
            source,
        })?;
        let path = dir.join("runs.db");
        let mut conn = connect(&path)?;
        if conn.is_readonly(rusqlite::MAIN_DB).unwrap_or(false) {
            // Read as it is, or not at all: a migration would write. (SQLite
            // opened the file read-only by itself: opened again the way
            // such a store can be read, or said why not.)
            let conn = read_only(&path)?;
            let found = schema::version(&conn).map_err(|source| OpenError::Open {
                path: path.clone(),
                source,
            })?;
            schema::check(found).map_err(|why| OpenError::Schema {
                path: path.clone(),
                why,
            })?;
            if found != schema::VERSION {
                return Err(OpenError::NeedsMigration { path, found });
            }
            return Store::over(conn, dir);
        }
        schema::migrate(&mut conn).map_err(|why| OpenError::Schema { path, why })?;
        Store::over(conn, dir)
    }

    /// Opens an existing store for reading; `Ok(None)` when there is none
    /// (no run was ever recorded there). Still migrates an old schema, and
    /// marks crashed runs (see [`control::reap`]) — unless the store takes
    /// no writes (a full disk, a read-only file system or folder): what it
    /// holds is read all the same, read-only, if it is of this build's
    /// schema ([`OpenError::NeedsMigration`] if older).
    pub fn open_existing(dir: &Path) -> std::result::Result<Option<Store>, OpenError> {
        if !exists(dir) {
            return Ok(None);
        }
        let store = Store::open(dir)?;
        if let Err(e) = control::reap(&store) {
            tracing::debug!("the run store cannot mark dead runs now: {e}");
        }
        Ok(Some(store))
    }

    /// A store on a database other than SQLite (PostgreSQL:
    /// `wfc_store_postgres::connect`), brought to this build's schema.
    /// `again` opens another connection to it ([`Store::reopen`]); `dir`
    /// is the state folder, for what the store still keeps in files (step
    /// logs, artifacts). `shown` names the database in errors.
    pub fn open_db(
        again: Reconnect,
        dir: &Path,
        shown: &str,
    ) -> std::result::Result<Store, OpenError> {
        let failed = |why: String, busy: bool| OpenError::Database {
            shown: shown.to_owned(),
            why,
            busy,
        };
        // (The folder is made by the first run recorded: a command that
        // only reads leaves none behind.)
        let conn = again()
            .map_err(|e| failed(e.to_string(), e.is_busy()))?
            .in_folder(dir);
        schema::postgres::migrate(&conn).map_err(|why| failed(why, false))?;
        Ok(Store {
            conn: pool::Conn::pooled(conn, pool::of(dir)),
            dir: dir.to_path_buf(),
            again: Some(again),
        })
    }

    /// An idle connection of `dir`'s pool, if the process keeps one.
    fn kept(dir: &Path) -> Option<Store> {
        let conn = pool::of(dir)?.take()?;
        Some(Store {
            conn,
            dir: dir.to_path_buf(),
            again: remote::bound(dir).map(|b| b.again.clone()),
        })
    }

    /// A second connection to the same database (for a task of its own).
    pub fn reopen(&self) -> std::result::Result<Store, OpenError> {
        let Some(again) = &self.again else {
            return Store::at(&self.dir);
        };
        if let Some(store) = Store::kept(&self.dir) {
            return Ok(store);
        }
        let db = again().map_err(|e| OpenError::Database {
            shown: remote::bound(&self.dir).map_or_else(String::new, |b| b.shown.clone()),
            why: e.to_string(),
            busy: e.is_busy(),
        })?;
        Ok(Store {
            conn: pool::Conn::pooled(db.in_folder(&self.dir), pool::of(&self.dir)),
            dir: self.dir.clone(),
            again: Some(again.clone()),
        })
    }

    /// Which SQL the store's database speaks.
    pub fn dialect(&self) -> db::Dialect {
        self.conn.dialect()
    }

    /// A connection to the store in `dir`, which this process has opened
    /// (and so migrated) before.
    pub fn at(dir: &Path) -> std::result::Result<Store, OpenError> {
        if let Some(store) = Store::kept(dir) {
            return Ok(store);
        }
        if let Some(b) = remote::bound(dir) {
            return Store::on_db(b.again.clone(), dir, &b.shown);
        }
        Store::over(connect(&dir.join("runs.db"))?, dir)
    }

    /// [`Store::open_db`] without the migration, on a database this
    /// process has opened (and so migrated) before.
    pub(crate) fn on_db(
        again: Reconnect,
        dir: &Path,
        shown: &str,
    ) -> std::result::Result<Store, OpenError> {
        let conn = again().map_err(|e| OpenError::Database {
            shown: shown.to_owned(),
            why: e.to_string(),
            busy: e.is_busy(),
        })?;
        Ok(Store {
            conn: pool::Conn::pooled(conn.in_folder(dir), pool::of(dir)),
            dir: dir.to_path_buf(),
            again: Some(again),
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// A store over an open SQLite connection to the database in `dir`
    /// (unit tests: an in-memory database, in no folder).
    pub(crate) fn over(conn: Connection, dir: &Path) -> std::result::Result<Store, OpenError> {
        let db = db::Db::sqlite(conn).map_err(|source| OpenError::Open {
            path: dir.join("runs.db"),
            source,
        })?;
        Ok(Store {
            conn: pool::Conn::pooled(db, pool::of(dir)),
            dir: dir.to_path_buf(),
            again: None,
        })
    }

    /// The folder of a run's step logs.
    pub fn log_dir(&self, run_id: &str) -> PathBuf {
        self.dir.join("logs").join(run_id)
    }
}

/// Opens a connection with the store's settings (see the module docs). A
/// store that takes no writes (a file system mounted read-only, a folder
/// or file without write permission) is opened read-only: what it holds
/// can still be read.
fn connect(path: &Path) -> std::result::Result<Connection, OpenError> {
    let failed = |source| OpenError::Open {
        path: path.to_path_buf(),
        source,
    };
    match connect_with(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE,
    ) {
        Err(e) if path.exists() => match read_only(path) {
            // Neither written nor read: the first error says why.
            Err(OpenError::Open { .. }) => Err(OpenError::Unreadable {
                path: path.to_path_buf(),
                why: format!("{e}, neither to write nor to read (see the file's permissions)"),
            }),
            other => other,
        },
        opened => opened.map_err(failed),
    }
}

/// A read-only connection to `path`, tried with a read (so that a store
/// it cannot read fails here, saying why, not at its first query).
/// Reading a WAL database needs its `-shm` index, which SQLite cannot make
/// where it cannot write: when there is none and the write-ahead log holds
/// nothing either (the last writer checkpointed and removed them), the
/// file is all there is, and is opened as immutable. When the log holds
/// commits, they cannot be read without the index, and the store is not
/// read without them.
fn read_only(path: &Path) -> std::result::Result<Connection, OpenError> {
    let failed = |source| OpenError::Open {
        path: path.to_path_buf(),
        source,
    };
    let readable = |conn: Connection| schema::version(&conn).map(|_| conn);
    let e = match connect_with(path, OpenFlags::SQLITE_OPEN_READ_ONLY).and_then(readable) {
        Ok(conn) => return Ok(conn),
        Err(e) => e,
    };
    let wal = path.with_extension("db-wal");
    let shm = path.with_extension("db-shm");
    let logged = std::fs::metadata(&wal).map_or(0, |m| m.len());
    if logged > 0 && !shm.exists() {
        return Err(OpenError::Unreadable {
            path: path.to_path_buf(),
            why: format!(
                "its write-ahead log {} holds {logged} bytes of commits, which SQLite reads \
                 only through the log's index {}; that is missing, and cannot be made without \
                 write access; copy the state folder where it can be written and point \
                 `--state-dir` at the copy (or open it once with write access)",
                wal.display(),
                shm.display()
            ),
        });
    }
    if logged > 0 {
        return Err(failed(e));
    }
    // (A URI's own characters in the path are escaped.)
    let mut uri = String::from("file:");
    for c in path.display().to_string().chars() {
        match c {
            '%' | '?' | '#' => uri.push_str(&format!("%{:02X}", c as u32)),
            c => uri.push(c),
        }
    }
    uri.push_str("?immutable=1");
    connect_with(
        Path::new(&uri),
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_URI,
    )
    .and_then(readable)
    .map_err(failed)
}

fn connect_with(path: &Path, flags: OpenFlags) -> Result<Connection> {
    let conn = Connection::open_with_flags(path, flags | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
    conn.busy_handler(Some(wait_for_lock))?;
    if !flags.contains(OpenFlags::SQLITE_OPEN_READ_ONLY) {
        wal(&conn)?;
    }
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "cache_size", CACHE_SIZE)?;
    // Every statement goes through the cache ([`db::Db::execute`] too): a
    // run's recorder and watch thread use about 30, the server's reads more.
    conn.set_prepared_statement_cache_capacity(STATEMENTS);
    Ok(conn)
}

/// SQLite's busy handler, asked again while another connection holds the
/// write lock: retries every [`BUSY_POLL`] up to [`BUSY_TIMEOUT`]. SQLite's
/// own (`busy_timeout`) backs off to 100 ms sleeps, so a run's write queued
/// behind others' (`wfc serve` running several at once) waited tens of ms
/// for a lock held a fraction of one.
fn wait_for_lock(tries: i32) -> bool {
    let waited = BUSY_POLL * u32::try_from(tries).unwrap_or(0);
    if waited >= BUSY_TIMEOUT {
        return false;
    }
    std::thread::sleep(BUSY_POLL);
    true
}

/// How many prepared statements a connection keeps.
const STATEMENTS: usize = 64;

/// How often a writer waiting for the write lock tries again.
const BUSY_POLL: Duration = Duration::from_micros(250);

/// The page cache of a connection: 256 KiB (SQLite's `cache_size` takes a
/// negative figure as KiB). SQLite's default is 2 MiB per connection, and a
/// run holds three (session, recorder, watch): at 5,000 steps the smaller
/// cache takes 0.3–1 MiB off the peak RSS. A run appends to the ends of its
/// tables and indexes, and reads come from the OS page cache just below.
const CACHE_SIZE: i64 = -256;

/// Switches the database to WAL (a no-op once it is). The switch needs an
/// exclusive lock, and SQLite answers SQLITE_BUSY at once, without calling
/// the busy handler, while another connection holds the new file open (four
/// `wfc run` starting together on a new store): so this waits and retries,
/// up to [`BUSY_TIMEOUT`].
fn wal(conn: &Connection) -> rusqlite::Result<()> {
    let deadline = std::time::Instant::now() + BUSY_TIMEOUT;
    loop {
        match conn.pragma_update(None, "journal_mode", "WAL") {
            Err(e)
                if e.sqlite_error_code() == Some(rusqlite::ErrorCode::DatabaseBusy)
                    && std::time::Instant::now() < deadline =>
            {
                std::thread::sleep(Duration::from_millis(5));
            }
            done => return done,
        }
    }
}

/// Whether the state folder `dir` has a store yet: its `runs.db`, or the
/// database it is bound to ([`remote::bind`]), which always has one.
pub fn exists(dir: &Path) -> bool {
    remote::is_bound(dir) || dir.join("runs.db").exists()
}

/// Milliseconds since the Unix epoch.
pub fn ms(t: SystemTime) -> i64 {
    t.duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// Now, in milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    ms(SystemTime::now())
}

/// An RFC 3339 timestamp of milliseconds since the epoch.
pub fn stamp(ms: i64) -> String {
    wfc_contract::time::timestamp(SystemTime::UNIX_EPOCH + Duration::from_millis(ms.max(0) as u64))
}

/// A hash of a file's text (FNV-1a 64, hex): enough to notice a change.
pub fn file_hash(text: &str) -> String {
    hex(fnv(text.as_bytes()))
}

/// A [`fnv`] hash as [`file_hash`] writes it.
pub fn hex(hash: u64) -> String {
    format!("{hash:016x}")
}

/// FNV-1a, 64 bits.
pub fn fnv(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    fn journal_mode(s: &Store) -> String {
        s.conn
            .query_row("PRAGMA journal_mode", (), |r| r.get(0))
            .unwrap()
    }

    #[test]
    fn opens_in_wal_mode() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(dir.path()).unwrap();
        assert_eq!(journal_mode(&s), "wal");
        assert_eq!(
            schema::version(s.conn.as_sqlite().unwrap()).unwrap(),
            schema::VERSION
        );
    }

    /// Several processes opening a new store at once (four `wfc run` started
    /// together) all get it, in WAL mode.
    #[test]
    fn concurrent_opens_of_a_new_store_all_succeed() {
        for _ in 0..30 {
            let dir = tempfile::tempdir().unwrap();
            let errors: Vec<String> = std::thread::scope(|s| {
                let opens: Vec<_> = (0..6)
                    .map(|_| s.spawn(|| Store::open(dir.path()).err().map(String::from)))
                    .collect();
                opens
                    .into_iter()
                    .filter_map(|h| h.join().unwrap())
                    .collect()
            });
            assert!(errors.is_empty(), "{errors:?}");
            assert_eq!(journal_mode(&Store::open(dir.path()).unwrap()), "wal");
        }
    }
}

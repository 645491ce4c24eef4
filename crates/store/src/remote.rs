//! A state folder whose run store is not its SQLite file: `--store
//! postgres://…` (issue 71). The program binds the folder to the database
//! once, where it reads its flags; from then on every [`Store::open`] of
//! that folder, wherever in the process, connects to the database instead
//! (the folder keeps what the store still keeps in files: journals,
//! artifacts unless the URL's `?artifacts=` names a folder of their own,
//! the server's lock). So the launcher, the server
//! and every command open their store as before, by its folder, and
//! nothing is written to a `runs.db` there.

use crate::{OpenError, Reconnect, Store};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// A folder bound to a database.
pub(crate) struct Binding {
    /// The database's URL without its password, for errors.
    pub(crate) shown: String,
    pub(crate) again: Reconnect,
    /// Whether this process has brought the schema up to date.
    migrated: AtomicBool,
    /// Where the runs' artifacts are kept (`?artifacts=`), if not in the
    /// state folder.
    pub(crate) artifacts: Option<PathBuf>,
    /// Listens on a channel of the database ([`listen`]).
    listen: Option<Listen>,
}

/// A listener of a database's channel, `wfc_store_postgres::listen`.
pub type ListenOn =
    fn(&crate::location::PgUrl, &str, Box<dyn Fn() + Send + Sync>) -> Result<(), String>;

/// What listens on a channel of a bound database: its `NOTIFY`s call the
/// callback, from a thread of the listener's.
pub type Listen =
    Arc<dyn Fn(&str, Box<dyn Fn() + Send + Sync>) -> Result<(), String> + Send + Sync>;

/// (A program binds one folder; a test process, one per test.)
static BOUND: Mutex<Option<HashMap<PathBuf, Arc<Binding>>>> = Mutex::new(None);

/// From now on, the store of the state folder `dir` is the database that
/// `again` connects to (`shown`: its URL without the password).
pub fn bind(dir: &Path, shown: String, again: Reconnect) {
    bind_with(dir, shown, again, None, None);
}

/// [`bind`], the run's artifacts kept in `artifacts` (the URL's
/// `?artifacts=`) rather than the state folder's.
fn bind_with(
    dir: &Path,
    shown: String,
    again: Reconnect,
    artifacts: Option<PathBuf>,
    listen: Option<Listen>,
) {
    let b = Binding {
        shown,
        again,
        migrated: AtomicBool::new(false),
        artifacts,
        listen,
    };
    BOUND
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get_or_insert_with(HashMap::new)
        .insert(normal(dir), Arc::new(b));
}

/// [`bind`] to the PostgreSQL database `url` names, through `connect`
/// (`wfc_store_postgres::connect`, which this crate does not link).
pub fn bind_postgres(
    dir: &Path,
    url: crate::location::PgUrl,
    connect: fn(&crate::location::PgUrl) -> crate::Result<crate::db::Db>,
) {
    let shown = url.shown();
    let artifacts = url.param("artifacts").map(PathBuf::from);
    bind_with(dir, shown, Arc::new(move || connect(&url)), artifacts, None);
}

/// [`bind_postgres`], with `listen` (`wfc_store_postgres::listen`) for
/// [`listen`]: what a server binds, whose waker is told of changes
/// rather than asking.
pub fn bind_postgres_listening(
    dir: &Path,
    url: crate::location::PgUrl,
    connect: fn(&crate::location::PgUrl) -> crate::Result<crate::db::Db>,
    listen: ListenOn,
) {
    let shown = url.shown();
    let artifacts = url.param("artifacts").map(PathBuf::from);
    let (again, heard) = (url.clone(), url);
    let listen: Listen = Arc::new(move |channel, on| listen(&heard, channel, on));
    bind_with(
        dir,
        shown,
        Arc::new(move || connect(&again)),
        artifacts,
        Some(listen),
    );
}

/// Listens on `channel` of the database `dir`'s store is bound to, `on`
/// called at each `NOTIFY` (and each time the listening connection is
/// made again); `false` when nothing listens: a SQLite store, or a
/// binding made without a listener — the caller asks, then, as before.
pub fn listen(dir: &Path, channel: &str, on: Box<dyn Fn() + Send + Sync>) -> bool {
    let Some(listen) = bound(dir).and_then(|b| b.listen.clone()) else {
        return false;
    };
    match listen(channel, on) {
        Ok(()) => true,
        Err(e) => {
            tracing::warn!(error = %e, "cannot listen to the store: it is asked instead");
            false
        }
    }
}

/// The database `dir`'s store is bound to, if any.
pub(crate) fn bound(dir: &Path) -> Option<Arc<Binding>> {
    let bound = BOUND.lock().unwrap_or_else(|e| e.into_inner());
    bound.as_ref()?.get(&normal(dir)).cloned()
}

/// Whether the state folder `dir`'s store is a database of its own.
pub fn is_bound(dir: &Path) -> bool {
    bound(dir).is_some()
}

/// `dir` absolute, through its links when it exists.
fn normal(dir: &Path) -> PathBuf {
    std::fs::canonicalize(dir)
        .or_else(|_| std::path::absolute(dir))
        .unwrap_or_else(|_| dir.to_path_buf())
}

impl Binding {
    /// A connection to the database, the schema brought up to date by the
    /// first one this process opens.
    pub(crate) fn open(&self, dir: &Path) -> Result<Store, OpenError> {
        if self.migrated.load(Ordering::Acquire) {
            return Store::on_db(self.again.clone(), dir, &self.shown);
        }
        let store = Store::open_db(self.again.clone(), dir, &self.shown)?;
        self.migrated.store(true, Ordering::Release);
        Ok(store)
    }
}

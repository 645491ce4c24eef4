//! Connections kept open between uses of a store (issue 71, item 4).
//!
//! A process that opens its store often — the server, at every API and
//! dashboard request and for every run it starts — asks once
//! ([`keep_open`]) that the connections to a state folder's store outlive
//! the [`Store`](crate::Store)s that used them: from then on every
//! `Store::open` of that folder takes an idle connection when there is one
//! (its statements already prepared), and a store that is dropped gives its
//! connection back, up to the pool's size. So the callers keep opening a
//! store per request, as they did, and no connection is made per request
//! or per run once the pool is warm. A connection that cannot be trusted
//! again (in a transaction, read-only, its PostgreSQL session closed) is
//! closed instead of kept.
//!
//! Not a bound on connections: a burst opens what it needs, and keeps at
//! most `size` of them afterwards (a SQLite connection costs a file
//! handle; PostgreSQL's `max_connections` is the server's to set).

use crate::db::Db;
use std::collections::HashMap;
use std::ops::Deref;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// The idle connections to one state folder's store.
pub(crate) struct Pool {
    idle: Mutex<Vec<Db>>,
    size: usize,
}

static POOLS: Mutex<Option<HashMap<PathBuf, Arc<Pool>>>> = Mutex::new(None);

/// From now on, keep up to `size` connections to the store of the state
/// folder `dir` open between uses (0: none, as before).
pub fn keep_open(dir: &Path, size: usize) {
    let mut pools = POOLS.lock().unwrap_or_else(|e| e.into_inner());
    let pools = pools.get_or_insert_with(HashMap::new);
    if size == 0 {
        pools.remove(&normal(dir));
        return;
    }
    pools.insert(
        normal(dir),
        Arc::new(Pool {
            idle: Mutex::new(Vec::with_capacity(size)),
            size,
        }),
    );
}

/// How many connections to `dir`'s store are open and idle now.
pub fn idle(dir: &Path) -> usize {
    of(dir).map_or(0, |p| {
        p.idle.lock().unwrap_or_else(|e| e.into_inner()).len()
    })
}

/// The pool of `dir`'s store, if the process keeps one.
pub(crate) fn of(dir: &Path) -> Option<Arc<Pool>> {
    let pools = POOLS.lock().unwrap_or_else(|e| e.into_inner());
    pools.as_ref()?.get(&normal(dir)).cloned()
}

fn normal(dir: &Path) -> PathBuf {
    std::fs::canonicalize(dir)
        .or_else(|_| std::path::absolute(dir))
        .unwrap_or_else(|_| dir.to_path_buf())
}

impl Pool {
    /// An idle connection, if one is kept.
    pub(crate) fn take(self: &Arc<Self>) -> Option<Conn> {
        let db = self.idle.lock().unwrap_or_else(|e| e.into_inner()).pop()?;
        Some(Conn {
            db: Some(db),
            pool: Some(self.clone()),
        })
    }

    fn give_back(&self, db: Db) {
        if !db.reusable() {
            return;
        }
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        if idle.len() < self.size {
            idle.push(db);
        }
    }
}

/// A store's connection: its own, or one of a [`Pool`]'s, given back
/// when dropped.
pub(crate) struct Conn {
    /// (`None` only while being dropped.)
    db: Option<Db>,
    pool: Option<Arc<Pool>>,
}

impl Conn {
    /// `db`, given to `pool` when dropped.
    pub(crate) fn pooled(db: Db, pool: Option<Arc<Pool>>) -> Conn {
        Conn { db: Some(db), pool }
    }
}

impl Conn {
    /// Replaces a connection to a database that the database closed (it
    /// restarted, or failed over to a standby) by a new one; whether it
    /// did. An open connection, or a SQLite one, is kept.
    pub(crate) fn heal(&mut self) -> bool {
        let Some(db) = &self.db else { return false };
        if db.reusable() || db.in_transaction() {
            return false;
        }
        let Some(dir) = db.folder().map(Path::to_path_buf) else {
            return false;
        };
        let Some(bound) = crate::remote::bound(&dir) else {
            return false;
        };
        match (bound.again)() {
            Ok(fresh) => {
                tracing::info!("the run store's connection was closed: connected again");
                // (The closed one is dropped, not given back.)
                self.db = Some(fresh.in_folder(&dir));
                true
            }
            Err(_) => false,
        }
    }
}

impl Deref for Conn {
    type Target = Db;
    fn deref(&self) -> &Db {
        self.db
            .as_ref()
            .expect("a store's connection is open until dropped")
    }
}

impl Drop for Conn {
    fn drop(&mut self) {
        if let (Some(pool), Some(db)) = (self.pool.take(), self.db.take()) {
            pool.give_back(db);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Store;

    fn runs(store: &Store) -> i64 {
        store
            .conn
            .query_row("SELECT COUNT(*) FROM runs", crate::params![], |r| r.get(0))
            .unwrap()
    }

    #[test]
    fn dropped_stores_give_their_connections_back_up_to_the_size() {
        let dir = tempfile::tempdir().unwrap();
        keep_open(dir.path(), 2);
        let first = crate::test_store::open(dir.path());
        let (a, b) = (first.reopen().unwrap(), first.reopen().unwrap());
        assert_eq!(idle(dir.path()), 0);
        drop((first, a, b));
        assert_eq!(idle(dir.path()), 2, "the third is closed");
        // A kept one serves the next user, on the same database.
        let kept = Store::kept(dir.path()).expect("a kept connection");
        assert_eq!(idle(dir.path()), 1);
        assert_eq!(runs(&kept), 0);
        drop(kept);
        assert_eq!(idle(dir.path()), 2);
        keep_open(dir.path(), 0);
        assert_eq!(idle(dir.path()), 0);
    }

    #[test]
    fn a_connection_left_in_a_transaction_is_closed_not_kept() {
        let dir = tempfile::tempdir().unwrap();
        keep_open(dir.path(), 4);
        let store = crate::test_store::open(dir.path());
        store.conn.execute_batch("BEGIN").unwrap();
        drop(store);
        let left = crate::test_store::open(dir.path());
        drop(left);
        // Only the second: the first would have handed its open
        // transaction (and its locks) to whoever came next.
        assert_eq!(idle(dir.path()), 1);
        keep_open(dir.path(), 0);
    }
}

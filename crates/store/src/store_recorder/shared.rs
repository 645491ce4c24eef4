//! The run recorder's connection, shared with the run's watch thread, and
//! the step logs' buffer each fold sends (on a store in a database).

use super::journal;
use crate::db::Db;
use crate::logs;
use std::sync::{Arc, Mutex, MutexGuard};

/// The recorder's connection, which the run's watch thread takes turns on
/// (opaque outside the store).
#[derive(Clone)]
pub struct Shared {
    pub(super) conn: Arc<Mutex<crate::pool::Conn>>,
    /// The run's step logs not yet in the database, which each fold sends.
    pub(super) chunks: Option<logs::chunks::Chunks>,
    /// The session the recorder records, and the lease it runs under: its
    /// folds write nothing once the run is in another session
    /// ([`crate::exclusive::fenced`]) or the lease is lost.
    pub(super) fence: Arc<crate::exclusive::Fence>,
}

impl Shared {
    /// Locks it (a thread that panicked holding it left it usable: SQLite
    /// rolls back a transaction left open).
    pub(crate) fn lock(&self) -> MutexGuard<'_, crate::pool::Conn> {
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Folds run `run_id`'s journal into the store (see `journal::fold`),
    /// and sends the step logs' lines that came by then; how many turns it
    /// applied.
    pub fn fold(&self, run_id: &str) -> crate::Result<usize> {
        let mut conn = self.lock();
        let folded = self.fold_on(&conn, run_id);
        if folded.is_err() {
            // (A database that failed over: the next fold is on a new
            // connection, the lines kept meanwhile go with it.)
            conn.heal();
        }
        folded
    }

    /// A new connection in place of one the database closed.
    pub(crate) fn heal(&self) {
        self.lock().heal();
    }

    /// [`Shared::fold`] on `conn`, its connection, locked.
    pub(crate) fn fold_on(&self, conn: &Db, run_id: &str) -> crate::Result<usize> {
        self.fence.held(run_id)?;
        journal::fold_with(
            conn,
            run_id,
            self.chunks.as_ref(),
            Some(self.fence.session()),
        )
    }

    /// Whether this process may still write the run's record: `Err`
    /// (E0607) once the lease it runs under is lost, checked without the
    /// database (which a partitioned server cannot reach).
    pub fn held(&self, run_id: &str) -> crate::Result<()> {
        self.fence.held(run_id)
    }

    /// In the transaction `tx` that ends or parks the run: the logs' last
    /// lines, after the last fold.
    pub(super) fn send_logs(&self, tx: &Db) -> crate::Result<logs::chunks::Sent> {
        match &self.chunks {
            Some(c) => c.send_in(tx),
            None => Ok(Default::default()),
        }
    }

    pub(super) fn logs_sent(&self, sent: logs::chunks::Sent) {
        if let Some(c) = &self.chunks {
            c.sent(sent);
        }
    }
}

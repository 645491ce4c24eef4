//! The plan's fingerprints, when a thread takes them while the run
//! starts (see [`super::StoreRecorder::plan_later`]).

use super::start::store_plan;
use crate::db::Db;
use std::sync::mpsc::{Receiver, TryRecvError};
use std::sync::{Arc, Mutex};

/// The receiving end of the fingerprints' thread, while they have not come
/// (see [`super::StoreRecorder::plan_later`]).
#[derive(Clone, Default)]
pub struct LatePlan(Arc<Mutex<Option<Receiver<Vec<u8>>>>>);

impl LatePlan {
    pub(super) fn slot(&self) -> std::sync::MutexGuard<'_, Option<Receiver<Vec<u8>>>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(super) fn pending(&self) -> bool {
        self.slot().is_some()
    }

    /// The fingerprints if they came; the receiver is dropped once they
    /// came or the thread is gone (here, or never).
    pub(super) fn try_take(&self) -> Option<Vec<u8>> {
        let mut slot = self.slot();
        match slot.as_ref()?.try_recv() {
            Err(TryRecvError::Empty) => None,
            got => {
                *slot = None;
                got.ok()
            }
        }
    }

    /// Records the fingerprints on `conn` if they came (the watch thread).
    pub(crate) fn record(&self, conn: &Db, id: &str) -> crate::Result<()> {
        let Some(plan) = self.try_take() else {
            return Ok(());
        };
        let tx = conn.write()?;
        store_plan(&tx, id, &plan)?;
        tx.commit()
    }
}

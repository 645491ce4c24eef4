//! What a serving launcher ([`crate::Launcher::serving`]) keeps ready
//! between runs, so that opening a run's record does less while its caller
//! waits: a store connection opened ahead, and each workflow's history
//! estimates, read at most once per [`FRESH`].
//!
//! A launcher of one run (`wfc run`) keeps nothing: the first run of any
//! launcher opens (and migrates) the store itself.

use rustc_hash::{FxHashMap, FxHasher};
use std::hash::{Hash, Hasher};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use wfc_plan::Plan;
use wfc_store::history_estimator::{self, HistoryEstimator};
use wfc_store::Store;

use crate::LaunchError;

/// How long a workflow's history estimates are reused. They only order the
/// scheduler's priorities, so runs ending meanwhile change little; read
/// once per run, they were 3 % of the server's CPU at 100 runs a second.
pub const FRESH: Duration = Duration::from_secs(1);

/// Estimates kept for at most this many plans (workflows, or step sets).
const KEPT: usize = 64;

#[derive(Default)]
pub(crate) struct Ahead {
    on: bool,
    /// A connection to the store, opened on the blocking pool after the
    /// last one was taken: ~1 ms (the schema read, the pragmas) off each
    /// start's answer.
    spare: Mutex<Option<Store>>,
    /// Set while a spare is being opened (one at a time).
    filling: AtomicBool,
    /// Estimates by plan ([`key`]), with when they were read (`None`: no
    /// history then).
    estimates: Mutex<FxHashMap<u64, Read>>,
}

type Read = (Instant, Option<Arc<HistoryEstimator>>);

impl Ahead {
    pub(crate) fn serving() -> Ahead {
        Ahead {
            on: true,
            ..Ahead::default()
        }
    }

    /// The store in `dir`: the spare if there is one, else opened now.
    pub(crate) fn store(&self, dir: &Path) -> Result<Store, LaunchError> {
        let spare = self.spare.lock().unwrap_or_else(|e| e.into_inner()).take();
        match spare {
            Some(store) if store.dir() == dir => Ok(store),
            _ => Store::open(dir).map_err(|e| {
                if e.is_busy() {
                    // Out of connections is a full server, not a broken one.
                    LaunchError::Busy(format!(
                        "{e}: {}; try again later, or raise `max_connections` or lower \
                         `--max-runs`",
                        wfc_store::NO_CONNECTION
                    ))
                } else {
                    LaunchError::Store(e.to_string())
                }
            }),
        }
    }

    /// Opens a spare connection to the store in `dir`, which this process
    /// opened (and migrated) before, unless one is kept or being opened.
    /// Blocking: called on the blocking pool.
    pub(crate) fn fill(&self, dir: &Path) {
        if !self.on || self.filling.swap(true, Ordering::AcqRel) {
            return;
        }
        let empty = self
            .spare
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .is_none();
        if empty {
            match Store::at(dir) {
                Ok(store) => *self.spare.lock().unwrap_or_else(|e| e.into_inner()) = Some(store),
                Err(e) => tracing::debug!("no spare store connection: {e}"),
            }
        }
        self.filling.store(false, Ordering::Release);
    }

    /// Whether [`Ahead::fill`] has anything to do.
    pub(crate) fn wants_spare(&self) -> bool {
        self.on
            && !self.filling.load(Ordering::Acquire)
            && self
                .spare
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .is_none()
    }

    /// Takes `plan`'s history estimates from `store`, or from a reading of
    /// the same plan's steps within [`FRESH`].
    pub(crate) fn estimate(&self, plan: &mut Plan, store: &Store) {
        if !self.on {
            return crate::estimates::from_store(plan, store);
        }
        let key = key(plan);
        let now = Instant::now();
        let kept = {
            let kept = self.estimates.lock().unwrap_or_else(|e| e.into_inner());
            kept.get(&key)
                .filter(|(at, _)| now.duration_since(*at) < FRESH)
                .map(|(_, h)| h.clone())
        };
        let history = match kept {
            Some(h) => h,
            None => {
                let only = plan.main.steps.iter().map(|s| s.name.as_str()).collect();
                let read = history_estimator::from_open_store(store, &plan.workflow, Some(&only));
                tracing::trace!(target: "wfc::timing", "history: estimates read");
                let read = read.map(Arc::new);
                let mut kept = self.estimates.lock().unwrap_or_else(|e| e.into_inner());
                if kept.len() >= KEPT {
                    kept.retain(|_, (at, _)| now.duration_since(*at) < FRESH);
                }
                kept.insert(key, (now, read.clone()));
                read
            }
        };
        if let Some(h) = history {
            plan.reestimate(&|name| h.median(name));
        }
    }
}

/// A plan's workflow and main-graph step names: the estimates read for one
/// plan serve another with the same.
fn key(plan: &Plan) -> u64 {
    let mut h = FxHasher::default();
    plan.workflow.hash(&mut h);
    for s in &plan.main.steps {
        s.name.hash(&mut h);
    }
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use wfc_store::deliveries;

    #[test]
    fn a_serving_launcher_opens_the_next_connection_ahead() {
        let dir = tempfile::tempdir().unwrap();
        let ahead = Ahead::serving();
        // The first opens (and makes) the store itself.
        let first = ahead.store(dir.path()).unwrap();
        assert!(ahead.wants_spare());
        ahead.fill(dir.path());
        assert!(!ahead.wants_spare(), "one spare is kept");
        let spare = ahead.store(dir.path()).unwrap();
        assert!(ahead.wants_spare(), "the spare was taken");
        // A connection to the same store, which another one reads.
        deliveries::record(&spare, "/hook d1", "run-1").unwrap();
        drop((first, spare));
        // Not `deliveries::run_of`: it counts a delivery only with its run.
        let other = Store::open(dir.path()).unwrap();
        let sql = "SELECT run_id FROM deliveries WHERE key = '/hook d1'";
        let run = wfc_store::testing::one(&other, sql, &[]).unwrap();
        assert_eq!(run.text(), Some("run-1"));
    }

    #[test]
    fn a_launcher_of_one_run_keeps_nothing_ahead() {
        let dir = tempfile::tempdir().unwrap();
        let ahead = Ahead::default();
        let _store = ahead.store(dir.path()).unwrap();
        ahead.fill(dir.path());
        assert!(!ahead.wants_spare());
        assert!(ahead.spare.lock().unwrap().is_none());
    }
}

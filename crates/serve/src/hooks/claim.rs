//! One delivery at a time per delivery id: a retry that comes while the
//! first is being started waits for it, then finds its run in the store
//! (`deliveries`), so only the first starts one.

use super::Hooks;
use crate::problem::Problem;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Whether a delivery may start a run.
pub(super) enum Claim<G = Delivering> {
    /// It did already: that run.
    Started(String),
    /// This request starts it; the guard lets a retry in once dropped.
    Ours(G),
}

/// A delivery being started, until dropped.
pub(super) struct Delivering {
    map: Arc<Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>>,
    key: String,
    _taken: tokio::sync::OwnedMutexGuard<()>,
}

impl Drop for Delivering {
    fn drop(&mut self) {
        let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        // The map's and this guard's: no one else waits for the key.
        if map
            .get(&self.key)
            .is_some_and(|m| Arc::strong_count(m) <= 2)
        {
            map.remove(&self.key);
        }
    }
}

impl Hooks {
    /// Claims delivery `key`: `Started` when a recorded run came from it
    /// within a day. While another request is starting it, this one waits
    /// for that start to be recorded (or to fail) first.
    pub(super) async fn claim(&self, key: &str) -> Result<Claim, Problem> {
        let lock = self
            .delivering
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(key.to_owned())
            .or_default()
            .clone();
        let guard = Delivering {
            map: self.delivering.clone(),
            key: key.to_owned(),
            _taken: lock.lock_owned().await,
        };
        Ok(match self.claim_seen(key).await? {
            Claim::Started(id) => Claim::Started(id),
            Claim::Ours(()) => Claim::Ours(guard),
        })
    }

    /// The run delivery `key` started, if the store has one.
    pub(super) async fn claim_seen(&self, key: &str) -> Result<Claim<()>, Problem> {
        let dir = self.launcher.state_dir().to_path_buf();
        let owned = key.to_owned();
        let seen = tokio::task::spawn_blocking(move || {
            match wfc_store::Store::open_existing(&dir).map_err(Problem::store)? {
                Some(store) => {
                    wfc_store::deliveries::run_of(&store, &owned).map_err(Problem::store)
                }
                None => Ok(None),
            }
        })
        .await
        .map_err(Problem::store)??;
        Ok(match seen {
            Some(id) => Claim::Started(id),
            None => Claim::Ours(()),
        })
    }
}

//! What this server serves, said in the store it shares with others
//! (issue 72; [`wfc_store::served`]): at its join, again after each
//! rejoin under a new lease, and whenever its catalog changes. Other
//! servers read it to tell which queued runs this one can resume, and
//! `wfc servers` to show whether all serve the same versions.

use crate::catalog::Catalog;
use crate::lease::Lease;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use wfc_store::served::Served;

/// Says what `catalog` serves as server `id`'s, now.
pub fn publish(dir: &Path, id: &str, served: &[Served]) -> Result<(), String> {
    let store = wfc_store::Store::open(dir).map_err(|e| e.to_string())?;
    wfc_store::served::publish(&store, id, served).map_err(|e| e.to_string())
}

/// Says it again each heartbeat the catalog or the lease changed since
/// (comparing in memory: an unchanged server writes nothing).
/// Until `stopping`.
pub fn keep(
    catalog: Arc<Catalog>,
    lease: Lease,
    dir: PathBuf,
    said: Vec<Served>,
    stopping: tokio_util::sync::CancellationToken,
) {
    tokio::spawn(async move {
        let mut said = (lease.id().0, said);
        loop {
            tokio::select! {
                _ = stopping.cancelled() => return,
                _ = tokio::time::sleep(lease.timing().heartbeat) => {}
            }
            if !lease.held() {
                continue;
            }
            let now = (lease.id().0, catalog.published());
            if now == said {
                continue;
            }
            let (dir, next) = (dir.clone(), now.clone());
            let done = tokio::task::spawn_blocking(move || publish(&dir, &next.0, &next.1)).await;
            match done.map_err(|e| e.to_string()).and_then(|r| r) {
                Ok(()) => said = now,
                Err(e) => {
                    tracing::warn!(error = %e, "cannot say in the store what this server serves")
                }
            }
        }
    });
}

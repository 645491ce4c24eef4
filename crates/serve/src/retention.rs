//! Retention in the server: [`wfc_store::retention::prune`] at start, after
//! runs end, and every [`EVERY`] (runs that `wfc run` records on the same
//! store age too). Each prune that removes runs is logged with their count
//! and ids. Run ends come from the launcher ([`Launcher::ends`]), not from
//! the run manager's events: a subscriber to those would wake for every
//! step and every log line of every run.

use std::path::PathBuf;
use std::time::Duration;
use wfc_launch::Launcher;
use wfc_store::retention::{self, Policy};

/// How often the store is pruned when no run ends.
pub const EVERY: Duration = Duration::from_secs(10 * 60);

/// How long after a run's end the prune waits: the run's last records
/// reach the store within this, and runs ending together share one prune.
const SETTLE: Duration = Duration::from_millis(500);

/// Ids logged by name at most; more are counted.
const NAMED: usize = 20;

/// Starts pruning the store in `state_dir` by `policy` (nothing when it is
/// off).
pub fn spawn(state_dir: PathBuf, policy: Policy, launcher: &Launcher) {
    if policy.is_off() {
        tracing::info!("retention off: every run is kept");
        return;
    }
    tracing::info!(
        keep_runs = policy.keep_runs,
        keep_days = policy.keep_days,
        "retention: keeping the newest runs of each workflow and those of the last days"
    );
    let mut ends = launcher.ends();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(EVERY);
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                changed = ends.changed() => {
                    if changed.is_err() {
                        return;
                    }
                    tokio::time::sleep(SETTLE).await;
                    // The ends that came meanwhile are covered by this prune.
                    ends.mark_unchanged();
                }
            }
            let dir = state_dir.clone();
            let done = tokio::task::spawn_blocking(move || once(&dir, &policy)).await;
            match done {
                Ok(Ok(ids)) if ids.is_empty() => {}
                Ok(Ok(ids)) => {
                    let named = &ids[..ids.len().min(NAMED)];
                    tracing::info!(runs = ids.len(), ids = ?named, "pruned old runs and their logs");
                }
                Ok(Err(e)) => tracing::warn!(error = %e, "pruning old runs failed"),
                Err(e) => tracing::warn!(error = %e, "pruning old runs failed"),
            }
        }
    });
}

/// One prune of the store in `dir`.
fn once(dir: &std::path::Path, policy: &Policy) -> Result<Vec<String>, String> {
    let store = wfc_store::Store::open(dir)?;
    retention::prune(&store, policy, wfc_store::now_ms())
}

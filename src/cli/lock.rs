//! `lock EXPR` for `wfc run` and `wfc resume`: the run's key is taken in
//! the run store before anything runs, waiting (and saying so) while
//! another run holds it; it is given back when the run ends, or freed for
//! the next taker when this process dies.

use std::path::Path;
use wfc_plan::triggers::RunInfo;
use wfc_run::say;
use wfc_store::locks::RunLock;

/// The run's lock, if its workflow has a `lock`; waits while it is held.
pub fn take(plan: &wfc_plan::Plan, run_id: &str, store: &Path) -> Result<Option<RunLock>, String> {
    let started = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let run = RunInfo {
        id: run_id,
        workflow: &plan.workflow,
        trigger: "manual",
        started: &started,
    };
    let Some(key) = plan.lock_key(&run) else {
        return Ok(None);
    };
    let key = key.map_err(|e| format!("cannot compute the lock key: {e}"))?;
    let lock = RunLock::acquire(store, &key, run_id, |holder| {
        say::err(&format!(
            "waiting for lock {key} (held by run {})",
            holder.run_id
        ));
    })
    .map_err(|e| format!("cannot take the lock {key}: {e}"))?;
    Ok(Some(lock))
}

//! A backfill's runs, one slot after another (see [`super`]).

use chrono::{DateTime, Utc};
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use wfc_launch::{Checked, LaunchError, Launcher, Run};
use wfc_store::backfill::TRIGGER;

/// How often the store is asked whether a run still goes.
const POLL: Duration = Duration::from_millis(200);
/// How often a start refused by `--max-runs` is tried again.
const BUSY_RETRY: Duration = Duration::from_secs(1);

/// What became of one slot.
#[derive(Clone, Debug, serde::Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    /// Its run started, and ended so (`succeeded`, `failed`, …; `running`
    /// when the backfill stopped before it ended).
    Ran {
        slot: DateTime<Utc>,
        run: String,
        status: String,
    },
    /// A run of the schedule or an earlier backfill covers it.
    Covered { slot: DateTime<Utc>, run: String },
    /// It could not start.
    NotStarted { slot: DateTime<Utc>, why: String },
    /// The backfill stopped before its turn.
    Stopped { slot: DateTime<Utc> },
}

impl Outcome {
    pub fn slot(&self) -> DateTime<Utc> {
        match self {
            Outcome::Ran { slot, .. }
            | Outcome::Covered { slot, .. }
            | Outcome::NotStarted { slot, .. }
            | Outcome::Stopped { slot } => *slot,
        }
    }
}

/// Runs `workflow` (with its params' defaults) for each of `slots`, oldest
/// first, one at a time, started by `by`; `each` hears of every slot as it
/// is done. Stops between slots once `stop` is cancelled.
pub async fn run(
    launcher: &Launcher,
    workflow: &Checked,
    slots: &[DateTime<Utc>],
    by: &str,
    stop: &CancellationToken,
    mut each: impl FnMut(&Outcome) + Send,
) -> Vec<Outcome> {
    let mut out = Vec::with_capacity(slots.len());
    for &slot in slots {
        let outcome = if stop.is_cancelled() {
            Outcome::Stopped { slot }
        } else {
            one(launcher, workflow, slot, by, stop).await
        };
        each(&outcome);
        out.push(outcome);
    }
    out
}

/// Slot `slot`'s run: skipped when covered, started once the schedule's
/// runs have ended, waited for.
async fn one(
    launcher: &Launcher,
    workflow: &Checked,
    slot: DateTime<Utc>,
    by: &str,
    stop: &CancellationToken,
) -> Outcome {
    let name = workflow.ir.name.clone();
    let at = slot.timestamp_millis();
    let not_started = |why: String| Outcome::NotStarted { slot, why };
    // Its turn: no run of the schedule goes on (as `overlap queue`).
    loop {
        let (wf, covered) = (name.clone(), name.clone());
        let asked = store(launcher, move |s| {
            let run = wfc_store::backfill::run_for_slot(s, &covered, at)?;
            Ok((run, wfc_store::backfill::going(s, &wf)?))
        })
        .await;
        match asked {
            Err(e) => return not_started(format!("the run store: {e}")),
            Ok((Some(run), _)) => return Outcome::Covered { slot, run },
            Ok((None, going)) if going.is_empty() => break,
            Ok(_) => {}
        }
        tokio::select! {
            _ = stop.cancelled() => return Outcome::Stopped { slot },
            _ = tokio::time::sleep(POLL) => {}
        }
    }
    let key = format!("backfill:{name} {at}");
    let started = loop {
        let compiled = match crate::launch::compile(workflow.clone(), Default::default()).await {
            Ok(c) => c,
            Err(p) => return not_started(format!("{}: {}", p.code.id(), p.detail)),
        };
        let mut run = Run::from(compiled)
            .triggered_by(TRIGGER)
            .started_by(by.to_owned());
        run.scheduled = Some(slot.into());
        run.delivery = Some(key.clone());
        match launcher.start(run).await {
            Ok(started) => break started,
            Err(e) if e.is_busy() && !launcher.stopping().is_cancelled() => {
                tokio::select! {
                    _ = stop.cancelled() => return Outcome::Stopped { slot },
                    _ = tokio::time::sleep(BUSY_RETRY) => {}
                }
            }
            // Another backfill of this slot recorded its run first.
            Err(LaunchError::Conflict(e))
                if e.starts_with(wfc_store::deliveries::DELIVERY_TAKEN) =>
            {
                let (wf, k) = (name.clone(), key.clone());
                let run = store(launcher, move |s| {
                    Ok(wfc_store::backfill::run_for_slot(s, &wf, at)?
                        .or(wfc_store::deliveries::run_of(s, &k)?))
                })
                .await;
                return match run {
                    Ok(Some(run)) => Outcome::Covered { slot, run },
                    _ => not_started(e),
                };
            }
            Err(e) => return not_started(crate::problem::Problem::from(e).detail),
        }
    };
    tracing::info!(workflow = %name, slot = %slot.to_rfc3339(), run = %started.id, "backfill run started");
    let id = started.id;
    // Its end: told by its task, unless it parked (waiting for a person)
    // or another server runs it, when the store tells.
    if let Ok(r) = started.ended.await {
        if !r.parked {
            let status = r.status.name().to_owned();
            return Outcome::Ran {
                slot,
                run: id,
                status,
            };
        }
    }
    loop {
        let run = id.clone();
        let status = store(launcher, move |s| wfc_store::control::run_status(s, &run)).await;
        match status {
            Ok(Some(status)) if status != "running" && status != "queued" => {
                return Outcome::Ran {
                    slot,
                    run: id,
                    status,
                };
            }
            Err(e) => tracing::warn!(run = %id, "cannot read the backfill run's status: {e}"),
            _ => {}
        }
        if stop.is_cancelled() {
            let status = "running".to_owned();
            return Outcome::Ran {
                slot,
                run: id,
                status,
            };
        }
        tokio::time::sleep(POLL).await;
    }
}

/// Runs `f` on the store, off the async threads.
async fn store<T: Send + 'static>(
    launcher: &Launcher,
    f: impl FnOnce(&wfc_store::Store) -> wfc_store::Result<T> + Send + 'static,
) -> Result<T, String> {
    let dir = launcher.state_dir().to_path_buf();
    tokio::task::spawn_blocking(move || {
        let store = wfc_store::Store::open(&dir).map_err(|e| e.to_string())?;
        f(&store).map_err(|e| e.to_string())
    })
    .await
    .map_err(|e| e.to_string())?
}

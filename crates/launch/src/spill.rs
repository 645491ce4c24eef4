//! A start this server has no slot for, queued for any server sharing its
//! store ([`wfc_store::queued`]) instead of refused, when the launcher is
//! told to ([`crate::Launcher::queue_starts`]: a `wfc serve` on a store in a
//! database) and another server is alive to take it. Alone, or on SQLite,
//! a full server refuses as it always did (`503`).
//!
//! Only starts whose record holds all a claimer needs are queued: a run
//! started through the API or by a webhook (its params in the store, no
//! secret given with the start — secrets are never stored, and one from its
//! default is bound again by the claimer; a delivery claimed with the
//! queued row), not a resume, a woken run, a schedule's slot or a change
//! batch (whose front ends wait on the run's end for `overlap`).

use crate::run::{Admission, Run, Started};
use crate::{LaunchError, Launcher};
use wfc_store::queued::{self, QueuedStart};
use wfc_store::store_recorder::StartRows;

/// The triggers of the starts that may be queued: the API's (the MCP's and
/// the dashboard's too) and webhooks'.
const QUEUED_TRIGGERS: [&str; 2] = ["api", "webhook"];

/// Whether `run`, refused a slot, may be queued for another server.
pub(crate) fn may(launcher: &Launcher, run: &Run) -> bool {
    launcher.queues_starts()
        && QUEUED_TRIGGERS.contains(&run.trigger.as_str())
        && run.record
        && run.resume.is_none()
        && !run.woken
        && !run.queued
        && matches!(run.admission, Admission::Try(_))
        && run.slot.is_none()
        && run.approvals.is_none()
        && run.observer.is_none()
        && run.lines.is_none()
        // A secret given with the start is stored nowhere: no claimer could
        // bind it. One from its default (`env(…)`) is bound again there.
        && !run.plan.params.iter().any(|p| p.secret && given(&p.source))
}

fn given(source: &wfc_plan::params::ParamSource) -> bool {
    use wfc_plan::params::ParamSource as S;
    matches!(source, S::Cli | S::File)
}

/// Queues `run` as `id` when another server is alive to take it; `busy`
/// (why no slot came) when none is.
pub(crate) async fn queue(
    launcher: &Launcher,
    run: Run,
    id: String,
    busy: String,
) -> Result<Started, LaunchError> {
    let params: serde_json::Map<String, serde_json::Value> = run
        .plan
        .params
        .iter()
        .map(|p| {
            let v = if p.secret {
                serde_json::Value::from(wfc_contract::MASK)
            } else {
                p.value.to_json()
            };
            (p.name.clone(), v)
        })
        .collect();
    let q = QueuedStart {
        id: id.clone(),
        workflow: run.plan.workflow.clone(),
        file: run.file,
        file_hash: run.file_hash,
        params: serde_json::Value::Object(params).to_string(),
        steps: run.plan.main.len() as i64,
        start: StartRows {
            trigger: Some((run.trigger, run.origin, run.started_by)),
            version: run.plan.version.clone(),
            tags: run.plan.tags.clone(),
            delivery: run.delivery,
            scheduled: run.scheduled.map(wfc_store::ms),
            ..StartRows::default()
        },
        detail: serde_json::json!({
            "rerun": {"all": run.rerun.all, "steps": run.rerun.steps},
            "keep_going": run.keep_going,
            "scheduled": run.scheduled.map(wfc_store::ms),
        })
        .to_string(),
    };
    let dir = launcher.state_dir().to_path_buf();
    let queued = tokio::task::spawn_blocking(move || {
        let store = wfc_store::Store::open(&dir).map_err(|e| e.to_string())?;
        if !wfc_store::servers::others_alive(&store).map_err(|e| e.to_string())? {
            return Ok(false);
        }
        queued::enqueue(&store, &q).map_err(|e| e.to_string())?;
        Ok::<_, String>(true)
    })
    .await
    .map_err(|e| LaunchError::Store(e.to_string()))?;
    match queued {
        Ok(true) => {
            tracing::info!(run = %id, "no slot here: run {id} is queued for any server to start");
            // (Its end is another server's to tell: the sender is dropped.)
            let (_, ended) = tokio::sync::oneshot::channel();
            Ok(Started {
                id,
                ended,
                queued: true,
            })
        }
        Ok(false) => Err(LaunchError::Busy(busy)),
        // Another server's start of the same delivery came first.
        Err(e) if e.starts_with(wfc_store::deliveries::DELIVERY_TAKEN) => {
            Err(LaunchError::Conflict(e))
        }
        // Not recorded: refused as a full server's start is.
        Err(e) => Err(LaunchError::Busy(format!(
            "{busy} (and it could not be queued for another server: {e})"
        ))),
    }
}

/// The claimer's side: what a queued start's `detail` holds, set on `run`.
pub fn options(run: &mut Run, detail: &str) {
    let Ok(v) = serde_json::from_str::<serde_json::Value>(detail) else {
        return;
    };
    run.rerun.all = v["rerun"]["all"].as_bool().unwrap_or(false);
    run.rerun.steps = v["rerun"]["steps"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    run.keep_going = v["keep_going"].as_bool().unwrap_or(false);
    run.scheduled = v["scheduled"]
        .as_u64()
        .map(|ms| std::time::UNIX_EPOCH + std::time::Duration::from_millis(ms));
}

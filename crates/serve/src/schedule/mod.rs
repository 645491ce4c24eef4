//! `on schedule`: runs that start themselves at their cron slots.
//!
//! [`start`] spawns the supervisor: once a second it reads the catalog
//! (each served workflow at its file's last good version), and keeps one
//! task (`task.rs`) per schedule — started when a schedule appears, told
//! when its `overlap` or `catch up` change, stopped when it goes. A
//! changed pattern or zone is another schedule. Each fire is recorded in
//! the store ([`wfc_store::fires`]) before its run starts, so a restart
//! neither fires a slot twice nor skips one without logging it. Everything
//! stops on the server's `stopping`: no slot fires after SIGTERM.
//!
//! A run a schedule started before a `kill -9`, resumed at start
//! ([`crate::recover`]), is that schedule's previous run: before the first
//! task starts, the supervisor takes the scheduled runs the launcher owns
//! (at that moment, exactly those recovery queued), and each task waits
//! for them as for a run of its own, so `overlap` sees them — the catch-up
//! slots too. The store says which workflow and file a run is of, not
//! which of the workflow's schedules started it: a resumed run counts for
//! every schedule of its workflow in its file.

pub(crate) mod slots;
mod task;

pub use task::TRIGGER;

use crate::catalog::Catalog;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;
use wfc_language::ir::{Schedule, Trigger};
use wfc_launch::Launcher;
use wfc_store::fires::ScheduleId;

/// How often the catalog is read for schedules that appeared, changed or went.
const POLL: Duration = Duration::from_secs(1);

/// Starts the schedules of `catalog`'s workflows, following its reloads,
/// until `launcher.stopping`.
pub fn start(catalog: Arc<Catalog>, launcher: Launcher) {
    let ctx = Arc::new(task::Ctx { catalog, launcher });
    tokio::spawn(supervise(ctx));
}

/// A schedule's running task.
struct Live {
    settings: watch::Sender<Schedule>,
    stop: CancellationToken,
}

async fn supervise(ctx: Arc<task::Ctx>) {
    let stopping = ctx.launcher.stopping();
    let mut live: BTreeMap<ScheduleId, Live> = BTreeMap::new();
    // Slots missed while the server was down are caught up only for the
    // schedules served from the start.
    let mut at_start = true;
    // Taken before any task fires: the runs resumed at start.
    let mut resumed = resumed_runs(&ctx.launcher).await;
    while !stopping.is_cancelled() {
        let wanted = schedules(&ctx.catalog);
        live.retain(|id, l| {
            let keep = wanted.contains_key(id);
            if !keep {
                tracing::info!(workflow = %id.workflow, schedule = %id.schedule, "schedule no longer served");
                l.stop.cancel();
            }
            keep
        });
        for (id, schedule) in wanted {
            if let Some(l) = live.get(&id) {
                l.settings.send_if_modified(|s| {
                    let changed = (s.overlap, s.catch_up) != (schedule.overlap, schedule.catch_up);
                    *s = schedule;
                    changed
                });
                continue;
            }
            let (settings, rx) = watch::channel(schedule);
            let stop = stopping.child_token();
            let key = (id.file.clone(), id.workflow.clone());
            let inherited = if at_start {
                resumed.get(&key).cloned().unwrap_or_default()
            } else {
                Vec::new()
            };
            let t = task::Task::new(id.clone(), rx, ctx.clone(), stop.clone(), at_start)
                .after(inherited);
            tokio::spawn(t.run());
            live.insert(id, Live { settings, stop });
        }
        at_start = false;
        resumed.clear();
        tokio::select! {
            _ = stopping.cancelled() => {}
            _ = tokio::time::sleep(POLL) => {}
        }
    }
}

/// The scheduled runs `launcher` owns — at the server's start, the runs
/// recovery resumed — by their file and workflow, as the store recorded
/// them. None when the store cannot say (logged).
async fn resumed_runs(launcher: &Launcher) -> HashMap<(String, String), Vec<String>> {
    let owned: Vec<String> = launcher
        .owned_runs()
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    if owned.is_empty() {
        return HashMap::new();
    }
    let dir = launcher.state_dir().to_path_buf();
    let found = tokio::task::spawn_blocking(move || {
        let store = wfc_store::Store::open(&dir)?;
        let mut out: HashMap<(String, String), Vec<String>> = HashMap::new();
        for id in owned {
            if wfc_store::listing::trigger(&store, &id).map_err(|e| e.to_string())? != TRIGGER {
                continue;
            }
            if let Some(run) = wfc_store::query::run(&store, &id).map_err(|e| e.to_string())? {
                out.entry((run.file, run.workflow)).or_default().push(id);
            }
        }
        Ok::<_, String>(out)
    })
    .await
    .map_err(|e| e.to_string())
    .and_then(|r| r);
    found.unwrap_or_else(|e| {
        tracing::error!(error = %e, "cannot read which resumed runs are scheduled: their schedules do not wait for them");
        HashMap::new()
    })
}

/// Every schedule of a served workflow, by id, from the catalog's checked
/// IR. A workflow is served by the first file that has it, as the API
/// picks it.
fn schedules(catalog: &Catalog) -> BTreeMap<ScheduleId, Schedule> {
    let mut out = BTreeMap::new();
    for w in catalog.served() {
        for schedule in w.ir.triggers.iter().filter_map(|t| match t {
            Trigger::Schedule(s) => Some(s),
            _ => None,
        }) {
            let mut id = ScheduleId {
                file: w.file.clone(),
                workflow: w.ir.name.clone(),
                schedule: format!("{} {}", schedule.cron, schedule.timezone.name()),
            };
            // The same pattern twice in a workflow: two schedules still.
            let base = id.schedule.clone();
            for n in 2.. {
                if !out.contains_key(&id) {
                    break;
                }
                id.schedule = format!("{base} #{n}");
            }
            out.insert(id, schedule.clone());
        }
    }
    out
}

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

mod slots;
mod task;

pub use task::TRIGGER;

use crate::catalog::Catalog;
use std::collections::BTreeMap;
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
            let t = task::Task::new(id.clone(), rx, ctx.clone(), stop.clone(), at_start);
            tokio::spawn(t.run());
            live.insert(id, Live { settings, stop });
        }
        at_start = false;
        tokio::select! {
            _ = stopping.cancelled() => {}
            _ = tokio::time::sleep(POLL) => {}
        }
    }
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

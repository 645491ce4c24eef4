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
use crate::launch::Launcher;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;
use wfc_language::ir::{Schedule, Trigger};
use wfc_language::program::{self, Disk};
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
    let stopping = ctx.launcher.stopping.clone();
    let mut live: BTreeMap<ScheduleId, Live> = BTreeMap::new();
    let mut files = Analysed::default();
    // Slots missed while the server was down are caught up only for the
    // schedules served from the start.
    let mut at_start = true;
    while !stopping.is_cancelled() {
        let wanted = files.schedules(&ctx.catalog).await;
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

/// The schedules of each served file, by the text they were read from:
/// a file is analysed again only when its text changed.
#[derive(Default)]
struct Analysed {
    by_file: HashMap<String, (String, Vec<(String, Schedule)>)>,
}

impl Analysed {
    /// Every schedule of a served workflow, by id.
    async fn schedules(&mut self, catalog: &Catalog) -> BTreeMap<ScheduleId, Schedule> {
        // A workflow is served by the first file that has it, as the API
        // picks it: the catalog lists files in that order.
        let mut seen = HashSet::new();
        let mut served: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for w in catalog.workflows() {
            let scheduled = w.triggers.iter().any(|t| t.starts_with("schedule "));
            if seen.insert(w.name.clone()) && scheduled {
                served.entry(w.file).or_default().push(w.name);
            }
        }
        self.by_file.retain(|file, _| served.contains_key(file));
        let mut out = BTreeMap::new();
        for (file, workflows) in served {
            let Ok((_, text)) = catalog.find(&workflows[0]) else {
                continue;
            };
            let stale = self.by_file.get(&file).is_none_or(|(t, _)| *t != text);
            if stale {
                let (name, read) = (file.clone(), text.clone());
                let found = tokio::task::spawn_blocking(move || schedules_in(&name, read))
                    .await
                    .unwrap_or_default();
                self.by_file.insert(file.clone(), (text, found));
            }
            let Some((_, found)) = self.by_file.get(&file) else {
                continue;
            };
            for (workflow, schedule) in found.iter().filter(|(w, _)| workflows.contains(w)) {
                let mut id = ScheduleId {
                    file: file.clone(),
                    workflow: workflow.clone(),
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
}

/// The `on schedule` triggers of every workflow in `text` (the file `file`).
fn schedules_in(file: &str, text: String) -> Vec<(String, Schedule)> {
    let program = program::load(Path::new(file), text, &Disk, false);
    let root = &program.root().analysis;
    root.module
        .iter()
        .flat_map(|m| &m.workflows)
        .flat_map(|c| {
            c.ir.triggers.iter().filter_map(|t| match t {
                Trigger::Schedule(s) => Some((c.ir.name.clone(), s.clone())),
                _ => None,
            })
        })
        .collect()
}

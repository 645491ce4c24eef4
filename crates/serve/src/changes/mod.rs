//! `on change "GLOB"` triggers: a watch per trigger on the folder its glob
//! starts in (relative to the workflow's file), and one run per debounced
//! batch of files whose writes finished ([`batch`]), with `changed` = the
//! batch's files relative to the workflow's file, sorted. The runs record
//! the trigger `change`.
//!
//! The watches follow the catalog: every [`RECONCILE`] the served
//! workflows' change triggers are compared with the running watches, new
//! ones start, gone ones stop, and a folder that did not exist yet is
//! tried again. A watched folder that was removed, moved away or replaced
//! (`rm -rf in; mkdir in`) takes its OS watch with it: the watch is then
//! dropped and set up again on the folder now at its path, as for a
//! folder that did not exist yet. The OS's watch (inotify on Linux) is
//! used unless it fails or `--poll-changes` asks for polling (network
//! mounts, where the OS sees no changes made by other machines).
//!
//! Links to folders below a glob's folder are not followed, so `changed`
//! names each file as the glob matched it, by its one path below that
//! folder (inotify knows a folder once, whatever paths lead to it).

pub mod batch;

use crate::catalog::Catalog as Served;
use crate::discover::folder_id as identity;
use batch::Batch;
use globset::{GlobBuilder, GlobMatcher};
use notify::{Event, PollWatcher, RecommendedWatcher, RecursiveMode, Watcher};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use wfc_language::ir::Trigger;
use wfc_launch::Checked as ServedWorkflow;
use wfc_launch::Launcher;
use wfc_plan::trigger_params::{self, TriggerInputs};

/// How often the watches are compared with the served triggers.
pub const RECONCILE: Duration = Duration::from_millis(500);

/// The trigger a change's runs record.
pub const TRIGGER: &str = "change";

/// One change trigger of one served workflow.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Key {
    file: String,
    workflow: String,
    glob: String,
    debounce_ms: u64,
}

/// A running watch: its task and the OS watch feeding it.
struct Watching {
    task: JoinHandle<()>,
    _watcher: Box<dyn Watcher + Send>,
    /// The folder watched, and the folder it was (device, inode).
    folder: PathBuf,
    id: Option<(u64, u64)>,
    /// Set by the task when the OS reports the folder removed or moved.
    gone: Arc<AtomicBool>,
}

impl Watching {
    /// Whether the folder at the watched path is no longer the one the OS
    /// watches: removed, moved away or replaced.
    fn lost(&self) -> bool {
        self.gone.load(Ordering::Relaxed)
            || self.task.is_finished()
            || identity(&self.folder) != self.id
    }
}

impl Drop for Watching {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Starts watching the change triggers of `served`; `poll`: never the
/// OS's watch. Stops when the server stops.
pub fn start(served: Arc<Served>, launcher: Launcher, poll: bool) {
    tokio::spawn(async move {
        let mut watching: BTreeMap<Key, Watching> = BTreeMap::new();
        // Keys whose folder could not be watched, logged once each.
        let mut failed: BTreeSet<Key> = BTreeSet::new();
        let stopping = launcher.stopping();
        loop {
            let current = {
                let served = served.clone();
                tokio::task::spawn_blocking(move || served.served()).await
            };
            if let Ok(current) = current {
                let wanted = wanted(&current);
                watching.retain(|k, w| {
                    if !wanted.contains(k) {
                        tracing::info!(workflow = %k.workflow, glob = %k.glob, "no longer watching for changes");
                        return false;
                    }
                    if w.lost() {
                        // Watched again below, as a folder that is new.
                        tracing::info!(
                            workflow = %k.workflow, glob = %k.glob, folder = %w.folder.display(),
                            "the watched folder was removed or replaced; watching it again once it is there"
                        );
                        failed.insert(k.clone());
                        return false;
                    }
                    true
                });
                failed.retain(|k| wanted.contains(k));
                for key in wanted {
                    if watching.contains_key(&key) {
                        continue;
                    }
                    // A folder that did not exist when first tried is new:
                    // what is in it once it appears came after, and counts.
                    let seed = failed.contains(&key);
                    match watch(&key, poll, seed, &served, &launcher) {
                        Ok(w) => {
                            failed.remove(&key);
                            watching.insert(key, w);
                        }
                        Err(e) if failed.insert(key.clone()) => tracing::warn!(
                            workflow = %key.workflow, glob = %key.glob, error = %e,
                            "cannot watch for changes yet; trying again"
                        ),
                        Err(_) => {}
                    }
                }
            }
            tokio::select! {
                _ = tokio::time::sleep(RECONCILE) => {}
                _ = stopping.cancelled() => return,
            }
        }
    });
}

/// The change triggers `current` declares.
fn wanted(current: &[ServedWorkflow]) -> BTreeSet<Key> {
    let mut keys = BTreeSet::new();
    for w in current {
        for t in &w.ir.triggers {
            if let Trigger::Change(c) = t {
                keys.insert(Key {
                    file: w.file.clone(),
                    workflow: w.ir.name.clone(),
                    glob: c.glob.clone(),
                    debounce_ms: c.debounce_ms,
                });
            }
        }
    }
    keys
}

/// What a trigger's watch needs to turn events into runs.
struct Target {
    key: Key,
    /// The workflow's folder, canonical: globs and `changed` are relative to it.
    home: PathBuf,
    glob: GlobMatcher,
    /// The folder watched, and whether the OS said it went away.
    folder: PathBuf,
    gone: Arc<AtomicBool>,
}

fn watch(
    key: &Key,
    poll: bool,
    seed: bool,
    served: &Arc<Served>,
    launcher: &Launcher,
) -> Result<Watching, String> {
    let file = Path::new(&key.file);
    // A file served by a relative path may have no folder in its name
    // (`wfc serve .` gives `x.wf`): its folder is then the current one.
    let folder_of = match file.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let home = std::fs::canonicalize(folder_of).map_err(|e| format!("{}: {e}", file.display()))?;
    let (base, recursive) = base_of(&key.glob);
    let folder = home.join(base);
    // Taken before the watch starts: a folder replaced in between is seen
    // as replaced at the next reconcile.
    let Some(id) = identity(&folder) else {
        return Err(format!("{} is not a folder", folder.display()));
    };
    let glob = matcher(&key.glob)?;
    let debounce = Duration::from_millis(key.debounce_ms);
    let (tx, rx) = mpsc::unbounded_channel::<notify::Result<Event>>();
    let mode = if recursive {
        RecursiveMode::Recursive
    } else {
        RecursiveMode::NonRecursive
    };
    let (watcher, closes_seen) = os_watch(&folder, mode, poll, debounce, tx)?;
    tracing::info!(
        workflow = %key.workflow, glob = %key.glob, folder = %folder.display(),
        polling = !closes_seen, "watching for changes"
    );
    let gone = Arc::new(AtomicBool::new(false));
    let target = Target {
        key: key.clone(),
        home,
        glob,
        folder: folder.clone(),
        gone: gone.clone(),
    };
    let mut batch = Batch::new(debounce, closes_seen);
    if seed {
        for path in files_under(&folder, recursive) {
            if target.matches(&path) {
                batch.found(&path, Instant::now());
            }
        }
    }
    let task = tokio::spawn(run_watch(
        target,
        batch,
        rx,
        served.clone(),
        launcher.clone(),
    ));
    Ok(Watching {
        task,
        _watcher: watcher,
        folder,
        id: Some(id),
        gone,
    })
}

/// The matcher of a change trigger's glob, over a file's path relative to
/// the workflow's folder with `/` between parts: `*` stays within one
/// folder, as in a shell (`wfc export github-actions` matches the same).
pub fn matcher(glob: &str) -> Result<GlobMatcher, String> {
    GlobBuilder::new(glob)
        .literal_separator(true)
        .build()
        .map_err(|e| e.to_string())
        .map(|g| g.compile_matcher())
}

/// The OS's watch on `folder`, or a polling one when that fails or `poll`
/// asks; whether it reports closes.
fn os_watch(
    folder: &Path,
    mode: RecursiveMode,
    poll: bool,
    debounce: Duration,
    tx: mpsc::UnboundedSender<notify::Result<Event>>,
) -> Result<(Box<dyn Watcher + Send>, bool), String> {
    // Links to folders are not followed: each file has one path below
    // `folder` (see the module's doc).
    let config = notify::Config::default().with_follow_symlinks(false);
    if !poll {
        let os = RecommendedWatcher::new(handler(tx.clone()), config)
            .and_then(|mut w| w.watch(folder, mode).map(|()| w));
        match os {
            // Only inotify reports closes among notify's watches.
            Ok(w) => return Ok((Box::new(w), cfg!(target_os = "linux"))),
            Err(e) => {
                tracing::warn!(folder = %folder.display(), error = %e, "the OS's watch failed; polling instead")
            }
        }
    }
    let every = (debounce / 2).clamp(Duration::from_millis(50), Duration::from_secs(2));
    let mut w = PollWatcher::new(handler(tx), config.with_poll_interval(every))
        .map_err(|e| e.to_string())?;
    w.watch(folder, mode).map_err(|e| e.to_string())?;
    Ok((Box::new(w), false))
}

/// The files in `folder` (and below it when `recursive`).
fn files_under(folder: &Path, recursive: bool) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut folders = vec![folder.to_owned()];
    while let Some(dir) = folders.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if kind.is_file() {
                out.push(entry.path());
            } else if kind.is_dir() && recursive {
                folders.push(entry.path());
            }
        }
    }
    out
}

/// Hands a watch's events to the trigger's task.
fn handler(
    tx: mpsc::UnboundedSender<notify::Result<Event>>,
) -> impl FnMut(notify::Result<Event>) + Send + 'static {
    move |e| {
        let _ = tx.send(e);
    }
}

/// The folder a glob starts in (its leading parts without wildcards) and
/// whether the rest reaches below it.
fn base_of(glob: &str) -> (PathBuf, bool) {
    let parts: Vec<&str> = glob.split('/').filter(|p| !p.is_empty()).collect();
    let wild = |p: &str| p.contains(['*', '?', '[', '{', '\\']);
    let literal = parts.iter().take_while(|p| !wild(p)).count();
    // A glob without wildcards names a file: watch its folder.
    let literal = literal.min(parts.len().saturating_sub(1));
    let base: PathBuf = parts[..literal].iter().collect();
    let rest = &parts[literal..];
    (
        base,
        rest.len() > 1 || rest.iter().any(|p| p.contains("**")),
    )
}

/// Feeds `rx`'s events into `batch` and starts a run per ready batch.
async fn run_watch(
    target: Target,
    mut batch: Batch,
    mut rx: mpsc::UnboundedReceiver<notify::Result<Event>>,
    served: Arc<Served>,
    launcher: Launcher,
) {
    let tick = (Duration::from_millis(target.key.debounce_ms) / 4)
        .clamp(Duration::from_millis(20), Duration::from_millis(250));
    let mut ticks = tokio::time::interval(tick);
    let stopping = launcher.stopping();
    // Files ready but not started (the server was at --max-runs).
    let mut held: BTreeSet<String> = BTreeSet::new();
    loop {
        tokio::select! {
            event = rx.recv() => match event {
                Some(Ok(e)) => {
                    if target.lost_by(&e) {
                        target.gone.store(true, Ordering::Relaxed);
                    }
                    for path in &e.paths {
                        if target.matches(path) {
                            batch.note(path, &e.kind, Instant::now());
                        }
                    }
                }
                Some(Err(e)) => tracing::warn!(workflow = %target.key.workflow, error = %e, "the change watch reported an error"),
                None => return,
            },
            _ = ticks.tick() => {
                let ready = batch.take_ready(Instant::now());
                held.extend(ready.iter().filter_map(|p| target.relative(p)));
                if !held.is_empty() && start_run(&target, &held, &served, &launcher).await {
                    held.clear();
                }
            }
            _ = stopping.cancelled() => return,
        }
    }
}

impl Target {
    /// `path` relative to the workflow's folder, with `/` between parts.
    fn relative(&self, path: &Path) -> Option<String> {
        let rel = path.strip_prefix(&self.home).ok()?;
        let parts: Option<Vec<&str>> = rel
            .components()
            .map(|c| match c {
                Component::Normal(p) => p.to_str(),
                _ => None,
            })
            .collect();
        Some(parts?.join("/"))
    }

    /// Whether `event` says the watched folder itself was removed or moved
    /// away, which ends the OS's watch on it.
    fn lost_by(&self, event: &Event) -> bool {
        let own = event.paths.iter().any(|p| p == &self.folder);
        own && matches!(
            event.kind,
            notify::EventKind::Remove(_)
                | notify::EventKind::Modify(notify::event::ModifyKind::Name(_))
        )
    }

    fn matches(&self, path: &Path) -> bool {
        self.relative(path).is_some_and(|r| self.glob.is_match(&r))
    }
}

/// The role of the server that starts the runs of `on change` triggers
/// when several share a store ([`crate::lease::Lease::leads`]).
pub const LEAD: &str = "changes";

/// Whether this server starts the runs of changes: the only one on its
/// store, or the one that leads [`LEAD`]. The others drop what they see
/// (they watch the same files, on one shared folder; or their own, which
/// the leader's stand for).
async fn leads(launcher: &Launcher) -> bool {
    let Some(lease) = crate::lease::current() else {
        return true;
    };
    let dir = launcher.state_dir().to_path_buf();
    match tokio::task::spawn_blocking(move || lease.leads(&dir, LEAD)).await {
        Ok(Ok(true)) => true,
        Ok(Ok(false)) => {
            tracing::debug!("a change seen here: another server leads `on change` triggers");
            false
        }
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "cannot tell which server leads `on change` triggers: the change starts nothing here");
            false
        }
        Err(e) => {
            tracing::warn!(error = %e, "cannot tell which server leads `on change` triggers");
            false
        }
    }
}

/// Starts a run for `changed`; `false` when it should be tried again
/// (the server is at `--max-runs`). Other failures are logged: the batch
/// is dropped.
async fn start_run(
    target: &Target,
    changed: &BTreeSet<String>,
    served: &Arc<Served>,
    launcher: &Launcher,
) -> bool {
    let key = &target.key;
    let changed: Vec<String> = changed.iter().cloned().collect();
    let log_refused = |detail: &str, diags: &[serde_json::Value]| {
        let codes: Vec<&str> = diags.iter().filter_map(|d| d["code"].as_str()).collect();
        let messages: Vec<&str> = diags.iter().filter_map(|d| d["message"].as_str()).collect();
        tracing::error!(
            workflow = %key.workflow, files = ?changed, codes = ?codes, problems = ?messages,
            "a change did not start a run: {detail}"
        );
    };
    let current = served.served();
    let Some(w) = current
        .into_iter()
        .find(|w| w.file == key.file && w.ir.name == key.workflow)
    else {
        return true;
    };
    let (params, when) = w
        .ir
        .triggers
        .iter()
        .find_map(|t| match t {
            Trigger::Change(c) if c.glob == key.glob => Some((c.params.clone(), c.when.clone())),
            _ => None,
        })
        .unzip();
    let inputs = TriggerInputs {
        changed: changed.clone(),
        ..TriggerInputs::default()
    };
    if !leads(launcher).await {
        return true;
    }
    let paused = crate::ignored::paused(launcher, &key.workflow, "change").await;
    let decided = match paused {
        Some(reason) => Err(reason),
        None => wfc_plan::trigger_when::decide(&w.ir, when.flatten().as_ref(), &inputs),
    };
    if let Err(reason) = decided {
        let trigger = format!("{TRIGGER} {}", key.glob);
        let firing = crate::ignored::firing(&key.file, &key.workflow, trigger, reason);
        crate::ignored::record(launcher, firing).await;
        return true;
    }
    let params = match trigger_params::evaluate(&w.ir, &params.unwrap_or_default(), &inputs) {
        Ok(p) => crate::launch::params_values(p),
        Err(diags) => {
            let diags: Vec<_> = diags
                .iter()
                .map(|d| crate::catalog::to_value(d, &w.source))
                .collect();
            log_refused("its params have no value", &diags);
            return true;
        }
    };
    let compiled = match crate::launch::compile(w, params).await {
        Ok(c) => c,
        Err(p) => {
            log_refused(&p.detail, &p.diagnostics);
            return true;
        }
    };
    let run = wfc_launch::Run::from(compiled)
        .triggered_by(TRIGGER)
        .started_by(key.glob.clone());
    match launcher.start(run).await {
        Ok(started) => {
            tracing::info!(run = %started.id, workflow = %key.workflow, files = ?changed, "run started by a change");
            true
        }
        Err(e) if e.is_busy() && !launcher.stopping().is_cancelled() => false,
        Err(e @ wfc_launch::LaunchError::LockHeld { .. }) => {
            let trigger = format!("{TRIGGER} {}", key.glob);
            let firing = crate::ignored::firing(&key.file, &key.workflow, trigger, e.to_string());
            crate::ignored::record(launcher, firing).await;
            true
        }
        Err(e) => {
            let p = crate::problem::Problem::from(e);
            log_refused(&p.detail, &p.diagnostics);
            true
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_globs_folder_is_its_leading_literal_parts() {
        assert_eq!(
            base_of("incoming/*.csv"),
            (PathBuf::from("incoming"), false)
        );
        assert_eq!(base_of("*.csv"), (PathBuf::new(), false));
        assert_eq!(base_of("in/**/*.csv"), (PathBuf::from("in"), true));
        assert_eq!(base_of("a/b/*/x.csv"), (PathBuf::from("a/b"), true));
        assert_eq!(base_of("data/today.csv"), (PathBuf::from("data"), false));
    }
}

//! Reading the served files again when they change.
//!
//! The OS's watch (inotify) is set on each folder the catalog's search
//! walks ([`discover`]: links to folders followed once, loops skipped),
//! one folder at a time, and on the folders of files imported from
//! elsewhere. A change there (quiet for [`DEBOUNCE`]) searches the roots
//! again ([`Catalog::sync`]): new files are served, gone ones no longer,
//! and a file is checked again only when it or an import changed. The
//! server's own reads of the files are no change (inotify reports opens;
//! they are ignored), so a file with errors is checked and logged once per
//! change, not in a loop.
//!
//! A watched folder that is removed, moved away or replaced (`rm -rf
//! flows; mkdir flows`) takes its OS watch with it: every [`RECONCILE`]
//! each watched folder's identity (device, inode) is compared with the
//! one watched, as `on change` watches do ([`crate::changes`]); a folder
//! that changed, or a root that appeared, searches again and watches the
//! folders now there.

use crate::catalog::Catalog;
use crate::discover::{self, folder_id, Id};
use notify::event::{AccessKind, AccessMode, ModifyKind};
use notify::{Event, EventKind, RecommendedWatcher, RecursiveMode, Watcher};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long the folders must be quiet before the files are read again.
pub const DEBOUNCE: Duration = Duration::from_millis(250);

/// The longest a change waits for the folders to be quiet (files written
/// without a pause into a folder below a served one, say).
pub const BUSY: Duration = Duration::from_secs(2);

/// How often the watched folders' identities are compared with the ones watched.
pub const RECONCILE: Duration = Duration::from_millis(500);

/// A running watch; stops when dropped.
pub struct Watch {
    stop: Arc<AtomicBool>,
}

impl Drop for Watch {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// Watches `catalog`'s roots.
pub fn start(catalog: Arc<Catalog>) -> Result<Watch, String> {
    let (tx, rx) = mpsc::channel::<notify::Result<Event>>();
    // Links are followed by the search, not by the OS's watch.
    let config = notify::Config::default().with_follow_symlinks(false);
    let watcher = RecommendedWatcher::new(
        move |e| {
            let _ = tx.send(e);
        },
        config,
    )
    .map_err(|e| e.to_string())?;
    let stop = Arc::new(AtomicBool::new(false));
    let stopped = stop.clone();
    let mut armed = Armed {
        watcher,
        folders: BTreeMap::new(),
        failed: BTreeSet::new(),
        loops: BTreeSet::new(),
    };
    std::thread::Builder::new()
        .name("wfc-serve-watch".into())
        .spawn(move || follow(&catalog, &mut armed, &rx, &stopped))
        .map_err(|e| e.to_string())?;
    Ok(Watch { stop })
}

/// The watch's thread: searches again once the folders are quiet (or
/// have been busy for [`BUSY`]), and when a watched folder was lost.
fn follow(
    catalog: &Catalog,
    armed: &mut Armed,
    rx: &mpsc::Receiver<notify::Result<Event>>,
    stopped: &AtomicBool,
) {
    // Files made between the catalog's load and the watch are found here;
    // the load said the loops already.
    refresh(catalog, armed, false);
    // When the first and the last change not yet followed came.
    let mut pending: Option<(Instant, Instant)> = None;
    let mut checked = Instant::now();
    while !stopped.load(Ordering::Relaxed) {
        let wait = pending.map_or(RECONCILE, |(_, last)| {
            (last + DEBOUNCE).saturating_duration_since(Instant::now())
        });
        let changed = match rx.recv_timeout(wait.min(RECONCILE)) {
            Ok(Ok(e)) => {
                armed.forget_gone(&e);
                changes(&e)
            }
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "the watch of the served files reported an error");
                true
            }
            Err(RecvTimeoutError::Timeout) => false,
            Err(RecvTimeoutError::Disconnected) => return,
        };
        if changed {
            let now = Instant::now();
            pending = Some((pending.map_or(now, |(first, _)| first), now));
        }
        if pending
            .is_some_and(|(first, last)| last.elapsed() >= DEBOUNCE || first.elapsed() >= BUSY)
        {
            pending = None;
            refresh(catalog, armed, true);
            checked = Instant::now();
        } else if checked.elapsed() >= RECONCILE {
            checked = Instant::now();
            if let Some(folder) = armed.lost() {
                tracing::info!(folder = %folder.display(), "a served folder was removed, replaced or made; searching again");
                refresh(catalog, armed, true);
            }
        }
    }
}

/// Whether `event` may change what is served: anything but the opens and
/// reads of files (the server's own reads among them), and among writes
/// only those of workflow files (`.wf`, `.workflow.json`).
fn changes(event: &Event) -> bool {
    let wf = || {
        event
            .paths
            .iter()
            .any(|p| crate::discover::is_workflow_file(p))
    };
    match event.kind {
        EventKind::Access(AccessKind::Close(AccessMode::Write)) => wf(),
        EventKind::Access(_) => false,
        EventKind::Modify(ModifyKind::Name(_)) => true,
        EventKind::Modify(_) => wf(),
        EventKind::Create(_) | EventKind::Remove(_) => true,
        // Among them a full queue: what changed is unknown.
        EventKind::Any | EventKind::Other => true,
    }
}

/// The OS's watches: each folder watched by its path, with the folder it
/// was then (`None`: a root that is not there, watched for its return).
struct Armed {
    watcher: RecommendedWatcher,
    folders: BTreeMap<PathBuf, Option<Id>>,
    /// Folders that could not be watched, logged once each.
    failed: BTreeSet<PathBuf>,
    /// Links that loop, as the last search found them (each said once).
    loops: BTreeSet<discover::Loop>,
}

impl Armed {
    /// A watched folder that is no longer the one the OS watches: removed,
    /// moved away, replaced, or a missing root that appeared.
    fn lost(&self) -> Option<&Path> {
        self.folders
            .iter()
            .find(|(path, id)| folder_id(path) != **id)
            .map(|(path, _)| path.as_path())
    }

    /// Forgets the watched folders `event` says were removed or moved away:
    /// their OS watches went with them, and a folder made again at their
    /// path (maybe with the same inode) is watched anew.
    fn forget_gone(&mut self, event: &Event) {
        if !matches!(
            event.kind,
            EventKind::Remove(_) | EventKind::Modify(ModifyKind::Name(_))
        ) {
            return;
        }
        let Ok(cwd) = std::env::current_dir() else {
            return;
        };
        // Event paths are absolute, as the watch made them.
        let gone: Vec<PathBuf> = self
            .folders
            .keys()
            .filter(|f| event.paths.contains(&cwd.join(f)))
            .cloned()
            .collect();
        for path in gone {
            self.folders.remove(&path);
            let _ = self.watcher.unwatch(&path);
        }
    }

    /// Watches `wanted` (by path, with its identity) and no other folder;
    /// whether a folder was newly watched (files made in it before its
    /// watch started are found by searching once more).
    fn set(&mut self, wanted: BTreeMap<PathBuf, Option<Id>>) -> bool {
        let old: Vec<PathBuf> = self
            .folders
            .iter()
            .filter(|(path, id)| wanted.get(*path) != Some(id))
            .map(|(path, _)| path.clone())
            .collect();
        for path in old {
            self.folders.remove(&path);
            // An error: the OS dropped the watch with its folder.
            let _ = self.watcher.unwatch(&path);
        }
        let mut added = false;
        for (path, id) in wanted {
            if self.folders.contains_key(&path) {
                continue;
            }
            if id.is_some() {
                if let Err(e) = self.watcher.watch(&path, RecursiveMode::NonRecursive) {
                    if self.failed.insert(path.clone()) {
                        tracing::warn!(folder = %path.display(), error = %e, "cannot watch a served folder; its changes are not seen");
                    }
                    continue;
                }
                self.failed.remove(&path);
                added = true;
            }
            self.folders.insert(path, id);
        }
        added
    }
}

/// Searches the roots again: the catalog follows what is found, and the
/// watches the folders walked. Again while that watched new folders, so a
/// file made in one before its watch started is found. New loops are
/// warned of when `say`.
fn refresh(catalog: &Catalog, armed: &mut Armed, say: bool) {
    for _ in 0..4 {
        let found = discover::search(catalog.roots());
        let loops: BTreeSet<discover::Loop> = found.loops.into_iter().collect();
        if say {
            loops
                .difference(&armed.loops)
                .for_each(discover::Loop::warn);
        }
        armed.loops = loops;
        catalog.sync(&found.files);
        let mut wanted: BTreeMap<PathBuf, Option<Id>> = BTreeMap::new();
        let mut ids: BTreeSet<Id> = BTreeSet::new();
        for (path, id) in found.folders {
            ids.insert(id);
            wanted.insert(path, Some(id));
        }
        for root in catalog.roots() {
            // A file is watched through its folder: editors replace files on save.
            let folder = if root.is_dir() || !root.exists() {
                root.clone()
            } else {
                match root.parent() {
                    Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
                    _ => PathBuf::from("."),
                }
            };
            let id = folder_id(&folder);
            if id.is_none_or(|id| ids.insert(id)) {
                wanted.entry(folder).or_insert(id);
            }
        }
        for folder in catalog.import_folders() {
            if let Some(id) = folder_id(&folder) {
                if ids.insert(id) {
                    wanted.insert(folder, Some(id));
                }
            }
        }
        if !armed.set(wanted) {
            return;
        }
    }
}

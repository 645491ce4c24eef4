//! Re-reading the served files when they change: a notify watch on each
//! root, debounced (an editor's save is several events), each changed
//! `.wf` file handed to [`Catalog::reload`].

use crate::catalog::Catalog;
use crate::discover::searched_folder;
use notify_debouncer_mini::notify::RecursiveMode;
use notify_debouncer_mini::{new_debouncer, DebounceEventResult, Debouncer};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// How long a file must be quiet before it is read again.
pub const DEBOUNCE: Duration = Duration::from_millis(250);

/// A running watch; stops when dropped.
pub struct Watch {
    _debouncer: Debouncer<notify_debouncer_mini::notify::RecommendedWatcher>,
}

/// Watches `catalog`'s roots.
pub fn start(catalog: Arc<Catalog>) -> Result<Watch, String> {
    // Event paths are absolute; the catalog names files as the roots do.
    let roots: Vec<(PathBuf, PathBuf)> = catalog
        .roots()
        .iter()
        .filter_map(|r| Some((std::fs::canonicalize(r).ok()?, r.clone())))
        .collect();
    let (tx, rx) = std::sync::mpsc::channel::<DebounceEventResult>();
    let mut debouncer = new_debouncer(DEBOUNCE, tx).map_err(|e| e.to_string())?;
    for (abs, _) in &roots {
        // A file is watched through its folder: editors replace files on save.
        let (what, mode) = if abs.is_dir() {
            (abs.as_path(), RecursiveMode::Recursive)
        } else {
            (abs.parent().unwrap_or(abs), RecursiveMode::NonRecursive)
        };
        debouncer
            .watcher()
            .watch(what, mode)
            .map_err(|e| format!("cannot watch {}: {e}", what.display()))?;
    }
    std::thread::Builder::new()
        .name("wfc-serve-watch".into())
        .spawn(move || {
            for events in rx {
                let Ok(events) = events else { continue };
                for e in events {
                    if let Some(path) = served_path(&roots, &e.path) {
                        catalog.reload(&path);
                    }
                }
            }
        })
        .map_err(|e| e.to_string())?;
    Ok(Watch {
        _debouncer: debouncer,
    })
}

/// `changed` as the catalog names it (under the root it belongs to, as
/// given), if it is a workflow file the roots serve.
fn served_path(roots: &[(PathBuf, PathBuf)], changed: &Path) -> Option<PathBuf> {
    if changed.extension().is_none_or(|e| e != "wf") {
        return None;
    }
    for (abs, given) in roots {
        if abs == changed {
            return Some(given.clone());
        }
        let Ok(rel) = changed.strip_prefix(abs) else {
            continue;
        };
        let folders = rel.parent().into_iter().flat_map(Path::components);
        if folders
            .into_iter()
            .all(|c| searched_folder(&c.as_os_str().to_string_lossy()))
            && abs.is_dir()
        {
            return Some(given.join(rel));
        }
    }
    None
}

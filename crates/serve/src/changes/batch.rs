//! Which changed files are ready: a change trigger's files collected until
//! its folder has been quiet for the debounce, then handed over as one
//! batch — only files whose writes finished.
//!
//! A write has finished when the file's writer closed it (inotify's
//! close-write) or the file was renamed into place, *and* its size and
//! modification time have not moved over the debounce. Where the watch
//! cannot see closes (polling), stillness over the debounce is the whole
//! test. A file still open for writing therefore waits for its close,
//! however long its writer pauses.

use notify::event::{AccessKind, AccessMode, EventKind, ModifyKind};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

/// A file's size and modification time: what "still" compares.
type Stamp = (u64, Option<SystemTime>);

/// A changed file not handed over yet.
#[derive(Debug)]
struct Pending {
    /// Opened for writing (written, or created) and not closed since.
    writing: bool,
    /// Its stamp when last looked at.
    stamp: Option<Stamp>,
}

/// One trigger's pending files.
#[derive(Debug)]
pub struct Batch {
    debounce: Duration,
    /// The watch reports closes: a write counts only after its close.
    closes_seen: bool,
    files: BTreeMap<PathBuf, Pending>,
    last_change: Instant,
}

impl Batch {
    pub fn new(debounce: Duration, closes_seen: bool) -> Batch {
        Batch {
            debounce,
            closes_seen,
            files: BTreeMap::new(),
            last_change: Instant::now(),
        }
    }

    /// Notes an event of kind `kind` on `path` (a file the trigger's glob matches).
    pub fn note(&mut self, path: &Path, kind: &EventKind, now: Instant) {
        let renamed = matches!(kind, EventKind::Modify(ModifyKind::Name(_)));
        if matches!(kind, EventKind::Remove(_)) || (renamed && !path.exists()) {
            // Gone, or renamed away: nothing to hand over.
            self.files.remove(path);
            return;
        }
        let writing = match kind {
            EventKind::Access(AccessKind::Close(AccessMode::Write)) => Some(false),
            // Renamed into place: written elsewhere, whole.
            EventKind::Modify(ModifyKind::Name(_)) => Some(false),
            EventKind::Create(_) | EventKind::Modify(ModifyKind::Data(_) | ModifyKind::Any) => {
                Some(self.closes_seen)
            }
            EventKind::Modify(_) => None,
            // Opens and reads change nothing.
            _ => return,
        };
        let entry = self.files.entry(path.to_owned()).or_insert(Pending {
            writing: false,
            stamp: None,
        });
        if let Some(w) = writing {
            entry.writing = w;
        }
        entry.stamp = stamp(path);
        self.last_change = now;
    }

    /// Notes `path`, found in a folder that appeared after the server
    /// started (no event told of its write): ready once still over the
    /// debounce; an event on it while it is still being written counts as usual.
    pub fn found(&mut self, path: &Path, now: Instant) {
        self.files.insert(
            path.to_owned(),
            Pending {
                writing: false,
                stamp: stamp(path),
            },
        );
        self.last_change = now;
    }

    /// The files ready at `now`, sorted, taken out of the batch: none until
    /// the folder has been quiet for the debounce.
    pub fn take_ready(&mut self, now: Instant) -> Vec<PathBuf> {
        if self.files.is_empty() || now.duration_since(self.last_change) < self.debounce {
            return Vec::new();
        }
        let mut ready = Vec::new();
        let mut moved = false;
        self.files.retain(|path, p| {
            let Some(now_stamp) = stamp(path) else {
                return false;
            };
            if p.stamp != Some(now_stamp) {
                // Written without an event we saw: wait for stillness again.
                p.stamp = Some(now_stamp);
                moved = true;
                return true;
            }
            if p.writing {
                return true;
            }
            ready.push(path.clone());
            false
        });
        if moved {
            self.last_change = now;
        }
        ready
    }
}

fn stamp(path: &Path) -> Option<Stamp> {
    let m = std::fs::metadata(path).ok().filter(|m| m.is_file())?;
    Some((m.len(), m.modified().ok()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use notify::event::{CreateKind, DataChange, RenameMode};
    use std::io::Write;

    const DEBOUNCE: Duration = Duration::from_millis(100);

    fn data() -> EventKind {
        EventKind::Modify(ModifyKind::Data(DataChange::Any))
    }

    #[test]
    fn a_file_open_for_writing_waits_for_its_close() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.csv");
        let mut f = std::fs::File::create(&path).unwrap();
        let mut b = Batch::new(DEBOUNCE, true);
        let t0 = Instant::now();
        b.note(&path, &EventKind::Create(CreateKind::File), t0);
        f.write_all(b"half").unwrap();
        b.note(&path, &data(), t0);
        // Quiet for longer than the debounce, but not closed.
        assert!(b.take_ready(t0 + DEBOUNCE * 3).is_empty());
        f.write_all(b",rest\n").unwrap();
        drop(f);
        let t1 = t0 + DEBOUNCE * 4;
        b.note(
            &path,
            &EventKind::Access(AccessKind::Close(AccessMode::Write)),
            t1,
        );
        assert!(b.take_ready(t1 + DEBOUNCE / 2).is_empty(), "not quiet yet");
        assert_eq!(b.take_ready(t1 + DEBOUNCE), vec![path.clone()]);
        assert!(
            b.take_ready(t1 + DEBOUNCE * 2).is_empty(),
            "handed over once"
        );
    }

    #[test]
    fn without_closes_a_file_must_be_still() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.csv");
        std::fs::write(&path, "one").unwrap();
        let mut b = Batch::new(DEBOUNCE, false);
        let t0 = Instant::now();
        b.note(&path, &data(), t0);
        // It grew without an event: not ready, the quiet time starts again.
        std::fs::write(&path, "one,two").unwrap();
        let t1 = t0 + DEBOUNCE;
        assert!(b.take_ready(t1).is_empty());
        assert_eq!(b.take_ready(t1 + DEBOUNCE), vec![path]);
    }

    #[test]
    fn renamed_in_files_are_whole_and_removed_ones_are_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let (a, gone) = (dir.path().join("a.csv"), dir.path().join("b.csv"));
        std::fs::write(&a, "x").unwrap();
        let mut b = Batch::new(DEBOUNCE, true);
        let t0 = Instant::now();
        b.note(&a, &EventKind::Modify(ModifyKind::Name(RenameMode::To)), t0);
        b.note(&gone, &EventKind::Create(CreateKind::File), t0);
        assert_eq!(b.take_ready(t0 + DEBOUNCE), vec![a]);
        assert!(b.files.is_empty(), "{:?}", b.files);
    }
}

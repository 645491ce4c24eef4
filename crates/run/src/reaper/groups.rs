//! The process groups of a session's running steps, where the reaper finds
//! them when wfc dies: a small file shared with it, mapped into wfc's
//! memory, one slot per running step holding its group id as text.
//!
//! Steps run in their own process groups, so one `kill -KILL -PGID` per
//! running step stops a step and what it started at once, the instant wfc
//! is gone. The reaper's sweep of `/proc` for the session's tag takes
//! ~0.2 s; a short step could finish its side effect meanwhile and run
//! again on resume. The sweep still follows, for processes that left
//! their step's group (`setsid`).
//!
//! Recording a step costs no system call: wfc stores into the mapping, and
//! a shared mapping of a file is the page cache, which the reaper reads
//! however wfc ended.

use memmap2::{MmapMut, MmapOptions};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// One slot: a group id as 7 right-aligned digits (Linux pids are below
/// 2^22) and a newline, or 7 spaces and a newline when free. A slot is
/// written with one aligned 8-byte store, so the reaper never reads half
/// of one, even when wfc is killed in the middle of writing it.
const SLOT: usize = 8;
/// Running steps beyond this many are left to the `/proc` sweep.
const SLOTS: usize = 512;
const FREE: [u8; SLOT] = *b"       \n";

/// The table; shared by the executor's steps ([`Groups::add`]).
#[derive(Debug)]
pub struct Groups {
    path: PathBuf,
    inner: Mutex<Inner>,
}

#[derive(Debug)]
struct Inner {
    map: MmapMut,
    free: Vec<usize>,
}

impl Groups {
    /// Makes the table's file at `path`, every slot free.
    pub fn create(path: &Path) -> io::Result<Groups> {
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(path)?;
        let bytes: Vec<u8> = FREE.iter().copied().cycle().take(SLOT * SLOTS).collect();
        std::io::Write::write_all(&mut &file, &bytes)?;
        let map = map(&file)?;
        Ok(Groups {
            path: path.to_owned(),
            inner: Mutex::new(Inner {
                map,
                free: (0..SLOTS).rev().collect(),
            }),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Records the group `pgid` of a step that started, until the returned
    /// slot is dropped (when the step's group is gone). `None`: no free
    /// slot (the sweep of `/proc` still finds the step).
    pub fn add(self: &Arc<Self>, pgid: u32) -> Option<GroupSlot> {
        if pgid == 0 || pgid > 9_999_999 {
            return None;
        }
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let slot = inner.free.pop()?;
        let text = format!("{pgid:>7}\n");
        let mut word = [0u8; SLOT];
        word.copy_from_slice(text.as_bytes());
        store(&mut inner.map, slot, word);
        Some(GroupSlot {
            groups: self.clone(),
            slot,
        })
    }

    /// The group ids recorded now (for tests).
    pub fn recorded(&self) -> Vec<u32> {
        let inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        String::from_utf8_lossy(&inner.map)
            .split_whitespace()
            .filter_map(|w| w.parse().ok())
            .collect()
    }
}

impl Drop for Groups {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// A step's record in [`Groups`]; freed when dropped.
#[derive(Debug)]
pub struct GroupSlot {
    groups: Arc<Groups>,
    slot: usize,
}

impl Drop for GroupSlot {
    fn drop(&mut self) {
        let mut inner = self.groups.inner.lock().unwrap_or_else(|e| e.into_inner());
        store(&mut inner.map, self.slot, FREE);
        inner.free.push(self.slot);
    }
}

/// Writes `word` into `slot` with one atomic 8-byte store.
#[allow(unsafe_code)]
fn store(map: &mut MmapMut, slot: usize, word: [u8; SLOT]) {
    let at = &mut map[slot * SLOT..(slot + 1) * SLOT];
    // SAFETY: the slot is 8 bytes inside the mapping, which is
    // page-aligned, so the pointer is aligned for a u64; `&mut` makes this
    // the only access from wfc (the reaper only reads, from its own
    // process).
    let cell = unsafe { AtomicU64::from_ptr(at.as_mut_ptr().cast::<u64>()) };
    cell.store(u64::from_ne_bytes(word), Ordering::Release);
}

/// Maps the whole of `file`, shared and writable.
#[allow(unsafe_code)]
fn map(file: &std::fs::File) -> io::Result<MmapMut> {
    // SAFETY: the file is this session's own, made just now at its full
    // length; nothing truncates it while wfc runs (the reaper removes it
    // only once wfc is gone).
    unsafe { MmapOptions::new().len(SLOT * SLOTS).map_mut(file) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_taken_and_freed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("groups");
        let groups = Arc::new(Groups::create(&path).unwrap());
        let a = groups.add(42).unwrap();
        let b = groups.add(4_194_303).unwrap();
        assert_eq!(groups.recorded(), [42, 4_194_303]);
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(
            text.split_whitespace().collect::<Vec<_>>(),
            ["42", "4194303"]
        );
        drop(a);
        assert_eq!(groups.recorded(), [4_194_303]);
        drop(b);
        assert!(groups.recorded().is_empty());
        assert!(groups.add(0).is_none());
        drop(groups);
        assert!(!path.exists());
    }
}

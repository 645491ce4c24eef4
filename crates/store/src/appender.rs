//! An append-only file written through a shared memory map.
//!
//! The run's journal gets a frame every turn of the scheduler, before the
//! scheduler acts on it: a `write` each, ~1,400 for 1,000 steps, on the
//! scheduler's thread. Copying the frame into a `MAP_SHARED` mapping of the
//! file puts it in the same page cache a `write` does — readers' `read`s see
//! it at once, and it survives wfc being killed — without a system call.
//!
//! The file is mapped a window at a time ([`WINDOW`]). Each window's range is
//! reserved with `fallocate` first, so storing into it never needs a block
//! the file system might not have: an mmap store that cannot get one kills
//! the process with SIGBUS instead of returning `ENOSPC`. Where the window
//! cannot be reserved (a full disk, a file system without `fallocate`), the
//! frames go by `pwrite` as before. The reserved tail holds zeros, which
//! readers of the journal take as its end ([`super::wire::frame`]); it is cut
//! off when the appender is dropped.

use memmap2::{MmapMut, MmapOptions};
use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;

/// Bytes mapped at a time: ~130 steps' frames, so a remap (`fallocate`,
/// `mmap`, `munmap`) every ~130 steps instead of a `write` each turn. Kept
/// small because readers read the reserved zeros too: a fold reads the file
/// to its end (with 256 KiB, layers of 5,000 steps peaked 2 MB higher).
const WINDOW: u64 = 32 * 1024;

/// Appends to a file, through a mapped window when it can.
pub struct Appender {
    file: File,
    /// The bytes appended (the file's logical length).
    len: u64,
    window: Option<Window>,
    /// Set once mapping failed: the rest goes by `pwrite`.
    unmappable: bool,
}

/// A mapped, reserved range of the file.
struct Window {
    map: MmapMut,
    /// Its offset in the file.
    start: u64,
}

impl Appender {
    /// Creates (empties) the file at `path` to append to. Opened for reading
    /// too: a shared writable mapping needs both.
    pub fn create(path: &std::path::Path) -> io::Result<Self> {
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(path)?;
        Ok(Appender::new(file, 0))
    }

    /// Appends to `file` (opened for reading and writing) after its first
    /// `len` bytes.
    pub fn new(file: File, len: u64) -> Self {
        Appender {
            file,
            len,
            window: None,
            unmappable: false,
        }
    }

    /// Appends `bytes`: all of them, or (on an error) none.
    pub fn append(&mut self, bytes: &[u8]) -> io::Result<()> {
        let end = self.len + bytes.len() as u64;
        if self.window.as_ref().is_none_or(|w| end > w.end()) && !self.unmappable {
            self.window = None;
            match self.map_from(self.len, bytes.len() as u64) {
                Ok(w) => self.window = Some(w),
                Err(_) => self.unmappable = true,
            }
        }
        match &mut self.window {
            Some(w) => {
                let at = (self.len - w.start) as usize;
                w.map[at..at + bytes.len()].copy_from_slice(bytes);
            }
            None => {
                if let Err(e) = self.file.write_all_at(bytes, self.len) {
                    // A frame cut short would hide the ones after it.
                    let _ = self.file.set_len(self.len);
                    return Err(e);
                }
            }
        }
        self.len = end;
        Ok(())
    }

    /// Reserves and maps a window holding `at..at + need`.
    fn map_from(&self, at: u64, need: u64) -> io::Result<Window> {
        let page = rustix::param::page_size() as u64;
        let start = at - at % page;
        let size = (at - start + need).max(WINDOW).next_multiple_of(page);
        rustix::fs::fallocate(&self.file, rustix::fs::FallocateFlags::empty(), start, size)?;
        let map = map(&self.file, start, size as usize)?;
        Ok(Window { map, start })
    }
}

impl Window {
    fn end(&self) -> u64 {
        self.start + self.map.len() as u64
    }
}

/// Maps `len` bytes of `file` from `offset`, shared and writable.
#[allow(unsafe_code)]
fn map(file: &File, offset: u64, len: usize) -> io::Result<MmapMut> {
    // SAFETY: the mapping is of a range `fallocate` has just reserved, so
    // stores into it need no new blocks; the file is the run's own journal,
    // which nothing truncates while the run is alive (readers only read it,
    // and the reaper acts only on runs whose wfc is gone).
    unsafe { MmapOptions::new().offset(offset).len(len).map_mut(file) }
}

impl Drop for Appender {
    fn drop(&mut self) {
        // The reserved zeros past the last frame go (already gone when the
        // run's end removed the file: harmless).
        self.window = None;
        let _ = self.file.set_len(self.len);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appends_across_windows_and_reads_back_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j");
        let mut a = Appender::create(&path).unwrap();
        let mut expect = Vec::new();
        // Frames of awkward sizes, past two windows, one bigger than a window.
        for i in 0..3000u32 {
            let n = if i == 1500 {
                WINDOW as usize + 7
            } else {
                (i % 251) as usize + 1
            };
            let chunk = vec![(i % 255) as u8 + 1; n];
            a.append(&chunk).unwrap();
            expect.extend_from_slice(&chunk);
            if i % 997 == 0 {
                // What is appended is in the file for a reader now.
                let seen = std::fs::read(&path).unwrap();
                assert_eq!(&seen[..expect.len()], &expect[..]);
                assert!(seen[expect.len()..].iter().all(|&b| b == 0));
            }
        }
        assert!(a.window.is_some(), "this file system maps");
        assert_eq!(a.len, expect.len() as u64);
        drop(a);
        // The reserved tail is cut off.
        assert_eq!(std::fs::read(&path).unwrap(), expect);
    }

    #[test]
    fn falls_back_to_writes_when_it_cannot_map() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j");
        let mut a = Appender::create(&path).unwrap();
        a.unmappable = true;
        a.append(b"one ").unwrap();
        a.append(b"two").unwrap();
        assert!(a.window.is_none());
        drop(a);
        assert_eq!(std::fs::read(&path).unwrap(), b"one two");
    }
}

//! What a check of a served file read, so that a look at the file again
//! checks it again only when it, or a file it imports, changed: each file
//! is known by its status (inode, size, times) and, when that changed, by
//! a hash of its content (a `touch` changes nothing).

use sha2::{Digest, Sha256};
use std::cell::RefCell;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use wfc_language::program::{Disk, Sources};

/// A file's status, as far as a write to it shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Stat {
    dev: u64,
    ino: u64,
    size: u64,
    mtime: (i64, i64),
    ctime: (i64, i64),
}

fn stat(path: &Path) -> Option<Stat> {
    let m = std::fs::metadata(path).ok()?;
    Some(Stat {
        dev: m.dev(),
        ino: m.ino(),
        size: m.size(),
        mtime: (m.mtime(), m.mtime_nsec()),
        ctime: (m.ctime(), m.ctime_nsec()),
    })
}

/// One file as a check read it.
#[derive(Clone, Debug)]
pub struct Seen {
    pub path: PathBuf,
    stat: Option<Stat>,
    /// Its content's hash; `None`: it could not be read (missing, unreadable).
    hash: Option<[u8; 32]>,
}

impl Seen {
    /// Reads `path`: its text (or why not) and how it was seen. The status
    /// is taken first: a write after it changes it, so the next look sees it.
    pub fn read(path: &Path) -> (std::io::Result<String>, Seen) {
        let stat = stat(path);
        // A FIFO or device named `*.wf` is refused, not waited on.
        let text = wfc_language::program::read_source(path);
        let hash = text
            .as_ref()
            .ok()
            .map(|t| Sha256::digest(t.as_bytes()).into());
        let seen = Seen {
            path: path.to_owned(),
            stat,
            hash,
        };
        (text, seen)
    }

    /// The file as it is now, and whether its content changed since
    /// `self` (read again only when its status changed).
    pub fn again(&self) -> (Seen, bool) {
        let now = stat(&self.path);
        if now == self.stat {
            return (self.clone(), false);
        }
        let (_, seen) = Seen::read(&self.path);
        let changed = seen.hash != self.hash;
        (seen, changed)
    }

    /// Whether the file was there.
    pub fn exists(&self) -> bool {
        self.stat.is_some()
    }
}

/// The disk, noting every file the loader reads (a served file's imports,
/// found or not).
pub struct Recording {
    seen: RefCell<Vec<Seen>>,
}

impl Recording {
    /// Starts with `first`: the served file itself, read by the caller.
    pub fn new(first: Seen) -> Recording {
        Recording {
            seen: RefCell::new(vec![first]),
        }
    }

    pub fn into_seen(self) -> Vec<Seen> {
        self.seen.into_inner()
    }
}

impl Sources for Recording {
    fn read(&self, path: &Path) -> std::io::Result<String> {
        let (text, seen) = Seen::read(path);
        self.seen.borrow_mut().push(seen);
        text
    }

    fn exists(&self, path: &Path) -> bool {
        Disk.exists(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_changes_when_its_content_does_not_when_touched() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("a.wf");
        std::fs::write(&f, "one").unwrap();
        let (_, seen) = Seen::read(&f);
        assert!(!seen.again().1);
        // Same content, newer times: read again, found the same.
        std::thread::sleep(std::time::Duration::from_millis(10));
        std::fs::write(&f, "one").unwrap();
        let (seen, changed) = seen.again();
        assert!(!changed);
        std::fs::write(&f, "two").unwrap();
        assert!(seen.again().1);
        std::fs::remove_file(&f).unwrap();
        let (gone, changed) = seen.again();
        assert!(changed && !gone.exists());
        assert!(!gone.again().1, "still missing is no change");
    }
}

//! What was hashed, by path: a file whose size, modification time, change
//! time and inode are as they were is not read again. A file changed
//! within [`RACY`] of being hashed is read again next time (as git does
//! for its index: a write in the same clock tick leaves mtime unchanged).

use super::Hash;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How close to its hashing a change may go unseen by the file's times.
const RACY: Duration = Duration::from_secs(2);
/// The cache file's first bytes (a cache of another layout is ignored).
const MAGIC: &[u8; 8] = b"wfcsrc1\n";

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Stat {
    size: u64,
    mtime_ns: i128,
    ctime_ns: i128,
    ino: u64,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct Entry {
    stat: Stat,
    /// When it was hashed, in nanoseconds since the epoch.
    hashed_ns: i128,
    hash: Hash,
}

/// Content hashes of files, kept across runs in one file.
#[derive(Debug, Default)]
pub struct StatCache {
    map: HashMap<PathBuf, Entry>,
    changed: bool,
    /// Files read (not answered from the cache) since it was loaded.
    pub hashed: usize,
}

impl StatCache {
    /// The cache kept at `file`; empty when there is none or it cannot be
    /// read (it is only a cache: everything is then hashed again).
    pub fn load(file: &Path) -> StatCache {
        let map = std::fs::read(file)
            .ok()
            .and_then(|b| {
                let body = b.strip_prefix(MAGIC.as_slice())?;
                postcard::from_bytes::<Vec<(PathBuf, Entry)>>(body).ok()
            })
            .map(|v| v.into_iter().collect())
            .unwrap_or_default();
        StatCache {
            map,
            ..StatCache::default()
        }
    }

    /// Writes the cache to `file` whole or not at all (a temporary file
    /// renamed over it), when anything was hashed since it was loaded. Two
    /// processes saving at once: the last one's cache stays, never a mix.
    pub fn save(&mut self, file: &Path) -> std::io::Result<()> {
        if !self.changed {
            return Ok(());
        }
        let dir = file.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir)?;
        let mut entries: Vec<(&PathBuf, &Entry)> = self.map.iter().collect();
        entries.sort_by(|a, b| a.0.cmp(b.0));
        let mut bytes = MAGIC.to_vec();
        let body = postcard::to_allocvec(&entries).map_err(std::io::Error::other)?;
        bytes.extend_from_slice(&body);
        let mut tmp = tempfile::Builder::new()
            .prefix(".sources-cache-")
            .tempfile_in(dir)?;
        std::io::Write::write_all(&mut tmp, &bytes)?;
        tmp.persist(file).map_err(|e| e.error)?;
        self.changed = false;
        Ok(())
    }

    /// The content hash of the file at `path` (absolute), read only when
    /// its stat differs from when it was last hashed.
    pub fn hash(&mut self, path: &Path) -> std::io::Result<Hash> {
        let meta = std::fs::metadata(path)?;
        let stat = stat_of(&meta);
        if let Some(e) = self.map.get(path) {
            let settled = e.hashed_ns - stat.mtime_ns.max(stat.ctime_ns) > RACY.as_nanos() as i128;
            if e.stat == stat && settled {
                return Ok(e.hash);
            }
        }
        let hash = hash_file(path)?;
        self.hashed += 1;
        self.changed = true;
        let entry = Entry {
            stat,
            hashed_ns: nanos(SystemTime::now()),
            hash,
        };
        self.map.insert(path.to_owned(), entry);
        Ok(hash)
    }
}

fn hash_file(path: &Path) -> std::io::Result<Hash> {
    let mut f = std::fs::File::open(path)?;
    let mut h = blake3::Hasher::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(*h.finalize().as_bytes())
}

fn nanos(t: SystemTime) -> i128 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_nanos() as i128,
        Err(e) => -(e.duration().as_nanos() as i128),
    }
}

#[cfg(unix)]
fn stat_of(m: &std::fs::Metadata) -> Stat {
    use std::os::unix::fs::MetadataExt;
    let ns = |s: i64, n: i64| s as i128 * 1_000_000_000 + n as i128;
    Stat {
        size: m.size(),
        mtime_ns: ns(m.mtime(), m.mtime_nsec()),
        ctime_ns: ns(m.ctime(), m.ctime_nsec()),
        ino: m.ino(),
    }
}

#[cfg(not(unix))]
fn stat_of(m: &std::fs::Metadata) -> Stat {
    Stat {
        size: m.len(),
        mtime_ns: m.modified().map(nanos).unwrap_or_default(),
        ctime_ns: 0,
        ino: 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_is_read_again_only_when_it_changed() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("a.txt");
        std::fs::write(&f, "one").unwrap();
        let old = SystemTime::now() - Duration::from_secs(60);
        let set_old = |p: &Path| {
            std::fs::File::options()
                .write(true)
                .open(p)
                .unwrap()
                .set_modified(old)
                .unwrap()
        };
        set_old(&f);
        let mut c = StatCache::default();
        let first = c.hash(&f).unwrap();
        assert_eq!(first, *blake3::hash(b"one").as_bytes());
        // ctime is now: the entry is racy and read again once.
        let cache = dir.path().join("cache");
        c.save(&cache).unwrap();
        let mut c = StatCache::load(&cache);
        assert_eq!(c.hash(&f).unwrap(), first);
        std::fs::write(&f, "two").unwrap();
        set_old(&f);
        assert_eq!(c.hash(&f).unwrap(), *blake3::hash(b"two").as_bytes());
        assert!(c.hashed >= 1);
    }

    #[test]
    fn a_settled_file_is_answered_from_the_cache() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("a.txt");
        std::fs::write(&f, "same").unwrap();
        let mut c = StatCache::default();
        let h = c.hash(&f).unwrap();
        // As if hashed long after its last change.
        c.map.get_mut(&f).unwrap().hashed_ns += 10 * 1_000_000_000;
        let before = c.hashed;
        assert_eq!(c.hash(&f).unwrap(), h);
        assert_eq!(c.hashed, before, "not read again");
    }

    #[test]
    fn a_broken_cache_file_is_an_empty_cache() {
        let dir = tempfile::tempdir().unwrap();
        let cache = dir.path().join("cache");
        std::fs::write(&cache, b"wfcsrc1\n\xff\xff\xff").unwrap();
        assert!(StatCache::load(&cache).map.is_empty());
    }
}

//! One server per state folder: `wfc serve` holds `serve.lock` in the
//! folder, locked with `flock` for as long as it runs. A second server on
//! the folder would fire every schedule slot and every changed file a
//! second time, and resume the same interrupted runs; it refuses to start
//! instead, naming the holder's pid. The lock is the kernel's: a server
//! killed with `kill -9` leaves the file, but not the lock, so the next
//! server takes it over at once.

use nix::fcntl::{Flock, FlockArg};
use std::io::{Read, Seek};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

/// The file's name in the state folder.
pub const FILE: &str = "serve.lock";

/// Why a server may not hold the folder.
#[derive(Debug, thiserror::Error)]
pub enum Refused {
    #[error(
        "the state folder {} is served by another `wfc serve` (pid {pid}); stop it first, or give this one another --state-dir",
        dir.display()
    )]
    Held { dir: PathBuf, pid: String },
    #[error("cannot lock {}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// The folder, held by this process until dropped.
pub struct ServerLock {
    file: Flock<std::fs::File>,
    path: PathBuf,
}

impl ServerLock {
    /// Takes the state folder `dir` (creating it) for this process.
    pub fn take(dir: &Path) -> Result<ServerLock, Refused> {
        let path = dir.join(FILE);
        let io = |source| Refused::Io {
            path: path.clone(),
            source,
        };
        std::fs::create_dir_all(dir).map_err(io)?;
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io)?;
        let file = match Flock::lock(file, FlockArg::LockExclusiveNonblock) {
            Ok(locked) => locked,
            Err((mut file, nix::errno::Errno::EWOULDBLOCK)) => {
                return Err(Refused::Held {
                    dir: dir.to_path_buf(),
                    pid: holder(&mut file).unwrap_or_else(|| "unknown".to_owned()),
                });
            }
            Err((_, errno)) => return Err(io(std::io::Error::from(errno))),
        };
        // Who holds it, for the next one's message: one write of a fixed
        // width over a dead holder's pid, so a reader never finds it empty.
        let pid = format!("{:<20}\n", std::process::id());
        file.write_all_at(pid.as_bytes(), 0).map_err(io)?;
        Ok(ServerLock { file, path })
    }

    /// Whether the folder's lock file is still the one this process locked
    /// (a folder removed and made again holds a new file no one locked).
    pub fn holds(&self) -> bool {
        use std::os::unix::fs::MetadataExt;
        match (self.file.metadata(), std::fs::metadata(&self.path)) {
            (Ok(held), Ok(there)) => held.dev() == there.dev() && held.ino() == there.ino(),
            _ => false,
        }
    }
}

/// The pid the holder wrote, once it names a live process: a holder that
/// took the lock a moment ago may not have written it over its dead
/// predecessor's yet (tried for up to half a second).
fn holder(file: &mut std::fs::File) -> Option<String> {
    let mut last = None;
    for _ in 0..20 {
        let mut text = String::new();
        if file.rewind().is_ok() && file.read_to_string(&mut text).is_ok() {
            let pid = text.trim().to_owned();
            if pid.parse().is_ok_and(crate::control::pid_alive) {
                return Some(pid);
            }
            last = Some(pid).filter(|p| !p.is_empty());
        }
        std::thread::sleep(std::time::Duration::from_millis(25));
    }
    last
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_taker_is_refused_with_the_holder_s_pid_until_it_lets_go() {
        let dir = tempfile::tempdir().unwrap();
        let first = ServerLock::take(dir.path()).unwrap();
        // flock locks belong to the open file: a second open in this same
        // process is refused as another process's would be.
        let e = ServerLock::take(dir.path()).err().expect("refused");
        let pid = std::process::id().to_string();
        assert!(
            matches!(&e, Refused::Held { pid: p, .. } if *p == pid),
            "{e}"
        );
        assert!(e.to_string().contains(&format!("(pid {pid})")), "{e}");
        drop(first);
        ServerLock::take(dir.path()).unwrap();
    }

    #[test]
    fn the_lock_is_held_until_its_file_is_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let held = ServerLock::take(dir.path()).unwrap();
        assert!(held.holds());
        std::fs::remove_file(dir.path().join(FILE)).unwrap();
        assert!(!held.holds(), "no file: nothing is held");
        std::fs::write(dir.path().join(FILE), "0").unwrap();
        assert!(!held.holds(), "a new file no one locked");
    }
}

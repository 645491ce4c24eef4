//! wfc's scratch directory: where steps' `$WF_OUTPUTS` files live.
//!
//! One directory per wfc process, `$TMPDIR/wfc-scratch-PID-NANOS`, made on
//! first use. Each file in it is removed when its step is done, and the
//! directory when the run is ([`remove`]). A wfc that is killed (SIGKILL, a
//! crash, a third Ctrl-C) cannot clean up, so the directory holds a `.lock`
//! file that its process keeps `flock`ed: the next wfc to make its own scratch
//! directory removes every one whose lock is free, since its owner is gone.
//! (A lock, not the PID: PIDs are reused.)

use rustix::fs::{flock, FlockOperation};
use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

const PREFIX: &str = "wfc-scratch-";
const LOCK: &str = ".lock";
/// A directory without its lock file is one being made, unless it is older
/// than this (its maker died between the two calls).
const UNLOCKED_GRACE: Duration = Duration::from_secs(60);

struct Scratch {
    dir: PathBuf,
    /// Held (and locked) for the life of the directory.
    _lock: File,
}

static SCRATCH: Mutex<Option<Scratch>> = Mutex::new(None);

/// This process's scratch directory, made (after sweeping dead ones) on
/// first use.
pub(crate) fn dir() -> io::Result<PathBuf> {
    let mut scratch = SCRATCH.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(s) = &*scratch {
        return Ok(s.dir.clone());
    }
    let base = std::env::temp_dir();
    sweep(&base);
    let made = Scratch::create(&base)?;
    let dir = made.dir.clone();
    *scratch = Some(made);
    Ok(dir)
}

/// Removes this process's scratch directory, if it made one. Called when a
/// run ends; a later `dir` makes a fresh one.
pub fn remove() {
    let mut scratch = SCRATCH.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(s) = scratch.take() {
        let _ = std::fs::remove_dir_all(&s.dir);
    }
}

impl Scratch {
    fn create(base: &Path) -> io::Result<Scratch> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let dir = base.join(format!("{PREFIX}{}-{nanos:x}", std::process::id()));
        std::fs::create_dir(&dir)?;
        let lock = File::create(dir.join(LOCK))?;
        flock(&lock, FlockOperation::NonBlockingLockExclusive)?;
        Ok(Scratch { dir, _lock: lock })
    }
}

/// Removes the scratch directories under `base` whose owner is gone.
fn sweep(base: &Path) {
    let Ok(entries) = std::fs::read_dir(base) else {
        return;
    };
    for entry in entries.flatten() {
        if entry.file_name().to_string_lossy().starts_with(PREFIX) && abandoned(&entry.path()) {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

fn abandoned(dir: &Path) -> bool {
    match File::open(dir.join(LOCK)) {
        // The lock is per open file: taking it means no process holds it.
        Ok(lock) => flock(&lock, FlockOperation::NonBlockingLockExclusive).is_ok(),
        Err(e) if e.kind() == io::ErrorKind::NotFound => std::fs::metadata(dir)
            .and_then(|m| m.modified())
            .is_ok_and(|t| t.elapsed().is_ok_and(|age| age > UNLOCKED_GRACE)),
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sweeps_only_directories_whose_lock_is_free() {
        let base = tempfile::tempdir().unwrap();
        let live = Scratch::create(base.path()).unwrap();
        let dead = base.path().join(format!("{PREFIX}1-dead"));
        std::fs::create_dir(&dead).unwrap();
        std::fs::write(dead.join(LOCK), b"").unwrap();
        std::fs::write(dead.join("outputs"), b"x=1\n").unwrap();
        let young = base.path().join(format!("{PREFIX}2-being-made"));
        std::fs::create_dir(&young).unwrap();
        let other = base.path().join("wfc-something-else");
        std::fs::create_dir(&other).unwrap();

        sweep(base.path());

        assert!(!dead.exists(), "a dead process's directory stays");
        assert!(live.dir.exists(), "a live process's directory went");
        assert!(young.exists(), "a directory being made went");
        assert!(other.exists(), "a directory not wfc's scratch went");
        drop(live);
        let stale = std::fs::read_dir(base.path()).unwrap().count();
        // A process another test forks in this one's process holds a copy
        // of the lock's descriptor until it calls exec: sweep again a while.
        let until = std::time::Instant::now() + std::time::Duration::from_secs(5);
        let count = loop {
            sweep(base.path());
            let count = std::fs::read_dir(base.path()).unwrap().count();
            if count < stale || std::time::Instant::now() > until {
                break count;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        };
        assert_eq!(count, stale - 1, "a released lock is not seen as free");
    }
}

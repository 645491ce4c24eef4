//! What a reaped step used, from the rusage `wait4` gives with its status.
//!
//! CPU time is the process's own and its waited-for descendants', user and
//! system: exact. Peak memory (`ru_maxrss`) needs care. Linux keeps one
//! high-water mark per process, and at `exec` folds into it the peak of the
//! memory the process had before — for a step started with `posix_spawn`
//! (`vfork`), wfc's own memory, which the child shares until it execs; for
//! one started with `fork`, its copy of wfc's pages. So every step reads at
//! least wfc's peak RSS (`VmHWM`, ~28 MiB for a debug build): `true`
//! showed 27.7 MiB. A figure above wfc's own peak is the step's; one at or
//! under it only says the step used no more than wfc, and is not kept
//! ([`peak`]).
//!
//! Cost: wfc's peak is read (`/proc/self/status`, three system calls, no
//! allocation) only when a step's figure is above the last one read: after
//! the first step, a run of small steps reads it no more, and a step that
//! used more memory than wfc pays it once.

use std::io::Read as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use wfc_contract::Usage;

/// The CPU time (user + system) and the peak memory, where it can be
/// told, of a rusage (Linux counts `ru_maxrss` in KiB).
pub(super) fn of(ru: &libc::rusage) -> Usage {
    let time = |t: libc::timeval| {
        Duration::from_secs(t.tv_sec.max(0).unsigned_abs())
            + Duration::from_micros(t.tv_usec.max(0).unsigned_abs())
    };
    Usage {
        cpu: time(ru.ru_utime) + time(ru.ru_stime),
        peak_memory: peak(ru.ru_maxrss.max(0).unsigned_abs(), own_peak_kib),
    }
}

/// wfc's own peak RSS in KiB, as last read.
static OWN_PEAK_KIB: AtomicU64 = AtomicU64::new(0);

/// The step's peak in bytes from its `ru_maxrss` (KiB): `None` when it is
/// no more than wfc's own peak, which `own` reads when the one last read
/// is below the figure. wfc's peak only grows, so the last one read is
/// never above the one the step started with (nor above wfc's memory a
/// `fork` copied).
fn peak(maxrss_kib: u64, own: fn() -> Option<u64>) -> Option<u64> {
    if maxrss_kib <= OWN_PEAK_KIB.load(Ordering::Relaxed) {
        return None;
    }
    let own = own()?;
    OWN_PEAK_KIB.fetch_max(own, Ordering::Relaxed);
    (maxrss_kib > own).then(|| maxrss_kib.saturating_mul(1024))
}

/// wfc's peak RSS in KiB: `VmHWM` of `/proc/self/status` (its memory's
/// high-water mark, not what its own parent's memory added at its exec).
fn own_peak_kib() -> Option<u64> {
    let mut buf = [0u8; 4096];
    let mut file = std::fs::File::open("/proc/self/status").ok()?;
    let mut len = 0;
    while len < buf.len() {
        match file.read(&mut buf[len..]) {
            Ok(0) => break,
            Ok(n) => len += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return None,
        }
    }
    let text = std::str::from_utf8(&buf[..len]).ok()?;
    let line = text.lines().find(|l| l.starts_with("VmHWM:"))?;
    line["VmHWM:".len()..]
        .trim()
        .strip_suffix("kB")?
        .trim()
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wfc_has_a_peak_and_a_step_above_it_keeps_its_own() {
        let own = own_peak_kib().expect("VmHWM is there on Linux");
        assert!(own > 1024, "{own} KiB");
        // At wfc's peak or under: what a small step reads, not its own.
        assert_eq!(peak(own, own_peak_kib), None);
        assert_eq!(peak(own / 2, own_peak_kib), None);
        // Above it: the step's.
        let big = own + (64 << 10);
        assert_eq!(peak(big, own_peak_kib), Some(big * 1024));
        // wfc's peak unreadable: not known.
        assert_eq!(peak(u64::MAX / 2048, || None), None);
    }
}

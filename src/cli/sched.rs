//! What `wfc run` asks of the kernel's CPU scheduler for its own thread.
//!
//! The scheduler thread starts each step with `posix_spawn` (a `vfork`-style
//! `clone`): the child begins on wfc's CPU and, when the other CPUs are
//! busy, stays there after `exec`. wfc is woken when the spawn completes,
//! and on every step's exit, but the kernel (EEVDF, Linux 6.6+) lets the step
//! it shares a CPU with run out its slice first: wfc then waits ~0.6 ms —
//! the whole life of a short step — while another CPU may sit idle (`perf
//! sched timehist`), and no step starts meanwhile. Layers of 5,000 trivial steps spent ~1 s so.
//!
//! A thread may ask for a shorter slice (`sched_runtime`, Linux 6.12+, no
//! privilege needed); a shorter slice is allowed to preempt on wake-up. wfc
//! asks 300 µs for its scheduler thread only: `SCHED_FLAG_RESET_ON_FORK`
//! gives every thread and process it starts the default again, so steps are
//! scheduled as any process is. That takes ~1 s off layers of 5,000 (2.7 s
//! instead of 3.65) and changes nothing at 1,000 steps of any shape; 100 µs
//! preempts too often. Older kernels ignore the runtime of a normal thread.

/// The slice wfc's scheduler thread asks for.
const SLICE_NS: u64 = 300_000;

/// Asks a short slice for the calling thread if it runs under the default
/// policy at nice 0 or above (reset-on-fork would also reset a negative
/// nice for the steps); does nothing otherwise, or if the kernel refuses.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[allow(unsafe_code)]
pub fn short_slice_for_this_thread() {
    const SIZE: u32 = std::mem::size_of::<libc::sched_attr>() as u32;
    // SAFETY: an all-zero sched_attr is valid (plain integers).
    let mut attr: libc::sched_attr = unsafe { std::mem::zeroed() };
    // SAFETY: sched_getattr writes at most SIZE bytes into `attr`.
    let got = unsafe { libc::syscall(libc::SYS_sched_getattr, 0, &mut attr, SIZE, 0) };
    if got != 0 || attr.sched_policy != libc::SCHED_OTHER as u32 || attr.sched_nice < 0 {
        return;
    }
    attr.size = SIZE;
    attr.sched_flags = libc::SCHED_FLAG_RESET_ON_FORK as u64;
    attr.sched_runtime = SLICE_NS;
    // SAFETY: `attr` is a valid sched_attr of SIZE bytes; 0 = this thread.
    let _ = unsafe { libc::syscall(libc::SYS_sched_setattr, 0, &attr, 0) };
}

/// Nothing where wfc does not link `libc` (only Linux with glibc does).
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn short_slice_for_this_thread() {}

#[cfg(all(test, target_os = "linux", target_env = "gnu"))]
mod tests {
    /// The slice this thread and a child process run with (`/proc/…/sched`).
    fn slice(path: &str) -> Option<u64> {
        std::fs::read_to_string(path)
            .ok()?
            .lines()
            .find(|l| l.starts_with("se.slice"))?
            .rsplit(' ')
            .next()?
            .parse()
            .ok()
    }

    #[test]
    fn the_thread_gets_the_short_slice_and_its_children_do_not() {
        let before = slice("/proc/thread-self/sched");
        // Run in a thread of its own: the test harness's threads keep theirs.
        let (mine, child) = std::thread::spawn(|| {
            super::short_slice_for_this_thread();
            let out = std::process::Command::new("sh")
                .args(["-c", "grep '^se.slice' /proc/self/sched"])
                .output()
                .unwrap();
            let text = String::from_utf8_lossy(&out.stdout).to_string();
            let child = text.rsplit(' ').next().and_then(|v| v.trim().parse().ok());
            (slice("/proc/thread-self/sched"), child)
        })
        .join()
        .unwrap();
        match (before, mine) {
            (Some(default), Some(mine)) if mine != default => {
                assert_eq!(mine, super::SLICE_NS);
                assert_eq!(child, Some(default), "steps keep the default slice");
            }
            // A kernel without custom slices (or without se.slice in
            // /proc): nothing to check, and nothing changed.
            _ => eprintln!("skipped: this kernel has no per-thread slice ({before:?} → {mine:?})"),
        }
    }
}

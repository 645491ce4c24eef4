//! `WFC_TIMINGS=1`: how long each phase of a command took, on stderr.
//!
//! For finding where a run's start goes (front end, planning, history,
//! store, first step) without a profiler: each mark prints the time since
//! the process started and since the previous mark. Off (one relaxed load a
//! mark) unless the variable is set when the command starts.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

static ON: AtomicBool = AtomicBool::new(false);
static LAST: Mutex<Option<(Instant, Instant)>> = Mutex::new(None);

/// Reads `WFC_TIMINGS` and starts the clock (at the start of `main`).
pub fn init() {
    if std::env::var_os("WFC_TIMINGS").is_some_and(|v| !v.is_empty() && v != "0") {
        let now = Instant::now();
        *LAST.lock().unwrap_or_else(|e| e.into_inner()) = Some((now, now));
        ON.store(true, Ordering::Relaxed);
    }
}

/// Marks the end of phase `what`.
pub fn mark(what: &str) {
    if !ON.load(Ordering::Relaxed) {
        return;
    }
    let now = Instant::now();
    let mut last = LAST.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((start, prev)) = last.as_mut() {
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        eprintln!(
            "wfc: timing: {:>9.3} ms {:>+9.3} ms  {what}",
            ms(now - *start),
            ms(now - *prev)
        );
        *prev = now;
    }
}

/// [`mark`], the first time only (the first step's start).
pub fn mark_first_step() {
    static DONE: AtomicBool = AtomicBool::new(false);
    if ON.load(Ordering::Relaxed) && !DONE.swap(true, Ordering::Relaxed) {
        mark("first step starting");
    }
}

/// The CPU time wfc itself (all its threads) and its reaped children used,
/// with the final mark.
pub fn mark_cpu() {
    if !ON.load(Ordering::Relaxed) {
        return;
    }
    use nix::sys::resource::{getrusage, UsageWho};
    let cpu = |who| {
        getrusage(who).map_or(0.0, |u| {
            let t =
                |tv: nix::sys::time::TimeVal| tv.tv_sec() as f64 * 1e3 + tv.tv_usec() as f64 / 1e3;
            t(u.user_time()) + t(u.system_time())
        })
    };
    let (own, children) = (cpu(UsageWho::RUSAGE_SELF), cpu(UsageWho::RUSAGE_CHILDREN));
    eprintln!("wfc: timing: cpu {own:.1} ms wfc, {children:.1} ms steps");
}

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

/// CPU time of the threads that ended, by name (see [`thread_ended`]).
static THREADS: Mutex<Vec<(&'static str, f64)>> = Mutex::new(Vec::new());

/// The calling thread's CPU time so far, in ms.
fn thread_cpu_ms() -> f64 {
    use nix::time::{clock_gettime, ClockId};
    clock_gettime(ClockId::CLOCK_THREAD_CPUTIME_ID)
        .map_or(0.0, |t| t.tv_sec() as f64 * 1e3 + t.tv_nsec() as f64 / 1e6)
}

/// Notes the CPU time of the calling thread `name`, at its end, for the
/// final `cpu` line (which threads cost what).
pub fn thread_ended(name: &'static str) {
    if ON.load(Ordering::Relaxed) {
        let ms = thread_cpu_ms();
        THREADS
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((name, ms));
    }
}

/// The CPU time wfc itself (all its threads) and its reaped children used,
/// with the final mark; then the calling (main) thread's and each ended
/// thread's that noted it.
pub fn mark_cpu() {
    if !ON.load(Ordering::Relaxed) {
        return;
    }
    let mut threads = format!("main {:.1}", thread_cpu_ms());
    for (name, ms) in THREADS.lock().unwrap_or_else(|e| e.into_inner()).iter() {
        threads.push_str(&format!(", {name} {ms:.1}"));
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
    eprintln!("wfc: timing: threads (cpu ms): {threads}");
}

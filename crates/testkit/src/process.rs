//! Processes a test started, or that a step started: whether one is still
//! alive, waiting for it to go, signalling it; and polling for a condition.

use std::time::Duration;

/// Whether process `pid` exists and has not exited (a zombie, exited but
/// not yet waited for, counts as gone).
pub fn alive(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => {
            let state = stat.rsplit(')').next().unwrap_or("").trim_start();
            !state.starts_with('Z') && !state.starts_with('X')
        }
        Err(_) => false,
    }
}

/// Waits until process `pid` is gone; false when it is still alive after
/// `within`.
pub fn wait_dead(pid: i32, within: Duration) -> bool {
    wait_until(within, || !alive(pid))
}

/// Sends `sig` to process `pid` (panics when it cannot).
#[track_caller]
pub fn signal(pid: i32, sig: nix::sys::signal::Signal) {
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), sig)
        .unwrap_or_else(|e| panic!("cannot send {sig} to {pid}: {e}"));
}

/// SIGKILLs `child` (if it still runs) and waits for it.
pub fn kill9(child: &mut std::process::Child) {
    let _ = child.kill();
    let _ = child.wait();
}

/// Polls `done` every 20 ms until it holds (true) or `within` has passed
/// (false, after a last look).
pub fn wait_until(within: Duration, mut done: impl FnMut() -> bool) -> bool {
    let start = std::time::Instant::now();
    while start.elapsed() < within {
        if done() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    done()
}

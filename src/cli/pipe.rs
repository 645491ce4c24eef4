//! Commands that print and end (`plan`, `check`, `history`, …) stop quietly
//! when their reader goes away (`wfc plan big.wf | head`), as `cat` does,
//! instead of panicking on the failed write: Rust's runtime ignores SIGPIPE,
//! so `println!` meets EPIPE. `wfc run` keeps SIGPIPE ignored: its display
//! drops lines it cannot write and the run goes on (and is recorded).

/// Restores SIGPIPE's default action: the process ends at a write to a
/// closed pipe.
#[cfg(unix)]
#[allow(unsafe_code)]
pub fn end_on_broken_pipe() {
    use nix::sys::signal::{signal, SigHandler, Signal};
    // SAFETY: setting SIG_DFL installs no handler; no other thread is
    // running yet (this is called first thing in `main`).
    unsafe {
        let _ = signal(Signal::SIGPIPE, SigHandler::SigDfl);
    }
}

#[cfg(not(unix))]
pub fn end_on_broken_pipe() {}

//! Ctrl-C (SIGINT) and SIGTERM during `wfc run` and `wfc resume`: signals
//! are the process's, so the binary turns them into cancels of its run
//! through the launcher.
//!
//! The first signal cancels the run gracefully: running steps are stopped
//! (SIGTERM to their process groups, SIGKILL after a grace period), nothing
//! new starts, compensations and `finally` still run, the run is recorded as
//! cancelled and wfc exits with 130. The second signal also cancels the
//! compensations and handlers. A third exits at once; the step processes go
//! with wfc (they are set up to die with it, see `run::exec::process`).
//!
//! Step processes run in their own process groups, so a Ctrl-C typed at the
//! terminal reaches wfc only: wfc decides how they stop.

use tokio::signal::unix::{signal, SignalKind};
use wfc_launch::Launcher;

/// Listens for SIGINT and SIGTERM in a task: the first cancels run
/// `run_id` of `launcher` (wherever it stands: starting or running), the
/// second force-cancels it, the third exits.
pub fn install(launcher: Launcher, run_id: String) -> std::io::Result<()> {
    let mut int = signal(SignalKind::interrupt())?;
    let mut term = signal(SignalKind::terminate())?;
    tokio::spawn(async move {
        let mut count = 0;
        loop {
            tokio::select! {
                _ = int.recv() => {}
                _ = term.recv() => {}
            }
            count += 1;
            match count {
                1 => {
                    super::progress::note("wfc: cancelling the run (stopping running steps; compensations and `finally` still run) — Ctrl-C again to skip them");
                    // (A run that has ended has nothing left to cancel.)
                    launcher.cancel(&run_id);
                }
                2 => {
                    super::progress::note("wfc: cancelling compensations and handlers too — Ctrl-C again to exit at once");
                    launcher.force_cancel(&run_id);
                }
                _ => {
                    wfc_run::exec::scratch::remove();
                    super::term_echo::restore();
                    std::process::exit(130)
                }
            }
        }
    });
    Ok(())
}

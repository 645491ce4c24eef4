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
//! A run that only waits (for a person, a `sleep`, a retry's backoff) can
//! be left waiting instead (`--on-interrupt leave`, or the answer to the
//! question asked on a terminal): it parks, recorded with no process, for
//! `wfc approve … && wfc resume RUN` or a `wfc serve` to finish.
//!
//! Step processes run in their own process groups, so a Ctrl-C typed at the
//! terminal reaches wfc only: wfc decides how they stop.

use super::run::OnInterrupt;
use std::io::IsTerminal;
use std::time::Duration;
use tokio::signal::unix::{signal, SignalKind};
use wfc_launch::Launcher;

/// What the first signal may do besides cancelling.
#[derive(Clone, Copy, Debug)]
pub struct Asked {
    /// `--on-interrupt`; `None`: ask on a terminal, else cancel.
    pub on_interrupt: Option<OnInterrupt>,
    /// The run is recorded (one that is not cannot be left).
    pub record: bool,
}

/// Listens for SIGINT and SIGTERM in a task: the first cancels run
/// `run_id` of `launcher` (wherever it stands: starting or running) or
/// leaves it waiting (see the module docs), the second force-cancels it,
/// the third exits.
pub fn install(launcher: Launcher, run_id: String, asked: Asked) -> std::io::Result<()> {
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
                    let leave = tokio::select! {
                        leave = leaves(&launcher, &run_id, asked) => leave,
                        // A second signal while asked: cancel.
                        _ = int.recv() => false,
                        _ = term.recv() => false,
                    };
                    if leave && left(&launcher, &run_id).await {
                        continue;
                    }
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

/// Whether the first signal leaves the run waiting rather than cancel it.
async fn leaves(launcher: &Launcher, run_id: &str, asked: Asked) -> bool {
    if !asked.record {
        return false;
    }
    match asked.on_interrupt {
        Some(OnInterrupt::Leave) => true,
        Some(OnInterrupt::Cancel) => false,
        None => {
            let terminal = std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
            terminal && waits(launcher, run_id).await && ask().await
        }
    }
}

/// Whether run `run_id` does nothing but wait (no step of it works), as
/// the store has it once its journal is folded in.
async fn waits(launcher: &Launcher, run_id: &str) -> bool {
    let (dir, id) = (launcher.state_dir().to_path_buf(), run_id.to_owned());
    tokio::task::spawn_blocking(move || {
        let store = wfc_store::Store::open(&dir).ok()?;
        // Folds what the live runs journaled (this one's too).
        wfc_store::control::reap(&store).ok()?;
        wfc_store::park::only_waits(&store, &id).ok()
    })
    .await
    .ok()
    .flatten()
    .unwrap_or(false)
}

/// Asks on the terminal whether to leave the run waiting; `false` unless
/// the answer starts with `l`.
async fn ask() -> bool {
    super::progress::note(
        "wfc: the run is waiting. Leave it waiting (l), to finish later, or cancel it (c)? [c]",
    );
    let answer = tokio::task::spawn_blocking(|| {
        let mut line = String::new();
        std::io::stdin().read_line(&mut line).map(|_| line)
    })
    .await;
    matches!(answer, Ok(Ok(a)) if a.trim_start().to_lowercase().starts_with('l'))
}

/// Asks the run to park; `true` once it did (it only waited), `false`
/// when it still works a moment later (it is cancelled then).
async fn left(launcher: &Launcher, run_id: &str) -> bool {
    super::progress::note("wfc: leaving the run waiting");
    launcher.park_now();
    let deadline = tokio::time::Instant::now() + Duration::from_millis(1500);
    while tokio::time::Instant::now() < deadline {
        match launcher.state(run_id) {
            None | Some(wfc_launch::State::Parked) => return true,
            Some(_) => tokio::time::sleep(Duration::from_millis(20)).await,
        }
    }
    super::progress::note("wfc: the run does more than wait; it cannot be left");
    false
}

//! A job's state (`squeue`), stopping it (`scancel`) and tailing its
//! output files while it runs.

use crate::exec::output::OutputPipe;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Where a job is.
pub(super) enum JobState {
    /// Pending, running, completing, suspended…
    Active,
    /// It left: its last state (`COMPLETED`, `FAILED`, `CANCELLED`, …),
    /// `None` when Slurm no longer knows it.
    Ended(Option<String>),
}

/// The job's state from `squeue -t all` (which still lists finished jobs
/// for `MinJobAge`); a failing `squeue` counts as active (the controller may
/// be busy) unless Slurm says it does not know the id.
pub(super) async fn state(id: &str) -> JobState {
    let out = tokio::process::Command::new("squeue")
        .args(["-h", "-t", "all", "-o", "%T", "-j", id])
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true)
        .output()
        .await;
    let Ok(out) = out else {
        return JobState::Active;
    };
    let text = String::from_utf8_lossy(&out.stdout);
    let state = text.lines().next().map(str::trim).unwrap_or("");
    if !out.status.success() || state.is_empty() {
        let err = String::from_utf8_lossy(&out.stderr);
        return if err.contains("Invalid job id") || (out.status.success() && state.is_empty()) {
            JobState::Ended(None)
        } else {
            JobState::Active
        };
    }
    match state {
        "PENDING" | "RUNNING" | "CONFIGURING" | "COMPLETING" | "SUSPENDED" | "REQUEUED"
        | "RESIZING" | "SIGNALING" | "STAGE_OUT" | "STOPPED" | "REQUEUE_HOLD" | "REQUEUE_FED" => {
            JobState::Active
        }
        other => JobState::Ended(Some(other.to_owned())),
    }
}

/// Stops the job and waits (at most `within`) for it to leave the running
/// states, so a stopped step leaves nothing running. First the batch shell
/// alone is asked (SIGTERM) to kill its command's process group at once
/// (`submit::stop_trap`); once it wrote `killed` in the job directory
/// `dir`, the job is cancelled, and it ends CANCELLED. A job that does not
/// answer within [`ASK_WAIT`] (one Slurm is still launching, a script
/// without the trap) is frozen and killed process by process instead
/// ([`signal_all`]). Signals are sent again every half second while the
/// job is still active: a job Slurm is launching answers "can not be
/// altered now, try again later".
pub(super) async fn cancel(id: &str, dir: &Path, within: Duration) {
    let deadline = Instant::now() + within;
    let _ = scancel(&["--state=PENDING"], id).await;
    let killed = dir.join("killed");
    let asked_until = Instant::now() + ASK_WAIT.min(within);
    let mut next_signal = Instant::now();
    let mut next_state = Instant::now();
    while Instant::now() < asked_until {
        if killed.exists() {
            let _ = scancel(&[], id).await;
            break;
        }
        if Instant::now() >= next_signal {
            let _ = scancel(&["--batch", "--signal=TERM"], id).await;
            next_signal = Instant::now() + Duration::from_millis(500);
        }
        if Instant::now() >= next_state {
            if let JobState::Ended(_) = state(id).await {
                return;
            }
            next_state = Instant::now() + Duration::from_millis(250);
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let mut next_signal = Instant::now();
    while Instant::now() < deadline {
        if Instant::now() >= next_signal {
            if killed.exists() {
                let _ = scancel(&[], id).await;
            } else {
                signal_all(id).await;
            }
            next_signal = Instant::now() + Duration::from_millis(500);
        }
        if let JobState::Ended(_) = state(id).await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Still there (a controller too busy to answer in time): stop and kill
    // once more, then cancel it outright rather than leave a stopped job
    // holding its node.
    signal_all(id).await;
    let _ = scancel(&[], id).await;
}

/// How long the batch shell has to kill its command before the job is
/// killed process by process.
const ASK_WAIT: Duration = Duration::from_secs(3);

/// Freezes the batch shell and all its children, then kills them: the
/// fallback when the batch shell did not stop its command. Slurm
/// signals a job's processes one by one (proctrack/linuxproc), so with
/// SIGKILL alone a command's shell could see its child die and run the
/// command's next part before its own turn (`sleep 60; touch f` touched
/// `f`); stopped processes run nothing until they are killed, so the kill
/// is sent only once the stop was taken (a job Slurm is still launching
/// refuses it: the next round tries again). The stop is sent twice: Slurm
/// finds the processes by walking `/proc`, and a child forked while the walk
/// went by can be missed, run on, and see its parent's kill come after its
/// own, or the reverse (pids wrap, so their order is no guide): the second
/// walk, 100 ms later, stops it. A job still pending is cancelled outright
/// first: a signal would launch it to kill it.
async fn signal_all(id: &str) {
    let _ = scancel(&["--state=PENDING"], id).await;
    if scancel(&["--full", "--signal=STOP"], id).await {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let _ = scancel(&["--full", "--signal=STOP"], id).await;
        let _ = scancel(&["--full", "--signal=KILL"], id).await;
    }
}

/// `scancel ARGS ID`; whether it succeeded.
async fn scancel(args: &[&str], id: &str) -> bool {
    tokio::process::Command::new("scancel")
        .args(args)
        .arg(id)
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .status()
        .await
        .is_ok_and(|s| s.success())
}

/// Reads what was appended to a file since the last read.
pub(super) struct Tail {
    path: PathBuf,
    offset: u64,
}

impl Tail {
    pub fn new(path: PathBuf) -> Self {
        Tail { path, offset: 0 }
    }

    /// Feeds the new bytes (if any: the file may not exist yet) to `pipe`.
    pub fn read_into(&mut self, pipe: &mut OutputPipe) {
        let Ok(mut f) = std::fs::File::open(&self.path) else {
            return;
        };
        if f.seek(SeekFrom::Start(self.offset)).is_err() {
            return;
        }
        let mut buf = Vec::new();
        if let Ok(n) = f.read_to_end(&mut buf) {
            self.offset += n as u64;
            if n > 0 {
                pipe.feed(&buf);
            }
        }
    }
}

//! Step processes must not outlive wfc — even when wfc is killed with
//! SIGKILL, which it cannot catch.
//!
//! `wfc run` starts shell steps directly (`SHELL -c RUN` with `posix_spawn`,
//! one process per step: see [`super::exec::ExecOptions::supervise`]) and
//! starts one **reaper** per run instead of one supervisor per step: a small
//! `/bin/sh` process, in its own process group (a Ctrl-C at the terminal
//! does not reach it), whose stdin is a pipe from wfc. wfc never writes to
//! it until the run is over. If wfc dies in any way, the kernel closes the
//! pipe, the reaper's `read` returns, and it SIGKILLs every process whose
//! environment holds `WFC_RUN_ID=<this run>` — every step process and
//! everything they started, including processes that left the step's
//! process group (`setsid`, daemons), unless they cleared their environment.
//! When the run ends normally wfc writes `done` and the reaper exits
//! without looking.
//!
//! Why not a supervisor per step (the executor's default)? It costs two
//! extra process starts and a `fork` of wfc (a `pre_exec` hook rules out
//! `posix_spawn`) on every step — about three times ninja's cost per step
//! for trivial steps — where the reaper costs one process per run.

use std::io::Write;
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};

/// The environment variable that marks a run's processes.
pub const MARKER: &str = "WFC_RUN_ID";

const SCRIPT: &str = r#"trap '' INT HUP TERM
IFS= read -r line
[ "$line" = done ] && exit 0
round=0
while [ $round -lt 5 ]; do
  found=
  for e in /proc/[0-9]*/environ; do
    grep -qxzF "WFC_RUN_ID=$1" "$e" 2>/dev/null || continue
    p=${e#/proc/}
    kill -KILL "${p%/environ}" 2>/dev/null && found=1
  done
  [ -n "$found" ] || exit 0
  round=$((round + 1))
done"#;

/// The reaper of one run; [`Reaper::finish`] it when the run is over.
pub struct Reaper {
    child: Child,
}

impl Reaper {
    /// Starts the reaper for the processes marked with `run_id`. Call it
    /// before starting threads that spawn steps.
    pub fn start(run_id: &str) -> std::io::Result<Reaper> {
        let child = Command::new("/bin/sh")
            .arg("-c")
            .arg(SCRIPT)
            .arg("wfc-reaper")
            .arg(run_id)
            .env_remove(MARKER)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()?;
        Ok(Reaper { child })
    }

    /// The reaper's process id (for tests).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The run is over and its steps are gone: the reaper exits quietly.
    pub fn finish(mut self) {
        if let Some(mut stdin) = self.child.stdin.take() {
            let _ = stdin.write_all(b"done\n");
        }
        let _ = self.child.wait();
    }
}

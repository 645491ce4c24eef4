//! Step processes must not outlive wfc — even when wfc is killed with
//! SIGKILL, which it cannot catch.
//!
//! `wfc run` starts shell steps directly (`SHELL -c RUN` with `posix_spawn`,
//! one process per step: see [`super::exec::ExecOptions::supervise`]) and
//! its [`super::manager::RunManager`] starts one **reaper** for all its runs
//! instead of one supervisor per step: a small
//! `/bin/sh` process, in its own process group (a Ctrl-C at the terminal
//! does not reach it), whose stdin is a pipe from wfc. wfc never writes to
//! it until the run is over. If wfc dies in any way, the kernel closes the
//! pipe, the reaper's `read` returns, and it first SIGKILLs the process
//! group of every running step at once (wfc records them in a file shared
//! with the reaper, see `groups`), then every process whose
//! environment holds `WFC_REAPER_TAG=<this session's tag>` — every step
//! process and everything they started, including processes that left the
//! step's process group (`setsid`, daemons), unless they cleared their
//! environment — together with the process group each of them leads. The
//! group kill matters for a step started just before wfc died: its group is
//! recorded only after the spawn returns, and in that window a child that
//! cleared its environment would otherwise escape (a pid that is alive is
//! never reused as another group's id, so the group is that process's own). When the run ends normally wfc writes `done` and the reaper
//! exits without looking.
//!
//! The tag names one reaper (one run manager in one wfc process), never a
//! run: `wfc resume` continues a run under the same run id, often while the
//! killed session's reaper is still sweeping `/proc`, and that sweep must
//! not take the new session's steps. Every run of the manager shares it, so
//! a killed wfc takes all of its runs' steps with it, and nothing else.
//!
//! Why not a supervisor per step (the executor's default)? It costs two
//! extra process starts and a `fork` of wfc (a `pre_exec` hook rules out
//! `posix_spawn`) on every step — about three times ninja's cost per step
//! for trivial steps — where the reaper costs one process per run.

mod groups;

pub use groups::{GroupSlot, Groups};
use std::io::Write;
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

/// The environment variable that tells a step which run it belongs to.
pub const RUN_ID: &str = "WFC_RUN_ID";
/// The variable that tells a step which session of its run this is (1,
/// then one more each resume — after a crash, or on another server).
pub const SESSION: &str = "WFC_SESSION";
/// The variable that tells a step which attempt of it this is (1 first).
pub const ATTEMPT: &str = "WFC_ATTEMPT";

/// The environment variable that marks the processes of one wfc session.
pub const TAG: &str = "WFC_REAPER_TAG";

const SCRIPT: &str = r#"trap '' INT HUP TERM
IFS= read -r line
[ "$line" = done ] && exit 0
if [ -n "$2" ]; then
  for g in $(cat "$2" 2>/dev/null); do kill -KILL -"$g" 2>/dev/null; done
  rm -f "$2"
fi
round=0
while [ $round -lt 5 ]; do
  found=
  for e in /proc/[0-9]*/environ; do
    grep -qxzF "WFC_REAPER_TAG=$1" "$e" 2>/dev/null || continue
    p=${e#/proc/}
    p=${p%/environ}
    kill -KILL -"$p" 2>/dev/null
    kill -KILL "$p" 2>/dev/null && found=1
  done
  [ -n "$found" ] || exit 0
  round=$((round + 1))
done"#;

/// The reaper of one run manager; [`Reaper::finish`] it when its runs are
/// over. Dropping it finishes it too.
pub struct Reaper {
    /// `None` once finished.
    child: Option<Child>,
    tag: String,
    /// The running steps' process groups (`None`: no file for them; the
    /// sweep alone finds the steps).
    groups: Option<Arc<Groups>>,
}

impl Reaper {
    /// Starts a reaper with a tag of its own; the steps it guards must
    /// carry [`TAG`]`=`[`Reaper::tag`]. Call it before starting threads
    /// that spawn steps.
    pub fn start() -> std::io::Result<Reaper> {
        // Unique among this process's reapers (the count) and across
        // processes, even with a recycled pid (the time).
        static STARTED: AtomicU32 = AtomicU32::new(0);
        let nth = STARTED.fetch_add(1, Ordering::Relaxed);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let tag = format!("wfc.{}.{nth}.{nanos}", std::process::id());
        // In the scratch directory: swept by a later wfc should both wfc
        // and its reaper die.
        let groups = super::exec::scratch::dir()
            .and_then(|d| Groups::create(&d.join(format!("groups-{tag}"))))
            .ok()
            .map(Arc::new);
        let groups_path = groups
            .as_ref()
            .map(|g| g.path().as_os_str().to_owned())
            .unwrap_or_default();
        let child = Command::new("/bin/sh")
            .arg("-c")
            .arg(SCRIPT)
            .arg("wfc-reaper")
            .arg(&tag)
            .arg(groups_path)
            .env_remove(RUN_ID)
            .env_remove(TAG)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()?;
        Ok(Reaper {
            child: Some(child),
            tag,
            groups,
        })
    }

    /// Where steps record their process groups (see `groups`).
    pub fn groups(&self) -> Option<Arc<Groups>> {
        self.groups.clone()
    }

    /// The value of [`TAG`] that marks this session's processes.
    pub fn tag(&self) -> &str {
        &self.tag
    }

    /// The runs are over and their steps are gone: the reaper exits quietly.
    pub fn finish(self) {
        drop(self);
    }
}

impl Drop for Reaper {
    fn drop(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        if let Some(mut stdin) = child.stdin.take() {
            let _ = stdin.write_all(b"done\n");
        }
        let _ = child.wait();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sleeper(tag: &str) -> Child {
        Command::new("sleep")
            .arg("30")
            .env(TAG, tag)
            .spawn()
            .unwrap()
    }

    /// A resumed run shares its run id with the killed session; the old
    /// session's reaper must take only its own processes.
    #[test]
    fn a_reaper_takes_its_own_session_and_spares_a_resumed_one() {
        let old = Reaper::start().unwrap();
        let new = Reaper::start().unwrap();
        assert_ne!(old.tag(), new.tag());
        let mut mine = sleeper(old.tag());
        let mut other = sleeper(new.tag());
        // wfc "dies": the pipe closes and the reaper sweeps.
        let mut old = old;
        let mut reaper = old.child.take().unwrap();
        drop(reaper.stdin.take());
        assert!(reaper.wait().unwrap().success());
        let killed = mine.wait().unwrap();
        assert_eq!(
            std::os::unix::process::ExitStatusExt::signal(&killed),
            Some(9)
        );
        assert!(
            other.try_wait().unwrap().is_none(),
            "the new session's step was killed"
        );
        new.finish();
        other.kill().unwrap();
        other.wait().unwrap();
    }

    /// wfc dies after a step's spawn but before its group is recorded: a
    /// child that cleared its environment (so the sweep cannot find it) but
    /// stayed in the step's group dies with the step's tagged leader.
    #[test]
    fn the_sweep_takes_the_group_of_a_step_not_yet_recorded() {
        let dir = tempfile::tempdir().unwrap();
        let pid_file = dir.path().join("stray.pid");
        let mut reaper = Reaper::start().unwrap();
        let mut step = Command::new("/bin/sh")
            .arg("-c")
            .arg("env -u WFC_REAPER_TAG sh -c 'echo $$ > \"$0\"; exec sleep 30' \"$0\" & wait")
            .arg(&pid_file)
            .env(TAG, reaper.tag())
            .process_group(0)
            .spawn()
            .unwrap();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        let stray = loop {
            if let Some(pid) = std::fs::read_to_string(&pid_file)
                .ok()
                .filter(|s| s.ends_with('\n'))
                .and_then(|s| s.trim().parse::<i32>().ok())
            {
                break pid;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the step never started"
            );
            std::thread::sleep(std::time::Duration::from_millis(10));
        };
        // wfc "dies" with nothing in the groups file.
        let mut child = reaper.child.take().unwrap();
        drop(child.stdin.take());
        assert!(child.wait().unwrap().success());
        step.wait().unwrap();
        let alive = |pid: i32| {
            std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| {
                !s.rsplit(')')
                    .next()
                    .unwrap_or("")
                    .trim_start()
                    .starts_with('Z')
            })
        };
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while alive(stray) && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        let survived = alive(stray);
        if survived {
            let _ = Command::new("kill")
                .arg("-9")
                .arg(stray.to_string())
                .status();
        }
        assert!(
            !survived,
            "the untagged child in the step's group outlived wfc"
        );
    }
}

//! Process-group plumbing for step processes (Unix).
//!
//! Every step process is started as the leader of a new process group, so the
//! whole tree it starts can be signalled at once ([`signal_group`]).
//!
//! So that step processes do not outlive wfc even when wfc is killed with
//! SIGKILL (which it cannot catch), the direct child is a tiny `/bin/sh`
//! supervisor ([`supervised`]) started with `PR_SET_PDEATHSIG(SIGHUP)` (Linux,
//! [`die_with_parent`]). When wfc dies the kernel sends it SIGHUP; its trap
//! SIGKILLs the whole process group — the user's shell and everything it
//! started. (PDEATHSIG alone would only reach the direct child: grandchildren
//! would be re-parented and live on.) Processes that leave the group (`setsid`,
//! daemons) escape this; only cgroups could catch those. Running as the
//! supervisor's background job, the step's shell starts with SIGINT and SIGQUIT
//! ignored (POSIX rule for asynchronous lists); wfc never sends those.
//!
//! The death signal fires when the *thread* that spawned the child exits, so
//! steps must be spawned from long-lived threads: tokio worker threads (the
//! default for tasks) are fine; `spawn_blocking` threads are not.
//!
//! Cost: setting the death signal needs a `pre_exec` hook, and Rust's std only
//! uses `posix_spawn` (vfork-like) when there is none; with the hook it uses
//! `fork`, whose cost grows with the parent's resident memory (page tables are
//! copied). `cargo bench --bench spawn` measures spawn + wait of `/bin/true`;
//! medians on a 2-core machine (debug build):
//!
//! | parent's touched heap | posix_spawn | fork + pre_exec |
//! | --- | --- | --- |
//! | small (a few MiB) | 0.73 ms | 0.91 ms |
//! | 64 MiB | 0.73 ms | 3.3 ms |
//! | 1 GiB | 0.76 ms | 48 ms |
//!
//! wfc stays small (captures are capped at 1 MiB per stream), so the price is
//! a fraction of a millisecond to a few milliseconds per step — next to the
//! shell's own start-up and a step's run time — and buys a race-free guarantee
//! that steps die with wfc. Should wfc ever hold gigabytes, the alternative
//! is to keep `posix_spawn` and run the supervisor under util-linux's
//! `setpriv --pdeathsig HUP` (which leaves a small window between spawn and
//! prctl, and depends on an external tool).

use nix::sys::signal::{killpg, Signal};
use nix::unistd::Pid;
use std::ffi::OsStr;
use std::os::unix::process::CommandExt;
use std::process::Command;

/// The supervisor script: run `"$@"` in the background, wait for it, and
/// SIGKILL the whole process group on SIGHUP (sent when wfc dies).
const SUPERVISOR: &str = "trap 'kill -KILL 0' HUP; \"$@\" & wait $!";

/// A command that runs `program args…` under the supervisor shell, as the
/// leader of a new process group, with stdin closed, dying with wfc.
pub fn supervised<I, S>(program: &OsStr, args: I) -> Command
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let mut cmd = Command::new("/bin/sh");
    cmd.arg("-c")
        .arg(SUPERVISOR)
        .arg("wfc-step")
        .arg(program)
        .args(args)
        .stdin(std::process::Stdio::null())
        .env_remove(STORE)
        .process_group(0);
    die_with_parent(&mut cmd);
    cmd
}

/// Where wfc's run store is (`$WFC_STORE`): a step does not inherit it, as
/// a PostgreSQL URL may carry the store's password.
pub(crate) const STORE: &str = "WFC_STORE";

/// A command that runs `program args…` directly, as the leader of a new
/// process group with stdin closed — without the supervisor, and without a
/// `pre_exec` hook, so std can start it with `posix_spawn`. Whoever uses it
/// must make sure the process does not outlive wfc some other way.
pub fn direct<I, S>(program: &OsStr, args: I) -> Command
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let mut cmd = Command::new(program);
    cmd.args(args)
        .stdin(std::process::Stdio::null())
        .env_remove(STORE)
        .process_group(0);
    cmd
}

/// Sends `signal` to every process of the group led by `leader`; a group that
/// no longer exists is not an error.
pub fn signal_group(leader: u32, signal: Signal) {
    if let Ok(pid) = i32::try_from(leader) {
        let _ = killpg(Pid::from_raw(pid), signal);
    }
}

/// Whether any process of the group led by `leader` is still alive.
pub fn group_alive(leader: u32) -> bool {
    i32::try_from(leader).is_ok_and(|pid| killpg(Pid::from_raw(pid), None).is_ok())
}

/// Makes the child receive SIGHUP when the spawning thread exits (Linux).
///
/// SIGHUP is set back to its default action in the child first: under
/// `nohup` wfc starts with it ignored, an ignored signal stays ignored
/// across `exec`, and a shell cannot trap a signal that was ignored when
/// it started — the supervisor's trap would silently not be set.
#[cfg(target_os = "linux")]
#[allow(unsafe_code)]
pub fn die_with_parent(cmd: &mut Command) {
    use nix::sys::signal::{signal, SigHandler};
    let parent = nix::unistd::getpid();
    // SAFETY: the hook runs in the forked child before exec, where only
    // async-signal-safe operations are allowed. It makes three raw system
    // calls, signal(2) (setting SIG_DFL installs no handler), prctl(2) and
    // getppid(2), and on failure builds an `io::Error` from an errno value (no
    // allocation, no locks). It captures only a `Pid` (a plain integer).
    // The getppid check closes the race where wfc dies between fork and prctl:
    // the child is then already re-parented, so it refuses to run.
    unsafe {
        cmd.pre_exec(move || {
            signal(Signal::SIGHUP, SigHandler::SigDfl)?;
            nix::sys::prctl::set_pdeathsig(Signal::SIGHUP)?;
            if nix::unistd::getppid() != parent {
                return Err(nix::errno::Errno::ESRCH.into());
            }
            Ok(())
        });
    }
}

/// No death signal outside Linux.
#[cfg(not(target_os = "linux"))]
pub fn die_with_parent(_cmd: &mut Command) {}

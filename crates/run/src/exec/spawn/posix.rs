//! Starting a step with `posix_spawn` itself, without std's `Command`.
//!
//! std's `Command` copies wfc's whole environment into a `BTreeMap`, then
//! into fresh C strings, at every start once one variable is set (every step
//! sets `WF_OUTPUTS`); it opens `/dev/null` for stdin each time, and tokio
//! wraps the child in a reaper of its own. On the scheduler's thread that was
//! ~10% of wfc's CPU in a chain of trivial steps (`perf record`: the copy
//! alone 6.6%). Here wfc's environment becomes C strings once — wfc never
//! changes its own environment — `/dev/null` is opened once, and the runtime
//! learns of the exit from a pidfd, as tokio's does.
//!
//! The process is what [`super::start`] describes: the leader of a new
//! process group, stdin on `/dev/null`, stdout and stderr on pipes, no signal
//! blocked, SIGPIPE at its default action (wfc ignores it), and of wfc's
//! descriptors only those wfc inherited open.

use super::{Launch, StepProcess};
use nix::spawn::{posix_spawn, PosixSpawnAttr, PosixSpawnFileActions, PosixSpawnFlags};
use nix::sys::signal::{SigSet, Signal};
use nix::sys::wait::waitpid;
use nix::unistd::Pid;
use std::ffi::{CStr, CString, OsStr};
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::process::ExitStatusExt;
use std::process::ExitStatus;
use std::sync::OnceLock;
use tokio::io::unix::AsyncFd;
use tokio::io::Interest;
use tokio::net::unix::pipe;
use wfc_contract::Usage;

/// A step process started here: its pidfd, registered with the runtime.
pub(super) struct Pidfd(AsyncFd<OwnedFd>);

/// Starts `launch` (not supervised, in wfc's directory), or `None` where
/// this way cannot: no pidfd (Linux before 5.3).
pub(super) fn start(launch: &Launch<'_>) -> Option<io::Result<StepProcess>> {
    let devnull = shared()?;
    Some(spawn(launch, devnull))
}

fn spawn(launch: &Launch<'_>, devnull: &OwnedFd) -> io::Result<StepProcess> {
    let invalid = |_| io::Error::from(io::ErrorKind::InvalidInput);
    let program = launch.program.as_os_str();
    let arg0 = launch.arg0.map_or(program, OsStr::new);
    let mut argv = Vec::with_capacity(launch.args.len() + 1);
    argv.push(CString::new(arg0.as_bytes()).map_err(invalid)?);
    for a in launch.args {
        argv.push(CString::new(*a).map_err(invalid)?);
    }
    let own = own_vars(launch)?;
    let mut envp: Vec<&CStr> = base_env()
        .iter()
        .filter(|e| !launch.vars.iter().any(|(k, _)| key(e) == k.as_bytes()))
        .map(CString::as_c_str)
        .collect();
    envp.extend(own.iter().map(CString::as_c_str));

    let (out_r, out_w) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC)?;
    let (err_r, err_w) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC)?;
    let mut actions = PosixSpawnFileActions::init()?;
    actions.add_dup2(devnull.as_raw_fd(), 0)?;
    actions.add_dup2(out_w.as_raw_fd(), 1)?;
    actions.add_dup2(err_w.as_raw_fd(), 2)?;
    let mut attr = PosixSpawnAttr::init()?;
    attr.set_flags(
        PosixSpawnFlags::POSIX_SPAWN_SETPGROUP
            | PosixSpawnFlags::POSIX_SPAWN_SETSIGMASK
            | PosixSpawnFlags::POSIX_SPAWN_SETSIGDEF,
    )?;
    attr.set_pgroup(Pid::from_raw(0))?;
    attr.set_sigmask(&SigSet::empty())?;
    let mut default = SigSet::empty();
    default.add(Signal::SIGPIPE);
    attr.set_sigdefault(&default)?;
    let pid = posix_spawn(launch.program, &actions, &attr, &argv, &envp)?;
    drop((out_w, err_w));
    let watch = || {
        let pidfd = Pidfd::register(pidfd_open(pid)?)?;
        let (out, err) = (receiver(out_r)?, receiver(err_r)?);
        Ok(StepProcess::pidfd(
            pidfd,
            pid.as_raw().unsigned_abs(),
            out,
            err,
        ))
    };
    // Short of running out of descriptors this cannot fail (`shared` found
    // that pidfds work); if it does, the step must not run unwatched.
    watch().inspect_err(|_| {
        let _ = nix::sys::signal::killpg(pid, Signal::SIGKILL);
        let _ = waitpid(pid, None);
    })
}

impl Pidfd {
    #[allow(unsafe_code)]
    fn register(fd: OwnedFd) -> io::Result<Self> {
        // SAFETY: the `OwnedFd` is open and moves into the `AsyncFd`, which
        // keeps it (the same descriptor) until it is dropped.
        let registered = unsafe { AsyncFd::register_with_interest(fd, Interest::READABLE) };
        registered.map(Pidfd).map_err(|e| e.into_parts().1)
    }

    /// Waits for the process to exit; a pidfd stays readable once it has,
    /// and the process is not reaped.
    pub(super) async fn exited(&self) -> io::Result<()> {
        self.0.readable().await.map(drop)
    }

    /// Waits for the process `pid` to exit and reaps it, with what it used.
    pub(super) async fn wait(&self, pid: u32) -> io::Result<(ExitStatus, Usage)> {
        loop {
            let mut ready = self.0.readable().await?;
            match reap_now(pid) {
                Ok(Some(done)) => return Ok(done),
                Ok(None) => ready.clear_ready(),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// Watches `pid`, a child just started some other way (std's
    /// `Command`), as [`start`] watches its own: its exit from a pidfd, its
    /// reaping by [`Pidfd::wait`].
    pub(super) fn watch(pid: u32) -> io::Result<Self> {
        Pidfd::register(pidfd_open(Pid::from_raw(pid.cast_signed()))?)
    }
}

/// Reaps `pid` if it has exited (`wait4` with `WNOHANG`): its status and
/// its rusage — its own CPU time and peak RSS with those of the
/// descendants it waited for, as the kernel folds them in at each reap.
/// Replaces `waitpid`: one system call either way.
#[allow(unsafe_code)]
fn reap_now(pid: u32) -> io::Result<Option<(ExitStatus, Usage)>> {
    let mut status: libc::c_int = 0;
    let mut ru = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: wait4(2) writes the status and the rusage through the two
    // pointers, both to live, writable locals of the right types; nothing
    // else is borrowed.
    let got = unsafe {
        libc::wait4(
            pid.cast_signed(),
            &raw mut status,
            libc::WNOHANG,
            ru.as_mut_ptr(),
        )
    };
    match got {
        0 => Ok(None),
        -1 => Err(io::Error::last_os_error()),
        _ => {
            // SAFETY: zeroed, then filled in by the kernel on success.
            let ru = unsafe { ru.assume_init() };
            Ok(Some((ExitStatus::from_raw(status), super::usage::of(&ru))))
        }
    }
}

/// The step's own variables as `KEY=VALUE`, the last of each name.
fn own_vars(launch: &Launch<'_>) -> io::Result<Vec<CString>> {
    let vars = &launch.vars;
    let mut own = Vec::with_capacity(vars.len());
    for (i, (k, v)) in vars.iter().enumerate() {
        if vars[i + 1..].iter().any(|(later, _)| later == k) {
            continue;
        }
        let mut entry = Vec::with_capacity(k.len() + v.len() + 1);
        entry.extend_from_slice(k.as_bytes());
        entry.push(b'=');
        entry.extend_from_slice(v.as_bytes());
        own.push(CString::new(entry).map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?);
    }
    Ok(own)
}

/// The name of a `KEY=VALUE` entry.
fn key(entry: &CStr) -> &[u8] {
    let bytes = entry.to_bytes();
    let end = bytes.iter().position(|&b| b == b'=').unwrap_or(bytes.len());
    &bytes[..end]
}

/// wfc's environment as `KEY=VALUE` C strings, read once.
fn base_env() -> &'static [CString] {
    static BASE: OnceLock<Vec<CString>> = OnceLock::new();
    BASE.get_or_init(|| {
        std::env::vars_os()
            .filter(|(k, _)| k != crate::exec::process::STORE)
            .filter_map(|(k, v)| {
                let mut entry = k.into_encoded_bytes();
                entry.push(b'=');
                entry.extend_from_slice(v.as_encoded_bytes());
                CString::new(entry).ok()
            })
            .collect()
    })
}

/// Whether this kernel gives pidfds (Linux 5.3 and later).
pub(super) fn pidfds() -> bool {
    shared().is_some()
}

/// `/dev/null`, opened once, when this kernel gives pidfds.
fn shared() -> Option<&'static OwnedFd> {
    static DEVNULL: OnceLock<Option<OwnedFd>> = OnceLock::new();
    DEVNULL
        .get_or_init(|| {
            pidfd_open(nix::unistd::getpid()).ok()?;
            let flags = nix::fcntl::OFlag::O_RDONLY | nix::fcntl::OFlag::O_CLOEXEC;
            nix::fcntl::open("/dev/null", flags, nix::sys::stat::Mode::empty()).ok()
        })
        .as_ref()
}

/// The read end of an output pipe, non-blocking, for the runtime.
pub(super) fn receiver(fd: OwnedFd) -> io::Result<pipe::Receiver> {
    let flags = nix::fcntl::OFlag::O_NONBLOCK;
    nix::fcntl::fcntl(&fd, nix::fcntl::FcntlArg::F_SETFL(flags))?;
    pipe::Receiver::from_owned_fd_unchecked(fd)
}

#[allow(unsafe_code)]
fn pidfd_open(pid: Pid) -> io::Result<OwnedFd> {
    // SAFETY: pidfd_open(2) takes a pid and flags and returns a new
    // descriptor (close-on-exec) or -1; nothing is borrowed.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid.as_raw(), 0) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    let fd = i32::try_from(fd).map_err(|_| io::Error::from(io::ErrorKind::InvalidData))?;
    // SAFETY: the kernel just returned this descriptor, owned by no one else.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// Reaps `pid`, blocking (a killed process dropped outside the runtime).
pub(super) fn reap(pid: u32) {
    let _ = waitpid(Pid::from_raw(pid.cast_signed()), None);
}

//! Starting a step's process with `clone(CLONE_VM | CLONE_VFORK)`: what
//! glibc's `posix_spawn` does, without the parts a step does not need.
//!
//! On every spawn `posix_spawn` maps a fresh stack for the child and unmaps
//! it afterwards, and its child, before `exec`, reads and resets the
//! disposition of each of the 64 signals (it cannot know which ones have
//! handlers): some 130 system calls while wfc's thread waits. This module
//! keeps one child stack per thread, resets only the signals wfc can catch
//! ([`CAUGHT`]), and has the kernel hand back a pidfd with the new process
//! (`CLONE_PIDFD`) instead of opening one afterwards. `/bin/sh -c ':'` in a
//! loop on the development VM (`clone` ≈ what follows, a C harness): the
//! spawn call took 91–108 µs with `posix_spawn` and 55–63 µs this way, and a
//! whole spawn-to-reap cycle 45–80 µs less.
//!
//! What the child does is what `posix_spawn` was asked to do: stdin, stdout
//! and stderr from the given descriptors, a new process group, the working
//! directory, SIGPIPE back to its default (wfc ignores it), an empty signal mask, `execve`. Signals
//! wfc ignores stay ignored, as they do through `posix_spawn` (`nohup`). It
//! also closes wfc's own descriptors before `exec` rather than during it
//! ([`closing_ranges`]); those wfc inherited stay open, as they would.

use std::cell::RefCell;
use std::ffi::{c_char, c_int, c_uint, c_void, CStr};
use std::io;
use std::mem::MaybeUninit;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::sync::OnceLock;

/// The signals wfc may have handlers for: SIGINT and SIGTERM
/// ([`crate::signals`]), SIGSEGV and SIGBUS (Rust's stack-overflow
/// report). The child resets them to the default before it unblocks signals,
/// so none can run wfc's handler in the child, which shares wfc's memory until
/// `exec`. A test checks that wfc catches nothing else (but glibc's two
/// internal signals, which only ever go to wfc's own threads).
pub(crate) const CAUGHT: [c_int; 4] = [libc::SIGINT, libc::SIGTERM, libc::SIGSEGV, libc::SIGBUS];

/// The child's stack size. The child calls a handful of system-call wrappers.
const STACK_WORDS: usize = 32 * 1024 / 16;

thread_local! {
    /// The child's stack, reused: `CLONE_VFORK` suspends this thread until
    /// the child has called `exec` or exited, so one spawn at a time uses it.
    static STACK: RefCell<Box<[MaybeUninit<u128>]>> =
        RefCell::new(Box::new_uninit_slice(STACK_WORDS));
}

/// A started process: its pid and, on kernels with `CLONE_PIDFD` (5.2+), a
/// pidfd for it.
pub(crate) struct Child {
    pub pid: i32,
    pub pidfd: Option<OwnedFd>,
}

/// What the child needs, prepared by the parent: the child must not allocate.
#[repr(C)]
struct Plan {
    path: *const c_char,
    argv: *const *const c_char,
    envp: *const *const c_char,
    /// The descriptors that become the child's 0, 1 and 2; each is 3 or more.
    stdio: [c_int; 3],
    /// The directory to change to (null: stay in wfc's).
    dir: *const c_char,
    /// The ranges of descriptors the child closes before `exec`
    /// ([`closing_ranges`]), and how many.
    close: *const [c_uint; 2],
    close_len: usize,
    /// Set by the child when it fails before `exec`: the `errno`.
    err: c_int,
}

/// Starts `program` with `args` (`argv[0]` first) and `env`, its stdin,
/// stdout and stderr from `stdio`, as the leader of a new process group, in
/// `dir` if given.
pub(crate) fn spawn(
    program: &CStr,
    args: &[&CStr],
    env: &[&CStr],
    stdio: [&OwnedFd; 3],
    dir: Option<&CStr>,
) -> io::Result<Child> {
    if args.is_empty() {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "no argv[0]"));
    }
    let argv = nul_terminated(args);
    let envp = nul_terminated(env);
    // A source descriptor among 0–2 would be overwritten by an earlier
    // `dup2` (wfc started with a standard stream closed): move it up first.
    let mut moved: Vec<OwnedFd> = Vec::new();
    let mut fds = [0; 3];
    for (slot, fd) in fds.iter_mut().zip(stdio) {
        *slot = fd.as_raw_fd();
        if *slot < 3 {
            let high = rustix::io::fcntl_dupfd_cloexec(fd, 3)?;
            *slot = high.as_raw_fd();
            moved.push(high);
        }
    }
    let close = closing_ranges();
    let mut plan = Plan {
        path: program.as_ptr(),
        argv: argv.as_ptr(),
        envp: envp.as_ptr(),
        stdio: fds,
        dir: dir.map_or(std::ptr::null(), CStr::as_ptr),
        close: close.as_ptr(),
        close_len: close.len(),
        err: 0,
    };
    let mut pidfd: c_int = -1;
    let pid = STACK.with(|stack| {
        let mut stack = stack.borrow_mut();
        // The stack grows down from the end; a `u128` slice is 16-byte aligned.
        let top = stack.as_mut_ptr_range().end.cast::<c_void>();
        clone(&mut plan, top, &mut pidfd)
    });
    drop(moved);
    let pidfd = (pidfd >= 0).then(|| owned(pidfd));
    let pid = pid?;
    if plan.err != 0 {
        // The child has exited (`CLONE_VFORK` returns only then or on `exec`).
        let _ = nix::sys::wait::waitpid(nix::unistd::Pid::from_raw(pid), None);
        return Err(io::Error::from_raw_os_error(plan.err));
    }
    Ok(Child { pid, pidfd })
}

/// The descriptors a child closes before `exec`: every one from 3 up but
/// those wfc inherited (found once, as the descriptors open without
/// close-on-exec at the first start: wfc opens its own with it).
///
/// `exec` would close them all anyway, but only after the parent has resumed
/// (`CLONE_VFORK` resumes it before the new program's close-on-exec
/// descriptors are closed), and on a busy machine that child may then wait
/// for the CPU. Until it runs, it holds copies of the pipes' write ends wfc
/// keeps for the other running steps ([`super::spawn`]): one of those that
/// exits meanwhile has its pipes end only when this child gets the CPU back
/// (`perf`, a fan-out of 1,000 with 2 jobs: ~1.3 of these waits in 3 steps,
/// each ~100 µs). Closed before `exec`, they are gone before the parent resumes.
fn closing_ranges() -> &'static [[c_uint; 2]] {
    static RANGES: OnceLock<Vec<[c_uint; 2]>> = OnceLock::new();
    RANGES.get_or_init(|| {
        let Ok(dir) = std::fs::read_dir("/proc/self/fd") else {
            return Vec::new();
        };
        let mut inherited: Vec<c_uint> = dir
            .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
            .filter(|&fd| fd >= 3 && keeps_across_exec(fd))
            .collect();
        inherited.sort_unstable();
        let mut ranges = Vec::new();
        let mut from: c_uint = 3;
        for fd in inherited {
            if fd > from {
                ranges.push([from, fd - 1]);
            }
            from = fd + 1;
        }
        ranges.push([from, c_uint::MAX]);
        ranges
    })
}

/// Whether `fd` is open without close-on-exec.
#[allow(unsafe_code)]
fn keeps_across_exec(fd: c_uint) -> bool {
    let Ok(fd) = c_int::try_from(fd) else {
        return false;
    };
    // SAFETY: F_GETFD only reads the descriptor's flags (-1 if it is closed).
    let flags = unsafe { libc::fcntl(fd, libc::F_GETFD) };
    flags >= 0 && flags & libc::FD_CLOEXEC == 0
}

fn nul_terminated(strings: &[&CStr]) -> Vec<*const c_char> {
    let mut v: Vec<*const c_char> = strings.iter().map(|s| s.as_ptr()).collect();
    v.push(std::ptr::null());
    v
}

#[allow(unsafe_code)]
fn owned(fd: RawFd) -> OwnedFd {
    // SAFETY: the kernel just created `fd` for this process (CLONE_PIDFD);
    // nothing else owns it.
    unsafe { OwnedFd::from_raw_fd(fd) }
}

/// `clone` with every signal blocked in this thread (but SIGCHLD, see
/// [`blocked_while_cloning`]), so that no signal reaches the child before it
/// has reset [`CAUGHT`]; the mask is restored once the child has called `exec`.
#[allow(unsafe_code)]
fn clone(plan: &mut Plan, stack_top: *mut c_void, pidfd: &mut c_int) -> io::Result<c_int> {
    // SAFETY: `pthread_sigmask` only touches the sets given. `clone` runs
    // `child` on `stack_top`, a stack no one else uses while this thread is
    // suspended (CLONE_VFORK); `plan`, the strings it points to and `pidfd`
    // outlive the call, since the parent resumes only once the child has
    // called `exec` or exited.
    unsafe {
        let all = blocked_while_cloning();
        let mut old = MaybeUninit::<libc::sigset_t>::uninit();
        libc::pthread_sigmask(libc::SIG_SETMASK, &all, old.as_mut_ptr());
        let pid = libc::clone(
            child,
            stack_top,
            libc::CLONE_VM | libc::CLONE_VFORK | libc::CLONE_PIDFD | libc::SIGCHLD,
            (plan as *mut Plan).cast::<c_void>(),
            pidfd as *mut c_int,
        );
        let result = if pid < 0 {
            Err(io::Error::last_os_error())
        } else {
            Ok(pid)
        };
        libc::pthread_sigmask(libc::SIG_SETMASK, old.as_ptr(), std::ptr::null_mut());
        result
    }
}

/// The signals blocked in wfc's thread while it clones: all but SIGCHLD,
/// which wfc leaves at its default (ignore; a test below checks that wfc
/// catches no signal but [`CAUGHT`]). Unblocked, a step's exit signal is
/// dropped as it is sent. Blocked during the call (steps end all the time in
/// a busy run), it was queued and delivered to another of wfc's threads
/// (the store's watch thread, waking it from its sleep) or to this one
/// once it unblocked: ~2,200 deliveries in a fan-out of 5,000 steps (`perf`,
/// `signal:signal_deliver`; none now), which cost that run ~40 ms of wall
/// time. The child gets no SIGCHLD before `exec`: it has no children.
#[allow(unsafe_code)]
fn blocked_while_cloning() -> libc::sigset_t {
    // SAFETY: `sigfillset` initializes the set; `sigdelset` edits it.
    unsafe {
        let mut set = MaybeUninit::<libc::sigset_t>::uninit();
        libc::sigfillset(set.as_mut_ptr());
        libc::sigdelset(set.as_mut_ptr(), libc::SIGCHLD);
        set.assume_init()
    }
}

/// The child, between `clone` and `exec`. It shares wfc's memory, so it only
/// makes system calls: no allocation, no locks, no panics.
#[allow(unsafe_code)]
extern "C" fn child(arg: *mut c_void) -> c_int {
    // SAFETY: `arg` is the parent's `Plan`, alive while the parent waits; the
    // calls below are async-signal-safe system-call wrappers on descriptors
    // and C strings the parent prepared.
    unsafe {
        let plan = &mut *arg.cast::<Plan>();
        let mut ok = true;
        for (target, fd) in (0..).zip(plan.stdio) {
            ok &= libc::dup2(fd, target) == target;
        }
        // Errors are ignored: before Linux 5.9 (no `close_range`) `exec`
        // closes them, a little later.
        for i in 0..plan.close_len {
            let [first, last] = *plan.close.add(i);
            libc::syscall(libc::SYS_close_range, first, last, 0);
        }
        if !plan.dir.is_null() {
            ok = ok && libc::chdir(plan.dir) == 0;
        }
        ok = ok && libc::setpgid(0, 0) == 0;
        let mut default: libc::sigaction = std::mem::zeroed();
        default.sa_sigaction = libc::SIG_DFL;
        for sig in CAUGHT.into_iter().chain([libc::SIGPIPE]) {
            ok = ok && libc::sigaction(sig, &default, std::ptr::null_mut()) == 0;
        }
        let mut none = MaybeUninit::<libc::sigset_t>::uninit();
        libc::sigemptyset(none.as_mut_ptr());
        ok = ok
            && libc::pthread_sigmask(libc::SIG_SETMASK, none.as_ptr(), std::ptr::null_mut()) == 0;
        if ok {
            libc::execve(plan.path, plan.argv, plan.envp);
        }
        plan.err = *libc::__errno_location();
        if plan.err == 0 {
            plan.err = libc::EINVAL;
        }
        libc::_exit(127)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CString;
    use std::io::Read;

    /// A `/proc/PID/status` mask field as a set of signal numbers.
    fn mask(status: &str, field: &str) -> Vec<c_int> {
        let hex = status
            .lines()
            .find_map(|l| l.strip_prefix(field))
            .unwrap_or_else(|| panic!("{field} in {status}"))
            .trim();
        let bits = u64::from_str_radix(hex, 16).unwrap();
        (1..=64).filter(|s| bits >> (s - 1) & 1 == 1).collect()
    }

    /// Runs `cat /proc/self/status` through [`spawn`]: the child's own view.
    fn child_status() -> String {
        let (mut r, w) = std::io::pipe().unwrap();
        let w = OwnedFd::from(w);
        let null = OwnedFd::from(std::fs::File::open("/dev/null").unwrap());
        let args = [c"/bin/cat", c"/proc/self/status"];
        let child = spawn(args[0], &args, &[c"A=1"], [&null, &w, &w], None).expect("spawns");
        drop(w);
        let mut out = String::new();
        r.read_to_string(&mut out).unwrap();
        let status = nix::sys::wait::waitpid(nix::unistd::Pid::from_raw(child.pid), None);
        assert!(
            matches!(status, Ok(nix::sys::wait::WaitStatus::Exited(_, 0))),
            "{status:?}"
        );
        assert!(
            child.pidfd.is_some(),
            "CLONE_PIDFD gives a pidfd on Linux 5.2+"
        );
        out
    }

    #[tokio::test]
    async fn the_child_has_no_handlers_nothing_blocked_and_keeps_ignored_signals() {
        // A handler the child must not run (tokio installs a real one),
        // a blocked signal in this thread, and an ignored one (as `nohup`
        // ignores SIGHUP; SIGUSR2 here, which nothing else in the tests uses).
        let _int = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt());
        let status = {
            let mut usr1 = nix::sys::signal::SigSet::empty();
            usr1.add(nix::sys::signal::Signal::SIGUSR1);
            let old = usr1.thread_swap_mask(nix::sys::signal::SigmaskHow::SIG_BLOCK);
            #[allow(unsafe_code)]
            // SAFETY: setting a disposition to SIG_IGN installs no code.
            unsafe {
                libc::signal(libc::SIGUSR2, libc::SIG_IGN);
            }
            let status = child_status();
            old.unwrap().thread_set_mask().unwrap();
            status
        };
        assert_eq!(mask(&status, "SigCgt:"), Vec::<c_int>::new(), "{status}");
        assert_eq!(mask(&status, "SigBlk:"), Vec::<c_int>::new(), "{status}");
        let ignored = mask(&status, "SigIgn:");
        assert!(ignored.contains(&libc::SIGUSR2), "{status}");
        assert!(
            !ignored.contains(&libc::SIGPIPE),
            "SIGPIPE is reset: {status}"
        );
    }

    #[test]
    fn the_child_leads_a_new_process_group() {
        let (mut r, w) = std::io::pipe().unwrap();
        let w = OwnedFd::from(w);
        let null = OwnedFd::from(std::fs::File::open("/dev/null").unwrap());
        let args = [c"/bin/cat", c"/proc/self/stat"];
        let child = spawn(args[0], &args, &[], [&null, &w, &w], None).unwrap();
        drop(w);
        let mut stat = String::new();
        r.read_to_string(&mut stat).unwrap();
        let _ = nix::sys::wait::waitpid(nix::unistd::Pid::from_raw(child.pid), None);
        // pid (comm) state ppid pgrp …
        let after_comm = stat.rsplit_once(") ").unwrap().1;
        let pgrp: i32 = after_comm.split(' ').nth(2).unwrap().parse().unwrap();
        assert_eq!(pgrp, child.pid, "{stat}");
    }

    /// The child closes wfc's other descriptors before `exec`, so before
    /// the parent resumes: a pipe whose write end wfc then closes ends at
    /// once, though the child still runs. (On one CPU, where the parent's
    /// wake-up takes the CPU from the child in the middle of its `exec`.)
    #[test]
    #[allow(unsafe_code)]
    fn the_child_holds_none_of_the_parents_other_descriptors() {
        let null = OwnedFd::from(std::fs::File::open("/dev/null").unwrap());
        let args = [c"/bin/sleep", c"10"];
        let size = std::mem::size_of::<libc::cpu_set_t>();
        // SAFETY: the sets are plain bit masks of `size` bytes, read and
        // written by the calls and macros given them.
        let (all, one) = unsafe {
            let mut all: libc::cpu_set_t = std::mem::zeroed();
            assert_eq!(libc::sched_getaffinity(0, size, &mut all), 0);
            let mut one: libc::cpu_set_t = std::mem::zeroed();
            let first = (0..libc::CPU_SETSIZE as usize).find(|&c| libc::CPU_ISSET(c, &all));
            libc::CPU_SET(first.unwrap(), &mut one);
            (all, one)
        };
        // SAFETY: as above; 0 is this thread.
        let pin = |set: &libc::cpu_set_t| unsafe { libc::sched_setaffinity(0, size, set) };
        // Without the early close, about one start in three failed this.
        for _ in 0..20 {
            let (r, w) = rustix::pipe::pipe_with(rustix::pipe::PipeFlags::CLOEXEC).unwrap();
            assert_eq!(pin(&one), 0);
            let child = spawn(args[0], &args, &[], [&null, &null, &null], None);
            drop(w);
            assert_eq!(pin(&all), 0);
            let child = nix::unistd::Pid::from_raw(child.unwrap().pid);
            rustix::io::ioctl_fionbio(&r, true).unwrap();
            // Other tests of this binary start children on other threads,
            // and one holds a copy of `w` from its fork to its exec: wait
            // out that instant (the child here sleeps 10 s, so a copy it
            // kept would still fail this).
            let mut n = rustix::io::read(&r, &mut [0u8; 8]);
            for _ in 0..100 {
                if n != Err(rustix::io::Errno::AGAIN) {
                    break;
                }
                std::thread::sleep(std::time::Duration::from_millis(10));
                n = rustix::io::read(&r, &mut [0u8; 8]);
            }
            let _ = nix::sys::signal::kill(child, nix::sys::signal::Signal::SIGKILL);
            let _ = nix::sys::wait::waitpid(child, None);
            assert_eq!(
                n,
                Ok(0),
                "the pipe ended (no copy of its write end is left)"
            );
        }
    }

    #[test]
    fn a_failed_exec_or_chdir_reports_its_errno() {
        let null = OwnedFd::from(std::fs::File::open("/dev/null").unwrap());
        let not_exec = CString::new("/dev/null").unwrap();
        let e = spawn(&not_exec, &[&not_exec], &[], [&null, &null, &null], None)
            .err()
            .unwrap();
        assert_eq!(e.raw_os_error(), Some(libc::EACCES), "{e}");
        let e = spawn(
            c"/nonexistent/wfc-prog",
            &[c"/nonexistent/wfc-prog"],
            &[],
            [&null, &null, &null],
            None,
        )
        .err()
        .unwrap();
        assert_eq!(e.kind(), io::ErrorKind::NotFound, "{e}");
        let args = [c"/bin/true"];
        let gone = Some(c"/nonexistent/wfc-dir");
        let e = spawn(args[0], &args, &[], [&null, &null, &null], gone).err();
        assert_eq!(e.map(|e| e.kind()), Some(io::ErrorKind::NotFound));
    }

    #[test]
    #[allow(unsafe_code)]
    fn cloning_blocks_every_caught_signal_but_not_sigchld() {
        let set = blocked_while_cloning();
        // SAFETY: `sigismember` reads the set.
        let member = |sig| unsafe { libc::sigismember(&set, sig) } == 1;
        assert!(CAUGHT.iter().all(|&s| member(s)));
        assert!(member(libc::SIGPIPE) && member(libc::SIGHUP));
        assert!(!member(libc::SIGCHLD));
    }

    #[tokio::test]
    async fn wfc_catches_no_signal_the_child_does_not_reset() {
        let cancel = tokio_util::sync::CancellationToken::new();
        crate::signals::install(cancel.clone(), cancel).unwrap();
        let status = std::fs::read_to_string("/proc/self/status").unwrap();
        // 32 and 33 are glibc's own (thread cancellation, set*id across
        // threads): only ever sent to wfc's own threads, which the child is not.
        for sig in mask(&status, "SigCgt:").into_iter().filter(|s| *s < 32) {
            assert!(
                CAUGHT.contains(&sig),
                "wfc catches signal {sig}: add it to vfork::CAUGHT, or a step could run its handler"
            );
        }
    }
}

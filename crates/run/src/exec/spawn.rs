//! Starting a shell step's process and waiting for it.
//!
//! A step starts with `posix_spawn` ([`posix`]) as the leader of a new
//! process group, with stdin on `/dev/null` and stdout and stderr on pipes.
//! It gets wfc's environment with the step's variables over it, and of wfc's
//! descriptors only those wfc inherited open (as under `make`'s jobserver):
//! every descriptor wfc opens itself is close-on-exec. The runtime learns of
//! its exit from a pidfd. A step under the per-step supervisor of
//! [`super::process`] (its `pre_exec` hook needs `fork`) or one with its own
//! working directory starts through std's `Command` instead, which gives the
//! same process, and is watched by a pidfd too.
//!
//! A step is reaped with `wait4`, which gives its rusage with its status
//! ([`StepProcess::usage`], [`usage`]): the CPU time and peak RSS of the
//! process and of the descendants it waited for (a shell waits for its
//! commands; the supervisor for the step). A descendant not waited for —
//! left running in the background, or whose parent exited first — is not
//! counted. On a kernel without pidfds (before Linux 5.3) tokio's `Command`
//! starts and reaps the step, and no usage is known.

mod posix;
mod usage;

use super::process;
use nix::sys::signal::Signal;
use std::ffi::OsStr;
use std::io;
use std::path::Path;
use std::process::{ExitStatus, Stdio};
use tokio::net::unix::pipe;
use tokio::process::Child;
use wfc_contract::Usage;

/// An environment variable to set: (name, value).
pub(crate) type Var<'a> = (&'a OsStr, &'a OsStr);

/// What to start: `program args…` with the variables and directory given.
#[derive(Clone)]
pub(crate) struct Launch<'a> {
    pub program: &'a Path,
    /// The program's `argv[0]`, when not `program` itself (a name found on
    /// `PATH`, as typed).
    pub arg0: Option<&'a str>,
    pub args: &'a [&'a str],
    /// Set over wfc's environment, in order (later wins).
    pub vars: Vec<Var<'a>>,
    /// The directory to run in (default: wfc's).
    pub workdir: Option<&'a Path>,
    /// Under the per-step supervisor ([`process::supervised`]).
    pub supervised: bool,
}

/// Starts the process, on this thread: a supervised step's death signal is
/// tied to the thread that started it.
pub(crate) fn start(launch: &Launch<'_>) -> io::Result<StepProcess> {
    if !launch.supervised && launch.workdir.is_none_or(is_wfc_dir) {
        if let Some(started) = posix::start(launch) {
            return started;
        }
    }
    let args = launch.args.iter().map(OsStr::new);
    let mut cmd = if launch.supervised {
        // The supervisor shell runs "$@": a name it finds on PATH as `sh` would.
        let program = launch.arg0.map_or(launch.program.as_os_str(), OsStr::new);
        process::supervised(program, args)
    } else {
        let mut cmd = process::direct(launch.program.as_os_str(), args);
        if let Some(arg0) = launch.arg0 {
            std::os::unix::process::CommandExt::arg0(&mut cmd, arg0);
        }
        cmd
    };
    cmd.envs(launch.vars.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(dir) = launch.workdir {
        cmd.current_dir(dir);
    }
    if posix::pidfds() {
        return watched(cmd);
    }
    let mut child = tokio::process::Command::from(cmd).spawn()?;
    let pid = child
        .id()
        .ok_or_else(|| io::Error::other("the child has no pid"))?;
    let stdout = child.stdout.take().map(|o| o.into_owned_fd());
    let stderr = child.stderr.take().map(|e| e.into_owned_fd());
    let receiver = |fd: Option<io::Result<std::os::fd::OwnedFd>>| {
        fd.map(|fd| fd.and_then(pipe::Receiver::from_owned_fd_unchecked))
            .transpose()
    };
    Ok(StepProcess {
        stdout: receiver(stdout)?,
        stderr: receiver(stderr)?,
        child: Waiter::Tokio(child),
        pid,
        status: None,
        usage: None,
    })
}

/// Starts `cmd` with std, and watches it by a pidfd as [`posix::start`]
/// does: std neither reaps nor kills a child it dropped, so it is reaped
/// here, with its rusage.
fn watched(mut cmd: std::process::Command) -> io::Result<StepProcess> {
    let mut child = cmd.spawn()?;
    let pid = child.id();
    let out = child.stdout.take().map(std::os::fd::OwnedFd::from);
    let err = child.stderr.take().map(std::os::fd::OwnedFd::from);
    let watch = || -> io::Result<_> {
        let (Some(out), Some(err)) = (out, err) else {
            return Err(io::Error::other("the child's pipes are missing"));
        };
        let (out, err) = (posix::receiver(out)?, posix::receiver(err)?);
        Ok((posix::Pidfd::watch(pid)?, out, err))
    };
    match watch() {
        Ok((fd, out, err)) => Ok(StepProcess::pidfd(fd, pid, out, err)),
        Err(e) => {
            // The step must not run unwatched.
            process::signal_group(pid, Signal::SIGKILL);
            let _ = child.wait();
            Err(e)
        }
    }
}

/// Whether `dir` is wfc's own working directory, where [`posix::start`]
/// starts a process. Every step has a working folder since paths became
/// relative to the workflow's file (most often the folder wfc runs in), and
/// `posix_spawn` as nix offers it cannot change directory: without this, every
/// step would take the slower `Command` path.
fn is_wfc_dir(dir: &Path) -> bool {
    static CWD: std::sync::OnceLock<Option<std::path::PathBuf>> = std::sync::OnceLock::new();
    let cwd = CWD.get_or_init(|| std::env::current_dir().ok());
    cwd.as_deref()
        .is_some_and(|cwd| std::path::absolute(dir).is_ok_and(|d| d == cwd))
}

/// How a step process's exit is learnt.
enum Waiter {
    Pidfd(posix::Pidfd),
    Tokio(Child),
    /// Handed to the background reaper as the process was dropped.
    Gone,
}

/// A started step process: its pid (also its process group), its output
/// pipes, and whether it has been reaped.
pub(crate) struct StepProcess {
    child: Waiter,
    pid: u32,
    status: Option<ExitStatus>,
    /// What it used, once reaped (where the kernel told).
    usage: Option<Usage>,
    pub stdout: Option<pipe::Receiver>,
    pub stderr: Option<pipe::Receiver>,
}

impl StepProcess {
    fn pidfd(fd: posix::Pidfd, pid: u32, out: pipe::Receiver, err: pipe::Receiver) -> Self {
        StepProcess {
            child: Waiter::Pidfd(fd),
            pid,
            status: None,
            usage: None,
            stdout: Some(out),
            stderr: Some(err),
        }
    }

    pub(crate) fn id(&self) -> u32 {
        self.pid
    }

    /// The CPU time and peak memory of the process and the descendants it
    /// waited for, once [`StepProcess::wait`] reaped it (`None` before,
    /// and where tokio reaped it).
    pub(crate) fn usage(&self) -> Option<Usage> {
        self.usage
    }

    /// Waits for the process to exit, without reaping it where the exit
    /// comes from a pidfd: until [`StepProcess::wait`] reaps it, its pid
    /// still names its process group, so a group kill cannot reach a new
    /// process that got the pid. (Through tokio's `Command` this reaps.)
    /// Cancel-safe.
    pub(crate) async fn exited(&mut self) -> io::Result<()> {
        match &self.child {
            Waiter::Pidfd(fd) if self.status.is_none() => fd.exited().await,
            _ => self.wait().await.map(drop),
        }
    }

    /// Waits for the process to exit and reaps it. Cancel-safe; once reaped,
    /// gives the same status again.
    pub(crate) async fn wait(&mut self) -> io::Result<ExitStatus> {
        if let Some(status) = self.status {
            return Ok(status);
        }
        let status = match &mut self.child {
            Waiter::Pidfd(fd) => {
                let (status, usage) = fd.wait(self.pid).await?;
                self.usage = Some(usage);
                status
            }
            Waiter::Tokio(child) => child.wait().await?,
            Waiter::Gone => unreachable!("a dropped process is not waited for"),
        };
        self.status = Some(status);
        Ok(status)
    }
}

impl Drop for StepProcess {
    /// A process dropped before it was reaped (its task was dropped) is
    /// killed with its group and reaped in the background.
    fn drop(&mut self) {
        if self.status.is_some() {
            return;
        }
        process::signal_group(self.pid, Signal::SIGKILL);
        let (pid, waiter) = (self.pid, std::mem::replace(&mut self.child, Waiter::Gone));
        if let Waiter::Pidfd(fd) = waiter {
            // Tokio reaps its own children; a pidfd's is reaped here.
            match tokio::runtime::Handle::try_current() {
                Ok(rt) => drop(rt.spawn(async move { fd.wait(pid).await })),
                Err(_) => drop(std::thread::spawn(move || posix::reap(pid))),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::process::ExitStatusExt;
    use tokio::io::AsyncReadExt;

    fn os<'a>(pairs: &[(&'a str, &'a str)]) -> Vec<Var<'a>> {
        pairs
            .iter()
            .map(|&(k, v)| (OsStr::new(k), OsStr::new(v)))
            .collect()
    }

    async fn run(launch: Launch<'_>) -> (String, String, ExitStatus) {
        let mut p = start(&launch).expect("starts");
        let (mut out, mut err) = (String::new(), String::new());
        let (mut so, mut se) = (p.stdout.take().unwrap(), p.stderr.take().unwrap());
        let (o, e, status) = tokio::join!(
            so.read_to_string(&mut out),
            se.read_to_string(&mut err),
            p.wait()
        );
        o.unwrap();
        e.unwrap();
        (out, err, status.unwrap())
    }

    fn launch<'a>(script: &'a [&'a str], vars: Vec<Var<'a>>) -> Launch<'a> {
        Launch {
            program: Path::new("/bin/sh"),
            arg0: None,
            args: script,
            vars,
            workdir: None,
            supervised: false,
        }
    }

    const SCRIPT: &[&str] = &[
        "-c",
        // Leader of its own group, stdin empty, SIGPIPE not ignored (wfc
        // ignores it), no signal blocked, both streams and the exit code
        // seen, the variables set over wfc's, the working directory.
        r#"set -- $(cat /proc/$$/stat); [ "$5" = "$$" ] && echo leader
           read x || echo stdin-empty
           m=$(awk '/^SigIgn/ {print $2}' /proc/$$/status)
           [ $(( 0x$m & 0x1000 )) -eq 0 ] && echo pipe-default
           b=$(awk '/^SigBlk/ {print $2}' /proc/$$/status)
           [ $(( 0x$b )) -eq 0 ] && echo none-blocked
           echo "$WFC_T_A $WFC_T_B ${HOME:+home}"; pwd; echo oops >&2; exit 7"#,
    ];

    #[tokio::test]
    async fn direct_and_supervised_starts_give_the_same_process() {
        let vars = os(&[("WFC_T_A", "1"), ("WFC_T_B", "b"), ("WFC_T_A", "a")]);
        let tmp = tempfile::tempdir().unwrap();
        let cwd = std::env::current_dir().unwrap();
        for (supervised, workdir) in [(false, None), (true, None), (false, Some(tmp.path()))] {
            let mut l = launch(SCRIPT, vars.clone());
            l.supervised = supervised;
            l.workdir = workdir;
            let (out, err, status) = run(l).await;
            let dir = workdir.unwrap_or(&cwd).display().to_string();
            let home = if std::env::var_os("HOME").is_some_and(|h| !h.is_empty()) {
                " home"
            } else {
                ""
            };
            let tail = format!("a b{home}\n{dir}\n");
            let case = (supervised, workdir.is_some());
            if supervised {
                // The supervisor is the leader; the step is its child.
                assert!(out.ends_with(&tail), "{case:?}: {out}");
            } else {
                let want = format!("leader\nstdin-empty\npipe-default\nnone-blocked\n{tail}");
                assert_eq!(out, want, "{case:?}");
            }
            assert_eq!(err, "oops\n", "{case:?}");
            assert_eq!(status.code(), Some(7), "{case:?}");
        }
    }

    /// Reaped with its rusage on every start path: the CPU time of the
    /// process and of the children it waited for, and the largest peak RSS
    /// among them. A shell that holds 64 MiB in a variable peaks above it.
    #[tokio::test]
    async fn a_reaped_process_tells_what_it_and_its_waited_children_used() {
        let script = &[
            "-c",
            r#"sh -c 'i=0; while [ $i -lt 60000 ]; do i=$((i+1)); done'
               x=$(head -c 67108864 /dev/zero | tr '\0' a); echo ${#x}"#,
        ];
        let tmp = tempfile::tempdir().unwrap();
        for (supervised, workdir) in [(false, None), (true, None), (false, Some(tmp.path()))] {
            let case = (supervised, workdir.is_some());
            let mut l = launch(script, Vec::new());
            l.supervised = supervised;
            l.workdir = workdir;
            let mut p = start(&l).expect("starts");
            assert_eq!(p.usage(), None, "{case:?}: not reaped yet");
            let (mut so, mut se) = (p.stdout.take().unwrap(), p.stderr.take().unwrap());
            let (mut out, mut err) = (String::new(), String::new());
            let (_, _, status) = tokio::join!(
                so.read_to_string(&mut out),
                se.read_to_string(&mut err),
                p.wait()
            );
            assert!(status.unwrap().success(), "{case:?}: {err}");
            assert_eq!(out, "67108864\n", "{case:?}");
            let used = p.usage().expect("known once reaped");
            assert!(
                used.peak_memory.is_some_and(|b| b > 64 << 20),
                "{case:?}: {used:?}"
            );
            assert!(
                used.cpu > std::time::Duration::from_millis(20),
                "{case:?}: {used:?}"
            );
            // A small process reads as the memory it shared with this one
            // until its exec: its own peak is not known.
            let mut l = launch(&["-c", "true"], Vec::new());
            l.supervised = supervised;
            l.workdir = workdir;
            let mut p = start(&l).expect("starts");
            assert!(p.wait().await.unwrap().success());
            let used = p.usage().expect("known once reaped");
            assert_eq!(used.peak_memory, None, "{case:?}: {used:?}");
        }
    }

    #[tokio::test]
    async fn a_killed_process_reports_its_signal() {
        let mut p = start(&launch(&["-c", "sleep 30"], Vec::new())).unwrap();
        process::signal_group(p.id(), Signal::SIGKILL);
        let status = p.wait().await.unwrap();
        assert_eq!(status.signal(), Some(9));
        // Reaped: waiting again gives the same status at once.
        assert_eq!(p.wait().await.unwrap().signal(), Some(9));
    }

    #[tokio::test]
    async fn an_exited_process_keeps_its_pid_until_it_is_reaped() {
        let mut p = start(&launch(&["-c", "exit 3"], Vec::new())).unwrap();
        p.exited().await.unwrap();
        // A zombie: its pid (and so its group's id) cannot name another
        // process while the group is killed.
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", p.id())).unwrap();
        let state = stat.rsplit(')').next().unwrap().split_whitespace().next();
        assert_eq!(state, Some("Z"), "{stat}");
        assert_eq!(p.wait().await.unwrap().code(), Some(3));
        assert!(!Path::new(&format!("/proc/{}", p.id())).exists(), "reaped");
    }

    #[tokio::test]
    async fn a_dropped_process_is_killed_with_its_group() {
        let p = start(&launch(&["-c", "sleep 30 & wait"], Vec::new())).unwrap();
        let group = p.id();
        drop(p);
        for _ in 0..200 {
            if !process::group_alive(group) {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        panic!("the group of a dropped step process still runs");
    }

    #[tokio::test]
    async fn a_missing_program_or_directory_is_an_error() {
        let mut l = launch(&[], Vec::new());
        l.program = Path::new("/nonexistent/wfc-shell");
        let e = start(&l).err().expect("fails");
        assert_eq!(e.kind(), io::ErrorKind::NotFound, "{e}");
        let mut l = launch(&["-c", ":"], Vec::new());
        l.workdir = Some(Path::new("/nonexistent/wfc-dir"));
        let e = start(&l).err().expect("fails");
        assert_eq!(e.kind(), io::ErrorKind::NotFound, "{e}");
    }
}

//! Starting a shell step's process and waiting for it.
//!
//! Rust's `Command` copies wfc's whole environment into a map, and builds a
//! `KEY=VALUE` string for each variable, on every spawn, as soon as one
//! variable is added; a step adds at least `WF_OUTPUTS`. With the 39 variables
//! of a login shell that was ~12% of wfc's own CPU on trivial steps (`perf`),
//! and a chain of 1,000 such steps ran 50–60 ms faster under `env -i`.
//! So a step under the run's reaper (the default) is started here
//! ([`super::vfork`]: `clone` with `CLONE_VFORK`, a leaner `posix_spawn`,
//! which also changes to the step's `workdir`) with an environment block
//! built once per run ([`EnvBlock`]: wfc's environment with the workflow's
//! `env { }` over it), to which each spawn adds only the step's own variables.
//!
//! A step that needs a `pre_exec` hook (the per-step supervisor of
//! [`super::process`]) is started with std's `Command` instead. Either way the
//! result is a [`StepProcess`]: the pid, the read ends of the stdout and
//! stderr pipes, and a pidfd that tells the runtime when the process exits.

use super::{process, vfork};
use nix::sys::signal::Signal;
use nix::sys::wait::{waitpid, WaitPidFlag, WaitStatus};
use nix::unistd::Pid;
use std::cell::RefCell;
use std::ffi::{CStr, CString, OsStr};
use std::io;
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::process::CommandExt;
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{ExitStatus, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use tokio::io::unix::AsyncFd;
use tokio::net::unix::pipe;

/// wfc's environment with the workflow's `env { }` applied, as the
/// `KEY=VALUE` strings `execve` takes.
#[derive(Debug)]
pub(crate) struct EnvBlock {
    entries: Vec<CString>,
}

impl EnvBlock {
    /// wfc's environment now, with `overrides` applied in order (later wins).
    pub(crate) fn new(overrides: &[(String, String)]) -> io::Result<Self> {
        let pairs: Vec<Var> = overrides
            .iter()
            .map(|(k, v)| (OsStr::new(k), OsStr::new(v)))
            .collect();
        let extra = entries(&pairs)?;
        let mut entries: Vec<CString> = std::env::vars_os()
            .filter(|(k, _)| !extra.iter().any(|e| key(e) == k.as_bytes()))
            .filter_map(|(k, v)| {
                let mut kv = Vec::with_capacity(k.len() + v.len() + 1);
                kv.extend_from_slice(k.as_bytes());
                kv.push(b'=');
                kv.extend_from_slice(v.as_bytes());
                // The environment cannot hold a NUL byte; skip rather than fail.
                CString::new(kv).ok()
            })
            .collect();
        entries.extend(extra);
        Ok(EnvBlock { entries })
    }

    /// Whether a variable's name starts with `prefix`.
    pub(crate) fn has_prefix(&self, prefix: &str) -> bool {
        self.entries
            .iter()
            .any(|e| key(e).starts_with(prefix.as_bytes()))
    }

    /// The value of `name` in the block.
    pub(crate) fn var(&self, name: &str) -> Option<&OsStr> {
        self.entries
            .iter()
            .find(|e| key(e) == name.as_bytes())
            .map(|e| split(e).1)
    }

    /// The block with `extra` (already deduplicated, see [`entries`]) over it.
    fn with<'a>(&'a self, extra: &'a [CString]) -> Vec<&'a CStr> {
        let mut out = Vec::with_capacity(self.entries.len() + extra.len());
        // Each step, for each of wfc's variables: its name is `k` when it
        // starts with `k=` (no scan for its `=`; ~4k instructions a step).
        let keys: Vec<&[u8]> = extra.iter().map(|x| key(x)).collect();
        let named = |e: &CStr, k: &[u8]| {
            let b = e.to_bytes();
            b.get(k.len()) == Some(&b'=') && b.starts_with(k)
        };
        out.extend(
            self.entries
                .iter()
                .filter(|e| !keys.iter().any(|k| named(e, k)))
                .map(CString::as_c_str),
        );
        out.extend(extra.iter().map(CString::as_c_str));
        out
    }
}

/// An environment variable to set: (name, value).
pub(crate) type Var<'a> = (&'a OsStr, &'a OsStr);

/// `KEY=VALUE` strings for `vars`, the last of each key only.
fn entries(vars: &[Var<'_>]) -> io::Result<Vec<CString>> {
    let mut out: Vec<CString> = Vec::with_capacity(vars.len());
    for (i, &(k, v)) in vars.iter().enumerate() {
        if vars[i + 1..].iter().any(|&(later, _)| later == k) {
            continue;
        }
        let mut kv = Vec::with_capacity(k.len() + v.len() + 1);
        kv.extend_from_slice(k.as_bytes());
        kv.push(b'=');
        kv.extend_from_slice(v.as_bytes());
        let kv = CString::new(kv).map_err(|_| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "environment variable `{}` contains a NUL byte",
                    k.to_string_lossy()
                ),
            )
        })?;
        out.push(kv);
    }
    Ok(out)
}

/// The name part of `KEY=VALUE`.
fn key(entry: &CStr) -> &[u8] {
    let b = entry.to_bytes();
    b.split(|&c| c == b'=').next().unwrap_or(b)
}

/// The run's [`EnvBlock`], built on first use and again only when the
/// workflow's `env { }` differs (another run on the same executor).
#[derive(Debug, Default)]
pub(crate) struct EnvCache(Mutex<Option<(Vars, Arc<EnvBlock>)>>);

type Vars = Vec<(String, String)>;

impl EnvCache {
    pub(crate) fn get(&self, workflow_env: &[(String, String)]) -> io::Result<Arc<EnvBlock>> {
        let mut slot = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((env, block)) = slot.as_ref() {
            if env.as_slice() == workflow_env {
                return Ok(block.clone());
            }
        }
        let block = Arc::new(EnvBlock::new(workflow_env)?);
        *slot = Some((workflow_env.to_vec(), block.clone()));
        Ok(block)
    }
}

/// What to start: `program args…` with the environment and directory given.
#[derive(Clone)]
pub(crate) struct Launch<'a> {
    pub program: &'a Path,
    /// The program's `argv[0]`, when not `program` itself (a name found on
    /// `PATH`, as typed).
    pub arg0: Option<&'a str>,
    pub args: &'a [&'a str],
    /// wfc's environment and the workflow's `env { }`.
    pub base: Arc<EnvBlock>,
    /// The step's own variables, applied over `base` in order.
    pub vars: Vec<Var<'a>>,
    /// The directory to run in (default: wfc's).
    pub workdir: Option<&'a Path>,
    /// Under the per-step supervisor ([`process::supervised`]).
    pub supervised: bool,
}

/// A started process, by either way of starting it.
struct Started {
    pid: Pid,
    stdout: OwnedFd,
    stderr: OwnedFd,
    /// A pidfd the start already gave (`None`: one is opened).
    pidfd: Option<OwnedFd>,
    /// wfc's own copies of the pipes' write ends, when it kept them.
    writers: Option<[OwnedFd; 2]>,
}

/// Starts the process, on this thread.
///
/// The start blocks the thread until the child has called `exec` (vfork).
/// Handing the spawn to a blocking-pool thread while other steps ran used to
/// pay (−10 to −15% on fan-outs of 5,000, when std's spawn also
/// copied the environment); with the spawn this cheap the hop costs more
/// than it saves (fan-out of 5,000: 2.33 s inline, 2.71 s handed off;
/// layers even). A supervised step must be started here anyway: its death
/// signal is tied to the spawning thread.
pub(crate) fn start(launch: Launch<'_>) -> io::Result<StepProcess> {
    let started = if launch.supervised {
        with_std(std_command(&launch))?
    } else {
        let invalid =
            |what: &str| io::Error::new(io::ErrorKind::InvalidInput, format!("NUL byte in {what}"));
        let program = launch.program.as_os_str().as_bytes();
        let program = CString::new(program).map_err(|_| invalid("the program"))?;
        let mut args = Vec::with_capacity(launch.args.len() + 1);
        args.push(match launch.arg0 {
            Some(arg0) => CString::new(arg0).map_err(|_| invalid("the program"))?,
            None => program.clone(),
        });
        for a in launch.args {
            args.push(CString::new(*a).map_err(|_| invalid("an argument"))?);
        }
        let vars = entries(&launch.vars)?;
        let dir = launch
            .workdir
            .map(|d| CString::new(d.as_os_str().as_bytes()));
        let dir = dir.transpose().map_err(|_| invalid("the workdir"))?;
        with_vfork(&program, &args, &launch.base.with(&vars), dir.as_deref())?
    };
    let process = StepProcess::new(started);
    close_leftovers();
    process
}

/// Starts the process ([`vfork::spawn`]) with stdin on `/dev/null` and
/// stdout and stderr on new pipes.
///
/// wfc keeps its copies of the write ends until it has reaped the process
/// (see [`StepProcess::wait`]). Were they closed now, the exiting process's
/// last two `close`s would each end a pipe and wake wfc on its own, before the
/// exit itself wakes it a third time: on the development VM each wake took
/// the CPU from the exiting child and back (`perf` with the scheduler's
/// tracepoints, a chain of 1,000: 2.6 wakes a step, ~53 µs from the first to
/// the last). Kept, only the exit wakes wfc — unless descriptors run short
/// ([`room_for`]).
fn with_vfork(
    program: &CStr,
    args: &[CString],
    env: &[&CStr],
    dir: Option<&CStr>,
) -> io::Result<Started> {
    let (out_r, out_w) = pipe()?;
    let (err_r, err_w) = pipe()?;
    let args: Vec<&CStr> = args.iter().map(CString::as_c_str).collect();
    let child = vfork::spawn(program, &args, env, [dev_null()?, &out_w, &err_w], dir)?;
    Ok(Started {
        pid: Pid::from_raw(child.pid),
        stdout: out_r,
        stderr: err_r,
        pidfd: child.pidfd,
        writers: room_for(&err_w).then_some([out_w, err_w]),
    })
}

/// Whether wfc can hold two more descriptors for a running step: while
/// `newest` (the kernel hands out the lowest free number) is below a quarter
/// of the limit on open files. Hundreds of concurrent steps need them more.
fn room_for(newest: &OwnedFd) -> bool {
    static QUARTER: OnceLock<u64> = OnceLock::new();
    let quarter = QUARTER.get_or_init(|| {
        let soft = rustix::process::getrlimit(rustix::process::Resource::Nofile).current;
        soft.unwrap_or(u64::MAX) / 4
    });
    u64::try_from(newest.as_raw_fd()).is_ok_and(|fd| fd < *quarter)
}

/// std's `Command`, for a supervisor.
fn std_command(launch: &Launch<'_>) -> std::process::Command {
    let program = launch.program.as_os_str();
    let args = launch.args.iter().map(OsStr::new);
    let mut cmd = if launch.supervised {
        // The supervisor shell runs "$@": a name it finds on PATH as `sh` would.
        process::supervised(launch.arg0.map_or(program, OsStr::new), args)
    } else {
        let mut cmd = process::direct(program, args);
        if let Some(arg0) = launch.arg0 {
            cmd.arg0(arg0);
        }
        cmd
    };
    cmd.env_clear()
        .envs(launch.base.entries.iter().map(|e| split(e)))
        .envs(launch.vars.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(dir) = launch.workdir {
        cmd.current_dir(dir);
    }
    cmd
}

fn with_std(mut cmd: std::process::Command) -> io::Result<Started> {
    let mut child = cmd.spawn()?;
    let pid = Pid::from_raw(i32::try_from(child.id()).map_err(io::Error::other)?);
    let taken = (child.stdout.take(), child.stderr.take());
    let (Some(out), Some(err)) = taken else {
        return Err(io::Error::other("the child's pipes were not set up"));
    };
    // Dropping std's `Child` neither waits nor kills: [`StepProcess`] reaps it.
    Ok(Started {
        pid,
        stdout: nonblocking(out.into())?,
        stderr: nonblocking(err.into())?,
        pidfd: None,
        writers: None,
    })
}

/// `KEY=VALUE` as `(KEY, VALUE)`.
fn split(entry: &CStr) -> (&OsStr, &OsStr) {
    let b = entry.to_bytes();
    let k = key(entry);
    let v = b.get(k.len() + 1..).unwrap_or_default();
    (OsStr::from_bytes(k), OsStr::from_bytes(v))
}

/// A pipe: (read end, non-blocking for the runtime; write end, blocking for
/// the child). Both close on exec: the child gets its copies by `dup2`.
fn pipe() -> io::Result<(OwnedFd, OwnedFd)> {
    let (r, w) = rustix::pipe::pipe_with(rustix::pipe::PipeFlags::CLOEXEC)?;
    Ok((nonblocking(r)?, w))
}

fn nonblocking(fd: OwnedFd) -> io::Result<OwnedFd> {
    rustix::io::ioctl_fionbio(&fd, true)?;
    Ok(fd)
}

/// `/dev/null`, opened once (close-on-exec) for every child's stdin.
fn dev_null() -> io::Result<&'static OwnedFd> {
    static NULL: OnceLock<OwnedFd> = OnceLock::new();
    if let Some(fd) = NULL.get() {
        return Ok(fd);
    }
    let f = std::fs::File::open("/dev/null")?;
    Ok(NULL.get_or_init(|| f.into()))
}

/// A started step process: its pid (also its process group), the read ends
/// of its output pipes, and its exit status once reaped. The pipes may end
/// only after [`StepProcess::wait`] has reaped it: read them while waiting.
pub(crate) struct StepProcess {
    pid: Pid,
    exited: AsyncFd<OwnedFd>,
    pub stdout: Option<pipe::Receiver>,
    pub stderr: Option<pipe::Receiver>,
    status: Option<ExitStatus>,
    /// The pipes' write ends wfc holds while the process runs (vfork starts).
    writers: Option<[OwnedFd; 2]>,
}

impl StepProcess {
    fn new(s: Started) -> io::Result<Self> {
        let child = rustix::process::Pid::from_raw(s.pid.as_raw())
            .ok_or_else(|| io::Error::other("the child has no pid"))?;
        let pidfd = match s.pidfd {
            Some(fd) => fd,
            None => rustix::process::pidfd_open(child, rustix::process::PidfdFlags::empty())?,
        };
        let process = StepProcess {
            pid: s.pid,
            exited: watch(pidfd)?,
            stdout: Some(pipe::Receiver::from_owned_fd_unchecked(s.stdout)?),
            stderr: Some(pipe::Receiver::from_owned_fd_unchecked(s.stderr)?),
            status: None,
            writers: s.writers,
        };
        Ok(process)
    }

    pub(crate) fn id(&self) -> u32 {
        self.pid.as_raw().unsigned_abs()
    }

    /// Waits for the process to exit and reaps it, then lets go of wfc's
    /// write ends of its pipes: they reach end-of-file once whatever else
    /// holds them (what the process left running) has gone too. Cancel-safe.
    pub(crate) async fn wait(&mut self) -> io::Result<ExitStatus> {
        let status = self.reaped().await;
        self.writers = None;
        status
    }

    async fn reaped(&mut self) -> io::Result<ExitStatus> {
        loop {
            if let Some(status) = self.status {
                return Ok(status);
            }
            let mut ready = self.exited.readable().await?;
            self.status = reap(self.pid)?;
            if self.status.is_none() {
                ready.clear_ready();
            }
        }
    }
}

/// The exit status of `pid` if it has exited (and is now reaped).
fn reap(pid: Pid) -> io::Result<Option<ExitStatus>> {
    let raw = match waitpid(pid, Some(WaitPidFlag::WNOHANG))? {
        WaitStatus::Exited(_, code) => (code & 0xff) << 8,
        WaitStatus::Signaled(_, sig, core) => sig as i32 | if core { 0x80 } else { 0 },
        _ => return Ok(None),
    };
    Ok(Some(ExitStatus::from_raw(raw)))
}

/// Registers `pidfd` with the runtime: it turns readable when the process exits.
#[allow(unsafe_code)]
fn watch(pidfd: OwnedFd) -> io::Result<AsyncFd<OwnedFd>> {
    // SAFETY: `register_with_interest` needs the descriptor to stay open and
    // the same for the `AsyncFd`'s life: an `OwnedFd` moved into it is closed
    // only when the `AsyncFd` drops it, and nothing else can reach it.
    unsafe { AsyncFd::register_with_interest(pidfd, tokio::io::Interest::READABLE) }
        .map_err(io::Error::from)
}

/// A reaped step's process (its pidfd) and its pipes' read ends.
type Leftover = (StepProcess, [pipe::Receiver; 2]);

thread_local! {
    /// What [`close_later`] keeps until the next start on this thread.
    static LEFTOVERS: RefCell<Vec<Leftover>> = const { RefCell::new(Vec::new()) };
}

/// Lets go of a reaped step's process and pipes after the next start rather
/// than now. Each descriptor is taken out of the runtime's epoll set and
/// closed: six system calls (~25 µs on the development VM) that, done at
/// once, came between a step's end and the start of the steps waiting on it.
/// [`start`] closes them once it has started its process (and
/// [`close_leftovers`] at the end of a graph's run).
pub(crate) fn close_later(process: StepProcess, pipes: [pipe::Receiver; 2]) {
    LEFTOVERS.with_borrow_mut(|l| l.push((process, pipes)));
}

/// Closes what [`close_later`] kept on this thread.
pub(crate) fn close_leftovers() {
    // Taken out first: nothing is dropped while the cell is borrowed.
    drop(LEFTOVERS.with_borrow_mut(std::mem::take));
}

impl Drop for StepProcess {
    /// A process dropped before it was reaped (its task was dropped) is
    /// killed with its group and reaped if it is already gone; otherwise it
    /// stays a zombie until wfc exits.
    fn drop(&mut self) {
        if self.status.is_none() {
            process::signal_group(self.id(), Signal::SIGKILL);
            let _ = reap(self.pid);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncReadExt;

    fn vars(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn os<'a>(pairs: &[(&'a str, &'a str)]) -> Vec<Var<'a>> {
        pairs
            .iter()
            .map(|&(k, v)| (OsStr::new(k), OsStr::new(v)))
            .collect()
    }

    #[test]
    fn later_variables_win_and_replace_inherited_ones() {
        let base = EnvBlock::new(&vars(&[
            ("PATH", "/wf"),
            ("A", "1"),
            ("A", "2"),
            ("AB", "kept"),
            ("B_", "kept"),
        ]))
        .unwrap();
        let extra = entries(&os(&[("B", "x"), ("A", "3")])).unwrap();
        let env: Vec<String> = base
            .with(&extra)
            .iter()
            .map(|e| e.to_string_lossy().into_owned())
            .collect();
        assert_eq!(env.iter().filter(|e| e.starts_with("PATH=")).count(), 1);
        assert!(env.contains(&"PATH=/wf".to_owned()));
        assert_eq!(
            env.iter()
                .filter(|e| e.starts_with("A="))
                .collect::<Vec<_>>(),
            ["A=3"]
        );
        assert!(env.contains(&"B=x".to_owned()));
        // A name that starts with another's is another name.
        assert!(env.contains(&"AB=kept".to_owned()) && env.contains(&"B_=kept".to_owned()));
        // Everything else wfc has is passed on.
        let home = std::env::var("HOME").unwrap_or_default();
        assert!(env.contains(&format!("HOME={home}")) || home.is_empty());
    }

    #[test]
    fn a_nul_byte_in_a_variable_is_an_error_naming_it() {
        let e = entries(&os(&[("BAD", "a\0b")])).unwrap_err();
        assert!(e.to_string().contains("`BAD`"), "{e}");
    }

    async fn run(launch: Launch<'_>) -> (String, String, ExitStatus) {
        let mut p = start(launch).expect("starts");
        let (mut out, mut err) = (String::new(), String::new());
        let (mut so, mut se) = (p.stdout.take().unwrap(), p.stderr.take().unwrap());
        // The pipes end only once the process is reaped (wfc holds their
        // write ends until then): read them while waiting, as a step does.
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
            base: Arc::new(EnvBlock::new(&[("WFC_T_BASE".into(), "b".into())]).unwrap()),
            vars,
            workdir: None,
            supervised: false,
        }
    }

    const SCRIPT: &[&str] = &[
        "-c",
        // Leader of its own group, stdin empty, SIGPIPE not ignored (wfc
        // ignores it), both streams and the exit code seen, the environment
        // as built, the working directory.
        r#"set -- $(cat /proc/$$/stat); [ "$5" = "$$" ] && echo leader
           read x || echo stdin-empty
           m=$(awk '/^SigIgn/ {print $2}' /proc/$$/status)
           [ $(( 0x$m & 0x1000 )) -eq 0 ] && echo pipe-default
           echo "$WFC_T_BASE $WFC_T_STEP"; pwd; echo oops >&2; exit 7"#,
    ];

    #[tokio::test]
    async fn posix_spawn_and_std_start_the_same_process() {
        let step = os(&[("WFC_T_STEP", "s")]);
        let tmp = tempfile::tempdir().unwrap();
        let cwd = std::env::current_dir().unwrap();
        for (supervised, workdir) in [(false, None), (true, None), (false, Some(tmp.path()))] {
            let mut l = launch(SCRIPT, step.clone());
            l.supervised = supervised;
            l.workdir = workdir;
            let (out, err, status) = run(l).await;
            let dir = workdir.unwrap_or(&cwd).display().to_string();
            let want = format!("leader\nstdin-empty\npipe-default\nb s\n{dir}\n");
            let case = (supervised, workdir.is_some());
            if supervised {
                // The supervisor is the leader; the step is its child.
                assert!(out.ends_with(&format!("b s\n{dir}\n")), "{case:?}: {out}");
            } else {
                assert_eq!(out, want, "{case:?}");
            }
            assert_eq!(err, "oops\n", "{case:?}");
            assert_eq!(status.code(), Some(7), "{case:?}");
        }
    }

    #[tokio::test]
    async fn a_killed_process_reports_its_signal() {
        let mut p = start(launch(&["-c", "sleep 30"], Vec::new())).unwrap();
        process::signal_group(p.id(), Signal::SIGKILL);
        let status = p.wait().await.unwrap();
        assert_eq!(status.signal(), Some(9));
        // Reaped: waiting again gives the same status at once.
        assert_eq!(p.wait().await.unwrap().signal(), Some(9));
    }

    #[tokio::test]
    async fn a_missing_program_is_an_error() {
        let mut l = launch(&[], Vec::new());
        l.program = Path::new("/nonexistent/wfc-shell");
        let e = start(l).err().expect("fails");
        assert_eq!(e.kind(), io::ErrorKind::NotFound, "{e}");
    }
}

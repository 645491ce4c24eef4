//! The `shell` executor: `SHELL -c COMMAND` in its own process group, with
//! the shell's strict options first unless the step says `strict false`
//! (`bash -e -o pipefail -c …`, `sh -e -c …`: a failing command fails the
//! step, as in GitHub Actions).
//!
//! A simple command under `sh` starts its program directly, with what `sh`
//! would have given it (`super::direct`).
//!
//! The process gets wfc's environment, then the workflow's `env`, then the
//! step's `env` (later wins), then `WF_OUTPUTS`: the path of a fresh, empty
//! file where the step writes its declared outputs (`name=value` lines, see
//! [`super::output::parse_outputs`]), or `/dev/null` when it declares none
//! ([`ShellSpec::outputs_file`]). Stdin is closed. A missing `workdir` is made first.
//!
//! Stdout and stderr are streamed line by line to the sink and captured
//! (see [`super::output`]). Outputs: `stdout` and `stderr` (the captured text
//! with trailing newlines removed, as `$(…)` does), `exit_code`.
//!
//! The step fails when the exit code is not 0 (the message names the code and
//! the last line of stderr) or when the outputs file is malformed. On
//! cancellation or timeout the whole process group gets SIGTERM, then SIGKILL
//! after the grace period ([`super::ExecOptions::kill_grace`]). When the shell
//! exits by itself, processes it left running in its group are killed too, so
//! a step never leaves anything behind (and its output pipes close). See
//! [`super::process`] for how steps die with wfc.

use super::output::{parse_outputs, OutputPipe};
use super::process::signal_group;
use super::spawn::{start, Launch, StepProcess, Var};
use super::{excerpt, Executor, Outcome, Status, StepContext, Stream};
use nix::sys::signal::Signal;
use std::ffi::{OsStr, OsString};
use std::os::fd::AsFd;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio_util::sync::CancellationToken;
use wfc_language::shell_syntax::strict::strict_flags;

/// How long output pipes may stay open after the process exited (a process
/// that left the group may still hold them) before reading stops.
const DRAIN_TIMEOUT: Duration = Duration::from_millis(500);

/// An evaluated `shell` step.
#[derive(Clone, Debug, PartialEq)]
pub struct ShellSpec {
    /// The command, already rendered with [`crate::quote`].
    pub command: String,
    /// The shell: `sh`, `bash`, or a path; run as `SHELL -c COMMAND`.
    pub shell: String,
    /// Start the shell with its [`strict_flags`] (`-e`, `-o pipefail`).
    pub strict: bool,
    /// `detach true`: what the step leaves running in the background when
    /// its shell exits by itself lives on (not killed with its group, not
    /// swept by the reaper should wfc die later).
    pub detach: bool,
    /// The workflow's `env { … }`, applied first.
    pub workflow_env: Vec<(String, String)>,
    /// The step's `env { … }`, applied over the workflow's.
    pub env: Vec<(String, String)>,
    /// Where to run (default: wfc's working directory).
    pub workdir: Option<PathBuf>,
    /// Give the step a fresh `$WF_OUTPUTS` file to read back. `false` (a step
    /// that declares no outputs) points it at `/dev/null` instead: writes still
    /// work, and no file is created, read and removed for the step.
    pub outputs_file: bool,
    /// The file's `executor` and `resources` for the step, folded.
    pub placement: Option<wfc_plan::settings::Placement>,
}

impl ShellSpec {
    /// A `sh` step running `command` with no extra env.
    pub fn new(command: impl Into<String>) -> Self {
        ShellSpec {
            command: command.into(),
            shell: "sh".to_owned(),
            strict: true,
            detach: false,
            workflow_env: Vec::new(),
            env: Vec::new(),
            workdir: None,
            outputs_file: true,
            placement: None,
        }
    }
}

impl ShellSpec {
    /// The shell's arguments: its strict options, if any, then `-c COMMAND`.
    pub fn args(&self) -> Vec<&str> {
        let mut args = Vec::with_capacity(5);
        if self.strict {
            args.extend_from_slice(strict_flags(&self.shell));
        }
        args.extend(["-c", self.command.as_str()]);
        args
    }
}

pub(crate) async fn run(ex: &Executor, spec: &ShellSpec, ctx: &StepContext) -> Outcome {
    if let Some(dir) = &spec.workdir {
        if let Err(e) = crate::paths::make_workdir(dir) {
            return Outcome::failed(e);
        }
    }
    let Some(shell_path) = resolve_shell(&spec.shell) else {
        return Outcome::failed(format!(
            "shell `{}` not found on PATH: install it or choose another with `shell \"sh\"`",
            spec.shell
        ));
    };
    let outputs_file = if spec.outputs_file {
        match OutputsFile::create() {
            Ok(f) => Some(f),
            Err(e) => return Outcome::failed(format!("cannot create the outputs file: {e}")),
        }
    } else {
        None
    };
    let outputs_path = outputs_file
        .as_ref()
        .map_or_else(|| PathBuf::from("/dev/null"), |f| f.0.clone());
    let mut vars: Vec<Var> = spec
        .workflow_env
        .iter()
        .chain(&spec.env)
        .map(|(k, v)| (OsStr::new(k), OsStr::new(v)))
        .collect();
    vars.push((OsStr::new("WF_OUTPUTS"), outputs_path.as_os_str()));
    // Which attempt this is (with `WFC_RUN_ID` and `WFC_SESSION`: an
    // idempotency key for work a resumed session may do again).
    let attempt = std::ffi::OsString::from(ctx.attempt.to_string());
    vars.push((OsStr::new(crate::reaper::ATTEMPT), &attempt));
    if spec.detach {
        // The reaper sweeps for its tag's value: an empty one is never it.
        vars.push((OsStr::new(crate::reaper::TAG), OsStr::new("")));
    }
    let nul = |s: &OsStr| s.as_encoded_bytes().contains(&0);
    if let Some((k, _)) = vars.iter().find(|(k, v)| nul(k) || nul(v)) {
        return Outcome::failed(format!(
            "cannot set up the environment: environment variable `{}` contains a NUL byte",
            k.to_string_lossy()
        ));
    }
    let direct = without_shell(spec, &vars);
    let args = spec.args();
    let shell_launch = Launch {
        program: &shell_path,
        arg0: None,
        args: &args,
        vars,
        workdir: spec.workdir.as_deref(),
        supervised: ex.opts.supervise,
    };
    let started = match &direct {
        // Should the direct start fail, the shell runs the command.
        Some((program, words, pwd)) => {
            let mut vars = shell_launch.vars.clone();
            vars.push((OsStr::new("PWD"), pwd));
            start(&Launch {
                program,
                arg0: Some(words[0]),
                args: &words[1..],
                vars,
                ..shell_launch.clone()
            })
            .or_else(|_| start(&shell_launch))
        }
        None => start(&shell_launch),
    };
    let child = match started {
        Ok(c) => c,
        Err(e) => return Outcome::failed(start_error(&spec.shell, &e)),
    };
    let mut outcome = follow_as(ex, child, ctx, spec.detach).await;
    strict_hint(spec, &mut outcome);
    if let (Status::Succeeded, Some(outputs_file)) = (outcome.status, &outputs_file) {
        match outputs_file.read() {
            Ok(declared) => outcome.declared = declared,
            Err(e) => {
                outcome.status = Status::Failed;
                outcome.error = Some(e);
            }
        }
    }
    outcome
}

/// A strict shell running a list or a pipeline that failed saying nothing
/// on stderr: the failing command may be one a script used to go
/// past, so the message says how to.
fn strict_hint(spec: &ShellSpec, outcome: &mut Outcome) {
    let flags = strict_flags(&spec.shell);
    let (Some(code @ 1..=125), Some(error)) = (outcome.exit_code, outcome.error.as_mut()) else {
        return;
    };
    if spec.strict
        && !flags.is_empty()
        && *error == format!("exit code {code}")
        && spec.command.contains([';', '\n', '|'])
        // An `exit N` of its own likely made the code.
        && !spec.command.split_whitespace().any(|w| w == "exit")
    {
        let shell = spec.shell.rsplit('/').next().unwrap_or(&spec.shell);
        error.push_str(&format!(
            " (a command failed under `{shell} {}`; `strict false` lets the script go on)",
            flags.join(" ")
        ));
    }
}

/// Why `program` could not start, and what to do about it.
pub(crate) fn start_error(program: &str, e: &std::io::Error) -> String {
    let mut msg = format!("cannot start `{program}`: {e}");
    if e.raw_os_error() == Some(nix::errno::Errno::EMFILE as i32) {
        msg.push_str("; each running step holds 3 descriptors: ");
        msg.push_str("lower `--jobs` or raise `ulimit -n`");
    }
    msg
}

/// Waits for a started step process (or stops it with its group), streaming
/// and capturing its output: the outcome with `exit_code`, `stdout` and
/// `stderr`, before any outputs file is read.
pub(crate) async fn follow(ex: &Executor, child: StepProcess, ctx: &StepContext) -> Outcome {
    follow_as(ex, child, ctx, false).await
}

/// [`follow`]; `detach`: a group whose leader exited by itself is left
/// running (`detach true`); a stopped one is killed all the same.
async fn follow_as(
    ex: &Executor,
    mut child: StepProcess,
    ctx: &StepContext,
    detach: bool,
) -> Outcome {
    let leader = child.id();
    // Freed when this returns: by then the group is killed (below).
    let _group = ex.opts.groups.as_ref().and_then(|g| g.add(leader));
    let mut out_rx = child.stdout.take().expect("piped");
    let mut err_rx = child.stderr.take().expect("piped");
    let exited = CancellationToken::new();
    let cap = ex.opts.capture_cap;
    let out_pipe = OutputPipe::new(Stream::Stdout, ctx.sink.clone(), &ctx.masker, cap);
    let err_pipe = OutputPipe::new(Stream::Stderr, ctx.sink.clone(), &ctx.masker, cap);

    let waiter = async {
        let result = tokio::select! {
            done = child.exited() => Ok(done),
            stop = ctx.stopped() => Err(stop),
        };
        if result.is_err() {
            signal_group(leader, Signal::SIGTERM);
            let _ = tokio::time::timeout(ex.opts.kill_grace, child.exited()).await;
        }
        // Whatever the shell left running in its group goes with it: before
        // the leader is reaped, while its pid still names the group.
        if !(detach && result.is_ok()) {
            signal_group(leader, Signal::SIGKILL);
        }
        let status = child.wait().await;
        exited.cancel();
        result.map(|done| done.and(status))
    };
    let (result, (stdout, out_last), (stderr, err_last)) = tokio::join!(
        waiter,
        pump(&mut out_rx, out_pipe, &exited),
        pump(&mut err_rx, err_pipe, &exited),
    );
    let _ = out_last;

    let mut outcome = match result {
        Err(stop) => Outcome::stopped(stop),
        Ok(Err(e)) => Outcome::failed(format!("waiting for the step's process failed: {e}")),
        Ok(Ok(status)) => exit_outcome(status, &err_last),
    };
    outcome.usage = child.usage();
    if let Some(code) = outcome.exit_code {
        outcome.output("exit_code", code);
    }
    outcome.streams(stdout, stderr, cap);
    outcome
}

pub(crate) fn exit_outcome(status: std::process::ExitStatus, stderr_last: &str) -> Outcome {
    use std::os::unix::process::ExitStatusExt;
    match status.code() {
        Some(0) => {
            let mut o = Outcome::new(Status::Succeeded);
            o.exit_code = Some(0);
            o
        }
        Some(code) => {
            let mut msg = format!("exit code {code}");
            if code == 127 {
                msg.push_str(" (command not found)");
            }
            if !stderr_last.is_empty() {
                msg.push_str(": ");
                msg.push_str(&excerpt(stderr_last, 200));
            }
            let mut o = Outcome::failed(msg);
            o.exit_code = Some(i64::from(code));
            o
        }
        None => {
            let sig = status.signal().unwrap_or(0);
            let mut o = Outcome::failed(format!("killed by signal {sig}"));
            o.exit_code = Some(128 + i64::from(sig));
            o.class = Some(wfc_language::ir::ErrorClass::Signal);
            o
        }
    }
}

/// Reads `src` into `pipe` until EOF, or until [`DRAIN_TIMEOUT`] after `exited`.
pub(crate) async fn pump(
    src: &mut (impl AsyncRead + AsFd + Unpin),
    mut pipe: OutputPipe,
    exited: &CancellationToken,
) -> (super::Captured, String) {
    let mut buf = ReadBuf::default();
    // While the process runs, read what it writes as it comes.
    if read_until(src, &mut buf, &mut pipe, exited.cancelled()).await {
        return pipe.finish();
    }
    // Once it has exited, unless something it left running holds the pipe,
    // what is left is in the pipe, then its end. Read that now rather than
    // after the runtime's next turn reports the pipe readable (the step's
    // end waits on this).
    loop {
        match rustix::io::read(&*src, buf.get()) {
            Ok(0) => return pipe.finish(),
            Ok(n) => buf.feed(&mut pipe, n),
            Err(rustix::io::Errno::AGAIN) => break,
            Err(rustix::io::Errno::INTR) => {}
            Err(_) => return pipe.finish(),
        }
    }
    read_until(src, &mut buf, &mut pipe, tokio::time::sleep(DRAIN_TIMEOUT)).await;
    pipe.finish()
}

/// Reads `src` into `pipe` as it turns readable until its end (`true`) or
/// until `stop` completes (`false`).
async fn read_until(
    src: &mut (impl AsyncRead + Unpin),
    buf: &mut ReadBuf,
    pipe: &mut OutputPipe,
    stop: impl std::future::Future<Output = ()>,
) -> bool {
    tokio::pin!(stop);
    loop {
        tokio::select! {
            n = src.read(buf.get()) => match n {
                Ok(0) | Err(_) => return true,
                Ok(n) => buf.feed(pipe, n),
            },
            () = &mut stop => return false,
        }
    }
}

/// The buffer [`pump`] reads into. Most steps print little or nothing: read
/// into a small buffer inside the task, and take a big one from the heap only
/// for a step that fills it. (Two 16 KiB buffers per step made malloc
/// consolidate its free lists on every step: ~7% of wfc's own time on
/// trivial steps.)
struct ReadBuf {
    small: [u8; 1024],
    big: Vec<u8>,
}

impl Default for ReadBuf {
    fn default() -> Self {
        ReadBuf {
            small: [0; 1024],
            big: Vec::new(),
        }
    }
}

impl ReadBuf {
    fn get(&mut self) -> &mut [u8] {
        if self.big.is_empty() {
            &mut self.small
        } else {
            &mut self.big
        }
    }

    /// Gives `pipe` the `n` bytes just read; a read that filled the small
    /// buffer moves on to the big one.
    fn feed(&mut self, pipe: &mut OutputPipe, n: usize) {
        if self.big.is_empty() {
            pipe.feed(&self.small[..n]);
            if n == self.small.len() {
                self.big = vec![0u8; 16 * 1024];
            }
        } else {
            pipe.feed(&self.big[..n]);
        }
    }
}

/// The program, words and `PWD` to run the step's command with, when `sh`
/// would only start one program with plain words (see [`super::direct`]).
fn without_shell<'a>(
    spec: &'a ShellSpec,
    vars: &[Var<'_>],
) -> Option<(PathBuf, Vec<&'a str>, OsString)> {
    if spec.shell != "sh" {
        return None;
    }
    let var = |name: &str| {
        let set = vars.iter().rev().find(|(k, _)| *k == name);
        set.map_or_else(|| std::env::var_os(name), |(_, v)| Some(v.into()))
    };
    // The words first: most commands that are not simple fail here, cheaply.
    let words = super::direct::simple_words(&spec.command)?;
    // A bash function exported under the program's name would run instead
    // of the program where `sh` is bash.
    let bash_function = |k: &OsStr| k.as_encoded_bytes().starts_with(b"BASH_FUNC_");
    if std::env::vars_os().any(|(k, _)| bash_function(&k))
        || vars.iter().any(|(k, _)| bash_function(k))
    {
        return None;
    }
    let cwd = match &spec.workdir {
        Some(dir) => dir.clone(),
        None => std::env::current_dir().ok()?,
    };
    let program = super::direct::find_program(words[0], &var("PATH")?, &cwd)?;
    let pwd = super::direct::shell_pwd(var("PWD").as_deref(), &cwd)?;
    Some((program, words, pwd))
}

/// The shell's path: as given when it names a path, else the first match on
/// `PATH`. Found paths are remembered, so a run of many steps searches `PATH`
/// (and the spawn does not search it again) once per shell instead of once per
/// step; a shell not found is looked up again next time (it may be installed).
pub(crate) fn resolve_shell(shell: &str) -> Option<PathBuf> {
    static FOUND: Mutex<Vec<(String, PathBuf)>> = Mutex::new(Vec::new());
    if shell.contains('/') {
        return Path::new(shell).is_file().then(|| PathBuf::from(shell));
    }
    let mut found = FOUND.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((_, path)) = found.iter().find(|(name, _)| name == shell) {
        return Some(path.clone());
    }
    let path = std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(shell))
        .find(|p| p.is_file())?;
    found.push((shell.to_owned(), path.clone()));
    Some(path)
}

/// A fresh empty file for `$WF_OUTPUTS`, removed on drop.
pub(crate) struct OutputsFile(pub(crate) PathBuf);

impl OutputsFile {
    /// A new file in wfc's scratch directory (see [`super::scratch`]).
    pub(crate) fn create() -> std::io::Result<Self> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let path = super::scratch::dir()?.join(format!("outputs-{n}"));
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)?;
        Ok(OutputsFile(path))
    }

    pub(crate) fn read(&self) -> Result<std::collections::BTreeMap<String, String>, String> {
        let text = std::fs::read(&self.0)
            .map_err(|e| format!("cannot read the outputs file `{}`: {e}", self.0.display()))?;
        parse_outputs(&String::from_utf8_lossy(&text))
    }
}

impl Drop for OutputsFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

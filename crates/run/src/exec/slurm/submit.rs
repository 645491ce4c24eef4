//! Submitting one attempt of a `shell` step as a Slurm batch job.
//!
//! The job directory is `<dir>/<run>/<step>-<attempt>/` (`.2`, `.3`, … is
//! appended when it exists: instances of a `for each` share a name). The
//! job script ([`SCRIPT`]) is the same text for every step: what differs —
//! the command, the shell, the step's directory, its environment — is in
//! sbatch's environment, which the job inherits (`--export=ALL`).

use super::super::StepContext;
use super::SlurmOptions;
use crate::exec::ShellSpec;
use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use wfc_plan::settings::Placement;

/// The shell text both job scripts share to stop their command: on SIGTERM
/// to the batch shell alone (`scancel --batch`, see `poll::cancel`) it
/// kills the command's whole process group with one `kill(2)` — atomic,
/// unlike Slurm's process-by-process signals, under which a shell could
/// see `sleep` die and run `touch f` of `sleep 60; touch f` — then writes
/// `killed` and waits for Slurm's cancel (a second SIGTERM) so the job ends
/// CANCELLED. The script then starts its command as `$wfc_setsid CMD &`
/// (its own process group, where `setsid` exists) and sets `wfc_pid`.
macro_rules! stop_trap {
    () => {
        r#"wfc_pid=
wfc_waiting=
wfc_stop() {
  if [ -n "$wfc_waiting" ]; then
    kill "$wfc_waiting" 2>/dev/null
    exit 143
  fi
  if [ -n "$wfc_pid" ]; then
    kill -KILL "-$wfc_pid" 2>/dev/null || kill -KILL "$wfc_pid" 2>/dev/null
  fi
  : >"$wfc_dir/killed"
  sleep 30 &
  wfc_waiting=$!
  wait "$wfc_waiting"
  exit 143
}
trap wfc_stop TERM
wfc_setsid=
if command -v setsid >/dev/null 2>&1; then wfc_setsid=setsid; fi
"#
    };
}
pub(super) use stop_trap;

/// The job script. It runs the command (taken out of the environment
/// first, so the step does not see it) with stdin closed, in the
/// background so the stop trap runs at once, and writes its exit code to
/// `exit` through a rename, so a half-written code is never read.
pub(super) const SCRIPT: &str = concat!(
    r#"#!/bin/sh
# Written by wfc (the Slurm executor): runs one attempt of a shell step.
wfc_dir=$WFC_SLURM_STEP_DIR
wfc_shell=$WFC_SLURM_SHELL
wfc_flags=$WFC_SLURM_FLAGS
wfc_command=$WFC_SLURM_COMMAND
unset WFC_SLURM_STEP_DIR WFC_SLURM_SHELL WFC_SLURM_FLAGS WFC_SLURM_COMMAND
"#,
    stop_trap!(),
    r#"$wfc_setsid "$wfc_shell" $wfc_flags -c "$wfc_command" </dev/null &
wfc_pid=$!
wait "$wfc_pid"
wfc_code=$?
printf '%s\n' "$wfc_code" >"$wfc_dir/exit.part" && mv -f "$wfc_dir/exit.part" "$wfc_dir/exit"
exit "$wfc_code"
"#
);

/// A submitted job.
pub(super) struct Job {
    /// Slurm's job id.
    pub id: String,
    pub dir: PathBuf,
}

impl Job {
    /// The command's exit code, once the script wrote it.
    pub fn exit_code(&self) -> Option<i32> {
        let text = std::fs::read_to_string(self.dir.join("exit")).ok()?;
        text.trim().parse().ok()
    }

    /// The declared outputs the step wrote to `$WF_OUTPUTS`.
    pub fn outputs(&self) -> Result<BTreeMap<String, String>, String> {
        let path = self.dir.join("outputs");
        let text = std::fs::read(&path)
            .map_err(|e| format!("cannot read the outputs file `{}`: {e}", path.display()))?;
        crate::exec::output::parse_outputs(&String::from_utf8_lossy(&text))
    }
}

/// What differs between jobs: the fixed script of the step's kind and the
/// step's settings. Values reach the job only through sbatch's environment
/// and files `setup` writes (which must hold no value: see `container.rs`).
pub(super) struct Request<'a> {
    /// The job script ([`SCRIPT`] or the container one): fixed text.
    pub script: &'static str,
    /// The job's working directory (default: wfc's).
    pub workdir: Option<&'a Path>,
    /// The workflow's then the step's `env`, set in sbatch's environment.
    pub env: Vec<&'a (String, String)>,
    /// Give the step an `outputs` file (else `WF_OUTPUTS` is `/dev/null`).
    pub outputs_file: bool,
    pub placement: Option<&'a Placement>,
    /// The run's id and the step's name.
    pub names: (&'a str, &'a str),
}

impl<'a> Request<'a> {
    /// A `shell` step's request.
    pub fn shell(spec: &'a ShellSpec, ctx: &'a StepContext) -> Self {
        let env: Vec<_> = spec.workflow_env.iter().chain(&spec.env).collect();
        Request {
            script: SCRIPT,
            workdir: spec.workdir.as_deref(),
            names: names(&env, ctx),
            env,
            outputs_file: spec.outputs_file,
            placement: spec.placement.as_ref(),
        }
    }

    /// Where the step's job directories are, and their names' prefix (the
    /// safe step name): what a resumed attempt looks through (`adopt.rs`).
    pub fn step_dirs(&self, opts: &SlurmOptions) -> (PathBuf, String) {
        let (run, step) = self.names;
        (opts.dir.join(safe(run)), safe(step))
    }
}

/// The extra environment a job's script reads (its `WFC_SLURM_*` names).
pub(super) type ScriptEnv = Vec<(&'static str, OsString)>;

/// The script environment of a `shell` step: its shell, the shell's
/// strict options (split by the script: they hold no spaces) and command.
pub(super) fn shell_env(spec: &ShellSpec) -> ScriptEnv {
    let args = spec.args();
    let flags = args[..args.len() - 2].join(" ");
    vec![
        ("WFC_SLURM_SHELL", spec.shell.clone().into()),
        ("WFC_SLURM_FLAGS", flags.into()),
        ("WFC_SLURM_COMMAND", spec.command.clone().into()),
    ]
}

/// Writes the job's directory and script, lets `setup` add its files to
/// the directory (and name the script's environment), and runs `sbatch`.
pub(super) async fn submit(
    opts: &SlurmOptions,
    req: Request<'_>,
    ctx: &StepContext,
    setup: impl FnOnce(&Path) -> Result<ScriptEnv, String>,
) -> Result<Job, String> {
    let workdir = match req.workdir {
        Some(dir) => {
            crate::paths::make_workdir(dir)?;
            dir.to_path_buf()
        }
        None => std::env::current_dir()
            .map_err(|e| format!("cannot read wfc's working directory: {e}"))?,
    };
    let (run, step) = req.names;
    let dir = job_dir(
        &opts.dir.join(safe(run)),
        &format!("{}-{}", safe(step), ctx.attempt),
    )
    .map_err(|e| {
        format!(
            "cannot create the job directory under `{}`: {e}",
            opts.dir.display()
        )
    })?;
    let script = dir.join("job.sh");
    std::fs::write(&script, req.script)
        .map_err(|e| format!("cannot write the job script `{}`: {e}", script.display()))?;
    let outputs = if req.outputs_file {
        let path = dir.join("outputs");
        std::fs::write(&path, "")
            .map_err(|e| format!("cannot create the outputs file `{}`: {e}", path.display()))?;
        path
    } else {
        PathBuf::from("/dev/null")
    };
    let script_env = setup(&dir)?;

    let mut cmd = tokio::process::Command::new("sbatch");
    cmd.arg("--parsable")
        .arg("--kill-on-invalid-dep=yes")
        .arg("--export=ALL")
        .arg(format!("--job-name=wfc-{}-{}", safe(run), safe(step)))
        .arg("--output")
        .arg(dir.join("stdout"))
        .arg("--error")
        .arg(dir.join("stderr"))
        .arg("--chdir")
        .arg(&workdir);
    cmd.args(super::options::sbatch_options(opts, req.placement));
    cmd.arg(&script)
        .current_dir(&workdir)
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true);
    // Not the reaper's tag: Slurm stops the job's processes (`scancel`);
    // a tagged job on this node would be swept by wfc's reaper at exit.
    cmd.env_remove(crate::reaper::TAG);
    for (k, v) in req.env.iter().filter(|(k, _)| k != crate::reaper::TAG) {
        if k.contains(['\0', '=']) || v.contains('\0') {
            return Err(format!(
                "cannot set up the environment: environment variable `{k}` contains a NUL byte or `=`"
            ));
        }
        cmd.env(k, v);
    }
    cmd.env("WF_OUTPUTS", &outputs)
        .env("WFC_SLURM_STEP_DIR", &dir)
        .envs(script_env);
    let out = cmd.output().await.map_err(|e| {
        format!("cannot run `sbatch` ({e}): install Slurm's client tools or use `--executor local`")
    })?;
    if !out.status.success() {
        let why = String::from_utf8_lossy(&out.stderr);
        return Err(format!(
            "sbatch refused the job: {}",
            super::super::excerpt(&why, 300)
        ));
    }
    // `--parsable` prints `ID` or `ID;CLUSTER`.
    let text = String::from_utf8_lossy(&out.stdout);
    let id = text.trim().split(';').next().unwrap_or("").to_owned();
    if id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit() || b == b'_') {
        return Err(format!("unexpected answer from sbatch: `{}`", text.trim()));
    }
    // Recorded for a resumed run to re-attach (`adopt.rs`); without it the
    // job still runs and is followed, but a resume would submit it again.
    let _ = super::adopt::record(&dir, &id);
    Ok(Job { id, dir })
}

/// The run's id (from the step's environment, the step's own `env`
/// winning) and the step's name, as the job is named after them.
pub(super) fn names<'a>(env: &[&'a (String, String)], ctx: &'a StepContext) -> (&'a str, &'a str) {
    let run = env
        .iter()
        .rev()
        .find(|(k, _)| k == crate::reaper::RUN_ID)
        .map_or("run", |(_, v)| v.as_str());
    (run, ctx.step.as_deref().unwrap_or("step"))
}

/// `name` with anything but letters, digits, `-`, `_` and `.` as `_`: a
/// path component and a job name.
pub(super) fn safe(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    match s.as_str() {
        "" | "." | ".." => "_".to_owned(),
        _ => s,
    }
}

/// A new directory `parent/name`, or `parent/name.N` when that exists.
fn job_dir(parent: &Path, name: &str) -> std::io::Result<PathBuf> {
    std::fs::create_dir_all(parent)?;
    for n in 1u32.. {
        let path = if n == 1 {
            parent.join(name)
        } else {
            parent.join(format!("{name}.{n}"))
        };
        match std::fs::create_dir(&path) {
            Ok(()) => return Ok(path),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e),
        }
    }
    unreachable!("u32 range exhausted")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_become_safe_path_components() {
        assert_eq!(safe("build/x y"), "build_x_y");
        assert_eq!(safe(".."), "_");
        assert_eq!(safe("a-1.b_c"), "a-1.b_c");
    }

    #[test]
    fn the_script_holds_no_value() {
        assert!(!SCRIPT.contains("${"));
        let d = tempfile::tempdir().unwrap();
        let a = job_dir(d.path(), "s-1").unwrap();
        let b = job_dir(d.path(), "s-1").unwrap();
        assert_eq!(b, d.path().join("s-1.2"));
        assert_ne!(a, b);
    }
}

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
use std::path::{Path, PathBuf};

/// The job script. It runs the command (taken out of the environment
/// first, so the step does not see it) with stdin closed and writes its
/// exit code to `exit` through a rename, so a half-written code is never
/// read.
const SCRIPT: &str = r#"#!/bin/sh
# Written by wfc (the Slurm executor): runs one attempt of a shell step.
wfc_dir=$WFC_SLURM_STEP_DIR
wfc_shell=$WFC_SLURM_SHELL
wfc_command=$WFC_SLURM_COMMAND
unset WFC_SLURM_STEP_DIR WFC_SLURM_SHELL WFC_SLURM_COMMAND
"$wfc_shell" -c "$wfc_command" </dev/null
wfc_code=$?
printf '%s\n' "$wfc_code" >"$wfc_dir/exit.part" && mv -f "$wfc_dir/exit.part" "$wfc_dir/exit"
exit "$wfc_code"
"#;

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

/// Writes the job's directory and script and runs `sbatch`.
pub(super) async fn submit(
    opts: &SlurmOptions,
    spec: &ShellSpec,
    ctx: &StepContext,
) -> Result<Job, String> {
    let workdir = match &spec.workdir {
        Some(dir) if !dir.is_dir() => {
            return Err(format!(
                "workdir `{}` does not exist or is not a directory",
                dir.display()
            ))
        }
        Some(dir) => dir.clone(),
        None => std::env::current_dir()
            .map_err(|e| format!("cannot read wfc's working directory: {e}"))?,
    };
    let (run, step) = names(spec, ctx);
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
    std::fs::write(&script, SCRIPT)
        .map_err(|e| format!("cannot write the job script `{}`: {e}", script.display()))?;
    let outputs = if spec.outputs_file {
        let path = dir.join("outputs");
        std::fs::write(&path, "")
            .map_err(|e| format!("cannot create the outputs file `{}`: {e}", path.display()))?;
        path
    } else {
        PathBuf::from("/dev/null")
    };

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
    cmd.args(super::options::sbatch_options(
        opts,
        spec.placement.as_ref(),
    ));
    cmd.arg(&script)
        .current_dir(&workdir)
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true);
    // Not the reaper's tag: Slurm stops the job's processes (`scancel`);
    // a tagged job on this node would be swept by wfc's reaper at exit.
    cmd.env_remove(crate::reaper::TAG);
    let vars = spec.workflow_env.iter().chain(&spec.env);
    for (k, v) in vars.filter(|(k, _)| k != crate::reaper::TAG) {
        if k.contains(['\0', '=']) || v.contains('\0') {
            return Err(format!(
                "cannot set up the environment: environment variable `{k}` contains a NUL byte or `=`"
            ));
        }
        cmd.env(k, v);
    }
    cmd.env("WF_OUTPUTS", &outputs)
        .env("WFC_SLURM_STEP_DIR", &dir)
        .env("WFC_SLURM_SHELL", &spec.shell)
        .env("WFC_SLURM_COMMAND", &spec.command);
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

/// The run's id and the step's name, as the job is named after them.
fn names<'a>(spec: &'a ShellSpec, ctx: &'a StepContext) -> (&'a str, &'a str) {
    let run = env_value(spec, crate::reaper::RUN_ID).unwrap_or("run");
    (run, ctx.step.as_deref().unwrap_or("step"))
}

/// Where the step's job directories are, and their names' prefix (the
/// safe step name): what a resumed attempt looks through (`adopt.rs`).
pub(super) fn step_dirs(
    opts: &SlurmOptions,
    spec: &ShellSpec,
    ctx: &StepContext,
) -> (PathBuf, String) {
    let (run, step) = names(spec, ctx);
    (opts.dir.join(safe(run)), safe(step))
}

/// The value `spec`'s environment gives `name` (the step's env wins).
fn env_value<'a>(spec: &'a ShellSpec, name: &str) -> Option<&'a str> {
    spec.env
        .iter()
        .rev()
        .chain(spec.workflow_env.iter().rev())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// `name` with anything but letters, digits, `-`, `_` and `.` as `_`: a
/// path component and a job name.
fn safe(name: &str) -> String {
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

//! A `docker` step as a Slurm job: the job runs the container with the
//! node's container CLI (`$WFC_SLURM_CONTAINER_CLI`, default `docker`;
//! `podman` works too).
//!
//! The CLI's arguments are built here from the step's spec and written to
//! the job directory's `argv` file, NUL-separated, which the fixed job
//! script ([`SCRIPT`]) reads with `mapfile -d ''`: no value is ever shell
//! text. The file holds no value either: the environment goes as `-e NAME`
//! (the CLI takes the value from the job's environment, which sbatch's
//! `--export=ALL` fills), and the `run` command reaches the script through
//! the environment (`WFC_SLURM_COMMAND`), as a `shell` job's does.
//!
//! `WF_OUTPUTS` in the container is [`OUTPUTS_IN_CONTAINER`], a bind mount
//! of the job directory's `outputs` file. The container is named
//! `wfc-<run>-<job dir>` so a stopped step can also remove it
//! ([`remove`]): `scancel` ends the CLI, not necessarily the container.

use super::submit::{safe, ScriptEnv};
use crate::exec::{DockerSpec, PullPolicy};
use std::path::Path;

/// The job script of a docker step: runs `CLI ARGV… [COMMAND]` with stdin
/// closed, stops and writes the exit code as the shell job script does.
pub(super) const SCRIPT: &str = concat!(
    r#"#!/bin/bash
# Written by wfc (the Slurm executor): runs one attempt of a docker step.
wfc_dir=$WFC_SLURM_STEP_DIR
wfc_cli=$WFC_SLURM_CONTAINER_CLI
[ -n "$wfc_cli" ] || wfc_cli=docker
mapfile -d '' -t wfc_argv <"$wfc_dir/argv" || exit 125
if [ -n "$WFC_SLURM_HAS_COMMAND" ]; then
  wfc_argv+=("$WFC_SLURM_COMMAND")
fi
unset WFC_SLURM_STEP_DIR WFC_SLURM_COMMAND WFC_SLURM_HAS_COMMAND
"#,
    super::submit::stop_trap!(),
    r#"$wfc_setsid "$wfc_cli" "${wfc_argv[@]}" </dev/null &
wfc_pid=$!
wait "$wfc_pid"
wfc_code=$?
printf '%s\n' "$wfc_code" >"$wfc_dir/exit.part" && mv -f "$wfc_dir/exit.part" "$wfc_dir/exit"
exit "$wfc_code"
"#
);

/// Where the outputs file is mounted in the container.
pub(super) const OUTPUTS_IN_CONTAINER: &str = "/wfc/outputs";

/// The container CLI wfc itself uses to remove a stopped step's container.
fn cli() -> String {
    std::env::var("WFC_SLURM_CONTAINER_CLI")
        .ok()
        .filter(|c| !c.is_empty())
        .unwrap_or_else(|| "docker".to_owned())
}

/// The container's name for the job in `dir` of `run`.
pub(super) fn container_name(run: &str, dir: &Path) -> String {
    let attempt = dir.file_name().map(|n| n.to_string_lossy().into_owned());
    format!("wfc-{}-{}", safe(run), safe(&attempt.unwrap_or_default()))
}

/// The CLI's arguments for `spec` (all but the `run` command), the
/// container named `name` and the job directory's outputs file `outputs`.
pub(super) fn argv(spec: &DockerSpec, name: &str, outputs: &Path) -> Result<Vec<String>, String> {
    let mut a: Vec<String> = ["run", "--rm", "--name", name].map(String::from).into();
    let pull = match spec.pull {
        PullPolicy::Always => "always",
        PullPolicy::Missing => "missing",
        PullPolicy::Never => "never",
    };
    a.push(format!("--pull={pull}"));
    a.push(format!(
        "--network={}",
        spec.network.as_deref().unwrap_or("none")
    ));
    a.push("-v".into());
    a.push(format!("{}:{OUTPUTS_IN_CONTAINER}", outputs.display()));
    for m in &spec.mounts {
        // As the local docker executor: relative to wfc's directory.
        let source = super::super::docker::mount_source(m)?;
        let source = source.to_string_lossy();
        // `-v` separates its parts with `:`.
        if source.contains(':') || m.target.contains(':') {
            return Err(format!(
                "mount `{source}` at `{}`: a path with `:` cannot be mounted on Slurm",
                m.target
            ));
        }
        let ro = if m.read_only { ":ro" } else { "" };
        a.push("-v".into());
        a.push(format!("{source}:{}{ro}", m.target));
    }
    if let Some(w) = &spec.workdir {
        a.push(format!("--workdir={w}"));
    }
    // Names only: the CLI reads the values from the job's environment.
    let mut names: Vec<&str> = Vec::new();
    for (k, _) in spec.workflow_env.iter().chain(&spec.env) {
        if k == "WF_OUTPUTS" || k == crate::reaper::TAG || names.contains(&k.as_str()) {
            continue;
        }
        names.push(k);
    }
    for k in names {
        a.push("-e".into());
        a.push(k.to_owned());
    }
    a.push(format!("--env=WF_OUTPUTS={OUTPUTS_IN_CONTAINER}"));
    // As the local executor: `ENTRYPOINT… RUN`, else `sh -c RUN` (the
    // script appends RUN). The CLI's `--entrypoint` takes one word, so the
    // rest of a longer entrypoint leads the command.
    let rest: Vec<String> = match &spec.entrypoint {
        Some(ep) if !ep.is_empty() => {
            a.push(format!("--entrypoint={}", ep[0]));
            ep[1..].to_vec()
        }
        Some(_) => {
            a.push("--entrypoint=".into());
            Vec::new()
        }
        None if spec.run.is_some() => vec!["sh".into(), "-c".into()],
        None => Vec::new(),
    };
    a.push(spec.image.clone());
    a.extend(rest);
    if a.iter().any(|x| x.contains('\0')) {
        return Err("a docker setting contains a NUL byte".into());
    }
    Ok(a)
}

/// Writes `argv` to the job directory and names the script's environment.
pub(super) fn setup(spec: &DockerSpec, run: &str, dir: &Path) -> Result<ScriptEnv, String> {
    use std::os::unix::fs::PermissionsExt;
    let outputs = dir.join("outputs");
    // The container's user need not be the job's.
    std::fs::set_permissions(&outputs, std::fs::Permissions::from_mode(0o666)).map_err(|e| {
        format!(
            "cannot open up the outputs file `{}`: {e}",
            outputs.display()
        )
    })?;
    let args = argv(spec, &container_name(run, dir), &outputs)?;
    let mut bytes = Vec::new();
    for x in &args {
        bytes.extend_from_slice(x.as_bytes());
        bytes.push(0);
    }
    let path = dir.join("argv");
    std::fs::write(&path, bytes).map_err(|e| format!("cannot write `{}`: {e}", path.display()))?;
    Ok(match &spec.run {
        Some(run) => vec![
            ("WFC_SLURM_HAS_COMMAND", "1".into()),
            ("WFC_SLURM_COMMAND", run.clone().into()),
        ],
        None => Vec::new(),
    })
}

/// Removes the container of a stopped job (`<cli> rm -f NAME`, with wfc's
/// `$WFC_SLURM_CONTAINER_CLI`): run where wfc runs, which reaches the
/// node's engine on a one-node cluster or a shared engine.
pub(super) async fn remove(name: &str) {
    let _ = tokio::process::Command::new(cli())
        .args(["rm", "-f", name])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .status()
        .await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exec::Mount;

    #[test]
    fn the_argv_holds_names_and_never_values() {
        let d = tempfile::tempdir().unwrap();
        let mut spec = DockerSpec::new("img:1", "echo $(secret)");
        spec.env = vec![("TOKEN".into(), "s3cret; rm -rf /".into())];
        spec.workflow_env = vec![("TOKEN".into(), "w".into()), ("A".into(), "b".into())];
        spec.mounts = vec![Mount {
            source: d.path().to_path_buf(),
            target: "/data".into(),
            read_only: true,
        }];
        spec.workdir = Some("/data".into());
        let out = d.path().join("outputs");
        let a = argv(&spec, "wfc-r-s-1", &out).unwrap();
        let text = a.join(" ");
        assert!(
            !text.contains("s3cret") && !text.contains("secret"),
            "{text}"
        );
        assert!(text.contains(&format!("-v {}:/data:ro", d.path().display())));
        assert!(text.contains("-e TOKEN -e A --env=WF_OUTPUTS=/wfc/outputs"));
        assert!(text.starts_with("run --rm --name wfc-r-s-1 --pull=missing --network=none"));
        assert!(text.ends_with("img:1 sh -c"), "{text}");
    }

    #[test]
    fn a_long_entrypoint_leads_the_command() {
        let mut spec = DockerSpec::new("py", "print(1)");
        spec.entrypoint = Some(vec!["python3".into(), "-c".into()]);
        let a = argv(&spec, "n", Path::new("/o")).unwrap();
        assert_eq!(a[a.len() - 3..], ["--entrypoint=python3", "py", "-c"]);
    }

    #[test]
    fn a_missing_mount_source_is_refused() {
        let mut spec = DockerSpec::new("img", "true");
        spec.mounts = vec![Mount {
            source: "/no/such/dir".into(),
            target: "/x".into(),
            read_only: false,
        }];
        let e = argv(&spec, "n", Path::new("/o")).unwrap_err();
        assert!(e.contains("/no/such/dir"), "{e}");
    }
}

//! The `docker` executor: one container through the Docker Engine API (bollard).
//!
//! The engine is found the way the `docker` CLI finds it: `DOCKER_HOST`
//! (`unix://…`, `tcp://…`, `http://…`) or the local default socket, unless
//! [`super::ExecOptions::docker_host`] names one. A rootful
//! Podman API service works too (`scripts/start-docker-api`).
//!
//! Steps: make sure the image is there ([`PullPolicy`]), create the container,
//! start it, stream its logs, wait for it, complete its logs from the log read
//! after it exited (a followed stream can end early), remove it. The container
//! gets only the workflow's and the step's `env` (not wfc's environment), the
//! bind `mounts`, the `workdir`, and the network named by `network` (`none` by
//! default: no network; `host` to reach services on the machine). `run` is a
//! shell command: without `entrypoint` the container runs `sh -c RUN` (the
//! image's own entrypoint, if any, still runs first, as with `docker run`);
//! with `entrypoint` the container runs `ENTRYPOINT… RUN`, the command handed
//! over as one argument. Without `run`, the image's default command runs.
//!
//! Declared outputs: a host directory is mounted at `/wfc-outputs` and
//! `WF_OUTPUTS=/wfc-outputs/outputs` is set, as for `shell` steps.
//! Outputs: `stdout`, `stderr`, `exit_code`, as for `shell`.
//!
//! On cancellation or timeout the container is stopped (SIGTERM, then SIGKILL
//! after the grace period) and removed; it is removed in every other case as
//! well, and in the background if the step's future is dropped.
//!
//! The step's `resources { memory …  cpus … }` are the container's limits
//! (`limits.rs`): a container over its memory is killed, and its step fails
//! saying so. What a container used is not recorded (its attempt has no
//! CPU time or peak memory): the engine's stats are samples a second or
//! more apart, taken while the container runs, and neither Docker on
//! cgroup v2 nor Podman gives a peak. On Podman 4.3 a container that
//! allocated 100 MB for 0.4 s got no sample; one that slept 2 s first got
//! one, at its start (0.7 MB).

mod limits;
mod log;

use super::output::OutputPipe;
use super::shell::OutputsFile;
use super::{excerpt, Executor, Outcome, Status, StepContext, Stream};
use bollard::errors::Error as DockerError;
use bollard::models::{ContainerCreateBody, HostConfig};
use bollard::query_parameters::{
    CreateImageOptions, LogsOptions, RemoveContainerOptions, StopContainerOptions,
};
use bollard::Docker;
use futures::StreamExt;
use log::Seen;
use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

/// Where the outputs directory is mounted in the container.
pub const OUTPUTS_MOUNT: &str = "/wfc-outputs";

/// When to pull the image.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PullPolicy {
    /// Pull before every run.
    Always,
    /// Pull only when the image is not present locally (the default).
    #[default]
    Missing,
    /// Never pull; a missing image is an error.
    Never,
}

/// `mount SOURCE at TARGET`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mount {
    /// A host path; relative paths are taken from wfc's working directory.
    pub source: PathBuf,
    /// The path in the container.
    pub target: String,
    pub read_only: bool,
}

/// An evaluated `docker` step.
#[derive(Clone, Debug, PartialEq)]
pub struct DockerSpec {
    pub image: String,
    pub run: Option<String>,
    pub entrypoint: Option<Vec<String>>,
    pub workflow_env: Vec<(String, String)>,
    pub env: Vec<(String, String)>,
    pub mounts: Vec<Mount>,
    pub workdir: Option<String>,
    pub pull: PullPolicy,
    /// `None` means `"none"`.
    pub network: Option<String>,
    /// The file's `executor` and `resources` for the step, folded (boxed:
    /// a step spec stays small).
    pub placement: Option<Box<wfc_plan::settings::Placement>>,
}

impl DockerSpec {
    /// Runs `sh -c run` in `image`, pulling only when missing, without network.
    pub fn new(image: impl Into<String>, run: impl Into<String>) -> Self {
        DockerSpec {
            image: image.into(),
            run: Some(run.into()),
            entrypoint: None,
            workflow_env: Vec::new(),
            env: Vec::new(),
            mounts: Vec::new(),
            workdir: None,
            pull: PullPolicy::Missing,
            network: None,
            placement: None,
        }
    }
}

/// The engine's address: the option, `DOCKER_HOST`, or the default socket.
fn engine_address(ex: &Executor) -> String {
    engine_address_or(ex.opts.docker_host.clone())
}

/// The engine's address: `option`, `DOCKER_HOST`, or the default socket.
pub(crate) fn engine_address_or(option: Option<String>) -> String {
    option
        .or_else(|| std::env::var("DOCKER_HOST").ok().filter(|h| !h.is_empty()))
        .unwrap_or_else(|| "unix:///var/run/docker.sock".to_owned())
}

/// Connects once per executor (and checks the engine answers).
async fn connect(ex: &Executor) -> Result<&Docker, String> {
    ex.docker
        .get_or_try_init(|| async {
            let address = engine_address(ex);
            let unreachable = |e: &dyn std::fmt::Display| {
                format!(
                    "cannot reach the Docker engine at {address}: {e}; start Docker (or a \
                     Podman API service) or set DOCKER_HOST to its address"
                )
            };
            let docker = Docker::connect_with_host(&address)
                .map_err(|e| unreachable(&e))?
                // Waiting for a long step is one request: no client-side limit.
                .with_timeout(Duration::from_secs(60 * 60 * 24 * 365));
            match tokio::time::timeout(Duration::from_secs(10), docker.ping()).await {
                Ok(Ok(_)) => Ok(docker),
                Ok(Err(e)) => Err(unreachable(&e)),
                Err(_) => Err(unreachable(&"no answer within 10s")),
            }
        })
        .await
}

pub(crate) async fn run(ex: &Executor, spec: &DockerSpec, ctx: &StepContext) -> Outcome {
    let prepared = tokio::select! {
        r = prepare(ex, spec, ctx.attempt) => r,
        stop = ctx.stopped() => return Outcome::stopped(stop),
    };
    let (docker, body, outputs) = match prepared {
        Ok(p) => p,
        Err(e) => return Outcome::failed(e),
    };
    let id = match docker.create_container(None, body).await {
        Ok(r) => r.id,
        Err(e) => {
            return Outcome::failed(format!("cannot create the container: {}", api_error(&e)))
        }
    };
    let mut cleanup = Cleanup {
        docker: docker.clone(),
        id: Some(id.clone()),
    };
    if let Err(e) = docker.start_container(&id, None).await {
        cleanup.remove().await;
        return Outcome::failed(format!("cannot start the container: {}", api_error(&e)));
    }

    let cap = ex.opts.capture_cap;
    let mut out = OutputPipe::new(Stream::Stdout, ctx.sink.clone(), &ctx.masker, cap);
    let mut err = OutputPipe::new(Stream::Stderr, ctx.sink.clone(), &ctx.masker, cap);
    let logs_opts = LogsOptions {
        follow: true,
        stdout: true,
        stderr: true,
        ..Default::default()
    };
    let mut logs = docker.logs(&id, Some(logs_opts.clone()));
    let mut wait = docker.wait_container(&id, None);
    let mut seen = Seen::default();
    let work = async {
        let read_logs = async {
            loop {
                match logs.next().await {
                    Some(Ok(item)) => seen.feed(item, &mut out, &mut err),
                    Some(Err(e)) => break seen.engine_failed(api_error(&e)),
                    None => break seen.read_ended(),
                }
            }
        };
        tokio::pin!(read_logs);
        // Whichever ends first, the other gets a bounded time: an engine may
        // keep a followed log stream, or the wait, open after the container
        // has exited (seen with Podman), and the step must not hang on it.
        tokio::select! {
            waited = wait.next() => {
                let _ = tokio::time::timeout(LOG_DRAIN, &mut read_logs).await;
                waited
            }
            () = &mut read_logs => {
                match tokio::time::timeout(WAIT_AFTER_LOGS, wait.next()).await {
                    Ok(waited) => waited,
                    Err(_) => match exited_code(docker, &id).await {
                        Some(code) => Some(Ok(bollard::models::ContainerWaitResponse {
                            status_code: code,
                            error: None,
                        })),
                        None => wait.next().await,
                    },
                }
            }
        }
    };
    let result = tokio::select! {
        waited = work => Ok(waited),
        stop = ctx.stopped() => Err(stop),
    };
    if result.is_err() {
        let grace = i32::try_from(ex.opts.kill_grace.as_secs().max(1)).unwrap_or(10);
        let opts = StopContainerOptions {
            t: Some(grace),
            signal: None,
        };
        let _ = docker.stop_container(&id, Some(opts)).await;
    }
    if result.is_ok() {
        // A followed log stream can end before the log does (Podman's
        // k8s-file driver, containers/podman#21914); the log read once the
        // container has exited is complete, so take what was missed from it.
        let rest = docker.logs(
            &id,
            Some(LogsOptions {
                follow: false,
                ..logs_opts
            }),
        );
        seen.read_begins();
        let catch_up = async {
            let mut rest = rest;
            loop {
                match rest.next().await {
                    Some(Ok(item)) => seen.replay(item, &mut out, &mut err),
                    Some(Err(e)) => break seen.engine_failed(api_error(&e)),
                    None => break seen.read_ended(),
                }
            }
        };
        let _ = tokio::time::timeout(LOG_CATCH_UP, catch_up).await;
    }
    let lost_log = result.is_ok().then(|| seen.lost()).flatten();
    // Killed, with a memory limit, and not by wfc: ask the engine whether
    // it was for memory before the container is gone.
    let limit = spec.placement.as_ref().and_then(|p| p.memory);
    let oom = match (&result, limit) {
        (Ok(waited), Some(limit)) if exit_code(waited) == Some(limits::KILLED) => {
            Some((limit, limits::oom_killed(docker, &id).await))
        }
        _ => None,
    };
    cleanup.remove().await;
    let (stdout, _) = out.finish();
    let (stderr, err_last) = err.finish();

    let mut outcome = match result {
        Err(stop) => Outcome::stopped(stop),
        Ok(waited) => exit_outcome(waited, &err_last),
    };
    if let Some((limit, confirmed)) = oom {
        outcome.error = Some(limits::out_of_memory(limit, confirmed, &err_last));
    }
    if let Some(code) = outcome.exit_code {
        outcome.output("exit_code", code);
    }
    outcome.streams(stdout, stderr, cap);
    if let (Status::Succeeded, Some(why)) = (outcome.status, lost_log) {
        // The container succeeded, but what it printed cannot be told whole:
        // handing a cut `stdout` on as if complete would lose data silently.
        outcome.status = Status::Failed;
        outcome.error = Some(format!(
            "the engine could not deliver the container's whole log ({why}); \
             its output would be incomplete"
        ));
    }
    if outcome.status == Status::Succeeded {
        match outputs.file().read() {
            Ok(declared) => outcome.declared = declared,
            Err(e) => {
                outcome.status = Status::Failed;
                outcome.error = Some(e);
            }
        }
    }
    outcome
}

/// How long the followed log stream may stay open once the container has
/// exited; whatever it has not delivered by then is read from the complete log.
const LOG_DRAIN: Duration = Duration::from_millis(250);
/// How long reading the complete log of an exited container may take.
const LOG_CATCH_UP: Duration = Duration::from_secs(10);
/// How long to wait for the engine's wait response once the logs have ended,
/// before asking the container's state directly.
const WAIT_AFTER_LOGS: Duration = Duration::from_secs(2);

/// The exit code of a container that is no longer running, from its state.
async fn exited_code(docker: &Docker, id: &str) -> Option<i64> {
    let state = docker.inspect_container(id, None).await.ok()?.state?;
    if state.running == Some(true) {
        return None;
    }
    state.exit_code
}

/// The exit code the engine's wait gave, if it gave one.
fn exit_code(
    waited: &Option<Result<bollard::models::ContainerWaitResponse, DockerError>>,
) -> Option<i64> {
    match waited {
        Some(Ok(r)) => Some(r.status_code),
        Some(Err(DockerError::DockerContainerWaitError { code, .. })) => Some(*code),
        _ => None,
    }
}

fn exit_outcome(
    waited: Option<Result<bollard::models::ContainerWaitResponse, DockerError>>,
    stderr_last: &str,
) -> Outcome {
    let code = match waited {
        Some(Ok(r)) => r.status_code,
        Some(Err(DockerError::DockerContainerWaitError { code, .. })) => code,
        Some(Err(e)) => {
            return Outcome::failed(format!(
                "waiting for the container failed: {}",
                api_error(&e)
            ))
        }
        None => return Outcome::failed("the engine ended the wait without an exit code"),
    };
    let mut o = if code == 0 {
        Outcome::new(Status::Succeeded)
    } else {
        let mut msg = format!("exit code {code}");
        if code == 127 {
            msg.push_str(" (command not found in the image)");
        }
        if !stderr_last.is_empty() {
            msg.push_str(": ");
            msg.push_str(&excerpt(stderr_last, 200));
        }
        Outcome::failed(msg)
    };
    o.exit_code = Some(code);
    o
}

/// Connects, checks the image and mounts, and builds the container's config.
async fn prepare<'a>(
    ex: &'a Executor,
    spec: &DockerSpec,
    attempt: u32,
) -> Result<(&'a Docker, ContainerCreateBody, OutputsDir), String> {
    let docker = connect(ex).await?;
    ensure_image(docker, &spec.image, spec.pull).await?;
    let outputs =
        OutputsDir::create().map_err(|e| format!("cannot create the outputs directory: {e}"))?;
    let mut binds = vec![format!("{}:{OUTPUTS_MOUNT}", outputs.dir.display())];
    for m in &spec.mounts {
        let source = mount_source(m)?;
        let ro = if m.read_only { ":ro" } else { "" };
        binds.push(format!("{}:{}{ro}", source.display(), m.target));
    }
    let mut env: Vec<String> = spec
        .workflow_env
        .iter()
        .chain(&spec.env)
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    env.push(format!("WF_OUTPUTS={OUTPUTS_MOUNT}/outputs"));
    env.push(format!("{}={attempt}", crate::reaper::ATTEMPT));
    let mut host = HostConfig {
        binds: Some(binds),
        network_mode: Some(spec.network.clone().unwrap_or_else(|| "none".to_owned())),
        ..Default::default()
    };
    let engine_cpus = async {
        *ex.docker_cpus
            .get_or_init(|| limits::engine_cpus(docker))
            .await
    };
    limits::apply(&mut host, spec.placement.as_deref(), engine_cpus).await;
    let (entrypoint, cmd) = match (&spec.entrypoint, &spec.run) {
        (Some(ep), Some(run)) => (Some(ep.clone()), Some(vec![run.clone()])),
        (Some(ep), None) => (Some(ep.clone()), None),
        (None, Some(run)) => (None, Some(vec!["sh".into(), "-c".into(), run.clone()])),
        (None, None) => (None, None),
    };
    let body = ContainerCreateBody {
        image: Some(spec.image.clone()),
        cmd,
        entrypoint,
        env: Some(env),
        working_dir: spec.workdir.clone(),
        labels: Some(HashMap::from([("wfc.step".to_owned(), "true".to_owned())])),
        attach_stdin: Some(false),
        open_stdin: Some(false),
        tty: Some(false),
        host_config: Some(host),
        ..Default::default()
    };
    Ok((docker, body, outputs))
}

async fn ensure_image(docker: &Docker, image: &str, pull: PullPolicy) -> Result<(), String> {
    let present = match docker.inspect_image(image).await {
        Ok(_) => true,
        Err(DockerError::DockerResponseServerError {
            status_code: 404, ..
        }) => false,
        Err(e) => return Err(format!("cannot inspect image `{image}`: {}", api_error(&e))),
    };
    match (pull, present) {
        (PullPolicy::Never, false) => Err(format!(
            "image `{image}` is not present on the engine and `pull never` forbids pulling it: \
             pull or build it first, or use `pull missing`"
        )),
        (PullPolicy::Never, true) | (PullPolicy::Missing, true) => Ok(()),
        (PullPolicy::Always, _) | (PullPolicy::Missing, false) => {
            pull_image(docker, image).await.map_err(|e| {
                let why = if present {
                    "pulling"
                } else {
                    "it is not present on the engine and pulling"
                };
                format!(
                    "image `{image}`: {why} it failed: {e}; check the name and that the engine \
                     can reach the registry, or load the image locally and use `pull missing`"
                )
            })
        }
    }
}

async fn pull_image(docker: &Docker, image: &str) -> Result<(), String> {
    let (repo, tag) = split_reference(image);
    let opts = CreateImageOptions {
        from_image: Some(repo.to_owned()),
        tag: Some(tag.to_owned()),
        ..Default::default()
    };
    let mut progress = docker.create_image(Some(opts), None, None);
    while let Some(item) = progress.next().await {
        item.map_err(|e| api_error(&e))?;
    }
    Ok(())
}

/// `repo[:tag|@digest]` → (repo, tag or digest); the tag defaults to `latest`.
fn split_reference(image: &str) -> (&str, &str) {
    if let Some((repo, digest)) = image.split_once('@') {
        return (repo, digest);
    }
    let name_start = image.rfind('/').map_or(0, |i| i + 1);
    match image[name_start..].rfind(':') {
        Some(i) => (&image[..name_start + i], &image[name_start + i + 1..]),
        None => (image, "latest"),
    }
}

fn api_error(e: &DockerError) -> String {
    match e {
        DockerError::DockerResponseServerError { message, .. } => message.trim().to_owned(),
        e => super::error_chain(e),
    }
}

/// Removes the container: now ([`Cleanup::remove`]) or, if the step's future
/// is dropped first, in the background.
struct Cleanup {
    docker: Docker,
    id: Option<String>,
}

impl Cleanup {
    async fn remove(&mut self) {
        if let Some(id) = self.id.take() {
            let _ = self.docker.remove_container(&id, Some(force())).await;
        }
    }
}

fn force() -> RemoveContainerOptions {
    RemoveContainerOptions {
        force: true,
        v: true,
        ..Default::default()
    }
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        if let (Some(id), Ok(rt)) = (self.id.take(), tokio::runtime::Handle::try_current()) {
            let docker = self.docker.clone();
            rt.spawn(async move {
                let _ = docker.remove_container(&id, Some(force())).await;
            });
        }
    }
}

/// A host directory for `WF_OUTPUTS`, writable by any container user.
struct OutputsDir {
    dir: PathBuf,
    file: OutputsFile,
}

impl OutputsDir {
    fn create() -> std::io::Result<Self> {
        use std::os::unix::fs::PermissionsExt;
        let file = OutputsFile::create()?;
        let dir = file.0.with_extension("d");
        std::fs::create_dir(&dir)?;
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777))?;
        let path = dir.join("outputs");
        std::fs::write(&path, b"")?;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o666))?;
        Ok(OutputsDir {
            dir,
            file: OutputsFile(path),
        })
    }

    fn file(&self) -> &OutputsFile {
        &self.file
    }
}

impl Drop for OutputsDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.file.0);
        let _ = std::fs::remove_dir(&self.dir);
    }
}

/// A mount's source as an absolute path (relative to wfc's directory),
/// which must exist on this machine.
pub(crate) fn mount_source(m: &Mount) -> Result<std::path::PathBuf, String> {
    let source = std::path::absolute(&m.source)
        .map_err(|e| format!("mount source `{}`: {e}", m.source.display()))?;
    if !source.exists() {
        return Err(format!(
            "mount source `{}` does not exist on this machine",
            source.display()
        ));
    }
    Ok(source)
}

#[cfg(test)]
mod tests {
    use super::split_reference;

    #[test]
    fn references() {
        assert_eq!(split_reference("busybox"), ("busybox", "latest"));
        assert_eq!(split_reference("rust:1.83"), ("rust", "1.83"));
        assert_eq!(
            split_reference("localhost:5000/a/b"),
            ("localhost:5000/a/b", "latest")
        );
        assert_eq!(
            split_reference("localhost:5000/a/b:v2"),
            ("localhost:5000/a/b", "v2")
        );
        assert_eq!(split_reference("x@sha256:abc"), ("x", "sha256:abc"));
    }
}

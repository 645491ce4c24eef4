//! The Slurm executor (`wfc run --executor slurm`): `shell`, `python`,
//! `node` and `docker` steps become Slurm batch jobs (a docker job runs the
//! container with the node's container CLI, `container.rs`; a script job
//! runs its interpreter, `script.rs`); every other kind runs on the local
//! [`Executor`].
//!
//! wfc keeps the DAG, `--jobs`, retries (a retry submits a new job),
//! timeouts and `wait any`: each attempt is one job, submitted when the
//! scheduler starts the attempt and cancelled (`scancel`) when it is
//! stopped. One attempt's files live in a job directory
//! (`<dir>/<run>/<step>-<attempt>/`, see `submit.rs`): the job script, the
//! job's `stdout` / `stderr` (Slurm's `--output` / `--error`), `outputs`
//! (`$WF_OUTPUTS`) and `exit` (the command's exit code, written last).
//!
//! Values never become code: the script is the same text for every step;
//! the command, shell and environment reach the job through sbatch's own
//! environment (`--export=ALL`), so secret values are in no file wfc writes.
//! While the job runs its output files are tailed (`poll.rs`) to the live
//! lines, masked as for local steps.
//!
//! A job's end is seen from its `exit` file (a stat every
//! 25 ms; the script renames it into place after the
//! command ended, so it is whole when seen) rather than only from `squeue`
//! every 250 ms: the next step of a chain is submitted ~100 ms
//! sooner. Measured with `benches/slurm.sh 100` (docs/slurm.md,
//! "Overhead"): the 100-step chain went from 13 % slower than raw
//! `sbatch --dependency=afterok` chaining (989 vs 874 ms/step) to level
//! with it (941 vs 952 ms/step).

mod adopt;
mod container;
mod options;
mod poll;
mod script;
mod submit;

pub use options::sbatch_options;

use super::output::OutputPipe;
use super::{Executor, Outcome, Status, StepContext, StepSpec, Stream};
use futures::future::BoxFuture;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How often the job's state (`squeue`) and output files are read.
const POLL_EVERY: Duration = Duration::from_millis(250);
/// How often the job directory is looked at for the `exit` file: a stat,
/// cheap next to an `squeue` (a process and a controller round trip).
const EXIT_CHECK_EVERY: Duration = Duration::from_millis(25);
/// How long a stopped job may take to leave the queue after `scancel`.
const CANCEL_WAIT: Duration = Duration::from_secs(10);

/// Where and how jobs are submitted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SlurmOptions {
    /// The job directories' root: visible at the same path on every node
    /// (`$WFC_SLURM_DIR`, else `<state-dir>/slurm`).
    pub dir: PathBuf,
    /// `sbatch --partition`.
    pub partition: Option<String>,
    /// `sbatch --account`.
    pub account: Option<String>,
    /// `--executor slurm`: `shell` steps whose file names no executor run
    /// as jobs. Without it only steps with `executor slurm` do.
    pub by_default: bool,
}

/// Runs `shell` steps as Slurm jobs and everything else on `local`.
pub struct SlurmExecutor {
    local: Arc<Executor>,
    opts: SlurmOptions,
}

impl SlurmExecutor {
    pub fn new(local: Arc<Executor>, opts: SlurmOptions) -> Self {
        SlurmExecutor { local, opts }
    }

    async fn run_shell(&self, spec: &super::ShellSpec, ctx: &StepContext) -> Outcome {
        let req = submit::Request::shell(spec, ctx);
        self.run_job(req, ctx, None, |_| Ok(submit::shell_env(spec)))
            .await
    }

    async fn run_docker(&self, spec: &super::DockerSpec, ctx: &StepContext) -> Outcome {
        let env: Vec<_> = spec.workflow_env.iter().chain(&spec.env).collect();
        let names = submit::names(&env, ctx);
        let req = submit::Request {
            script: container::SCRIPT,
            workdir: None,
            env,
            outputs_file: true,
            placement: spec.placement.as_deref(),
            names,
        };
        let run = names.0;
        self.run_job(req, ctx, Some(run), |dir| container::setup(spec, run, dir))
            .await
    }

    /// Follows the step's unread job (resume) or submits one. `container`:
    /// the run's id when the job runs a container (removed on a stop).
    async fn run_job(
        &self,
        req: submit::Request<'_>,
        ctx: &StepContext,
        container: Option<&str>,
        setup: impl FnOnce(&std::path::Path) -> Result<submit::ScriptEnv, String>,
    ) -> Outcome {
        let start = Instant::now();
        let outputs = req.outputs_file;
        // A job an interrupted session submitted and no wfc has read is
        // followed rather than submitted again (`wfc resume`).
        let (run_dir, step) = req.step_dirs(&self.opts);
        let job = match adopt::unread_job(&run_dir, &step).await {
            Some(job) => Ok(job),
            None => submit::submit(&self.opts, req, ctx, setup).await,
        };
        let mut outcome = match job {
            Ok(job) => {
                let name = container.map(|run| container::container_name(run, &job.dir));
                self.follow(&job, outputs, name.as_deref(), ctx).await
            }
            Err(why) => Outcome::failed(why),
        };
        outcome.elapsed = start.elapsed();
        if let Some(e) = &outcome.error {
            outcome.error = Some(ctx.masker.mask(e));
        }
        outcome
    }

    /// Waits for `job` to end (or stops it), tailing its output.
    async fn follow(
        &self,
        job: &submit::Job,
        outputs: bool,
        container: Option<&str>,
        ctx: &StepContext,
    ) -> Outcome {
        let cap = self.local.opts.capture_cap;
        let mut out = poll::Tail::new(job.dir.join("stdout"));
        let mut err = poll::Tail::new(job.dir.join("stderr"));
        let mut out_pipe = OutputPipe::new(Stream::Stdout, ctx.sink.clone(), &ctx.masker, cap);
        let mut err_pipe = OutputPipe::new(Stream::Stderr, ctx.sink.clone(), &ctx.masker, cap);
        let stopped = ctx.stopped();
        tokio::pin!(stopped);
        let exit_file = job.dir.join("exit");
        let mut next_state = Instant::now() + POLL_EVERY;
        let ended = loop {
            tokio::select! {
                stop = &mut stopped => {
                    poll::cancel(&job.id, &job.dir, CANCEL_WAIT).await;
                    // The CLI is gone; its container may not be.
                    if let Some(name) = container {
                        container::remove(name).await;
                    }
                    break Err(stop);
                }
                _ = tokio::time::sleep(EXIT_CHECK_EVERY) => {}
            }
            // The command and everything it wrote are done once `exit` is
            // there; Slurm's own bookkeeping of the job may still be going.
            if exit_file.exists() {
                break Ok(None);
            }
            if Instant::now() < next_state {
                continue;
            }
            next_state = Instant::now() + POLL_EVERY;
            out.read_into(&mut out_pipe);
            err.read_into(&mut err_pipe);
            match poll::state(&job.id).await {
                poll::JobState::Active => {}
                poll::JobState::Ended(state) => break Ok(state),
            }
        };
        // The batch step's output files are the command's own stdout and
        // stderr (no pipe through Slurm): what is left of them is there
        // once the command ended.
        out.read_into(&mut out_pipe);
        err.read_into(&mut err_pipe);
        let (stdout, _) = out_pipe.finish();
        let (stderr, err_last) = err_pipe.finish();
        let mut outcome = match ended {
            Err(stop) => Outcome::stopped(stop),
            Ok(state) => match job.exit_code() {
                Some(code) => {
                    use std::os::unix::process::ExitStatusExt;
                    let status = std::process::ExitStatus::from_raw((code & 0xff) << 8);
                    super::shell::exit_outcome(status, &err_last)
                }
                // The job never ran the command to its end: never a success.
                None => Outcome::failed(format!(
                    "Slurm job {} ended {} without the step's exit code{}",
                    job.id,
                    state.as_deref().unwrap_or("(state unknown)"),
                    if err_last.is_empty() {
                        String::new()
                    } else {
                        format!(": {err_last}")
                    }
                )),
            },
        };
        if let Some(code) = outcome.exit_code {
            outcome.output("exit_code", code);
        }
        outcome.output("slurm_job_id", job.id.clone());
        outcome.streams(stdout, stderr, cap);
        if outcome.status == Status::Succeeded && outputs {
            match job.outputs() {
                Ok(declared) => outcome.declared = declared,
                Err(e) => {
                    outcome.status = Status::Failed;
                    outcome.error = Some(e);
                }
            }
        }
        // A script step's `$WF_RESULT` (`script.rs`).
        let result = job.dir.join("result");
        if outcome.status == Status::Succeeded && result.exists() {
            if let Err(e) = super::script::read_result(&result, &mut outcome) {
                outcome = super::script::fail(outcome, e);
            }
        }
        // Read: a later session must not adopt the job (marked before the
        // files go, so a resume never adopts a job without its outputs).
        adopt::mark_read(&job.dir);
        // Slurm wrote the step's streams and outputs unmasked: what wfc
        // keeps of them is the masked log and outcome above.
        for raw in ["stdout", "stderr", "outputs", "argv", "result"] {
            let _ = std::fs::remove_file(job.dir.join(raw));
        }
        outcome
    }
}

impl SlurmExecutor {
    /// Whether a step placed as `p` runs as a job: its file's `executor`,
    /// else `--executor`.
    fn as_job(&self, p: Option<&wfc_plan::settings::Placement>) -> bool {
        match p.and_then(|p| p.executor) {
            Some(x) => x == wfc_language::ir::ExecutorKind::Slurm,
            None => self.opts.by_default,
        }
    }
}

impl super::Execute for SlurmExecutor {
    fn execute<'a>(&'a self, spec: &'a StepSpec, ctx: &'a StepContext) -> BoxFuture<'a, Outcome> {
        match spec {
            StepSpec::Shell(s) if self.as_job(s.placement.as_ref()) => {
                Box::pin(self.run_shell(s, ctx))
            }
            StepSpec::Script(s) if self.as_job(s.placement.as_ref()) => {
                Box::pin(self.run_script(s, ctx))
            }
            StepSpec::Docker(d) if self.as_job(d.placement.as_deref()) => {
                Box::pin(self.run_docker(d, ctx))
            }
            other => Box::pin(self.local.run(other, ctx)),
        }
    }
}

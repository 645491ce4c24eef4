//! Step executors: run one already-evaluated step and report its [`Outcome`].
//!
//! The scheduler evaluates a step's fields to plain values (a [`StepSpec`]),
//! then hands it to an [`Execute`] implementation together with a
//! [`StepContext`]: a cancellation token, an optional timeout, a [`LineSink`]
//! for live output lines and the run's [`Masker`]. [`Executor`] is the real
//! implementation; the trait exists so the scheduler can be tested with a fake.
//!
//! Kinds: [`shell`] (a process group under `SHELL -c`), [`docker`] (a container
//! through the Docker Engine API), [`http`] (one request, with `expect`),
//! [`script`] (`python` and `node`: an interpreter on a script file, as a
//! shell step runs), [`notify`] (slack and webhook), [`email`] (SMTP),
//! [`sql`] (bound statements against SQLite); a `sleep` step waits
//! (until cancelled or timed out). `gate` steps need no executor: the
//! scheduler decides them.
//!
//! Conventions every executor follows:
//! - It never panics on bad input and never returns early on error: every
//!   failure is an [`Outcome`] with [`Status::Failed`] and a one-line message
//!   saying what failed and, where it helps, what to do.
//! - Cancellation and timeout stop the work (killing processes, stopping
//!   containers, dropping requests) and give [`Status::Cancelled`] /
//!   [`Status::TimedOut`]. The timeout counts from the call.
//! - Live lines and the error message are masked with the context's masker.
//!   Captured `stdout` / `stderr` and the outputs are *not* masked: they are
//!   data that later steps read. Mask them (with [`Masker::mask`]) wherever
//!   they are written — the store, reports, the terminal.
//! - Captured output keeps the last [`ExecOptions::capture_cap`] bytes
//!   (1 MiB by default) of each stream; [`Captured::dropped`] counts the rest.

mod direct;
pub use direct::SHELL_WORDS;
pub mod docker;
pub mod email;
pub mod http;
pub mod notify;
pub mod output;
pub mod probe;
pub mod process;
pub mod scratch;
pub mod script;
pub mod shell;
pub mod slurm;
mod spawn;
pub mod sql;

use crate::mask::Masker;
use futures::future::BoxFuture;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

pub use docker::{DockerSpec, Mount, PullPolicy};
pub use email::EmailSpec;
pub use http::{Body, HttpSpec};
pub use notify::{SlackSpec, WebhookSpec};
pub use script::ScriptSpec;
pub use shell::ShellSpec;
pub use sql::{SqlQuery, SqlSpec};

/// Default cap on each captured stream: 1 MiB (the tail is kept).
pub const DEFAULT_CAPTURE_CAP: usize = 1024 * 1024;
/// Default time between SIGTERM and SIGKILL when a step is stopped.
pub const DEFAULT_KILL_GRACE: Duration = Duration::from_secs(2);
/// Default cap on an HTTP response body kept for outputs (the head is kept).
pub const DEFAULT_BODY_CAP: usize = 8 * 1024 * 1024;

/// An evaluated step, ready to run.
#[derive(Clone, Debug, PartialEq)]
pub enum StepSpec {
    Shell(ShellSpec),
    Docker(DockerSpec),
    /// A `python` or `node` step (boxed: the largest spec by far).
    Script(Box<ScriptSpec>),
    Http(HttpSpec),
    Slack(SlackSpec),
    Webhook(WebhookSpec),
    Email(EmailSpec),
    Sql(SqlSpec),
    /// Waits this long (a `sleep` step).
    Sleep(Duration),
}

impl StepSpec {
    /// The kind's name as written in `.wf` files.
    pub fn kind(&self) -> &'static str {
        match self {
            StepSpec::Shell(_) => "shell",
            StepSpec::Docker(_) => "docker",
            StepSpec::Script(s) => script::kind_name(s.lang),
            StepSpec::Http(_) => "http",
            StepSpec::Slack(_) => "slack",
            StepSpec::Webhook(_) => "webhook",
            StepSpec::Email(_) => "email",
            StepSpec::Sql(_) => "sql",
            StepSpec::Sleep(_) => "sleep",
        }
    }
}

use wfc_contract::{Line, LineSink, Stream};

/// A sink that sends every line to a channel (lines sent after the receiver
/// is gone are dropped).
pub fn channel_sink(tx: tokio::sync::mpsc::UnboundedSender<Line>) -> LineSink {
    Arc::new(move |stream, text: &str| {
        let _ = tx.send(Line {
            stream,
            text: text.to_owned(),
        });
    })
}

/// What one execution gets besides its spec.
#[derive(Clone)]
pub struct StepContext {
    /// Cancelling it stops the step ([`Status::Cancelled`]).
    pub cancel: CancellationToken,
    /// Stops the step after this long ([`Status::TimedOut`]).
    pub timeout: Option<Duration>,
    pub sink: Option<LineSink>,
    pub masker: Masker,
    /// The step's name, for executors that name their work after it (Slurm
    /// jobs); `None` outside a run.
    pub step: Option<String>,
    /// Which attempt of the step this is (1 for the first).
    pub attempt: u32,
}

impl StepContext {
    /// A context with this token, no timeout, no sink and nothing to mask.
    pub fn new(cancel: CancellationToken) -> Self {
        StepContext {
            cancel,
            timeout: None,
            sink: None,
            masker: Masker::default(),
            step: None,
            attempt: 1,
        }
    }

    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    pub fn with_sink(mut self, sink: LineSink) -> Self {
        self.sink = Some(sink);
        self
    }

    pub fn with_masker(mut self, masker: Masker) -> Self {
        self.masker = masker;
        self
    }

    /// Resolves when the step must stop, saying why.
    pub(crate) async fn stopped(&self) -> Stop {
        let timeout = async {
            match self.timeout {
                Some(t) => tokio::time::sleep(t).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            _ = self.cancel.cancelled() => Stop::Cancelled,
            _ = timeout => Stop::TimedOut(self.timeout.unwrap_or_default()),
        }
    }
}

/// Why a step was stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Stop {
    Cancelled,
    TimedOut(Duration),
}

/// How an execution ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Succeeded,
    Failed,
    TimedOut,
    Cancelled,
}

/// The captured text of one stream.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Captured {
    /// The last bytes of the stream (at most the capture cap), as UTF-8 (lossy).
    pub text: String,
    /// How many bytes were dropped from the start to respect the cap.
    pub dropped: u64,
}

/// The result of one execution.
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    pub status: Status,
    /// Why it did not succeed, one line, masked. `None` on success.
    pub error: Option<String>,
    /// The process or container exit code (shell, docker).
    pub exit_code: Option<i64>,
    /// The kind's outputs by name (`stdout`, `exit_code`, `status`, `json`,
    /// `delivered`, …), typed as JSON. Present even on failure where known
    /// (an HTTP status that did not match `expect`, a non-zero exit code).
    pub outputs: serde_json::Map<String, serde_json::Value>,
    /// Declared outputs written to `$WF_OUTPUTS`, as raw strings (the caller
    /// converts them to the declared types).
    pub declared: BTreeMap<String, String>,
    pub stdout: Captured,
    pub stderr: Captured,
    pub elapsed: Duration,
    /// The CPU time and peak memory of the step's process (and the
    /// descendants it waited for) or container, where known.
    pub usage: Option<wfc_contract::Usage>,
    /// What made it fail, where the executor knows better than its status
    /// and exit code tell (a signal, no HTTP answer): `error is CLASS`.
    pub class: Option<wfc_language::ir::ErrorClass>,
}

impl Outcome {
    pub fn is_success(&self) -> bool {
        self.status == Status::Succeeded
    }

    pub(crate) fn new(status: Status) -> Self {
        Outcome {
            status,
            error: None,
            exit_code: None,
            outputs: serde_json::Map::new(),
            declared: BTreeMap::new(),
            stdout: Captured::default(),
            stderr: Captured::default(),
            elapsed: Duration::ZERO,
            usage: None,
            class: None,
        }
    }

    /// A failure with this message.
    pub(crate) fn failed(message: impl Into<String>) -> Self {
        let mut o = Outcome::new(Status::Failed);
        o.error = Some(message.into());
        o
    }

    pub(crate) fn stopped(stop: Stop) -> Self {
        let (status, message) = match stop {
            Stop::Cancelled => (Status::Cancelled, "cancelled".to_owned()),
            Stop::TimedOut(t) => (Status::TimedOut, format!("timed out after {}", human(t))),
        };
        let mut o = Outcome::new(status);
        o.error = Some(message);
        o
    }

    pub(crate) fn output(&mut self, name: &str, value: impl Into<serde_json::Value>) {
        self.outputs.insert(name.to_owned(), value.into());
    }

    /// Takes the captured streams as the `stdout` and `stderr` outputs. A
    /// stream cut to its last `cap` bytes is named under the `truncated`
    /// output (`{"stdout": {"kept_bytes": …, "dropped_bytes": …}}`), which
    /// the step's record shows and `json()` of the stream refuses with.
    pub(crate) fn streams(&mut self, stdout: Captured, stderr: Captured, cap: usize) {
        self.output("stdout", stdout.text.trim_end_matches('\n'));
        self.output("stderr", stderr.text.trim_end_matches('\n'));
        let mut cut = serde_json::Map::new();
        for (name, c) in [("stdout", &stdout), ("stderr", &stderr)] {
            if c.dropped > 0 {
                let sizes = serde_json::json!({ "kept_bytes": cap, "dropped_bytes": c.dropped });
                cut.insert(name.to_owned(), sizes);
            }
        }
        if !cut.is_empty() {
            self.output(TRUNCATED, cut);
        }
        self.stdout = stdout;
        self.stderr = stderr;
    }
}

/// The output naming the streams cut to their capture cap (see
/// `Outcome::streams`); not a declared output: nothing reads it by name.
pub const TRUNCATED: &str = "truncated";

/// `1 MiB`, `64 KiB`, `1000 bytes`: a byte count for messages.
pub fn bytes(n: u64) -> String {
    const KIB: u64 = 1024;
    match n {
        n if n >= KIB * KIB && n % (KIB * KIB) == 0 => format!("{} MiB", n / (KIB * KIB)),
        n if n >= KIB * KIB => format!("{:.1} MiB", n as f64 / (KIB * KIB) as f64),
        n if n >= KIB && n % KIB == 0 => format!("{} KiB", n / KIB),
        n if n >= KIB => format!("{:.1} KiB", n as f64 / KIB as f64),
        n => format!("{n} bytes"),
    }
}

/// What the `truncated` output of a step says, in words: `stdout: only
/// the last 1 MiB kept (3.2 MiB dropped)`; `None` when nothing was cut.
pub fn truncation_note(outputs: &serde_json::Value) -> Option<String> {
    let cut = outputs.get(TRUNCATED)?.as_object()?;
    let notes: Vec<String> = cut
        .iter()
        .map(|(stream, sizes)| {
            let n = |k: &str| {
                sizes
                    .get(k)
                    .and_then(serde_json::Value::as_u64)
                    .unwrap_or(0)
            };
            format!(
                "{stream} truncated: only its last {} kept ({} dropped)",
                bytes(n("kept_bytes")),
                bytes(n("dropped_bytes"))
            )
        })
        .collect();
    (!notes.is_empty()).then(|| notes.join("; "))
}

/// `1.5s`, `2m`, `3d`, `1h30m`, `250ms`: a duration for messages, in the
/// source's form where it is whole seconds (`72h` is `3d`, not `4320m`).
pub(crate) fn human(d: Duration) -> String {
    let ms = d.as_millis();
    if ms < 1000 || ms.is_multiple_of(1000) {
        wfc_language::syntax::duration::format(ms as u64)
    } else {
        format!("{:.1}s", d.as_secs_f64())
    }
}

#[cfg(test)]
mod human_tests {
    use super::human;
    use std::time::Duration;

    #[test]
    fn durations_read_as_written() {
        for (ms, text) in [
            (250, "250ms"),
            (1500, "1.5s"),
            (40_000, "40s"),
            (120_000, "2m"),
            (5_400_000, "1h30m"),
            (259_200_000, "3d"),
        ] {
            assert_eq!(human(Duration::from_millis(ms)), text, "{ms}");
        }
    }
}

/// Tunables of the real executor.
#[derive(Clone, Debug)]
pub struct ExecOptions {
    /// Bytes kept of each captured stream (the tail).
    pub capture_cap: usize,
    /// SIGTERM → SIGKILL grace for processes; stop timeout for containers.
    pub kill_grace: Duration,
    /// Bytes kept of an HTTP response body (the head).
    pub body_cap: usize,
    /// The Docker engine's address (`unix:///…`, `tcp://…`); `None` means
    /// `DOCKER_HOST`, else the local default socket.
    pub docker_host: Option<String>,
    /// Start `shell` steps under the per-step supervisor that makes them die
    /// with wfc (the default, see [`process`]). `false` spawns `SHELL -c RUN`
    /// directly — one process, started with `posix_spawn` — and leaves the
    /// cleanup after a killed wfc to the caller (`wfc run` has a reaper:
    /// `crate::reaper`).
    pub supervise: bool,
    /// Where shell steps record their process groups for the run's reaper
    /// (`crate::reaper::Groups`), so a killed wfc's steps stop at once.
    pub groups: Option<std::sync::Arc<crate::reaper::Groups>>,
    /// Run `shell` steps as Slurm jobs ([`slurm`]); `None`: locally.
    pub slurm: Option<slurm::SlurmOptions>,
}

impl Default for ExecOptions {
    fn default() -> Self {
        ExecOptions {
            capture_cap: DEFAULT_CAPTURE_CAP,
            kill_grace: DEFAULT_KILL_GRACE,
            body_cap: DEFAULT_BODY_CAP,
            docker_host: None,
            supervise: true,
            groups: None,
            slurm: None,
        }
    }
}

/// Runs one step.
pub trait Execute: Send + Sync {
    fn execute<'a>(&'a self, spec: &'a StepSpec, ctx: &'a StepContext) -> BoxFuture<'a, Outcome>;
}

/// The real executor: processes, containers, HTTP, SMTP. Create one per run
/// and share it (it holds the HTTP client and the Docker connection).
pub struct Executor {
    pub(crate) opts: ExecOptions,
    /// Built at the first `http` step: building it loads the system's CA
    /// certificates (native-tls), ~40 ms of CPU that every run paid before
    /// its first step, `http` steps or not.
    http: std::sync::OnceLock<reqwest::Client>,
    pub(crate) docker: tokio::sync::OnceCell<bollard::Docker>,
    /// The engine's CPU count, asked at the first `docker` step with `cpus`.
    pub(crate) docker_cpus: tokio::sync::OnceCell<Option<u32>>,
    /// The run's idle PostgreSQL connections, for `sql` steps.
    pub(crate) postgres: sql::Pool,
}

impl Default for Executor {
    fn default() -> Self {
        Self::new(ExecOptions::default())
    }
}

impl Executor {
    pub fn new(opts: ExecOptions) -> Self {
        Executor {
            opts,
            http: std::sync::OnceLock::new(),
            docker: tokio::sync::OnceCell::new(),
            docker_cpus: tokio::sync::OnceCell::new(),
            postgres: sql::Pool::default(),
        }
    }

    /// The run's HTTP client, shared by its `http` steps.
    pub(crate) fn http(&self) -> &reqwest::Client {
        self.http.get_or_init(|| {
            reqwest::Client::builder()
                .user_agent(concat!("wfc/", env!("CARGO_PKG_VERSION")))
                .build()
                .unwrap_or_default()
        })
    }

    pub fn options(&self) -> &ExecOptions {
        &self.opts
    }

    /// Runs `spec`; see the module docs for the conventions.
    pub async fn run(&self, spec: &StepSpec, ctx: &StepContext) -> Outcome {
        let start = Instant::now();
        let mut outcome = match spec {
            StepSpec::Shell(ShellSpec { placement, .. }) if asks_for_slurm(placement.as_ref()) => {
                refuse_slurm()
            }
            StepSpec::Docker(DockerSpec { placement, .. })
                if asks_for_slurm(placement.as_deref()) =>
            {
                refuse_slurm()
            }
            StepSpec::Script(s) if asks_for_slurm(s.placement.as_ref()) => refuse_slurm(),
            StepSpec::Shell(s) => shell::run(self, s, ctx).await,
            StepSpec::Docker(s) => docker::run(self, s, ctx).await,
            StepSpec::Script(s) => script::run(self, s, ctx).await,
            StepSpec::Http(s) => stoppable(ctx, http::run(self, s)).await,
            StepSpec::Slack(s) => stoppable(ctx, notify::slack(self, s)).await,
            StepSpec::Webhook(s) => stoppable(ctx, notify::webhook(self, s)).await,
            StepSpec::Email(s) => stoppable(ctx, email::run(s)).await,
            StepSpec::Sql(s) => sql::run(&self.postgres, s, ctx).await,
            StepSpec::Sleep(d) => {
                let wait = async {
                    tokio::time::sleep(*d).await;
                    Outcome::new(Status::Succeeded)
                };
                stoppable(ctx, wait).await
            }
        };
        outcome.elapsed = start.elapsed();
        if let Some(e) = &outcome.error {
            outcome.error = Some(ctx.masker.mask(e));
        }
        outcome
    }
}

impl Execute for Executor {
    fn execute<'a>(&'a self, spec: &'a StepSpec, ctx: &'a StepContext) -> BoxFuture<'a, Outcome> {
        Box::pin(self.run(spec, ctx))
    }
}

/// Runs `work` unless the context stops it first (dropping the work).
async fn stoppable(ctx: &StepContext, work: impl std::future::Future<Output = Outcome>) -> Outcome {
    tokio::select! {
        o = work => o,
        stop = ctx.stopped() => Outcome::stopped(stop),
    }
}

/// `err` and its sources, joined with `: ` (reqwest and hyper nest the cause).
pub(crate) fn error_chain(err: &dyn std::error::Error) -> String {
    let mut s = err.to_string();
    let mut cur = err.source();
    while let Some(e) = cur {
        let m = e.to_string();
        if !s.contains(&m) {
            s.push_str(": ");
            s.push_str(&m);
        }
        cur = e.source();
    }
    s
}

/// The first `n` characters of `s`, with `…` when cut.
pub(crate) fn excerpt(s: &str, n: usize) -> String {
    let s = s.trim();
    match s.char_indices().nth(n) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_owned(),
    }
}

/// The outcome of a step the file sends to Slurm, on this machine.
fn refuse_slurm() -> Outcome {
    Outcome::failed(
        "the step asks for `executor slurm`, and this command runs steps only on this machine",
    )
}

/// Whether the file sends `s` to Slurm: the local executor then refuses it
/// rather than run it somewhere it was not meant to run.
fn asks_for_slurm(placement: Option<&wfc_plan::settings::Placement>) -> bool {
    let slurm = wfc_language::ir::ExecutorKind::Slurm;
    placement.and_then(|p| p.executor) == Some(slurm)
}

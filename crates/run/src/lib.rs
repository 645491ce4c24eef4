//! The interpreter: runs a compiled [`wfc_plan::Plan`].
//!
//! The execution layer:
//! - [`quote`] renders `run` commands with injection-safe `${…}` interpolation.
//! - [`mask`] replaces secret values by `***` in text wfc writes, streamed or not.
//! - [`exec`] runs one evaluated step (shell, docker, http, slack, webhook,
//!   email) under a cancellation token and a timeout, and reports its outcome.
//!
//! On top of it, the runner's scheduling:
//! - [`values`] evaluates plan expressions at run time (step outputs,
//!   `failed.…`, secrets) and turns outcomes into output values; [`spec`]
//!   builds an [`exec::StepSpec`] from a planned step;
//! - [`state`] and [`graph_run`] run one graph (dependencies, priorities,
//!   `--jobs`, loop limits, `wait any`, skips, stop on failure);
//!   [`attempt`] is one step's task (retries from [`retry`], timeouts);
//!   [`gates`] decides gates and waits for approvals;
//! - [`runner`] runs the whole thing: main graph, compensations, handlers;
//! - the run reports through `wfc_contract`'s `Recorder`, to a JSON file
//!   ([`report`]), the run store and the CLI's terminal display;
//!   [`reaper`] makes sure step processes die with wfc;
//! - [`park`]: a run whose only live work is waiting ends its session
//!   parked, for whoever serves the store to wake;
//! - [`up_to_date`]: a step with `sources` whose inputs are as in a
//!   succeeded run is restored from it, not run (incremental runs).
//!
//! On top of the runner, the [`manager`]: a [`RunManager`] starts, cancels,
//! approves and observes any number of concurrent runs in one process (one
//! executor, one reaper, per-run cancellation, events to subscribe to).
//! `wfc run` and `wfc resume` are thin clients of it; so is anything that
//! serves runs.

pub mod artifacts;
pub mod attempt;
pub mod exec;
pub mod fresh_check;
pub mod gate_message;
pub mod gates;
pub mod manager;
pub mod mask;
pub mod park;
pub mod paths;
pub mod poll;
/// Shell quoting lives below both the checker and the interpreter.
pub use wfc_language::shell_syntax as quote;
pub mod graph_run;
pub mod reaper;
pub mod report;
pub mod retry;
pub mod retry_when;
pub mod run_context;
pub mod runner;
pub mod spec;
pub mod state;
pub mod up_to_date;
pub mod values;
pub mod workflow_outputs;

pub use manager::{RunHandle, RunManager, RunRequest};
pub use runner::{RunOptions, RunResult, Runner};

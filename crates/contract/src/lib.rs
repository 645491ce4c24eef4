//! What a run reports and asks: the contract between the interpreter
//! (`wfc-run`) and whatever records it or answers it.
//!
//! - [`recorder`] — the events a run reports as it goes ([`Recorder`]),
//!   with the statuses of steps and runs: the run store, the terminal and
//!   the JSON report are recorders;
//! - [`lines`] — the live output lines of steps ([`LineOutput`], [`LineSink`]);
//! - [`approvals`] — what a run asks: who approves a gate ([`Approvals`]), and
//!   where a decision taken in the run's process is kept ([`DecisionLog`]);
//! - [`time`] — the one timestamp format of everything a run writes;
//! - [`artifacts`] — the files steps hand on, and where a run keeps them;
//! - [`usage`] — the CPU time and peak memory of an attempt;
//! - [`park`] — what a run that only waits leaves for whoever wakes it.
//!
//! Nothing here runs anything: no async runtime, no processes, no files.
//! The store depends on this crate and not on the interpreter.

pub mod approvals;
pub mod artifacts;
pub mod attempts;
pub mod lines;
pub mod park;
pub mod recorder;
pub mod time;
pub mod up_to_date;
pub mod usage;

pub use approvals::{Approvals, Closed, DecisionLog, Escalation, GateDecision, Wait};
pub use artifacts::ArtifactFile;
pub use attempts::{PriorAttempts, NOT_YET};
pub use lines::{Line, LineOutput, LineSink, Stream};
pub use park::Parked;
pub use recorder::{
    Attempt, GraphName, Handler, NoRecorder, RecordError, Recorder, Recorders, RunEnd, RunInfo,
    RunStatus, StepEnd, StepKey, StepStatus,
};
pub use time::timestamp;
pub use usage::Usage;

/// The text a secret is replaced with, everywhere wfc writes.
pub const MASK: &str = "***";

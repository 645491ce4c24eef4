//! The one way to start, resume and own a recorded run.
//!
//! Every front end — `wfc run`, `wfc resume`, and `wfc serve`'s API,
//! webhooks, schedules, file changes, MCP tools, dashboard form and
//! start-up recovery — starts runs through a [`Launcher`]:
//!
//! - [`mod@compile`] — a run's plan from a workflow as its file was checked
//!   ([`Checked`]: the file is not read or checked again), params as values;
//! - [`launcher`] — admission (`--max-runs` slots), ownership of every run
//!   from admission to its end whatever the caller does, one cancel path,
//!   and the drain at shutdown;
//! - `own` (private) — an admitted run's task: its record opened, its
//!   start recorded, its end waited for, what it held given back;
//! - [`lock`] — the run's `lock` key, waited for before its first step;
//! - [`session`] — what plugs a run into the store: recorder, step logs,
//!   approvals, decisions, the store's watch; [`approvals`] — gates that
//!   wait for `wfc approve`;
//! - [`estimates`] — the store's history estimates, the steps' priorities;
//!   [`ahead`] — what a serving launcher keeps ready between runs (a store
//!   connection, recent estimates);
//! - [`mod@alerts`] — a workflow's alert rules decided as its runs end, and
//!   their messages sent;
//! - [`LaunchError`] — why nothing was started.

pub mod ahead;
pub mod alerts;
pub mod approvals;
pub mod compile;
pub mod error;
pub mod estimates;
pub mod incremental;
pub mod launcher;
pub mod lock;
mod own;
pub mod run;
pub mod run_dir;
pub mod session;
pub mod spill;

pub use compile::{compile, Checked, Compiled};
pub use error::LaunchError;
pub use launcher::{AfterGrace, Launcher, State};
pub use run::{Admission, Estimates, Fingerprints, Rerun, Resume, Run, Started};

/// A new run's id, `20240501-123456-1a2b3c4d`: the UTC time of the start
/// and 32 random bits, so runs started in one second stay apart.
pub fn new_run_id() -> String {
    let ts = wfc_contract::timestamp(std::time::SystemTime::now());
    let digits: String = ts.chars().filter(char::is_ascii_digit).take(14).collect();
    let mut bytes = [0u8; 4];
    let _ = getrandom::fill(&mut bytes);
    format!(
        "{}-{}-{:08x}",
        &digits[..8],
        &digits[8..],
        u32::from_be_bytes(bytes)
    )
}

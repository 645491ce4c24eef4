//! `wfc run` end to end: the real binary on fixture workflows (`tests/run/`)
//! and small inline ones, asserting on what the steps leave behind — files,
//! logs, surviving processes — on the report and on the exit code.

mod approve_deadline;
mod artifacts;
mod batches;
mod call_env;
mod call_joins;
mod cli;
mod collections_time;
mod deps;
mod detach;
mod drawn;
mod error_classes;
mod expressions;
mod gate_message;
mod injection;
mod loop_size;
mod order;
mod races;
mod resume_env;
mod resume_files;
mod retry_when;
mod services;
mod skips;
mod slots;
mod targets;
mod timing;
mod until;
mod workflows;

use wfc_testkit::Case;

/// A case holding the fixture `tests/run/NAME` as its workflow.
fn fixture(name: &str) -> Case {
    let path = wfc_testkit::repo().join("tests/run").join(name);
    super::workflow(&std::fs::read_to_string(path).unwrap())
}

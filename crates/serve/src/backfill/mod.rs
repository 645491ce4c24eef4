//! Backfill: one run per slot of a workflow's `on schedule` within a past
//! range, each given its slot as `run.scheduled` and recorded with the
//! trigger `backfill` (Kestra's and Dagster's backfill, Airflow's `dags
//! backfill`). `wfc backfill` runs them from the command line, the API
//! and the dashboard's form on the server; all go through [`run`].
//!
//! - The range is bounded: at most `--max` slots (100 unless raised, never
//!   over [`MAX_EVER`]), shown and confirmed before any starts.
//! - Each slot runs once, whoever asks and however often: a slot a run of
//!   the schedule or an earlier backfill covers is skipped (by the
//!   `scheduled_at` of its trigger), and two backfills of one slot at once
//!   start one run (the slot is claimed as a delivery, in the transaction
//!   that records the run).
//! - `overlap`: a backfill's runs never overlap one another nor the
//!   schedule's — each waits for the runs of the schedule still going, as
//!   `overlap queue` does (a past slot a person asked for is neither
//!   skipped nor a reason to cancel one).

pub mod range;
mod runs;

pub use range::{parse_end, parse_time, schedule_of, slots, Slots};
pub use runs::{run, Outcome};

/// The most slots a backfill takes unless `--max` says more.
pub const MAX_DEFAULT: usize = 100;
/// The most slots a backfill ever takes.
pub const MAX_EVER: usize = 10_000;

/// A range that is unreadable, backwards or holds no slot.
pub const BAD_RANGE: &str = "E0990";
/// A range with more slots than the cap.
pub const OVER_CAP: &str = "E0991";
/// A backfill not confirmed (no terminal to ask on and no `--yes`).
pub const NOT_CONFIRMED: &str = "E0992";
/// A workflow with no schedule to backfill, or several and none chosen.
pub const NO_SCHEDULE: &str = "E0993";

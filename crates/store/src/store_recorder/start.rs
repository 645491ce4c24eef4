//! What a run's start writes besides its own row: its metadata, the rows
//! written with it, its plan, and its session's start event.

use crate::db::Db;
use crate::{now_ms, params};

/// What the store keeps about a run besides what [`wfc_contract::RunInfo`] says.
#[derive(Clone, Debug, Default)]
pub struct RunMeta {
    /// [`crate::file_hash`] of the workflow file.
    pub file_hash: String,
    /// The plan's fingerprints as stored ([`crate::reuse::stored_fingerprints`]).
    pub plan: Vec<u8>,
    /// What a new run's start writes with its row.
    pub start: StartRows,
}

/// The rows of a new run besides its own, written in the transaction that
/// inserts it: one commit for all, and no listing ever shows the run
/// without them. A resumed session writes none (the first session's stay).
#[derive(Clone, Debug, Default)]
pub struct StartRows {
    /// What started it (`run_triggers`): the trigger, the client it came
    /// through, who. None for `wfc run` (no row means manual).
    pub trigger: Option<(String, Option<String>, Option<String>)>,
    /// Its workflow's `version` and `tags` (`run_labels`).
    pub version: Option<String>,
    pub tags: Vec<String>,
    /// The webhook delivery that started it (`deliveries`): first come,
    /// first served ([`crate::deliveries::DELIVERY_TAKEN`]).
    pub delivery: Option<String>,
    /// The schedule's slot it fires (`schedule_fires`): claimed with the
    /// run, once ([`crate::fires::SLOT_TAKEN`]).
    pub slot: Option<(crate::fires::ScheduleId, i64)>,
    /// The slot a schedule's or a backfill's run is for, in ms since the
    /// epoch (`run_triggers.scheduled_at`; `run.scheduled`): with a trigger.
    pub scheduled: Option<i64>,
    /// Its row and these rows were written when it was queued
    /// ([`crate::queued`]): the start turns the row `running`, once.
    pub queued: bool,
}

impl StartRows {
    pub(crate) fn write(&self, tx: &Db, id: &str) -> crate::Result<()> {
        if let Some((trigger, origin, by)) = &self.trigger {
            crate::listing::record_trigger_in(tx, id, trigger, origin.as_deref(), by.as_deref())?;
            if let Some(at) = self.scheduled {
                tx.execute_later(
                    "UPDATE run_triggers SET scheduled_at = ?1 WHERE run_id = ?2",
                    crate::params![at, id],
                )?;
            }
        }
        crate::labels::record_in(tx, id, self.version.as_deref(), &self.tags)?;
        if let Some(key) = &self.delivery {
            crate::deliveries::record_in(tx, key, id)?;
        }
        if let Some((schedule, slot)) = &self.slot {
            crate::fires::claim_in(tx, schedule, *slot, id)?;
        }
        Ok(())
    }
}

/// A first session's row, as [`claim_queued`] writes it.
pub(super) struct Row<'a> {
    pub params: &'a str,
    pub jobs: i64,
    pub steps: i64,
    pub pid: u32,
    pub started: i64,
    pub host: &'a str,
    pub file_hash: &'a str,
    pub owner: Option<&'a str>,
}

/// Turns queued run `id` (see [`crate::queued`]) `running` as `row` says,
/// and takes it off the queue; `false` when it is no longer queued (another
/// server started it, or it ended).
pub(super) fn claim_queued(tx: &Db, id: &str, row: &Row) -> crate::Result<bool> {
    let claimed = tx.execute(
        "UPDATE runs SET status = 'running', params = ?2, jobs = ?3, steps = ?4, pid = ?5,
                started_at = ?6, heartbeat_at = ?6, session = 1, host = ?7,
                session_started_at = ?6, file_hash = ?8, owner = ?9
         WHERE id = ?1 AND status = 'queued'",
        params![
            id,
            row.params,
            row.jobs,
            row.steps,
            row.pid,
            row.started,
            row.host,
            row.file_hash,
            row.owner
        ],
    )?;
    if claimed > 0 {
        tx.execute_later("DELETE FROM run_queue WHERE run_id = ?1", [id])?;
    }
    Ok(claimed > 0)
}

/// Records run `id`'s fingerprints; none (they come later, from a thread)
/// leaves the run with no recorded plan, also when a session before
/// recorded one.
pub(super) fn store_plan(tx: &Db, id: &str, plan: &[u8]) -> crate::Result<()> {
    if plan.is_empty() {
        tx.execute_later("DELETE FROM plans WHERE run_id = ?1", [id])
    } else {
        tx.execute_later(
            "INSERT INTO plans (run_id, plan) VALUES (?1, ?2) ON CONFLICT (run_id) DO UPDATE SET plan = excluded.plan",
            params![id, plan],
        )
    }
}

/// Adds run `id`'s `kind` event (its session's start), whose detail holds
/// the number the store gave the session (`runs.listed`, set by a trigger
/// as the start was written), so that the all-runs stream knows each
/// session's place ([`crate::tail::global`]): the JSON `before` and `after`
/// the number, the number read by the insert itself — no round trip
/// before the start's commit on PostgreSQL.
pub(super) fn add_listed_event(
    tx: &Db,
    id: &str,
    kind: &str,
    (before, after): (String, String),
) -> crate::Result<()> {
    tx.execute_later(
        "INSERT INTO events (run_id, seq, at, kind, step, detail)
         VALUES (?1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM events WHERE run_id = ?1), ?2, ?3, NULL,
                 ?4 || COALESCE(CAST((SELECT listed FROM runs WHERE id = ?1) AS TEXT), 'null') || ?5)",
        params![id, now_ms(), kind, before, after],
    )
}

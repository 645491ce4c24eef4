//! Starts a full server hands to the others (issue 72, "one queue"): on a
//! store several servers share, a start that finds no free `--max-runs`
//! slot is recorded — its run's row, `queued`, and a `run_queue` row of
//! kind `start`, in one transaction — before its `202`, instead of being
//! refused. Any server with room claims it ([`crate::sweep::claim`], told
//! at once on PostgreSQL: the queue's insert notifies [`CHANNEL`]) and starts it under its id: the first
//! session's start turns the row `running` ([`crate::store_recorder`]), so
//! two claimers never both start it. A queued start no server took within
//! the wait a server allows ([`expire`]) ends `failed`, saying so.
//!
//! Its params are stored as every run's are, secrets masked: a start with
//! a secret param is never queued (the claimer could not bind it). A
//! webhook's delivery is claimed with the queued row, as with a started
//! run's: one run per delivery across servers.

use crate::db::Optional;
use crate::store_recorder::StartRows;
use crate::{now_ms, params, Store};

/// The channel a queued run (a start, or a dead server's run to resume)
/// is told on, at its commit (PostgreSQL's `NOTIFY`).
pub const CHANNEL: &str = "wfc_queue";

/// A queued run's status.
pub const QUEUED: &str = "queued";

/// What a queued start records.
#[derive(Clone, Debug, Default)]
pub struct QueuedStart {
    pub id: String,
    pub workflow: String,
    pub file: String,
    pub file_hash: String,
    /// Its bound params, as a JSON object (no secret among them).
    pub params: String,
    /// Its plan's main-graph instances.
    pub steps: i64,
    /// The rows its start writes with it (trigger, labels).
    pub start: StartRows,
    /// What else the claimer needs (JSON), as given back by [`take`].
    pub detail: String,
}

/// Records start `q` as queued, for any server to claim. A webhook
/// delivery another start recorded first fails it with an error whose
/// text starts with [`crate::deliveries::DELIVERY_TAKEN`].
pub fn enqueue(store: &Store, q: &QueuedStart) -> crate::Result<()> {
    write(store, q).map_err(|e| {
        if crate::deliveries::is_taken(&e) {
            crate::Error::Conflict(format!(
                "{}: delivery `{}` started a run already (on another server)",
                crate::deliveries::DELIVERY_TAKEN,
                q.start.delivery.as_deref().unwrap_or_default()
            ))
        } else {
            e
        }
    })
}

fn write(store: &Store, q: &QueuedStart) -> crate::Result<()> {
    let tx = store.conn.write()?;
    let now = now_ms();
    let db_now = crate::servers::now_sql(tx.dialect());
    tx.execute(
        "INSERT INTO runs (id, workflow, file, file_hash, params, status, jobs, steps, pid,
                           started_at, heartbeat_at, session, host, prior_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, 'queued', 0, ?6, 0, ?7, ?7, 0, '', 0)",
        params![
            q.id,
            q.workflow,
            q.file,
            q.file_hash,
            q.params,
            q.steps,
            now
        ],
    )?;
    q.start.write(&tx, &q.id)?;
    tx.execute(
        &format!(
            "INSERT INTO run_queue (run_id, kind, at, detail) VALUES (?1, 'start', {db_now}, ?2)"
        ),
        params![q.id, q.detail],
    )?;
    tx.commit()
}

/// A queued start as its claimer reads it.
#[derive(Clone, Debug)]
pub struct Claimed {
    pub workflow: String,
    pub file: String,
    pub file_hash: String,
    pub params: String,
    pub detail: String,
    /// Its trigger, the client it came through, who (`run_triggers`).
    pub trigger: String,
    pub origin: Option<String>,
    pub started_by: Option<String>,
}

/// Queued start `id`, if it is one and still queued.
pub fn take(store: &Store, id: &str) -> crate::Result<Option<Claimed>> {
    store
        .conn
        .query_row(
            "SELECT r.workflow, r.file, r.file_hash, r.params, COALESCE(q.detail, '{}'),
                    COALESCE(t.trigger, 'manual'), t.origin, t.started_by
             FROM runs r JOIN run_queue q ON q.run_id = r.id
             LEFT JOIN run_triggers t ON t.run_id = r.id
             WHERE r.id = ?1 AND r.status = 'queued' AND q.kind = 'start'",
            [id],
            |r| {
                Ok(Claimed {
                    workflow: r.get(0)?,
                    file: r.get(1)?,
                    file_hash: r.get(2)?,
                    params: r.get(3)?,
                    detail: r.get(4)?,
                    trigger: r.get(5)?,
                    origin: r.get(6)?,
                    started_by: r.get(7)?,
                })
            },
        )
        .optional()
}

/// Whether run `id` is a queued start (any server's).
pub fn is_queued(store: &Store, id: &str) -> crate::Result<bool> {
    Ok(store
        .conn
        .query_row(
            "SELECT 1 FROM runs WHERE id = ?1 AND status = 'queued'",
            [id],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

/// Ends queued start `id` `failed` with `why`, unless a server started it
/// meanwhile; whether it did. Takes it off the queue either way.
pub fn fail(store: &Store, id: &str, why: &str) -> crate::Result<bool> {
    end(store, id, "failed", Some(why))
}

/// Cancels queued start `id` before any server started it; whether it was
/// still queued.
pub fn cancel(store: &Store, id: &str) -> crate::Result<bool> {
    end(store, id, "cancelled", None)
}

fn end(store: &Store, id: &str, status: &str, why: Option<&str>) -> crate::Result<bool> {
    let tx = store.conn.write()?;
    let now = now_ms();
    let ended = tx.execute(
        "UPDATE runs SET status = ?2, ended_at = ?3, duration_ms = 0, failed_error = ?4
         WHERE id = ?1 AND status = 'queued'",
        params![id, status, now, why],
    )?;
    tx.execute(
        "DELETE FROM run_queue WHERE run_id = ?1 AND kind = 'start'",
        [id],
    )?;
    if ended > 0 {
        let mut detail = serde_json::json!({ "status": status });
        if let Some(why) = why {
            detail["error"] = why.into();
        }
        crate::record::add_event(&tx, id, now, "run_ended", None, Some(&detail.to_string()))?;
    }
    tx.commit()?;
    Ok(ended > 0)
}

/// Ends `failed` the queued starts no server took within `wait_ms` (of
/// the database's clock); the ids it ended.
pub fn expire(store: &Store, wait_ms: i64) -> crate::Result<Vec<String>> {
    let now = crate::servers::now_sql(store.conn.dialect());
    let old: Vec<String> = store
        .conn
        .prepare(&format!(
            "SELECT q.run_id FROM run_queue q JOIN runs r ON r.id = q.run_id
             WHERE q.kind = 'start' AND r.status = 'queued' AND q.at <= {now} - ?1
             ORDER BY q.at"
        ))?
        .query_map([wait_ms], |r| r.get(0))?
        .collect::<crate::Result<_>>()?;
    let mut ended = Vec::new();
    for id in old {
        let why = format!(
            "no server had room to start it within the queue's wait ({} s): it never ran",
            wait_ms / 1000
        );
        if fail(store, &id, &why)? {
            ended.push(id);
        }
    }
    Ok(ended)
}

#[cfg(test)]
mod tests;

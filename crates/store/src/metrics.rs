//! What `wfc serve`'s `/metrics` reads from the store: runs by workflow and
//! status and by trigger, runs waiting for a person, schedule fires,
//! webhook deliveries, and the durations of the steps that ended in a
//! recent window (bounded: a scrape never reads the whole history).

use crate::Store;
use rusqlite::params;

/// The store's figures for one scrape.
#[derive(Clone, Debug, Default)]
pub struct Figures {
    /// (workflow, status, runs), every run the store keeps.
    pub runs: Vec<(String, String, u64)>,
    /// (workflow, trigger, runs): `manual` for a run started by `wfc run`.
    pub by_trigger: Vec<(String, String, u64)>,
    /// (workflow, runs) running with a step waiting for a person.
    pub waiting: Vec<(String, u64)>,
    /// (workflow, runs) running and paused (`wfc pause`).
    pub paused: Vec<(String, u64)>,
    /// (workflow, kind) of every paused trigger (`*`: every kind).
    pub paused_triggers: Vec<(String, String)>,
    /// (workflow, schedule, slots fired) of every served schedule.
    pub fires: Vec<(String, String, u64)>,
    /// (workflow, deliveries) of webhooks whose run is in the store.
    pub deliveries: Vec<(String, u64)>,
    /// (workflow, step, milliseconds) of the main-graph steps that
    /// ended in runs started since the window's start.
    pub steps: Vec<StepTime>,
}

/// One ended step's duration.
#[derive(Clone, Debug)]
pub struct StepTime {
    pub workflow: String,
    pub step: String,
    pub ms: i64,
}

/// Reads the figures; step durations of runs started at or after `since_ms`.
pub fn figures(store: &Store, since_ms: i64) -> rusqlite::Result<Figures> {
    let conn = &store.conn;
    let triples = |sql: &str| -> rusqlite::Result<_> {
        let mut q = conn.prepare(sql)?;
        let rows = q.query_map([], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get::<_, i64>(2)? as u64))
        })?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
    };
    let pairs = |sql: &str| -> rusqlite::Result<_> {
        let mut q = conn.prepare(sql)?;
        let rows = q.query_map([], |r| Ok((r.get(0)?, r.get::<_, i64>(1)? as u64)))?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
    };
    let runs = triples("SELECT workflow, status, COUNT(*) FROM runs GROUP BY 1, 2 ORDER BY 1, 2")?;
    let by_trigger = triples(
        "SELECT r.workflow, COALESCE(t.trigger, 'manual'), COUNT(*)
           FROM runs r LEFT JOIN run_triggers t ON t.run_id = r.id
          GROUP BY 1, 2 ORDER BY 1, 2",
    )?;
    let waiting = pairs(
        "SELECT r.workflow, COUNT(*) FROM runs r
          WHERE r.status = 'running'
            AND EXISTS (SELECT 1 FROM steps s WHERE s.run_id = r.id AND s.status = 'waiting')
          GROUP BY 1 ORDER BY 1",
    )?;
    let paused = pairs(
        "SELECT workflow, COUNT(*) FROM runs WHERE status = 'running' AND paused_at IS NOT NULL
          GROUP BY 1 ORDER BY 1",
    )?;
    let paused_triggers = super::pause::paused_triggers(store)?
        .into_iter()
        .map(|p| (p.workflow, p.kind))
        .collect();
    let fires = triples(
        "SELECT workflow, schedule, SUM(fired) FROM schedule_fires GROUP BY 1, 2 ORDER BY 1, 2",
    )?;
    let deliveries = pairs(
        "SELECT r.workflow, COUNT(*) FROM deliveries d JOIN runs r ON r.id = d.run_id
          GROUP BY 1 ORDER BY 1",
    )?;
    let mut q = conn.prepare(
        "SELECT r.workflow, s.name, s.duration_ms
           FROM runs r JOIN steps s ON s.run_id = r.id
          WHERE r.started_at >= ?1 AND s.graph = 'main' AND s.duration_ms IS NOT NULL
            AND s.status NOT IN ('running', 'waiting', 'skipped', 'not_run')
          ORDER BY 1, 2",
    )?;
    let steps = q
        .query_map(params![since_ms], |r| {
            Ok(StepTime {
                workflow: r.get(0)?,
                step: r.get(1)?,
                ms: r.get(2)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(Figures {
        runs,
        by_trigger,
        waiting,
        paused,
        paused_triggers,
        fires,
        deliveries,
        steps,
    })
}

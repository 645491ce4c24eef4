//! What `wfc serve`'s `/metrics` reads from the store: runs by workflow and
//! status and by trigger, runs waiting for a person, schedule fires,
//! webhook deliveries, and the durations of the steps that ended in a
//! recent window (bounded: a scrape never reads the whole history).

use crate::params;
use crate::Store;

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
    /// The durations of the main-graph steps that ended in runs started
    /// since the window's start, counted by workflow and step.
    pub steps: Vec<StepTimes>,
}

/// One step's ended durations, counted: a histogram's figures.
#[derive(Clone, Debug, Default)]
pub struct StepTimes {
    pub workflow: String,
    pub step: String,
    /// `at_most[i]`: how many took at most the `i`th bound.
    pub at_most: Vec<u64>,
    pub count: u64,
    pub sum_ms: i64,
}

/// Reads the figures; step durations of runs started at or after
/// `since_ms`, counted by the bounds `bounds_ms` (ascending) in SQL: a
/// scrape holds a row per workflow and step, never one per step run.
pub fn figures(store: &Store, since_ms: i64, bounds_ms: &[i64]) -> crate::Result<Figures> {
    let conn = &store.conn;
    let triples = |sql: &str| -> crate::Result<_> {
        let mut q = conn.prepare(sql)?;
        let rows = q.query_map((), |r| Ok((r.get(0)?, r.get(1)?, r.get::<i64>(2)? as u64)))?;
        rows.collect::<crate::Result<Vec<_>>>()
    };
    let pairs = |sql: &str| -> crate::Result<_> {
        let mut q = conn.prepare(sql)?;
        let rows = q.query_map((), |r| Ok((r.get(0)?, r.get::<i64>(1)? as u64)))?;
        rows.collect::<crate::Result<Vec<_>>>()
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
        "SELECT workflow, schedule, CAST(SUM(fired) AS BIGINT) FROM schedule_fires GROUP BY 1, 2 ORDER BY 1, 2",
    )?;
    let deliveries = pairs(
        "SELECT r.workflow, COUNT(*) FROM deliveries d JOIN runs r ON r.id = d.run_id
          GROUP BY 1 ORDER BY 1",
    )?;
    // The bounds are numbers of this build, never a request's: written
    // into the statement as integers.
    let buckets: String = bounds_ms
        .iter()
        .map(|b| format!(", SUM(CASE WHEN s.duration_ms <= {b} THEN 1 ELSE 0 END)"))
        .collect();
    let mut q = conn.prepare(&format!(
        "SELECT r.workflow, s.name, COUNT(*), CAST(SUM(s.duration_ms) AS BIGINT){buckets}
           FROM runs r JOIN steps s ON s.run_id = r.id
          WHERE r.started_at >= ?1 AND s.graph = 'main' AND s.duration_ms IS NOT NULL
            AND s.status NOT IN ('running', 'waiting', 'skipped', 'not_run')
          GROUP BY 1, 2 ORDER BY 1, 2"
    ))?;
    let steps = q
        .query_map(params![since_ms], |r| {
            Ok(StepTimes {
                workflow: r.get(0)?,
                step: r.get(1)?,
                count: r.get::<i64>(2)? as u64,
                sum_ms: r.get(3)?,
                at_most: (0..bounds_ms.len())
                    .map(|i| r.get::<i64>(4 + i).map(|n| n as u64))
                    .collect::<crate::Result<_>>()?,
            })
        })?
        .collect::<crate::Result<Vec<_>>>()?;
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

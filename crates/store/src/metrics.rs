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

/// The most `step` label values one workflow's step durations take: past
/// them, the rest are counted under [`OTHER_STEPS`], so a workflow that
/// grows (a generated file, renamed steps) cannot blow up a scrape.
pub const MAX_STEPS_PER_WORKFLOW: usize = 100;

/// The `step` label of the steps past [`MAX_STEPS_PER_WORKFLOW`].
pub const OTHER_STEPS: &str = "(other)";

/// `rows` (one per workflow and instance name) counted by workflow and
/// step definition, at most [`MAX_STEPS_PER_WORKFLOW`] labels per workflow
/// (the rest under [`OTHER_STEPS`]), in name order.
fn by_definition(rows: Vec<StepTimes>) -> Vec<StepTimes> {
    let mut merged: std::collections::BTreeMap<(String, String), StepTimes> = Default::default();
    for r in rows {
        let key = (r.workflow.clone(), wfc_plan::without_items(&r.step));
        let e = merged.entry(key.clone()).or_insert_with(|| StepTimes {
            workflow: key.0,
            step: key.1,
            at_most: vec![0; r.at_most.len()],
            ..Default::default()
        });
        add(e, &r);
    }
    let mut out: Vec<StepTimes> = Vec::with_capacity(merged.len());
    let mut per_workflow = 0usize;
    for (_, t) in merged {
        let first = out.last().is_none_or(|l| l.workflow != t.workflow);
        per_workflow = if first { 1 } else { per_workflow + 1 };
        if per_workflow <= MAX_STEPS_PER_WORKFLOW {
            out.push(t);
            continue;
        }
        if per_workflow == MAX_STEPS_PER_WORKFLOW + 1 {
            out.push(StepTimes {
                workflow: t.workflow.clone(),
                step: OTHER_STEPS.into(),
                at_most: vec![0; t.at_most.len()],
                ..Default::default()
            });
        }
        let other = out.last_mut().expect("pushed just above");
        add(other, &t);
    }
    out
}

fn add(to: &mut StepTimes, t: &StepTimes) {
    to.count += t.count;
    to.sum_ms += t.sum_ms;
    for (a, b) in to.at_most.iter_mut().zip(&t.at_most) {
        *a += b;
    }
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
    let steps = by_definition(steps);
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

#[cfg(test)]
mod tests {
    use super::*;

    fn row(workflow: &str, step: &str, count: u64) -> StepTimes {
        StepTimes {
            workflow: workflow.into(),
            step: step.into(),
            at_most: vec![count, count],
            count,
            sum_ms: count as i64 * 10,
        }
    }

    #[test]
    fn instances_count_under_their_definition() {
        assert_eq!(wfc_plan::without_items("work[17]"), "work");
        assert_eq!(wfc_plan::without_items("d[eu].up[a[b]]"), "d.up");
        assert_eq!(wfc_plan::without_items("up.build"), "up.build");
        let rows = (0..2000).map(|i| row("fan", &format!("work[{i}]"), 1));
        let rows: Vec<StepTimes> = rows.chain([row("fan", "sum", 1)]).collect();
        let out = by_definition(rows);
        let labels: Vec<&str> = out.iter().map(|t| t.step.as_str()).collect();
        assert_eq!(labels, ["sum", "work"]);
        assert_eq!(
            (out[1].count, out[1].sum_ms, out[1].at_most[1]),
            (2000, 20_000, 2000)
        );
    }

    #[test]
    fn a_workflow_takes_at_most_its_bound_of_labels() {
        let rows: Vec<StepTimes> = (0..250)
            .map(|i| row("gen", &format!("s{i:03}"), 2))
            .chain([row("other", "x", 1)])
            .collect();
        let out = by_definition(rows);
        let gen: Vec<&StepTimes> = out.iter().filter(|t| t.workflow == "gen").collect();
        assert_eq!(gen.len(), MAX_STEPS_PER_WORKFLOW + 1);
        let other = gen.last().unwrap();
        assert_eq!((other.step.as_str(), other.count), (OTHER_STEPS, 300));
        assert_eq!(out.last().unwrap().workflow, "other");
    }
}

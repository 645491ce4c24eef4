//! `wfc stats`: how runs of a workflow go, and where their time goes.
//!
//! Per workflow: runs by outcome, success rate, p50/p95 run duration. Per
//! main-graph step instance: how many runs it ended in, its success rate,
//! p50/p95 of its successful durations, retries (attempts beyond the first
//! of a session: a resume after a cancel or a crash is none), how often it was *flaky* (failed at least once in a run
//! where it finally succeeded, or failed in some runs and not in others),
//! its share of all step time, and the median and most of the CPU time and
//! of the peak memory its attempts used in a run (where known: steps that
//! run a process or a container). Percentiles are nearest-rank.
//!
//! [`window`] gives the same over the runs started since a time, and
//! [`daily`] the workflow's figures per UTC day (the dashboard's plots).

use crate::db::Db;
use crate::params;
use crate::Store;
use serde::Serialize;
use std::collections::BTreeMap;

/// Figures for one workflow.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WorkflowStats {
    pub workflow: String,
    pub runs: usize,
    pub succeeded: usize,
    pub failed: usize,
    pub cancelled: usize,
    pub interrupted: usize,
    pub running: usize,
    /// Succeeded / finished runs (running ones left out), 0–1.
    pub success_rate: Option<f64>,
    pub p50_seconds: Option<f64>,
    pub p95_seconds: Option<f64>,
    pub steps: Vec<StepStats>,
    /// Up to 3 step names, flakiest first (only steps that were flaky).
    pub flakiest: Vec<String>,
    /// Up to 3 step names, most total time first.
    pub slowest: Vec<String>,
}

/// Figures for one step instance.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StepStats {
    pub name: String,
    pub kind: String,
    /// Runs in which the step ended (succeeded, failed, timed out, cancelled, interrupted).
    pub runs: usize,
    pub succeeded: usize,
    pub success_rate: f64,
    pub p50_seconds: Option<f64>,
    pub p95_seconds: Option<f64>,
    /// Attempts beyond the first, over all runs.
    pub retries: usize,
    /// Runs where it succeeded only after a failed attempt.
    pub flaky_runs: usize,
    /// Its share of all step time (0–1).
    pub time_share: f64,
    /// The CPU time (user + system) of its attempts in a run, over the runs
    /// where it is known: the median and the most (absent: known in none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub p50_cpu_seconds: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_cpu_seconds: Option<f64>,
    /// The peak memory of its attempts in a run, in bytes: the median over
    /// the runs where it is known, and the most.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub p50_peak_memory_bytes: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_peak_memory_bytes: Option<u64>,
    /// The mean of its successful durations (not in `wfc stats`' JSON).
    #[serde(skip)]
    pub mean_seconds: Option<f64>,
    #[serde(skip)]
    total_ms: i64,
}

/// Nearest-rank percentile of sorted values.
pub fn percentile(sorted: &[i64], p: f64) -> Option<i64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    Some(sorted[rank.clamp(1, sorted.len()) - 1])
}

fn secs(ms: Option<i64>) -> Option<f64> {
    ms.map(|m| m as f64 / 1000.0)
}

/// Stats of every workflow (or one), over its `last` most recent runs (all when `None`).
pub fn stats(
    store: &Store,
    workflow: Option<&str>,
    last: Option<usize>,
) -> crate::Result<Vec<WorkflowStats>> {
    let conn = &store.conn;
    let names: Vec<String> = {
        let mut q = conn.prepare(
            "SELECT workflow FROM runs WHERE (CAST(?1 AS TEXT) IS NULL OR workflow = ?1) GROUP BY workflow ORDER BY workflow",
        )?;
        let rows = q.query_map(params![workflow], |r| r.get(0))?;
        rows.collect::<Result<_, _>>()?
    };
    names
        .iter()
        .map(|w| one(conn, w, last.unwrap_or(usize::MAX / 2), i64::MIN))
        .collect::<crate::Result<_>>()
}

/// Stats of `workflow` over its runs started at `since_ms` or later (ms
/// since the epoch), at most the `last` most recent of them.
pub fn window(
    store: &Store,
    workflow: &str,
    last: usize,
    since_ms: i64,
) -> crate::Result<WorkflowStats> {
    let conn = &store.conn;
    one(conn, workflow, last, since_ms)
}

fn one(conn: &Db, workflow: &str, last: usize, since_ms: i64) -> crate::Result<WorkflowStats> {
    let mut q = conn.prepare(
        "SELECT id, status, duration_ms FROM runs WHERE workflow = ?1 AND started_at >= ?3
          ORDER BY started_at DESC LIMIT ?2",
    )?;
    let runs: Vec<(String, String, Option<i64>)> = q
        .query_map(params![workflow, last as i64, since_ms], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?
        .collect::<Result<_, _>>()?;
    let count = |s: &str| runs.iter().filter(|r| r.1 == s).count();
    let finished = runs.iter().filter(|r| r.1 != "running").count();
    let mut durations: Vec<i64> = runs
        .iter()
        .filter(|r| r.1 == "succeeded")
        .filter_map(|r| r.2)
        .collect();
    durations.sort_unstable();
    let oldest = runs.len();
    let mut sq = conn.prepare(
        "SELECT s.name, s.kind, s.status, s.duration_ms,
                (SELECT COUNT(*) FROM attempts a WHERE a.run_id = s.run_id AND a.graph = 'main'
                   AND a.rollback_of = '' AND a.step = s.name AND a.number > 1),
                (SELECT COUNT(*) FROM attempts a WHERE a.run_id = s.run_id AND a.graph = 'main'
                   AND a.rollback_of = '' AND a.step = s.name AND a.status IN ('failed', 'timed_out')),
                (SELECT CAST(SUM(a.cpu_us) AS BIGINT) FROM attempts a WHERE a.run_id = s.run_id AND a.graph = 'main'
                   AND a.rollback_of = '' AND a.step = s.name),
                (SELECT MAX(a.peak_memory) FROM attempts a WHERE a.run_id = s.run_id AND a.graph = 'main'
                   AND a.rollback_of = '' AND a.step = s.name)
         FROM steps s
         WHERE s.graph = 'main' AND s.status IN ('succeeded', 'failed', 'timed_out', 'cancelled', 'interrupted')
           AND s.run_id IN (SELECT id FROM runs WHERE workflow = ?1 AND started_at >= ?3
                              ORDER BY started_at DESC LIMIT ?2)
         ORDER BY s.seq",
    )?;
    struct Acc {
        kind: String,
        runs: usize,
        succeeded: usize,
        ok_ms: Vec<i64>,
        total_ms: i64,
        retries: usize,
        flaky: usize,
        order: usize,
        cpu_us: Vec<i64>,
        peak: Vec<i64>,
    }
    let mut acc: BTreeMap<String, Acc> = BTreeMap::new();
    let rows = sq.query_map(params![workflow, oldest as i64, since_ms], |r| {
        Ok((
            r.get::<String>(0)?,
            r.get::<String>(1)?,
            r.get::<String>(2)?,
            r.get::<Option<i64>>(3)?,
            r.get::<i64>(4)?,
            r.get::<i64>(5)?,
            r.get::<Option<i64>>(6)?,
            r.get::<Option<i64>>(7)?,
        ))
    })?;
    for row in rows {
        let (name, kind, status, ms, retries, failed_attempts, cpu_us, peak) = row?;
        let n = acc.len();
        let a = acc.entry(name).or_insert(Acc {
            kind,
            runs: 0,
            succeeded: 0,
            ok_ms: Vec::new(),
            total_ms: 0,
            retries: 0,
            flaky: 0,
            order: n,
            cpu_us: Vec::new(),
            peak: Vec::new(),
        });
        a.runs += 1;
        a.cpu_us.extend(cpu_us);
        a.peak.extend(peak);
        a.retries += retries as usize;
        a.total_ms += ms.unwrap_or(0);
        if status == "succeeded" {
            a.succeeded += 1;
            if let Some(ms) = ms {
                a.ok_ms.push(ms);
            }
            if failed_attempts > 0 {
                a.flaky += 1;
            }
        }
    }
    let all_ms: i64 = acc.values().map(|a| a.total_ms).sum();
    let mut steps: Vec<(usize, StepStats)> = acc
        .into_iter()
        .map(|(name, mut a)| {
            a.ok_ms.sort_unstable();
            a.cpu_us.sort_unstable();
            a.peak.sort_unstable();
            let cpu = |p: f64| percentile(&a.cpu_us, p).map(|us| us as f64 / 1e6);
            let peak = |p: f64| percentile(&a.peak, p).map(i64::unsigned_abs);
            let s = StepStats {
                name,
                kind: a.kind,
                runs: a.runs,
                succeeded: a.succeeded,
                success_rate: a.succeeded as f64 / a.runs.max(1) as f64,
                p50_seconds: secs(percentile(&a.ok_ms, 50.0)),
                p95_seconds: secs(percentile(&a.ok_ms, 95.0)),
                retries: a.retries,
                flaky_runs: a.flaky,
                mean_seconds: (!a.ok_ms.is_empty())
                    .then(|| a.ok_ms.iter().sum::<i64>() as f64 / a.ok_ms.len() as f64 / 1000.0),
                time_share: if all_ms > 0 {
                    a.total_ms as f64 / all_ms as f64
                } else {
                    0.0
                },
                total_ms: a.total_ms,
                p50_cpu_seconds: cpu(50.0),
                max_cpu_seconds: cpu(100.0),
                p50_peak_memory_bytes: peak(50.0),
                max_peak_memory_bytes: peak(100.0),
            };
            (a.order, s)
        })
        .collect();
    steps.sort_by_key(|(o, _)| *o);
    let steps: Vec<StepStats> = steps.into_iter().map(|(_, s)| s).collect();
    // Flakiness: runs with a failure that were not plain successes, relative to runs.
    let flakiness = |s: &StepStats| {
        let failed_runs = s.runs - s.succeeded;
        let mixed = if s.succeeded > 0 { failed_runs } else { 0 };
        (s.flaky_runs + mixed) as f64 / s.runs.max(1) as f64
    };
    let mut flaky: Vec<&StepStats> = steps.iter().filter(|s| flakiness(s) > 0.0).collect();
    flaky.sort_by(|a, b| {
        flakiness(b)
            .total_cmp(&flakiness(a))
            .then(b.retries.cmp(&a.retries))
    });
    let mut slow: Vec<&StepStats> = steps.iter().filter(|s| s.total_ms > 0).collect();
    slow.sort_by_key(|s| std::cmp::Reverse(s.total_ms));
    Ok(WorkflowStats {
        workflow: workflow.to_owned(),
        runs: runs.len(),
        succeeded: count("succeeded"),
        failed: count("failed"),
        cancelled: count("cancelled"),
        interrupted: count("interrupted"),
        running: count("running"),
        success_rate: (finished > 0).then(|| count("succeeded") as f64 / finished as f64),
        p50_seconds: secs(percentile(&durations, 50.0)),
        p95_seconds: secs(percentile(&durations, 95.0)),
        flakiest: flaky.iter().take(3).map(|s| s.name.clone()).collect(),
        slowest: slow.iter().take(3).map(|s| s.name.clone()).collect(),
        steps,
    })
}

/// One UTC day of a workflow's runs.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Day {
    /// Days after the window's first.
    pub index: usize,
    pub runs: usize,
    pub succeeded: usize,
    /// Runs that ended (running ones left out).
    pub finished: usize,
    /// Succeeded / finished, 0–1.
    pub success_rate: Option<f64>,
    /// Of the day's successful runs.
    pub p50_seconds: Option<f64>,
    pub p95_seconds: Option<f64>,
}

const DAY_MS: i64 = 86_400_000;

/// `workflow`'s runs per day for `days` days from `since_ms` (a UTC
/// midnight), by start; at most its `last` most recent runs. Days without
/// runs are there, empty.
pub fn daily(
    store: &Store,
    workflow: &str,
    last: usize,
    since_ms: i64,
    days: usize,
) -> crate::Result<Vec<Day>> {
    let conn = &store.conn;
    let mut q = conn.prepare(
        "SELECT started_at, status, duration_ms FROM runs WHERE workflow = ?1 AND started_at >= ?3
          ORDER BY started_at DESC LIMIT ?2",
    )?;
    let mut out: Vec<Day> = (0..days)
        .map(|index| Day {
            index,
            ..Day::default()
        })
        .collect();
    let mut ok_ms: Vec<Vec<i64>> = vec![Vec::new(); days];
    let rows = q.query_map(params![workflow, last as i64, since_ms], |r| {
        Ok((
            r.get::<i64>(0)?,
            r.get::<String>(1)?,
            r.get::<Option<i64>>(2)?,
        ))
    })?;
    for row in rows {
        let (at, status, ms) = row?;
        let Some(day) = out.get_mut(((at - since_ms) / DAY_MS) as usize) else {
            continue;
        };
        day.runs += 1;
        if status != "running" {
            day.finished += 1;
        }
        if status == "succeeded" {
            day.succeeded += 1;
            ok_ms[day.index].extend(ms);
        }
    }
    for (day, mut ms) in out.iter_mut().zip(ok_ms) {
        ms.sort_unstable();
        day.success_rate = (day.finished > 0).then(|| day.succeeded as f64 / day.finished as f64);
        day.p50_seconds = secs(percentile(&ms, 50.0));
        day.p95_seconds = secs(percentile(&ms, 95.0));
    }
    Ok(out)
}

/// How long each decided gate of `workflow`'s runs started at `since_ms` or
/// later (at most the `last` most recent) waited, in ms, sorted: from the
/// gate step's start to its approval or rejection.
pub fn approval_waits(
    store: &Store,
    workflow: &str,
    last: usize,
    since_ms: i64,
) -> crate::Result<Vec<i64>> {
    let mut q = store.conn.prepare(
        "SELECT GREATEST(a.at - s.started_at, 0) FROM approvals a
           JOIN steps s ON s.run_id = a.run_id AND s.graph = 'main' AND s.name = a.step
          WHERE s.started_at IS NOT NULL AND a.decision IN ('approved', 'rejected')
            AND a.run_id IN (SELECT id FROM runs WHERE workflow = ?1 AND started_at >= ?2
                             ORDER BY started_at DESC LIMIT ?3)",
    )?;
    let mut waits: Vec<i64> = q
        .query_map(params![workflow, since_ms, last as i64], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    waits.sort_unstable();
    Ok(waits)
}

/// The workflows with runs started at `since_ms` or later, by name.
pub fn workflows_since(store: &Store, since_ms: i64) -> crate::Result<Vec<String>> {
    let mut q = store
        .conn
        .prepare("SELECT DISTINCT workflow FROM runs WHERE started_at >= ?1 ORDER BY workflow")?;
    let names = q.query_map([since_ms], |r| r.get(0))?;
    names.collect::<crate::Result<_>>()
}

/// The names of the workflows the store has runs of, sorted.
pub fn workflow_names(store: &Store) -> crate::Result<Vec<String>> {
    let mut q = store
        .conn
        .prepare("SELECT DISTINCT workflow FROM runs ORDER BY workflow")?;
    let rows = q.query_map((), |r| r.get(0))?;
    rows.collect::<crate::Result<_>>()
}

/// How many of `workflow`'s runs have ended, and how many of those succeeded.
pub fn ended_and_succeeded(store: &Store, workflow: &str) -> crate::Result<(i64, i64)> {
    store.conn.query_row(
        "SELECT COUNT(*), COALESCE(SUM(CASE WHEN status = 'succeeded' THEN 1 ELSE 0 END), 0) FROM runs
          WHERE workflow = ?1 AND status != 'running'",
        [workflow],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank() {
        let v: Vec<i64> = (1..=20).collect();
        assert_eq!(percentile(&v, 50.0), Some(10));
        assert_eq!(percentile(&v, 95.0), Some(19));
        assert_eq!(percentile(&[7], 95.0), Some(7));
        assert_eq!(percentile(&[], 50.0), None);
    }
}

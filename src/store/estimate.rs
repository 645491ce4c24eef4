//! Estimates from history: the median of a step instance's recent
//! successful durations, when the store has any; the step's `estimate` (or
//! its kind's default) otherwise. `wfc plan` marks each estimate with where
//! it came from (`history`, `declared`, `default`).

use crate::plan::{DefaultEstimator, Estimate, EstimateSource, Estimator, PlannedStep};
use rusqlite::{params, Connection};
use std::collections::HashMap;

/// Successful durations kept per step (the most recent ones).
pub const RECENT: usize = 10;
/// Runs of the workflow looked at.
const RUNS: i64 = 100;

/// Medians of recent successful durations, by step instance name.
#[derive(Clone, Debug, Default)]
pub struct HistoryEstimator {
    medians: HashMap<String, u64>,
}

impl HistoryEstimator {
    /// Reads the history of `workflow`.
    pub fn load(conn: &Connection, workflow: &str) -> rusqlite::Result<Self> {
        let mut q = conn.prepare(
            "SELECT s.name, s.duration_ms FROM steps s JOIN runs r ON r.id = s.run_id
             WHERE s.graph = 'main' AND s.status = 'succeeded' AND s.duration_ms IS NOT NULL
               AND r.id IN (SELECT id FROM runs WHERE workflow = ?1 ORDER BY started_at DESC LIMIT ?2)
             ORDER BY r.started_at DESC",
        )?;
        let mut seen: HashMap<String, Vec<u64>> = HashMap::new();
        let rows = q.query_map(params![workflow, RUNS], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
        })?;
        for row in rows {
            let (name, ms) = row?;
            let v = seen.entry(name).or_default();
            if v.len() < RECENT {
                v.push(ms.max(0) as u64);
            }
        }
        Ok(HistoryEstimator {
            medians: seen
                .into_iter()
                .map(|(k, mut v)| {
                    v.sort_unstable();
                    (k, median(&v))
                })
                .collect(),
        })
    }

    /// Steps with history.
    pub fn len(&self) -> usize {
        self.medians.len()
    }

    pub fn is_empty(&self) -> bool {
        self.medians.is_empty()
    }
}

/// The history of `workflow` in the store in `dir`, when there is any
/// (no store, an unreadable one, or no successful step: `None`).
pub fn from_store(dir: &std::path::Path, workflow: &str) -> Option<HistoryEstimator> {
    let store = super::Store::open_existing(dir).ok()??;
    HistoryEstimator::load(&store.conn, workflow)
        .ok()
        .filter(|h| !h.is_empty())
}

/// The median of sorted values (the mean of the middle two for an even count).
pub fn median(sorted: &[u64]) -> u64 {
    match sorted.len() {
        0 => 0,
        n if n % 2 == 1 => sorted[n / 2],
        n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2,
    }
}

impl Estimator for HistoryEstimator {
    fn estimate(&self, step: &PlannedStep, declared_ms: Option<u64>) -> Estimate {
        match self.medians.get(&step.name) {
            Some(&ms) => Estimate {
                ms,
                source: EstimateSource::History,
            },
            None => DefaultEstimator.estimate(step, declared_ms),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians() {
        assert_eq!(median(&[1, 2, 3]), 2);
        assert_eq!(median(&[1, 2, 3, 10]), 2);
        assert_eq!(median(&[]), 0);
    }

    #[test]
    fn the_recent_successes_of_the_main_graph_count() {
        let mut conn = Connection::open_in_memory().unwrap();
        crate::store::schema::migrate(&mut conn).unwrap();
        // Twelve runs of `deploy` (run i: `build` took i ms), an older run
        // where `rare` succeeded, another workflow, and rows that do not count.
        let run = |id: &str, wf: &str, at: i64| {
            conn.execute(
                "INSERT INTO runs (id, workflow, file, file_hash, params, status, jobs, steps,
                                   pid, started_at, heartbeat_at)
                 VALUES (?1, ?2, 'f', 'h', '{}', 'succeeded', 1, 1, 1, ?3, ?3)",
                params![id, wf, at],
            )
            .unwrap();
        };
        let step = |id: &str, graph: &str, name: &str, status: &str, ms: i64| {
            conn.execute(
                "INSERT INTO steps (run_id, graph, name, kind, seq, status, duration_ms)
                 VALUES (?1, ?2, ?3, 'shell', 0, ?4, ?5)",
                params![id, graph, name, status, ms],
            )
            .unwrap();
        };
        run("old", "deploy", 0);
        step("old", "main", "rare", "succeeded", 7);
        for i in 1..=12 {
            let id = format!("r{i}");
            run(&id, "deploy", i);
            step(&id, "main", "build", "succeeded", i);
            step(&id, "main", "flaky", "failed", 1000);
            step(&id, "finally", "cleanup", "succeeded", 5);
        }
        run("x", "other", 99);
        step("x", "main", "build", "succeeded", 5000);
        let h = HistoryEstimator::load(&conn, "deploy").unwrap();
        // The ten newest: 3..=12.
        assert_eq!(h.medians.get("build"), Some(&7));
        assert_eq!(h.medians.get("rare"), Some(&7));
        assert_eq!(h.medians.get("flaky"), None);
        assert_eq!(h.medians.get("cleanup"), None);
        assert_eq!(h.len(), 2);
    }
}

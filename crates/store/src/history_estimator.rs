//! Estimates from history: the median of a step instance's recent
//! successful durations, when the store has any; the step's `estimate` (or
//! its kind's default) otherwise. `wfc plan` marks each estimate with where
//! it came from (`history`, `declared`, `default`).

use crate::params;
use crate::Store;
use rustc_hash::{FxHashMap, FxHashSet};
use std::borrow::Cow;
use wfc_plan::{DefaultEstimator, Estimate, EstimateSource, Estimator, PlannedStep};

/// Successful durations kept per step (the most recent ones).
pub const RECENT: usize = 10;
/// Runs of the workflow looked at.
const RUNS: i64 = 100;

/// Up to [`RECENT`] durations of one step, newest first, in place.
#[derive(Default)]
struct Recent {
    ms: [u64; RECENT],
    len: usize,
}

impl Recent {
    /// Adds an older duration, if there is room; true when that fills it.
    fn push(&mut self, ms: u64) -> bool {
        if self.len == RECENT {
            return false;
        }
        self.ms[self.len] = ms;
        self.len += 1;
        self.len == RECENT
    }

    fn median(&mut self) -> u64 {
        let v = &mut self.ms[..self.len];
        v.sort_unstable();
        median(v)
    }
}

/// The durations read so far, run after run, newest first.
struct Reading<'a> {
    only: Option<&'a FxHashSet<&'a str>>,
    /// Keyed by the plan's own names when given: a step's first duration
    /// allocates nothing.
    seen: FxHashMap<Cow<'a, str>, Recent>,
    /// Steps seen with fewer than [`RECENT`] durations.
    short: usize,
}

impl Reading<'_> {
    /// Takes an older duration of step `name`.
    fn take(&mut self, name: &str, ms: u64) {
        // A step seen before passed `only` then.
        let recent = match self.seen.get_mut(name) {
            Some(r) => r,
            None => {
                let key = match self.only {
                    Some(o) => match o.get(name) {
                        Some(&n) => Cow::Borrowed(n),
                        None => return,
                    },
                    None => Cow::Owned(name.to_owned()),
                };
                self.short += 1;
                self.seen.entry(key).or_default()
            }
        };
        if recent.push(ms) {
            self.short -= 1;
        }
    }

    /// Whether older runs would change nothing, after a run that began with
    /// `known` steps seen: every step looked for has [`RECENT`] durations,
    /// or every step seen has and the run brought no new one. Not while
    /// nothing is seen: the newest runs may have no success yet (running
    /// beside this one, as on a busy server, or failed at once).
    fn done(&self, known: usize) -> bool {
        let all = self
            .only
            .is_some_and(|o| self.short == 0 && self.seen.len() == o.len());
        all || (self.short == 0 && !self.seen.is_empty() && self.seen.len() == known)
    }
}

/// Medians of recent successful durations, by step instance name.
#[derive(Clone, Debug, Default)]
pub struct HistoryEstimator {
    // (Fx: every step's name is hashed once per run read and once per plan
    // lookup; SipHash was a fifth of the reading.)
    medians: FxHashMap<String, u64>,
}

impl HistoryEstimator {
    /// Reads the history of `workflow`: its runs newest first, each run's
    /// steps by the steps table's key, until every step seen has [`RECENT`]
    /// durations and a run brought no step not seen yet, or `RUNS` runs.
    /// With `only`, steps not named there are not looked at: a step renamed
    /// or removed since would otherwise keep the reading going to the
    /// hundredth run at every plan.
    /// Reading all of the last hundred runs took 0.35 s at every plan of a
    /// workflow of 5,000 steps; a step that has not succeeded since then is
    /// not looked for further back.
    pub fn load(
        store: &Store,
        workflow: &str,
        only: Option<&FxHashSet<&str>>,
    ) -> crate::Result<Self> {
        let conn = &store.conn;
        let mut runs = conn
            .prepare("SELECT id FROM runs WHERE workflow = ?1 ORDER BY started_at DESC LIMIT ?2")?;
        let ids: Vec<String> = runs
            .query_map(params![workflow, RUNS], |r| r.get(0))?
            .collect::<crate::Result<_>>()?;
        let mut packed = conn.prepare(super::durations::SELECT)?;
        let mut steps = conn.prepare(
            "SELECT name, duration_ms FROM steps
             WHERE run_id = ?1 AND graph = 'main' AND rollback_of = ''
               AND status = 'succeeded' AND duration_ms IS NOT NULL
               AND NOT EXISTS (SELECT 1 FROM step_inputs i WHERE i.run_id = steps.run_id
                               AND i.step = steps.name AND i.origin IS NOT NULL)",
        )?;
        let mut reading = Reading {
            only,
            seen: FxHashMap::default(),
            short: 0,
        };
        reading.seen.reserve(only.map_or(0, FxHashSet::len));
        for id in &ids {
            let known = reading.seen.len();
            // The run's packed row, else (an older run, or one that did not
            // end in its first session) its `steps` rows.
            if !super::durations::each(&mut packed, id, |name, ms| reading.take(name, ms))? {
                let read = steps.query_map([id], |row| {
                    let name = row.get_ref(0)?;
                    let name = name.text().ok_or_else(|| {
                        crate::Error::Database(format!("a step's name is not text: {name:?}"))
                    })?;
                    reading.take(name, row.get::<i64>(1)?.max(0) as u64);
                    Ok(())
                })?;
                read.collect::<crate::Result<()>>()?;
            }
            if reading.done(known) {
                break;
            }
        }
        Ok(HistoryEstimator {
            medians: reading
                .seen
                .into_iter()
                .map(|(k, mut r)| (k.into_owned(), r.median()))
                .collect(),
        })
    }

    /// The median of `step`'s recent successful durations (ms), if any.
    pub fn median(&self, step: &str) -> Option<u64> {
        self.medians.get(step).copied()
    }

    /// Steps with history.
    pub fn len(&self) -> usize {
        self.medians.len()
    }

    pub fn is_empty(&self) -> bool {
        self.medians.is_empty()
    }
}

/// The history of `workflow` in the store in `dir` (of the steps in `only`,
/// when given), when there is any (no store, an unreadable one, or no
/// successful step: `None`).
pub fn from_store(
    dir: &std::path::Path,
    workflow: &str,
    only: Option<&FxHashSet<&str>>,
) -> Option<HistoryEstimator> {
    let store = super::Store::open_existing(dir).ok()??;
    from_open_store(&store, workflow, only)
}

/// [`from_store`] on a store already open.
pub fn from_open_store(
    store: &super::Store,
    workflow: &str,
    only: Option<&FxHashSet<&str>>,
) -> Option<HistoryEstimator> {
    HistoryEstimator::load(store, workflow, only)
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

    /// A store with twelve runs of `deploy` (run i: `build` took i ms; each
    /// also has a failed step and a `finally` step, which do not count), an
    /// older run where `rare` succeeded, and another workflow's run.
    fn store(seldom: bool) -> Store {
        let mut conn = rusqlite::Connection::open_in_memory().unwrap();
        crate::schema::migrate(&mut conn).unwrap();
        let run = |id: &str, wf: &str, at: i64| {
            conn.execute(
                "INSERT INTO runs (id, workflow, file, file_hash, params, status, jobs, steps,
                                   pid, started_at, heartbeat_at)
                 VALUES (?1, ?2, 'f', 'h', '{}', 'succeeded', 1, 1, 1, ?3, ?3)",
                rusqlite::params![id, wf, at],
            )
            .unwrap();
        };
        let step = |id: &str, graph: &str, name: &str, status: &str, ms: i64| {
            conn.execute(
                "INSERT INTO steps (run_id, graph, name, kind, seq, status, duration_ms)
                 VALUES (?1, ?2, ?3, 'shell', 0, ?4, ?5)",
                rusqlite::params![id, graph, name, status, ms],
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
        if seldom {
            step("r11", "main", "seldom", "succeeded", 3);
        }
        run("x", "other", 99);
        step("x", "main", "build", "succeeded", 5000);
        Store::over(conn, std::path::Path::new("")).unwrap()
    }

    #[test]
    fn the_recent_successes_of_the_main_graph_count() {
        let h = HistoryEstimator::load(&store(false), "deploy", None).unwrap();
        // The ten newest: 3..=12. Every step seen then has ten, and the
        // tenth run brought no new one: older runs are not read.
        assert_eq!(h.medians.get("build"), Some(&7));
        assert_eq!(h.medians.get("rare"), None);
        assert_eq!(h.medians.get("flaky"), None);
        assert_eq!(h.medians.get("cleanup"), None);
        assert_eq!(h.len(), 1);
        // A step with fewer than ten successes keeps the reading going.
        let h = HistoryEstimator::load(&store(true), "deploy", None).unwrap();
        assert_eq!(h.medians.get("build"), Some(&7));
        assert_eq!(h.medians.get("seldom"), Some(&3));
        assert_eq!(h.medians.get("rare"), Some(&7));
    }

    #[test]
    fn newer_runs_without_a_success_do_not_hide_the_history() {
        // Runs that started after r12 and have no succeeded step yet (on a
        // server, runs of the same workflow started a moment before).
        let store = store(false);
        for i in 0..3 {
            store
                .conn
                .execute(
                    "INSERT INTO runs (id, workflow, file, file_hash, params, status, jobs,
                                       steps, pid, started_at, heartbeat_at)
                     VALUES (?1, 'deploy', 'f', 'h', '{}', 'running', 1, 1, 1, ?2, ?2)",
                    params![format!("live{i}"), 100 + i],
                )
                .unwrap();
        }
        let h = HistoryEstimator::load(&store, "deploy", None).unwrap();
        assert_eq!(h.medians.get("build"), Some(&7));
    }

    #[test]
    fn a_runs_packed_row_is_read_instead_of_its_steps_rows() {
        let conn = store(false);
        let mut d = crate::durations::Durations::default();
        d.push("build", 1000); // its `steps` row says 12
        d.push("new", 4);
        let tx = conn.conn.write().unwrap();
        d.store(&tx, "r12").unwrap();
        tx.commit().unwrap();
        let h = HistoryEstimator::load(&conn, "deploy", None).unwrap();
        assert_eq!(h.medians.get("new"), Some(&4));
        // 1000 and 11..=3; with r12's `steps` row read too, 1000, 12..=4 (8).
        assert_eq!(h.medians.get("build"), Some(&7));
    }

    #[test]
    fn a_damaged_packed_row_gives_what_precedes_the_damage() {
        let conn = store(false);
        let mut d = crate::durations::Durations::default();
        d.push("lone", 9);
        let tx = conn.conn.write().unwrap();
        d.store(&tx, "r12").unwrap();
        // A name's length past the row's end.
        tx.execute(
            "UPDATE durations SET packed = CAST(packed || x'7f41' AS BLOB) WHERE run_id = 'r12'",
            (),
        )
        .unwrap();
        tx.commit().unwrap();
        let h = HistoryEstimator::load(&conn, "deploy", None).unwrap();
        assert_eq!(h.medians.get("lone"), Some(&9));
        assert_eq!(h.medians.get("build"), Some(&6), "11..=2: r12 gave none");
    }

    #[test]
    fn only_the_plans_steps_are_looked_for() {
        // `seldom` (one success, in r11) is no longer in the workflow. Looked
        // for, it kept the reading going down to the oldest run (where
        // `rare` is, above); now `build` has its ten in r12..=r3 and the
        // reading stops there, so `rare` is not reached either.
        let only: FxHashSet<&str> = ["build", "rare"].into_iter().collect();
        let h = HistoryEstimator::load(&store(true), "deploy", Some(&only)).unwrap();
        assert_eq!(h.medians.get("build"), Some(&7));
        assert_eq!(h.medians.get("seldom"), None);
        assert_eq!(h.medians.get("rare"), None);
        // Every step of the plan full: no further run is read.
        let only: FxHashSet<&str> = ["build"].into_iter().collect();
        let h = HistoryEstimator::load(&store(true), "deploy", Some(&only)).unwrap();
        assert_eq!(h.medians.get("build"), Some(&7));
        assert_eq!(h.len(), 1);
    }
}

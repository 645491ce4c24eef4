//! A run's steps a page at a time, and how many there are of each status:
//! what `GET /api/v1/runs/{id}` and MCP's `run_status` answer by default
//! (issue 52: a run of 2,000 steps made answers of megabytes).
//!
//! The steps are in [`super::detail`]'s order — the main graph's recorded
//! steps as first seen, then the plan's steps that never started
//! (`pending`), then the other graphs' — optionally only those of some
//! statuses. A page is read keys first (names only, `LIMIT`/`OFFSET`),
//! then each of its rows by its primary key: memory follows the page (and
//! the plan's names, for `pending`), never the whole run's rows.

use super::{
    attempt_row, last_session_attempts, pending, step_row, StepRow, ATTEMPT_COLUMNS, STEP_COLUMNS,
};
use crate::db::Optional;
use crate::params;
use crate::Store;
use std::collections::{BTreeMap, HashSet};

/// What page of a run's steps to read.
#[derive(Clone, Debug)]
pub struct StepQuery {
    /// Only steps of these statuses (`pending` for those not started).
    pub statuses: Option<Vec<String>>,
    /// How many of the chosen steps come before the page.
    pub from: usize,
    /// The most steps the page holds.
    pub limit: usize,
    /// The most bytes of JSON its steps take; at least one step is given.
    pub max_bytes: usize,
}

/// A page of a run's steps.
#[derive(Clone, Debug)]
pub struct StepPage {
    pub steps: Vec<StepRow>,
    /// How many steps the query chose, over every page.
    pub total: usize,
    /// `from` of the next page, when more steps follow.
    pub next: Option<usize>,
}

/// How many steps of run `id` have each status, `pending` counting the
/// planned steps that never started (every graph's steps counted).
pub fn counts(store: &Store, id: &str) -> crate::Result<BTreeMap<String, usize>> {
    RunSteps::open(store, id)?.counts()
}

/// The page `q` asks of run `id`'s steps.
pub fn page(store: &Store, id: &str, q: &StepQuery) -> crate::Result<StepPage> {
    RunSteps::open(store, id)?.page(q)
}

/// One run's steps, for any number of counts and pages: its plan's steps
/// that never started are found once.
pub struct RunSteps<'s> {
    store: &'s Store,
    id: String,
    /// (name, kind) of each, in the plan's order.
    pending: Vec<(String, String)>,
}

impl<'s> RunSteps<'s> {
    pub fn open(store: &'s Store, id: &str) -> crate::Result<RunSteps<'s>> {
        Ok(RunSteps {
            store,
            id: id.to_owned(),
            pending: not_started(store, id)?,
        })
    }

    /// How many steps have each status, `pending` included.
    pub fn counts(&self) -> crate::Result<BTreeMap<String, usize>> {
        let mut q = self.store.conn.prepare_cached(
            "SELECT status, count(*) FROM steps WHERE run_id = ?1 GROUP BY status",
        )?;
        let rows = q.query_map([&self.id], |r| Ok((r.get::<String>(0)?, r.get::<i64>(1)?)))?;
        let mut counts = BTreeMap::new();
        for row in rows {
            let (status, n) = row?;
            counts.insert(status, n as usize);
        }
        if !self.pending.is_empty() {
            counts.insert("pending".into(), self.pending.len());
        }
        Ok(counts)
    }

    /// The page `q` asks.
    pub fn page(&self, q: &StepQuery) -> crate::Result<StepPage> {
        let (store, id) = (self.store, self.id.as_str());
        let statuses = q.statuses.as_ref().map(|s| format!(",{},", s.join(",")));
        let pending: &[(String, String)] = match &q.statuses {
            Some(s) if !s.iter().any(|s| s == "pending") => &[],
            _ => &self.pending,
        };
        let count = |main: bool| -> crate::Result<usize> {
            store.conn.query_row(
                &format!(
                    "SELECT count(*) FROM steps WHERE run_id = ?1 AND (graph = 'main') = ?2
                     AND {STATUS_IN}"
                ),
                params![id, main, statuses],
                |r| r.get::<i64>(0).map(|n| n as usize),
            )
        };
        let main = count(true)?;
        let others = count(false)?;
        let total = main + pending.len() + others;

        // The keys of the page, section by section.
        let mut keys: Vec<Key> = Vec::new();
        let mut from = q.from;
        let want = |keys: &Vec<Key>| q.limit.saturating_sub(keys.len());
        for (section, len) in [
            (Section::Main, main),
            (Section::Pending, pending.len()),
            (Section::Others, others),
        ] {
            if from >= len {
                from -= len;
                continue;
            }
            let n = want(&keys).min(len - from);
            match section {
                Section::Pending => keys.extend(
                    pending[from..from + n]
                        .iter()
                        .map(|(name, kind)| Key::Pending(name.clone(), kind.clone())),
                ),
                Section::Main | Section::Others => {
                    let mut s = store.conn.prepare_cached(&format!(
                        "SELECT graph, rollback_of, name FROM steps
                         WHERE run_id = ?1 AND (graph = 'main') = ?2 AND {STATUS_IN}
                         ORDER BY seq LIMIT ?4 OFFSET ?5"
                    ))?;
                    let main = matches!(section, Section::Main);
                    let rows = s
                        .query_map(params![id, main, statuses, n as i64, from as i64], |r| {
                            Ok(Key::Recorded(r.get(0)?, r.get(1)?, r.get(2)?))
                        })?;
                    for k in rows {
                        keys.push(k?);
                    }
                }
            }
            from = 0;
            if want(&keys) == 0 {
                break;
            }
        }

        // Their rows, until the page is full.
        let mut steps = Vec::with_capacity(keys.len());
        let mut bytes = 0;
        for key in keys {
            let Some(step) = row(store, id, key)? else {
                continue; // gone since its key was read (a pruned run)
            };
            let size = serde_json::to_vec(&step).map_or(0, |b| b.len());
            if !steps.is_empty() && bytes + size > q.max_bytes {
                break;
            }
            bytes += size;
            steps.push(step);
        }
        let end = q.from + steps.len();
        Ok(StepPage {
            next: (end < total && !steps.is_empty()).then_some(end),
            steps,
            total,
        })
    }
}

/// `status` among the `,`-separated statuses of `?3`, or `?3` is null.
const STATUS_IN: &str = "(CAST(?3 AS TEXT) IS NULL OR instr(?3, ',' || status || ',') > 0)";

#[derive(Clone, Copy)]
enum Section {
    Main,
    Pending,
    Others,
}

/// A step of the page: recorded (graph, rollback_of, name), or planned and
/// not started (name, kind).
enum Key {
    Recorded(String, String, String),
    Pending(String, String),
}

/// A step's row with its attempts.
fn row(store: &Store, id: &str, key: Key) -> crate::Result<Option<StepRow>> {
    let (graph, of, name) = match key {
        Key::Pending(name, kind) => return Ok(Some(pending(name, kind))),
        Key::Recorded(graph, of, name) => (graph, of, name),
    };
    let mut q = store.conn.prepare_cached(&format!(
        "SELECT {STEP_COLUMNS} FROM steps
         WHERE run_id = ?1 AND graph = ?2 AND rollback_of = ?3 AND name = ?4"
    ))?;
    let Some(mut step) = q
        .query_row(params![id, graph, of, name], step_row)
        .optional()?
    else {
        return Ok(None);
    };
    let mut q = store.conn.prepare_cached(&format!(
        "SELECT {ATTEMPT_COLUMNS} FROM attempts
         WHERE run_id = ?1 AND graph = ?2 AND rollback_of = ?3 AND step = ?4
         ORDER BY session, number"
    ))?;
    let attempts = q.query_map(params![id, graph, of, name], |r| attempt_row(r, 0))?;
    step.attempt_log = attempts.collect::<crate::Result<_>>()?;
    last_session_attempts(&mut step);
    Ok(Some(step))
}

/// The planned steps of run `id` that no main-graph row names, in the
/// plan's order: (name, kind).
fn not_started(store: &Store, id: &str) -> crate::Result<Vec<(String, String)>> {
    let Some(planned) = crate::run_graph::planned_steps(store, id)? else {
        return Ok(Vec::new());
    };
    let mut q = store
        .conn
        .prepare("SELECT name FROM steps WHERE run_id = ?1 AND graph = 'main'")?;
    let recorded: HashSet<String> = q
        .query_map([id], |r| r.get(0))?
        .collect::<crate::Result<_>>()?;
    Ok(planned
        .into_iter()
        .filter(|s| !recorded.contains(&s.name))
        .map(|s| (s.name, s.kind))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store_recorder::{RunMeta, StoreRecorder};
    use std::time::{Duration, SystemTime};
    use wfc_contract::{Attempt, GraphName, Recorder, RunInfo, StepEnd, StepKey, StepStatus};

    const LOOP: &str = r#"
workflow w {
  for each i in range(0, 12) parallel {
    step s: shell { run "true" }
  }
  finally {
    step tidy: shell { run "true" }
  }
}
"#;

    /// Ends step `name` of `graph` with `status` and `outputs`.
    fn end(
        r: &mut StoreRecorder,
        graph: GraphName,
        name: &str,
        status: StepStatus,
        outputs: serde_json::Value,
    ) {
        let k = StepKey {
            graph,
            name: name.into(),
            kind: "shell",
        };
        let at = SystemTime::now();
        let took = Duration::from_millis(2);
        r.attempt_started(&k, 1, at);
        let error = (status != StepStatus::Succeeded).then(|| "exit 1".to_owned());
        let a = Attempt {
            number: 1,
            status,
            started_at: at,
            duration: took,
            exit_code: Some(0),
            error: error.clone(),
            outputs: outputs.clone(),
            usage: None,
        };
        r.attempt_ended(&k, &a);
        let e = StepEnd {
            status,
            attempts: 1,
            started_at: Some(at),
            duration: took,
            exit_code: Some(0),
            error,
            outputs,
            optional: false,
        };
        r.step_ended(&k, &e);
    }

    /// A run of the 12-step loop: 8 steps ended (one failed, one with a big
    /// output), 4 never started, and `tidy` in `finally`.
    fn recorded() -> (tempfile::TempDir, Store) {
        let (plan, wf) = crate::run_graph::tests::plan_of(LOOP);
        let dir = tempfile::tempdir().unwrap();
        let store = crate::test_store::open(dir.path());
        let meta = RunMeta {
            file_hash: "0".into(),
            plan: crate::reuse::stored_fingerprints(&plan, &wf),
            ..Default::default()
        };
        let mut r = StoreRecorder::new(&store, "r", meta).unwrap();
        r.run_started(&RunInfo {
            run_id: "r".into(),
            workflow: "w".into(),
            file: "w.wf".into(),
            params: Vec::new(),
            jobs: 2,
            steps: 13,
            started_at: SystemTime::now(),
        })
        .unwrap();
        for s in plan.main.steps.iter().take(8) {
            let (status, out) = match s.name.as_str() {
                "s[3]" => (StepStatus::Failed, serde_json::Value::Null),
                "s[5]" => (
                    StepStatus::Succeeded,
                    serde_json::json!({"text": "x".repeat(5000)}),
                ),
                _ => (StepStatus::Succeeded, serde_json::Value::Null),
            };
            end(&mut r, GraphName::Main, &s.name, status, out);
        }
        end(
            &mut r,
            GraphName::Handler(wfc_contract::Handler::Finally),
            "tidy",
            StepStatus::Succeeded,
            serde_json::Value::Null,
        );
        r.flush().unwrap();
        drop(r);
        crate::journal::fold(&store.conn, "r").unwrap();
        (dir, store)
    }

    fn names(steps: &[StepRow]) -> Vec<String> {
        steps
            .iter()
            .map(|s| format!("{}:{}", s.name, s.status))
            .collect()
    }

    /// Every page of `q`, one after the other.
    fn all_pages(store: &Store, mut q: StepQuery) -> (Vec<StepRow>, usize) {
        let (mut steps, mut pages) = (Vec::new(), 0);
        loop {
            let p = page(store, "r", &q).unwrap();
            pages += 1;
            steps.extend(p.steps);
            match p.next {
                Some(n) => q.from = n,
                None => return (steps, pages),
            }
        }
    }

    #[test]
    fn pages_put_together_are_the_whole_detail_and_counts_add_up() {
        let (_dir, store) = recorded();
        let whole = crate::query::detail(&store, "r")
            .unwrap()
            .unwrap()
            .step_list;
        assert_eq!(whole.len(), 13);
        let q = StepQuery {
            statuses: None,
            from: 0,
            limit: 5,
            max_bytes: 1 << 20,
        };
        let (paged, pages) = all_pages(&store, q.clone());
        assert_eq!(names(&paged), names(&whole));
        assert_eq!(pages, 3);
        assert_eq!(paged[0].attempt_log.len(), 1, "attempts come with a page");
        // A byte bound cuts a page before the step that would pass it.
        let (paged, pages) = all_pages(
            &store,
            StepQuery {
                limit: 100,
                max_bytes: 3000,
                ..q.clone()
            },
        );
        assert_eq!(names(&paged), names(&whole));
        assert!(pages >= 3, "{pages}");

        let counts = counts(&store, "r").unwrap();
        let want: BTreeMap<String, usize> = [("failed", 1), ("pending", 4), ("succeeded", 8)]
            .map(|(s, n)| (s.to_owned(), n))
            .into();
        assert_eq!(counts, want);
    }

    #[test]
    fn a_status_filter_pages_only_its_steps() {
        let (_dir, store) = recorded();
        let q = |s: &[&str]| StepQuery {
            statuses: Some(s.iter().map(|s| s.to_string()).collect()),
            from: 0,
            limit: 2,
            max_bytes: 1 << 20,
        };
        let failed = page(&store, "r", &q(&["failed"])).unwrap();
        assert_eq!(names(&failed.steps), ["s[3]:failed"]);
        assert_eq!((failed.total, failed.next), (1, None));
        let (pending, _) = all_pages(&store, q(&["pending", "failed"]));
        assert_eq!(
            names(&pending),
            [
                "s[3]:failed",
                "s[8]:pending",
                "s[9]:pending",
                "s[10]:pending",
                "s[11]:pending"
            ]
        );
        let past = page(
            &store,
            "r",
            &StepQuery {
                from: 99,
                ..q(&["succeeded"])
            },
        )
        .unwrap();
        assert!(past.steps.is_empty() && past.next.is_none());
    }
}

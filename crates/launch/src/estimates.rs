//! History estimates: each step's median duration in the store's recent
//! runs of the workflow, which order the scheduler's priorities (the
//! critical path first) as `wfc plan` shows them.

use rustc_hash::FxHashSet;
use std::path::Path;
use wfc_plan::Plan;
use wfc_store::history_estimator::{self, HistoryEstimator};
use wfc_store::Store;

/// Takes `plan`'s estimates from the store `store` (only main-graph steps
/// have a history).
pub fn from_store(plan: &mut Plan, store: &Store) {
    let only: FxHashSet<&str> = plan.main.steps.iter().map(|s| s.name.as_str()).collect();
    let history = history_estimator::from_open_store(store, &plan.workflow, Some(&only));
    apply(plan, history);
}

/// [`from_store`] from the store in `dir`, if there is one.
pub fn from_dir(plan: &mut Plan, dir: &Path) {
    let history = {
        let only: FxHashSet<&str> = plan.main.steps.iter().map(|s| s.name.as_str()).collect();
        history_estimator::from_store(dir, &plan.workflow, Some(&only))
    };
    tracing::trace!(target: "wfc::timing", "history: estimates");
    apply(plan, history);
}

fn apply(plan: &mut Plan, history: Option<HistoryEstimator>) {
    if let Some(h) = history {
        plan.reestimate(&|name| h.median(name));
    }
}

/// [`from_dir`] in two halves: the store is opened on a thread
/// ([`Reader::open`]), the step names follow once planned
/// ([`Reader::read`]), and the returned function waits for the reading and
/// takes it into the plan. Whatever else readies the run goes on in between
/// (its record opening, the reaper starting): reading the history is
/// ~2 ms for a workflow of 220 steps with ten runs, and grows with the
/// steps.
pub struct Reader {
    names: std::sync::mpsc::Sender<(String, Vec<String>)>,
    reading: std::thread::JoinHandle<Option<HistoryEstimator>>,
}

impl Reader {
    /// Files up to this size (1,000 steps of the benchmark's shapes: 68 KB
    /// for a chain, 207 KB for layers) have their history's store opened
    /// while they compile ([`Reader::early`]), which starts their first
    /// step ~0.5–1 ms sooner. Files of 5,000 steps (352 KB and more) stay
    /// out: their connection would sit beside the front end's peak.
    pub const EARLY_MAX_FILE: u64 = 256 * 1024;

    /// [`Reader::open`] while `file` compiles, if it is small.
    pub fn early(file: &Path, state_dir: &Path) -> Option<Reader> {
        let small =
            std::fs::metadata(file).is_ok_and(|m| m.is_file() && m.len() <= Self::EARLY_MAX_FILE);
        small.then(|| Self::open(state_dir)).flatten()
    }

    /// Opens the store in `state_dir` on a thread, which then waits for the
    /// step names (`None`: no store there, or no thread to be had).
    pub fn open(state_dir: &Path) -> Option<Reader> {
        if !wfc_store::exists(state_dir) {
            return None;
        }
        let (names, asked) = std::sync::mpsc::channel::<(String, Vec<String>)>();
        let dir = state_dir.to_owned();
        let reading = std::thread::Builder::new()
            .name("wfc-history".into())
            .spawn(move || {
                let store = Store::open_existing(&dir).ok()??;
                // No names: the plan was big after all, or did not compile.
                let (workflow, names) = asked.recv().ok()?;
                let only = names.iter().map(String::as_str).collect();
                history_estimator::from_open_store(&store, &workflow, Some(&only))
            })
            .ok()?;
        Some(Reader { names, reading })
    }

    /// Reads `plan`'s history; the returned function takes it into the plan.
    pub fn read(self, plan: &Plan) -> impl FnOnce(&mut Plan) + Send + use<> {
        let names = plan.main.steps.iter().map(|s| s.name.clone()).collect();
        let _ = self.names.send((plan.workflow.clone(), names));
        let reading = self.reading;
        move |plan: &mut Plan| apply(plan, reading.join().ok().flatten())
    }
}

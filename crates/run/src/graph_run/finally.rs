//! `after` steps: local `finally`s.
//!
//! A step with `after` (or one that reads a `.status`) waits for the steps it
//! names to end, however they ended, and it still starts while the run is
//! stopping — after a required failure, a first Ctrl-C or `wfc cancel`, or
//! the workflow's `timeout` — as `finally` handlers do. Nothing else starts
//! then: when nothing runs any more, the steps that never will are ended as
//! not run (which ends what they hold up), so that the `after` steps waiting
//! for them can go. The second Ctrl-C, which cancels the handlers, cancels
//! running `after` steps too and starts no more.
//!
//! On `wfc resume`, an `after` step that succeeded runs again when a step
//! it waits for did not succeed before (that step runs again, so its
//! `finally` must follow it again), and so does what depends on it.
//!
//! An `after` step never changes the run's outcome: a failure that stopped
//! the run stays the run's failure, and a failing `after` step fails the run
//! as any required step does.

use super::{GraphRun, Mode};
use crate::runner::Runner;
use crate::state::State;
use std::cmp::Reverse;
use tokio_util::sync::CancellationToken;
use wfc_plan::{EdgeKind, Graph, InstanceId, PlannedStep, Value};

impl Runner<'_> {
    /// The next ready step to start: any while the run goes on; once it is
    /// stopping, only `after` steps (the others are left pending, to end
    /// as not run).
    pub(super) fn next_ready(&mut self, g: &mut GraphRun) -> Option<InstanceId> {
        if !g.stopping {
            return g.topo.ready.pop().map(|(_, Reverse(v))| v);
        }
        if self.force.is_cancelled() || !matches!(g.mode, Mode::Main { .. }) {
            return None;
        }
        while let Some((_, Reverse(v))) = g.topo.ready.pop() {
            if g.graph.steps[v].finally && g.topo.state[v] == State::Pending {
                return Some(v);
            }
        }
        None
    }

    /// Once nothing runs in a stopping run: ends every pending step but the
    /// `after` ones as not run, telling their dependents. Returns whether an
    /// `after` step became ready.
    pub(super) fn wind_down(&mut self, g: &mut GraphRun) -> bool {
        let waiting = |g: &GraphRun, v: InstanceId| {
            g.graph.steps[v].finally && g.topo.state[v] == State::Pending
        };
        if self.force.is_cancelled() || !(0..g.graph.len()).any(|v| waiting(g, v)) {
            return false;
        }
        for v in 0..g.graph.len() {
            if g.topo.state[v] == State::Pending && !g.graph.steps[v].finally {
                let why = self.why_not_run(g, v);
                self.cannot_run(g, v, &why);
            }
        }
        g.topo.ready.iter().any(|&(_, Reverse(v))| waiting(g, v))
    }

    /// The cancellation of a step about to start: an `after` step of the
    /// main graph is cancelled by the second Ctrl-C, not the first.
    pub(super) fn step_token(&self, step: &PlannedStep) -> CancellationToken {
        if step.finally {
            self.force.child_token()
        } else {
            CancellationToken::new()
        }
    }
}

/// The steps of an earlier session to restore (those that succeeded, by
/// instance name), but an `after` step that waits for a step that runs
/// again, and what depends on such a step.
pub(super) fn restorable(graph: &Graph, restored: Vec<(String, Value)>) -> Vec<(String, Value)> {
    if restored.is_empty() || !graph.steps.iter().any(|s| s.finally) {
        return restored;
    }
    let index: rustc_hash::FxHashMap<&str, InstanceId> = graph
        .steps
        .iter()
        .enumerate()
        .map(|(i, s)| (s.name.as_str(), i))
        .collect();
    let mut kept = vec![false; graph.len()];
    for (name, _) in &restored {
        if let Some(&v) = index.get(name.as_str()) {
            kept[v] = true;
        }
    }
    let mut again = vec![false; graph.len()];
    loop {
        let mut changed = false;
        for (v, s) in graph.steps.iter().enumerate() {
            if !kept[v] || again[v] {
                continue;
            }
            let redo = s.deps.iter().any(|d| {
                let t = d.on();
                again[t] || (s.finally && d.why == EdgeKind::After && !kept[t])
            });
            if redo {
                again[v] = true;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    restored
        .into_iter()
        .filter(|(name, _)| index.get(name.as_str()).is_none_or(|&v| !again[v]))
        .collect()
}

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
//! An `after` step never changes the run's outcome: a failure that stopped
//! the run stays the run's failure, and a failing `after` step fails the run
//! as any required step does.

use super::{GraphRun, Mode};
use crate::runner::Runner;
use crate::state::State;
use std::cmp::Reverse;
use tokio_util::sync::CancellationToken;
use wfc_plan::{InstanceId, PlannedStep};

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

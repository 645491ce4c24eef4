//! `parallel … wait any` blocks in the scheduler: what happens when one is
//! decided (see [`crate::state::Topology::member_ended`]).

use super::GraphRun;
use crate::runner::Runner;
use crate::state::{Resolution, State};
use wfc_contract::StepStatus;
use wfc_plan::InstanceId;

impl Runner<'_> {
    /// A `wait any` block was decided by member `v`.
    pub(super) fn group_decided(
        &mut self,
        g: &mut GraphRun,
        a: usize,
        node: usize,
        how: Resolution,
        v: InstanceId,
        error: Option<&str>,
    ) {
        let members = g.topo.any[a].members.clone();
        let name = g.topo.any[a].name.clone();
        if how == Resolution::Succeeded {
            let winner = g.graph.steps[v].name.clone();
            for &m in &members {
                match g.topo.state[m] {
                    State::Running => {
                        if let Some(t) = &g.steps[m].cancel {
                            t.cancel();
                        }
                    }
                    State::Pending => {
                        g.topo.member_ended(m, StepStatus::Skipped);
                        self.skip_quiet(g, m, &format!("`{winner}` succeeded first in `{name}`"));
                        // Whoever waits for this member's own end (`after`) goes on.
                        self.resolve(g, m, Resolution::Absent);
                    }
                    State::Done(_) => {}
                }
            }
        }
        if how == Resolution::Failed {
            // The step blamed ran: `v` may be one that could not run
            // (a sequential loop's next iteration), not the last failure.
            let ran = |m: InstanceId| matches!(g.topo.state[m], State::Done(s) if s.is_failure() || s == StepStatus::Cancelled);
            let blame = if ran(v) {
                Some(v)
            } else {
                g.completion
                    .iter()
                    .rev()
                    .copied()
                    .find(|&m| members.contains(&m) && ran(m))
            };
            let msg = match blame {
                Some(b) if b == v => format!(
                    "every member of `{name}` failed; the last: {}",
                    error.unwrap_or("failed")
                ),
                _ => format!("every member of `{name}` failed"),
            };
            self.required_failed(g, blame.unwrap_or(v), msg);
        }
        self.resolve(g, node, how);
    }
}

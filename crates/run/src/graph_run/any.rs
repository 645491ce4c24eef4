//! `depends on a, any(b, c)` at run time. The members' edges only order
//! (see [`wfc_plan::EdgeKind::Any`]): when the step is ready every member
//! has ended, and its groups decide whether it starts. A member's failure
//! is the group's to judge: it does not fail the run while nothing else
//! needs it to succeed; a group with no success does, for a required step.

use super::GraphRun;
use crate::runner::Runner;
use crate::state::State;
use wfc_contract::StepStatus;
use wfc_plan::InstanceId;

impl Runner<'_> {
    /// Ends ready step `v` as not run if one of its `any(…)` groups had no
    /// success; returns whether it did.
    pub(super) fn any_unmet(&mut self, g: &mut GraphRun, v: InstanceId) -> bool {
        let Some((label, failed)) = unmet(g, v) else {
            return false;
        };
        let why = format!("no member of `{label}` succeeded");
        self.cannot_run(g, v, &why);
        if failed && !g.graph.steps[v].optional {
            self.required_failed(g, v, why);
        }
        true
    }
}

/// The first of `v`'s groups with no success, and whether a member of it
/// failed or was cancelled (rather than not running).
fn unmet(g: &GraphRun, v: InstanceId) -> Option<(String, bool)> {
    let ended = |i: InstanceId| match g.topo.state[i] {
        State::Done(s) => Some(s),
        _ => None,
    };
    for a in g.graph.steps[v].any.iter() {
        let all = a.members.iter().flatten().map(|&i| ended(i));
        let absent = all.clone().all(|s| s == Some(StepStatus::Skipped));
        let one = a.members.iter().any(|m| {
            let s: Vec<_> = m.iter().map(|&i| ended(i)).collect();
            s.iter()
                .all(|s| matches!(s, Some(StepStatus::Succeeded | StepStatus::Skipped)))
                && s.contains(&Some(StepStatus::Succeeded))
        });
        if !one && !absent {
            let failed = all
                .clone()
                .any(|s| s.is_some_and(|s| s.is_failure() || s == StepStatus::Cancelled));
            return Some((a.label.clone(), failed));
        }
    }
    None
}

/// Whether a failure of `v` is left to the `any(…)` groups naming it:
/// some step names it in one, and nothing waits for it to succeed.
pub(super) fn judged_by_groups(g: &GraphRun, v: InstanceId) -> bool {
    let named = g.graph.steps.iter().any(|s| {
        s.any
            .iter()
            .any(|a| a.members.iter().flatten().any(|&m| m == v))
    });
    named && g.topo.dependents[v].iter().all(|&(_, hard)| !hard)
}

//! Run-time loops in the scheduler: a `for each` whose list is known only
//! once the run reaches it is unrolled when its first template step is ready
//! (see [`wfc_plan::expand`]); the templates then wait as joins.

use super::{GraphRef, GraphRun, StepRun};
use crate::runner::Runner;
use crate::state::Resolution;
use std::sync::Arc;
use wfc_contract::StepStatus;
use wfc_plan::expand;
use wfc_plan::{GroupId, GroupKind, InstanceId, Value};

impl Runner<'_> {
    /// A template whose copies all ended: it succeeds without running or
    /// being recorded, and its dependents go on.
    pub(super) fn join(&mut self, g: &mut GraphRun, v: InstanceId) {
        if g.topo.waiting[v] > 0 {
            return; // queued before its loop was unrolled
        }
        g.topo.start(v);
        g.topo.end(v, StepStatus::Succeeded);
        // Not in `completion`: compensations belong to the copies.
        self.resolve(g, v, Resolution::Succeeded);
    }

    /// Template `v` of run-time loop `group` is ready: evaluates the loop's
    /// list, unrolls the loop into the graph and carries the run over.
    pub(super) fn unroll(
        &mut self,
        g: &mut GraphRun,
        v: InstanceId,
        group: GroupId,
        failed: Option<(&str, &str)>,
    ) {
        let list = {
            let graph = g.graph.clone();
            let step = &graph.steps[v];
            let GroupKind::ForEach { iter, .. } = &graph.groups[group].kind else {
                return;
            };
            let mut ev = self.evaluator(g, step, failed);
            let list = ev.eval(iter);
            self.secrets.add(ev.take_derived());
            list
        };
        let items = match list {
            Ok(Value::List(items)) => items,
            // Never a loop over nothing: a list that does not exist is an
            // error, not zero iterations.
            Ok(Value::Null) => {
                let why = match self.unsuccessful_producer(g, v) {
                    Some((p, _)) => format!("`{p}` did not succeed"),
                    None => "a value it reads does not exist".into(),
                };
                return self.fail_now(g, v, format!("the loop's list has no value: {why}"));
            }
            Ok(other) => {
                let msg = format!("the loop's list gave `{}`, not a list", other.literal());
                return self.fail_now(g, v, msg);
            }
            Err(e) => return self.fail_now(g, v, format!("evaluating the loop's list: {e}")),
        };
        // The plan's bound holds for the run too (E0413): counted before a
        // step is copied, so a step printing a million lines fails the loop
        // rather than filling memory.
        let (held, added) = (
            expand::held(&g.graph),
            expand::added(&g.graph, group, items.len()),
        );
        if held.saturating_add(added) > expand::MAX_STEPS {
            let error = too_big(&g.graph.groups[group].name, items.len(), held, added);
            return self.fail_now(g, v, error);
        }
        if let GraphRef::Plan(plan) = g.graph {
            g.graph = GraphRef::Grown(Arc::new(plan.clone()));
        }
        let GraphRef::Grown(grown) = &mut g.graph else {
            return;
        };
        let graph = Arc::make_mut(grown);
        let old = graph.len();
        let added = expand::expand(graph, group, &items);
        let n = graph.len();
        let mut prio = g.topo.prio.clone();
        prio.resize(n, 0);
        g.outputs.resize(n, None);
        g.keep.resize(n, false);
        g.joins.resize(n, false);
        for (t, copies) in &added.copies {
            g.joins[*t] = true;
            for &c in copies {
                prio[c] = prio[*t];
                g.keep[c] = g.keep[*t];
            }
        }
        g.steps.extend((old..n).map(|_| StepRun::default()));
        let (topo, not_run) = g.topo.regrown(&g.graph, prio);
        g.topo = topo;
        self.report_not_run(g, not_run);
        // A race whose loop had no items may have no member left to wait for.
        for a in 0..g.topo.any.len() {
            if let Some((node, how)) = g.topo.settle(a) {
                self.group_decided(g, a, node, how, v, Some("the loop had no items"));
            }
        }
        // Iterations that succeeded before a `wfc resume` are not run again.
        for (_, copies) in &added.copies {
            for &c in copies {
                let name = &g.graph.steps[c].name;
                if let Some(i) = g.restore_later.iter().position(|(n, _)| n == name) {
                    let (_, value) = g.restore_later.swap_remove(i);
                    self.restored_step(g, c, value);
                }
            }
        }
        g.copies.extend(added.copies);
    }
}

/// The error of a run-time loop that would take its graph over the bound.
fn too_big(name: &str, items: usize, held: usize, added: usize) -> String {
    let max = expand::MAX_STEPS;
    format!(
        "E0413: the loop `{name}` would unroll {added} steps over {items} items, \
         the run would hold {}, more than {max}: a run holds at most {max} steps \
         (loops unrolled, at plan time or when the run reaches them); nothing of \
         the loop ran. Pass fewer items (split the list over several runs), or go \
         over the items inside one step (a shell `for` loop, a script)",
        held.saturating_add(added)
    )
}

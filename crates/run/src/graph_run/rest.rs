//! Waiting holds no slot. `concurrency` and `--jobs` bound the steps that do
//! work; a step waiting — a `sleep`, a gate waiting for a person (both take
//! no slot at all, see [`super::slots`]), the pause between the tries of an
//! `until` or the attempts of a `retry` — lets another step use its slot.
//!
//! A task that pauses says so ([`Event::Waiting`]): its slots are given
//! back. Before each next attempt, after a wait or at once, it asks for
//! them again ([`Event::Resume`]) and waits until the loop grants them,
//! which it does before starting anything new (first come, first served),
//! even while the run stops (the step is still running), never while the
//! run is paused (`wfc pause`: no failed attempt is retried).

use super::{GraphRun, StepRun};
use crate::runner::Runner;
use tokio::sync::oneshot;
use wfc_plan::InstanceId;

impl Runner<'_> {
    /// The slots `v` holds while it works: none inside a `for each …
    /// parallel N` when `jobs` is only the CPU count (the file's `N` bounds
    /// it, see [`wfc_plan::schedule::sized_by_file`]).
    pub(super) fn held(&self, g: &GraphRun, v: InstanceId) -> usize {
        if self.plan.schedule.default_cap && wfc_plan::schedule::sized_by_file(&g.graph, v) {
            return 0;
        }
        super::slots(
            &g.graph.steps[v],
            self.opts.jobs.max(1),
            self.opts.slurm_by_default,
        )
    }

    /// `v` paused: its slots are free until it resumes.
    pub(super) fn rest(&self, g: &mut GraphRun, v: InstanceId) {
        let held = self.held(g, v);
        let s: &mut StepRun = &mut g.steps[v];
        if !s.resting && s.started.is_some() {
            s.resting = true;
            g.slots = g.slots.saturating_sub(held);
        }
    }

    /// Grants the slots of paused steps that asked for them back, in the
    /// order they asked, while they fit.
    pub(super) fn resume_rested(&self, g: &mut GraphRun, jobs: usize) {
        while let Some((v, _)) = g.resuming.front() {
            let v = *v;
            let held = self.held(g, v);
            if g.steps[v].resting && g.slots + held > jobs && g.slots > 0 {
                break;
            }
            let (_, go) = g.resuming.pop_front().expect("a front");
            if std::mem::take(&mut g.steps[v].resting) {
                g.slots += held;
            }
            // A task cancelled meanwhile no longer listens: nothing to do.
            let _ = go.send(());
        }
    }

    /// `v` asks for its slots back to try again.
    pub(super) fn wants_back(&self, g: &mut GraphRun, v: InstanceId, go: oneshot::Sender<()>) {
        g.resuming.push_back((v, go));
    }
}

//! Waiting holds no slot. `concurrency` and `--jobs` bound the steps that do
//! work; a step waiting — a `sleep`, a gate waiting for a person (both take
//! no slot at all, see [`super::slots`]), the pause between the tries of an
//! `until` or the attempts of a `retry` — lets another step use its slot.
//!
//! A task that pauses says so ([`Event::Waiting`]): its slots are given
//! back. Before each next attempt, after a wait or at once, it asks for
//! them again ([`Event::Resume`]) and waits until the loop grants them,
//! which it does before starting anything new (first come, first served),
//! while the run stops only for an `after` step (a failed run stops what
//! only waits, see [`Runner::stop_waits`]), never while the run is paused
//! (`wfc pause`: no failed attempt is retried).

use super::{GraphName, GraphRun, Mode, StepRun};
use crate::runner::Runner;
use tokio::sync::oneshot;
use wfc_language::ir::StepKind;
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

    /// `v` asks for its slots back to try again. In a run that failed, only
    /// an `after` step tries again: any other is stopped (it waited when the
    /// run failed, or its wait ended as it failed).
    pub(super) fn wants_back(&self, g: &mut GraphRun, v: InstanceId, go: oneshot::Sender<()>) {
        if self.stops_waiting(g) && !g.graph.steps[v].finally {
            self.stop_waiting(g, v);
            return;
        }
        g.resuming.push_back((v, go));
    }

    /// The run failed (and `--keep-going` is not given): every step that only
    /// waits — a `sleep`, a gate waiting for a person, the pause before a
    /// retry or an `until`'s next try — is cancelled now, since nothing it
    /// waits for can change the outcome, so that handlers and rollbacks
    /// start at once. `after` steps wait on: they run whatever happened.
    pub(super) fn stop_waits(&self, g: &mut GraphRun) {
        for v in 0..g.steps.len() {
            let s = &g.steps[v];
            let sleeping = s.cancel.is_some() && g.graph.steps[v].kind == StepKind::Sleep;
            let waits = s.approval || s.resting || s.wake.is_some() || sleeping;
            // An approval is stopped even in an `after` step: no person can
            // change the outcome now.
            if waits && (s.approval || !g.graph.steps[v].finally) {
                self.stop_waiting(g, v);
            }
        }
    }

    /// `v` began to wait in a run that failed: it stops at once (as
    /// [`Self::stop_waits`] stops those that waited already).
    pub(super) fn stop_if_failed(&self, g: &mut GraphRun, v: InstanceId) {
        let person = g.steps[v].approval;
        if self.stops_waiting(g) && !person && !g.graph.steps[v].finally {
            self.stop_waiting(g, v);
        }
    }

    /// `fail fast` after required step `v` failed: the workflow's cancels
    /// every running step, a block's (or loop's) its members running; not
    /// `after` steps, which run whatever happened.
    pub(super) fn fail_fast(&self, g: &mut GraphRun, v: InstanceId) {
        let whole = self.plan.fail_fast && g.name == GraphName::Main;
        let mut scope: Vec<InstanceId> = Vec::new();
        if !whole {
            let mut group = g.graph.steps[v].group;
            while let Some(gi) = group {
                let grp = &g.graph.groups[gi];
                if grp.fail_fast {
                    scope.extend(&grp.members);
                }
                group = grp.parent;
            }
            if scope.is_empty() {
                return;
            }
        }
        for u in 0..g.steps.len() {
            let s = &mut g.steps[u];
            let Some(t) = &s.cancel else { continue };
            if u == v || g.graph.steps[u].finally || !(whole || scope.contains(&u)) {
                continue;
            }
            t.cancel();
            s.stopped_fast = true;
        }
    }

    fn stops_waiting(&self, g: &GraphRun) -> bool {
        g.stopping && g.failure.is_some() && matches!(g.mode, Mode::Main { keep_going: false })
    }

    fn stop_waiting(&self, g: &mut GraphRun, v: InstanceId) {
        let s = &mut g.steps[v];
        if let Some(t) = &s.cancel {
            t.cancel();
            s.stopped_waiting = true;
        }
    }
}

//! Steps that end without running: skipped, i.e. absent (their `if` was
//! false), or not run (the run stopped, a dependency failed or did not run,
//! their loop broke). Each is recorded with why.

use super::{is_join, GraphRun};
use crate::runner::Runner;
use crate::state::{Resolution, State};
use std::time::Duration;
use wfc_contract::GraphName;
use wfc_contract::{StepEnd, StepStatus};
use wfc_language::ir::Names;
use wfc_plan::{InstanceId, Value};

impl Runner<'_> {
    /// Records steps that a failure upstream ended as not run, each with
    /// what caused it.
    pub(super) fn report_not_run(&mut self, g: &mut GraphRun, ended: Vec<(InstanceId, usize)>) {
        for (w, cause) in ended {
            let why = if cause < g.topo.n {
                let c = joined_cause(g, cause);
                let name = &g.graph.steps[c].name;
                match g.topo.state[c] {
                    State::Done(StepStatus::Failed) => format!("`{name}` failed"),
                    State::Done(StepStatus::TimedOut) => format!("`{name}` timed out"),
                    State::Done(StepStatus::Cancelled) => format!("`{name}` was cancelled"),
                    _ => format!("`{name}` did not run"),
                }
            } else {
                let a = &g.topo.any[cause - g.topo.n];
                match a.decided {
                    Some(Resolution::Failed) => format!("every member of `{}` failed", a.name),
                    _ => format!("no member of `{}` ran", a.name),
                }
            };
            self.record_not_run(g, w, &why);
            if super::runtime_loop(&g.graph, w).is_some() && !is_join(g, w) {
                never_unrolled(g, w);
            }
        }
    }

    /// Ends a pending step as absent (its `if` is false): its dependents
    /// go on as if it had succeeded.
    pub(super) fn skip(&mut self, g: &mut GraphRun, v: InstanceId, why: &str) {
        g.topo.end(v, StepStatus::Skipped);
        self.record_skip(g, v, why);
        match g.topo.member_ended(v, StepStatus::Skipped) {
            Some((node, how)) => {
                let a = g.topo.any_of[v].unwrap_or(0);
                self.group_decided(g, a, node, how, v, None);
            }
            None => self.resolve(g, v, Resolution::Absent),
        }
    }

    /// Ends a pending step that must not run (its loop broke) as not run,
    /// and tells its block and its dependents.
    pub(super) fn cannot_run(&mut self, g: &mut GraphRun, v: InstanceId, why: &str) {
        match self.not_run(g, v, why) {
            Some((a, node, how)) => self.group_decided(g, a, node, how, v, Some(why)),
            None => self.resolve(g, v, Resolution::NotRun),
        }
    }

    fn record_not_run(&mut self, g: &GraphRun, v: InstanceId, why: &str) {
        if is_join(g, v) {
            return;
        }
        let key = self.key(g, v);
        self.recorder.step_ended(
            &key,
            &ended(StepStatus::NotRun, why, g.graph.steps[v].optional),
        );
    }

    /// Skips a pending `wait any` member whose block is already decided.
    pub(super) fn skip_quiet(&mut self, g: &mut GraphRun, v: InstanceId, why: &str) {
        g.topo.end(v, StepStatus::Skipped);
        self.record_skip(g, v, why);
    }

    pub(super) fn record_skip(&mut self, g: &GraphRun, v: InstanceId, why: &str) {
        if is_join(g, v) {
            return;
        }
        let key = self.key(g, v);
        self.recorder.step_skipped(&key, why);
        self.recorder.step_ended(
            &key,
            &ended(StepStatus::Skipped, why, g.graph.steps[v].optional),
        );
    }

    /// Ends a pending step as not run. For a `wait any` member, returns the
    /// block (its index and node) and how it is decided, if this decides it.
    pub(super) fn not_run(
        &mut self,
        g: &mut GraphRun,
        v: InstanceId,
        why: &str,
    ) -> Option<(usize, usize, Resolution)> {
        g.topo.end(v, StepStatus::NotRun);
        if !is_join(g, v) {
            let key = self.key(g, v);
            self.recorder.step_ended(
                &key,
                &ended(StepStatus::NotRun, why, g.graph.steps[v].optional),
            );
        }
        let a = g.topo.any_of[v]?;
        let (node, how) = g.topo.member_ended(v, StepStatus::NotRun)?;
        Some((a, node, how))
    }

    pub(super) fn why_not_run(&self, g: &GraphRun, v: InstanceId) -> String {
        let unsuccessful = |d: InstanceId| {
            matches!(g.topo.state[d], State::Done(s)
                if s.is_failure() || s == StepStatus::Cancelled || s == StepStatus::NotRun)
        };
        // Named as the user wrote it: a run-time loop's template by the copy
        // that failed, a member of a `wait any` block by the block.
        let name = |d: InstanceId| {
            let d = if is_join(g, d) {
                let copies = g.graph.steps[d].deps.iter().map(|x| x.on());
                copies.clone().find(|&c| unsuccessful(c)).unwrap_or(d)
            } else {
                d
            };
            match g.topo.any_of[d] {
                Some(a) if g.topo.any_of[v] != Some(a) => g.topo.any[a].name.clone(),
                _ => g.graph.steps[d].name.clone(),
            }
        };
        let failed_dep = g.graph.steps[v]
            .deps
            .iter()
            .map(|d| d.on())
            .find(|&d| unsuccessful(d))
            .map(name);
        match failed_dep {
            Some(d) if !g.cancelled => format!("`{d}` did not succeed"),
            _ if g.cancelled => "the run was cancelled".into(),
            _ => match &g.failure {
                Some((s, _)) => format!("the run stopped after `{s}` failed"),
                None => "the run stopped".into(),
            },
        }
    }

    /// Why `v`'s branch is not taken, given its condition's value, and how
    /// it ends for it: skipped when the condition is false; when it has no
    /// value because a step whose output it reads did not succeed, skipped
    /// if that step was skipped too, else not run (it failed, was cancelled
    /// or did not run).
    pub(super) fn not_taken(
        &self,
        g: &GraphRun,
        v: InstanceId,
        cond: &Result<Value, String>,
    ) -> Option<(StepStatus, String)> {
        let step = &g.graph.steps[v];
        let shown = || {
            let c = step.condition.as_ref().expect("a condition was evaluated");
            wfc_plan::render::expr::show(&self.names, c)
        };
        match cond {
            Ok(Value::Bool(false)) => {
                let c = step.condition.as_ref().expect("a condition was evaluated");
                // The part of the conditions around it that is false (a
                // let by its name): the step's condition joins them all.
                let parts = c.conjuncts(&self.names);
                let mut ev = self.evaluator(g, step, None);
                let part = parts
                    .iter()
                    .find(|x| matches!(ev.eval(x), Ok(Value::Bool(false))))
                    .filter(|_| parts.len() > 1);
                let show = |x| wfc_plan::render::expr::show(&self.names, x);
                // What the false part compared, by value (a secret's as
                // `***`), as a failed gate check says it.
                let values: Vec<String> =
                    wfc_plan::gate_check::compared(part.copied().unwrap_or(c))
                        .into_iter()
                        .map(|x| {
                            let v = ev.eval(x).ok();
                            wfc_plan::gate_check::operand_text(&self.names, x, v.as_ref())
                        })
                        .collect();
                let because = match values.is_empty() {
                    true => String::new(),
                    false => format!(": {}", wfc_plan::render::one_line(&values.join(", "), 120)),
                };
                let why = match (part, self.names.let_at(c.span)) {
                    (Some(x), Some(name)) => format!("`{name}` is false: `{}` is false", show(x)),
                    (Some(x), None) => format!("`{}` is false", show(x)),
                    (None, _) => format!("`{}` is false", shown()),
                };
                let why = self.secrets.masker().mask(&format!("{why}{because}"));
                Some((StepStatus::Skipped, why))
            }
            Ok(Value::Null) => self.unsuccessful_producer(g, v).map(|(p, ended)| {
                let why = format!("`{}` has no value: `{p}` did not succeed", shown());
                match ended {
                    StepStatus::Skipped => (StepStatus::Skipped, why),
                    _ => (StepStatus::NotRun, why),
                }
            }),
            _ => None,
        }
    }

    /// Ends pending step `v` as [`Runner::not_taken`] decided.
    pub(super) fn not_started(
        &mut self,
        g: &mut GraphRun,
        v: InstanceId,
        how: (StepStatus, String),
    ) {
        match how {
            (StepStatus::Skipped, why) => self.skip(g, v, &why),
            (_, why) => self.cannot_run(g, v, &why),
        }
    }

    /// A step of this graph whose output `v` reads and that ended without
    /// succeeding, if any.
    pub(super) fn unsuccessful_producer(
        &self,
        g: &GraphRun,
        v: InstanceId,
    ) -> Option<(String, StepStatus)> {
        g.graph.steps[v].reads.iter().find_map(|r| match r.target {
            wfc_plan::RefTarget::One(x) if !r.main || g.name == GraphName::Main => {
                match g.topo.state.get(x) {
                    Some(State::Done(s)) if *s != StepStatus::Succeeded => {
                        Some((g.graph.steps[x].name.clone(), *s))
                    }
                    _ => None,
                }
            }
            _ => None,
        })
    }
}

fn ended(status: StepStatus, why: &str, optional: bool) -> StepEnd {
    StepEnd {
        status,
        attempts: 0,
        started_at: None,
        duration: Duration::ZERO,
        exit_code: None,
        error: Some(why.to_owned()),
        outputs: serde_json::Value::Null,
        optional,
    }
}

/// The step to name for a failure at `v`: a run-time loop's template (a
/// join of its copies, never run itself) by the copy that did not succeed.
fn joined_cause(g: &GraphRun, v: InstanceId) -> InstanceId {
    if !is_join(g, v) {
        return v;
    }
    g.graph.steps[v]
        .deps
        .iter()
        .map(|d| d.on())
        .find(|&c| !matches!(g.topo.state[c], State::Done(s) if s == StepStatus::Succeeded || s == StepStatus::Skipped))
        .unwrap_or(v)
}

/// Template `t` of a run-time loop will never be unrolled (what its list
/// needs did not succeed): readers of its outputs as a list, here and in
/// the handlers, read no iteration of it — not one that produced nothing.
fn never_unrolled(g: &mut GraphRun, t: InstanceId) {
    if let super::GraphRef::Plan(plan) = g.graph {
        g.graph = super::GraphRef::Grown(std::sync::Arc::new(plan.clone()));
    }
    if let super::GraphRef::Grown(grown) = &mut g.graph {
        let none = [(t, Vec::new())];
        wfc_plan::expand::reread(std::sync::Arc::make_mut(grown), &none, false);
        g.copies.extend(none);
    }
}

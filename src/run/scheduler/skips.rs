//! Steps that end without running: skipped (their `if` was false, or a
//! skip or an optional failure reached them) or not run (the run stopped,
//! or a dependency did not succeed). Each is recorded with why.

use super::{is_join, GraphRun};
use crate::plan::{InstanceId, Value};
use crate::run::record::GraphName;
use crate::run::record::{StepEnd, StepStatus};
use crate::run::runner::Runner;
use crate::run::state::{Resolution, State};
use std::time::Duration;

impl Runner<'_> {
    /// Records steps a skip reached, each with what caused it.
    pub(super) fn report_skips(&mut self, g: &mut GraphRun, skipped: Vec<(InstanceId, usize)>) {
        for (w, cause) in skipped {
            let cause_name = if cause < g.topo.n {
                let c = &g.graph.steps[cause];
                match g.topo.state[cause] {
                    State::Done(s) if s.is_failure() => {
                        format!("optional step `{}` failed", c.name)
                    }
                    _ => format!("`{}` was skipped", c.name),
                }
            } else {
                format!("`{}` was skipped", g.topo.any[cause - g.topo.n].name)
            };
            self.record_skip(g, w, &cause_name);
        }
    }

    /// Skips a pending step and its dependents (its `if` is false).
    pub(super) fn skip(&mut self, g: &mut GraphRun, v: InstanceId, why: &str) {
        g.topo.end(v, StepStatus::Skipped);
        self.record_skip(g, v, why);
        match g.topo.member_ended(v, StepStatus::Skipped) {
            Some((node, how)) => {
                let a = g.topo.any_of[v].unwrap_or(0);
                self.group_decided(g, a, node, how, v, None);
            }
            // A member's dependents are in its block: skipped too.
            None => self.resolve(g, v, Resolution::Skipped),
        }
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

    /// `wait any` member `v` ended without succeeding while its block still
    /// races: the members after it in the block (a sequential loop's next
    /// iterations) cannot run. They end as not run, each counted against
    /// the block, which is decided when none is left open.
    pub(super) fn strand(&mut self, g: &mut GraphRun, v: InstanceId) {
        let mut work = vec![v];
        while let Some(u) = work.pop() {
            let why = format!("`{}` did not succeed", g.graph.steps[u].name);
            let next: Vec<InstanceId> = g.topo.dependents[u]
                .iter()
                // A failure counts no edge down, hard or soft.
                .filter(|&&(w, _)| w < g.topo.n && g.topo.state[w] == State::Pending)
                .map(|&(w, _)| w)
                .collect();
            for w in next {
                if g.topo.state[w] != State::Pending {
                    continue;
                }
                if let Some((a, node, how)) = self.not_run(g, w, &why) {
                    self.group_decided(g, a, node, how, w, Some(&why));
                }
                work.push(w);
            }
        }
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

    /// Why `v`'s branch is not taken, given its condition's value: false,
    /// or no value at all because a step whose output it reads did not
    /// succeed (an optional one failed, or it was skipped).
    pub(super) fn not_taken(
        &self,
        g: &GraphRun,
        v: InstanceId,
        cond: &Result<Value, String>,
    ) -> Option<String> {
        let step = &g.graph.steps[v];
        let shown = || {
            let c = step.condition.as_ref().expect("a condition was evaluated");
            crate::plan::render::expr::show(&self.names, c)
        };
        match cond {
            Ok(Value::Bool(false)) => Some(format!("`{}` is false", shown())),
            Ok(Value::Null) => self
                .unsuccessful_producer(g, v)
                .map(|p| format!("`{}` has no value: `{p}` did not succeed", shown())),
            _ => None,
        }
    }

    /// A step of this graph whose output `v` reads and that ended without
    /// succeeding, if any.
    pub(super) fn unsuccessful_producer(&self, g: &GraphRun, v: InstanceId) -> Option<String> {
        g.graph.steps[v].reads.iter().find_map(|r| match r.target {
            crate::plan::RefTarget::One(x) if !r.main || g.name == GraphName::Main => {
                match g.topo.state.get(x) {
                    Some(State::Done(s)) if *s != StepStatus::Succeeded => {
                        Some(g.graph.steps[x].name.clone())
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

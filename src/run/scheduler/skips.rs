//! Steps that end without running: skipped (their `if` was false, or a
//! skip or an optional failure reached them) or not run (the run stopped,
//! or a dependency did not succeed). Each is recorded with why.

use super::{is_join, GraphRun};
use crate::plan::InstanceId;
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
            None if g.topo.any_of[v].is_none() => self.resolve(g, v, Resolution::Skipped),
            None => {}
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

    pub(super) fn not_run(&mut self, g: &mut GraphRun, v: InstanceId, why: &str) {
        g.topo.end(v, StepStatus::NotRun);
        if is_join(g, v) {
            return;
        }
        let key = self.key(g, v);
        self.recorder.step_ended(
            &key,
            &ended(StepStatus::NotRun, why, g.graph.steps[v].optional),
        );
    }

    pub(super) fn why_not_run(&self, g: &GraphRun, v: InstanceId) -> String {
        let failed_dep = g.graph.steps[v]
            .deps
            .iter()
            .find_map(|d| match g.topo.state[d.on()] {
                State::Done(s)
                    if s.is_failure() || s == StepStatus::Cancelled || s == StepStatus::NotRun =>
                {
                    Some(g.graph.steps[d.on()].name.clone())
                }
                _ => None,
            });
        match failed_dep {
            Some(d) if !g.cancelled => format!("`{d}` did not succeed"),
            _ if g.cancelled => "the run was cancelled".into(),
            _ => match &g.failure {
                Some((s, _)) => format!("the run stopped after `{s}` failed"),
                None => "the run stopped".into(),
            },
        }
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

//! A call's `timeout` over its inlined steps: the clock starts when the
//! call's first step starts; a step starting past it fails at once, and a
//! running one is cut at it (see [`CallLimit`]). The callee's own handlers
//! (steps that run however the call ended) are not bounded, so they still
//! run after a timeout.
//!
//! A call's join ends at once when its steps have: it fails naming the step
//! that did not succeed (the instance, in a loop), with that step's error,
//! and records what the callee's handlers read as `failed.error`,
//! `run.duration` and `run.failures` (the plan rewrites those into reads of
//! the join). When no step of the call failed, it ends as they did: not
//! run (the run stopped before they started), skipped, or cancelled.

use super::{GraphRun, Runner};
use crate::attempt::AttemptResult;
use crate::exec::Status;
use crate::poll::CallLimit;
use crate::state::State;
use std::time::{Duration, Instant};
use wfc_contract::StepStatus;
use wfc_language::ir::StepKind;
use wfc_plan::{InstanceId, Value};

impl Runner<'_> {
    /// The nearest deadline of the timed calls `v` is inside (nested calls
    /// are prefixes of its name: `ship.make.compile` is in `ship.make` and
    /// `ship`); `Err` with the reason when one has already passed.
    pub(super) fn call_limit(
        &self,
        g: &mut GraphRun,
        v: InstanceId,
    ) -> Result<Option<CallLimit>, String> {
        if !self.timed_calls {
            return Ok(None);
        }
        let graph = g.graph.clone();
        let step = &graph.steps[v];
        if step.finally || step.kind == StepKind::Call {
            return Ok(None);
        }
        let now = Instant::now();
        let mut nearest: Option<CallLimit> = None;
        for (j, join) in graph.steps.iter().enumerate() {
            let Some(ms) = join.timeout_ms.filter(|_| join.kind == StepKind::Call) else {
                continue;
            };
            let inside = step
                .name
                .strip_prefix(join.name.as_str())
                .is_some_and(|rest| rest.starts_with('.'));
            if !inside {
                continue;
            }
            let timeout = Duration::from_millis(ms);
            let start = *g.call_clock.entry(j).or_insert(now);
            let limit = CallLimit {
                at: start + timeout,
                timeout,
                call: join.name.clone(),
            };
            if nearest.as_ref().is_none_or(|n| limit.at < n.at) {
                nearest = Some(limit);
            }
        }
        match nearest {
            Some(l) if l.at <= now => Err(format!("not started: {}", l.reason())),
            other => Ok(other),
        }
    }

    /// Join `v` is ready and names `relative` as the step of its call that
    /// did not succeed: when no step of the call failed or was cancelled
    /// (they never started: the run stopped, or they were skipped), the
    /// join did not run either, as they did not: how it ends and why.
    pub(super) fn call_not_run(
        &self,
        g: &GraphRun,
        v: InstanceId,
        relative: &str,
    ) -> Option<(StepStatus, String)> {
        let steps: Vec<InstanceId> = call_steps(g, v).collect();
        let stopped = |i: &InstanceId| match g.topo.state[*i] {
            State::Done(s) if s.is_failure() => true,
            State::Done(StepStatus::Cancelled) => g.steps[*i].attempts > 0,
            _ => false,
        };
        if steps.iter().any(stopped) {
            return None;
        }
        let named = named_step(g, v, relative)?;
        if g.topo.state[named] == State::Done(StepStatus::Skipped) {
            let name = &g.graph.steps[named].name;
            return Some((
                StepStatus::Skipped,
                format!("step `{name}` of the call was skipped"),
            ));
        }
        // Why the call's first step that did not run did not (a join of a
        // call inside names its own steps).
        let first = steps
            .iter()
            .copied()
            .find(|&i| {
                g.topo.state[i] == State::Done(StepStatus::NotRun)
                    && g.graph.steps[i].kind != StepKind::Call
            })
            .unwrap_or(named);
        Some((StepStatus::NotRun, self.why_not_run(g, first)))
    }

    /// Join `v` is ready: its call's steps all ended (`failed`: the first
    /// that did not succeed, named relative to the join without its loop
    /// items, `build` or `make.compile`). `outputs` are the callee's, as
    /// the call's.
    pub(super) fn call_ended(
        &mut self,
        g: &mut GraphRun,
        v: InstanceId,
        failed: Option<String>,
        outputs: Value,
    ) {
        let prefix = format!("{}.", g.graph.steps[v].name);
        let mut fields = match outputs {
            Value::Map(m) => m,
            _ => Vec::new(),
        };
        let failures: Vec<(String, String)> = g
            .failures
            .iter()
            .filter(|(name, _)| name.starts_with(&prefix))
            .cloned()
            .collect();
        // The instance named (`work[b]` for `work` in a loop), in full: the
        // callee's handlers' `failed.step`; relative: what an enclosing
        // join names.
        let failed = failed.map(|relative| {
            let step = match named_step(g, v, &relative) {
                Some(i) => g.graph.steps[i].name.clone(),
                None => format!("{prefix}{}", relative.trim_end_matches('.')),
            };
            let relative = step[prefix.len()..].to_owned();
            fields.push(("failed".into(), Value::Str(relative)));
            fields.push(("step".into(), Value::Str(step.clone())));
            step
        });
        let first_start = call_steps(g, v)
            .filter_map(|i| g.steps[i].started.map(|(_, at)| at))
            .min();
        let ms = first_start.map_or(0, |t| t.elapsed().as_millis());
        fields.push((
            "duration".into(),
            Value::Duration(u64::try_from(ms).unwrap_or(u64::MAX)),
        ));
        let mut status = Status::Failed;
        let error = failed.map(|step| {
            // The step named may have been stopped by another's failure:
            // then the error is the first failure's.
            let cause = failures
                .iter()
                .find(|(name, _)| *name == step)
                .or(failures.first())
                .map(|(_, e)| e.clone());
            fields.push((
                "error".into(),
                Value::Str(cause.clone().unwrap_or_else(|| "did not succeed".into())),
            ));
            match cause {
                Some(e) if failures.iter().any(|(name, _)| *name == step) => {
                    format!("step `{step}` of the call failed: {e}")
                }
                Some(e) => format!("step `{step}` of the call did not run: {e}"),
                // Nothing failed: the run was cancelled while the call ran.
                None => {
                    status = Status::Cancelled;
                    format!("cancelled: step `{step}` of the call was cancelled")
                }
            }
        });
        if !failures.is_empty() {
            let list = failures
                .into_iter()
                .map(|(step, error)| {
                    Value::Map(vec![
                        ("step".into(), Value::Str(step)),
                        ("error".into(), Value::Str(error)),
                    ])
                })
                .collect();
            fields.push(("failures".into(), Value::List(list)));
        }
        let class = error
            .is_some()
            .then_some(wfc_language::ir::ErrorClass::Other);
        let result = AttemptResult {
            status: if error.is_some() {
                status
            } else {
                Status::Succeeded
            },
            error,
            exit_code: None,
            duration: Duration::ZERO,
            outputs: Some(Value::Map(fields)),
            kept: Vec::new(),
            usage: None,
            class,
        };
        self.immediate(g, v, result);
    }
}

/// The instances of the steps of the call whose join is `v`, at any depth
/// (`ship.build`, `ship.work[eu]`, `ship.make.compile`); not a run-time
/// loop's template, which never runs itself.
fn call_steps<'a>(g: &'a GraphRun, v: InstanceId) -> impl Iterator<Item = InstanceId> + 'a {
    let join = g.graph.steps[v].name.as_str();
    (0..g.graph.len()).filter(move |&i| {
        !super::is_join(g, i)
            && (g.graph.steps[i].name)
                .strip_prefix(join)
                .is_some_and(|rest| rest.starts_with('.'))
    })
}

/// The instance of join `v`'s call that `relative` names. The join's
/// `failed` field names a step as the callee declares it, without loop
/// items (`work` for `work[b]`), and a join of a call inside that never
/// ran as `make.`: of the instances it may mean, the one that failed,
/// else one that did not succeed.
fn named_step(g: &GraphRun, v: InstanceId, relative: &str) -> Option<InstanceId> {
    let prefix = g.graph.steps[v].name.len() + 1;
    let wanted = wfc_plan::without_items(relative.trim_end_matches('.'));
    let candidates: Vec<InstanceId> = call_steps(g, v)
        .filter(|&i| wfc_plan::without_items(&g.graph.steps[i].name[prefix..]) == wanted)
        .collect();
    let ended = |i: &&InstanceId, pick: &dyn Fn(StepStatus) -> bool| matches!(g.topo.state[**i], State::Done(s) if pick(s));
    (candidates
        .iter()
        .find(|i| ended(i, &StepStatus::is_failure)))
    .or_else(|| (candidates.iter()).find(|i| ended(i, &|s| s != StepStatus::Succeeded)))
    .or(candidates.first())
    .copied()
}

#[cfg(test)]
mod tests {
    #[test]
    fn loop_items_are_left_out_of_names() {
        assert_eq!(wfc_plan::without_items("work[b]"), "work");
        assert_eq!(wfc_plan::without_items("m[x].work[y][z]"), "m.work");
        assert_eq!(wfc_plan::without_items("build"), "build");
    }
}

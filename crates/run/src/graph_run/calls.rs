//! A call's `timeout` over its inlined steps: the clock starts when the
//! call's first step starts; a step starting past it fails at once, and a
//! running one is cut at it (see [`CallLimit`]). The callee's own handlers
//! (steps that run however the call ended) are not bounded, so they still
//! run after a timeout.
//!
//! A call's join ends at once when its steps have: it fails naming the step
//! that did not succeed, with that step's error, and records what the
//! callee's handlers read as `failed.error`, `run.duration` and
//! `run.failures` (the plan rewrites those into reads of the join).

use super::{GraphRun, Runner};
use crate::attempt::AttemptResult;
use crate::exec::Status;
use crate::poll::CallLimit;
use std::time::{Duration, Instant};
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

    /// Join `v` is ready: its call's steps all ended (`failed`: the first
    /// that did not succeed, named relative to the join, `build` or
    /// `make.compile`). `outputs` are the callee's, as the call's.
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
        // What an enclosing join names (relative), and the callee's
        // handlers' `failed.step` (in full).
        let failed = failed.map(|relative| {
            let step = format!("{prefix}{relative}");
            fields.push(("failed".into(), Value::Str(relative)));
            fields.push(("step".into(), Value::Str(step.clone())));
            step
        });
        let failures: Vec<(String, String)> = g
            .failures
            .iter()
            .filter(|(name, _)| name.starts_with(&prefix))
            .cloned()
            .collect();
        let first_start = (0..g.graph.len())
            .filter(|&i| g.graph.steps[i].name.starts_with(&prefix))
            .filter_map(|i| g.steps[i].started.map(|(_, at)| at))
            .min();
        let ms = first_start.map_or(0, |t| t.elapsed().as_millis());
        fields.push((
            "duration".into(),
            Value::Duration(u64::try_from(ms).unwrap_or(u64::MAX)),
        ));
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
                None => format!("step `{step}` of the call did not succeed"),
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
        let result = AttemptResult {
            status: if error.is_some() {
                Status::Failed
            } else {
                Status::Succeeded
            },
            error,
            exit_code: None,
            duration: Duration::ZERO,
            outputs: Some(Value::Map(fields)),
        };
        self.immediate(g, v, result);
    }
}

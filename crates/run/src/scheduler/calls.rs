//! A call's `timeout` over its inlined steps: the clock starts when the
//! call's first step starts; a step starting past it fails at once, and a
//! running one is cut at it (see [`CallLimit`]). The callee's own handlers
//! (steps that run however the call ended) are not bounded, so they still
//! run after a timeout.

use super::{GraphRun, Runner};
use crate::poll::CallLimit;
use std::time::{Duration, Instant};
use wfc_language::ir::StepKind;
use wfc_plan::InstanceId;

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
}

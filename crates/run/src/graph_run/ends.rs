//! How a started step's end is handled: recorded, then its dependents told
//! (started, skipped, or failed with it), and a required failure stopping
//! the graph.

use super::*;

impl Runner<'_> {
    /// A started step is over: record it, then tell its dependents.
    pub(super) fn finish(&mut self, g: &mut GraphRun, v: InstanceId) -> bool {
        g.running = g.running.saturating_sub(1);
        let held = self.held(g, v);
        if !std::mem::take(&mut g.steps[v].resting) {
            g.slots = g.slots.saturating_sub(held);
        }
        let cancelled = g.steps[v].cancel.take().is_some_and(|t| t.is_cancelled());
        let attempted = g.steps[v].attempts;
        let (mut last, recorded) = match g.steps[v].last.take().map(|l| *l) {
            Some(Last {
                result,
                recorded,
                secrets,
            }) => (Some(result), Some((secrets, recorded))),
            None => (None, None),
        };
        let mut status = last
            .as_ref()
            .map_or(StepStatus::Cancelled, |r| step_status(r.status));
        let mut error = last.as_ref().and_then(|r| r.error.clone());
        if cancelled && status.is_failure() {
            // Cancelled in its retry backoff: it did not fail for good.
            status = StepStatus::Cancelled;
            let n = g.steps[v].attempts;
            error = Some(format!(
                "cancelled before a retry (attempt {n}: {})",
                error.unwrap_or_else(|| "failed".into())
            ));
        }
        let polling = status == StepStatus::Succeeded
            && error
                .as_deref()
                .is_some_and(|e| e.starts_with(crate::attempt::NOT_YET));
        if polling {
            // Stopped between the tries of an `until` that never held: the
            // try ran, the step did not succeed (a resume polls again).
            status = StepStatus::Cancelled;
            let n = g.steps[v].attempts;
            error = Some(format!(
                "cancelled while polling (try {n}: {})",
                error.unwrap_or_default()
            ));
        }
        if let (StepStatus::Cancelled, true, Some((failed, _))) =
            (status, g.steps[v].stopped_fast, &g.failure)
        {
            error = Some(format!(
                "cancelled: `{failed}` failed and the run fails fast"
            ));
        }
        let waited = g.steps[v].approval || g.steps[v].stopped_waiting;
        if let (StepStatus::Cancelled, true, false, Some((failed, _))) =
            (status, waited, g.cancelled, &g.failure)
        {
            error = Some(match error.filter(|_| cancelled && attempted > 0) {
                // Its attempt's error, and why there is no next one.
                Some(e) if e.starts_with("cancelled ") => {
                    format!("{e}; the run failed (`{failed}` failed)")
                }
                _ if g.steps[v].approval => format!(
                    "cancelled: the run failed while it waited for approval (`{failed}` failed)"
                ),
                _ => format!("cancelled: the run failed while it waited (`{failed}` failed)"),
            });
        }
        let any = g.topo.any_of[v];
        if status == StepStatus::Cancelled {
            if let Some(a) = any {
                if g.topo.any[a].decided == Some(Resolution::Succeeded) {
                    error = Some(format!(
                        "cancelled: another member of `{}` succeeded first",
                        g.topo.any[a].name
                    ));
                }
            }
        }
        let outputs = last.as_mut().and_then(|r| r.outputs.take());
        let recorded = match recorded {
            Some((secrets, json)) if secrets == self.secrets.count() => json,
            _ => crate::report::masked_json(outputs.as_ref(), &self.secrets.masker()),
        };
        // Only a step that succeeded has outputs to read: `default(x.…, y)`
        // of one that failed (or was stopped) is `y`, as the docs say. A
        // call's join is the exception: its outputs say how the call ended,
        // which the callee's handlers read (`failed.step`, inlined).
        let joins = g.graph.steps[v].kind == wfc_language::ir::StepKind::Call;
        if g.keep[v] && (status == StepStatus::Succeeded || joins) {
            g.outputs[v] = outputs;
        }
        let freed = g.topo.end(v, status);
        g.completion.push(v);
        let masker = self.secrets.masker();
        error = error.map(|e| masker.mask(&e));
        let (started_at, duration) = match g.steps[v].started {
            Some((t, i)) => (Some(t), i.elapsed()),
            None => (None, Duration::ZERO),
        };
        if status == StepStatus::Cancelled && g.steps[v].attempts == 0 {
            status = StepStatus::NotRun;
        }
        let waived = g.steps[v].waived.take().filter(|_| status.is_failure());
        if let Some(why) = &waived {
            error = Some(match error {
                Some(e) => format!("{e} ({why})"),
                None => why.clone(),
            });
        }
        let let_pass = (status.is_failure() && waived.is_none() && !g.graph.steps[v].optional)
            .then(|| super::max_failures::let_pass(g, v))
            .flatten();
        if let Some(why) = &let_pass {
            error = Some(match error {
                Some(e) => format!("{e} ({why})"),
                None => why.clone(),
            });
        }
        let optional = g.graph.steps[v].optional || waived.is_some() || let_pass.is_some();
        let key = self.key(g, v);
        let kept = last.as_mut().map(|r| std::mem::take(&mut r.kept));
        if let Some(kept) = kept
            .as_ref()
            .filter(|k| !k.is_empty() && status == StepStatus::Succeeded)
        {
            self.recorder.artifacts_kept(&key, kept);
        }
        let kept = kept.unwrap_or_default();
        self.note_gave(g, v, status, &recorded, &kept);
        self.recorder.step_ended(
            &key,
            &StepEnd {
                status,
                attempts: g.steps[v].attempts,
                started_at,
                duration,
                exit_code: last.as_ref().and_then(|r| r.exit_code),
                error: error.clone(),
                outputs: recorded,
                optional,
            },
        );
        let failure = status.is_failure();
        if failure {
            let e = error.clone().unwrap_or_default();
            let name = g.graph.steps[v].name.clone();
            g.failures.push((name, e));
        }
        if let Some(a) = any {
            if failure {
                // Its iteration failed: no new one of its loops in the block.
                g.topo.break_loops_in(&g.graph, v, a);
            }
            if let Some((node, how)) = g.topo.member_ended(v, status) {
                self.group_decided(g, a, node, how, v, error.as_deref());
            } else if status != StepStatus::Succeeded {
                // The block still races; what in it needed `v` cannot run.
                self.resolve(g, v, Resolution::of(status));
            }
            return freed;
        }
        if failure && !optional && !super::any::judged_by_groups(g, v) {
            self.required_failed(g, v, error.unwrap_or_default());
        }
        // An optional step's failure does not fail the run, but what
        // depends on it does not run either.
        self.resolve(g, v, Resolution::of(status));
        freed
    }

    /// A step that succeeded in an earlier session (`wfc resume`): done,
    /// with its outputs, before anything starts; nothing is recorded again.
    pub(super) fn restored_step(&mut self, g: &mut GraphRun, v: InstanceId, outputs: Value) {
        if g.topo.state[v] != State::Pending {
            return;
        }
        g.topo.start(v);
        let key = self.key(g, v);
        self.recorder.step_restored(&key);
        if let Some(inc) = self.opts.incremental.clone() {
            let files = inc
                .restored_files
                .get(&key.name)
                .cloned()
                .unwrap_or_default();
            let gave = crate::up_to_date::gave(&outputs.to_json(), &files);
            g.steps[v].gave = Some(Box::new(gave));
        }
        g.outputs[v] = Some(outputs);
        g.completion.push(v);
        g.topo.end(v, StepStatus::Succeeded);
        match g.topo.any_of[v] {
            Some(a) => {
                if let Some((node, how)) = g.topo.member_ended(v, StepStatus::Succeeded) {
                    self.group_decided(g, a, node, how, v, None);
                }
            }
            None => self.resolve(g, v, Resolution::Succeeded),
        }
    }

    pub(super) fn required_failed(&mut self, g: &mut GraphRun, v: InstanceId, error: String) {
        g.topo.break_loops(v);
        if let Mode::Main { keep_going } = g.mode {
            if g.failure.is_none() {
                g.failure = Some((g.graph.steps[v].name.clone(), error));
            }
            if !keep_going {
                g.stopping = true;
                self.stop_waits(g);
                self.fail_fast(g, v);
            }
        }
    }

    pub(super) fn resolve(&mut self, g: &mut GraphRun, node: usize, how: Resolution) {
        let ended = g.topo.resolve(node, how);
        self.report_not_run(g, ended);
        // Blocks whose last open member could not run, after a failed one.
        for a in std::mem::take(&mut g.topo.failed_blocks) {
            let name = &g.topo.any[a].name;
            let msg = format!("every member of `{name}` failed or could not run");
            if let Some(&m) = g.topo.any[a].members.first() {
                self.required_failed(g, m, msg);
            }
        }
    }
}

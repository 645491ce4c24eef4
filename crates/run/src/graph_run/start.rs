//! How a ready step starts: its run-time `if`, its fields evaluated, a
//! gate decided on the spot or waiting for a person, an escalation's
//! wait, and the task of its attempts spawned with what it needs.

use super::*;

impl Runner<'_> {
    /// Starts `v`: its condition, its fields, then a task (or an immediate result).
    pub(super) fn start(
        &mut self,
        g: &mut GraphRun,
        v: InstanceId,
        tx: &mpsc::UnboundedSender<Event>,
        failed: Option<(&str, &str)>,
    ) {
        if is_join(g, v) {
            return self.join(g, v);
        }
        if self.any_unmet(g, v) {
            return;
        }
        if g.name == GraphName::Main && self.plan.earlier.binary_search(&v).is_ok() {
            return self.take_earlier(g, v);
        }
        if let Some(group) = runtime_loop(&g.graph, v) {
            // The loop's branch may not be taken: its condition is tried
            // without the item (one that needs the item decides per copy).
            let step = &g.graph.steps[v];
            if let Some(c) = &step.condition {
                let cond = self.evaluator(g, step, failed).eval(c);
                if let Some(how) = self.not_taken(g, v, &cond) {
                    return self.not_started(g, v, how);
                }
            }
            return self.unroll(g, v, group, failed);
        }
        if file_call::is_file_call(&g.graph.steps[v]) {
            let step = &g.graph.steps[v];
            if let Some(c) = &step.condition {
                let cond = self.evaluator(g, step, failed).eval(c);
                if let Some(how) = self.not_taken(g, v, &cond) {
                    return self.not_started(g, v, how);
                }
            }
            return self.call_file(g, v, failed);
        }
        let graph = g.graph.clone();
        let step = &graph.steps[v];
        let (cond, prepared, poll, retry_when, derived, artifacts, globs, check) = {
            let mut ev = self.evaluator(g, step, failed);
            let cond = step.condition.as_ref().map(|c| ev.eval(c));
            let go = matches!(cond, None | Some(Ok(Value::Bool(true))));
            let prepared = go.then(|| {
                prepare(
                    step,
                    &mut ev,
                    &self.workflow_env,
                    self.opts.workflow_dir.as_deref(),
                    self.opts.base_dir.as_deref(),
                )
            });
            let artifacts = match &prepared {
                Some(Ok(Prepared::Exec(spec))) => crate::artifacts::prepare(step, &mut ev, spec),
                _ => Ok(None),
            };
            // The `until` sees what the step's fields saw (`run.…`, …).
            let poll = (step.until.as_deref())
                .filter(|_| go)
                .map(|u| Poll::new(step, u, &self.params, &self.names, &mut ev));
            let retry_when = (step.retry.as_ref().and_then(|r| r.when.as_deref()))
                .filter(|_| go)
                .map(|w| RetryWhen::new(step, w, &self.params, &self.names, &mut ev));
            // Read only when a run may skip it (see `up_to_date`).
            let globs = (go && g.name == GraphName::Main && self.opts.incremental.is_some())
                .then(|| up_to_date::globs(step, &mut ev))
                .flatten();
            let recorded = g.name == GraphName::Main && self.opts.incremental.is_some();
            let check = match &prepared {
                Some(Ok(Prepared::Exec(spec))) if recorded => crate::spec::up_to_date_check(
                    step,
                    &mut ev,
                    spec,
                    &self.workflow_env,
                    self.opts.base_dir.as_deref(),
                ),
                _ => None,
            };
            (
                cond,
                prepared,
                poll,
                retry_when,
                ev.take_derived(),
                artifacts,
                globs,
                check,
            )
        };
        self.secrets.add(derived);
        if let Some(how) = cond.as_ref().and_then(|c| self.not_taken(g, v, c)) {
            return self.not_started(g, v, how);
        }
        match cond {
            None | Some(Ok(Value::Bool(true))) => {}
            Some(Ok(other)) => {
                let msg = format!("the condition gave `{}`, not a bool", other.literal());
                return self.fail_now(g, v, msg);
            }
            Some(Err(e)) => return self.fail_now(g, v, format!("evaluating the condition: {e}")),
        }
        if let Some(Ok(Prepared::Join {
            failed: Some(named),
            ..
        })) = &prepared
        {
            match self.call_not_run(g, v, named) {
                Some((StepStatus::Skipped, why)) => return self.skip(g, v, &why),
                Some((_, why)) => return self.cannot_run(g, v, &why),
                None => {}
            }
        }
        let prepared = match prepared {
            Some(Ok(p)) => p,
            Some(Err(e)) => return self.fail_now(g, v, self.secrets.masker().mask(&e)),
            None => return,
        };
        let artifacts = match artifacts {
            Ok(a) => a.map(|a| (a, self.opts.artifacts.clone())),
            Err(e) => return self.fail_now(g, v, self.secrets.masker().mask(&e)),
        };
        let check = match check.transpose() {
            Ok(c) => c,
            Err(e) => {
                let why = format!("evaluating `up to date when`: {e}");
                return self.fail_now(g, v, self.secrets.masker().mask(&why));
            }
        };
        let mut inputs = None;
        // Its `up to date when` check, and the run it would be up to date with.
        let mut asking = None;
        if let Prepared::Exec(spec) = &prepared {
            let kept = artifacts.as_ref().map(|a| &a.0);
            let decided = match globs {
                Some(globs) => self
                    .check_up_to_date(g, v, spec, kept, globs)
                    .map(|c| match c {
                        up_to_date::Check::UpToDate(i, found) => (i, Some(found)),
                        up_to_date::Check::Run(i) => (i, None),
                    }),
                None if check.is_some() => self.check_alone(g, v),
                None => None,
            };
            match (decided, check) {
                (Some((i, Some(found))), Some(check)) => {
                    inputs = Some(i);
                    asking = Some((check, found));
                }
                (Some((i, Some(found))), None) => match self.restore_found(g, v, i, found, false) {
                    None => return,
                    Some(i) => inputs = Some(i),
                },
                (Some((i, None)), _) => inputs = Some(i),
                (None, _) => {}
            }
        }
        let call = match self.call_limit(g, v) {
            Ok(c) => c,
            Err(why) => return self.fail_now(g, v, why),
        };
        let key = self.key(g, v);
        let prior = self.prior_of(g, &key.name);
        // A resumed step that had attempts goes on with them, unasked.
        let (check, found) = match asking.filter(|_| prior.is_none()) {
            Some((c, f)) => (Some(Box::new(c)), Some(Box::new(f))),
            None => (None, None),
        };
        let job = Job {
            prior,
            call,
            id: v,
            step: key.name.to_string(),
            retry: step.retry.as_deref().cloned(),
            timeout: step.timeout_ms.map(Duration::from_millis),
            poll,
            retry_when,
            declared: step.outputs.clone(),
            cancel: self.step_token(step),
            park: g.park.clone(),
            masker: self.secrets.masker(),
            sink: self.lines.as_ref().map(|l| l.sink(&key)),
            tx: tx.clone(),
            artifacts,
            escalate: self.escalation(g, step, &key.name),
            first_wait: None,
            check,
        };
        self.mark_started(g, v);
        g.steps[v].cancel = Some(job.cancel.clone());
        g.steps[v].inputs = inputs;
        g.steps[v].checking = found;
        match prepared {
            Prepared::Exec(spec) => {
                // Recorded here, not by the task: the record goes out with
                // this turn's flush, before the task is spawned.
                let mut job = job;
                job.first_wait = attempt::first_wait(&job);
                // A step asked again after a park records its attempt
                // itself, if a person wants one.
                let reasks = job.escalate.is_some()
                    && job.prior.as_ref().is_some_and(|p| p.escalated.is_some());
                // A step with a check: its task records it, if it runs.
                if job.first_wait.is_none() && !reasks && job.check.is_none() {
                    let first = job.prior.as_ref().map_or(1, |p| p.tries + 1);
                    self.first_attempt_numbered(g, v, first);
                }
                g.to_spawn.push((spec, job));
            }
            Prepared::Join { failed, outputs } => self.call_ended(g, v, failed, outputs),
            Prepared::Gate(GateSpec::Approval { who, inputs }) => {
                g.steps[v].approval = true;
                self.approval(&key.name, &who, inputs, job)
            }
            Prepared::Gate(GateSpec::Check {
                passed,
                on_fail,
                failure,
            }) => {
                let check = step
                    .fields
                    .iter()
                    .find(|f| f.name == "check")
                    .and_then(|f| match &f.value {
                        wfc_language::ir::FieldValue::Expr(e) => {
                            Some(wfc_plan::render::expr::show(&self.names, e))
                        }
                        _ => None,
                    })
                    .unwrap_or_default();
                let (status, error) = match (passed, on_fail) {
                    (true, _) | (false, OnFail::Continue) => (Status::Succeeded, None),
                    (false, OnFail::Abort) => (
                        Status::Failed,
                        Some(match (check.as_str(), failure) {
                            (_, Some(f)) if f.message.is_some() => {
                                f.describe(&self.names, &check, &self.secrets.masker())
                            }
                            // Folded when the run was planned: it read only params.
                            ("false" | "", _) => match step.check_false.as_deref() {
                                Some(why) => format!("{} (decided when the run was planned)", why.text()),
                                None => "the check is false, decided when the run was planned (it reads no step's output)".to_owned(),
                            },
                            (_, Some(f)) => f.describe(&self.names, &check, &self.secrets.masker()),
                            (_, None) => format!("the check `{check}` is false"),
                        }),
                    ),
                    (false, OnFail::Pause) => {
                        g.steps[v].approval = true;
                        return self.approval(&key.name, "", serde_json::json!([]), job);
                    }
                };
                let result = AttemptResult {
                    status,
                    error,
                    exit_code: None,
                    duration: Duration::ZERO,
                    outputs: Some(map([
                        ("passed", Value::Bool(passed)),
                        ("approved_by", Value::Str(String::new())),
                        ("comment", Value::Str(String::new())),
                    ])),
                    kept: Vec::new(),
                    usage: None,
                    class: (!passed).then_some(wfc_language::ir::ErrorClass::Other),
                };
                self.immediate(g, v, result);
            }
        }
    }

    /// How step `name` asks a person once its retries are used up, when it
    /// says `on fail pause` (not a gate: its check pauses as an approval
    /// does) and runs in the main graph (a compensation or a handler runs
    /// once the run has failed: nobody waits on it).
    pub(super) fn escalation(
        &self,
        g: &GraphRun,
        step: &wfc_plan::PlannedStep,
        name: &str,
    ) -> Option<attempt::Escalate> {
        let asks = step.on_fail == Some(OnFail::Pause)
            && step.kind != wfc_language::ir::StepKind::Gate
            && matches!(g.mode, Mode::Main { .. });
        asks.then(|| attempt::Escalate {
            approvals: self.approvals.clone(),
            run_id: self.opts.run_id.clone(),
            how: crate::gates::escalation_how(&self.approvals.how(&self.opts.run_id, name)),
        })
    }

    /// Waits for an approval of gate `name` (its `inputs` spec) in a task.
    pub(super) fn approval(&self, name: &str, who: &str, inputs: serde_json::Value, job: Job) {
        let wait = self.approvals.wait(&self.opts.run_id, name);
        let how = self.approvals.how(&self.opts.run_id, name);
        let msg = crate::gates::waiting_message(who, &how, job.timeout);
        tokio::spawn(attempt::wait_approval(wait, job, msg, inputs));
    }

    /// Records that `v`'s first attempt starts now; returns when.
    pub(super) fn first_attempt(&mut self, g: &mut GraphRun, v: InstanceId) -> SystemTime {
        self.first_attempt_numbered(g, v, 1)
    }

    /// Records that `v`'s first attempt of this session, number `attempt`
    /// (more than 1 when a resumed step goes on counting), starts now.
    pub(super) fn first_attempt_numbered(
        &mut self,
        g: &mut GraphRun,
        v: InstanceId,
        attempt: u32,
    ) -> SystemTime {
        let at = SystemTime::now();
        let recorded = None;
        self.handle(
            g,
            Event::AttemptStarted {
                id: v,
                attempt,
                at,
                recorded,
            },
        );
        at
    }
}

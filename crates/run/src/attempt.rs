//! One step's life on a worker: its attempts, the waits between them, and
//! the wait for an approval.
//!
//! A task runs on the tokio pool and reports back to the scheduler through
//! a channel ([`Event`]), ending with [`Event::Done`]. It never touches the
//! run's state: the scheduler owns that, so it needs no locks.

use super::exec::{Execute, Outcome, Status, StepContext, StepSpec};
use super::mask::Masker;
use super::park::Wake;
use super::poll::{CallLimit, Deadlines, Poll, Verdict};
use super::retry;
use super::retry_when::{Decision, RetryWhen};
use super::values::outcome_value;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};
use tokio::sync::mpsc::UnboundedSender;
use tokio_util::sync::CancellationToken;
use wfc_contract::LineSink;
use wfc_language::ir::{ErrorClass, OutputDecl, Retry};
use wfc_plan::{InstanceId, Value};

/// What a step task tells the scheduler.
pub enum Event {
    /// `recorded`, if given, is answered once the recorder has it: the
    /// attempt's log header is then known before its first line.
    AttemptStarted {
        id: InstanceId,
        attempt: u32,
        at: SystemTime,
        recorded: Option<tokio::sync::oneshot::Sender<()>>,
    },
    AttemptEnded {
        id: InstanceId,
        attempt: u32,
        at: SystemTime,
        result: Box<AttemptResult>,
    },
    /// Waiting before a retry or for an approval: the step's slots are free.
    /// `wake`: what would wake it were the run parked (`None`: it cannot
    /// be parked on).
    Waiting {
        id: InstanceId,
        why: String,
        wake: Option<Wake>,
    },
    /// A `sleep` step sleeps until `until` (told only to the scheduler: it
    /// may park the run on it).
    Sleeping { id: InstanceId, until: SystemTime },
    /// Done waiting before a retry: `go` answers once the step has its
    /// slots again.
    Resume {
        id: InstanceId,
        go: tokio::sync::oneshot::Sender<()>,
    },
    /// A person skipped the step after it failed (`on fail pause`): its
    /// failure counts as an optional step's.
    Waived { id: InstanceId, why: String },
    /// A step that had failed for good in an earlier session ends failed
    /// as it did (`error`, after `attempts`), a person having decided
    /// (skip or abort) with no attempt of this session.
    Concluded {
        id: InstanceId,
        attempts: u32,
        error: String,
    },
    /// The task is over; the last `AttemptEnded` holds its result.
    Done { id: InstanceId },
    /// What the step's `up to date when` check said; `go` answers whether
    /// the step runs (`false`: the scheduler ended it up to date).
    Checked {
        id: InstanceId,
        answer: crate::fresh_check::Answer,
        go: tokio::sync::oneshot::Sender<bool>,
    },
}

/// The result of one attempt, outputs converted to values.
pub struct AttemptResult {
    pub status: Status,
    pub error: Option<String>,
    pub exit_code: Option<i64>,
    pub duration: Duration,
    /// `None` when the attempt produced no outputs (it could not start).
    pub outputs: Option<Value>,
    /// The files it kept as artifacts (it succeeded, and declares some).
    pub kept: Vec<wfc_contract::ArtifactFile>,
    /// What its process or container used, where known.
    pub usage: Option<wfc_contract::Usage>,
    /// What made it fail, as `error is CLASS` tests it (`None`: it did not).
    pub class: Option<ErrorClass>,
}

impl AttemptResult {
    /// An attempt that failed with `error` before it could run.
    pub fn failed(error: String) -> AttemptResult {
        AttemptResult {
            status: Status::Failed,
            error: Some(error),
            exit_code: None,
            duration: Duration::ZERO,
            outputs: None,
            kept: Vec::new(),
            usage: None,
            class: Some(ErrorClass::Other),
        }
    }
}

/// What a task needs besides the spec.
pub struct Job {
    pub id: InstanceId,
    /// The step's name (executors may name their work after it).
    pub step: String,
    pub retry: Option<Retry>,
    pub timeout: Option<Duration>,
    /// `until … every … within`.
    pub poll: Option<Poll>,
    /// The retry's `when`: which failed attempts are retried.
    pub retry_when: Option<RetryWhen>,
    pub declared: Vec<OutputDecl>,
    /// The deadline of the call the step is inside, if that call has a timeout.
    pub call: Option<CallLimit>,
    /// A resumed step's attempts in earlier sessions: it goes on counting.
    pub prior: Option<wfc_contract::PriorAttempts>,
    pub cancel: CancellationToken,
    /// Cancelled when the run parks: the task returns from its wait and
    /// tells nothing more (its step stays `waiting` in the record).
    pub park: CancellationToken,
    pub masker: Masker,
    pub sink: Option<LineSink>,
    pub tx: UnboundedSender<Event>,
    /// The step's artifacts, and the run's folder to keep them in (`None`:
    /// a run not recorded, which checks and names them but keeps no copy).
    pub artifacts: Option<(crate::artifacts::ArtifactSpec, Option<std::path::PathBuf>)>,
    /// `on fail pause`: once its retries are used up, a person decides.
    pub escalate: Option<Escalate>,
    /// A resumed step cut in the wait after an attempt: what is left of
    /// that wait ([`first_wait`]). Its next attempt is recorded as it
    /// starts, after the wait, by the task (not by the scheduler).
    pub first_wait: Option<(Duration, String)>,
    /// Its `up to date when` check, asked before its first attempt (which
    /// the task then records).
    pub check: Option<Box<StepSpec>>,
}

/// Where a step that failed for good asks a person (`on fail pause`).
pub struct Escalate {
    pub approvals: Arc<dyn wfc_contract::Approvals>,
    pub run_id: String,
    /// How to decide, for the waiting message.
    pub how: String,
}

/// Runs `spec` with retries (and polls, under `until`). The caller has
/// recorded attempt 1 as started.
///
/// Every run of the executor is one recorded attempt. A failed one is
/// retried while the retry count and the retry `within` allow; one that
/// succeeded is tried again, `every` apart, while the `until` condition
/// does not hold and its `within` allows. Either deadline also cuts a
/// running attempt.
pub async fn run_step(exec: Arc<dyn Execute>, spec: StepSpec, mut job: Job) {
    let checked = job.check.is_some();
    if let Some(check) = job.check.take() {
        if !crate::fresh_check::asked(&*exec, &check, &job).await {
            return;
        }
    }
    let mut attempts = retry::attempts(job.retry.as_ref());
    let mut deadlines = Deadlines::new(
        Instant::now(),
        job.retry
            .as_ref()
            .and_then(|r| r.within_ms)
            .map(Duration::from_millis),
        job.poll.as_ref().map(|p| p.within),
    );
    deadlines.call = job.call.clone();
    // A resumed step: its failures so far count against its retries, its
    // tries number its attempts on, its `within`s run from its first
    // attempt, and a wait cut short goes on for what is left of it.
    let mut failures = job.prior.as_ref().map_or(0, |p| p.failures);
    let base = job.prior.as_ref().map_or(0, |p| p.tries);
    let mut next = job.first_wait.clone();
    let mut spec = spec;
    if let Some(p) = &job.prior {
        let start = Instant::now()
            .checked_sub(since(p.first_started))
            .unwrap_or_else(Instant::now);
        deadlines.retry = deadlines.retry.map(|(_, w)| (start + w, w));
        deadlines.until = deadlines.until.map(|(_, w)| (start + w, w));
        // A `sleep` ends when it would have, had it not been cut.
        if let StepSpec::Sleep(d) = spec {
            spec = StepSpec::Sleep(d.saturating_sub(since(p.first_started)));
        }
    }
    // Parked while a person was asked after it failed for good: asked
    // again (a decision taken meanwhile stands), before anything runs.
    let reasks = job.prior.as_ref().and_then(|p| p.escalated.clone());
    if let (Some(error), Some(esc)) = (reasks.clone(), job.escalate.as_ref()) {
        match escalated(&job, esc, base, &error, false).await {
            Err(Parked) => return,
            Ok(Some(wfc_contract::Escalation::Retry)) => {
                attempts = failures + retry::attempts(job.retry.as_ref());
                deadlines.restart_retry(Instant::now());
                next = None;
            }
            Ok(decided) => {
                if decided.is_some() {
                    let _ = job.tx.send(Event::Concluded {
                        id: job.id,
                        attempts: base,
                        error,
                    });
                }
                let _ = job.tx.send(Event::Done { id: job.id });
                return;
            }
        }
    }
    for k in 1.. {
        if let Some((wait, why)) = next.take() {
            if !wait.is_zero() {
                let wake = Some(Wake::At(SystemTime::now() + wait));
                let _ = job.tx.send(Event::Waiting {
                    id: job.id,
                    why,
                    wake,
                });
                tokio::select! {
                    _ = tokio::time::sleep(wait) => {}
                    _ = job.cancel.cancelled() => break,
                    _ = job.park.cancelled() => return,
                }
            }
            // Every next attempt asks the scheduler first, even one that
            // follows at once: a paused run grants nothing (a slot given
            // back during a wait is taken again here).
            let (go, granted) = tokio::sync::oneshot::channel();
            let _ = job.tx.send(Event::Resume { id: job.id, go });
            tokio::select! {
                _ = granted => {}
                _ = job.cancel.cancelled() => break,
                // Held by a pause the run parks in.
                _ = job.park.cancelled() => return,
            }
        }
        if k == 1 && job.prior.is_some() {
            if let Some(within) = deadlines.retry_passes(Duration::ZERO) {
                // Resumed past its deadline: no attempt may start.
                let error = format!(
                    "not run again: the retry deadline (`within {}` of all attempts, from the first in an earlier session) has passed",
                    super::exec::human(within)
                );
                let _ = job.tx.send(Event::AttemptEnded {
                    id: job.id,
                    attempt: base + 1,
                    at: SystemTime::now(),
                    result: Box::new(AttemptResult::failed(error)),
                });
                break;
            }
        }
        if job.cancel.is_cancelled() {
            // The scheduler recorded attempt 1 as started with the step
            // (a handler's step starts even after a forced cancel): it ends
            // here, or its record would stay `running`.
            if k == 1 {
                if checked {
                    let (id, attempt, at) = (job.id, base + 1, SystemTime::now());
                    let recorded = None;
                    let _ = job.tx.send(Event::AttemptStarted {
                        id,
                        attempt,
                        at,
                        recorded,
                    });
                }
                let _ = job.tx.send(Event::AttemptEnded {
                    id: job.id,
                    attempt: base + 1,
                    at: SystemTime::now(),
                    result: Box::new(AttemptResult {
                        status: Status::Cancelled,
                        error: Some("cancelled".to_owned()),
                        exit_code: None,
                        duration: Duration::ZERO,
                        outputs: None,
                        kept: Vec::new(),
                        usage: None,
                        class: None,
                    }),
                });
            }
            break;
        }
        let at = SystemTime::now();
        // The scheduler records the first attempt as it starts the step,
        // unless it starts after a wait.
        if k > 1 || job.first_wait.is_some() || reasks.is_some() || checked {
            // Its output goes to the log straight from the process, not
            // through the scheduler: the attempt's header is registered first.
            let (recorded, ack) = tokio::sync::oneshot::channel();
            let _ = job.tx.send(Event::AttemptStarted {
                id: job.id,
                attempt: base + k,
                at,
                recorded: Some(recorded),
            });
            tokio::select! {
                _ = ack => {}
                _ = job.cancel.cancelled() => {}
            }
        }
        let mut ctx = StepContext::new(job.cancel.clone()).with_masker(job.masker.clone());
        let (limit, cut) = deadlines.attempt_limit(job.timeout);
        ctx.timeout = limit;
        ctx.sink = job.sink.clone();
        ctx.step = Some(job.step.clone());
        ctx.attempt = base + k;
        let started = Instant::now();
        let outcome = match &spec {
            // Only waiting: the run may park on it.
            StepSpec::Sleep(d) => {
                let until = SystemTime::now() + *d;
                let _ = job.tx.send(Event::Sleeping { id: job.id, until });
                tokio::select! {
                    o = exec.execute(&spec, &ctx) => o,
                    _ = job.park.cancelled() => return,
                }
            }
            _ => exec.execute(&spec, &ctx).await,
        };
        let mut result = convert(&outcome, &job.declared, &job.masker, started.elapsed());
        if cut && result.status == Status::TimedOut {
            result.error = Some(deadline_cut(&deadlines));
        }
        if let Some(a) = job
            .artifacts
            .as_ref()
            .filter(|_| result.status == Status::Succeeded)
        {
            keep_artifacts(a.clone(), &job.masker, &mut result).await;
        }
        next = match result.status {
            Status::Succeeded => job
                .poll
                .as_ref()
                .and_then(|p| poll_again(p, &deadlines, base + k, &job.masker, &mut result)),
            Status::Failed | Status::TimedOut => {
                failures += 1;
                retry_again(&job, &deadlines, failures, attempts, &mut result)
            }
            Status::Cancelled => None,
        };
        let failed = matches!(result.status, Status::Failed | Status::TimedOut);
        let error = result.error.clone().unwrap_or_default();
        let _ = job.tx.send(Event::AttemptEnded {
            id: job.id,
            attempt: base + k,
            at,
            result: Box::new(result),
        });
        if next.is_some() {
            continue;
        }
        let Some(esc) = job.escalate.as_ref().filter(|_| failed) else {
            break;
        };
        match escalated(&job, esc, base + k, &error, true).await {
            Err(Parked) => return,
            // A new round of its attempts, from now.
            Ok(Some(wfc_contract::Escalation::Retry)) => {
                attempts = failures + retry::attempts(job.retry.as_ref());
                deadlines.restart_retry(Instant::now());
            }
            _ => break,
        }
    }
    let _ = job.tx.send(Event::Done { id: job.id });
}

/// How long ago `at` was by the wall clock (zero if it is ahead): a time
/// recorded by an earlier session, perhaps by another process.
fn since(at: SystemTime) -> Duration {
    SystemTime::now().duration_since(at).unwrap_or_default()
}

/// A resumed step cut in the wait after an attempt that asked for another:
/// what is left of that wait, counted from when the attempt ended, or
/// `None` to go on at once (nothing is left, or no retry was due).
pub fn first_wait(job: &Job) -> Option<(Duration, String)> {
    let p = job.prior.as_ref().filter(|p| p.escalated.is_none())?;
    let ended = p.last_ended?;
    let attempts = retry::attempts(job.retry.as_ref());
    let wait = match (&job.poll, &job.retry) {
        (Some(poll), _) if p.last_polled => poll.every,
        (_, Some(r)) if !p.last_polled && p.failures < attempts => retry::delay(r, p.failures),
        _ => return None,
    };
    let left = wait.checked_sub(since(ended)).filter(|l| !l.is_zero())?;
    let why = match &job.poll {
        Some(poll) if p.last_polled => format!(
            "polling: `{}` does not hold yet; next try in {}",
            poll.text,
            super::exec::human(left)
        ),
        _ => format!(
            "retrying in {:.1}s (attempt {} of {attempts})",
            left.as_secs_f64(),
            p.failures + 1
        ),
    };
    Some((left, why))
}

/// The run parked while the task waited: it returns, telling nothing.
struct Parked;

/// Step `job` failed for good after `attempts` attempts (`error`): it
/// waits, holding no slot, for a person's decision. `Retry` once the step
/// has its slots back; `Skip` (told as [`Event::Waived`]) or `Abort` end
/// it failed; `None` when the run was cancelled meanwhile.
async fn escalated(
    job: &Job,
    esc: &Escalate,
    attempts: u32,
    error: &str,
    fresh: bool,
) -> Result<Option<wfc_contract::Escalation>, Parked> {
    use wfc_contract::Escalation;
    // An earlier decision (an earlier round, an earlier session) is not
    // this one; asked again after a park, it is.
    if fresh {
        esc.approvals.reopen(&esc.run_id, &job.step);
    }
    let why = super::gates::escalation_message(attempts, &job.masker.mask(error), &esc.how);
    let _ = job.tx.send(Event::Waiting {
        id: job.id,
        why,
        wake: Some(Wake::Person { until: None }),
    });
    let decision = tokio::select! {
        d = esc.approvals.wait(&esc.run_id, &job.step) => d,
        _ = job.cancel.cancelled() => return Ok(None),
        _ = job.park.cancelled() => return Err(Parked),
    };
    let decided = Escalation::of(&decision);
    let by = if decision.by.is_empty() {
        String::new()
    } else {
        format!(" by {}", decision.by)
    };
    let comment = if decision.comment.is_empty() {
        String::new()
    } else {
        format!(": {}", decision.comment)
    };
    match decided {
        Escalation::Retry => {
            let (go, granted) = tokio::sync::oneshot::channel();
            let _ = job.tx.send(Event::Resume { id: job.id, go });
            tokio::select! {
                _ = granted => Ok(Some(Escalation::Retry)),
                _ = job.cancel.cancelled() => Ok(None),
                _ = job.park.cancelled() => Err(Parked),
            }
        }
        Escalation::Skip => {
            let why = format!("skipped{by} after it failed{comment}");
            let _ = job.tx.send(Event::Waived { id: job.id, why });
            Ok(Some(Escalation::Skip))
        }
        Escalation::Abort => Ok(Some(Escalation::Abort)),
    }
}

/// Keeps the artifacts of an attempt that succeeded: they become its
/// `artifacts` output, or it fails when they cannot be kept.
async fn keep_artifacts(
    (spec, folder): (crate::artifacts::ArtifactSpec, Option<std::path::PathBuf>),
    masker: &Masker,
    result: &mut AttemptResult,
) {
    let kept =
        tokio::task::spawn_blocking(move || crate::artifacts::keep(&spec, folder.as_deref()))
            .await
            .unwrap_or_else(|e| {
                Err(format!(
                    "{}: keeping the artifacts: {e}",
                    crate::artifacts::NOT_KEPT
                ))
            });
    match kept {
        Ok(k) => {
            let outputs = result.outputs.take();
            result.outputs = Some(crate::artifacts::with_artifacts(outputs, k.value));
            result.kept = k.files;
        }
        Err(e) => {
            result.status = Status::Failed;
            result.error = Some(masker.mask(&e));
        }
    }
}

/// Why an attempt was stopped at a deadline rather than its `timeout`.
fn deadline_cut(d: &Deadlines) -> String {
    let now = Instant::now();
    if let Some(c) = d.call.as_ref().filter(|c| c.at <= now) {
        return format!("stopped: {}", c.reason());
    }
    let until = |within| {
        format!(
            "stopped at the `until` deadline (`within {}`): the condition never held",
            super::exec::human(within)
        )
    };
    match (d.retry, d.until) {
        // Both passed (often one deadline, as in std's healthcheck): the
        // `until`'s says what was waited for, unless the retry's came first.
        (Some((r, _)), Some((u, within))) if u <= now && u <= r => until(within),
        (Some((at, within)), _) if at <= now => format!(
            "stopped at the retry deadline (`within {}` of all attempts)",
            super::exec::human(within)
        ),
        (_, Some((_, within))) => until(within),
        _ => "stopped at a deadline".to_owned(),
    }
}

/// How the error of a try whose `until` does not hold yet begins (if the
/// step ends there, it was stopped).
pub(crate) use wfc_contract::NOT_YET;

/// After try `k` succeeded: the wait before the next try when the
/// condition does not hold yet, or `None` (done: it held, or it never will
/// in time or cannot be evaluated, and `result` says so).
fn poll_again(
    p: &Poll,
    d: &Deadlines,
    k: u32,
    masker: &Masker,
    result: &mut AttemptResult,
) -> Option<(Duration, String)> {
    let seen = match p.judge(result.outputs.as_ref(), masker) {
        Verdict::Holds => return None,
        Verdict::NotYet(seen) => seen,
        Verdict::Broken(error) => {
            result.status = Status::Failed;
            result.error = Some(error);
            return None;
        }
    };
    if let Some(within) = d.until_passes(p.every) {
        result.status = Status::Failed;
        result.error = Some(format!(
            "the condition never held within {} ({} {}; last: {seen})",
            super::exec::human(within),
            k,
            if k == 1 { "try" } else { "tries" }
        ));
        return None;
    }
    // Recorded with the try: it ran, and what it saw.
    result.error = Some(format!("{NOT_YET}: {seen}"));
    let why = format!(
        "polling: `{}` does not hold yet; next try in {}",
        p.text,
        super::exec::human(p.every)
    );
    Some((p.every, why))
}

/// After the `failures`-th failed attempt: the wait before the next one, or
/// `None` when the retries or their deadline are used up.
fn retry_again(
    job: &Job,
    d: &Deadlines,
    failures: u32,
    attempts: u32,
    result: &mut AttemptResult,
) -> Option<(Duration, String)> {
    if failures >= attempts {
        return None;
    }
    if let Some(w) = &job.retry_when {
        let error = || result.error.clone().unwrap_or_else(|| "failed".into());
        match w.judge(result, &job.masker) {
            Decision::Retry => {}
            Decision::Stop(why) => {
                result.error = Some(format!("{} ({why})", error()));
                return None;
            }
            Decision::Broken(why) => {
                result.error = Some(format!("{why}; the attempt: {}", error()));
                return None;
            }
        }
    }
    let wait = job
        .retry
        .as_ref()
        .map_or(Duration::ZERO, |r| retry::delay(r, failures));
    if let Some(c) = d.call_passes(wait) {
        let error = result.error.take().unwrap_or_else(|| "failed".into());
        result.error = Some(format!("{error} (no retry: {})", c.reason()));
        return None;
    }
    if let Some(within) = d.retry_passes(wait).or_else(|| d.until_passes(wait)) {
        let error = result.error.take().unwrap_or_else(|| "failed".into());
        // An attempt stopped at that deadline says so already (issue 73:
        // the same `within` was stated twice).
        result.error = Some(if error.starts_with("stopped at the") {
            error
        } else {
            format!(
                "{error} (no retry: its deadline, `within {}`, has passed)",
                super::exec::human(within)
            )
        });
        return None;
    }
    let why = format!(
        "retrying in {:.1}s (attempt {} of {attempts})",
        wait.as_secs_f64(),
        failures + 1
    );
    Some((wait, why))
}

fn convert(
    outcome: &Outcome,
    declared: &[OutputDecl],
    masker: &Masker,
    d: Duration,
) -> AttemptResult {
    let (value, bad_output) = outcome_value(outcome, declared);
    let mut status = outcome.status;
    let mut error = outcome.error.clone();
    if let (Status::Succeeded, Some(why)) = (status, bad_output) {
        status = Status::Failed;
        error = Some(masker.mask(&why));
    }
    AttemptResult {
        class: class_of(status, outcome),
        status,
        error,
        exit_code: outcome.exit_code,
        duration: d,
        outputs: Some(value),
        kept: Vec::new(),
        usage: outcome.usage,
    }
}

/// What made an attempt that ended in `status` fail: the executor's word
/// where it gave one, else its status, exit code or HTTP status.
fn class_of(status: Status, outcome: &Outcome) -> Option<ErrorClass> {
    match status {
        Status::Succeeded | Status::Cancelled => None,
        Status::TimedOut => Some(ErrorClass::Timeout),
        _ if outcome.class.is_some() => outcome.class,
        _ if outcome.exit_code.is_some_and(|c| c != 0) => Some(ErrorClass::ExitCode),
        _ if outcome
            .outputs
            .get("status_code")
            .is_some_and(|v| v.is_u64()) =>
        {
            Some(ErrorClass::HttpStatus)
        }
        _ => Some(ErrorClass::Other),
    }
}

/// Waits for an approval (gates), under the step's timeout and cancellation.
/// At the timeout the wait is closed: a decision that came in just before
/// stands, else the timeout is the gate's one decision. An approval's
/// inputs (`spec`) become `outputs.NAME`, defaulted where none was given.
pub async fn wait_approval(
    mut approval: wfc_contract::Wait,
    job: Job,
    message: String,
    spec: serde_json::Value,
) {
    let at = SystemTime::now();
    let _ = job.tx.send(Event::AttemptStarted {
        id: job.id,
        attempt: 1,
        at,
        recorded: None,
    });
    // A gate resumed in a later session waits out what is left of its
    // timeout, from its first wait: none, if it passed meanwhile.
    let waited = job
        .prior
        .as_ref()
        .map_or(Duration::ZERO, |p| since(p.first_started));
    let until = job
        .timeout
        .map(|t| SystemTime::now() + t.saturating_sub(waited));
    let _ = job.tx.send(Event::Waiting {
        id: job.id,
        why: message,
        wake: Some(Wake::Person { until }),
    });
    let started = Instant::now();
    let timeout = async {
        match job.timeout {
            Some(t) => tokio::time::sleep(t.saturating_sub(waited)).await,
            None => std::future::pending().await,
        }
    };
    let decision = tokio::select! {
        d = &mut approval => Ok(d),
        _ = timeout => match approval.close().await {
            wfc_contract::Closed::Decided(d) => Ok(d),
            wfc_contract::Closed::TimedOut => Err((
                Status::TimedOut,
                format!("no approval within {}", super::exec::human(job.timeout.unwrap_or_default())),
            )),
        },
        _ = job.cancel.cancelled() => Err((Status::Cancelled, "cancelled".to_owned())),
        // The run parked: the gate waits on in the record, for the next session.
        _ = job.park.cancelled() => return,
    };
    let result = super::gates::decided(decision, &spec, started.elapsed());
    let _ = job.tx.send(Event::AttemptEnded {
        id: job.id,
        attempt: 1,
        at,
        result: Box::new(result),
    });
    let _ = job.tx.send(Event::Done { id: job.id });
}

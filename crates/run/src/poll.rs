//! `until COND every D within D`: whether a step that succeeded is done,
//! and deadlines — the `until`'s `within` and a retry's `within` — over the
//! attempts of one step ([`super::attempt::run_step`]).
//!
//! The condition reads the step's own outputs (the checker sees to it),
//! so it is evaluated in the step's task on the outputs of the attempt
//! that just ended, with the plan's evaluator ([`Evaluator`]). Whatever
//! else it reads (`run.…`, `failed.…`, `x.status`) is taken when the step
//! starts, as for the step's other expressions ([`Evaluator::freeze`]).

use super::mask::Masker;
use super::values::Evaluator;
use std::time::{Duration, Instant};
use wfc_language::ir::{BinaryOp, BlockId, Expr, ExprKind, Names, StepId};
use wfc_plan::{OutputRef, PlannedStep, PlannedUntil, RefTarget, Value};

/// The code of an `until` condition that cannot be evaluated after a try
/// (docs/diagnostics.md): the step fails at once rather than polling on.
pub const UNTIL_FAILED: &str = "E0501";

/// What a step's task needs to poll.
pub struct Poll {
    /// The condition, folded at plan time, what it reads besides the
    /// step's outputs bound to loop variables in `items`.
    pub cond: Expr,
    /// The step (IR id) whose outputs the condition reads.
    pub step: StepId,
    /// The step instance's name, for errors.
    pub name: String,
    pub every: Duration,
    pub within: Duration,
    /// The run's params and the instance's loop items.
    pub params: Vec<Option<Value>>,
    pub items: Vec<(BlockId, String, Value)>,
    /// The condition as written, and the operand whose value a failure
    /// shows (the left side of a comparison), as written.
    pub text: String,
    pub probe: Option<String>,
}

/// How one try ended against the condition.
pub enum Verdict {
    Holds,
    /// Not yet: what was seen (masked), for the record and the final error.
    NotYet(String),
    /// The condition cannot be evaluated (an error, or a value that is not
    /// a bool): the step's error (masked). Trying again would not help.
    Broken(String),
}

impl Poll {
    /// What `step`'s task needs to poll under `u`; `ev` is the evaluator
    /// of the step's other expressions, as it starts.
    pub fn new(
        step: &PlannedStep,
        u: &PlannedUntil,
        params: &[Option<Value>],
        names: &dyn Names,
        ev: &mut Evaluator,
    ) -> Poll {
        let show = |e| wfc_plan::render::expr::show(names, e);
        let (cond, frozen) = ev.freeze(&u.cond, step.step);
        let mut items = step.items.clone();
        items.extend(frozen);
        Poll {
            cond,
            step: step.step,
            name: step.name.clone(),
            every: Duration::from_millis(u.every_ms),
            within: Duration::from_millis(u.within_ms),
            params: params.to_vec(),
            items,
            text: show(&u.cond),
            probe: comparison_lhs(&u.cond).map(show),
        }
    }

    /// Evaluates the condition on `outputs` (the attempt's own).
    pub fn judge(&self, outputs: Option<&Value>, masker: &Masker) -> Verdict {
        let local = [outputs.cloned()];
        let reads = [OutputRef {
            step: self.step,
            main: false,
            target: RefTarget::One(0),
        }];
        let mut ev = Evaluator::new(&self.params, &self.items, &reads, &local, &local, None);
        let seen = match ev.eval(&self.cond) {
            Ok(Value::Bool(true)) => return Verdict::Holds,
            Ok(Value::Bool(false)) => match (&self.probe, comparison_lhs(&self.cond)) {
                (Some(text), Some(lhs)) => match ev.eval(lhs) {
                    Ok(v) => format!("`{text}` was {}", v.literal()),
                    Err(e) => format!("`{text}`: {e}"),
                },
                _ => format!("`{}` was false", self.text),
            },
            Ok(Value::Null) => return self.broken("it has no value", masker),
            Ok(other) => {
                let why = format!("it gave {}, not a bool", other.literal());
                return self.broken(&why, masker);
            }
            Err(e) => return self.broken(&e, masker),
        };
        Verdict::NotYet(masker.mask(&seen))
    }

    /// The step's error for a condition that cannot be evaluated: the
    /// code, where (the step's `until`), what it is, and why.
    fn broken(&self, why: &str, masker: &Masker) -> Verdict {
        Verdict::Broken(masker.mask(&format!(
            "{UNTIL_FAILED}: the `until` condition of step `{}` cannot be evaluated: {why} \
             (`until {}`); not polled again",
            self.name, self.text
        )))
    }
}

/// The left operand of a comparison at the top of `e`.
pub fn comparison_lhs(e: &Expr) -> Option<&Expr> {
    match &e.kind {
        ExprKind::Binary(
            BinaryOp::Eq | BinaryOp::Ne | BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge,
            l,
            _,
        ) => Some(l),
        _ => None,
    }
}

/// The deadlines of one step's attempts, from when its first attempt started.
pub struct Deadlines {
    /// A retry's `within`: no attempt starts, and none runs, past it.
    pub retry: Option<(Instant, Duration)>,
    /// The `until`'s `within`.
    pub until: Option<(Instant, Duration)>,
    /// The `timeout` of a call the step is inside (the nearest deadline of all).
    pub call: Option<CallLimit>,
}

/// A call's `timeout` (or its callee's workflow `timeout`), as a deadline
/// for the steps inside it: the clock starts with the call's first step.
#[derive(Clone, Debug)]
pub struct CallLimit {
    pub at: Instant,
    pub timeout: Duration,
    /// The call step's name (`ship`, `d[eu]`).
    pub call: String,
}

impl CallLimit {
    /// How a step stopped (or never started) at this deadline says so.
    pub fn reason(&self) -> String {
        format!(
            "the call `{}`'s timeout ({}) expired",
            self.call,
            super::exec::human(self.timeout)
        )
    }
}

impl Deadlines {
    pub fn new(
        start: Instant,
        retry_within: Option<Duration>,
        until_within: Option<Duration>,
    ) -> Self {
        Deadlines {
            retry: retry_within.map(|d| (start + d, d)),
            until: until_within.map(|d| (start + d, d)),
            call: None,
        }
    }

    /// A new round of attempts starts at `now` (a person asked for it
    /// after the last round failed): the retry's `within` counts anew.
    pub fn restart_retry(&mut self, now: Instant) {
        if let Some((_, within)) = self.retry {
            self.retry = Some((now + within, within));
        }
    }

    /// The time an attempt starting now may take: the step's `timeout`,
    /// cut to the nearest deadline; and whether a deadline cut it.
    pub fn attempt_limit(&self, timeout: Option<Duration>) -> (Option<Duration>, bool) {
        let now = Instant::now();
        let call = self.call.as_ref().map(|c| (c.at, c.timeout));
        let left = [self.retry, self.until, call]
            .into_iter()
            .flatten()
            .map(|(at, _)| at.saturating_duration_since(now))
            .min();
        match (timeout, left) {
            (Some(t), Some(l)) if l < t => (Some(l), true),
            (None, Some(l)) => (Some(l), true),
            (t, _) => (t, false),
        }
    }

    /// Whether a wait of `wait` from now ends past the retry deadline.
    pub fn retry_passes(&self, wait: Duration) -> Option<Duration> {
        self.retry
            .filter(|(at, _)| Instant::now() + wait >= *at)
            .map(|(_, d)| d)
    }

    /// The call's deadline, when a wait of `wait` from now ends past it.
    pub fn call_passes(&self, wait: Duration) -> Option<&CallLimit> {
        self.call.as_ref().filter(|c| Instant::now() + wait >= c.at)
    }

    /// Whether a wait of `wait` from now ends past the `until` deadline.
    pub fn until_passes(&self, wait: Duration) -> Option<Duration> {
        self.until
            .filter(|(at, _)| Instant::now() + wait >= *at)
            .map(|(_, d)| d)
    }
}

//! What a run asks: who approves a gate, and where a decision taken in the
//! run's own process is kept.
//!
//! A gate takes one decision: an approval, a rejection, or its `timeout`.
//! A wait ([`Wait`]) resolves with the first two; when the timeout comes
//! first, the run [`Wait::close`]s the gate, and the source of approvals
//! says whether a decision came in just before (then it stands) or records
//! the timeout, so that a decision coming just after is refused.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// A decision on a gate: approved or rejected, by whom, with the inputs
/// the approver gave (bound to the gate's `inputs` declarations, defaults
/// filled in, by whoever recorded it) and a comment.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct GateDecision {
    pub approved: bool,
    pub by: String,
    pub inputs: serde_json::Map<String, serde_json::Value>,
    pub comment: String,
}

impl GateDecision {
    /// Approved by `by`, with no inputs and no comment.
    pub fn approved(by: &str) -> GateDecision {
        GateDecision {
            approved: true,
            by: by.to_owned(),
            ..GateDecision::default()
        }
    }

    /// Rejected by `by`, with no comment.
    pub fn rejected(by: &str) -> GateDecision {
        GateDecision {
            by: by.to_owned(),
            ..GateDecision::default()
        }
    }

    /// `approved` or `rejected`, as recorded.
    pub fn word(&self) -> &'static str {
        if self.approved {
            "approved"
        } else {
            "rejected"
        }
    }
}

/// What a person decided on a step that failed after its retries and
/// paused for them (`on fail pause` on a step that is no gate): an
/// approval whose input `action` is `retry` (the default) or `skip`, or a
/// rejection (abort).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Escalation {
    /// Run the step again: a new round of its attempts.
    Retry,
    /// Go on without it: it counts as a failed optional step.
    Skip,
    /// It fails, as it would have without `on fail pause`.
    Abort,
}

/// The input of an escalated step's decision that says what to do.
pub const ACTION: &str = "action";

impl Escalation {
    /// What decision `d` on an escalated step asks for.
    pub fn of(d: &GateDecision) -> Escalation {
        match (d.approved, d.inputs.get(ACTION).and_then(|a| a.as_str())) {
            (false, _) => Escalation::Abort,
            (true, Some("skip")) => Escalation::Skip,
            (true, _) => Escalation::Retry,
        }
    }

    /// The inputs spec such a decision is checked against (as a gate's
    /// `inputs` are: `wfc_plan::gate_inputs`).
    pub fn spec() -> serde_json::Value {
        serde_json::json!([{
            "name": ACTION, "type": "string", "one_of": ["retry", "skip"], "default": "retry"
        }])
    }

    pub fn name(self) -> &'static str {
        match self {
            Escalation::Retry => "retry",
            Escalation::Skip => "skip",
            Escalation::Abort => "abort",
        }
    }
}

/// The decision a wait resolves with.
pub type Decided = Pin<Box<dyn Future<Output = GateDecision> + Send + 'static>>;

/// What a gate's timeout finds when it closes the gate.
pub type Closing = Pin<Box<dyn Future<Output = Closed> + Send + 'static>>;

/// How a gate whose timeout came first ends.
#[derive(Clone, Debug, PartialEq)]
pub enum Closed {
    /// No decision came first: the gate timed out (and a later decision
    /// is refused).
    TimedOut,
    /// A decision came first and stands.
    Decided(GateDecision),
}

type Close = Box<dyn FnOnce() -> Closing + Send + 'static>;

/// A wait for a gate's decision; stays pending while nothing is decided. [`Wait::close`]
/// ends it at the gate's timeout.
pub struct Wait {
    decided: Decided,
    close: Close,
}

impl Wait {
    /// A wait for `decided`, whose timeout needs nobody's agreement: no
    /// decision can come in once the wait is dropped.
    pub fn new(decided: impl Future<Output = GateDecision> + Send + 'static) -> Wait {
        Wait {
            decided: Box::pin(decided),
            close: Box::new(|| Box::pin(std::future::ready(Closed::TimedOut))),
        }
    }

    /// A wait that never decides.
    pub fn never() -> Wait {
        Wait::new(std::future::pending())
    }

    /// The same wait, closed at its timeout by `close` (which records the
    /// timeout unless a decision was recorded first).
    pub fn closed_by(self, close: impl FnOnce() -> Closing + Send + 'static) -> Wait {
        Wait {
            decided: self.decided,
            close: Box::new(close),
        }
    }

    /// The gate's timeout came: ends the wait with the one decision the
    /// gate takes.
    pub fn close(self) -> Closing {
        (self.close)()
    }

    /// The decision and what closes it, to compose waits.
    pub fn into_parts(self) -> (Decided, impl FnOnce() -> Closing + Send + 'static) {
        (self.decided, self.close)
    }
}

impl Future for Wait {
    type Output = GateDecision;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<GateDecision> {
        self.decided.as_mut().poll(cx)
    }
}

/// Where approvals come from.
pub trait Approvals: Send + Sync {
    /// Waits for the decision on `step` of run `run_id` (pending: never).
    fn wait(&self, run_id: &str, step: &str) -> Wait;

    /// Forgets an earlier decision on `step`, before a new wait for one: a
    /// step that pauses for a person each time it fails for good takes a
    /// new decision each time.
    fn reopen(&self, _run_id: &str, _step: &str) {}

    /// How a person approves this gate, for the waiting message.
    fn how(&self, run_id: &str, step: &str) -> String;
}

/// Where a decision taken in this process (the run manager's `approve` /
/// `reject`) is recorded, so it is kept like one made with `wfc approve`
/// (the run store implements it).
pub trait DecisionLog: Send + Sync {
    /// Records decision `d` on gate `step` of run `run_id`, its inputs as
    /// given (strings are read as typed text), and gives it back with the
    /// inputs bound to the gate's declarations. An error refuses the
    /// decision (a gate takes one decision; no such gate; it timed out; an
    /// input is missing or wrong): nothing is decided.
    fn record(&self, run_id: &str, step: &str, d: &GateDecision) -> Result<GateDecision, String>;
}

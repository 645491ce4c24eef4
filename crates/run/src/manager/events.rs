//! What a [`super::RunManager`] tells its subscribers: every run's start,
//! its steps' starts, waits and ends, and its end.
//!
//! Events travel on one `tokio::sync::broadcast` channel, made when the
//! first subscriber comes. A run builds an event only while somebody
//! listens (otherwise an event costs one relaxed load), and sending never waits: a subscriber that falls more than
//! the channel's capacity behind loses the oldest events (its next
//! [`Subscription::recv`] says how many) and the runs go on.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::SystemTime;
use tokio::sync::broadcast;
use wfc_contract::{
    Attempt, GraphName, RecordError, Recorder, RunEnd, RunInfo, RunStatus, StepEnd, StepKey,
    StepStatus,
};

pub use broadcast::error::{RecvError, TryRecvError};

/// Events a subscriber may fall behind by before it loses the oldest.
pub const EVENT_CAPACITY: usize = 4096;

/// Something that happened in one run.
#[derive(Clone, Debug)]
pub struct RunEvent {
    pub run_id: Arc<str>,
    pub kind: RunEventKind,
}

/// What happened.
#[derive(Clone, Debug, PartialEq)]
pub enum RunEventKind {
    /// The run started (or a resumed run started again).
    Started { workflow: String, steps: usize },
    /// An attempt of a step started (1 for its first).
    StepStarted {
        graph: GraphName,
        step: String,
        attempt: u32,
    },
    /// A step waits: for an approval (`approval`), or before a retry.
    Waiting {
        graph: GraphName,
        step: String,
        why: String,
        approval: bool,
    },
    /// A step's final state (skipped and not-run steps included).
    StepEnded {
        graph: GraphName,
        step: String,
        status: StepStatus,
    },
    /// The run ended; `failed` is the first required failure (masked).
    Ended {
        status: RunStatus,
        failed: Option<(String, String)>,
    },
}

/// The manager's channel and the count of its subscribers.
#[derive(Default)]
pub(super) struct EventBus {
    sender: OnceLock<broadcast::Sender<RunEvent>>,
    listeners: AtomicUsize,
}

impl EventBus {
    /// Whether anybody listens: events are built only then.
    pub(super) fn listening(&self) -> bool {
        self.listeners.load(Ordering::Relaxed) != 0
    }

    pub(super) fn send(&self, run_id: &Arc<str>, kind: RunEventKind) {
        if let Some(tx) = self.sender.get() {
            // No receiver left is no error: the event is for nobody.
            let _ = tx.send(RunEvent {
                run_id: run_id.clone(),
                kind,
            });
        }
    }

    pub(super) fn subscribe(self: &Arc<Self>) -> Subscription {
        let tx = self
            .sender
            .get_or_init(|| broadcast::channel(EVENT_CAPACITY).0);
        let rx = tx.subscribe();
        self.listeners.fetch_add(1, Ordering::Relaxed);
        Subscription {
            rx,
            bus: self.clone(),
        }
    }
}

/// The events of every run of a manager, from the moment of
/// [`super::RunManager::subscribe`] on.
pub struct Subscription {
    rx: broadcast::Receiver<RunEvent>,
    bus: Arc<EventBus>,
}

impl Subscription {
    /// The next event. `Err(Lagged(n))`: this subscriber fell behind and
    /// lost `n` events (the next call goes on with the oldest kept);
    /// `Err(Closed)`: the manager and its runs are gone.
    pub async fn recv(&mut self) -> Result<RunEvent, RecvError> {
        self.rx.recv().await
    }

    /// The next event if one is there, without waiting.
    pub fn try_recv(&mut self) -> Result<RunEvent, TryRecvError> {
        self.rx.try_recv()
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        self.bus.listeners.fetch_sub(1, Ordering::Relaxed);
    }
}

/// A run's recorder, which also tells the manager's subscribers.
pub(super) struct Observed {
    pub(super) inner: Box<dyn Recorder>,
    pub(super) bus: Arc<EventBus>,
    pub(super) run_id: Arc<str>,
    /// Which waiting gates wait for a person (told apart from retries).
    pub(super) gates: Arc<super::approvals::GateBoard>,
    /// Told once the run's start is recorded, or could not be
    /// ([`super::RunHandle::recorded`]).
    pub(super) recorded: Option<tokio::sync::oneshot::Sender<Result<(), RecordError>>>,
}

impl Observed {
    fn tell(&self, kind: impl FnOnce() -> RunEventKind) {
        if self.bus.listening() {
            self.bus.send(&self.run_id, kind());
        }
    }
}

impl Recorder for Observed {
    fn run_started(&mut self, run: &RunInfo) -> Result<(), RecordError> {
        let recorded = self.inner.run_started(run);
        if let Some(tx) = self.recorded.take() {
            let _ = tx.send(recorded.clone());
        }
        if recorded.is_ok() {
            self.tell(|| RunEventKind::Started {
                workflow: run.workflow.clone(),
                steps: run.steps,
            });
        }
        recorded
    }
    fn attempt_started(&mut self, step: &StepKey, attempt: u32, at: SystemTime) {
        self.inner.attempt_started(step, attempt, at);
        self.tell(|| RunEventKind::StepStarted {
            graph: step.graph.clone(),
            step: step.name.clone(),
            attempt,
        });
    }
    fn attempt_ended(&mut self, step: &StepKey, attempt: &Attempt) {
        self.inner.attempt_ended(step, attempt);
    }
    fn waiting(&mut self, step: &StepKey, why: &str) {
        self.inner.waiting(step, why);
        let gates = &self.gates;
        self.tell(|| RunEventKind::Waiting {
            graph: step.graph.clone(),
            step: step.name.clone(),
            why: why.to_owned(),
            approval: gates.is_waiting(&step.name),
        });
    }
    fn step_skipped(&mut self, step: &StepKey, reason: &str) {
        self.inner.step_skipped(step, reason);
    }
    fn step_ended(&mut self, step: &StepKey, end: &StepEnd) {
        self.inner.step_ended(step, end);
        self.tell(|| RunEventKind::StepEnded {
            graph: step.graph.clone(),
            step: step.name.clone(),
            status: end.status,
        });
    }
    fn step_restored(&mut self, step: &StepKey) {
        self.inner.step_restored(step);
    }
    fn phase(&mut self, name: &str) {
        self.inner.phase(name);
    }
    fn workflow_outputs(&mut self, outputs: &[(String, serde_json::Value)]) {
        self.inner.workflow_outputs(outputs);
    }
    fn run_ended(&mut self, end: &RunEnd) -> Result<(), RecordError> {
        let recorded = self.inner.run_ended(end);
        // A success whose end could not be recorded is a failure.
        let (status, failed) = match &recorded {
            Err(e) if end.status == RunStatus::Succeeded => {
                (RunStatus::Failed, Some(("wfc".to_owned(), e.to_string())))
            }
            _ => (end.status, end.failed.clone()),
        };
        self.tell(|| RunEventKind::Ended { status, failed });
        recorded
    }
    fn flush(&mut self) -> Result<(), RecordError> {
        self.inner.flush()
    }
}

//! What a [`super::RunManager`] tells its subscribers: every run's start,
//! its steps' starts, waits and ends, its end, and — for those who ask —
//! that a step printed.
//!
//! Events travel on one `tokio::sync::broadcast` channel, made when the
//! first subscriber comes. A run builds an event only while somebody
//! listens (otherwise an event costs one relaxed load), and sending never waits: a subscriber that falls more than
//! the channel's capacity behind loses the oldest events (its next
//! [`Subscription::recv`] says how many) and the runs go on.
//!
//! Two events carry no content, only *when* to read the run's record:
//! [`RunEventKind::Recorded`] (the run's recorder wrote a turn's state
//! changes: a reader of its record finds them there now) and
//! [`RunEventKind::Printed`] (a step's line went to its [`LineOutput`],
//! which wrote it before returning). Live streams read the record on them
//! instead of every 200 ms, so what they send is what the record holds —
//! masked, with the record's ids. `Printed` comes on a channel of its own,
//! for subscribers that ask ([`super::RunManager::subscribe_with_lines`]):
//! one a line, it would crowd out the others' events.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::SystemTime;
use tokio::sync::broadcast;
use wfc_contract::{
    Attempt, GraphName, LineOutput, LineSink, RecordError, Recorder, RunEnd, RunInfo, RunStatus,
    StepEnd, StepKey, StepStatus,
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
    /// The run's recorder took a turn's state changes ([`Recorder::flush`]
    /// returned): its record holds them.
    Recorded,
    /// A step's line was written by the run's [`LineOutput`] (only to
    /// [`super::RunManager::subscribe_with_lines`]).
    Printed,
}

/// The manager's channels and the count of their subscribers.
#[derive(Default)]
pub(super) struct EventBus {
    sender: OnceLock<broadcast::Sender<RunEvent>>,
    listeners: AtomicUsize,
    /// [`RunEventKind::Printed`] only.
    lines: OnceLock<broadcast::Sender<RunEvent>>,
    line_listeners: AtomicUsize,
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

    /// A step of run `run_id` printed a line.
    fn printed(&self, run_id: &Arc<str>) {
        if self.line_listeners.load(Ordering::Relaxed) == 0 {
            return;
        }
        if let Some(tx) = self.lines.get() {
            let _ = tx.send(RunEvent {
                run_id: run_id.clone(),
                kind: RunEventKind::Printed,
            });
        }
    }

    pub(super) fn subscribe(self: &Arc<Self>, with_lines: bool) -> Subscription {
        let tx = self
            .sender
            .get_or_init(|| broadcast::channel(EVENT_CAPACITY).0);
        let rx = tx.subscribe();
        self.listeners.fetch_add(1, Ordering::Relaxed);
        let lines = with_lines.then(|| {
            self.line_listeners.fetch_add(1, Ordering::Relaxed);
            let tx = self
                .lines
                .get_or_init(|| broadcast::channel(EVENT_CAPACITY).0);
            tx.subscribe()
        });
        Subscription {
            rx,
            lines,
            bus: self.clone(),
        }
    }
}

/// The events of every run of a manager, from the moment of
/// [`super::RunManager::subscribe`] on.
pub struct Subscription {
    rx: broadcast::Receiver<RunEvent>,
    /// [`RunEventKind::Printed`], when asked for.
    lines: Option<broadcast::Receiver<RunEvent>>,
    bus: Arc<EventBus>,
}

impl Subscription {
    /// The next event. `Err(Lagged(n))`: this subscriber fell behind and
    /// lost `n` events (the next call goes on with the oldest kept);
    /// `Err(Closed)`: the manager and its runs are gone. (With lines: from
    /// either channel, each in its order.)
    pub async fn recv(&mut self) -> Result<RunEvent, RecvError> {
        match &mut self.lines {
            None => self.rx.recv().await,
            Some(lines) => tokio::select! {
                e = self.rx.recv() => e,
                e = lines.recv() => e,
            },
        }
    }

    /// The next event if one is there, without waiting.
    pub fn try_recv(&mut self) -> Result<RunEvent, TryRecvError> {
        match (self.rx.try_recv(), &mut self.lines) {
            (Err(TryRecvError::Empty), Some(lines)) => lines.try_recv(),
            (got, _) => got,
        }
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        self.bus.listeners.fetch_sub(1, Ordering::Relaxed);
        if self.lines.is_some() {
            self.bus.line_listeners.fetch_sub(1, Ordering::Relaxed);
        }
    }
}

/// A run's [`LineOutput`], which also tells the manager's line
/// subscribers, once each line is written.
pub(super) struct Tapped {
    pub(super) inner: Arc<dyn LineOutput>,
    pub(super) bus: Arc<EventBus>,
    pub(super) run_id: Arc<str>,
}

impl LineOutput for Tapped {
    fn sink(&self, step: &StepKey) -> LineSink {
        let inner = self.inner.sink(step);
        let (bus, run_id) = (self.bus.clone(), self.run_id.clone());
        Arc::new(move |stream, text: &str| {
            inner(stream, text);
            bus.printed(&run_id);
        })
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
    /// Something was recorded since the last flush.
    pub(super) unflushed: bool,
}

impl Observed {
    fn tell(&mut self, kind: impl FnOnce() -> RunEventKind) {
        self.unflushed = true;
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
        self.unflushed = true;
    }
    fn waiting(&mut self, step: &StepKey, why: &str) {
        self.inner.waiting(step, why);
        let gates = self.gates.clone();
        self.tell(|| RunEventKind::Waiting {
            graph: step.graph.clone(),
            step: step.name.clone(),
            why: why.to_owned(),
            approval: gates.is_waiting(&step.name),
        });
    }
    fn step_skipped(&mut self, step: &StepKey, reason: &str) {
        self.inner.step_skipped(step, reason);
        self.unflushed = true;
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
        self.unflushed = true;
    }
    fn artifacts_kept(&mut self, step: &StepKey, files: &[wfc_contract::ArtifactFile]) {
        self.inner.artifacts_kept(step, files);
        self.unflushed = true;
    }
    fn step_inputs(&mut self, step: &StepKey, inputs: &wfc_contract::up_to_date::StepInputs) {
        self.inner.step_inputs(step, inputs);
        self.unflushed = true;
    }
    fn phase(&mut self, name: &str) {
        self.inner.phase(name);
        self.unflushed = true;
    }
    fn workflow_outputs(&mut self, outputs: &[(String, serde_json::Value)]) {
        self.inner.workflow_outputs(outputs);
        self.unflushed = true;
    }
    fn run_parked(&mut self, parked: &wfc_contract::Parked) -> Result<(), RecordError> {
        self.unflushed = true;
        self.inner.run_parked(parked)
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
        let flushed = self.inner.flush();
        if std::mem::take(&mut self.unflushed) && flushed.is_ok() && self.bus.listening() {
            self.bus.send(&self.run_id, RunEventKind::Recorded);
        }
        flushed
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;
    use wfc_contract::{NoRecorder, Stream};

    /// The lines given to it, in order.
    #[derive(Default)]
    struct Kept(Arc<Mutex<Vec<String>>>);

    impl LineOutput for Kept {
        fn sink(&self, _: &StepKey) -> LineSink {
            let kept = self.0.clone();
            Arc::new(move |_, text: &str| kept.lock().unwrap().push(text.to_owned()))
        }
    }

    fn step() -> StepKey {
        StepKey {
            graph: GraphName::Main,
            name: "talk".into(),
            kind: "shell",
        }
    }

    #[test]
    fn a_line_is_told_after_it_is_written_and_only_to_who_asks() {
        let bus = Arc::new(EventBus::default());
        let kept = Kept::default();
        let lines = kept.0.clone();
        let tapped = Tapped {
            inner: Arc::new(kept),
            bus: bus.clone(),
            run_id: Arc::from("r1"),
        };
        let sink = tapped.sink(&step());
        // Nobody listens: nothing is sent, the line is written.
        sink(Stream::Stdout, "zero");
        let mut with = bus.subscribe(true);
        let mut without = bus.subscribe(false);
        sink(Stream::Stdout, "one");
        assert_eq!(*lines.lock().unwrap(), ["zero", "one"]);
        let e = with.try_recv().unwrap();
        assert_eq!((&*e.run_id, e.kind), ("r1", RunEventKind::Printed));
        assert!(matches!(with.try_recv(), Err(TryRecvError::Empty)));
        assert!(matches!(without.try_recv(), Err(TryRecvError::Empty)));
        drop(with);
        assert_eq!(bus.line_listeners.load(Ordering::Relaxed), 0);
    }

    #[test]
    fn a_flush_tells_that_the_turn_is_recorded_once_it_recorded_something() {
        let bus = Arc::new(EventBus::default());
        let mut sub = bus.subscribe(false);
        let mut observed = Observed {
            inner: Box::new(NoRecorder),
            bus: bus.clone(),
            run_id: Arc::from("r1"),
            gates: Arc::default(),
            recorded: None,
            unflushed: false,
        };
        observed.flush().unwrap();
        assert!(matches!(sub.try_recv(), Err(TryRecvError::Empty)));
        observed.phase("compensate");
        observed.flush().unwrap();
        assert_eq!(sub.try_recv().unwrap().kind, RunEventKind::Recorded);
        observed.flush().unwrap();
        assert!(matches!(sub.try_recv(), Err(TryRecvError::Empty)));
    }
}

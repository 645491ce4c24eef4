//! Gates decided in-process: [`super::RunManager::approve`] and `reject`
//! reach a waiting gate at once, beside the run's other sources of
//! approvals (`--approve`, the store's `wfc approve`).

use futures::future::BoxFuture;
use futures::FutureExt;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::oneshot;
use wfc_contract::{Approvals, Closed, GateDecision as Decision, Wait};

/// One run's gates as the manager knows them.
#[derive(Default)]
pub(super) struct GateBoard {
    gates: Mutex<HashMap<String, Gate>>,
}

enum Gate {
    /// Reached and undecided: who waits.
    Waiting(Vec<oneshot::Sender<Decision>>),
    Decided(Decision),
    /// Its timeout came first: no decision is taken any more.
    TimedOut,
}

/// Why the board refused a decision: the gate's one decision was taken.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Taken {
    Decided(Decision),
    TimedOut,
}

impl std::fmt::Display for Taken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Taken::Decided(d) => write!(f, "was already {} by {}", d.word(), d.by),
            Taken::TimedOut => f.write_str("already timed out"),
        }
    }
}

impl GateBoard {
    /// Resolves when `step` is decided here (at once if it was already).
    fn wait(&self, step: &str) -> BoxFuture<'static, Decision> {
        let mut gates = self.gates.lock().unwrap_or_else(|e| e.into_inner());
        let gate = gates
            .entry(step.to_owned())
            .or_insert_with(|| Gate::Waiting(Vec::new()));
        match gate {
            Gate::Decided(d) => futures::future::ready(d.clone()).boxed(),
            Gate::TimedOut => std::future::pending().boxed(),
            Gate::Waiting(waiters) => {
                let (tx, rx) = oneshot::channel();
                waiters.push(tx);
                // A board dropped undecided decides nothing.
                rx.then(|d| async move {
                    match d {
                        Ok(d) => d,
                        Err(_) => std::future::pending().await,
                    }
                })
                .boxed()
            }
        }
    }

    /// Decides `step` (before it is reached, too); `Err` with what was
    /// taken if it was decided here already, or timed out.
    pub(super) fn decide(&self, step: &str, decision: Decision) -> Result<(), Taken> {
        let mut gates = self.gates.lock().unwrap_or_else(|e| e.into_inner());
        let gate = gates
            .entry(step.to_owned())
            .or_insert_with(|| Gate::Waiting(Vec::new()));
        match std::mem::replace(gate, Gate::Decided(decision.clone())) {
            Gate::Decided(first) => {
                *gate = Gate::Decided(first.clone());
                Err(Taken::Decided(first))
            }
            Gate::TimedOut => {
                *gate = Gate::TimedOut;
                Err(Taken::TimedOut)
            }
            Gate::Waiting(waiters) => {
                for w in waiters {
                    let _ = w.send(decision.clone());
                }
                Ok(())
            }
        }
    }

    /// `step`'s timeout came: it times out, unless it was decided here
    /// first (then that decision stands).
    fn time_out(&self, step: &str) -> Closed {
        let mut gates = self.gates.lock().unwrap_or_else(|e| e.into_inner());
        let gate = gates.entry(step.to_owned()).or_insert(Gate::TimedOut);
        match gate {
            Gate::Decided(d) => Closed::Decided(d.clone()),
            _ => {
                // Its waiters are dropped with their senders: they are
                // the wait being closed.
                *gate = Gate::TimedOut;
                Closed::TimedOut
            }
        }
    }

    /// Forgets `step`'s decision (or its timeout): it waits anew.
    fn reopen(&self, step: &str) {
        let mut gates = self.gates.lock().unwrap_or_else(|e| e.into_inner());
        if !matches!(gates.get(step), Some(Gate::Waiting(_))) {
            gates.remove(step);
        }
    }

    /// Whether `step` has been reached and waits for a decision.
    pub(super) fn is_waiting(&self, step: &str) -> bool {
        let gates = self.gates.lock().unwrap_or_else(|e| e.into_inner());
        matches!(gates.get(step), Some(Gate::Waiting(w)) if !w.is_empty())
    }
}

/// A run's approvals: its own sources, or the manager's decision,
/// whichever comes first.
pub(super) struct ManagedApprovals {
    pub(super) board: Arc<GateBoard>,
    pub(super) others: Option<Arc<dyn Approvals>>,
}

impl Approvals for ManagedApprovals {
    fn wait(&self, run_id: &str, step: &str) -> Wait {
        let here = self.board.wait(step);
        let (board, gate) = (self.board.clone(), step.to_owned());
        match &self.others {
            Some(others) => {
                let (there, close_there) = others.wait(run_id, step).into_parts();
                let decided =
                    futures::future::select(here, there).map(|either| either.factor_first().0);
                // The others first: with a run store, a decision taken here
                // was recorded there before it reached the board, and the
                // store records the timeout unless a decision came first.
                Wait::new(decided).closed_by(move || {
                    async move {
                        match close_there().await {
                            Closed::TimedOut => board.time_out(&gate),
                            decided => decided,
                        }
                    }
                    .boxed()
                })
            }
            None => Wait::new(here)
                .closed_by(move || futures::future::ready(board.time_out(&gate)).boxed()),
        }
    }

    fn reopen(&self, run_id: &str, step: &str) {
        self.board.reopen(step);
        if let Some(others) = &self.others {
            others.reopen(run_id, step);
        }
    }

    fn how(&self, run_id: &str, step: &str) -> String {
        match &self.others {
            Some(others) => others.how(run_id, step),
            None => format!("approve it through the run manager (run {run_id}, gate `{step}`)"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_gate_takes_one_decision_made_before_or_after_it_is_reached() {
        let board = GateBoard::default();
        let waiting = board.wait("ship");
        assert!(board.is_waiting("ship"));
        board.decide("ship", Decision::approved("alice")).unwrap();
        assert_eq!(waiting.await, Decision::approved("alice"));
        assert_eq!(
            board.decide("ship", Decision::rejected("bob")),
            Err(Taken::Decided(Decision::approved("alice")))
        );
        board.decide("early", Decision::rejected("bob")).unwrap();
        assert!(!board.is_waiting("early"));
        assert_eq!(board.wait("early").await, Decision::rejected("bob"));
    }

    /// A timeout is the gate's decision too: a decision taken first stands
    /// when the timeout comes, and one taken after it is refused.
    #[tokio::test]
    async fn a_timeout_and_a_decision_exclude_each_other() {
        let approvals = ManagedApprovals {
            board: Arc::default(),
            others: None,
        };
        let wait = approvals.wait("r", "late");
        assert_eq!(wait.close().await, Closed::TimedOut);
        assert_eq!(
            approvals.board.decide("late", Decision::approved("bob")),
            Err(Taken::TimedOut)
        );
        let _wait = approvals.wait("r", "just_in_time");
        approvals
            .board
            .decide("just_in_time", Decision::approved("alice"))
            .unwrap();
        let wait = approvals.wait("r", "just_in_time");
        assert_eq!(
            wait.close().await,
            Closed::Decided(Decision::approved("alice"))
        );
    }
}

//! Gates decided in-process: [`super::RunManager::approve`] and `reject`
//! reach a waiting gate at once, beside the run's other sources of
//! approvals (`--approve`, the store's `wfc approve`).

use futures::future::BoxFuture;
use futures::FutureExt;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::oneshot;
use wfc_contract::Approvals;

/// `Some(by)`: approved by `by`; `None`: rejected.
type Decision = Option<String>;

/// One run's gates as the manager knows them.
#[derive(Default)]
pub(super) struct GateBoard {
    gates: Mutex<HashMap<String, Gate>>,
}

enum Gate {
    /// Reached and undecided: who waits.
    Waiting(Vec<oneshot::Sender<Decision>>),
    Decided(Decision),
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

    /// Decides `step` (before it is reached, too); `Err` with the first
    /// decision if it was decided here already.
    pub(super) fn decide(&self, step: &str, decision: Decision) -> Result<(), Decision> {
        let mut gates = self.gates.lock().unwrap_or_else(|e| e.into_inner());
        let gate = gates
            .entry(step.to_owned())
            .or_insert_with(|| Gate::Waiting(Vec::new()));
        match std::mem::replace(gate, Gate::Decided(decision.clone())) {
            Gate::Decided(first) => {
                *gate = Gate::Decided(first.clone());
                Err(first)
            }
            Gate::Waiting(waiters) => {
                for w in waiters {
                    let _ = w.send(decision.clone());
                }
                Ok(())
            }
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
    fn wait(&self, run_id: &str, step: &str) -> wfc_contract::Wait {
        let here = self.board.wait(step);
        match &self.others {
            Some(others) => {
                let there = others.wait(run_id, step);
                futures::future::select(here, there)
                    .map(|either| either.factor_first().0)
                    .boxed()
            }
            None => here,
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
        board.decide("ship", Some("alice".into())).unwrap();
        assert_eq!(waiting.await, Some("alice".into()));
        assert_eq!(board.decide("ship", None), Err(Some("alice".into())));
        board.decide("early", None).unwrap();
        assert!(!board.is_waiting("early"));
        assert_eq!(board.wait("early").await, None);
    }
}

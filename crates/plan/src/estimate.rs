//! How long a step is expected to take, behind a small trait so that a
//! history-based estimator (from past runs) can replace or wrap the default.
//!
//! [`DefaultEstimator`] uses the step's `estimate` (its own, or from
//! `defaults { estimate … }`), else a fixed default per kind:
//!
//! | kind | default |
//! | --- | --- |
//! | `shell`, `python`, `node` | 30s |
//! | `sql` | 5s |
//! | `docker` | 1m |
//! | `http`, `webhook`, `slack`, `email` | 2s |
//! | `gate` with `check` | 0s |
//! | `gate` with `approval` | 10m |
//! | `sleep` | its `duration` (as declared), else 0s |

use super::PlannedStep;
use serde::Serialize;
use wfc_language::ir::StepKind;

/// An expected duration and where it came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Estimate {
    pub ms: u64,
    pub source: EstimateSource,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EstimateSource {
    /// `estimate` on the step or in `defaults`.
    Declared,
    /// The kind's documented default.
    Default,
    /// Past runs.
    History,
}

impl EstimateSource {
    pub fn name(self) -> &'static str {
        match self {
            EstimateSource::Declared => "declared",
            EstimateSource::Default => "default",
            EstimateSource::History => "history",
        }
    }
}

/// Gives each planned step its expected duration.
pub trait Estimator {
    fn estimate(&self, step: &PlannedStep, declared_ms: Option<u64>) -> Estimate;
}

/// `estimate` when declared, else [`default_ms`].
#[derive(Clone, Copy, Debug, Default)]
pub struct DefaultEstimator;

impl Estimator for DefaultEstimator {
    fn estimate(&self, step: &PlannedStep, declared_ms: Option<u64>) -> Estimate {
        match declared_ms {
            Some(ms) => Estimate {
                ms,
                source: EstimateSource::Declared,
            },
            None => Estimate {
                ms: default_ms(step.kind, step.fields.iter().any(|f| f.name == "approval")),
                source: EstimateSource::Default,
            },
        }
    }
}

/// The documented default for a kind (see the module docs).
pub fn default_ms(kind: StepKind, approval: bool) -> u64 {
    match kind {
        StepKind::Shell | StepKind::Python | StepKind::Node | StepKind::Invalid => 30_000,
        StepKind::Sql => 5_000,
        StepKind::Docker => 60_000,
        StepKind::Http | StepKind::Webhook | StepKind::Slack | StepKind::Email => 2_000,
        StepKind::Gate if approval => 600_000,
        StepKind::Gate => 0,
        // (Its `duration` when the plan knows it: declared.)
        StepKind::Sleep => 0,
        // Its callee's steps carry the time: the plan inlines them.
        StepKind::Call => 0,
    }
}

impl super::Plan {
    /// Takes the estimates `known` has (by step instance name: the run
    /// store's history) over the compiled ones, in every graph, and schedules
    /// the main graph again. Done after compiling, so that the history is
    /// read once the front end's memory is gone (`wfc run`).
    pub fn reestimate(&mut self, known: &dyn Fn(&str) -> Option<u64>) {
        fn apply(g: &mut super::Graph, known: &dyn Fn(&str) -> Option<u64>) -> bool {
            let mut changed = false;
            for s in &mut g.steps {
                if let Some(ms) = known(&s.name) {
                    s.estimate = Estimate {
                        ms,
                        source: EstimateSource::History,
                    };
                    changed = true;
                }
                if let Some(rb) = &mut s.rollback {
                    apply(rb, known);
                }
            }
            changed
        }
        for h in &mut self.handlers {
            apply(&mut h.graph, known);
        }
        if apply(&mut self.main, known) {
            let s = &self.schedule;
            self.schedule = super::schedule::schedule(&self.main, s.jobs, &s.jobs_source);
        }
    }
}

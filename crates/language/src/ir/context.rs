//! The IR of `let` and of the run context (`run.id`, `run.status`, …).

use super::{BlockId, Expr};
use crate::span::Span;

/// A field of the run context: `run.NAME`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RunField {
    /// The run's id (the store's).
    Id,
    /// The workflow's name.
    Workflow,
    /// What started the run: `"manual"` for `wfc run` and `wfc resume`.
    Trigger,
    /// When the run first started: a `time`, to the millisecond.
    Started,
    /// The slot a schedule's or a backfill's run is for; else `Started`.
    Scheduled,
    /// In handlers: `"succeeded"`, `"failed"` or `"cancelled"`.
    Status,
    /// In handlers: how long the run has taken so far.
    Duration,
    /// In handlers: every step that failed, as `{ step, error }`.
    Failures,
    /// The run's own folder under the system temp folder (`$WFC_RUN_DIR`).
    Dir,
}

impl RunField {
    /// Every field, in the order the docs list them.
    pub const ALL: [RunField; 9] = [
        RunField::Id,
        RunField::Workflow,
        RunField::Trigger,
        RunField::Started,
        RunField::Scheduled,
        RunField::Status,
        RunField::Duration,
        RunField::Failures,
        RunField::Dir,
    ];

    pub fn name(self) -> &'static str {
        match self {
            RunField::Id => "id",
            RunField::Workflow => "workflow",
            RunField::Trigger => "trigger",
            RunField::Started => "started",
            RunField::Scheduled => "scheduled",
            RunField::Status => "status",
            RunField::Duration => "duration",
            RunField::Failures => "failures",
            RunField::Dir => "dir",
        }
    }

    pub fn named(name: &str) -> Option<RunField> {
        RunField::ALL.into_iter().find(|f| f.name() == name)
    }

    /// Known only once the main graph has ended: in handlers.
    pub fn handler_only(self) -> bool {
        matches!(
            self,
            RunField::Status | RunField::Duration | RunField::Failures
        )
    }

    /// What the field holds, for hover and completion.
    pub fn doc(self) -> &'static str {
        match self {
            RunField::Id => "The run's id, as `wfc history` and `wfc resume` name it.",
            RunField::Workflow => "The workflow's name.",
            RunField::Trigger => {
                "What started the run: `\"manual\"` (`wfc run`, `wfc resume`); the server will use `\"schedule\"`, `\"webhook\"`, `\"change\"` and `\"api\"`."
            }
            RunField::Started => "When the run first started, a `time` (`${run.started}` writes RFC 3339 in UTC, e.g. `2026-05-01T09:30:00Z`).",
            RunField::Scheduled => "The time the run is for, a `time`: a schedule's slot for a run its `on schedule` or `wfc backfill` started (the slot's instant, however late the run began), else `run.started`.",
            RunField::Status => {
                "In handlers: how the main graph ended, `\"succeeded\"`, `\"failed\"` or `\"cancelled\"`."
            }
            RunField::Duration => "In handlers: how long the run has taken so far.",
            RunField::Failures => {
                "In handlers: every step that failed, as a list of `{ step, error }`."
            }
            RunField::Dir => {
                "A fresh folder of this run under the system temp folder (`$WFC_RUN_DIR` in every step's environment): removed when the run ends, kept while it can be resumed (`wfc resume` gets the same one) or with `--keep-run-dir`."
            }
        }
    }
}

/// `let NAME = EXPR`, as checked. Every use of a let is lowered to its
/// expression (so implied dependencies, optional types and secret taint
/// flow as if the expression were written there); this is the let itself,
/// for the plan to show and the editor to navigate.
#[derive(Clone, Debug, PartialEq)]
pub struct Let {
    pub name: String,
    pub name_span: Span,
    /// The block whose scope it is in (None = the workflow).
    pub block: Option<BlockId>,
    /// Its expression, typed where it is written.
    pub value: Expr,
    pub doc: Option<String>,
    pub span: Span,
}

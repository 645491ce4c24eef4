//! `alert NAME { when CONDITION  notify KIND { … }  cooldown D }`: a rule
//! over a workflow's recent runs, as written.

use super::{BinaryOp, Expr, Field, Ident};
use crate::span::Span;

/// `alert NAME { … }` at workflow level.
#[derive(Clone, Debug, PartialEq)]
pub struct Alert {
    pub name: Ident,
    /// What `{ … }` holds, in the order written (the formatter keeps it).
    pub entries: Vec<AlertEntry>,
    /// The span of `{ … }`.
    pub body_span: Span,
    pub span: Span,
}

impl Alert {
    /// The `when` conditions written (the checker wants exactly one).
    pub fn conditions(&self) -> impl Iterator<Item = &AlertWhen> {
        self.entries.iter().filter_map(|e| match e {
            AlertEntry::When(w) => Some(w),
            _ => None,
        })
    }

    /// The `notify` channels, in the order written.
    pub fn channels(&self) -> impl Iterator<Item = &Notify> {
        self.entries.iter().filter_map(|e| match e {
            AlertEntry::Notify(n) => Some(n),
            _ => None,
        })
    }

    /// The plain fields (`cooldown D`, or names the checker refuses).
    pub fn fields(&self) -> impl Iterator<Item = &Field> {
        self.entries.iter().filter_map(|e| match e {
            AlertEntry::Field(f) => Some(f),
            _ => None,
        })
    }
}

/// One line of an alert's body.
#[derive(Clone, Debug, PartialEq)]
pub enum AlertEntry {
    When(AlertWhen),
    Notify(Notify),
    /// `cooldown D`, or any other `NAME EXPR` (the checker knows which exist).
    Field(Field),
}

impl AlertEntry {
    pub fn span(&self) -> Span {
        match self {
            AlertEntry::When(w) => w.span,
            AlertEntry::Notify(n) => n.span,
            AlertEntry::Field(f) => f.span,
        }
    }
}

/// `when METRIC[(last N)] [OP] [VALUE]`, as written: which parts a metric
/// takes is the checker's (`failure_rate(last 10) > 0.3`,
/// `consecutive_failures >= 3`, `slower_than p95 * 1.5`).
#[derive(Clone, Debug, PartialEq)]
pub struct AlertWhen {
    pub metric: Ident,
    /// The `N` or `D` of `(last N)`.
    pub window: Option<Expr>,
    /// The span of `(last N)`.
    pub window_span: Option<Span>,
    /// A comparison (`>`, `>=`, …) and its span.
    pub op: Option<(BinaryOp, Span)>,
    pub value: Option<Expr>,
    /// Covers `when` to the end of the condition.
    pub span: Span,
}

impl AlertWhen {
    /// The span of the condition, without `when`.
    pub fn condition_span(&self) -> Span {
        Span::new(self.metric.span.start as usize, self.span.end as usize)
    }
}

/// `notify KIND { FIELD … }`: a channel of the notification kinds.
#[derive(Clone, Debug, PartialEq)]
pub struct Notify {
    /// `slack`, `webhook` or `email`, as written.
    pub kind: Ident,
    pub fields: Vec<Field>,
    /// The span of `{ … }`, when written.
    pub body_span: Option<Span>,
    pub span: Span,
}

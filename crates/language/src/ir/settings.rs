//! Step settings written as expressions: `retry`, `backoff`, `max`,
//! `within`, `timeout`, `estimate` over params and lets (`retry attempts
//! backoff pause`, `timeout limit * 2`), and `until … every … within`.
//!
//! The checker types them; the plan folds them per instance (a loop item
//! may be read too) into the numbers a run uses ([`super::Retry`],
//! `timeout_ms`, …), and reports a value out of range there, naming the
//! param it came from.

use super::Expr;
use crate::span::Span;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backoff {
    Exponential,
    Linear,
}

/// `retry COUNT [backoff D [STRATEGY] [max D]]`; `count` retries = `count + 1` attempts.
#[derive(Clone, Debug, PartialEq)]
pub struct Retry {
    pub count: u32,
    pub backoff_ms: Option<u64>,
    pub strategy: Backoff,
    pub max_ms: Option<u64>,
    /// `within D`: the deadline of all attempts together.
    pub within_ms: Option<u64>,
    pub span: Span,
}

/// A step's settings after `defaults` (the step's own, else the innermost
/// block's, else the workflow's), as expressions.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StepSettings {
    pub timeout: Option<Expr>,
    pub estimate: Option<Expr>,
    pub retry: Option<RetryExprs>,
    pub until: Option<Until>,
}

impl StepSettings {
    pub fn is_empty(&self) -> bool {
        self.timeout.is_none()
            && self.estimate.is_none()
            && self.retry.is_none()
            && self.until.is_none()
    }
}

/// `retry COUNT [backoff D [STRATEGY] [max D]] [within D]`, unfolded.
#[derive(Clone, Debug, PartialEq)]
pub struct RetryExprs {
    /// An `int`: retries after the first attempt.
    pub count: Expr,
    pub backoff: Option<Expr>,
    pub strategy: Backoff,
    pub max: Option<Expr>,
    /// A `duration`: no attempt starts, and none runs, past it.
    pub within: Option<Expr>,
    pub span: Span,
}

/// `until COND every D within D`: a step that succeeded runs again, `every`
/// apart, until `cond` (over its own outputs) holds; past `within` it fails.
#[derive(Clone, Debug, PartialEq)]
pub struct Until {
    /// A `bool` over the step's own outputs (folded at plan time otherwise).
    pub cond: Expr,
    pub every: Expr,
    pub within: Expr,
    pub span: Span,
}

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
    /// `D·2^(k-1)` (the default).
    Exponential,
    /// `D·k`.
    Linear,
    /// `backoff D x1.5`: `D·r^(k-1)`, the rate in thousandths (1500).
    Rate(u32),
}

impl Backoff {
    /// The most a rate may multiply by (`x10`), and the least (`x1`).
    pub const RATES: std::ops::RangeInclusive<u32> = 1000..=10_000;

    /// The wait before retry `k` (1-based) from the first wait `d` (ms),
    /// before any `max`.
    pub fn delay_ms(self, d: u64, k: u32) -> u64 {
        let k = k.max(1);
        match self {
            Backoff::Exponential => d.saturating_mul(1u64 << (k - 1).min(40)),
            Backoff::Linear => d.saturating_mul(u64::from(k)),
            Backoff::Rate(milli) => {
                let ms = d as f64 * (f64::from(milli) / 1000.0).powi((k - 1).min(1000) as i32);
                // `as` saturates: a wait past u64 is the longest there is.
                ms.round() as u64
            }
        }
    }

    /// As written after `backoff D`: `exponential`, `linear`, `x1.5`.
    pub fn name(self) -> String {
        match self {
            Backoff::Exponential => "exponential".into(),
            Backoff::Linear => "linear".into(),
            Backoff::Rate(milli) => format!("x{}", f64::from(milli) / 1000.0),
        }
    }
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
    /// `when EXPR`: a failed attempt is retried only while this `bool`
    /// over the attempt (`exit_code`, `status_code`, `error`) holds.
    pub when: Option<Box<Expr>>,
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
    /// `executor NAME { … }`: the step's own, else a block's or the
    /// workflow's `defaults`, else the workflow's `executor`.
    pub executor: Option<ExecutorExprs>,
    /// `resources { … }`, per field (a step's `cpus` beside its
    /// `defaults`' `memory`).
    pub resources: ResourceExprs,
}

/// Where a step runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExecutorKind {
    /// The machine `wfc run` runs on.
    Local,
    /// A Slurm batch job.
    Slurm,
}

impl ExecutorKind {
    /// Every executor, by the name written after `executor`.
    pub const ALL: &'static [(&'static str, ExecutorKind)] = &[
        ("local", ExecutorKind::Local),
        ("slurm", ExecutorKind::Slurm),
    ];

    pub fn name(self) -> &'static str {
        match self {
            ExecutorKind::Local => "local",
            ExecutorKind::Slurm => "slurm",
        }
    }
}

/// `executor NAME { partition …  account … }`, unfolded (`string`s).
#[derive(Clone, Debug, PartialEq)]
pub struct ExecutorExprs {
    pub kind: ExecutorKind,
    pub partition: Option<Expr>,
    pub account: Option<Expr>,
    pub span: Span,
}

/// `resources { cpus N  memory SIZE  gpus N  time D }`, unfolded: `int`s
/// (`memory` in bytes) and a `duration`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ResourceExprs {
    pub cpus: Option<Expr>,
    pub memory: Option<Expr>,
    pub gpus: Option<Expr>,
    pub time: Option<Expr>,
    /// Where the nearest `resources` block stands, for warnings.
    pub span: Option<Span>,
}

impl ResourceExprs {
    pub fn is_empty(&self) -> bool {
        self.cpus.is_none() && self.memory.is_none() && self.gpus.is_none() && self.time.is_none()
    }

    /// Each field this lacks taken from `outer`.
    pub fn or(mut self, outer: &ResourceExprs) -> ResourceExprs {
        self.cpus = self.cpus.or_else(|| outer.cpus.clone());
        self.memory = self.memory.or_else(|| outer.memory.clone());
        self.gpus = self.gpus.or_else(|| outer.gpus.clone());
        self.time = self.time.or_else(|| outer.time.clone());
        self.span = self.span.or(outer.span);
        self
    }
}

impl ExecutorExprs {
    /// This executor, with the settings it lacks taken from `outer` when
    /// that is the same executor.
    pub fn or(mut self, outer: &ExecutorExprs) -> ExecutorExprs {
        if self.kind == outer.kind {
            self.partition = self.partition.or_else(|| outer.partition.clone());
            self.account = self.account.or_else(|| outer.account.clone());
        }
        self
    }
}

impl StepSettings {
    pub fn is_empty(&self) -> bool {
        self.executor.is_none()
            && self.resources.is_empty()
            && self.timeout.is_none()
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
    /// A `bool` over the attempt's names (see [`super::ATTEMPT_NAMES`]),
    /// read as `StepOutput`s of the step itself; params and loop items.
    pub when: Option<Expr>,
    pub span: Span,
}

/// Every name a retry's `when` may read, with its type and meaning.
pub const ATTEMPT_NAMES: &[(&str, super::Type, &str)] = &[
    (
        "exit_code",
        super::Type::Int,
        "the exit status of the attempt's process",
    ),
    (
        "status_code",
        super::Type::Int,
        "the HTTP status of the attempt's response",
    ),
    ("error", super::Type::String, "why the attempt failed"),
];

/// The names a retry's `when` reads on a step of `kind`.
pub fn attempt_names(kind: super::StepKind) -> &'static [&'static str] {
    use super::StepKind as K;
    match kind {
        K::Shell | K::Docker | K::Python | K::Node => &["exit_code", "error"],
        K::Http | K::Webhook => &["status_code", "error"],
        _ => &["error"],
    }
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

/// A loop's `max failures N` (an `int`) or `max failures P%` (`percent`,
/// `count` a literal 0–100): failed iterations it lets pass.
#[derive(Clone, Debug, PartialEq)]
pub struct Tolerance {
    pub count: Expr,
    pub percent: bool,
}

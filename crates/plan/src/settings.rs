//! Folds a step's settings ([`StepSettings`]: `retry`, `timeout`,
//! `estimate`, `until`, written over params, loop items and lets) into the
//! numbers a run uses, per instance. A value out of range — a negative
//! retry count, a zero `within`, `every` not shorter than `within` — is a
//! plan error that names the params it came from: nothing runs.

use super::errors;
use super::eval::{self, Eval, Scope};
use super::render::expr::show;
use super::Value;
use wfc_language::diag::Diagnostic;
use wfc_language::ir::{ExecutorKind, Expr, ExprKind, Retry, StepSettings, Workflow};
use wfc_language::span::Span;

/// `until COND every D within D`, folded: the condition keeps only the
/// step's own outputs to read at run time.
#[derive(Clone, Debug, PartialEq)]
pub struct PlannedUntil {
    pub cond: Expr,
    pub every_ms: u64,
    pub within_ms: u64,
    pub span: Span,
}

/// A step instance's settings as numbers.
#[derive(Debug, Default)]
pub(crate) struct Folded {
    pub retry: Option<Retry>,
    pub timeout_ms: Option<u64>,
    pub estimate_ms: Option<u64>,
    pub until: Option<PlannedUntil>,
    pub placement: Option<Box<Placement>>,
}

/// Where a step instance runs and what it asks for (`executor` and
/// `resources`, folded). `None` fields are the executor's defaults; no
/// `executor` means the one `wfc run --executor` picks.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Placement {
    pub executor: Option<ExecutorKind>,
    pub partition: Option<String>,
    pub account: Option<String>,
    pub cpus: Option<u32>,
    /// In bytes.
    pub memory: Option<u64>,
    pub gpus: Option<u32>,
    pub time_ms: Option<u64>,
}

/// Folds `s` in `scope`; problems go to `diags`.
pub(crate) fn fold(
    wf: &Workflow,
    s: &StepSettings,
    scope: &Scope,
    diags: &mut Vec<Diagnostic>,
) -> Folded {
    let f = Folder { wf, scope };
    let mut out = Folded {
        timeout_ms: s.timeout.as_ref().and_then(|e| f.ms(e, "`timeout`", diags)),
        estimate_ms: s
            .estimate
            .as_ref()
            .and_then(|e| f.ms(e, "`estimate`", diags)),
        ..Folded::default()
    };
    out.placement = f.placement(s, diags);
    if let Some(r) = &s.retry {
        let count = f.count(&r.count, diags);
        let opt = |e: &Option<Expr>, what, diags: &mut Vec<Diagnostic>| match e {
            Some(e) => f.ms(e, what, diags).map(Some),
            None => Some(None),
        };
        let backoff = opt(&r.backoff, "`backoff`", diags);
        let max = opt(&r.max, "`max`", diags);
        let within = opt(&r.within, "a retry's `within`", diags);
        if let Some(Some(w)) = within {
            f.positive(r.within.as_ref(), w, "a retry's `within`", diags);
        }
        let when = r.when.as_ref().map(|w| {
            let mut failures = Vec::new();
            let cond = eval::fold_checked(w, scope, &mut failures);
            diags.extend(
                failures
                    .into_iter()
                    .map(|(span, why)| errors::eval_failed(span, "a retry's `when`", &why)),
            );
            Box::new(cond)
        });
        if let (Some(count), Some(backoff_ms), Some(max_ms), Some(within_ms)) =
            (count, backoff, max, within)
        {
            out.retry = Some(Retry {
                count,
                backoff_ms,
                strategy: r.strategy,
                max_ms,
                within_ms,
                when,
                span: r.span,
            });
        }
    }
    if let Some(u) = &s.until {
        let every = f.ms(&u.every, "`every`", diags);
        let within = f.ms(&u.within, "`within`", diags);
        let mut failures = Vec::new();
        let cond = eval::fold_checked(&u.cond, scope, &mut failures);
        diags.extend(
            failures
                .into_iter()
                .map(|(span, why)| errors::eval_failed(span, "the `until` condition", &why)),
        );
        if let (Some(every_ms), Some(within_ms)) = (every, within) {
            let fine = f.positive(Some(&u.every), every_ms, "`every`", diags)
                && f.positive(Some(&u.within), within_ms, "`within`", diags);
            if fine && every_ms >= within_ms {
                diags.push(errors::setting_out_of_range(
                    u.every.span,
                    &format!(
                        "`every` ({}) is not shorter than `within` ({})",
                        Value::Duration(every_ms).literal(),
                        Value::Duration(within_ms).literal()
                    ),
                    &f.because(&[&u.every, &u.within]),
                ));
            }
            out.until = Some(PlannedUntil {
                cond,
                every_ms,
                within_ms,
                span: u.span,
            });
        }
    }
    out
}

struct Folder<'a> {
    wf: &'a Workflow,
    scope: &'a Scope<'a>,
}

impl Folder<'_> {
    fn value(&self, e: &Expr, what: &str, diags: &mut Vec<Diagnostic>) -> Option<Value> {
        match eval::eval(e, self.scope) {
            Eval::Known(v) => Some(v),
            Eval::Error(why) => {
                diags.push(errors::eval_failed(e.span, what, &why));
                None
            }
            Eval::Unknown => {
                let why = "it is known only while the workflow runs";
                diags.push(errors::eval_failed(e.span, what, why));
                None
            }
        }
    }

    /// A duration setting in milliseconds.
    fn ms(&self, e: &Expr, what: &str, diags: &mut Vec<Diagnostic>) -> Option<u64> {
        match self.value(e, what, diags)? {
            Value::Duration(ms) => Some(ms),
            other => {
                let why = format!("`{}` is not a duration", other.literal());
                diags.push(errors::eval_failed(e.span, what, &why));
                None
            }
        }
    }

    /// `executor` and `resources`, when either is written.
    fn placement(&self, s: &StepSettings, diags: &mut Vec<Diagnostic>) -> Option<Box<Placement>> {
        let r = &s.resources;
        if s.executor.is_none() && r.is_empty() {
            return None;
        }
        let text = |e: &Option<Expr>, what, diags: &mut Vec<Diagnostic>| {
            let e = e.as_ref()?;
            match self.value(e, what, diags)? {
                Value::Str(t) => Some(t),
                other => Some(other.literal()),
            }
        };
        let x = s.executor.as_ref();
        let positive = |e: &Option<Expr>, what: &str, diags: &mut Vec<Diagnostic>| {
            let e = e.as_ref()?;
            match self.value(e, what, diags)? {
                Value::Int(n) if n > 0 => Some(n as u64),
                Value::Duration(ms) if ms > 0 => Some(ms),
                other => {
                    let what = format!("{what} is {}: it must be more than zero", other.literal());
                    diags.push(errors::setting_out_of_range(
                        e.span,
                        &what,
                        &self.because(&[e]),
                    ));
                    None
                }
            }
        };
        let small = |n: Option<u64>| n.map(|n| u32::try_from(n).unwrap_or(u32::MAX));
        Some(Box::new(Placement {
            executor: x.map(|x| x.kind),
            partition: x.and_then(|x| text(&x.partition, "`partition`", diags)),
            account: x.and_then(|x| text(&x.account, "`account`", diags)),
            cpus: small(positive(&r.cpus, "`cpus`", diags)),
            memory: positive(&r.memory, "`memory`", diags),
            gpus: small(positive(&r.gpus, "`gpus`", diags)),
            time_ms: positive(&r.time, "`time`", diags),
        }))
    }

    /// A retry count: an int of at least 0.
    fn count(&self, e: &Expr, diags: &mut Vec<Diagnostic>) -> Option<u32> {
        match self.value(e, "the retry count", diags)? {
            Value::Int(n) => match u32::try_from(n) {
                Ok(n) => Some(n),
                Err(_) => {
                    let what = format!("the retry count is {n}: it must be from 0 to {}", u32::MAX);
                    diags.push(errors::setting_out_of_range(
                        e.span,
                        &what,
                        &self.because(&[e]),
                    ));
                    None
                }
            },
            other => {
                let why = format!("`{}` is not a whole number", other.literal());
                diags.push(errors::eval_failed(e.span, "the retry count", &why));
                None
            }
        }
    }

    /// Whether `ms` (from `e`) is more than zero; reports it if not.
    fn positive(&self, e: Option<&Expr>, ms: u64, what: &str, diags: &mut Vec<Diagnostic>) -> bool {
        if ms > 0 {
            return true;
        }
        let (span, why) = e.map_or((Span::default(), String::new()), |e| {
            (e.span, self.because(&[e]))
        });
        diags.push(errors::setting_out_of_range(
            span,
            &format!("{what} is 0s: it must be more than zero"),
            &why,
        ));
        false
    }

    /// The params the expressions read, with their values: where a bad
    /// setting came from (secrets masked).
    fn because(&self, es: &[&Expr]) -> String {
        let mut parts: Vec<String> = Vec::new();
        for e in es {
            e.walk(&mut |x| {
                if let ExprKind::Param(id) = x.kind {
                    let p = &self.wf.params[id];
                    let v = if p.is_tainted() {
                        "***".into()
                    } else {
                        self.scope.params[id]
                            .as_ref()
                            .map_or("?".into(), Value::literal)
                    };
                    let part = format!("`{} = {v}`", p.name);
                    if !parts.contains(&part) {
                        parts.push(part);
                    }
                }
            });
        }
        if parts.is_empty() {
            format!(
                "from `{}`",
                es.iter()
                    .map(|e| show(self.wf, e))
                    .collect::<Vec<_>>()
                    .join("`, `")
            )
        } else {
            format!("from {}", parts.join(", "))
        }
    }
}

//! `retry N … when EXPR`: whether a failed attempt is worth another.
//!
//! `EXPR` reads the attempt that just failed by bare names — `exit_code`,
//! `status_code`, `error` — which the checker lowered as reads of the
//! step's own outputs (as an `until` condition reads them). It is evaluated
//! in the step's task, on that attempt, with the plan's evaluator. An
//! attempt that lacks a value the condition reads (no HTTP response, a
//! process that never exited) is retried: the condition judges answers,
//! and there was none. A condition that cannot be evaluated otherwise
//! fails the step at once ([`WHEN_FAILED`]).

use super::attempt::AttemptResult;
use super::mask::Masker;
use super::poll::comparison_lhs;
use super::values::Evaluator;
use wfc_language::ir::{BinaryOp, ERROR_CLASS};
use wfc_language::ir::{BlockId, Expr, ExprKind, Names, StepId};
use wfc_plan::{OutputRef, PlannedStep, RefTarget, Value};

/// The code of a retry's `when` that cannot be evaluated after a failed
/// attempt (docs/diagnostics.md).
pub const WHEN_FAILED: &str = "E0835";

/// What a step's task needs to decide on a retry.
pub struct RetryWhen {
    /// The condition, folded at plan time; what it reads besides the
    /// attempt bound to loop variables in `items`.
    cond: Expr,
    step: StepId,
    name: String,
    params: Vec<Option<Value>>,
    items: Vec<(BlockId, String, Value)>,
    /// The condition as written (`status_code >= 500`), and the operand
    /// whose value a refusal shows.
    text: String,
    probe: Option<String>,
}

/// Whether to retry the attempt that just failed.
pub enum Decision {
    Retry,
    /// Not retried: why (masked), to add to the attempt's error.
    Stop(String),
    /// The condition cannot be evaluated: the step's error (masked), which
    /// the attempt's own error follows.
    Broken(String),
}

impl RetryWhen {
    /// The `when` of `step`'s retry; `ev` evaluates the step's other
    /// expressions as it starts.
    pub fn new(
        step: &PlannedStep,
        when: &Expr,
        params: &[Option<Value>],
        names: &dyn Names,
        ev: &mut Evaluator,
    ) -> RetryWhen {
        let show = |e| wfc_plan::render::expr::show_retry_when(names, step.step, e);
        let (cond, frozen) = ev.freeze(when, step.step);
        let mut items = step.items.clone();
        items.extend(frozen);
        RetryWhen {
            text: show(&cond),
            probe: lhs(&cond).map(show),
            cond,
            step: step.step,
            name: step.name.clone(),
            params: params.to_vec(),
            items,
        }
    }

    /// Judges the failed attempt `result`.
    pub fn judge(&self, result: &AttemptResult, masker: &Masker) -> Decision {
        let value = attempt_value(result);
        if let Some(name) = self.absent_read(&value) {
            tracing::debug!(step = %self.name, name, "retried: the attempt has no value for `when`");
            return Decision::Retry;
        }
        let class = match field_of(&value, ERROR_CLASS) {
            Value::Str(c) => c,
            _ => String::new(),
        };
        let local = [Some(value)];
        let reads = [OutputRef {
            step: self.step,
            main: false,
            target: RefTarget::One(0),
        }];
        let mut ev = Evaluator::new(&self.params, &self.items, &reads, &local, &local, None);
        let why = match ev.eval(&self.cond) {
            Ok(Value::Bool(true)) => return Decision::Retry,
            Ok(Value::Bool(false)) if self.reads_class() => format!(
                "not retried: `{}` is false: the error's class is `{class}`",
                self.text
            ),
            Ok(Value::Bool(false)) => match (&self.probe, lhs(&self.cond)) {
                (Some(text), Some(lhs)) => match ev.eval(lhs) {
                    Ok(v) => format!(
                        "not retried: `{}` is false: `{text}` is {}",
                        self.text,
                        v.literal()
                    ),
                    Err(_) => format!("not retried: `{}` is false", self.text),
                },
                _ => format!("not retried: `{}` is false", self.text),
            },
            Ok(other) => {
                let why = self.broken(&format!("it gave {}, not a bool", other.literal()));
                return Decision::Broken(masker.mask(&why));
            }
            Err(e) => return Decision::Broken(masker.mask(&self.broken(&e))),
        };
        Decision::Stop(masker.mask(&why))
    }

    /// Whether the condition tests the error's class (`error is …`).
    fn reads_class(&self) -> bool {
        let mut reads = false;
        self.cond.walk(&mut |x| {
            reads |= matches!(&x.kind, ExprKind::StepOutput { field, .. } if field == ERROR_CLASS);
        });
        reads
    }

    /// The first attempt name the condition reads that `value` lacks.
    fn absent_read(&self, value: &Value) -> Option<&'static str> {
        let mut absent = None;
        self.cond.walk(&mut |x| {
            if let ExprKind::StepOutput { step, field, .. } = &x.kind {
                let name = ["exit_code", "status_code", "error"]
                    .into_iter()
                    .find(|n| n == field);
                if *step == self.step && absent.is_none() {
                    absent = name.filter(|n| matches!(field_of(value, n), Value::Null));
                }
            }
        });
        absent
    }

    fn broken(&self, why: &str) -> String {
        format!(
            "{WHEN_FAILED}: the retry's `when` of step `{}` cannot be evaluated: {why} \
             (`when {}`); not retried",
            self.name, self.text
        )
    }
}

/// The operand a false condition shows: the left of a comparison or `in`,
/// the class `error is CLASS` found.
fn lhs(e: &Expr) -> Option<&Expr> {
    match &e.kind {
        ExprKind::Binary(BinaryOp::In | BinaryOp::Is, l, _) => Some(l),
        _ => comparison_lhs(e),
    }
}

/// What `when` reads of an attempt: `exit_code` and `status_code` where
/// the attempt had them, `error`, and its class (`error is CLASS`).
fn attempt_value(r: &AttemptResult) -> Value {
    let out = |k: &str| r.outputs.as_ref().map_or(Value::Null, |o| field_of(o, k));
    let exit_code = match r.exit_code {
        Some(c) => Value::Int(c),
        None => out("exit_code"),
    };
    Value::Map(vec![
        ("exit_code".into(), exit_code),
        ("status_code".into(), out("status_code")),
        (
            "error".into(),
            Value::Str(r.error.clone().unwrap_or_default()),
        ),
        (
            ERROR_CLASS.into(),
            Value::Str(r.class.map_or("other", |c| c.name()).into()),
        ),
    ])
}

fn field_of(v: &Value, k: &str) -> Value {
    match v {
        Value::Map(m) => m
            .iter()
            .find(|(n, _)| n == k)
            .map_or(Value::Null, |(_, v)| v.clone()),
        _ => Value::Null,
    }
}

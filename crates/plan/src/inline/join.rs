//! The call step as the join of its inlined steps, the conditions of the
//! callee's handlers, and what an inlined call does not support yet.

use super::rewrite::Rewrite;
use crate::errors;
use wfc_language::diag::Diagnostic;
use wfc_language::ir::{
    BinaryOp, Expr, ExprKind, FieldValue, Func, HandlerKind, InterpPart, Step, StepField, StepId,
    StepKind, Type, Workflow,
};
use wfc_language::span::Span;

/// The join's field naming the step of the call that failed (`""`: none).
pub const FAILED_FIELD: &str = "failed";
/// The join's field with the callee's outputs, as the call step's.
pub const OUTPUTS_FIELD: &str = "outputs";
/// What the run records on the join, for the callee's handlers:
/// `failed.error` (the error of the step that failed), `run.duration` (the
/// call's, from its first step's start) and `run.failures` (its steps that
/// failed, optional ones too).
pub const ERROR_FIELD: &str = "error";
pub const DURATION_FIELD: &str = "duration";
pub const FAILURES_FIELD: &str = "failures";

fn lit(kind: ExprKind, ty: Type, span: Span) -> Expr {
    Expr {
        kind,
        ty,
        span,
        tainted: false,
    }
}

fn text(s: &str, span: Span) -> Expr {
    lit(ExprKind::Str(s.into()), Type::String, span)
}

/// A required (not optional) step of a callee, as the join checks it: one
/// of the callee's own steps (a step of a call inside the callee is its
/// join's: see [`failed_step`]).
pub struct Required {
    pub step: StepId,
    /// Its name in the callee (`build`), relative to the join.
    pub name: String,
    /// It may end skipped when all is well (see `super::may_skip`); any
    /// other step that ended skipped was stopped by a failure.
    pub may_skip: bool,
    /// It is the join of a call inside the callee: the step that failed is
    /// the one that join names (its recorded [`FAILED_OUTPUT`]).
    pub join: bool,
}

/// The join's output naming the step of its call that did not succeed,
/// relative to the join (`build`, `make.compile`): what an enclosing join
/// reads to name it in its own terms.
pub const FAILED_OUTPUT: &str = "failed";
/// The join's output naming that step in full (`ship.make.compile`): the
/// callee's handlers' `failed.step`.
pub const STEP_OUTPUT: &str = "step";

/// The name, relative to the join, of the first of `steps` that failed,
/// was cancelled or was stopped, else `""`: `contains(s.status, "failed")
/// || … ? "build" : …` (`contains` also holds for a loop's list of
/// statuses). A call inside the callee is one entry, its join, naming
/// `make.` and what that join recorded: so the expression has one arm per
/// step the callee declares, however deep its calls nest (it is folded and
/// evaluated recursively), and inlining stays linear in the steps inlined.
pub fn failed_step(steps: &[Required], span: Span) -> Expr {
    let mut acc = text("", span);
    for r in steps.iter().rev() {
        let status = lit(ExprKind::StepStatus(r.step), Type::String, span);
        let has = |word: &str| {
            lit(
                ExprKind::Call(Func::Contains, vec![status.clone(), text(word, span)]),
                Type::Bool,
                span,
            )
        };
        let or = |a: Expr, b: Expr| {
            lit(
                ExprKind::Binary(BinaryOp::Or, Box::new(a), Box::new(b)),
                Type::Bool,
                span,
            )
        };
        let mut cond = or(has("failed"), has("cancelled"));
        if !r.may_skip {
            cond = or(cond, has("not_run"));
            cond = or(cond, has("skipped"));
        }
        let name = if r.join {
            let read = lit(
                ExprKind::StepOutput {
                    step: r.step,
                    field: FAILED_OUTPUT.into(),
                    output: None,
                },
                Type::String,
                span,
            );
            let inner = lit(
                ExprKind::Call(Func::Default, vec![read, text("", span)]),
                Type::String,
                span,
            );
            lit(
                ExprKind::Interp(vec![
                    InterpPart::Text(format!("{}.", r.name)),
                    InterpPart::Expr(inner),
                ]),
                Type::String,
                span,
            )
        } else {
            text(&r.name, span)
        };
        acc = lit(
            ExprKind::Cond(Box::new(cond), Box::new(name), Box::new(acc)),
            Type::String,
            span,
        );
    }
    acc
}

/// When a callee handler runs, as a condition on the join `x`'s status
/// (`finally`: always, once the join ended).
pub fn handler_condition(kind: HandlerKind, x: StepId, span: Span) -> Option<Expr> {
    let word = match kind {
        HandlerKind::Failure => "failed",
        HandlerKind::Success => "succeeded",
        HandlerKind::Finally => return None,
    };
    let status = lit(ExprKind::StepStatus(x), Type::String, span);
    Some(lit(
        ExprKind::Binary(BinaryOp::Eq, Box::new(status), Box::new(text(word, span))),
        Type::Bool,
        span,
    ))
}

/// The join's fields: which step failed, and the callee's outputs.
pub fn fields(rw: &Rewrite, callee: &Workflow, failed: Expr, span: Span) -> Vec<StepField> {
    let mut out = vec![StepField {
        name: FAILED_FIELD.into(),
        value: FieldValue::Expr(failed),
        span,
    }];
    if !callee.outputs.is_empty() {
        let outputs = callee
            .outputs
            .iter()
            .map(|o| (o.name.clone(), rw.expr(&o.value)))
            .collect();
        out.push(StepField {
            name: OUTPUTS_FIELD.into(),
            value: FieldValue::Map(outputs),
            span,
        });
    }
    out
}

/// The call's `timeout`: the one written on the call step (a `timeout` from
/// the caller's `defaults` is each step's, not the call's), bounded by the
/// callee's workflow `timeout`. The run applies it to the call's steps,
/// from the start of the first one.
pub fn call_timeout(join: &mut Step, callee: &Workflow) {
    let span = join.span;
    let own = |s: Span| s.start >= span.start && s.end <= span.end;
    join.timeout_ms = None;
    let settings = join.settings.get_or_insert_with(Default::default);
    // The join runs nothing: its steps retry (`inherit_retry`).
    settings.retry = None;
    settings.timeout = settings.timeout.take().filter(|e| own(e.span));
    if let Some(ms) = callee.timeout_ms {
        let theirs = lit(ExprKind::Duration(ms), Type::Duration, span);
        settings.timeout = Some(match settings.timeout.take() {
            None => theirs,
            // The nearer of the two.
            Some(mine) => lit(
                ExprKind::Cond(
                    Box::new(lit(
                        ExprKind::Binary(
                            BinaryOp::Lt,
                            Box::new(mine.clone()),
                            Box::new(theirs.clone()),
                        ),
                        Type::Bool,
                        span,
                    )),
                    Box::new(mine),
                    Box::new(theirs),
                ),
                Type::Duration,
                span,
            ),
        });
    }
}

/// The callee's workflow `env`, given to each of its steps that starts a
/// process (shell, docker, python, node), as the top workflow's `env` is
/// by the interpreter; a key the step's own `env` sets wins.
pub fn workflow_env(rw: &Rewrite, step: &mut Step) {
    let takes = matches!(
        step.kind,
        StepKind::Shell | StepKind::Docker | StepKind::Python | StepKind::Node
    );
    if rw.callee.env.is_empty() || !takes {
        return;
    }
    let env = rw
        .callee
        .env
        .iter()
        .map(|(k, e)| (k.clone(), rw.expr(e)))
        .collect();
    super::prepend_env(step, env, rw.span(step.span));
}

/// A `retry` written on the call step is each of the callee's steps' that
/// sets none of its own (nor in the callee's `defaults`): as for a block's
/// `defaults`, the innermost wins. A call is one graph with its caller, so a
/// failed step is retried where it failed; the call is not re-run whole.
pub fn inherit_retry(site: &Step, step: &mut Step) {
    let Some(retry) = site.settings.as_deref().and_then(|s| s.retry.as_ref()) else {
        return;
    };
    if !own(site, retry.span) || step.kind == StepKind::Call {
        return;
    }
    let settings = step.settings.get_or_insert_with(Default::default);
    if settings.retry.is_none() {
        settings.retry = Some(retry.clone());
    }
}

/// Whether `span` was written on the call step itself (not inherited from
/// the caller's `defaults`, which are each step's, not the call's).
fn own(site: &Step, span: Span) -> bool {
    span.start >= site.span.start && span.end <= site.span.end
}

/// What a call cannot do: E0231 for `until` or `estimate` written on the
/// call step itself (a call is not re-run whole, and its estimate is its
/// steps').
pub fn refuse_unsupported(site: &Step, diags: &mut Vec<Diagnostic>) {
    if let Some(st) = site.settings.as_deref() {
        let written = [
            ("estimate", st.estimate.as_ref().map(|e| e.span)),
            ("until", st.until.as_ref().map(|u| u.span)),
        ];
        for (what, span) in written {
            if let Some(span) = span.filter(|&s| own(site, s)) {
                diags.push(errors::call_setting(span, &site.name, what));
            }
        }
    }
}

//! The call step as the join of its inlined steps, the conditions of the
//! callee's handlers, and what an inlined call does not support yet.

use super::rewrite::Rewrite;
use crate::errors;
use wfc_language::diag::Diagnostic;
use wfc_language::ir::{
    BinaryOp, Expr, ExprKind, FailedField, FieldValue, Func, HandlerKind, Role, RunField, Step,
    StepField, StepId, StepKind, Type, Workflow,
};
use wfc_language::span::Span;

/// The join's field naming the step of the call that failed (`""`: none).
pub const FAILED_FIELD: &str = "failed";
/// The join's field with the callee's outputs, as the call step's.
pub const OUTPUTS_FIELD: &str = "outputs";

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

/// A required (not optional) step of a callee, as the join checks it.
pub struct Required {
    pub step: StepId,
    /// Its name in the merged workflow (`ship.build`).
    pub name: String,
    /// It may end skipped when all is well (see `super::may_skip`); any
    /// other step that ended skipped was stopped by a failure.
    pub may_skip: bool,
}

/// The name of the first of `steps` that failed, was cancelled or was
/// stopped, else `""`: `contains(s.status, "failed") || … ? "ship.build" : …`
/// (`contains` also holds for a loop's list of statuses).
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
            cond = or(cond, has("skipped"));
        }
        acc = lit(
            ExprKind::Cond(Box::new(cond), Box::new(text(&r.name, span)), Box::new(acc)),
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
pub fn fields(rw: &Rewrite, callee: &Workflow, span: Span) -> Vec<StepField> {
    let mut out = vec![StepField {
        name: FAILED_FIELD.into(),
        value: FieldValue::Expr(rw.failed_step.clone()),
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

/// The callee's workflow `env`, given to each of its shell and docker steps.
pub fn workflow_env(rw: &Rewrite, step: &mut Step) {
    if rw.callee.env.is_empty() || !matches!(step.kind, StepKind::Shell | StepKind::Docker) {
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

/// What a call cannot do yet: E0231 for `retry`, `until` or `estimate`
/// written on the call step itself (from the caller's `defaults` they are
/// not the call's: the join runs nothing to retry), E0233 for
/// `failed.error`, `run.duration` or `run.failures` in its handlers.
pub fn refuse_unsupported(site: &Step, callee: &Workflow, diags: &mut Vec<Diagnostic>) {
    let own = |s: Span| s.start >= site.span.start && s.end <= site.span.end;
    if let Some(st) = site.settings.as_deref() {
        let written = [
            ("estimate", st.estimate.as_ref().map(|e| e.span)),
            ("retry", st.retry.as_ref().map(|r| r.span)),
            ("until", st.until.as_ref().map(|u| u.span)),
        ];
        for (what, span) in written {
            if let Some(span) = span.filter(|&s| own(s)) {
                diags.push(errors::call_setting(span, &site.name, what));
            }
        }
    }
    let handlers = callee
        .steps
        .iter()
        .filter(|s| matches!(s.role, Role::Handler(_)));
    for s in handlers {
        let mut found = None;
        for f in &s.fields {
            walk_field(&f.value, &mut |e| {
                let what = match e.kind {
                    ExprKind::Failed(FailedField::Error) => "failed.error",
                    ExprKind::Run(RunField::Duration) => "run.duration",
                    ExprKind::Run(RunField::Failures) => "run.failures",
                    _ => return,
                };
                found.get_or_insert((e.span, what));
            });
        }
        if let Some((span, what)) = found {
            let span = if callee.file.is_some() {
                site.span
            } else {
                span
            };
            diags.push(errors::callee_reads_run_end(
                span,
                &site.name,
                &callee.name,
                what,
            ));
            break;
        }
    }
}

fn walk_field<'e>(v: &'e FieldValue, f: &mut impl FnMut(&'e Expr)) {
    match v {
        FieldValue::Expr(e) => e.walk(f),
        FieldValue::Map(m) => m.iter().for_each(|(_, e)| e.walk(f)),
        FieldValue::Mount { source, target } => {
            source.walk(f);
            target.walk(f);
        }
        FieldValue::Keyword(_) => {}
    }
}

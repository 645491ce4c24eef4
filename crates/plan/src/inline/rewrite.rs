//! Moving one callee's IR into its caller: ids offset past the caller's,
//! names prefixed with the call step's, every read of a callee param
//! replaced by the argument the call passed (or the param's default).

use wfc_language::ir::{
    Call, Dep, DepTarget, ExecutorExprs, Expr, ExprKind, FailedField, FieldValue, Func, InterpPart,
    ResourceExprs, RetryExprs, RunField, StepField, StepId, StepSettings, Until, Workflow,
};
use wfc_language::span::Span;

/// Where a callee's ids, names and spans go in the merged workflow.
pub(super) struct Rewrite<'a> {
    pub callee: &'a Workflow,
    pub call: &'a Call,
    /// The call step (the join) in the caller.
    pub join: StepId,
    pub step_off: usize,
    pub block_off: usize,
    /// The call step's span: every span of a callee from another file
    /// becomes this one, so nothing points into the wrong file.
    pub site: Option<Span>,
}

impl Rewrite<'_> {
    pub fn step(&self, s: StepId) -> StepId {
        s + self.step_off
    }

    pub fn block(&self, b: usize) -> usize {
        b + self.block_off
    }

    pub fn span(&self, s: Span) -> Span {
        self.site.unwrap_or(s)
    }

    pub fn dep(&self, d: &Dep) -> Dep {
        let t = match d.target() {
            DepTarget::Step(s) => DepTarget::Step(self.step(s)),
            DepTarget::Block(b) => DepTarget::Block(self.block(b)),
        };
        Dep::new(t, self.span(d.span))
    }

    /// A callee expression in the merged workflow's terms.
    pub fn expr(&self, e: &Expr) -> Expr {
        let span = self.span(e.span);
        let kind = match &e.kind {
            ExprKind::Param(p) => return self.param(*p, span),
            ExprKind::LoopVar(b) => ExprKind::LoopVar(self.block(*b)),
            ExprKind::StepOutput {
                step,
                field,
                output,
            } => ExprKind::StepOutput {
                step: self.step(*step),
                field: field.clone(),
                output: output.clone(),
            },
            ExprKind::StepStatus(s) => ExprKind::StepStatus(self.step(*s)),
            // The callee's handlers are the call's: what failed is one of
            // its steps; how "the run" ended is how the call did.
            ExprKind::Failed(FailedField::Step) => {
                return self.join_end(super::join::STEP_OUTPUT, e, ExprKind::Str(String::new()))
            }
            ExprKind::Run(RunField::Status) => ExprKind::StepStatus(self.join),
            ExprKind::Failed(FailedField::Error) => {
                return self.join_end(super::join::ERROR_FIELD, e, ExprKind::Str(String::new()))
            }
            ExprKind::Run(RunField::Duration) => {
                return self.join_end(super::join::DURATION_FIELD, e, ExprKind::Duration(0))
            }
            ExprKind::Run(RunField::Failures) => {
                return self.join_end(super::join::FAILURES_FIELD, e, ExprKind::List(Vec::new()))
            }
            ExprKind::List(xs) => ExprKind::List(xs.iter().map(|x| self.expr(x)).collect()),
            ExprKind::Call(f, xs) => ExprKind::Call(*f, xs.iter().map(|x| self.expr(x)).collect()),
            ExprKind::Map(m) => {
                ExprKind::Map(m.iter().map(|(k, x)| (k.clone(), self.expr(x))).collect())
            }
            ExprKind::Interp(parts) => ExprKind::Interp(
                parts
                    .iter()
                    .map(|p| match p {
                        InterpPart::Text(t) => InterpPart::Text(t.clone()),
                        InterpPart::Expr(x) => InterpPart::Expr(self.expr(x)),
                    })
                    .collect(),
            ),
            ExprKind::Unary(op, x) => ExprKind::Unary(*op, Box::new(self.expr(x))),
            ExprKind::Field(x, name) => ExprKind::Field(Box::new(self.expr(x)), name.clone()),
            ExprKind::Binary(op, a, b) => {
                ExprKind::Binary(*op, Box::new(self.expr(a)), Box::new(self.expr(b)))
            }
            ExprKind::Index(a, b) => {
                ExprKind::Index(Box::new(self.expr(a)), Box::new(self.expr(b)))
            }
            ExprKind::Cond(c, a, b) => ExprKind::Cond(
                Box::new(self.expr(c)),
                Box::new(self.expr(a)),
                Box::new(self.expr(b)),
            ),
            ExprKind::Comprehension(c) => {
                ExprKind::Comprehension(Box::new(c.map(|x| self.expr(x))))
            }
            other => other.clone(),
        };
        Expr {
            kind,
            ty: e.ty.clone(),
            span,
            tainted: e.tainted,
        }
    }

    /// `failed.step`, `failed.error`, `run.duration` or `run.failures` in the callee's
    /// handlers: what the join recorded of how the call ended, read as
    /// `default(X.FIELD, EMPTY)` so the read only orders (the handler runs
    /// after the join however it ended).
    fn join_end(&self, field: &str, e: &Expr, empty: ExprKind) -> Expr {
        let span = self.span(e.span);
        let at = |kind, ty| Expr {
            kind,
            ty,
            span,
            tainted: false,
        };
        let read = at(
            ExprKind::StepOutput {
                step: self.join,
                field: field.into(),
                output: None,
            },
            e.ty.clone(),
        );
        at(
            ExprKind::Call(Func::Default, vec![read, at(empty, e.ty.clone())]),
            e.ty.clone(),
        )
    }

    /// A read of callee param `p`: the argument (caller terms already),
    /// else the param's default (callee terms, rewritten).
    fn param(&self, p: usize, span: Span) -> Expr {
        let param = &self.callee.params[p];
        let mut e = match (self.call.arg(p), &param.default) {
            (Some(arg), _) => arg.value.clone(),
            (None, Some(d)) => self.expr(d),
            // (A missing argument is the checker's E0213: never planned.)
            (None, None) => Expr::invalid(span),
        };
        // A secret param's value is masked wherever the callee uses it.
        e.tainted |= param.secret;
        e
    }

    pub fn field_value(&self, v: &FieldValue) -> FieldValue {
        match v {
            FieldValue::Expr(e) => FieldValue::Expr(self.expr(e)),
            FieldValue::Map(m) => {
                FieldValue::Map(m.iter().map(|(k, e)| (k.clone(), self.expr(e))).collect())
            }
            FieldValue::Mount { source, target } => FieldValue::Mount {
                source: Box::new(self.expr(source)),
                target: Box::new(self.expr(target)),
            },
            FieldValue::Keyword(k) => FieldValue::Keyword(k.clone()),
            FieldValue::Inputs(inputs) => FieldValue::Inputs(
                inputs
                    .iter()
                    .map(|i| i.map_exprs(|e| self.expr(e)))
                    .collect(),
            ),
        }
    }

    pub fn field(&self, f: &StepField) -> StepField {
        StepField {
            name: f.name.clone(),
            value: self.field_value(&f.value),
            span: self.span(f.span),
        }
    }

    pub fn settings(&self, s: &StepSettings) -> StepSettings {
        let opt = |e: &Option<Expr>| e.as_ref().map(|e| self.expr(e));
        StepSettings {
            timeout: opt(&s.timeout),
            estimate: opt(&s.estimate),
            retry: s.retry.as_ref().map(|r| RetryExprs {
                count: self.expr(&r.count),
                backoff: opt(&r.backoff),
                strategy: r.strategy,
                max: opt(&r.max),
                within: opt(&r.within),
                when: opt(&r.when),
                span: self.span(r.span),
            }),
            until: s.until.as_ref().map(|u| Until {
                cond: self.expr(&u.cond),
                every: self.expr(&u.every),
                within: self.expr(&u.within),
                span: self.span(u.span),
            }),
            executor: s.executor.as_ref().map(|x| ExecutorExprs {
                kind: x.kind,
                partition: opt(&x.partition),
                account: opt(&x.account),
                span: self.span(x.span),
            }),
            resources: ResourceExprs {
                cpus: opt(&s.resources.cpus),
                memory: opt(&s.resources.memory),
                gpus: opt(&s.resources.gpus),
                time: opt(&s.resources.time),
                span: s.resources.span.map(|sp| self.span(sp)),
            },
        }
    }
}

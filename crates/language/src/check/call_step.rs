//! Call steps: the target resolved through the [`CallEnv`], each param
//! passed typed against the callee's, and the callee's outputs as the
//! step's `outputs.*`.

use super::call_env::Resolved;
use super::types::{self, Fit};
use super::{Checker, Ctx};
use crate::diag::{self, check as dc, Diagnostic};
use crate::ir::{self, Call, CallArg, Constraint, Expr, ExprKind, OutputDecl, StepId};
use crate::syntax::ast::{self, FieldValue};

impl Checker<'_> {
    /// At collection: what a call step calls, and its outputs (known before
    /// any expression reads them).
    pub(super) fn resolve_call(&mut self, s: &ast::Step) -> Option<Box<Call>> {
        let Some(target) = &s.call else {
            self.report(
                Diagnostic::error("E0210", "`call` needs a target")
                    .primary(s.kind.span, "call what?")
                    .help(
                        "write `call W` (this file), `call M` or `call M.W` (an imported module)",
                    ),
            );
            return None;
        };
        let (module, callee, dir) = match self.callees.resolve(target) {
            Resolved::Found { module, ir, dir } => (module, Some(ir), dir),
            Resolved::Blocked => (None, None, None),
            Resolved::Unknown(d) => {
                self.report(d);
                (None, None, None)
            }
        };
        Some(Box::new(Call {
            target: target.text(),
            target_span: target.span,
            module,
            dir,
            callee,
            args: Vec::new(),
            file: false,
        }))
    }

    /// The callee's outputs, as the call step's declared outputs.
    pub(super) fn call_outputs(call: &Call) -> Vec<OutputDecl> {
        let Some(callee) = &call.callee else {
            return Vec::new();
        };
        callee
            .outputs
            .iter()
            .map(|o| OutputDecl {
                name: o.name.clone(),
                name_span: call.target_span,
                ty: o.ty.clone(),
            })
            .collect()
    }

    /// A field of a call step that is not a common step field: a param.
    pub(super) fn call_arg(&mut self, id: StepId, f: &ast::Field, ctx: &Ctx) {
        let name = f.name.name.as_str();
        if matches!(f.value, FieldValue::Outputs(_)) {
            let callee = self.callee_name(id);
            self.report(dc::call_outputs_declared(f.name.span, &callee));
            return;
        }
        let Some(callee) = self.wf.steps[id]
            .call
            .as_ref()
            .and_then(|c| c.callee.clone())
        else {
            self.lower_quietly(&f.value, ctx);
            return;
        };
        let Some(p) = callee.param_named(name) else {
            let names: Vec<&str> = callee.params.iter().map(|p| p.name.as_str()).collect();
            let sugg = diag::did_you_mean(name, names.iter().copied());
            self.report(dc::unknown_call_param(
                f.name.span,
                name,
                &callee.name,
                sugg,
                &names,
            ));
            self.lower_quietly(&f.value, ctx);
            return;
        };
        let FieldValue::Expr(e) = &f.value else {
            self.report(dc::call_param_shape(f.span, name));
            self.lower_quietly(&f.value, ctx);
            return;
        };
        let param = &callee.params[p];
        let x = self.lower_expr(e, ctx);
        let fits = match types::fits(&x.ty, &param.ty) {
            Fit::Yes => true,
            _ if x.ty.is_invalid() => false,
            _ => {
                let (want, found) = (param.ty.to_string(), x.ty.to_string());
                self.report(dc::call_param_type(
                    x.span,
                    name,
                    &want,
                    &format!("`{found}`"),
                ));
                false
            }
        };
        if fits {
            if let Some(allowed) = param.constraint.as_ref().and_then(|c| outside(&x, c)) {
                self.report(dc::call_param_constraint(x.span, name, &show(&x), &allowed));
            }
        }
        if x.tainted && !param.secret {
            self.report(dc::secret_into_plain_param(x.span, name, &callee.name));
        }
        let call = self.wf.steps[id].call.as_mut().expect("a call step");
        call.args.push(CallArg {
            param: p,
            name: name.to_string(),
            name_span: f.name.span,
            value: x,
        });
    }

    /// After a call step's fields: the callee's params it left out.
    pub(super) fn check_call_complete(&mut self, id: StepId, passed: &[&str]) {
        let step = &self.wf.steps[id];
        let Some(callee) = step.call.as_ref().and_then(|c| c.callee.as_ref()) else {
            return;
        };
        let missing: Vec<(&str, String)> = callee
            .params
            .iter()
            .filter(|p| p.default.is_none() && !matches!(p.ty, ir::Type::Optional(_)))
            .filter(|p| !passed.contains(&p.name.as_str()))
            .map(|p| (p.name.as_str(), format!("`{}`", p.ty)))
            .collect();
        if !missing.is_empty() {
            let d = dc::missing_call_params(step.name_span, &callee.name, &missing);
            self.report(d);
        }
    }

    fn callee_name(&self, id: StepId) -> String {
        self.wf.steps[id]
            .call
            .as_ref()
            .map(|c| c.target.clone())
            .unwrap_or_default()
    }
}

/// For a constant value, the constraint it breaks (shown as `["a", "b"]`
/// or `1..10`); `None` when it fits or is only known at plan time.
fn outside(x: &Expr, c: &Constraint) -> Option<String> {
    match c {
        Constraint::OneOf(items) => {
            let lit = literal(x)?;
            let allowed: Vec<Lit> = items.iter().map(literal).collect::<Option<_>>()?;
            (!allowed.contains(&lit)).then(|| {
                let shown: Vec<String> = items.iter().map(show).collect();
                format!("[{}]", shown.join(", "))
            })
        }
        Constraint::Range(lo, hi) => {
            let (v, l, h) = (number(x)?, number(lo)?, number(hi)?);
            (v < l || v > h).then(|| format!("{}..{}", show(lo), show(hi)))
        }
    }
}

#[derive(PartialEq)]
enum Lit {
    Str(String),
    Num(f64),
    Bool(bool),
}

fn literal(x: &Expr) -> Option<Lit> {
    match &x.kind {
        ExprKind::Str(s) => Some(Lit::Str(s.clone())),
        ExprKind::Bool(b) => Some(Lit::Bool(*b)),
        _ => number(x).map(Lit::Num),
    }
}

fn number(x: &Expr) -> Option<f64> {
    match &x.kind {
        ExprKind::Int(i) => Some(*i as f64),
        ExprKind::Float(f) => Some(*f),
        ExprKind::Duration(ms) => Some(*ms as f64),
        ExprKind::Unary(ir::UnaryOp::Neg, inner) => number(inner).map(|n| -n),
        _ => None,
    }
}

/// A constant as written in `.wf`.
fn show(x: &Expr) -> String {
    match &x.kind {
        ExprKind::Str(s) => format!("{s:?}"),
        ExprKind::Int(i) => i.to_string(),
        ExprKind::Float(f) => f.to_string(),
        ExprKind::Bool(b) => b.to_string(),
        ExprKind::Duration(ms) => format!("{ms}ms"),
        ExprKind::Unary(ir::UnaryOp::Neg, inner) => format!("-{}", show(inner)),
        _ => "this value".to_string(),
    }
}

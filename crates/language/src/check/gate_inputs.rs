//! An approval gate's `inputs { NAME: TYPE [in …] [= DEFAULT] … }`: typed
//! and checked as params are (a default in the params' scope, fitting its
//! type and constraint), limited to what a person can type in, and read as
//! `GATE.outputs.NAME`.

use super::{types, Checker, Ctx};
use crate::diag::check as dc;
use crate::ir::{self, FieldValue, StepField, Type};
use crate::span::Span;
use crate::syntax::ast;
use rustc_hash::FxHashMap;

impl Checker<'_> {
    /// Lowers gate `id`'s `inputs` field `f` into a field of the step.
    pub(super) fn lower_gate_inputs(&mut self, id: usize, f: &ast::Field, decls: &[ast::Param]) {
        let ctx = Ctx {
            params_only: Some("input defaults"),
            ..Ctx::default()
        };
        let mut seen: FxHashMap<&str, Span> = FxHashMap::default();
        let mut inputs = Vec::with_capacity(decls.len());
        for d in decls {
            let name = d.name.name.as_str();
            if let Some(&first) = seen.get(name) {
                self.report(dc::duplicate_input(d.name.span, first, name));
                continue;
            }
            seen.insert(name, d.name.span);
            let ty = types::lower(&d.ty, &mut self.diags);
            if !matches!(
                ty,
                Type::String | Type::Int | Type::Float | Type::Bool | Type::Invalid
            ) {
                self.report(dc::input_type(d.ty.span, name, &format!("`{ty}`")));
            }
            let constraint = d
                .constraint
                .as_ref()
                .map(|c| self.lower_constraint(c, &ty, &ctx));
            let default = d.default.as_ref().map(|e| {
                let x = self.lower_expr(e, &ctx);
                let ok = self.require(&x, &ty, |exp, found| {
                    dc::default_type(x.span, name, exp, found, d.ty.span)
                });
                if x.tainted {
                    self.report(dc::secret_input_default(x.span, name));
                } else if ok {
                    if let (Some(c), Some(cs)) = (&constraint, &d.constraint) {
                        if super::scope::violates(&x, c) {
                            self.report(dc::default_violates_constraint(x.span, name, cs.span));
                        }
                    }
                }
                x
            });
            inputs.push(ir::GateInput {
                name: name.to_owned(),
                name_span: d.name.span,
                ty,
                constraint,
                default,
                span: d.span,
            });
        }
        self.wf.steps[id].fields.push(StepField {
            name: "inputs".into(),
            value: FieldValue::Inputs(inputs),
            span: f.span,
        });
    }
}

/// The `inputs` declarations of a gate's source, in order.
pub(super) fn declared_inputs(s: &ast::Step) -> impl Iterator<Item = &ast::Param> {
    s.fields
        .iter()
        .filter_map(|f| match &f.value {
            ast::FieldValue::Inputs(decls) => Some(decls),
            _ => None,
        })
        .flatten()
}

//! Reading step outputs: `s.stdout`, `s.outputs.NAME`. Each read is an
//! implied dependency of the reader, and its type is lifted through the
//! control flow between the step and the reader: optional (`T?`) out of an
//! `if` branch or a `wait any` block, or when the step may fail without
//! failing the run (see [`super::quiet`]); a list out of a `for each`.

use super::types::{self, Fit};
use super::{Checker, Ctx, Lift};
use crate::diag::{self, check as dc, Diagnostic};
use crate::ir::{self, Expr, ExprKind, Type};
use crate::span::Span;
use crate::syntax::ast;

use super::exprs::expr;

impl Checker<'_> {
    /// Whether `name` is not a loop variable, param or step (so it may be `failed`).
    pub(super) fn is_free(&self, name: &str, ctx: &Ctx) -> bool {
        self.loop_var(name, ctx.names_block()).is_none()
            && self.let_named(name, ctx).is_none()
            && !self.param_names.contains_key(name)
            && !self.names.contains_key(name)
    }

    /// If `e` is a bare name that means a step here, that step (its reference recorded).
    pub(super) fn step_ref(&mut self, e: &ast::Expr, ctx: &Ctx) -> Option<ir::StepId> {
        let ast::ExprKind::Name(id) = &e.kind else {
            return None;
        };
        if self.loop_var(&id.name, ctx.names_block()).is_some()
            || self.let_named(&id.name, ctx).is_some()
            || self.param_names.contains_key(id.name.as_str())
        {
            return None;
        }
        match self.names.get(id.name.as_str()) {
            Some(&(super::Named::Step(s), _)) if ctx.params_only.is_none() => {
                self.reference(id.span, ir::Symbol::Step(s));
                Some(s)
            }
            _ => None,
        }
    }

    pub(super) fn kind_output(
        &mut self,
        step: ir::StepId,
        base: &ast::Expr,
        field: &ast::Ident,
        span: Span,
        ctx: &Ctx,
    ) -> Expr {
        let Some(info) = super::kinds::kind_info(self.wf.steps[step].kind) else {
            return Expr::invalid(span);
        };
        let name = self.wf.steps[step].name.clone();
        if field.name == "outputs" && info.declares_outputs {
            self.report(dc::bare_outputs(span, &name));
            return Expr::invalid(span);
        }
        if field.name == "status" {
            return self.read_status(step, field, span, ctx);
        }
        if field.name == ir::artifacts::FIELD {
            return self.bare_artifacts(step, span);
        }
        let Some(out) = info.output(&field.name) else {
            let mut fields: Vec<&str> = info.outputs.iter().map(|o| o.name).collect();
            if info.declares_outputs {
                fields.push("outputs");
            }
            let s = diag::did_you_mean(&field.name, fields.iter().copied());
            self.report(dc::unknown_output(
                field.span,
                &name,
                &field.name,
                s,
                &fields,
            ));
            return Expr::invalid(span);
        };
        self.reference(
            field.span,
            ir::Symbol::Output {
                step,
                name: field.name.to_string(),
                declared: false,
            },
        );
        let kind = ExprKind::StepOutput {
            step,
            field: field.name.to_string(),
            output: None,
        };
        self.read_output(step, kind, out.ty.ty(), span, base.span, ctx)
    }

    pub(super) fn declared_output(
        &mut self,
        step: ir::StepId,
        (base, outputs): (&ast::Expr, &ast::Ident),
        field: &ast::Ident,
        span: Span,
        ctx: &Ctx,
    ) -> Expr {
        let s = &self.wf.steps[step];
        let Some(info) = super::kinds::kind_info(s.kind) else {
            return Expr::invalid(span);
        };
        if s.kind == ir::StepKind::Gate {
            return self.input_output(step, (base, outputs), field, span, ctx);
        }
        if !info.declares_outputs {
            let name = s.name.clone();
            let fields: Vec<&str> = info.outputs.iter().map(|o| o.name).collect();
            let outputs_span = outputs.span;
            self.report(dc::unknown_output(
                outputs_span,
                &name,
                "outputs",
                None,
                &fields,
            ));
            return Expr::invalid(span);
        }
        if s.kind == ir::StepKind::Call {
            return self.call_output(step, field, span, base.span, ctx);
        }
        // Declared outputs are lowered with the step's fields; read them from the source
        // so that steps checked later are already known here.
        let decls = declared_outputs(self.step_src[step]);
        let Some((_, ty)) = decls.iter().find(|(n, _)| n.name == field.name) else {
            let name = s.name.clone();
            let names: Vec<&str> = decls.iter().map(|(n, _)| n.name.as_str()).collect();
            let sugg = diag::did_you_mean(&field.name, names.iter().copied());
            let decl = self.step_src[step]
                .fields
                .iter()
                .find(|f| f.name.name == "outputs")
                .map(|f| f.span);
            self.report(dc::undeclared_output(
                field.span,
                &name,
                &field.name,
                sugg,
                decl,
            ));
            return Expr::invalid(span);
        };
        let ty = self.quietly(|c| types::lower(ty, &mut c.diags));
        self.read_declared(step, field, ty, span, base.span, ctx)
    }

    /// `GATE.outputs.NAME`: an approval input (read from the source, as
    /// declared outputs are).
    fn input_output(
        &mut self,
        step: ir::StepId,
        (base, outputs): (&ast::Expr, &ast::Ident),
        field: &ast::Ident,
        span: Span,
        ctx: &Ctx,
    ) -> Expr {
        let src = self.step_src[step];
        let decls: Vec<&ast::Param> = super::gate_inputs::declared_inputs(src).collect();
        let Some(d) = decls.iter().find(|d| d.name.name == field.name) else {
            let name = self.wf.steps[step].name.clone();
            let mut names: Vec<&str> = Vec::new();
            for d in &decls {
                if !names.contains(&d.name.name.as_str()) {
                    names.push(&d.name.name);
                }
            }
            let sugg = diag::did_you_mean(&field.name, names.iter().copied());
            let at = if names.is_empty() {
                outputs.span
            } else {
                field.span
            };
            let d = dc::unknown_output(at, &name, &field.name, sugg, &names).help(
                if names.is_empty() {
                    format!("gate `{name}` declares no `inputs {{ … }}`: its values are `{name}.passed`, `{name}.approved_by` and `{name}.comment`")
                } else {
                    format!("the inputs of gate `{name}`: {}", names.join(", "))
                },
            );
            self.report(d);
            return Expr::invalid(span);
        };
        let ty = self.quietly(|c| types::lower(&d.ty, &mut c.diags));
        self.read_declared(step, field, ty, span, base.span, ctx)
    }

    /// `CALL.outputs.NAME`: an output of the callee (known at collection).
    fn call_output(
        &mut self,
        step: ir::StepId,
        field: &ast::Ident,
        span: Span,
        name_span: Span,
        ctx: &Ctx,
    ) -> Expr {
        let s = &self.wf.steps[step];
        // A file call's outputs are the ones it declares (its file is read
        // only when it runs).
        let callee = match s.call.as_deref() {
            Some(c) if c.file => "file(…)".to_string(),
            Some(c) => match &c.callee {
                Some(callee) => callee.name.clone(),
                None => return Expr::invalid(span),
            },
            None => return Expr::invalid(span),
        };
        let Some(out) = s.outputs.iter().find(|o| o.name == *field.name) else {
            let names: Vec<&str> = s.outputs.iter().map(|o| o.name.as_str()).collect();
            let sugg = diag::did_you_mean(&field.name, names.iter().copied());
            let d = dc::unknown_output(field.span, &s.name, &field.name, sugg, &names).help(
                if s.call.as_deref().is_some_and(|c| c.file) {
                    format!(
                        "a file call's outputs are the ones it declares: add `outputs {{ {}: TYPE }}` \
                         to its body, and the file's workflow must give it",
                        field.name
                    )
                } else if names.is_empty() {
                    format!("workflow `{callee}` declares no `outputs {{ … }}`")
                } else {
                    format!("the outputs of workflow `{callee}`: {}", names.join(", "))
                },
            );
            self.report(d);
            return Expr::invalid(span);
        };
        let ty = out.ty.clone();
        self.read_declared(step, field, ty, span, name_span, ctx)
    }

    /// `STEP.outputs.NAME` of type `ty`: recorded as a reference, then read.
    fn read_declared(
        &mut self,
        step: ir::StepId,
        field: &ast::Ident,
        ty: Type,
        span: Span,
        name_span: Span,
        ctx: &Ctx,
    ) -> Expr {
        let name = field.name.to_string();
        self.reference(
            field.span,
            ir::Symbol::Output {
                step,
                name: name.clone(),
                declared: true,
            },
        );
        let kind = ExprKind::StepOutput {
            step,
            field: "outputs".into(),
            output: Some(name),
        };
        self.read_output(step, kind, ty, span, name_span, ctx)
    }

    /// Types a read of a step's output from `ctx` and records the implied dependency.
    pub(super) fn read_output(
        &mut self,
        step: ir::StepId,
        kind: ExprKind,
        ty: Type,
        span: Span,
        name_span: Span,
        ctx: &Ctx,
    ) -> Expr {
        let name = self.wf.steps[step].name.clone();
        if ctx.step == Some(step) && ctx.own_outputs {
            // An `until` condition: the attempt that just ended, as it is.
            return expr(kind, ty, span, false);
        }
        if ctx.step == Some(step) {
            self.report(dc::self_dependency(span, &name, dc::SelfDep::Output));
            return Expr::invalid(span);
        }
        let target_loc = self.wf.steps[step].parent;
        let target_region = self.region_of(target_loc);
        let reader_chain = self.wf.block_chain(ctx.block);
        if let Some(r) = target_region {
            if !reader_chain.contains(&r) {
                let region = self.region_name(target_region);
                self.report(dc::cross_region(name_span, &name, &region, true));
                return Expr::invalid(span);
            }
        }
        let reader_region = self.region_of(ctx.block);
        if reader_region == target_region {
            self.reads.push((step, span));
        }
        // Lift through the blocks between the step and the reader, innermost
        // first; the step itself first of all, when it may fail quietly.
        let mut lifts = Vec::new();
        let mut ty = ty;
        if let Some(why) = self.quiet_reason(step, ctx) {
            ty = Type::optional(ty);
            lifts.push(Lift::Quiet {
                why,
                step: name.clone(),
            });
        }
        if let Some(why) = self.any_member_read(step, ctx) {
            ty = Type::optional(ty);
            lifts.push(Lift::Optional(why));
        }
        for b in self.wf.block_chain(target_loc) {
            // A header reading a member of its own block is E0131 already.
            if reader_chain.contains(&b) || ctx.header == Some(b) {
                break;
            }
            match &self.wf.blocks[b].kind {
                ir::BlockKind::IfBranch { .. } => {
                    ty = Type::optional(ty);
                    lifts.push(Lift::Optional(format!(
                        "`{name}` runs only when its `if` branch is taken"
                    )));
                }
                ir::BlockKind::Parallel {
                    wait: ir::Wait::Any,
                    ..
                } => {
                    ty = Type::optional(ty);
                    lifts.push(Lift::Optional(format!(
                        "`{name}` is in a `wait any` block and may be cancelled"
                    )));
                }
                ir::BlockKind::ForEach { .. } => {
                    ty = Type::list(ty);
                    lifts.push(Lift::List(self.block_header[b]));
                }
                _ => {}
            }
        }
        if let Some(r) = reader_region {
            let failure_or_finally = matches!(
                self.wf.blocks[r].kind,
                ir::BlockKind::Handler(ast::HandlerKind::Failure | ast::HandlerKind::Finally)
            );
            if failure_or_finally && target_region != Some(r) {
                ty = Type::optional(ty);
                lifts.push(Lift::Optional(format!(
                    "`{name}` may not have run when the handler runs"
                )));
            }
        }
        if !lifts.is_empty() {
            self.lifts.insert(span, lifts);
        }
        expr(kind, ty, span, false)
    }

    /// Why outputs of `step` may not exist for a reader at `ctx`, as far as
    /// `step` may fail without failing the run (see [`super::quiet`]).
    fn quiet_reason(&self, step: ir::StepId, ctx: &Ctx) -> Option<String> {
        let q = self.quiet.as_ref()?;
        let how = q.why.get(step)?.as_ref()?;
        let in_own_rollback = self
            .region_of(ctx.block)
            .is_some_and(|r| self.wf.blocks[r].kind == ir::BlockKind::Rollback { of: step });
        // A header reader waits for what its block waits for.
        let block = ctx.header.or(ctx.block);
        if in_own_rollback || q.waits_for(&self.wf, ctx.step, block, step) {
            return None;
        }
        let name = &self.wf.steps[step].name;
        Some(match how {
            super::quiet::Quiet::Optional => {
                format!("`{name}` is `optional`: the run goes on when it fails")
            }
            super::quiet::Quiet::After(t) => format!(
                "`{name}` does not run when `{}` does not succeed, and the run goes on",
                self.wf.steps[*t].name
            ),
        })
    }

    /// E0153 for the optional value at `span`, saying why it may not exist.
    pub(crate) fn optional_used(&self, span: Span, found: &str, want: &str) -> Diagnostic {
        // The outermost reason: the one the reader's place adds last.
        let lift = self
            .lifts
            .get(&span)
            .and_then(|l| l.iter().rev().find(|l| !matches!(l, Lift::List(_))));
        match lift {
            Some(Lift::Quiet { why, step }) => dc::quiet_output_used(span, found, want, why, step),
            Some(Lift::Optional(why)) => dc::optional_used(span, found, want, why),
            _ => dc::optional_value_used(span, found, want),
        }
    }

    /// E0154 if `x` is a loop step's output (a list outside the loop) used as a `want`.
    pub(crate) fn loop_list_misuse(&self, x: &Expr, want: &Type) -> Option<Diagnostic> {
        let ExprKind::StepOutput { step, .. } = &x.kind else {
            return None;
        };
        let lifts = self.lifts.get(&x.span)?;
        let Some(Lift::List(loop_span)) = lifts.last() else {
            return None;
        };
        let Type::List(elem) = &x.ty else { return None };
        if types::fits(elem, want) == Fit::No || matches!(want, Type::List(_)) {
            return None;
        }
        let name = &self.wf.steps[*step].name;
        Some(dc::loop_output_used(
            x.span,
            name,
            &x.ty.to_string(),
            &want.to_string(),
            *loop_span,
        ))
    }
}

/// The `outputs { name: type }` declarations of a step, from its source.
pub(crate) fn declared_outputs(s: &ast::Step) -> Vec<(&ast::Ident, &ast::TypeExpr)> {
    s.fields
        .iter()
        .filter_map(|f| match &f.value {
            ast::FieldValue::Outputs(decls) => Some(decls),
            _ => None,
        })
        .flatten()
        .map(|d| (&d.name, &d.ty))
        .collect()
}

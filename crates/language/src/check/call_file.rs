//! `call file(EXPR)`: a call whose workflow file is known only at run time
//! (an earlier step wrote it). Here only what the caller writes is checked:
//! where the call stands, the path's type and the params' expressions. The
//! file itself is read, checked and typed against the params when the step
//! starts (see `wfc_run`'s file calls).

use super::types::{self, Fit};
use super::{Checker, Ctx};
use crate::diag::check as dc;
use crate::ir::{self, BlockKind, Call, FieldValue, Role, StepField, StepId, Type};
use crate::syntax::ast;

impl Checker<'_> {
    /// At collection: a file call, refused (E0227) where its steps could
    /// not join the run's graph when it starts.
    pub(super) fn resolve_file_call(
        &mut self,
        target: &ast::CallTarget,
        parent: Option<ir::BlockId>,
        role: Role,
    ) -> Box<Call> {
        let mut block = parent;
        let mut in_loop = false;
        while let Some(b) = block {
            in_loop |= matches!(self.wf.blocks[b].kind, BlockKind::ForEach { .. });
            block = self.wf.blocks[b].parent;
        }
        let place = match role {
            Role::Main if in_loop => Some("a `for each`"),
            Role::Main => None,
            Role::Rollback { .. } => Some("an `on failure rollback`"),
            Role::Handler(_) => Some("a workflow handler"),
        };
        if let Some(place) = place {
            self.report(dc::file_call_placement(target.span, place));
        }
        Box::new(Call {
            target: target.text(),
            target_span: target.span,
            module: None,
            dir: None,
            callee: None,
            args: Vec::new(),
            file: true,
        })
    }

    /// At collection: the `outputs { NAME: TYPE }` a file call declares,
    /// the ones the caller reads (`ci.outputs.NAME`): the file's workflow
    /// must give each, of that type, when the call starts.
    pub(super) fn file_call_outputs(&mut self, s: &ast::Step) -> Vec<ir::OutputDecl> {
        let mut out: Vec<ir::OutputDecl> = Vec::new();
        for (name, ty) in super::outputs::declared_outputs(s) {
            if let Some(first) = out.iter().find(|o| o.name == *name.name) {
                self.report(dc::duplicate_output(name.span, first.name_span, &name.name));
                continue;
            }
            let ty = types::lower(ty, &mut self.diags);
            out.push(ir::OutputDecl {
                name: name.name.to_string(),
                name_span: name.span,
                ty,
            });
        }
        out
    }

    /// The path of `call file(EXPR)`: a string, kept as the step's
    /// [`ir::FILE_FIELD`] (its reads order the step after their steps).
    pub(super) fn file_call_path(&mut self, id: StepId, path: &ast::Expr, ctx: &Ctx) {
        let x = self.lower_expr(path, ctx);
        if !x.ty.is_invalid() && !matches!(types::fits(&x.ty, &Type::String), Fit::Yes) {
            self.report(dc::file_call_path_type(x.span, &x.ty.to_string()));
        }
        let span = x.span;
        self.wf.steps[id].fields.push(StepField {
            name: ir::FILE_FIELD.into(),
            value: FieldValue::Expr(x),
            span,
        });
    }

    /// `PARAM EXPR` of a file call: kept in the step's
    /// [`ir::FILE_PARAMS`] map, typed against the file's params when it
    /// is read.
    pub(super) fn file_call_arg(&mut self, id: StepId, f: &ast::Field, ctx: &Ctx) {
        let name = f.name.name.as_str();
        if matches!(f.value, ast::FieldValue::Outputs(_)) {
            return; // taken at collection: see `file_call_outputs`
        }
        let ast::FieldValue::Expr(e) = &f.value else {
            self.report(dc::call_param_shape(f.span, name));
            self.lower_quietly(&f.value, ctx);
            return;
        };
        let x = self.lower_expr(e, ctx);
        let fields = &mut self.wf.steps[id].fields;
        let at = fields.iter().position(|f| f.name == ir::FILE_PARAMS);
        let at = at.unwrap_or_else(|| {
            fields.push(StepField {
                name: ir::FILE_PARAMS.into(),
                value: FieldValue::Map(Vec::new()),
                span: f.span,
            });
            fields.len() - 1
        });
        if let FieldValue::Map(m) = &mut fields[at].value {
            m.push((name.to_string(), x));
        }
    }
}

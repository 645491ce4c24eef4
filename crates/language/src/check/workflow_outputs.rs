//! A workflow's `outputs { NAME: TYPE = EXPR }`: each value typed as a read
//! at the top level of the workflow (step outputs are `T?` where a step may
//! not run or may fail quietly, lists outside their loop), and required to
//! fit its declared type.

use super::{types, Checker, Ctx};
use crate::diag::check as dc;
use crate::ir::WorkflowOutput;
use rustc_hash::FxHashMap;

impl Checker<'_> {
    pub(super) fn lower_workflow_outputs(&mut self) {
        let mut seen: FxHashMap<String, crate::span::Span> = FxHashMap::default();
        for block in self.outputs_src.clone() {
            for o in &block.outputs {
                let name = o.name.name.to_string();
                if let Some(&first) = seen.get(&name) {
                    self.report(dc::duplicate_workflow_output(o.name.span, first, &name));
                } else {
                    seen.insert(name.clone(), o.name.span);
                }
                let ty = types::lower(&o.ty, &mut self.diags);
                let value = self.lower_expr(&o.value, &Ctx::default());
                let ty_span = o.ty.span;
                if types::fits(&value.ty, &ty) == types::Fit::Optional {
                    let d =
                        dc::workflow_output_optional(value.span, &name, &ty.to_string(), ty_span);
                    self.report(d);
                } else {
                    self.require(&value, &ty, |want, found| {
                        dc::workflow_output_type(value.span, &name, want, found, ty_span)
                    });
                }
                self.wf.outputs.push(WorkflowOutput {
                    name,
                    name_span: o.name.span,
                    ty,
                    value,
                    span: o.span,
                });
            }
        }
        // Read when the run's steps are done: they order nothing.
        self.reads.clear();
        self.status_reads.clear();
    }
}

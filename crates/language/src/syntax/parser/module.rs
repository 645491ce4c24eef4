//! The file level: a module of workflows, and a workflow's `outputs { … }`.

use super::{ident, kids, span, Builder, Rule};
use crate::syntax::ast::{File, Ident, TypeExpr, WorkflowOutput, WorkflowOutputs};
use pest::iterators::{Pair, Pairs};

impl Builder {
    pub fn file(&self, pairs: Pairs<'_, Rule>) -> Option<File> {
        let file = pairs.into_iter().next()?;
        let sp = span(&file);
        let workflows: Vec<_> = kids(file)
            .filter(|p| p.as_rule() == Rule::workflow)
            .map(|wf| self.workflow(wf))
            .collect();
        (!workflows.is_empty()).then_some(File {
            workflows,
            span: sp,
        })
    }

    pub(super) fn workflow_outputs(&self, pair: Pair<'_, Rule>) -> WorkflowOutputs {
        let sp = span(&pair);
        let outputs = kids(pair)
            .filter(|p| p.as_rule() == Rule::workflow_output)
            .map(|p| self.workflow_output(p))
            .collect();
        WorkflowOutputs { outputs, span: sp }
    }

    fn workflow_output(&self, pair: Pair<'_, Rule>) -> WorkflowOutput {
        let sp = span(&pair);
        let (mut name, mut ty, mut value) = (None, None, None);
        for p in kids(pair) {
            match p.as_rule() {
                Rule::ident => name = Some(ident(p)),
                Rule::type_expr => ty = Some(self.type_expr(p)),
                Rule::expr => value = Some(self.expr(p)),
                _ => {}
            }
        }
        let missing = Ident {
            name: Default::default(),
            span: sp,
        };
        WorkflowOutput {
            name: name.unwrap_or_else(|| missing.clone()),
            ty: ty.unwrap_or_else(|| TypeExpr {
                name: missing,
                args: Vec::new(),
                optional: false,
                span: sp,
            }),
            value: value.unwrap_or_else(|| self.invalid(sp)),
            span: sp,
        }
    }
}

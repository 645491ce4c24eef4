//! The file level: a module of workflows, and a workflow's `outputs { … }`.

use super::{ident, kids, span, Builder, Rule};
use crate::syntax::ast::{
    CallTarget, File, Ident, Import, TypeExpr, WorkflowOutput, WorkflowOutputs,
};
use pest::iterators::{Pair, Pairs};

impl Builder {
    pub fn file(&self, pairs: Pairs<'_, Rule>) -> Option<File> {
        let file = pairs.into_iter().next()?;
        let sp = span(&file);
        let (mut imports, mut workflows) = (Vec::new(), Vec::new());
        for p in kids(file) {
            match p.as_rule() {
                Rule::import => imports.push(self.import(p)),
                Rule::workflow => workflows.push(self.workflow(p)),
                _ => {}
            }
        }
        (!workflows.is_empty()).then_some(File {
            imports,
            workflows,
            span: sp,
        })
    }

    fn import(&self, pair: Pair<'_, Rule>) -> Import {
        let sp = span(&pair);
        let (mut path, mut path_span, mut alias) = (None, sp, None);
        for p in kids(pair) {
            match p.as_rule() {
                Rule::string => {
                    path_span = span(&p);
                    path = self.string(p, false).as_plain();
                }
                Rule::ident => alias = Some(ident(p)),
                _ => {}
            }
        }
        Import {
            path,
            path_span,
            alias,
            span: sp,
        }
    }

    /// `call_kind`'s target: `W`, `M` or `M.W`.
    pub(super) fn call_target(&self, pair: Pair<'_, Rule>) -> CallTarget {
        let target = kids(pair)
            .find(|p| p.as_rule() == Rule::call_target)
            .expect("call_kind has a target");
        let file = kids(target.clone())
            .find(|p| p.as_rule() == Rule::call_file)
            .and_then(|f| kids(f).next())
            .map(|e| Box::new(self.expr(e)));
        CallTarget {
            span: span(&target),
            parts: kids(target)
                .filter(|p| p.as_rule() == Rule::ident)
                .map(ident)
                .collect(),
            file,
        }
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

//! A workflow's own outputs in the plan: each value folded with the params,
//! with how the steps it reads resolve. The run evaluates them once its
//! steps are done (`wfc run` prints them, the report and the store keep them).

use super::compile::Builder;
use super::eval::{self, Scope};
use super::{OutputRef, RefTarget};
use wfc_language::diag::Diagnostic;
use wfc_language::ir::{Expr, StepId, Type};

/// One output of the workflow, as the run evaluates it.
#[derive(Clone, Debug)]
pub struct PlannedOutput {
    pub name: String,
    /// The declared type.
    pub ty: Type,
    /// Reads of step outputs and secrets stay expressions.
    pub value: Expr,
    /// How each step the value reads resolves in the main graph.
    pub reads: Vec<OutputRef>,
}

/// The workflow's outputs against the main graph `main`.
pub(crate) fn plan_outputs(main: &Builder, diags: &mut Vec<Diagnostic>) -> Vec<PlannedOutput> {
    let wf = main.wf;
    let pruned = |t: StepId| main.inst_of.get(&t).is_none_or(Vec::is_empty);
    let scope = Scope {
        params: main.values,
        loops: &[],
        pruned: &pruned,
    };
    wf.outputs
        .iter()
        .map(|o| {
            let mut failures = Vec::new();
            let value = eval::fold_checked(&o.value, &scope, &mut failures);
            let what = format!("workflow output `{}`", o.name);
            diags.extend(
                failures
                    .into_iter()
                    .map(|(span, why)| super::errors::eval_failed(span, &what, &why)),
            );
            let mut read = Vec::new();
            o.value.guarded_reads(&mut |s, _| read.push(s));
            read.sort_unstable();
            read.dedup();
            let reads = read
                .into_iter()
                .map(|t| OutputRef {
                    step: t,
                    main: false,
                    target: if pruned(t) {
                        RefTarget::Absent
                    } else {
                        main.resolve(t, &[])
                    },
                })
                .collect();
            PlannedOutput {
                name: o.name.clone(),
                ty: o.ty.clone(),
                value,
                reads,
            }
        })
        .collect()
}

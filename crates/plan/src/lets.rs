//! The plan's view of the workflow's `let`s: each one's value where the
//! plan knows it (`wfc plan` shows it), else the expression the run or each
//! iteration computes. Uses of a let are already its expression in the IR,
//! so this is for showing only; nothing runs from it.

use super::eval::{self, Eval, Scope};
use super::value::Value;
use wfc_language::ir::{Expr, ExprKind, Func, Workflow};

/// One `let`, as the plan shows it.
#[derive(Clone, Debug)]
pub struct PlannedLet {
    pub name: String,
    pub value: LetValue,
}

#[derive(Clone, Debug)]
pub enum LetValue {
    /// Folded at plan time.
    Known(Value),
    /// Derived from a secret: never shown.
    Secret,
    /// Reads step outputs, `failed.…` or `run.…`: computed by the run.
    RunTime(Expr),
    /// Reads a loop variable: one value per iteration.
    PerIteration(Expr),
}

/// Every let of `wf`, in source order.
pub fn plan_lets(wf: &Workflow, scope: &Scope) -> Vec<PlannedLet> {
    wf.lets
        .iter()
        .map(|l| {
            let e = &l.value;
            let value = if e.tainted {
                LetValue::Secret
            } else if reads_run(e) {
                LetValue::RunTime(eval::fold(e, scope))
            } else {
                match eval::eval(e, scope) {
                    Eval::Known(v) => LetValue::Known(v),
                    _ => LetValue::PerIteration(eval::fold(e, scope)),
                }
            };
            PlannedLet {
                name: l.name.clone(),
                value,
            }
        })
        .collect()
}

fn reads_run(e: &Expr) -> bool {
    let mut found = false;
    e.walk(&mut |x| {
        found |= matches!(
            x.kind,
            ExprKind::StepOutput { .. }
                | ExprKind::Failed(_)
                | ExprKind::Run(_)
                | ExprKind::Call(Func::Now | Func::Uuid | Func::RandomInt, _)
        )
    });
    found
}

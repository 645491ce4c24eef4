//! An approval gate's `inputs { NAME: TYPE [in …] [= DEFAULT] … }`: what
//! the person who approves gives, typed and checked like params, and read
//! as `GATE.outputs.NAME`. The plan folds each default; `wfc approve` and
//! every other front end validate the values given against the recorded
//! plan's copy of these declarations before the decision is stored.

use super::{Constraint, Expr, FieldValue, Step, Type};
use crate::span::Span;

/// One declared input.
#[derive(Clone, Debug, PartialEq)]
pub struct GateInput {
    pub name: String,
    pub name_span: Span,
    /// `string`, `int`, `float` or `bool` (the checker refuses the rest).
    pub ty: Type,
    pub constraint: Option<Constraint>,
    /// Taken when the approver gives no value; without one the input is
    /// required.
    pub default: Option<Expr>,
    pub span: Span,
}

impl GateInput {
    /// The same input with `f` applied to each of its expressions (the
    /// constraint's and the default): folding, a call's renaming.
    pub fn map_exprs(&self, mut f: impl FnMut(&Expr) -> Expr) -> GateInput {
        let constraint = self.constraint.as_ref().map(|c| match c {
            Constraint::OneOf(xs) => Constraint::OneOf(xs.iter().map(&mut f).collect()),
            Constraint::Range(lo, hi) => Constraint::Range(f(lo), f(hi)),
        });
        GateInput {
            constraint,
            default: self.default.as_ref().map(&mut f),
            ..self.clone()
        }
    }
}

impl Step {
    /// An approval gate's `inputs { … }` (read as `GATE.outputs.NAME`);
    /// empty for any other step.
    pub fn inputs(&self) -> &[GateInput] {
        match self.field("inputs").map(|f| &f.value) {
            Some(FieldValue::Inputs(inputs)) => inputs,
            _ => &[],
        }
    }
}

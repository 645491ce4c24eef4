//! A workflow's own outputs (`outputs { NAME: TYPE = EXPR }`): what a run of
//! it yields, and what a caller will read as `STEP.outputs.NAME`.

use super::{Expr, Type};
use crate::span::Span;

/// One output of a workflow: its declared type, and the expression (reading
/// params, lets and step outputs) evaluated when the run's steps are done.
#[derive(Clone, Debug, PartialEq)]
pub struct WorkflowOutput {
    pub name: String,
    pub name_span: Span,
    /// The declared type (the value's type fits it: the checker saw to it).
    pub ty: Type,
    pub value: Expr,
    pub span: Span,
}

//! A call step: another workflow run as one step of this one.

use super::{Expr, ParamId, Workflow};
use crate::span::Span;
use std::sync::Arc;

/// `step NAME: call TARGET { PARAM EXPR … }`, resolved.
#[derive(Clone, Debug, PartialEq)]
pub struct Call {
    /// The target as written: `lint`, `notify`, `rel.ship`.
    pub target: String,
    pub target_span: Span,
    /// The import the callee came through (`None`: a workflow of this file).
    pub module: Option<String>,
    /// The module's file's directory relative to this file's, when another
    /// (see [`crate::check::ModuleEntry::dir`]).
    pub dir: Option<String>,
    /// The callee, checked; `None` when the target did not resolve or is in
    /// a call cycle (both reported), so the plan has nothing to inline;
    /// also once the plan inlined it (the step is then the call's join).
    pub callee: Option<Arc<Workflow>>,
    /// The params passed, as written, typed against the callee's params.
    pub args: Vec<CallArg>,
    /// `call file(EXPR)`: the callee is read and checked when the step
    /// starts. EXPR is the step's [`FILE_FIELD`], its params the map in
    /// [`FILE_PARAMS`] (typed against the file's params only then).
    pub file: bool,
}

/// The field of a `call file(EXPR)` step holding EXPR.
pub const FILE_FIELD: &str = "file";
/// The field of a `call file(EXPR)` step holding its params, as a map.
pub const FILE_PARAMS: &str = "params";

/// `PARAM EXPR` in a call step's body.
#[derive(Clone, Debug, PartialEq)]
pub struct CallArg {
    /// The callee's param it binds.
    pub param: ParamId,
    pub name: String,
    pub name_span: Span,
    pub value: Expr,
}

impl Call {
    /// The argument bound to the callee's param `p`, if one was passed.
    pub fn arg(&self, p: ParamId) -> Option<&CallArg> {
        self.args.iter().find(|a| a.param == p)
    }
}

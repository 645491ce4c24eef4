//! [`Names`]: what showing an expression needs of its workflow, and
//! [`NameTable`]: the names a run keeps of its workflow.

use super::{BinaryOp, BlockId, BlockKind, Expr, ExprKind, ParamId, StepId, Workflow};
use crate::span::Span;

/// A workflow's names without the rest of it. A run keeps this instead of
/// the IR once its plan is compiled (the plan carries everything else): on a
/// chain of 5,000 steps the IR is ~2.4 MB, this ~0.2 MB.
#[derive(Clone, Debug, Default)]
pub struct NameTable {
    params: Vec<Box<str>>,
    steps: Vec<Box<str>>,
    loops: Vec<Option<Box<str>>>,
    /// Where lets are used, by name (see [`Workflow::let_uses`]).
    lets: rustc_hash::FxHashMap<crate::span::Span, Box<str>>,
}

impl From<&Workflow> for NameTable {
    fn from(wf: &Workflow) -> Self {
        NameTable {
            params: wf.params.iter().map(|p| p.name.as_str().into()).collect(),
            steps: wf.steps.iter().map(|s| s.name.as_str().into()).collect(),
            loops: (0..wf.blocks.len())
                .map(|b| wf.loop_var(b).map(Into::into))
                .collect(),
            lets: wf
                .let_uses
                .iter()
                .map(|(&span, &l)| (span, wf.lets[l].name.as_str().into()))
                .collect(),
        }
    }
}

impl NameTable {
    pub fn param_count(&self) -> usize {
        self.params.len()
    }
}

impl Names for NameTable {
    fn param_name(&self, p: ParamId) -> &str {
        &self.params[p]
    }
    fn step_name(&self, s: StepId) -> &str {
        &self.steps[s]
    }
    fn loop_var(&self, b: BlockId) -> Option<&str> {
        self.loops[b].as_deref()
    }
    fn let_at(&self, span: crate::span::Span) -> Option<&str> {
        self.lets.get(&span).map(|n| &**n)
    }
}

/// The names an expression refers to by id: all that writing one back as
/// source text needs (see `plan::render::expr`).
pub trait Names {
    fn param_name(&self, p: ParamId) -> &str;
    fn step_name(&self, s: StepId) -> &str;
    /// The variable of a `for each` block; `None` for other blocks.
    fn loop_var(&self, b: BlockId) -> Option<&str>;
    /// The let whose use stands at `span`, shown by its name.
    fn let_at(&self, _span: Span) -> Option<&str> {
        None
    }
}

impl Names for Workflow {
    fn param_name(&self, p: ParamId) -> &str {
        &self.params[p].name
    }
    fn step_name(&self, s: StepId) -> &str {
        &self.steps[s].name
    }
    fn loop_var(&self, b: BlockId) -> Option<&str> {
        match &self.blocks[b].kind {
            BlockKind::ForEach { var, .. } => Some(var),
            _ => None,
        }
    }
    fn let_at(&self, span: Span) -> Option<&str> {
        self.let_uses
            .get(&span)
            .map(|&l| self.lets[l].name.as_str())
    }
}

impl Expr {
    /// The operands of a chain of `&&` (itself when it is none), in order:
    /// what a reason looks through for the part that is false. A let's use
    /// stays whole: its name says more than its parts.
    pub fn conjuncts<'a>(&'a self, lets: &dyn Names) -> Vec<&'a Expr> {
        fn walk<'a>(e: &'a Expr, top: bool, lets: &dyn Names, out: &mut Vec<&'a Expr>) {
            match &e.kind {
                ExprKind::Binary(BinaryOp::And, a, b) if top || lets.let_at(e.span).is_none() => {
                    walk(a, false, lets, out);
                    walk(b, false, lets, out);
                }
                _ => out.push(e),
            }
        }
        let mut out = Vec::new();
        walk(self, true, lets, &mut out);
        out
    }
}

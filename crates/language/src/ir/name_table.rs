//! [`NameTable`]: the names a run keeps of its workflow.

use super::{BlockId, Names, ParamId, StepId, Workflow};

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

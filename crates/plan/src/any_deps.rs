//! `depends on a, any(b, c)` linked to instances: each group of a step
//! becomes a [`PlannedAny`] of the instances its names stand for, and each
//! member an [`EdgeKind::Any`] edge (it orders; the group decides at run
//! time). A member absent from the plan is left out of its group (its
//! ordering passes through, as for any absent step); a group left with no
//! member is absent, and nothing is kept of it.

use super::compile::Builder;
use super::*;
use wfc_language::ir::{Node, Workflow};

impl Builder<'_> {
    /// The `any(…)` groups of IR step `step` (its own and its blocks'),
    /// for its instance on loop path `path`; each member's steps go to
    /// `targets` as `Any` edges.
    pub(crate) fn any_groups(
        &self,
        wf: &Workflow,
        step: StepId,
        path: &[(wfc_language::ir::BlockId, usize)],
        targets: &mut Vec<(StepId, EdgeKind)>,
    ) -> Box<[PlannedAny]> {
        if wf.depends_any.is_empty() {
            return Box::default();
        }
        let parent = wf.steps[step].parent;
        let holds = |n: Node| match n {
            Node::Step(s) => s == step,
            Node::Block(b) => wf.region_chain(parent).any(|x| x == b),
        };
        let mut out = Vec::new();
        for a in wf.depends_any.iter().filter(|a| holds(a.holder)) {
            let mut members = Vec::new();
            for d in &a.members {
                let mut insts = Vec::new();
                wf.dep_steps(d, &mut |s| {
                    targets.push((s, EdgeKind::Any));
                    insts.extend(self.matching(s, path));
                });
                if !insts.is_empty() {
                    members.push(insts);
                }
            }
            if !members.is_empty() {
                out.push(PlannedAny {
                    label: a.label.clone(),
                    members,
                    span: a.span,
                });
            }
        }
        out.into_boxed_slice()
    }

    /// The steps named in `any(…)` groups of IR step `step`: reads of their
    /// outputs only order (they are `T?` there).
    pub(crate) fn any_members(wf: &Workflow, step: StepId) -> Vec<StepId> {
        let parent = wf.steps[step].parent;
        let mut out = Vec::new();
        for a in &wf.depends_any {
            let held = match a.holder {
                Node::Step(s) => s == step,
                Node::Block(b) => wf.region_chain(parent).any(|x| x == b),
            };
            if held {
                for d in &a.members {
                    wf.dep_steps(d, &mut |s| out.push(s));
                }
            }
        }
        out
    }
}

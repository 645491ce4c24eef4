//! Steps that may end without succeeding while the run goes on: `optional`
//! steps, and every step that depends on one — through `depends on` (its own
//! or a block's), or by reading its outputs outside `default(…)` — at any
//! distance. When an optional step fails the run goes on, but what depends on
//! it does not run; so, read from outside, such a step's outputs may not
//! exist, and they are `T?` (see `Checker::read_output`).
//!
//! A reader that waits for the step explicitly (`depends on x`, its own or
//! a block's) runs only if `x` succeeded: it reads plain `T`.
//!
//! Which reads are guarded, and which names are steps, is only known once
//! expressions are lowered: this is computed on the IR of a first check, and
//! the checker runs again with it (only for files with an `optional` step).

use crate::ir::{BlockId, BlockKind, Dep, DepTarget, Role, StepId, Wait, Workflow};
use rustc_hash::FxHashMap;

/// Why a step may end without succeeding while the run goes on.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Quiet {
    Optional,
    /// It depends on this step, which may fail without failing the run.
    After(StepId),
}

/// The result of [`find`], for the second check.
pub(crate) struct QuietSteps {
    pub why: Vec<Option<Quiet>>,
    /// Every step's and block's `depends on`, from the first check.
    step_deps: Vec<Vec<Dep>>,
    block_deps: Vec<Vec<Dep>>,
    /// The block of each step and block (`parent`), from the first check.
    blocks: Vec<Option<BlockId>>,
}

impl QuietSteps {
    /// Whether a reader — the step `step`, or a header of a block in
    /// `block` — waits for `target` through a `depends on`.
    pub fn waits_for(
        &self,
        wf: &Workflow,
        step: Option<StepId>,
        block: Option<BlockId>,
        target: StepId,
    ) -> bool {
        let names = |d: &Dep| match d.target() {
            DepTarget::Step(s) => s == target,
            DepTarget::Block(b) => wf.block_chain(self.blocks[target]).contains(&b),
        };
        let own = step.map_or(&[][..], |s| &self.step_deps[s]);
        own.iter().any(names)
            || wf
                .region_chain(block)
                .any(|b| self.block_deps[b].iter().any(names))
    }
}

/// The quiet steps of a checked workflow, or `None` when it has none.
pub(crate) fn find(wf: &Workflow) -> Option<QuietSteps> {
    let main = |s: StepId| wf.steps[s].role == Role::Main;
    let optional: Vec<StepId> = (0..wf.steps.len())
        .filter(|&s| main(s) && wf.steps[s].optional)
        .collect();
    if optional.is_empty() {
        return None;
    }
    // Each `if` chain's branches, for the earlier conditions an `else` waits for.
    let mut chains: FxHashMap<usize, Vec<(usize, BlockId)>> = FxHashMap::default();
    for b in &wf.blocks {
        if let BlockKind::IfBranch { chain, index, .. } = b.kind {
            chains.entry(chain).or_default().push((index, b.id));
        }
    }
    // Who stops when a step does not succeed.
    let mut stops: Vec<Vec<StepId>> = vec![Vec::new(); wf.steps.len()];
    for s in (0..wf.steps.len()).filter(|&s| main(s)) {
        let step = &wf.steps[s];
        let mut add = |t: StepId| {
            // A dependency on a `wait any` member is one on its block,
            // which fails the run when it fails.
            if t != s && main(t) && !raced_from(wf, t, step.parent) {
                stops[t].push(s);
            }
        };
        for d in &step.depends_on {
            wf.dep_steps(d, &mut add);
        }
        let mut read = |t: StepId, guarded: bool| {
            if !guarded {
                add(t)
            }
        };
        for f in &step.fields {
            f.value.guarded_reads(&mut read);
        }
        for b in wf.region_chain(step.parent) {
            for d in &wf.blocks[b].depends_on {
                wf.dep_steps(d, &mut |t| read(t, false));
            }
            match &wf.blocks[b].kind {
                BlockKind::IfBranch { chain, index, .. } => {
                    for &(i, sib) in chains.get(chain).into_iter().flatten() {
                        if let BlockKind::IfBranch { cond: Some(c), .. } = &wf.blocks[sib].kind {
                            if i <= *index {
                                c.guarded_reads(&mut read);
                            }
                        }
                    }
                }
                BlockKind::ForEach { iter, .. } => iter.guarded_reads(&mut read),
                _ => {}
            }
        }
    }
    let mut why: Vec<Option<Quiet>> = vec![None; wf.steps.len()];
    let mut work = optional;
    for &s in &work {
        why[s] = Some(Quiet::Optional);
    }
    while let Some(t) = work.pop() {
        for &s in &stops[t] {
            if why[s].is_none() {
                why[s] = Some(Quiet::After(t));
                work.push(s);
            }
        }
    }
    Some(QuietSteps {
        why,
        step_deps: wf.steps.iter().map(|s| s.depends_on.clone()).collect(),
        block_deps: wf.blocks.iter().map(|b| b.depends_on.clone()).collect(),
        blocks: wf.steps.iter().map(|s| s.parent).collect(),
    })
}

/// Whether step `t` is in a `wait any` block that a reader in `block` is not in.
fn raced_from(wf: &Workflow, t: StepId, block: Option<BlockId>) -> bool {
    let reader = wf.block_chain(block);
    wf.block_chain(wf.steps[t].parent).into_iter().any(|b| {
        matches!(
            wf.blocks[b].kind,
            BlockKind::Parallel {
                wait: Wait::Any,
                ..
            }
        ) && !reader.contains(&b)
    })
}

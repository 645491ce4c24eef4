//! The order `sequence` blocks put on their members, as every later stage
//! reads it: members are the block's nodes in the order written, an
//! `if … else` chain counting as one member (only one of its branches runs).
//! A block nested in a sequence that runs its members in turn anyway — an
//! `if` branch, a `for each` without `parallel` — orders them as written
//! too; a `parallel` block (or `for each … parallel`) opts out.

use super::{BlockId, BlockKind, Node, StepId, Workflow};
use rustc_hash::FxHashMap;

impl Workflow {
    /// The members of sequence block `q`, in order: each one node, or the
    /// branches of one `if` chain.
    pub fn sequence_members(&self, q: BlockId) -> Vec<Vec<Node>> {
        let mut out: Vec<Vec<Node>> = Vec::new();
        for &node in &self.blocks[q].members {
            let continues_chain = match node {
                Node::Block(b) => matches!(
                    self.blocks[b].kind,
                    BlockKind::IfBranch { index, .. } if index > 0
                ),
                Node::Step(_) => false,
            };
            match out.last_mut() {
                Some(last) if continues_chain => last.push(node),
                _ => out.push(vec![node]),
            }
        }
        out
    }

    /// The steps of a member (every step of its blocks, at any depth).
    pub fn member_steps(&self, member: &[Node]) -> Vec<StepId> {
        let mut out = Vec::new();
        for &node in member {
            match node {
                Node::Step(s) => out.push(s),
                Node::Block(b) => out.extend(self.steps_in(b)),
            }
        }
        out
    }

    /// Whether block `b` runs its members one after another, in the order
    /// written: a `sequence`, and an `if` branch or a `for each` without
    /// `parallel` directly inside one that does.
    pub fn orders_members(&self, b: BlockId) -> bool {
        match &self.blocks[b].kind {
            BlockKind::Sequence { .. } => true,
            BlockKind::IfBranch { .. } | BlockKind::ForEach { parallel: None, .. } => self.blocks
                [b]
                .parent
                .is_some_and(|p| self.orders_members(p)),
            _ => false,
        }
    }

    /// The order of every sequence of the workflow (and of the blocks
    /// nested in one that order their members, [`Self::orders_members`]),
    /// computed once.
    pub fn sequence_order(&self) -> SequenceOrder {
        let mut order = SequenceOrder::default();
        for b in 0..self.blocks.len() {
            if !self.orders_members(b) {
                continue;
            }
            let members = self.sequence_members(b);
            for (k, m) in members.iter().enumerate() {
                for &node in m {
                    order.member_of.insert((b, node), k);
                }
            }
            let steps = members.iter().map(|m| self.member_steps(m)).collect();
            order.steps.insert(b, steps);
        }
        order
    }
}

/// Where each node of a sequence stands in it, and the steps of each
/// member: what [`SequenceOrder::preds`] looks up, per step, in constant
/// time (a sequence of thousands of steps would otherwise be walked once
/// per step).
#[derive(Clone, Debug, Default)]
pub struct SequenceOrder {
    /// (sequence, a node directly in it) → the index of its member.
    member_of: FxHashMap<(BlockId, Node), usize>,
    /// Per sequence: the steps of each member, in order.
    steps: FxHashMap<BlockId, Vec<Vec<StepId>>>,
}

impl SequenceOrder {
    /// The index of the member of sequence `q` that `node` (directly in
    /// `q`) belongs to.
    pub fn member_index(&self, q: BlockId, node: Node) -> Option<usize> {
        self.member_of.get(&(q, node)).copied()
    }

    /// Calls `f` with the steps `s` waits for because of the sequences
    /// around it, up to its region: the steps of the member before the one
    /// that holds it, in each enclosing sequence.
    pub fn preds(&self, wf: &Workflow, s: StepId, f: &mut impl FnMut(StepId)) {
        if self.steps.is_empty() {
            return;
        }
        let mut inner = Node::Step(s);
        for b in wf.region_chain(wf.steps[s].parent) {
            if let Some(k) = self.member_index(b, inner).filter(|&k| k > 0) {
                self.steps[&b][k - 1].iter().copied().for_each(&mut *f);
            }
            inner = Node::Block(b);
        }
    }
}

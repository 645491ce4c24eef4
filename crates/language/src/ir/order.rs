//! The order `sequence` blocks put on their members, as every later stage
//! reads it: members are the block's nodes in the order written, an
//! `if … else` chain counting as one member (only one of its branches runs).

use super::{BlockId, BlockKind, Node, StepId, Workflow};

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

    /// Calls `f` with the steps `s` waits for because of the sequences
    /// around it, up to its region: the steps of the member before the one
    /// that holds it, in each enclosing sequence.
    pub fn sequence_preds(&self, s: StepId, f: &mut impl FnMut(StepId)) {
        let mut inner = Node::Step(s);
        for b in self.region_chain(self.steps[s].parent) {
            if matches!(self.blocks[b].kind, BlockKind::Sequence { .. }) {
                let members = self.sequence_members(b);
                if let Some(k) = members.iter().position(|m| m.contains(&inner)) {
                    if k > 0 {
                        self.member_steps(&members[k - 1])
                            .into_iter()
                            .for_each(&mut *f);
                    }
                }
            }
            inner = Node::Block(b);
        }
    }
}

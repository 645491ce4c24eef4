//! The dependency graph: explicit (`depends on`) and implied (output reads)
//! edges between steps, with block-level dependencies inherited by every step
//! inside the block. Reports cycles (every edge labelled) and members of a
//! `parallel` block that depend on each other.

use super::{Checker, Named};
use crate::diag::check::{self as dc, CycleEdge};
use crate::ir::{BlockId, BlockKind, DepTarget, StepId};
use crate::span::Span;

/// One dependency as written or implied: `from` waits for `to`.
#[derive(Clone, Copy, Debug)]
struct Edge {
    from: Named,
    to: Named,
    span: Span,
    implied: bool,
}

impl Checker<'_> {
    /// Every dependency the user wrote or implied, at the node that states it.
    fn own_edges(&self) -> Vec<Edge> {
        let count = self
            .wf
            .steps
            .iter()
            .map(|s| s.depends_on.len() + self.step_reads[s.id].len())
            .chain(
                self.wf
                    .blocks
                    .iter()
                    .map(|b| b.depends_on.len() + self.block_reads[b.id].len()),
            )
            .sum();
        let mut edges = Vec::with_capacity(count);
        let target = |t: DepTarget| match t {
            DepTarget::Step(s) => Named::Step(s),
            DepTarget::Block(b) => Named::Block(b),
        };
        for s in &self.wf.steps {
            let from = Named::Step(s.id);
            for d in &s.depends_on {
                edges.push(Edge {
                    from,
                    to: target(d.target),
                    span: d.span,
                    implied: false,
                });
            }
            for &(t, span) in &self.step_reads[s.id] {
                edges.push(Edge {
                    from,
                    to: Named::Step(t),
                    span,
                    implied: true,
                });
            }
        }
        for b in &self.wf.blocks {
            let from = Named::Block(b.id);
            for d in &b.depends_on {
                edges.push(Edge {
                    from,
                    to: target(d.target),
                    span: d.span,
                    implied: false,
                });
            }
            for &(t, span) in &self.block_reads[b.id] {
                edges.push(Edge {
                    from,
                    to: Named::Step(t),
                    span,
                    implied: true,
                });
            }
        }
        edges
    }

    /// The steps a node stands for.
    fn steps_of(&self, n: Named) -> Vec<StepId> {
        match n {
            Named::Step(s) => vec![s],
            Named::Block(b) => self.wf.steps_in(b),
        }
    }

    /// The block chain of a node, innermost first (a block's chain starts at itself).
    fn chain_of(&self, n: Named) -> Vec<BlockId> {
        match n {
            Named::Step(s) => self.wf.block_chain(self.wf.steps[s].parent),
            Named::Block(b) => self.wf.block_chain(Some(b)),
        }
    }

    pub(super) fn check_graph(&mut self) {
        let edges = self.own_edges();
        self.check_parallel_members(&edges);
        self.check_cycles(&edges);
    }

    fn check_parallel_members(&mut self, edges: &[Edge]) {
        for e in edges {
            let from_chain = self.chain_of(e.from);
            let to_chain = self.chain_of(e.to);
            // The innermost parallel block holding both ends.
            let shared = from_chain.iter().copied().find(|&b| {
                matches!(self.wf.blocks[b].kind, BlockKind::Parallel { .. })
                    && to_chain.contains(&b)
                    && Named::Block(b) != e.from
                    && Named::Block(b) != e.to
            });
            let Some(p) = shared else { continue };
            let member = |chain: &[BlockId], n: Named| {
                let i = chain
                    .iter()
                    .position(|&x| x == p)
                    .expect("p is in the chain");
                if i == 0 {
                    n
                } else {
                    Named::Block(chain[i - 1])
                }
            };
            if member(&from_chain, e.from) != member(&to_chain, e.to) {
                let (from, to) = (self.node_name(e.from), self.node_name(e.to));
                let head = self.block_header[p];
                self.report(dc::parallel_member_dependency(
                    e.span, &from, &to, head, e.implied,
                ));
            }
        }
    }

    fn check_cycles(&mut self, edges: &[Edge]) {
        let n = self.wf.steps.len();
        // Step-level adjacency: (to, edge index), with block edges inherited by members.
        let mut adj: Vec<Vec<(StepId, usize)>> = vec![Vec::new(); n];
        for (i, e) in edges.iter().enumerate() {
            let targets = self.steps_of(e.to);
            for from in self.steps_of(e.from) {
                for &to in &targets {
                    if from != to && !adj[from].iter().any(|&(t, _)| t == to) {
                        adj[from].push((to, i));
                    }
                }
            }
        }
        for scc in tarjan(&adj) {
            if scc.len() < 2 {
                continue;
            }
            let start = *scc.iter().min().expect("non-empty");
            let path = cycle_path(&adj, &scc, start);
            let cycle: Vec<CycleEdge> = path
                .iter()
                .map(|&(from, to, ei)| CycleEdge {
                    from: self.wf.steps[from].name.clone(),
                    to: self.wf.steps[to].name.clone(),
                    span: edges[ei].span,
                    implied: edges[ei].implied,
                })
                .collect();
            self.report(dc::dependency_cycle(&cycle));
        }
    }
}

/// Strongly connected components (Tarjan), each sorted.
fn tarjan(adj: &[Vec<(usize, usize)>]) -> Vec<Vec<usize>> {
    struct State<'a> {
        adj: &'a [Vec<(usize, usize)>],
        index: Vec<Option<usize>>,
        low: Vec<usize>,
        on_stack: Vec<bool>,
        stack: Vec<usize>,
        next: usize,
        out: Vec<Vec<usize>>,
    }
    fn visit(s: &mut State, v: usize) {
        s.index[v] = Some(s.next);
        s.low[v] = s.next;
        s.next += 1;
        s.stack.push(v);
        s.on_stack[v] = true;
        for &(w, _) in &s.adj[v] {
            match s.index[w] {
                None => {
                    visit(s, w);
                    s.low[v] = s.low[v].min(s.low[w]);
                }
                Some(iw) if s.on_stack[w] => s.low[v] = s.low[v].min(iw),
                _ => {}
            }
        }
        if Some(s.low[v]) == s.index[v] {
            let mut comp = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack[w] = false;
                comp.push(w);
                if w == v {
                    break;
                }
            }
            comp.sort_unstable();
            s.out.push(comp);
        }
    }
    let n = adj.len();
    let mut s = State {
        adj,
        index: vec![None; n],
        low: vec![0; n],
        on_stack: vec![false; n],
        stack: Vec::new(),
        next: 0,
        out: Vec::new(),
    };
    for v in 0..n {
        if s.index[v].is_none() {
            visit(&mut s, v);
        }
    }
    s.out.sort();
    s.out
}

/// A shortest cycle through `start` inside the component: (from, to, edge index) hops.
fn cycle_path(
    adj: &[Vec<(usize, usize)>],
    scc: &[usize],
    start: usize,
) -> Vec<(usize, usize, usize)> {
    use std::collections::{HashMap, VecDeque};
    let mut prev: HashMap<usize, (usize, usize)> = HashMap::new();
    let mut queue = VecDeque::from([start]);
    while let Some(v) = queue.pop_front() {
        for &(w, ei) in &adj[v] {
            if !scc.contains(&w) {
                continue;
            }
            if w == start {
                let mut path = vec![(v, w, ei)];
                let mut cur = v;
                while cur != start {
                    let (p, pe) = prev[&cur];
                    path.push((p, cur, pe));
                    cur = p;
                }
                path.reverse();
                return path;
            }
            if let std::collections::hash_map::Entry::Vacant(e) = prev.entry(w) {
                e.insert((v, ei));
                queue.push_back(w);
            }
        }
    }
    Vec::new()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_cycles() {
        // 0 -> 1 -> 2 -> 0, 3 -> 0
        let adj = vec![vec![(1, 0)], vec![(2, 1)], vec![(0, 2)], vec![(0, 3)]];
        let sccs = tarjan(&adj);
        assert!(sccs.contains(&vec![0, 1, 2]));
        let path = cycle_path(&adj, &[0, 1, 2], 0);
        assert_eq!(path, vec![(0, 1, 0), (1, 2, 1), (2, 0, 2)]);
    }
}

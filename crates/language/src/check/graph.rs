//! The dependency graph: explicit (`depends on`) and implied (output reads)
//! edges between steps, with block-level dependencies inherited by every step
//! inside the block, and the edges that only order: `after` (and `.status`
//! reads) and a `sequence`'s members, each after the one before. Reports
//! cycles (every edge labelled) and members of a `parallel` block that depend
//! on each other.

use super::{Checker, Named};
use crate::diag::check::{self as dc, CycleEdge, OrderEdge, OrderHow};
use crate::ir::{BlockId, BlockKind, Dep, DepTarget, StepId};
use crate::span::Span;

/// One dependency as written or implied: `from` waits for `to`.
#[derive(Clone, Copy, Debug)]
pub(super) struct Edge {
    pub from: Named,
    pub to: Named,
    span: Span,
    how: OrderHow,
}

impl Checker<'_> {
    /// Every dependency the user wrote or implied, at the node that states it,
    /// in a stable order (a cycle report finds an edge again by its index).
    /// An iterator rather than a list: the layers of a large workflow have
    /// ~100,000 edges, and a list of them was the check's largest allocation.
    /// With `sequences`, each member of a `sequence` waits for the one before.
    pub(super) fn edges(&self, sequences: bool) -> impl Iterator<Item = Edge> + '_ {
        let steps = self.wf.steps.iter().flat_map(move |s| {
            let after = s.after.iter().map(move |d| Edge {
                from: Named::Step(s.id),
                to: named(d),
                span: d.span,
                how: OrderHow::After,
            });
            node_edges(Named::Step(s.id), &s.depends_on, &self.step_reads[s.id]).chain(after)
        });
        let blocks = self.wf.blocks.iter().flat_map(move |b| {
            node_edges(Named::Block(b.id), &b.depends_on, &self.block_reads[b.id])
        });
        let order = self
            .wf
            .blocks
            .iter()
            .filter(move |b| sequences && self.wf.orders_members(b.id))
            .flat_map(move |b| self.sequence_edges(b.id));
        // `any(…)` members: dependencies like the others, for cycles.
        let any = self.wf.depends_any.iter().flat_map(|a| {
            let from = match a.holder {
                crate::ir::Node::Step(s) => Named::Step(s),
                crate::ir::Node::Block(b) => Named::Block(b),
            };
            node_edges(from, &a.members, &[])
        });
        steps.chain(blocks).chain(order).chain(any)
    }

    /// Each member of sequence `q` waits for the member before it.
    fn sequence_edges(&self, q: BlockId) -> Vec<Edge> {
        let members = self.wf.sequence_members(q);
        let mut out = Vec::new();
        for w in members.windows(2) {
            for &from in &w[1] {
                for &to in &w[0] {
                    let (from, span) = match from {
                        crate::ir::Node::Step(s) => (Named::Step(s), self.wf.steps[s].name_span),
                        crate::ir::Node::Block(b) => (Named::Block(b), self.block_header[b]),
                    };
                    let to = match to {
                        crate::ir::Node::Step(s) => Named::Step(s),
                        crate::ir::Node::Block(b) => Named::Block(b),
                    };
                    out.push(Edge {
                        from,
                        to,
                        span,
                        how: OrderHow::Sequence,
                    });
                }
            }
        }
        out
    }

    /// The steps a node stands for (no allocation for a step).
    fn steps_of(&self, n: Named) -> Steps {
        match n {
            Named::Step(s) => Steps::One([s]),
            Named::Block(b) => Steps::Many(self.wf.steps_in(b)),
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
        let any_sequence = self
            .wf
            .blocks
            .iter()
            .any(|b| matches!(b.kind, BlockKind::Sequence { .. }));
        // (Collected only when there is a sequence: on a large workflow the
        // edges are the check's largest allocation.)
        let written: Vec<(Named, Named, Span)> = if any_sequence {
            self.edges(false).map(|e| (e.from, e.to, e.span)).collect()
        } else {
            Vec::new()
        };
        let backwards = self.check_order(&written);
        self.check_parallel_members();
        self.check_cycles(!backwards);
        self.lint_unordered_gates();
    }

    fn check_parallel_members(&mut self) {
        let any_parallel = self
            .wf
            .blocks
            .iter()
            .any(|b| matches!(b.kind, BlockKind::Parallel { .. }));
        if !any_parallel {
            return;
        }
        let mut found = Vec::new();
        for e in self.edges(false) {
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
                found.push((e, p));
            }
        }
        for (e, p) in found {
            let (from, to) = (self.node_name(e.from), self.node_name(e.to));
            let head = self.block_header[p];
            let implied = e.how == OrderHow::Reads;
            self.report(dc::parallel_member_dependency(
                e.span, &from, &to, head, implied,
            ));
        }
    }

    fn check_cycles(&mut self, sequences: bool) {
        let n = self.wf.steps.len();
        // Step-level adjacency, with block edges inherited by members.
        let adj = {
            let mut counts = vec![0u32; n];
            for e in self.edges(sequences) {
                let targets = self.steps_of(e.to).len() as u32;
                for &from in self.steps_of(e.from).iter() {
                    counts[from] += targets;
                }
            }
            let mut adj = Adjacency::with_counts(&counts);
            for e in self.edges(sequences) {
                let targets = self.steps_of(e.to);
                for &from in self.steps_of(e.from).iter() {
                    for &to in targets.iter().filter(|&&to| to != from) {
                        adj.push(from, to);
                    }
                }
            }
            adj.dedup();
            adj
        };
        // The usual case, checked without the components' bookkeeping.
        if adj.acyclic() {
            return;
        }
        let paths: Vec<_> = tarjan(&adj)
            .into_iter()
            .filter(|scc| scc.len() >= 2)
            .map(|scc| {
                let start = *scc.iter().min().expect("non-empty");
                cycle_path(&adj, &scc, start)
            })
            .collect();
        drop(adj);
        // The edge each hop of a cycle stands for: the first (in the order
        // of `edges`) between its two steps, found in one more pass.
        let mut found: std::collections::HashMap<(usize, usize), Option<Edge>> =
            paths.iter().flatten().map(|&hop| (hop, None)).collect();
        for e in self.edges(sequences) {
            let targets = self.steps_of(e.to);
            for &from in self.steps_of(e.from).iter() {
                for &to in targets.iter() {
                    if let Some(slot @ None) = found.get_mut(&(from, to)) {
                        *slot = Some(e);
                    }
                }
            }
        }
        for path in paths {
            let hops: Vec<(usize, usize, Edge)> = path
                .iter()
                .map(|&(from, to)| {
                    let e = found[&(from, to)].expect("every hop is an edge");
                    (from, to, e)
                })
                .collect();
            let ordering = hops
                .iter()
                .any(|(.., e)| matches!(e.how, OrderHow::After | OrderHow::Sequence));
            if ordering {
                let cycle: Vec<OrderEdge> = hops
                    .iter()
                    .map(|&(from, to, e)| OrderEdge {
                        from: self.wf.steps[from].name.clone(),
                        to: self.wf.steps[to].name.clone(),
                        span: e.span,
                        how: e.how,
                    })
                    .collect();
                self.report(dc::ordering_cycle(&cycle));
                continue;
            }
            let cycle: Vec<CycleEdge> = hops
                .iter()
                .map(|&(from, to, e)| CycleEdge {
                    from: self.wf.steps[from].name.clone(),
                    to: self.wf.steps[to].name.clone(),
                    span: e.span,
                    implied: e.how == OrderHow::Reads,
                })
                .collect();
            self.report(dc::dependency_cycle(&cycle));
        }
    }
}

/// The steps of a node: one step, or a block's members.
enum Steps {
    One([StepId; 1]),
    Many(Vec<StepId>),
}

impl std::ops::Deref for Steps {
    type Target = [StepId];
    fn deref(&self) -> &[StepId] {
        match self {
            Steps::One(s) => s,
            Steps::Many(v) => v,
        }
    }
}

/// The edges a node states: written (`depends on`), then implied (reads).
fn node_edges<'a>(
    from: Named,
    deps: &'a [Dep],
    reads: &'a [(StepId, Span)],
) -> impl Iterator<Item = Edge> + 'a {
    let written = deps.iter().map(move |d| Edge {
        from,
        to: named(d),
        span: d.span,
        how: OrderHow::DependsOn,
    });
    let implied = reads.iter().map(move |&(t, span)| Edge {
        from,
        to: Named::Step(t),
        span,
        how: OrderHow::Reads,
    });
    written.chain(implied)
}

/// What a resolved `depends on` or `after` entry names.
fn named(d: &Dep) -> Named {
    match d.target() {
        DepTarget::Step(s) => Named::Step(s),
        DepTarget::Block(b) => Named::Block(b),
    }
}

/// A step-level graph in one flat list (compressed rows): 4 bytes an edge,
/// against ~26 for a `Vec` per step with its growth slack.
struct Adjacency {
    /// Row `v` is `hops[start[v]..start[v] + len[v]]`.
    start: Vec<u32>,
    len: Vec<u32>,
    hops: Vec<u32>,
}

impl Adjacency {
    /// Room for `counts[v]` hops out of each step `v`.
    fn with_counts(counts: &[u32]) -> Adjacency {
        let mut start = Vec::with_capacity(counts.len());
        let mut total = 0u32;
        for &c in counts {
            start.push(total);
            total += c;
        }
        Adjacency {
            start,
            len: vec![0; counts.len()],
            hops: vec![0; total as usize],
        }
    }

    fn push(&mut self, from: usize, to: usize) {
        let at = (self.start[from] + self.len[from]) as usize;
        self.hops[at] = to as u32;
        self.len[from] += 1;
    }

    /// Keeps the first hop of each row to each target, in order.
    fn dedup(&mut self) {
        let mut seen = vec![u32::MAX; self.start.len()];
        for v in 0..self.start.len() {
            let (s, n) = (self.start[v] as usize, self.len[v] as usize);
            let mut kept = 0;
            for i in s..s + n {
                let to = self.hops[i];
                if seen[to as usize] != v as u32 {
                    seen[to as usize] = v as u32;
                    self.hops[s + kept] = to;
                    kept += 1;
                }
            }
            self.len[v] = kept as u32;
        }
    }

    fn nodes(&self) -> usize {
        self.start.len()
    }

    /// The steps `v` has a hop to.
    fn row(&self, v: usize) -> impl Iterator<Item = usize> + '_ {
        let s = self.start[v] as usize;
        self.hops[s..s + self.len[v] as usize]
            .iter()
            .map(|&t| t as usize)
    }

    /// No cycle (Kahn: every node can be taken once nothing points at it).
    fn acyclic(&self) -> bool {
        let n = self.nodes();
        let mut indeg = vec![0u32; n];
        for v in 0..n {
            for w in self.row(v) {
                indeg[w] += 1;
            }
        }
        let mut ready: Vec<usize> = (0..n).filter(|&v| indeg[v] == 0).collect();
        let mut taken = 0;
        while let Some(v) = ready.pop() {
            taken += 1;
            for w in self.row(v) {
                indeg[w] -= 1;
                if indeg[w] == 0 {
                    ready.push(w);
                }
            }
        }
        taken == n
    }
}

/// Strongly connected components (Tarjan), each sorted.
fn tarjan(adj: &Adjacency) -> Vec<Vec<usize>> {
    struct State<'a> {
        adj: &'a Adjacency,
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
        for w in s.adj.row(v) {
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
    let n = adj.nodes();
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

/// A shortest cycle through `start` inside the component: (from, to) hops.
fn cycle_path(adj: &Adjacency, scc: &[usize], start: usize) -> Vec<(usize, usize)> {
    use std::collections::{HashMap, VecDeque};
    let mut prev: HashMap<usize, usize> = HashMap::new();
    let mut queue = VecDeque::from([start]);
    while let Some(v) = queue.pop_front() {
        for w in adj.row(v) {
            if !scc.contains(&w) {
                continue;
            }
            if w == start {
                let mut path = vec![(v, w)];
                let mut cur = v;
                while cur != start {
                    let p = prev[&cur];
                    path.push((p, cur));
                    cur = p;
                }
                path.reverse();
                return path;
            }
            if let std::collections::hash_map::Entry::Vacant(e) = prev.entry(w) {
                e.insert(v);
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
        let mut adj = Adjacency::with_counts(&[2, 1, 1, 1]);
        for (from, to) in [(0, 1), (0, 1), (1, 2), (2, 0), (3, 0)] {
            adj.push(from, to);
        }
        adj.dedup();
        assert_eq!(adj.row(0).collect::<Vec<_>>(), [1]);
        assert!(!adj.acyclic());
        let sccs = tarjan(&adj);
        assert!(sccs.contains(&vec![0, 1, 2]));
        let path = cycle_path(&adj, &[0, 1, 2], 0);
        assert_eq!(path, vec![(0, 1), (1, 2), (2, 0)]);
    }

    #[test]
    fn a_dag_is_acyclic() {
        // 0 -> 1 -> 2, 0 -> 2, 3 -> 0
        let mut adj = Adjacency::with_counts(&[2, 1, 0, 1]);
        for (from, to) in [(0, 1), (0, 2), (1, 2), (3, 0)] {
            adj.push(from, to);
        }
        assert!(adj.acyclic());
    }
}

//! Transitive reduction: an edge `a → c` is dropped when `a` already waits
//! for `c` through another path (`a → b → … → c`), so the plan shows only
//! the dependencies that matter.
//!
//! For each step with several dependencies, the dependencies are visited by
//! decreasing depth (longest path from a root); a search from each marks what
//! it reaches, and a dependency already marked is redundant. The search never
//! goes below the shallowest dependency not reached yet, and stops once every
//! dependency is reached, so on real workflows it touches a few nodes per
//! step (linear in steps + edges); the worst case is O(V·E).
//!
//! Paths through a member of a `wait any` block do not count (the block may
//! succeed through another member), and edges to such members are kept. A
//! dependency (the step must succeed or be absent) counts as implied only by
//! a path along which a failure stops everything after it: dependencies, and
//! a sequential loop's next iteration after a step whose failure fails the
//! run (it breaks the loop). An edge that only orders (a guarded read, a
//! sequence after an optional step) is implied by any path.

use super::rows::Rows;
use super::{EdgeKind, Graph, InstanceId};

/// Longest-path depth of each node from a root (0 for roots), in a DAG
/// given by the dependents of each node; also a topological order
/// (dependencies first).
pub fn depths(dependents: &Rows) -> (Vec<usize>, Vec<InstanceId>) {
    let n = dependents.len();
    let mut indeg = dependents.in_degrees();
    let mut order: Vec<InstanceId> = (0..n).filter(|&v| indeg[v] == 0).collect();
    let mut depth = vec![0usize; n];
    let mut i = 0;
    while i < order.len() {
        let v = order[i];
        i += 1;
        for w in dependents.row(v) {
            depth[w] = depth[w].max(depth[v] + 1);
            indeg[w] -= 1;
            if indeg[w] == 0 {
                order.push(w);
            }
        }
    }
    (depth, order)
}

pub fn reduce(g: &mut Graph) {
    let n = g.steps.len();
    let (depth, order) = depths(&g.dependents());
    // Steps that may end without succeeding while the run goes on: optional
    // ones and what depends on them.
    let mut quiet = vec![false; n];
    for &v in &order {
        let s = &g.steps[v];
        quiet[v] = s.optional || s.deps.iter().any(|d| !d.why.orders_only() && quiet[d.on()]);
    }
    let mut s = Search {
        g,
        depth: &depth,
        quiet: &quiet,
        through: g.steps.iter().map(|s| s.wait_any.is_none()).collect(),
        mark: vec![0; n],
        want: vec![0; n],
        stamp: 0,
        stack: Vec::new(),
    };
    // Applied at the end: the search reads the lists as they are. (Dropping
    // a redundant edge never changes what reaches what.)
    let mut drops: Vec<(InstanceId, Vec<InstanceId>)> = Vec::new();
    for v in 0..n {
        let deps = &g.steps[v].deps;
        if deps.len() < 2 {
            continue;
        }
        // A dependency (a step must succeed or be absent) is redundant only
        // through a path of dependencies: one that only orders would let `v`
        // run when the step failed. An ordering edge is redundant through
        // any path.
        let hard: Vec<InstanceId> = deps
            .iter()
            .filter(|d| stops(d, &quiet))
            .map(|d| d.on())
            .collect();
        let some_soft = hard.len() < deps.len();
        let mut redundant = Vec::new();
        if hard.len() >= 2 {
            redundant = s.redundant(hard, true);
        }
        if some_soft {
            let all: Vec<InstanceId> = deps.iter().map(|d| d.on()).collect();
            let soft = s.redundant(all, false);
            redundant.extend(
                soft.into_iter()
                    .filter(|&d| deps.iter().any(|e| e.on() == d && !stops(e, &quiet))),
            );
        }
        if !redundant.is_empty() {
            drops.push((v, redundant));
        }
    }
    for (v, redundant) in drops {
        g.steps[v].deps.retain(|d| !redundant.contains(&d.on()));
    }
}

/// Whether a failure of the step the edge waits for stops its dependent: a
/// dependency, or a sequential loop's next iteration after a step that
/// cannot fail without failing the run (its failure breaks the loop).
fn stops(d: &super::Dep, quiet: &[bool]) -> bool {
    !d.why.orders_only() || (d.why == EdgeKind::Sequence && !quiet[d.on()])
}

/// The reachability search of [`reduce`], with its scratch space.
struct Search<'g> {
    g: &'g Graph,
    depth: &'g [usize],
    quiet: &'g [bool],
    /// Whether paths may go on through a node (not a `wait any` member).
    through: Vec<bool>,
    mark: Vec<u32>,
    want: Vec<u32>,
    stamp: u32,
    stack: Vec<InstanceId>,
}

impl Search<'_> {
    /// Which of `deps` another of them reaches (through dependencies only,
    /// with `hard`).
    fn redundant(&mut self, mut order: Vec<InstanceId>, hard: bool) -> Vec<InstanceId> {
        let g = self.g;
        let depth = self.depth;
        let quiet = self.quiet;
        let follow = |x: InstanceId| {
            g.steps[x]
                .deps
                .iter()
                .filter(move |d| !hard || stops(d, quiet))
                .map(|d| d.on())
        };
        self.stamp += 1;
        let stamp = self.stamp;
        order.sort_by_key(|&d| (std::cmp::Reverse(depth[d]), d));
        order.dedup();
        for &d in &order {
            self.want[d] = stamp;
        }
        // Dependencies not reached yet: once none is left, every later one is
        // redundant and the search stops. The shallowest of them bounds it
        // (a path down to a node only meets nodes deeper than it).
        let mut left = order.len();
        let mut shallowest = order.len() - 1;
        let mut redundant = Vec::new();
        'deps: for &d in &order {
            if self.mark[d] == stamp {
                if self.through[d] {
                    redundant.push(d);
                }
                continue;
            }
            self.mark[d] = stamp;
            left -= 1;
            if !self.through[d] {
                continue;
            }
            self.stack.clear();
            self.stack.push(d);
            while let Some(x) = self.stack.pop() {
                if left == 0 {
                    continue 'deps;
                }
                while self.mark[order[shallowest]] == stamp && shallowest > 0 {
                    shallowest -= 1;
                }
                let floor = depth[order[shallowest]];
                for y in follow(x) {
                    if self.mark[y] != stamp && depth[y] >= floor {
                        self.mark[y] = stamp;
                        if self.want[y] == stamp {
                            left -= 1;
                        }
                        if self.through[y] {
                            self.stack.push(y);
                        }
                    }
                }
            }
        }
        redundant
    }
}

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
//! succeed through another member), and edges to such members are kept.

use super::rows::Rows;
use super::{Graph, InstanceId};

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
    let deps_of = |v: usize| g.steps[v].deps.iter().map(|d| d.on());
    let (depth, _) = depths(&g.dependents());
    let through: Vec<bool> = g.steps.iter().map(|s| s.wait_any.is_none()).collect();
    let mut mark = vec![0u32; n];
    let mut want = vec![0u32; n];
    let mut stamp = 0u32;
    let mut stack = Vec::new();
    // Applied at the end: the search reads the lists as they are. (Dropping
    // a redundant edge never changes what reaches what.)
    let mut drops: Vec<(InstanceId, Vec<InstanceId>)> = Vec::new();
    for v in 0..n {
        if g.steps[v].deps.len() < 2 {
            continue;
        }
        stamp += 1;
        let mut order: Vec<InstanceId> = deps_of(v).collect();
        order.sort_by_key(|&d| (std::cmp::Reverse(depth[d]), d));
        order.dedup();
        for &d in &order {
            want[d] = stamp;
        }
        // Dependencies not reached yet: once none is left, every later one is
        // redundant and the search stops. The shallowest of them bounds it
        // (a path down to a node only meets nodes deeper than it).
        let mut left = order.len();
        let mut shallowest = order.len() - 1;
        let mut redundant = Vec::new();
        'deps: for &d in &order {
            if mark[d] == stamp {
                if through[d] {
                    redundant.push(d);
                }
                continue;
            }
            mark[d] = stamp;
            left -= 1;
            if !through[d] {
                continue;
            }
            stack.clear();
            stack.push(d);
            while let Some(x) = stack.pop() {
                if left == 0 {
                    continue 'deps;
                }
                while mark[order[shallowest]] == stamp && shallowest > 0 {
                    shallowest -= 1;
                }
                let floor = depth[order[shallowest]];
                for y in deps_of(x) {
                    if mark[y] != stamp && depth[y] >= floor {
                        mark[y] = stamp;
                        if want[y] == stamp {
                            left -= 1;
                        }
                        if through[y] {
                            stack.push(y);
                        }
                    }
                }
            }
        }
        if !redundant.is_empty() {
            drops.push((v, redundant));
        }
    }
    for (v, redundant) in drops {
        g.steps[v].deps.retain(|d| !redundant.contains(&d.on()));
    }
}

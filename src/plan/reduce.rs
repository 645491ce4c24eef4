//! Transitive reduction: an edge `a → c` is dropped when `a` already waits
//! for `c` through another path (`a → b → … → c`), so the plan shows only
//! the dependencies that matter.
//!
//! For each step with several dependencies, the dependencies are visited by
//! decreasing depth (longest path from a root); a search from each marks what
//! it reaches, and a dependency already marked is redundant. The search never
//! goes below the shallowest dependency, so on real workflows it touches a
//! few nodes per step (linear in steps + edges); the worst case is O(V·E).
//!
//! Paths through a member of a `wait any` block do not count (the block may
//! succeed through another member), and edges to such members are kept.

use super::{Graph, InstanceId};

/// Longest-path depth of each node from a root (0 for roots), in a DAG
/// given as dependency lists; also a topological order (dependencies first).
pub fn depths(deps: &[Vec<InstanceId>]) -> (Vec<usize>, Vec<InstanceId>) {
    let n = deps.len();
    let mut dependents = vec![Vec::new(); n];
    let mut indeg = vec![0usize; n];
    for (v, ds) in deps.iter().enumerate() {
        indeg[v] = ds.len();
        for &d in ds {
            dependents[d].push(v);
        }
    }
    let mut order: Vec<InstanceId> = (0..n).filter(|&v| indeg[v] == 0).collect();
    let mut depth = vec![0usize; n];
    let mut i = 0;
    while i < order.len() {
        let v = order[i];
        i += 1;
        for &w in &dependents[v] {
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
    let deps = g.deps();
    let (depth, _) = depths(&deps);
    let through: Vec<bool> = g.steps.iter().map(|s| s.wait_any.is_none()).collect();
    let mut mark = vec![0u32; deps.len()];
    let mut stamp = 0u32;
    let mut stack = Vec::new();
    for v in 0..deps.len() {
        if deps[v].len() < 2 {
            continue;
        }
        stamp += 1;
        let mut order: Vec<InstanceId> = deps[v].clone();
        order.sort_by_key(|&d| (std::cmp::Reverse(depth[d]), d));
        let floor = order.iter().map(|&d| depth[d]).min().unwrap_or(0);
        let mut redundant = Vec::new();
        for &d in &order {
            if mark[d] == stamp {
                if through[d] {
                    redundant.push(d);
                }
                continue;
            }
            mark[d] = stamp;
            if !through[d] {
                continue;
            }
            stack.push(d);
            while let Some(x) = stack.pop() {
                for &y in &deps[x] {
                    if mark[y] != stamp && depth[y] >= floor {
                        mark[y] = stamp;
                        if through[y] {
                            stack.push(y);
                        }
                    }
                }
            }
        }
        if !redundant.is_empty() {
            g.steps[v].deps.retain(|d| !redundant.contains(&d.on));
        }
    }
}

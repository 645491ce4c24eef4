//! [`Rows`]: a graph's adjacency lists as compressed rows.
//!
//! One flat array of `u32` node ids and the offset where each node's row
//! starts, instead of a vector per node. Scheduling walks the dependents of
//! each instance; on 5,000 steps in layers of 20 (100,000 edges) a vector per
//! node cost 0.8 MB for the dependencies and 1.6 MB for the dependents (with
//! growth slack), at the peak of planning. The dependents as rows cost 0.4 MB.

use super::InstanceId;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Rows {
    /// `start[v]..start[v + 1]` is where node `v`'s row is in `flat`.
    start: Vec<u32>,
    flat: Vec<u32>,
}

/// A plan has far fewer than 2^32 instances and edges.
fn id(v: usize) -> u32 {
    u32::try_from(v).expect("fewer than 2^32 nodes and edges")
}

impl Rows {
    /// The reversed graph of `n` nodes whose edges out of `v` are `edges(v)`
    /// (called twice per node): `w` is in row `v` of the result when `v` is
    /// in `edges(w)`. Given each node's dependencies, these are its
    /// dependents, each row in increasing order.
    pub fn reversed<I: IntoIterator<Item = InstanceId>>(
        n: usize,
        edges: impl Fn(usize) -> I,
    ) -> Rows {
        let mut start = vec![0u32; n + 1];
        for v in 0..n {
            for d in edges(v) {
                start[d + 1] += 1;
            }
        }
        for i in 0..n {
            start[i + 1] += start[i];
        }
        let mut next = start.clone();
        let mut flat = vec![0u32; start[n] as usize];
        for v in 0..n {
            for d in edges(v) {
                flat[next[d] as usize] = id(v);
                next[d] += 1;
            }
        }
        Rows { start, flat }
    }

    /// How many times each node appears in the rows: given the dependents
    /// of each node, how many dependencies each has.
    pub fn in_degrees(&self) -> Vec<usize> {
        let mut deg = vec![0usize; self.len()];
        for &w in &self.flat {
            deg[w as usize] += 1;
        }
        deg
    }

    /// Number of nodes.
    pub fn len(&self) -> usize {
        self.start.len().saturating_sub(1)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Node `v`'s row.
    pub fn row(&self, v: usize) -> impl ExactSizeIterator<Item = InstanceId> + '_ {
        let (a, b) = (self.start[v] as usize, self.start[v + 1] as usize);
        self.flat[a..b].iter().map(|&w| w as InstanceId)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dependents_from_dependencies() {
        let deps = [vec![], vec![0], vec![0, 1], vec![2]];
        let rows = Rows::reversed(deps.len(), |v| deps[v].iter().copied());
        assert_eq!(rows.len(), 4);
        let dependents: Vec<Vec<usize>> = (0..4).map(|v| rows.row(v).collect()).collect();
        assert_eq!(dependents, vec![vec![1, 2], vec![2], vec![3], vec![]]);
        assert_eq!(rows.in_degrees(), [0, 1, 2, 1]);
        // Reversed twice: the dependencies again.
        let back = Rows::reversed(4, |v| rows.row(v));
        let deps_again: Vec<Vec<usize>> = (0..4).map(|v| back.row(v).collect()).collect();
        assert_eq!(deps_again, deps);
    }

    #[test]
    fn no_nodes() {
        let rows = Rows::reversed(0, |_| Vec::new());
        assert!(rows.is_empty());
        assert!(rows.in_degrees().is_empty());
    }
}

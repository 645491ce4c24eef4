//! A layered layout of a directed graph, done by hand: each node's layer is
//! the longest path to it from a node that waits for nothing (layers run
//! left to right, so a long chain scrolls sideways), and a few barycenter
//! sweeps order each layer to cross fewer edges.
//!
//! Bounded for big runs: the layering is linear, and the sweeps (a sort per
//! layer per sweep) are skipped above [`SWEEP_LIMIT`] nodes.

/// Above this many nodes, layers keep plan order: no crossing reduction.
pub const SWEEP_LIMIT: usize = 500;
/// Down-and-up passes of the barycenter heuristic.
const SWEEPS: usize = 4;

/// Where each node goes: its layer (column) and its row within the layer.
#[derive(Debug, PartialEq)]
pub struct Layout {
    pub layer: Vec<usize>,
    pub row: Vec<usize>,
    /// How many layers, and the most rows of any layer.
    pub layers: usize,
    pub rows: usize,
    /// The nodes of each layer, top to bottom.
    pub columns: Vec<Vec<usize>>,
}

/// Lays out `n` nodes with `edges` (from, to). A cycle (two collapsed
/// groups that feed each other) is broken at its earliest node.
pub fn layout(n: usize, edges: &[(usize, usize)]) -> Layout {
    let mut preds = vec![Vec::new(); n];
    let mut succs = vec![Vec::new(); n];
    for &(a, b) in edges {
        if a != b && a < n && b < n {
            succs[a].push(b);
            preds[b].push(a);
        }
    }
    let layer = layers(&preds, &succs);
    let layers = layer.iter().max().map_or(0, |m| m + 1);
    let mut columns = vec![Vec::new(); layers];
    for (v, &l) in layer.iter().enumerate() {
        columns[l].push(v);
    }
    let mut row = vec![0; n];
    set_rows(&columns, &mut row);
    if n <= SWEEP_LIMIT {
        for _ in 0..SWEEPS {
            for col in columns.iter_mut().skip(1) {
                reorder(col, &preds, &mut row);
            }
            for col in columns.iter_mut().rev().skip(1) {
                reorder(col, &succs, &mut row);
            }
        }
    }
    let rows = columns.iter().map(Vec::len).max().unwrap_or(0);
    Layout {
        layer,
        row,
        layers,
        rows,
        columns,
    }
}

/// Longest-path layering in topological order (Kahn's algorithm); when
/// only nodes on a cycle remain, the earliest is taken as it stands.
fn layers(preds: &[Vec<usize>], succs: &[Vec<usize>]) -> Vec<usize> {
    let n = preds.len();
    let mut waiting: Vec<usize> = preds.iter().map(Vec::len).collect();
    let mut layer = vec![0; n];
    let mut done = vec![false; n];
    let mut ready: std::collections::VecDeque<usize> =
        (0..n).filter(|&v| waiting[v] == 0).collect();
    let mut next_forced = 0;
    let mut placed = 0;
    while placed < n {
        let v = match ready.pop_front() {
            Some(v) => v,
            None => {
                while done[next_forced] {
                    next_forced += 1;
                }
                next_forced
            }
        };
        if done[v] {
            continue;
        }
        done[v] = true;
        placed += 1;
        for &w in &succs[v] {
            if !done[w] {
                layer[w] = layer[w].max(layer[v] + 1);
                waiting[w] -= 1;
                if waiting[w] == 0 {
                    ready.push_back(w);
                }
            }
        }
    }
    layer
}

fn set_rows(columns: &[Vec<usize>], row: &mut [usize]) {
    for col in columns {
        for (r, &v) in col.iter().enumerate() {
            row[v] = r;
        }
    }
}

/// Orders a layer by the mean row of each node's neighbours in `adjacent`
/// (a node with none keeps its row as its key); stable, so ties keep order.
fn reorder(col: &mut [usize], adjacent: &[Vec<usize>], row: &mut [usize]) {
    let key = |v: usize| -> f64 {
        let ns = &adjacent[v];
        if ns.is_empty() {
            row[v] as f64
        } else {
            ns.iter().map(|&u| row[u] as f64).sum::<f64>() / ns.len() as f64
        }
    };
    let mut keyed: Vec<(f64, usize)> = col.iter().map(|&v| (key(v), v)).collect();
    keyed.sort_by(|a, b| a.0.total_cmp(&b.0));
    for (r, (_, v)) in keyed.into_iter().enumerate() {
        col[r] = v;
        row[v] = r;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Edges whose ends swap order between two adjacent layers.
    fn crossings(l: &Layout, edges: &[(usize, usize)]) -> usize {
        let mut n = 0;
        for (i, &(a, b)) in edges.iter().enumerate() {
            for &(c, d) in &edges[i + 1..] {
                let same = l.layer[a] == l.layer[c] && l.layer[b] == l.layer[d];
                let (ra, rb, rc, rd) = (l.row[a], l.row[b], l.row[c], l.row[d]);
                if same && ((ra < rc && rb > rd) || (ra > rc && rb < rd)) {
                    n += 1;
                }
            }
        }
        n
    }

    #[test]
    fn layers_are_longest_paths() {
        // a → b → d, a → c → d, a → d
        let edges = [(0, 1), (0, 2), (1, 3), (2, 3), (0, 3)];
        let l = layout(4, &edges);
        assert_eq!(l.layer, [0, 1, 1, 2]);
        assert_eq!((l.layers, l.rows), (3, 2));
    }

    #[test]
    fn sweeps_undo_crossings() {
        // Two chains, the second layer given crossed: 0→3, 1→2.
        let edges = [(0, 3), (1, 2), (3, 4), (2, 5)];
        let l = layout(6, &edges);
        assert_eq!(crossings(&l, &edges), 0, "{l:?}");
    }

    #[test]
    fn a_cycle_is_broken_not_looped_on() {
        let l = layout(3, &[(0, 1), (1, 2), (2, 1)]);
        assert_eq!(l.layer[0], 0);
        assert_eq!(l.layers, 3);
    }

    #[test]
    fn a_long_chain_is_one_row_and_a_fan_out_one_column() {
        let chain: Vec<(usize, usize)> = (1..5000).map(|i| (i - 1, i)).collect();
        let l = layout(5000, &chain);
        assert_eq!((l.layers, l.rows), (5000, 1));
        let fan: Vec<(usize, usize)> = (1..2001).flat_map(|i| [(0, i), (i, 2001)]).collect();
        let l = layout(2002, &fan);
        assert_eq!((l.layers, l.rows), (3, 2000));
    }
}

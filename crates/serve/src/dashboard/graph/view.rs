//! What the run graph draws: the recorded graph's instances, with each big
//! `for each` fan-out collapsed into one node, and each node's status.
//!
//! Instances `BASE[…]` of more than [`COLLAPSE_OVER`] are one node for
//! `BASE` (its `data-group`), counted by status; edges to and from them are
//! re-routed to it, once each.

use std::collections::{BTreeMap, HashMap, HashSet};
use wfc_store::run_graph::RunGraph;

/// A loop's instances of one step are collapsed above this many.
pub const COLLAPSE_OVER: usize = 12;

/// The statuses a collapsed group always counts (`pending`: not started),
/// in the order it shows them; other statuses are counted when present.
pub const COUNTED: [&str; 5] = ["succeeded", "failed", "running", "waiting", "pending"];

/// A node as drawn.
#[derive(Debug)]
pub enum Shown {
    /// One instance: its index in the recorded graph and its status.
    Step { node: usize, status: String },
    /// A collapsed fan-out: instances `base[…]`.
    Group {
        base: String,
        /// The loop it belongs to (`for each region in regions`), if recorded.
        title: Option<String>,
        members: Vec<usize>,
        /// Instances per status, [`COUNTED`] first.
        counts: Vec<(String, usize)>,
        /// The instances running or waiting, by status: the run page's
        /// script moves the counts from there as events come (the others
        /// are pending, or ended and get no more events).
        going: BTreeMap<String, Vec<usize>>,
        status: &'static str,
        critical: bool,
    },
}

/// The drawn graph: nodes and deduplicated edges between them.
#[derive(Debug)]
pub struct View {
    pub nodes: Vec<Shown>,
    pub edges: Vec<(usize, usize)>,
}

/// `ship` of `ship[eu-west]`; `None` for a name without `[`.
pub fn base(name: &str) -> Option<&str> {
    name.find('[').map(|i| &name[..i])
}

/// The view of `g`, given the steps' statuses by name (a step with none has
/// not started: `pending`).
pub fn view(g: &RunGraph, statuses: &HashMap<String, String>) -> View {
    let status = |i: usize| {
        statuses
            .get(&g.nodes[i].name)
            .map_or("pending", String::as_str)
    };
    // Instances of each base, in plan order.
    let mut by_base: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, n) in g.nodes.iter().enumerate() {
        if let Some(b) = base(&n.name) {
            by_base.entry(b).or_default().push(i);
        }
    }
    let mut shown_as = vec![usize::MAX; g.nodes.len()];
    let mut nodes = Vec::new();
    for i in 0..g.nodes.len() {
        if shown_as[i] != usize::MAX {
            continue;
        }
        let members = base(&g.nodes[i].name)
            .and_then(|b| by_base.get(b))
            .filter(|ms| ms.len() > COLLAPSE_OVER);
        let Some(members) = members else {
            shown_as[i] = nodes.len();
            nodes.push(Shown::Step {
                node: i,
                status: status(i).to_owned(),
            });
            continue;
        };
        for &m in members {
            shown_as[m] = nodes.len();
        }
        let counts = count(members.iter().map(|&m| status(m)));
        let mut going: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for &m in members {
            if matches!(status(m), "running" | "waiting") {
                going.entry(status(m).to_owned()).or_default().push(m);
            }
        }
        let title = (g.nodes[i].group)
            .and_then(|grp| g.groups.get(grp))
            .map(|grp| grp.name.clone());
        nodes.push(Shown::Group {
            base: base(&g.nodes[i].name).unwrap_or_default().to_owned(),
            title,
            status: overall(&counts),
            critical: members.iter().any(|&m| g.nodes[m].critical),
            members: members.clone(),
            counts,
            going,
        });
    }
    let mut seen = HashSet::new();
    let mut edges = Vec::new();
    for (i, n) in g.nodes.iter().enumerate() {
        for &d in n.deps.iter().filter(|&&d| d < g.nodes.len()) {
            let e = (shown_as[d], shown_as[i]);
            if e.0 != e.1 && seen.insert(e) {
                edges.push(e);
            }
        }
    }
    View { nodes, edges }
}

/// Instances per status: [`COUNTED`] always, then any other, by name.
fn count<'a>(statuses: impl Iterator<Item = &'a str>) -> Vec<(String, usize)> {
    let mut other: BTreeMap<&str, usize> = BTreeMap::new();
    let mut counted = [0; COUNTED.len()];
    for s in statuses {
        match COUNTED.iter().position(|c| *c == s) {
            Some(k) => counted[k] += 1,
            None => *other.entry(s).or_default() += 1,
        }
    }
    (COUNTED.iter().zip(counted))
        .map(|(s, n)| (s.to_string(), n))
        .chain(other.into_iter().map(|(s, n)| (s.to_owned(), n)))
        .collect()
}

/// A group's colour: failed if any failed, then running, waiting; succeeded
/// when every instance that ran succeeded; pending when none started;
/// otherwise `mixed`.
fn overall(counts: &[(String, usize)]) -> &'static str {
    let n = |s: &str| counts.iter().find(|(k, _)| k == s).map_or(0, |c| c.1);
    let total: usize = counts.iter().map(|c| c.1).sum();
    if n("failed") + n("timed_out") > 0 {
        "failed"
    } else if n("running") > 0 {
        "running"
    } else if n("waiting") > 0 {
        "waiting"
    } else if n("pending") == total {
        "pending"
    } else if n("succeeded") + n("skipped") == total {
        "succeeded"
    } else {
        "mixed"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wfc_store::run_graph::Node;

    fn node(name: &str, deps: &[usize]) -> Node {
        Node {
            name: name.into(),
            kind: "shell".into(),
            deps: deps.to_vec(),
            ..Node::default()
        }
    }

    #[test]
    fn a_big_fan_out_is_one_node_counted_by_status() {
        let mut nodes = vec![node("a", &[])];
        for i in 0..20 {
            nodes.push(node(&format!("ship[r{i}]"), &[0]));
        }
        nodes.push(node("z", &(1..=20).collect::<Vec<_>>()));
        // A small loop stays drawn instance by instance.
        nodes.push(node("probe[x]", &[21]));
        let g = RunGraph {
            nodes,
            ..RunGraph::default()
        };
        let mut st: HashMap<String, String> = HashMap::new();
        st.insert("ship[r0]".into(), "failed".into());
        st.insert("ship[r1]".into(), "skipped".into());
        for i in 2..20 {
            st.insert(format!("ship[r{i}]"), "succeeded".into());
        }
        let v = view(&g, &st);
        assert_eq!(v.nodes.len(), 4);
        assert_eq!(v.edges, [(0, 1), (1, 2), (2, 3)]);
        let Shown::Group {
            base,
            counts,
            status,
            members,
            ..
        } = &v.nodes[1]
        else {
            panic!("{:?}", v.nodes[1])
        };
        assert_eq!(
            (base.as_str(), members.len(), *status),
            ("ship", 20, "failed")
        );
        assert_eq!(counts[0], ("succeeded".into(), 18));
        assert_eq!(counts[1], ("failed".into(), 1));
        assert_eq!(counts[4], ("pending".into(), 0));
        assert_eq!(counts[5], ("skipped".into(), 1));
        assert!(matches!(&v.nodes[3], Shown::Step { status, .. } if status == "pending"));
    }
}

//! Unrolling, at run time, a `for each` whose list was known only then.
//!
//! The compiler plans such a loop's body once, as template instances
//! (`work[*]`, see [`GroupKind::ForEach::iterations`]). When the run reaches
//! the loop and its list is known, [`expand`] appends one copy of the
//! templates per item, exactly as the compiler would have unrolled them:
//! named after the item (`work[a]`), the item bound, edges inside an
//! iteration kept inside it, sequential iterations chained. Each template
//! stays in the graph as a *join* of its copies: it waits for all of them, and
//! whoever depended on the template (or read its outputs as a list) now waits
//! for (or reads) the copies.
//!
//! Supported: a loop whose body holds only steps (no `parallel` block or
//! loop inside) and that is not itself inside a run-time loop or a
//! `wait any` block; [`unsupported`] says why another cannot run.

use super::link::chain;
use super::{Dep, EdgeKind, Graph, GroupId, GroupKind, InstanceId, RefTarget, Value};

/// What [`expand`] added.
#[derive(Debug, Default, PartialEq)]
pub struct Expansion {
    /// Per template (in the loop's member order): its copies, in item order.
    pub copies: Vec<(InstanceId, Vec<InstanceId>)>,
}

impl Expansion {
    /// The template an added instance is a copy of.
    pub fn template_of(&self, v: InstanceId) -> Option<InstanceId> {
        self.copies
            .iter()
            .find(|(_, cs)| cs.contains(&v))
            .map(|(t, _)| *t)
    }
}

/// Why the run-time loop `group` cannot be unrolled by [`expand`], if so.
pub fn unsupported(graph: &Graph, group: GroupId) -> Option<&'static str> {
    let inside = |g: GroupId| {
        let mut cur = graph.groups[g].parent;
        while let Some(p) = cur {
            if p == group {
                return true;
            }
            cur = graph.groups[p].parent;
        }
        false
    };
    if (0..graph.groups.len()).any(inside) {
        return Some("its body holds a `parallel` block or a loop");
    }
    let mut cur = graph.groups[group].parent;
    while let Some(p) = cur {
        match &graph.groups[p].kind {
            GroupKind::ForEach {
                iterations: None, ..
            } => return Some("it is inside another loop over a run-time list"),
            GroupKind::Parallel {
                wait: crate::ir::Wait::Any,
            } => return Some("it is inside a `parallel … wait any` block"),
            _ => {}
        }
        cur = graph.groups[p].parent;
    }
    None
}

/// Unrolls the run-time loop `group` over `items` (see the module docs).
/// The caller checked [`unsupported`].
pub fn expand(graph: &mut Graph, group: GroupId, items: &[Value]) -> Expansion {
    let (block, var, sequential) = match &graph.groups[group].kind {
        GroupKind::ForEach { var, parallel, .. } => {
            (graph.groups[group].block, var.clone(), parallel.is_none())
        }
        GroupKind::Parallel { .. } => return Expansion::default(),
    };
    let templates = graph.groups[group].members.clone();
    let suffixes = super::compile::suffixes(items);
    let mut copies: Vec<(InstanceId, Vec<InstanceId>)> =
        templates.iter().map(|&t| (t, Vec::new())).collect();
    let mut iterations = Vec::with_capacity(items.len());
    for (item, suffix) in items.iter().zip(&suffixes) {
        let first = graph.steps.len();
        let copy_of = |t: InstanceId| templates.iter().position(|&x| x == t).map(|i| first + i);
        let mut added = Vec::with_capacity(templates.len());
        for &t in &templates {
            let mut s = graph.steps[t].clone();
            s.name = s.name.replacen("[*]", &format!("[{suffix}]"), 1);
            s.items.push((block, var.clone(), item.clone()));
            if let Some(rb) = &mut s.rollback {
                // The compensation sees this iteration's item too.
                for r in &mut rb.steps {
                    r.name = r.name.replacen("[*]", &format!("[{suffix}]"), 1);
                    r.items.push((block, var.clone(), item.clone()));
                    for read in r.reads.iter_mut().filter(|read| read.main) {
                        if let RefTarget::One(x) = read.target {
                            if let Some(c) = copy_of(x) {
                                read.target = RefTarget::One(c);
                            }
                        }
                    }
                }
            }
            for d in &mut s.deps {
                if let Some(c) = copy_of(d.on()) {
                    *d = Dep::new(c, d.why);
                }
            }
            for r in &mut s.reads {
                if let RefTarget::One(x) = r.target {
                    if let Some(c) = copy_of(x) {
                        r.target = RefTarget::One(c);
                    }
                }
            }
            added.push(s);
        }
        let ids: Vec<InstanceId> = (first..first + added.len()).collect();
        graph.steps.extend(added);
        for (k, &c) in ids.iter().enumerate() {
            copies[k].1.push(c);
        }
        iterations.push(ids);
    }
    if sequential {
        chain(graph, &iterations);
    }
    // The templates become joins of their copies.
    for (t, cs) in &copies {
        let deps = &mut graph.steps[*t].deps;
        deps.retain(|d| !templates.contains(&d.on()));
        deps.extend(cs.iter().map(|&c| Dep::new(c, EdgeKind::Block)));
    }
    // Readers of a template's outputs as a list read its copies.
    reread(graph, &copies, false);
    reread(graph, &copies, true);
    let grp = &mut graph.groups[group];
    grp.members = iterations.concat();
    if let GroupKind::ForEach {
        iterations: its, ..
    } = &mut grp.kind
    {
        *its = Some(iterations);
    }
    Expansion { copies }
}

/// Points reads of templates' outputs as lists (`work.stdout` outside the
/// loop) at the templates' copies: in `graph`'s reads of its own steps, or
/// with `main`, in its reads of the main graph (a handler's, a compensation's).
pub fn reread(graph: &mut Graph, copies: &[(InstanceId, Vec<InstanceId>)], main: bool) {
    let mut stack: Vec<&mut Graph> = vec![graph];
    while let Some(g) = stack.pop() {
        for s in &mut g.steps {
            for r in s.reads.iter_mut().filter(|r| r.main == main) {
                if let RefTarget::List(xs) = &mut r.target {
                    if xs.iter().any(|x| copies.iter().any(|(t, _)| t == x)) {
                        *xs = xs
                            .iter()
                            .flat_map(|x| match copies.iter().find(|(t, _)| t == x) {
                                Some((_, cs)) => cs.clone(),
                                None => vec![*x],
                            })
                            .collect();
                    }
                }
            }
            if main {
                if let Some(rb) = s.rollback.as_deref_mut() {
                    stack.push(rb);
                }
            }
        }
    }
}

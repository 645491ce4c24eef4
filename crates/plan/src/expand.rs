//! Unrolling, at run time, a `for each` whose list was known only then.
//!
//! The compiler plans such a loop's body once, as template instances
//! (`work[*]`, see [`GroupKind::ForEach::iterations`]). When the run reaches
//! the loop and its list is known, [`expand`] appends one copy of the
//! templates per item, exactly as the compiler would have unrolled them:
//! named after the item (`work[a]`), the item bound, edges inside an
//! iteration kept inside it, sequential iterations (and batches) chained. Each template
//! stays in the graph as a *join* of its copies: it waits for all of them, and
//! whoever depended on the template (or read its outputs as a list) now waits
//! for (or reads) the copies.
//!
//! Blocks and loops inside the body are copied per iteration as well; a
//! run-time loop inside is unrolled in its turn, once per copy. Inside a
//! `parallel` block (a `wait any` race), the copies take the templates'
//! place among the block's members: every iteration's steps race.

use super::link::{batch_size, batches, chain};
use super::{Dep, EdgeKind, Graph, GroupId, GroupKind, InstanceId, OutputRef, RefTarget, Value};

/// What [`expand`] added.
#[derive(Debug, Default, PartialEq)]
pub struct Expansion {
    /// Per template (in the loop's member order): its copies, in item order.
    pub copies: Vec<(InstanceId, Vec<InstanceId>)>,
}

/// The most steps a run's graph holds, run-time loops unrolled: the plan's
/// bound (E0413), kept when the run unrolls a loop whose list came late.
pub const MAX_STEPS: usize = crate::inline::bounds::MAX_STEPS;

/// The steps `graph` holds, each instance's compensation steps included
/// (as E0413 counts a plan).
pub fn held(graph: &Graph) -> usize {
    graph
        .steps
        .iter()
        .map(|s| 1 + s.rollback.as_deref().map_or(0, held))
        .fold(0, usize::saturating_add)
}

/// The steps [`expand`] would add unrolling `group` over `items` items:
/// one copy of each template (and of its compensation) per item. Counted
/// before anything is copied, so a list of a million lines costs nothing.
pub fn added(graph: &Graph, group: GroupId, items: usize) -> usize {
    let each = graph.groups[group]
        .members
        .iter()
        .map(|&t| 1 + graph.steps[t].rollback.as_deref().map_or(0, held))
        .fold(0, usize::saturating_add);
    each.saturating_mul(items)
}

/// Whether group `g` lies inside group `outer`.
pub fn within(graph: &Graph, g: GroupId, outer: GroupId) -> bool {
    let mut cur = graph.groups[g].parent;
    while let Some(p) = cur {
        if p == outer {
            return true;
        }
        cur = graph.groups[p].parent;
    }
    false
}

/// Unrolls the run-time loop `group` over `items` (see the module docs).
pub fn expand(graph: &mut Graph, group: GroupId, items: &[Value]) -> Expansion {
    let (block, var, chained, secret) = match &graph.groups[group].kind {
        GroupKind::ForEach {
            var,
            parallel,
            batch,
            iter,
            ..
        } => (
            graph.groups[group].block,
            var.clone(),
            batch_size(*parallel, *batch),
            iter.tainted,
        ),
        GroupKind::Parallel { .. } | GroupKind::Sequence => return Expansion::default(),
    };
    let templates = graph.groups[group].members.clone();
    // Blocks and loops inside the body: copied per iteration too.
    let inner: Vec<GroupId> = (0..graph.groups.len())
        .filter(|&g| within(graph, g, group))
        .collect();
    let suffixes = super::compile::suffixes(items, secret);
    let mut copies: Vec<(InstanceId, Vec<InstanceId>)> =
        templates.iter().map(|&t| (t, Vec::new())).collect();
    let mut iterations = Vec::with_capacity(items.len());
    for (item, suffix) in items.iter().zip(&suffixes) {
        let first = graph.steps.len();
        let copy_of = |t: InstanceId| templates.iter().position(|&x| x == t).map(|i| first + i);
        let gfirst = graph.groups.len();
        let group_of = |g: GroupId| inner.iter().position(|&x| x == g).map_or(g, |i| gfirst + i);
        let mut added = Vec::with_capacity(templates.len());
        for &t in &templates {
            let mut s = graph.steps[t].clone();
            s.name = s.name.replacen("[*]", &format!("[{suffix}]"), 1);
            s.items.push((block, var.clone(), item.clone()));
            s.group = s.group.map(group_of);
            s.wait_any = s.wait_any.map(group_of);
            if let Some(rb) = &mut s.rollback {
                // The compensation sees this iteration's item too.
                for r in &mut rb.steps {
                    r.name = r.name.replacen("[*]", &format!("[{suffix}]"), 1);
                    r.items.push((block, var.clone(), item.clone()));
                    retarget(&mut r.reads, true, &copy_of);
                }
            }
            for d in &mut s.deps {
                if let Some(c) = copy_of(d.on()) {
                    *d = Dep::new(c, d.why);
                }
            }
            retarget(&mut s.reads, false, &copy_of);
            added.push(s);
        }
        let ids: Vec<InstanceId> = (first..first + added.len()).collect();
        graph.steps.extend(added);
        for &g in &inner {
            let mut copy = graph.groups[g].clone();
            copy.name = copy.name.replacen("[*]", &format!("[{suffix}]"), 1);
            copy.parent = copy.parent.map(group_of);
            copy.members = copy.members.iter().filter_map(|&m| copy_of(m)).collect();
            if let GroupKind::ForEach {
                iterations: Some(its),
                ..
            } = &mut copy.kind
            {
                for it in its.iter_mut() {
                    *it = it.iter().filter_map(|&m| copy_of(m)).collect();
                }
            }
            graph.groups.push(copy);
        }
        for (k, &c) in ids.iter().enumerate() {
            copies[k].1.push(c);
        }
        iterations.push(ids);
    }
    if let Some(size) = chained {
        chain(graph, &batches(&iterations, size));
    }
    // The templates' inner blocks and loops are left empty, and the
    // templates become joins of their copies.
    for &g in &inner {
        graph.groups[g].members.clear();
        if let GroupKind::ForEach { iterations, .. } = &mut graph.groups[g].kind {
            *iterations = Some(Vec::new());
        }
    }
    for (t, cs) in &copies {
        graph.steps[*t].wait_any = None;
        let deps = &mut graph.steps[*t].deps;
        deps.retain(|d| !templates.contains(&d.on()));
        deps.extend(cs.iter().map(|&c| Dep::new(c, EdgeKind::Block)));
    }
    // The blocks around the loop count the copies as members instead.
    for g in 0..graph.groups.len() {
        if matches!(graph.groups[g].kind, GroupKind::Parallel { .. }) && within(graph, group, g) {
            let members = std::mem::take(&mut graph.groups[g].members);
            graph.groups[g].members = members
                .into_iter()
                .flat_map(|m| match copies.iter().find(|(t, _)| *t == m) {
                    Some((_, cs)) => cs.clone(),
                    None => vec![m],
                })
                .collect();
        }
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

/// Points reads of one template (in `main` or not) at its copy in this iteration.
fn retarget(
    reads: &mut [OutputRef],
    main: bool,
    copy_of: &impl Fn(InstanceId) -> Option<InstanceId>,
) {
    for r in reads.iter_mut().filter(|r| r.main == main) {
        if let RefTarget::One(x) = r.target {
            if let Some(c) = copy_of(x) {
                r.target = RefTarget::One(c);
            }
        }
    }
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

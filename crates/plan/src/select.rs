//! `--target STEP` and `--from STEP`: a compiled plan cut down to part of
//! its main graph, as Make, Snakemake, dbt (`--select orders+`) and
//! Dagster's "materialize selected" do.
//!
//! - `--target`: those steps and what they need — what they wait for
//!   (an `after` and a sequential loop's earlier iteration too, as Make
//!   builds order-only prerequisites: the plan's edges are reduced, so an
//!   ordering edge may stand for a dependency) and what they read.
//! - `--from`: those steps and everything after them (by any edge); the
//!   steps they need that do not run are taken from the last run that had
//!   them ([`Plan::earlier`]), each as a step with no dependencies.
//! - both: the `--from` part of what the targets need.
//!
//! A name is an instance (`build[eu]`) or a step (`build`: all its
//! instances). Handlers, rollbacks and the workflow's outputs stay; what
//! they read of a left-out step is absent, as for a step pruned by `if`.

use super::{Dep, Graph, InstanceId, OutputRef, Plan, Pruned, RefTarget};
use wfc_language::diag::{did_you_mean, Diagnostic};

/// What `--target` and `--from` asked for (both empty: the whole plan).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Selection {
    pub targets: Vec<String>,
    pub from: Vec<String>,
}

impl Selection {
    pub fn is_empty(&self) -> bool {
        self.targets.is_empty() && self.from.is_empty()
    }
}

/// Cuts `plan` down to `sel`: E0805 for a name that is no step.
pub fn select(plan: &mut Plan, sel: &Selection) -> Result<(), Diagnostic> {
    if sel.is_empty() {
        return Ok(());
    }
    let g = &plan.main;
    let n = g.steps.len();
    let targets = resolve(g, &sel.targets, "--target")?;
    let from = resolve(g, &sel.from, "--from")?;
    let needs = needs(g);
    let wanted = (!targets.is_empty()).then(|| closure(&targets, n, |v| needs[v].clone()));
    let mut keep = vec![false; n];
    let mut earlier = vec![false; n];
    if from.is_empty() {
        keep = wanted.unwrap_or(keep);
    } else {
        let dependents = g.dependents();
        let after = closure(&from, n, |v| dependents.row(v).collect());
        let runs: Vec<bool> = match &wanted {
            Some(w) => after.iter().zip(w).map(|(a, w)| *a && *w).collect(),
            None => after,
        };
        if !runs.iter().any(|r| *r) {
            return Err(Diagnostic::error(
                "E0805",
                format!(
                    "nothing to run: no step of {} comes after {}",
                    list(&sel.targets, "--target"),
                    list(&sel.from, "--from")
                ),
            )
            .help("`--from` names a step the targets need, or one of them"));
        }
        for v in (0..n).filter(|&v| runs[v]) {
            keep[v] = true;
            for &d in &needs[v] {
                if !runs[d] {
                    keep[d] = true;
                    earlier[d] = true;
                }
            }
        }
    }
    // A loop over a list known only at run time is planned once, as `x[*]`:
    // which iterations an earlier run had, the plan cannot say.
    if let Some(v) = (0..n).find(|&v| earlier[v] && g.steps[v].name.contains("[*]")) {
        let name = &g.steps[v].name;
        return Err(Diagnostic::error(
            "E0805",
            format!("--from: `{name}` would be taken from an earlier run, but its iterations are known only at run time"),
        )
        .help(format!("start from `{}` too, or from a step before it", name.replace("[*]", ""))));
    }
    let why = match (sel.targets.is_empty(), sel.from.is_empty()) {
        (false, true) => format!("not needed by {}", list(&sel.targets, "--target")),
        (true, false) => format!(
            "not after {} and not needed by what is",
            list(&sel.from, "--from")
        ),
        _ => format!(
            "not needed by {} after {}",
            list(&sel.targets, "--target"),
            list(&sel.from, "--from")
        ),
    };
    cut(plan, &keep, &earlier, why);
    plan.selection = Some(sel.clone());
    Ok(())
}

/// `--target a --target b` as the user wrote it.
fn list(names: &[String], flag: &str) -> String {
    names
        .iter()
        .map(|s| format!("`{flag} {s}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The instances each name stands for (sorted, deduplicated).
fn resolve(g: &Graph, names: &[String], flag: &str) -> Result<Vec<InstanceId>, Diagnostic> {
    let mut out = Vec::new();
    for name in names {
        let before = out.len();
        for (v, s) in g.steps.iter().enumerate() {
            let template = s.name.split('[').next().unwrap_or(&s.name);
            if s.name == *name || template == name {
                out.push(v);
            }
        }
        if out.len() == before {
            let mut d = Diagnostic::error(
                "E0805",
                format!("{flag} {name}: no step of the plan has that name"),
            );
            let names = g.steps.iter().map(|s| s.name.as_str());
            let templates = g.steps.iter().filter_map(|s| s.name.split('[').next());
            d = match did_you_mean(name, names.chain(templates)) {
                Some(m) => d.help(format!("did you mean `{m}`?")),
                None => d.help("`wfc plan FILE` lists the steps; a loop's step name stands for all its iterations"),
            };
            return Err(d);
        }
    }
    out.sort_unstable();
    out.dedup();
    Ok(out)
}

/// What each instance needs to have run: what it waits for and what it
/// reads.
fn needs(g: &Graph) -> Vec<Vec<InstanceId>> {
    g.steps
        .iter()
        .map(|s| {
            let mut v: Vec<InstanceId> = s.deps.iter().map(Dep::on).collect();
            for r in s.reads.iter().filter(|r| !r.main) {
                match &r.target {
                    RefTarget::One(i) => v.push(*i),
                    RefTarget::List(is) => v.extend(is),
                    RefTarget::Absent => {}
                }
            }
            v.sort_unstable();
            v.dedup();
            v
        })
        .collect()
}

/// `start` and everything `next` reaches from it.
fn closure(
    start: &[InstanceId],
    n: usize,
    next: impl Fn(InstanceId) -> Vec<InstanceId>,
) -> Vec<bool> {
    let mut seen = vec![false; n];
    let mut stack = start.to_vec();
    while let Some(v) = stack.pop() {
        if std::mem::replace(&mut seen[v], true) {
            continue;
        }
        stack.extend(next(v).into_iter().filter(|&w| !seen[w]));
    }
    seen
}

/// Keeps the instances `keep` marks, renumbered; those `earlier` marks lose
/// their dependencies and are listed in [`Plan::earlier`].
fn cut(plan: &mut Plan, keep: &[bool], earlier: &[bool], why: String) {
    let mut to = vec![None; keep.len()];
    let mut next = 0;
    for (v, k) in keep.iter().enumerate() {
        if *k {
            to[v] = Some(next);
            next += 1;
        }
    }
    let map = |v: InstanceId| to[v];
    let main = std::mem::take(&mut plan.main);
    let left: Vec<String> = (main.steps.iter().enumerate())
        .filter(|(v, _)| !keep[*v])
        .map(|(_, s)| s.name.clone())
        .collect();
    let span = main
        .steps
        .iter()
        .zip(keep)
        .find(|(_, k)| !**k)
        .map(|(s, _)| s.span);
    let (groups, group_to) = groups(main.groups, &map);
    let mut steps = Vec::with_capacity(next);
    for (v, mut s) in main.steps.into_iter().enumerate() {
        if !keep[v] {
            continue;
        }
        // A kept step's groups hold it, so they are kept.
        s.group = s.group.and_then(|i| group_to[i]);
        s.wait_any = s.wait_any.and_then(|i| group_to[i]);
        if earlier[v] {
            s.deps.clear();
            s.any = Box::default();
            s.condition = None;
            plan.earlier.push(steps.len());
        } else {
            s.deps = s
                .deps
                .iter()
                .filter_map(|d| map(d.on()).map(|w| Dep::new(w, d.why)))
                .collect();
            for a in s.any.iter_mut() {
                for m in &mut a.members {
                    *m = m.iter().filter_map(|&i| map(i)).collect();
                }
            }
        }
        remap_reads(&mut s.reads, false, &map);
        if let Some(rb) = &mut s.rollback {
            remap_graph_reads(rb, &map);
        }
        steps.push(s);
    }
    plan.main = Graph { steps, groups };
    for h in &mut plan.handlers {
        remap_graph_reads(&mut h.graph, &map);
    }
    for o in &mut plan.outputs {
        remap_reads(&mut o.reads, false, &map);
    }
    if let Some(span) = span {
        plan.pruned.push(Pruned {
            steps: left,
            reason: why,
            span,
        });
    }
    let s = &plan.schedule;
    plan.schedule = super::schedule::schedule(&plan.main, s.jobs, &s.jobs_source);
}

/// Reads of the main graph (`main`: as a handler or rollback marks them).
fn remap_reads(reads: &mut [OutputRef], main: bool, map: &impl Fn(InstanceId) -> Option<usize>) {
    for r in reads.iter_mut().filter(|r| r.main == main) {
        r.target = match &r.target {
            RefTarget::One(i) => map(*i).map_or(RefTarget::Absent, RefTarget::One),
            RefTarget::List(is) => RefTarget::List(is.iter().filter_map(|&i| map(i)).collect()),
            RefTarget::Absent => RefTarget::Absent,
        };
    }
}

/// A handler's or rollback's reads of the main graph.
fn remap_graph_reads(g: &mut Graph, map: &impl Fn(InstanceId) -> Option<usize>) {
    for s in &mut g.steps {
        remap_reads(&mut s.reads, true, map);
        if let Some(rb) = &mut s.rollback {
            remap_graph_reads(rb, map);
        }
    }
}

/// The groups with members left, renumbered (and each old group's new
/// number); a group's parent is its nearest kept ancestor.
fn groups(
    groups: Vec<super::Group>,
    map: &impl Fn(InstanceId) -> Option<usize>,
) -> (Vec<super::Group>, Vec<Option<usize>>) {
    let mut to: Vec<Option<usize>> = vec![None; groups.len()];
    let parents: Vec<Option<usize>> = groups.iter().map(|g| g.parent).collect();
    let mut out = Vec::new();
    for (i, mut grp) in groups.into_iter().enumerate() {
        grp.members = grp.members.iter().filter_map(|&m| map(m)).collect();
        if grp.members.is_empty() {
            continue;
        }
        if let super::GroupKind::ForEach {
            iterations: Some(its),
            ..
        } = &mut grp.kind
        {
            for it in its.iter_mut() {
                *it = it.iter().filter_map(|&m| map(m)).collect();
            }
            its.retain(|it| !it.is_empty());
        }
        let mut p = grp.parent;
        while let Some(q) = p {
            if to[q].is_some() {
                break;
            }
            p = parents[q];
        }
        grp.parent = p.and_then(|q| to[q]);
        to[i] = Some(out.len());
        out.push(grp);
    }
    (out, to)
}

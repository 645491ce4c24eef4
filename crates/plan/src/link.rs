//! Linking a walked graph: fields folded with each instance's items,
//! `depends on` of steps and blocks expanded to instances (the same iteration
//! of shared loops, every iteration of the others), implied edges from output
//! reads and run-time conditions, output references resolved, sequential
//! iterations chained, then transitive reduction and estimates.

use super::compile::Builder;
use super::eval::{self, Scope};
use super::*;
use wfc_language::ir::{BlockKind, Role, SequenceOrder};

impl Builder<'_> {
    /// Instances of `t` that an instance with loop path `path` refers to:
    /// the same iteration of every loop both are in, every iteration of the others.
    ///
    /// The loops both are in are the outermost of `t`'s (blocks nest), and
    /// `t`'s instances were made in iteration order: the match is one run of
    /// them, found by binary search. (A linear filter made plans of nested
    /// loops quadratic: 4,096 instances took 85 s.)
    pub(crate) fn matching(
        &self,
        t: StepId,
        path: &[(BlockId, usize)],
    ) -> impl Iterator<Item = InstanceId> + '_ {
        let all = self.inst_of.get(&t).map_or(&[][..], Vec::as_slice);
        let Some(&first) = all.first() else {
            return all.iter().copied();
        };
        if self.ctx_of[first].loops.is_empty() {
            return all.iter().copied(); // outside loops: its one instance
        }
        let key: Vec<usize> = self.ctx_of[first]
            .loops
            .iter()
            .map_while(|&(b, ..)| path.iter().find(|(pb, _)| *pb == b).map(|&(_, it)| it))
            .collect();
        let prefix = |i: InstanceId| {
            self.ctx_of[i]
                .loops
                .iter()
                .map(|&(_, it, ..)| it)
                .take(key.len())
        };
        let lo = all.partition_point(|&i| prefix(i).lt(key.iter().copied()));
        let hi = lo + all[lo..].partition_point(|&i| prefix(i).eq(key.iter().copied()));
        all[lo..hi].iter().copied()
    }

    /// How a read of `t` from `path` resolves.
    pub(crate) fn resolve(&self, t: StepId, path: &[(BlockId, usize)]) -> RefTarget {
        let found: Vec<InstanceId> = self.matching(t, path).collect();
        let in_other_loop = self
            .wf
            .block_chain(self.wf.steps[t].parent)
            .iter()
            .any(|b| {
                matches!(self.wf.blocks[*b].kind, BlockKind::ForEach { .. })
                    && !path.iter().any(|(pb, _)| pb == b)
            });
        match found.as_slice() {
            [] => RefTarget::Absent,
            [one] if !in_other_loop => RefTarget::One(*one),
            _ => RefTarget::List(found),
        }
    }

    /// Folds fields, expands dependencies, resolves output reads, chains
    /// sequential iterations, reduces edges and estimates every instance.
    /// `main` is the main graph when this is a handler or rollback.
    pub(crate) fn link(&mut self, main: Option<&Builder>, estimator: &dyn Estimator) {
        let wf = self.wf;
        let present: Vec<bool> = (0..wf.steps.len())
            .map(|t| {
                let local = matches!(wf.steps[t].role, Role::Main) == main.is_none();
                let b = if local { Some(&*self) } else { main };
                b.is_some_and(|b| b.inst_of.get(&t).is_some_and(|v| !v.is_empty()))
            })
            .collect();
        let pruned = |t: StepId| !present[t];
        // Each block header's reads, once: a loop's list may be a literal of
        // thousands of items, which every instance inside walked again
        // (quadratic: `wfc plan` of a flat loop of 8,192 items took 0.47 s,
        // 0.09 s with this).
        // Each step's place in its sequences, found once for the graph.
        let order = wf.sequence_order();
        let header_reads: Vec<Vec<(StepId, bool)>> = wf
            .blocks
            .iter()
            .map(|b| {
                let mut reads = Vec::new();
                let mut note = |s, guarded| reads.push((s, guarded));
                match &b.kind {
                    BlockKind::IfBranch { cond: Some(c), .. } => c.guarded_reads(&mut note),
                    BlockKind::ForEach { iter, .. } => iter.guarded_reads(&mut note),
                    _ => {}
                }
                reads
            })
            .collect();
        for i in 0..self.graph.steps.len() {
            let ctx = &self.ctx_of[i];
            let path = ctx.path();
            let items = ctx.items();
            let scope = self.scope(&items, &pruned);
            let mut failures = Vec::new();
            let fields = self.graph.steps[i]
                .fields
                .iter()
                .map(|f| wfc_language::ir::StepField {
                    name: f.name.clone(),
                    span: f.span,
                    value: fold_field(&f.value, &scope, &mut failures),
                })
                .collect::<Vec<_>>();
            let name = &wf.steps[self.graph.steps[i].step].name;
            let what = format!("a field of step `{name}`");
            let mut failed: Vec<Diagnostic> = failures
                .drain(..)
                .map(|(span, why)| super::errors::eval_failed(span, &what, &why))
                .collect();
            let step = &wf.steps[self.graph.steps[i].step];
            // Reads in the step's fields, its blocks' headers and its
            // run-time condition: one outside `default(…)` anywhere makes the
            // edge to that step a dependency; guarded only, it just orders.
            let mut unguarded = rustc_hash::FxHashSet::default();
            let mut note = |s: StepId, guarded: bool| {
                if !guarded {
                    unguarded.insert(s);
                }
            };
            for f in &step.fields {
                f.value.guarded_reads(&mut note);
            }
            for b in wf.region_chain(step.parent) {
                for &(s, guarded) in &header_reads[b] {
                    note(s, guarded);
                }
            }
            if let Some(c) = &self.graph.steps[i].condition {
                c.guarded_reads(&mut note);
            }
            let any_members = Self::any_members(wf, step.id);
            let read_kind = |s: StepId| {
                if any_members.contains(&s) {
                    EdgeKind::Any
                } else if unguarded.contains(&s) {
                    EdgeKind::Implied
                } else {
                    EdgeKind::After
                }
            };
            // Dependencies: the step's own, its blocks', and run-time condition reads.
            let mut targets: Vec<(StepId, EdgeKind)> = Vec::new();
            for d in &step.depends_on {
                wf.dep_steps(d, &mut |s| targets.push((s, EdgeKind::Explicit)));
            }
            targets.extend(step.implied.iter().map(|&s| (s, read_kind(s))));
            for d in &step.after {
                wf.dep_steps(d, &mut |s| targets.push((s, EdgeKind::After)));
            }
            order.preds(wf, step.id, &mut |s| targets.push((s, EdgeKind::Previous)));
            let any = self.any_groups(wf, step.id, &path, &mut targets);
            for b in wf.region_chain(step.parent) {
                let block = &wf.blocks[b];
                for d in &block.depends_on {
                    wf.dep_steps(d, &mut |s| targets.push((s, EdgeKind::Block)));
                }
                targets.extend(block.implied.iter().map(|&s| (s, read_kind(s))));
            }
            let mut read_steps = Vec::new();
            // A loop's list read at run time: the scheduler evaluates it with
            // the reads of the loop's (template) steps.
            for b in wf.block_chain(step.parent) {
                if let BlockKind::ForEach { .. } = &wf.blocks[b].kind {
                    read_steps.extend(header_reads[b].iter().map(|&(s, _)| s));
                }
            }
            if let Some(c) = &self.graph.steps[i].condition {
                eval::step_reads(c, &mut |s| read_steps.push(s));
            }
            targets.extend(read_steps.iter().map(|&s| (s, read_kind(s))));
            for f in &fields {
                field_reads(&f.value, &mut |s| read_steps.push(s));
            }
            // The `until` may read `x.status` (an `after` edge already orders
            // it): the run resolves it as for the fields.
            if let Some(u) = &self.graph.steps[i].until {
                let own = step.id;
                eval::step_reads(&u.cond, &mut |s| {
                    if s != own {
                        read_steps.push(s);
                    }
                });
            }
            // A step absent from the plan (its branch pruned, its loop's list
            // empty) satisfies its dependents, and ordering passes through
            // it: they wait for what it would have waited for.
            let mut deps: Vec<Dep> = Vec::new();
            let mut passed = rustc_hash::FxHashSet::default();
            while let Some((t, why)) = targets.pop() {
                if matches!(wf.steps[t].role, Role::Main) != main.is_none() {
                    continue; // outputs of main-graph steps read from a handler: no edge
                }
                let mut present = false;
                for on in self.matching(t, &path) {
                    present = true;
                    if on != i {
                        deps.push(Dep::new(on, why));
                    }
                }
                if !present && passed.insert((t, why)) {
                    ir_targets(wf, &order, t, &mut |u| targets.push((u, why)));
                }
            }
            deps.sort_by_key(|d| (d.on(), d.why));
            deps.dedup_by_key(|d| d.on());
            // Without the growth slack now: 100,000 edges held 3.2 MB, not 1.6.
            deps.shrink_to_fit();
            // Output references.
            read_steps.sort_unstable();
            read_steps.dedup();
            let reads = read_steps
                .into_iter()
                .map(|t| {
                    let is_main = matches!(wf.steps[t].role, Role::Main) && main.is_some();
                    let target = match (is_main, main) {
                        (true, Some(m)) => m.resolve(t, &path),
                        _ => self.resolve(t, &path),
                    };
                    OutputRef {
                        step: t,
                        main: is_main,
                        target,
                    }
                })
                .collect();
            // (What the run decides stays in: `Shape`.)
            let cond_scope = Scope {
                params: self.shape.conds,
                loops: &items,
                pruned: &pruned,
            };
            let condition = self.graph.steps[i]
                .condition
                .as_ref()
                .map(|c| Box::new(eval::fold_checked(c, &cond_scope, &mut failures)));
            failed.extend(
                failures.into_iter().map(|(span, why)| {
                    super::errors::eval_failed(span, "this `if` condition", &why)
                }),
            );
            // A check over params and items only, false: what it compared.
            let check_false = step
                .field("check")
                .filter(|_| step.kind == wfc_language::ir::StepKind::Gate)
                .and_then(|f| match &f.value {
                    wfc_language::ir::FieldValue::Expr(c) => {
                        super::gate_check::decided_false(wf, c, &scope)
                    }
                    _ => None,
                });
            let ps = &mut self.graph.steps[i];
            ps.fields = fields;
            ps.check_false = check_false.map(Box::new);
            ps.deps = deps;
            ps.reads = reads;
            ps.condition = condition;
            ps.any = any;
            self.diags.append(&mut failed);
        }
        self.chain_sequential();
        reduce::reduce(&mut self.graph);
        for (ps, &declared) in self.graph.steps.iter_mut().zip(&self.declared_ms) {
            ps.estimate = estimator.estimate(ps, declared);
        }
    }

    /// In a loop without `parallel`, the first steps of each iteration wait for
    /// the last steps of the previous one. Inner loops first: their chains
    /// make an outer iteration's first and last steps few (outermost first,
    /// every instance of one iteration waited for every one of the last).
    fn chain_sequential(&mut self) {
        for g in (0..self.graph.groups.len()).rev() {
            let GroupKind::ForEach {
                iterations: Some(its),
                parallel,
                batch,
                ..
            } = &self.graph.groups[g].kind
            else {
                continue;
            };
            if let Some(size) = batch_size(*parallel, *batch) {
                let its = batches(its, size);
                chain(&mut self.graph, &its);
            }
        }
    }
}

/// How many iterations of a loop run between two waits: 1 for a loop
/// without `parallel`, `N` for `batch N`; `None`: no chain.
pub(crate) fn batch_size(parallel: Option<Option<u32>>, batch: bool) -> Option<usize> {
    match (parallel, batch) {
        (None, _) => Some(1),
        (Some(Some(n)), true) => Some(n.max(1) as usize),
        _ => None,
    }
}

/// The iterations' instances, `size` iterations to a batch.
pub(crate) fn batches(its: &[Vec<InstanceId>], size: usize) -> Vec<Vec<InstanceId>> {
    its.chunks(size).map(|c| c.concat()).collect()
}

/// Chains iterations: the first steps of each (those waiting for nothing in
/// it) wait (a `Sequence` edge) for the last steps of the one before (those
/// nothing in it waits for).
pub(crate) fn chain(graph: &mut Graph, its: &[Vec<InstanceId>]) {
    use rustc_hash::FxHashSet;
    for w in its.windows(2) {
        let (prev, next) = (&w[0], &w[1]);
        let members: FxHashSet<InstanceId> = prev.iter().copied().collect();
        let waited: FxHashSet<InstanceId> = prev
            .iter()
            .flat_map(|&q| graph.steps[q].deps.iter().map(|d| d.on()))
            .filter(|d| members.contains(d))
            .collect();
        let sinks: Vec<InstanceId> = prev
            .iter()
            .copied()
            .filter(|p| !waited.contains(p))
            .collect();
        let inner: FxHashSet<InstanceId> = next.iter().copied().collect();
        for &n in next {
            let inside = graph.steps[n].deps.iter().any(|d| inner.contains(&d.on()));
            if !inside {
                let deps = &mut graph.steps[n].deps;
                for &s in &sinks {
                    if !deps.iter().any(|d| d.on() == s) {
                        deps.push(Dep::new(s, EdgeKind::Sequence));
                    }
                }
            }
        }
    }
}

/// Every step `t` waits for: its `depends on`, `after` and reads, the member
/// before it in its sequences, and its blocks' dependencies.
fn ir_targets(wf: &Workflow, order: &SequenceOrder, t: StepId, f: &mut impl FnMut(StepId)) {
    let step = &wf.steps[t];
    for d in step.depends_on.iter().chain(&step.after) {
        wf.dep_steps(d, &mut *f);
    }
    order.preds(wf, t, &mut *f);
    step.implied.iter().copied().for_each(&mut *f);
    for b in wf.region_chain(step.parent) {
        for d in &wf.blocks[b].depends_on {
            wf.dep_steps(d, &mut *f);
        }
        wf.blocks[b].implied.iter().copied().for_each(&mut *f);
    }
}

fn fold_field(
    v: &wfc_language::ir::FieldValue,
    scope: &Scope,
    failures: &mut Vec<(wfc_language::span::Span, String)>,
) -> wfc_language::ir::FieldValue {
    use wfc_language::ir::FieldValue as F;
    let mut fold = |e: &Expr| eval::fold_checked(e, scope, failures);
    match v {
        F::Expr(e) => F::Expr(fold(e)),
        F::Map(m) => F::Map(m.iter().map(|(k, e)| (k.clone(), fold(e))).collect()),
        F::Mount { source, target } => F::Mount {
            source: Box::new(fold(source)),
            target: Box::new(fold(target)),
        },
        F::Keyword(k) => F::Keyword(k.clone()),
        F::Inputs(inputs) => F::Inputs(inputs.iter().map(|i| i.map_exprs(&mut fold)).collect()),
    }
}

fn field_reads(v: &wfc_language::ir::FieldValue, f: &mut impl FnMut(StepId)) {
    use wfc_language::ir::FieldValue as F;
    match v {
        F::Expr(e) => eval::step_reads(e, f),
        F::Map(m) => m.iter().for_each(|(_, e)| eval::step_reads(e, f)),
        F::Mount { source, target } => {
            eval::step_reads(source, f);
            eval::step_reads(target, f);
        }
        F::Keyword(_) => {}
        F::Inputs(inputs) => inputs
            .iter()
            .filter_map(|i| i.default.as_ref())
            .for_each(|e| eval::step_reads(e, f)),
    }
}

//! The walk over the IR that builds a [`Graph`]: dead-branch pruning of `if`
//! chains decided at plan time, `for each` unrolling over known lists,
//! `parallel` groups and run-time conditions. Dependencies and output
//! references are resolved by `super::link` once every instance exists.
//!
//! [`compile()`] drives the whole thing for a workflow: the main graph, each
//! instance's rollback, the handlers, then estimates and the schedule.

use super::eval::{self, Eval, Scope};
use super::render::expr::show;
use super::value::Value;
use super::*;
use rustc_hash::FxHashMap;
use wfc_language::ir::{BinaryOp, BlockKind, ExprKind, Names, Node, Role, Type, UnaryOp};

pub mod size;

/// Compiles a workflow with bound params into a plan scheduled for `jobs`
/// workers (`None`: the workflow's `concurrency`, else the CPU count).
pub fn compile(
    wf: &Workflow,
    params: Vec<BoundParam>,
    jobs: Option<usize>,
    run_time: RunTime,
    estimator: &dyn Estimator,
) -> Result<Plan, Vec<Diagnostic>> {
    // Counted before anything is built: loops over params' lists multiply.
    // (The values are moved for the count: a refused list is not copied.)
    let mut params = params;
    let mut values = vec![None; wf.params.len()];
    for p in &mut params {
        values[p.id] = Some(std::mem::replace(&mut p.value, Value::Null));
    }
    size::check(wf, &values).map_err(|d| vec![d])?;
    for p in &mut params {
        p.value = values[p.id].clone().unwrap_or(Value::Null);
    }
    let never = |_| false;
    let scope = Scope {
        params: &values,
        loops: &[],
        pruned: &never,
    };
    let mut out = Out::default();
    let env = wf
        .env
        .iter()
        .map(|(k, e)| {
            let mut failures = Vec::new();
            let folded = eval::fold_checked(e, &scope, &mut failures);
            out.failed(&format!("the workflow's `env` value `{k}`"), failures);
            (k.clone(), folded)
        })
        .collect();
    let lets = super::lets::plan_lets(wf, &scope);
    let lock = super::triggers::fold_lock(wf, &scope);

    // An export leaves some decisions to the run (`plan_for_export`): an
    // `if` over a secret, an `if` or a loop over a param a trigger sets.
    let by_trigger = match run_time.trigger_params {
        true => super::trigger_params::set_by_triggers(wf),
        false => Vec::new(),
    };
    // (No copy of the values when nothing is left to the run.)
    let without_triggers: Option<Vec<Option<Value>>> = (!by_trigger.is_empty()).then(|| {
        values
            .iter()
            .enumerate()
            .map(|(id, v)| v.clone().filter(|_| !by_trigger.contains(&id)))
            .collect()
    });
    let loop_values = without_triggers.as_deref().unwrap_or(&values);
    let cond_values: Vec<Option<Value>> = loop_values
        .iter()
        .zip(&wf.params)
        .map(|(v, p)| {
            v.clone()
                .filter(|_| !(run_time.secret_ifs && p.is_tainted()))
        })
        .collect();
    let shape = Shape {
        conds: &cond_values,
        loops: loop_values,
    };
    let mut main = Builder::new(wf, &values, shape);
    // One instance per main-graph step, unless loops unroll: room up front
    // saves the growth slack of thousands of instances.
    let in_main = wf.steps.iter().filter(|s| s.role == Role::Main).count();
    main.graph.steps.reserve_exact(in_main);
    main.ctx_of.reserve_exact(in_main);
    main.walk(&wf.root, &Ctx::default(), &mut out);
    main.link(None, estimator);
    out.diags.append(&mut main.diags);
    let outputs = super::outputs::plan_outputs(&main, &mut out.diags);
    let mut handlers = Vec::new();
    for &h in &wf.handlers {
        let BlockKind::Handler(kind) = wf.blocks[h].kind else {
            continue;
        };
        let mut b = Builder::new(wf, &values, shape);
        b.walk(&wf.blocks[h].members, &Ctx::default(), &mut out);
        b.link(Some(&main), estimator);
        out.diags.append(&mut b.diags);
        handlers.push(HandlerPlan {
            kind,
            graph: b.graph,
        });
    }
    // Each instance's compensation, with its loop items in scope.
    for i in 0..main.graph.steps.len() {
        let step = &wf.steps[main.graph.steps[i].step];
        let Some(rb) = step.rollback_block else {
            continue;
        };
        // The loop items stay in scope; groups and conditions belong to the main graph.
        let ctx = Ctx {
            loops: main.ctx_of[i].loops.clone(),
            ..Ctx::default()
        };
        let mut b = Builder::new(wf, &values, shape);
        b.walk(&wf.blocks[rb].members, &ctx, &mut out);
        b.link(Some(&main), estimator);
        out.diags.append(&mut b.diags);
        main.graph.steps[i].rollback = Some(Box::new(b.graph));
    }
    if !out.diags.is_empty() {
        // (A failing expression in a loop fails in every iteration: once.)
        let mut seen = std::collections::HashSet::new();
        out.diags
            .retain(|d| seen.insert(format!("{:?}{}", d.labels, d.message)));
        return Err(out.diags);
    }
    let concurrency = wf.concurrency.map(|c| c as usize);
    let jobs_source = match (jobs, concurrency) {
        (Some(j), Some(c)) if j == c => "workflow concurrency",
        (Some(_), _) => "workers",
        (None, Some(_)) => "workflow concurrency",
        (None, None) => schedule::CPU_COUNT,
    };
    let jobs = jobs.unwrap_or_else(|| super::default_jobs(wf));
    main.graph.shrink_to_fit();
    for h in &mut handlers {
        h.graph.shrink_to_fit();
    }
    let schedule = schedule::schedule(&main.graph, jobs, jobs_source);
    Ok(Plan {
        workflow: wf.name.clone(),
        description: wf.description.clone(),
        version: wf.version.clone(),
        tags: wf.tags.clone(),
        params,
        env,
        lets,
        concurrency: wf.concurrency,
        timeout_ms: wf.timeout_ms,
        fail_fast: wf.fail_fast,
        main: main.graph,
        handlers,
        pruned: out.pruned,
        earlier: Vec::new(),
        selection: None,
        schedule,
        outputs,
        triggers: super::triggers::plan_triggers(wf),
        lock,
        lock_busy: wf.lock_busy,
        alerts: std::sync::Arc::new(super::alerts::Rules::of(wf)),
        file_calls: super::file_call::keep(wf),
    })
}

#[derive(Default)]
struct Out {
    pruned: Vec<Pruned>,
    diags: Vec<Diagnostic>,
}

impl Out {
    /// Reports the failures [`eval::fold_checked`] found in `what`.
    fn failed(&mut self, what: &str, failures: Vec<(Span, String)>) {
        let each = failures.into_iter();
        self.diags
            .extend(each.map(|(span, why)| errors::eval_failed(span, what, &why)));
    }
}

/// Where the walk is.
#[derive(Clone, Debug, Default)]
pub(crate) struct Ctx {
    /// Enclosing loops: (loop, iteration, item if known, instance suffix).
    pub(crate) loops: Vec<(BlockId, usize, Option<Value>, String)>,
    /// Run-time conditions of enclosing `if` branches (all must hold).
    conds: Vec<Expr>,
    group: Option<GroupId>,
    wait_any: Option<GroupId>,
}

impl Ctx {
    pub(crate) fn items(&self) -> Vec<(BlockId, Value)> {
        self.loops
            .iter()
            .filter_map(|(b, _, v, _)| v.clone().map(|v| (*b, v)))
            .collect()
    }

    fn suffix(&self) -> String {
        self.loops.iter().map(|(.., s)| format!("[{s}]")).collect()
    }

    pub(crate) fn path(&self) -> Vec<(BlockId, usize)> {
        self.loops.iter().map(|&(b, i, ..)| (b, i)).collect()
    }
}

/// The params' values that shape a graph: `values`, or (an export) without
/// those the run decides ([`RunTime`]), so that an `if` over one stays a
/// run-time condition and a loop over one a template.
#[derive(Clone, Copy)]
pub(crate) struct Shape<'a> {
    pub(crate) conds: &'a [Option<Value>],
    loops: &'a [Option<Value>],
}

/// Builds one graph.
pub(crate) struct Builder<'a> {
    pub(crate) wf: &'a Workflow,
    pub(crate) values: &'a [Option<Value>],
    /// What an `if` and a `for each` list read.
    pub(crate) shape: Shape<'a>,
    pub(crate) graph: Graph,
    /// Instances of each IR step in this graph.
    pub(crate) inst_of: FxHashMap<StepId, Vec<InstanceId>>,
    /// Each instance's context (loops and conditions).
    pub(crate) ctx_of: Vec<Ctx>,
    /// Expressions found to fail while linking (E0407), settings out of range.
    pub(crate) diags: Vec<Diagnostic>,
    /// Each instance's `estimate` (its own or from `defaults`), folded.
    pub(crate) declared_ms: Vec<Option<u64>>,
    /// Where loop items go in the names of inlined calls' steps.
    join_loops: super::inline::names::JoinLoops,
}

impl<'a> Builder<'a> {
    fn new(wf: &'a Workflow, values: &'a [Option<Value>], shape: Shape<'a>) -> Builder<'a> {
        Builder {
            wf,
            values,
            shape,
            graph: Graph::default(),
            inst_of: FxHashMap::default(),
            ctx_of: Vec::new(),
            diags: Vec::new(),
            declared_ms: Vec::new(),
            join_loops: Default::default(),
        }
    }

    pub(crate) fn scope<'s>(
        &'s self,
        loops: &'s [(BlockId, Value)],
        pruned: &'s dyn Fn(StepId) -> bool,
    ) -> Scope<'s> {
        Scope {
            params: self.values,
            loops,
            pruned,
        }
    }

    fn walk(&mut self, nodes: &[Node], ctx: &Ctx, out: &mut Out) {
        let mut i = 0;
        while i < nodes.len() {
            match nodes[i] {
                Node::Step(s) => self.add_step(s, ctx),
                Node::Block(b) => match &self.wf.blocks[b].kind {
                    BlockKind::IfBranch { chain, .. } => {
                        let branches = if_chain(self.wf, nodes, &mut i, b, *chain);
                        self.walk_if(&branches, ctx, out);
                    }
                    BlockKind::ForEach { .. } => self.walk_loop(b, ctx, out),
                    BlockKind::Parallel { name, wait, .. } => {
                        let name = name.clone().unwrap_or_else(|| "parallel".into());
                        let name = match ctx.suffix() {
                            s if s.is_empty() => name,
                            s => format!("{name} {s}"),
                        };
                        let g = self.open_group(name, b, GroupKind::Parallel { wait: *wait }, ctx);
                        let mut inner = ctx.clone();
                        inner.group = Some(g);
                        if *wait == Wait::Any {
                            inner.wait_any = Some(g);
                        }
                        self.walk(&self.wf.blocks[b].members, &inner, out);
                        self.close_group(g);
                    }
                    BlockKind::Sequence { name, .. } => {
                        let name = name.clone().unwrap_or_else(|| "sequence".into());
                        let name = match ctx.suffix() {
                            s if s.is_empty() => name,
                            s => format!("{name} {s}"),
                        };
                        let g = self.open_group(name, b, GroupKind::Sequence, ctx);
                        let mut inner = ctx.clone();
                        inner.group = Some(g);
                        self.walk(&self.wf.blocks[b].members, &inner, out);
                        self.close_group(g);
                    }
                    BlockKind::Handler(_) | BlockKind::Rollback { .. } => {}
                },
            }
            i += 1;
        }
    }

    fn open_group(&mut self, name: String, block: BlockId, kind: GroupKind, ctx: &Ctx) -> GroupId {
        self.graph.groups.push(Group {
            name,
            block,
            kind,
            parent: ctx.group,
            // Holds the first member's index until `close_group`.
            members: vec![self.graph.steps.len()],
            span: self.wf.blocks[block].span,
            fail_fast: self.wf.blocks[block].fail_fast,
        });
        self.graph.groups.len() - 1
    }

    fn close_group(&mut self, g: GroupId) {
        let start = self.graph.groups[g].members[0];
        self.graph.groups[g].members = (start..self.graph.steps.len()).collect();
    }

    /// Names of the steps a pruned block would have had.
    fn names_in(&self, b: BlockId, ctx: &Ctx) -> Vec<String> {
        let suffix = ctx.suffix();
        let mut names = Vec::new();
        for s in self.wf.steps_in(b) {
            let mut name = format!("{}{suffix}", self.wf.steps[s].name);
            let mut inner = 0;
            for lb in self.wf.block_chain(self.wf.steps[s].parent) {
                if lb == b {
                    break;
                }
                if matches!(self.wf.blocks[lb].kind, BlockKind::ForEach { .. }) {
                    name.push_str("[*]");
                    inner += 1;
                }
            }
            if self.wf.steps[s].name.contains('.') && !(ctx.loops.is_empty() && inner == 0) {
                let mut items: Vec<&str> = ctx.loops.iter().map(|(.., s)| s.as_str()).collect();
                items.extend(std::iter::repeat_n("*", inner));
                name = self
                    .join_loops
                    .instance_name(self.wf, &self.wf.steps[s].name, &items);
            }
            names.push(name);
        }
        names
    }

    fn prune(&self, b: BlockId, ctx: &Ctx, reason: String, span: Span, out: &mut Out) {
        let steps = self.names_in(b, ctx);
        if !steps.is_empty() {
            out.pruned.push(Pruned {
                steps,
                reason,
                span,
            });
        }
    }

    /// Why a condition has the value it has: the params it reads.
    /// Why condition `c` is false, in a line: the let or the part of an
    /// `&&` that is ("`deploy` is false: `build_code` is false"), with the
    /// params and loop items it read.
    fn why_false(&self, c: &Expr, scope: &Scope, items: &[(BlockId, Value)]) -> String {
        let parts = c.conjuncts(self.wf);
        let is_false = |x: &&&Expr| matches!(eval::eval(x, scope), Eval::Known(Value::Bool(false)));
        if let Some(x) = parts.iter().find(is_false).filter(|_| parts.len() > 1) {
            let inner = self.why_false(x, scope, items);
            return match self.wf.let_at(c.span) {
                Some(name) => format!("`{name}` is false: {inner}"),
                None => inner,
            };
        }
        if let Some(name) = self.wf.let_at(c.span) {
            // A let's own `&&` is looked through too.
            let def = &self.wf.lets[self.wf.let_uses[&c.span]].value;
            let inner = def.conjuncts(self.wf);
            if let Some(x) = inner.iter().find(is_false).filter(|_| inner.len() > 1) {
                return format!("`{name}` is false: {}", self.why_false(x, scope, items));
            }
        }
        format!("`{}` is false{}", show(self.wf, c), self.because(c, items))
    }

    fn because(&self, e: &Expr, items: &[(BlockId, Value)]) -> String {
        let mut parts = Vec::new();
        e.walk(&mut |x| match &x.kind {
            ExprKind::Param(id) => {
                let p = &self.wf.params[*id];
                let v = if p.is_tainted() {
                    "***".into()
                } else {
                    self.values[*id].as_ref().map_or("?".into(), Value::literal)
                };
                parts.push(format!("{} = {v}", p.name));
            }
            ExprKind::LoopVar(b) => {
                if let (BlockKind::ForEach { var, iter, .. }, Some((_, v))) = (
                    &self.wf.blocks[*b].kind,
                    items.iter().find(|(lb, _)| lb == b),
                ) {
                    let v = if iter.tainted {
                        "***".into()
                    } else {
                        v.literal()
                    };
                    parts.push(format!("{var} = {v}"));
                }
            }
            _ => {}
        });
        parts.dedup();
        if parts.is_empty() {
            String::new()
        } else {
            format!(" ({})", parts.join(", "))
        }
    }

    fn walk_if(&mut self, branches: &[BlockId], ctx: &Ctx, out: &mut Out) {
        let items = ctx.items();
        let never = |_| false;
        // Run-time conditions of earlier branches (each must be false here).
        let mut earlier: Vec<Expr> = Vec::new();
        let mut taken: Option<String> = None;
        for &b in branches {
            let BlockKind::IfBranch { cond, .. } = &self.wf.blocks[b].kind else {
                continue;
            };
            let span = match cond {
                Some(c) => c.span,
                None => self.wf.blocks[b].span,
            };
            if let Some(why) = &taken {
                self.prune(b, ctx, why.clone(), span, out);
                continue;
            }
            let mut inner = ctx.clone();
            inner.conds.extend(earlier.iter().map(not));
            if let Some(c) = cond {
                let scope = Scope {
                    params: self.shape.conds,
                    loops: &items,
                    pruned: &never,
                };
                match eval::eval(c, &scope) {
                    Eval::Known(Value::Bool(true)) => {
                        taken = Some(format!(
                            "an earlier branch is taken: `{}` is true{}",
                            show(self.wf, c),
                            self.because(c, &items)
                        ));
                    }
                    Eval::Known(Value::Bool(false)) => {
                        let why = self.why_false(c, &scope, &items);
                        self.prune(b, ctx, why, span, out);
                        continue;
                    }
                    Eval::Error(why) => {
                        out.diags
                            .push(errors::eval_failed(c.span, "this `if` condition", &why));
                        continue;
                    }
                    Eval::Known(_) | Eval::Unknown => {
                        let mut failures = Vec::new();
                        let folded = eval::fold_checked(c, &scope, &mut failures);
                        out.failed("this `if` condition", failures);
                        inner.conds.push(folded.clone());
                        earlier.push(folded);
                    }
                }
            }
            self.walk(&self.wf.blocks[b].members, &inner, out);
        }
    }

    fn walk_loop(&mut self, b: BlockId, ctx: &Ctx, out: &mut Out) {
        let BlockKind::ForEach {
            var,
            iter,
            parallel,
            batch,
            max_failures,
            ..
        } = &self.wf.blocks[b].kind
        else {
            return;
        };
        let batch = *batch;
        let items = ctx.items();
        let never = |_| false;
        let scope = self.scope(&items, &never);
        let max_failures = max_failures
            .as_ref()
            .and_then(|m| crate::max_failures::fold(eval::eval(&m.count, &scope), m.percent));
        let limit = match parallel {
            None => None,
            Some(None) => Some(None),
            Some(Some(n)) => match eval::eval(n, &scope) {
                Eval::Known(Value::Int(n)) => Some(Some(n.clamp(1, u32::MAX as i64) as u32)),
                _ => Some(None),
            },
        };
        // Named as written, cut short: a literal list of thousands of items
        // would be repeated in every instance's JSON.
        let list = super::render::one_line(&show(self.wf, iter), 60);
        let name = format!("for each {var} in {list}");
        let name = match ctx.suffix() {
            s if s.is_empty() => name,
            s => format!("{name} {s}"),
        };
        // (The list may read a param the run decides: `Shape`.)
        let scope = Scope {
            params: self.shape.loops,
            ..scope
        };
        let mut failures = Vec::new();
        let folded = eval::fold_checked(iter, &scope, &mut failures);
        let failing = !failures.is_empty();
        out.failed("this loop's list", failures);
        match eval::eval(iter, &scope) {
            Eval::Known(Value::List(list)) => {
                if list.is_empty() {
                    let why = format!(
                        "`{}` is empty{}",
                        show(self.wf, iter),
                        self.because(iter, &items)
                    );
                    self.prune(b, ctx, why, iter.span, out);
                    return;
                }
                let g = self.open_group(
                    name,
                    b,
                    GroupKind::ForEach {
                        var: var.clone(),
                        iter: folded,
                        iterations: Some(Vec::new()),
                        parallel: limit,
                        batch,
                        max_failures,
                    },
                    ctx,
                );
                let names = suffixes(&list, iter.tainted);
                for (i, (item, suffix)) in list.into_iter().zip(names).enumerate() {
                    let mut inner = ctx.clone();
                    inner.group = Some(g);
                    inner.loops.push((b, i, Some(item), suffix));
                    let start = self.graph.steps.len();
                    self.walk(&self.wf.blocks[b].members, &inner, out);
                    let end = self.graph.steps.len();
                    if let GroupKind::ForEach {
                        iterations: Some(its),
                        ..
                    } = &mut self.graph.groups[g].kind
                    {
                        its.push((start..end).collect());
                    }
                }
                self.close_group(g);
            }
            Eval::Error(why) => {
                if !failing {
                    let d = errors::eval_failed(iter.span, "this loop's list", &why);
                    out.diags.push(d);
                }
            }
            _ => {
                // Known only at run time: plan the body once, as a template.
                let g = self.open_group(
                    name,
                    b,
                    GroupKind::ForEach {
                        var: var.clone(),
                        iter: folded,
                        iterations: None,
                        parallel: limit,
                        batch,
                        max_failures,
                    },
                    ctx,
                );
                let mut inner = ctx.clone();
                inner.group = Some(g);
                inner.loops.push((b, 0, None, "*".into()));
                self.walk(&self.wf.blocks[b].members, &inner, out);
                self.close_group(g);
            }
        }
    }

    fn add_step(&mut self, s: StepId, ctx: &Ctx) {
        let step = &self.wf.steps[s];
        let condition = ctx.conds.iter().cloned().reduce(and);
        let items = ctx
            .loops
            .iter()
            .filter_map(|(b, _, v, _)| {
                let BlockKind::ForEach { var, .. } = &self.wf.blocks[*b].kind else {
                    return None;
                };
                v.clone().map(|v| (*b, var.clone(), v))
            })
            .collect();
        let folded = self.fold_settings(s, ctx);
        let id = self.graph.steps.len();
        self.declared_ms.push(folded.estimate_ms);
        let name = if step.name.contains('.') && !ctx.loops.is_empty() {
            let suffixes: Vec<&str> = ctx.loops.iter().map(|(.., s)| s.as_str()).collect();
            self.join_loops
                .instance_name(self.wf, &step.name, &suffixes)
        } else {
            format!("{}{}", step.name, ctx.suffix())
        };
        // A run-time `if` over `x.status` orders its block after `x` as a
        // step reading it is: it starts while the run stops.
        let reads_status = |c: Option<&Expr>| {
            let mut found = false;
            if let Some(c) = c {
                c.walk(&mut |x| found |= matches!(x.kind, ExprKind::StepStatus(_)));
            }
            found
        };
        let finally = !step.after.is_empty() || reads_status(condition.as_ref());
        self.graph.steps.push(PlannedStep {
            name,
            step: s,
            kind: step.kind,
            span: step.span,
            fields: step.fields.clone(),
            deps: Vec::new(),
            condition: condition.map(Box::new),
            retry: folded.retry.map(Box::new),
            timeout_ms: folded.timeout_ms,
            placement: folded.placement,
            until: folded.until.map(Box::new),
            estimate: Estimate {
                ms: 0,
                source: EstimateSource::Default,
            },
            optional: step.optional,
            on_fail: step.on_fail,
            outputs: step.outputs.clone(),
            items,
            group: ctx.group,
            wait_any: ctx.wait_any,
            finally,
            reads: Vec::new(),
            rollback: None,
            doc: step.doc.clone(),
            any: Box::default(),
            check_false: None,
        });
        self.inst_of.entry(s).or_default().push(id);
        self.ctx_of.push(ctx.clone());
    }
}

impl Builder<'_> {
    /// Step `s`'s settings folded with this instance's params and items; a
    /// `sleep` without `estimate` is expected to take its `duration`.
    fn fold_settings(&mut self, s: StepId, ctx: &Ctx) -> super::settings::Folded {
        let step = &self.wf.steps[s];
        let items = ctx.items();
        let never = |_| false;
        let scope = self.scope(&items, &never);
        let mut diags = Vec::new();
        let mut folded = match &step.settings {
            Some(settings) => super::settings::fold(self.wf, settings, &scope, &mut diags),
            None => super::settings::Folded::default(),
        };
        if step.kind == wfc_language::ir::StepKind::Sleep && folded.estimate_ms.is_none() {
            if let Some(wfc_language::ir::FieldValue::Expr(d)) =
                step.field("duration").map(|f| &f.value)
            {
                if let Eval::Known(Value::Duration(ms)) = eval::eval(d, &scope) {
                    folded.estimate_ms = Some(ms);
                }
            }
        }
        self.diags.append(&mut diags);
        folded
    }
}

/// Instance-name suffixes of a loop's items (`eu-west`, else `0`, `1`, …);
/// positions only for the items of a `secret` list (names are never masked).
pub(crate) fn suffixes(items: &[Value], secret: bool) -> Vec<String> {
    if secret {
        return (0..items.len()).map(|i| i.to_string()).collect();
    }
    // Scalars as an interpolation writes them (`train[0.01]`, `shard[3]`);
    // lists, maps, empty or bracketed texts and repeats fall back to positions.
    let texts: Vec<Option<String>> = items
        .iter()
        .map(|v| match v {
            Value::Null | Value::List(_) | Value::Map(_) => None,
            scalar => Some(scalar.to_text()).filter(|s| !s.is_empty() && !s.contains(['[', ']'])),
        })
        .collect();
    let mut seen = std::collections::HashSet::new();
    if texts
        .iter()
        .all(|t| t.as_ref().is_some_and(|t| seen.insert(t)))
    {
        texts.into_iter().map(Option::unwrap_or_default).collect()
    } else {
        (0..items.len()).map(|i| i.to_string()).collect()
    }
}

/// `!e`, written the simple way where there is one (`a != b` for `!(a == b)`).
fn not(e: &Expr) -> Expr {
    if let ExprKind::Unary(UnaryOp::Not, inner) = &e.kind {
        return (**inner).clone();
    }
    if let ExprKind::Binary(op, l, r) = &e.kind {
        let flipped = match op {
            BinaryOp::Eq => Some(BinaryOp::Ne),
            BinaryOp::Ne => Some(BinaryOp::Eq),
            BinaryOp::Lt if l.ty != Type::Float && r.ty != Type::Float => Some(BinaryOp::Ge),
            BinaryOp::Le if l.ty != Type::Float && r.ty != Type::Float => Some(BinaryOp::Gt),
            BinaryOp::Gt if l.ty != Type::Float && r.ty != Type::Float => Some(BinaryOp::Le),
            BinaryOp::Ge if l.ty != Type::Float && r.ty != Type::Float => Some(BinaryOp::Lt),
            _ => None,
        };
        if let Some(op) = flipped {
            return Expr {
                kind: ExprKind::Binary(op, l.clone(), r.clone()),
                ..e.clone()
            };
        }
    }
    Expr {
        kind: ExprKind::Unary(UnaryOp::Not, Box::new(e.clone())),
        ty: Type::Bool,
        span: e.span,
        tainted: e.tainted,
    }
}

fn and(a: Expr, b: Expr) -> Expr {
    Expr {
        span: a.span.join(b.span),
        tainted: a.tainted || b.tainted,
        kind: ExprKind::Binary(BinaryOp::And, Box::new(a), Box::new(b)),
        ty: Type::Bool,
    }
}

/// The branches of the `if … else if … else` chain `chain` whose first
/// branch is block `b` at `nodes[*i]`: they follow each other; `*i` is left
/// at the last. The compiler and the plan's size count read chains alike.
pub(crate) fn if_chain(
    wf: &wfc_language::ir::Workflow,
    nodes: &[Node],
    i: &mut usize,
    b: wfc_language::ir::BlockId,
    chain: usize,
) -> Vec<wfc_language::ir::BlockId> {
    let mut branches = vec![b];
    while let Some(&Node::Block(nb)) = nodes.get(*i + 1) {
        match wf.blocks[nb].kind {
            BlockKind::IfBranch {
                chain: c, index, ..
            } if c == chain && index > 0 => {
                branches.push(nb);
                *i += 1;
            }
            _ => break,
        }
    }
    branches
}

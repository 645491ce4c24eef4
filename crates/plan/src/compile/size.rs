//! How many steps a plan would hold, counted before any is built (E0413).
//!
//! Loops unroll over lists that params give, so a request of 1 KB can ask
//! for millions of steps (three nested loops over lists of 100), each of
//! which costs memory in the plan, the run and its record. `check` walks
//! the IR as the compiler will — `if`s decided at plan time, loop lists
//! evaluated with the enclosing items bound — but only counts, and refuses
//! a plan of more than [`MAX_STEPS`] steps before allocating one.
//!
//! What counts is what the plan holds: each step instance, planned or left
//! out by an `if` (the plan names those too), each instance's compensation
//! steps, and the handlers' steps; an iteration or block instance that
//! holds none counts as one (empty loops nested in loops still cost).
//!
//! A loop body whose `if`s and inner lists do not read the loop's item has
//! the same size in every iteration: it is counted once and multiplied, so
//! the count of nested loops is exact and immediate. Other bodies are
//! counted item by item, stopping once the plan is over the bound.

use crate::errors;
use crate::eval::{self, Eval, Scope};
use crate::value::Value;
use wfc_language::diag::Diagnostic;
use wfc_language::ir::{BlockId, BlockKind, Expr, ExprKind, Node, StepId, Workflow};
use wfc_language::span::Span;

/// The most steps one plan holds: calls inlined and loops unrolled (the
/// bound of inlined calls, E0237, is the same).
pub const MAX_STEPS: usize = crate::inline::bounds::MAX_STEPS;

/// The loop whose unrolling took the count over the bound.
struct Over {
    block: BlockId,
    items: usize,
    /// Its steps, when counted to the end.
    steps: Option<usize>,
    /// Each iteration's steps, when all iterations have the same.
    each: Option<usize>,
}

struct Counter<'a> {
    wf: &'a Workflow,
    values: &'a [Option<Value>],
    /// Steps counted so far.
    n: usize,
    /// Whether some count stopped short (then `n` is a lower bound).
    cut: bool,
    over: Option<Over>,
}

/// E0413 when `wf` planned with `values` (by param id) would hold more
/// than [`MAX_STEPS`] steps.
pub(super) fn check(wf: &Workflow, values: &[Option<Value>]) -> Result<(), Diagnostic> {
    let mut c = Counter {
        wf,
        values,
        n: 0,
        cut: false,
        over: None,
    };
    let mut items = Vec::new();
    c.nodes(&wf.root, &mut items, true);
    for &h in &wf.handlers {
        c.nodes(&wf.blocks[h].members, &mut items, false);
    }
    if c.n <= MAX_STEPS {
        return Ok(());
    }
    let total = (!c.cut).then_some(c.n);
    Err(match c.over {
        Some(o) => {
            let BlockKind::ForEach { iter, .. } = &wf.blocks[o.block].kind else {
                unreachable!("only loops are blamed")
            };
            let header = Span::new(
                wf.blocks[o.block].span.start as usize,
                iter.span.end as usize,
            );
            errors::plan_too_big(header, total, o.items, o.each, o.steps, MAX_STEPS)
        }
        // No loop: steps written out (or inlined) one by one.
        None => errors::plan_too_big(wf.span, total, 0, None, None, MAX_STEPS),
    })
}

impl Counter<'_> {
    fn full(&self) -> bool {
        self.n > MAX_STEPS
    }

    fn add(&mut self, k: usize) {
        self.n = self.n.saturating_add(k);
    }

    /// Counts `nodes` with `items` bound (innermost last); `main`: steps of
    /// the main graph, whose compensations are planned per instance.
    fn nodes(&mut self, nodes: &[Node], items: &mut Vec<(BlockId, Value)>, main: bool) {
        let wf = self.wf;
        let mut i = 0;
        while i < nodes.len() {
            match nodes[i] {
                Node::Step(s) => {
                    self.add(1);
                    if let (true, Some(rb)) = (main, wf.steps[s].rollback_block) {
                        self.nodes(&wf.blocks[rb].members, items, false);
                    }
                }
                Node::Block(b) => match &wf.blocks[b].kind {
                    BlockKind::IfBranch { chain, .. } => {
                        let branches = super::if_chain(wf, nodes, &mut i, b, *chain);
                        self.branches(&branches, items, main);
                    }
                    BlockKind::ForEach { .. } => self.each(b, items, main),
                    BlockKind::Parallel { .. } | BlockKind::Sequence { .. } => {
                        self.at_least_one(b, items, main);
                    }
                    BlockKind::Handler(_) | BlockKind::Rollback { .. } => {}
                },
            }
            i += 1;
        }
    }

    /// Block `b`'s members, one at the least.
    fn at_least_one(&mut self, b: BlockId, items: &mut Vec<(BlockId, Value)>, main: bool) {
        let (wf, at) = (self.wf, self.n);
        self.nodes(&wf.blocks[b].members, items, main);
        if self.n == at {
            self.add(1);
        }
    }

    /// The steps a left-out block is named by in the plan.
    fn left_out(&mut self, b: BlockId) {
        self.add(self.wf.steps_in(b).len());
    }

    /// An `if` chain, as the compiler decides it.
    fn branches(&mut self, branches: &[BlockId], items: &mut Vec<(BlockId, Value)>, main: bool) {
        let wf = self.wf;
        let mut taken = false;
        for &b in branches {
            let BlockKind::IfBranch { cond, .. } = &wf.blocks[b].kind else {
                continue;
            };
            if taken {
                self.left_out(b);
                continue;
            }
            if let Some(c) = cond {
                match eval::eval(c, &self.scope(items)) {
                    Eval::Known(Value::Bool(true)) => taken = true,
                    Eval::Known(Value::Bool(false)) => {
                        self.left_out(b);
                        continue;
                    }
                    // An error in every iteration is reported once, but
                    // kept in each until then.
                    Eval::Error(_) => {
                        let at = self.n;
                        self.left_out(b);
                        if self.n == at {
                            self.add(1);
                        }
                        continue;
                    }
                    Eval::Known(_) | Eval::Unknown => {}
                }
            }
            self.nodes(&wf.blocks[b].members, items, main);
        }
    }

    /// A `for each`: unrolled over a list known now, else planned once.
    fn each(&mut self, b: BlockId, items: &mut Vec<(BlockId, Value)>, main: bool) {
        let wf = self.wf;
        let BlockKind::ForEach { iter, .. } = &wf.blocks[b].kind else {
            return;
        };
        // A param's list is read where it is bound, not copied: a list of
        // 300,000 items is most of what a refused request costs.
        let bound = match iter.kind {
            ExprKind::Param(id) => match self.values.get(id) {
                Some(Some(Value::List(list))) => Some(list),
                _ => None,
            },
            _ => None,
        };
        let evaluated;
        let list: &[Value] = match bound {
            Some(list) => list,
            None => match eval::eval(iter, &self.scope(items)) {
                Eval::Known(Value::List(list)) => {
                    evaluated = list;
                    &evaluated
                }
                Eval::Error(_) => return self.add(1),
                // Known at run time: the body is planned once, as a template.
                _ => return self.at_least_one(b, items, main),
            },
        };
        if list.is_empty() {
            return self.left_out(b);
        }
        let (before, cut_before) = (self.n, std::mem::take(&mut self.cut));
        let mut each = None;
        if !self.reads_item(&wf.blocks[b].members, b) {
            items.push((b, list[0].clone()));
            self.at_least_one(b, items, main);
            items.pop();
            let one = self.n - before;
            self.n = before.saturating_add(one.saturating_mul(list.len()));
            each = Some(one);
        } else {
            for item in list {
                if self.full() {
                    self.cut = true;
                    break;
                }
                items.push((b, item.clone()));
                self.at_least_one(b, items, main);
                items.pop();
            }
        }
        if self.over.is_none() && self.full() {
            self.over = Some(Over {
                block: b,
                items: list.len(),
                steps: (!self.cut).then_some(self.n - before),
                each,
            });
        }
        self.cut |= cut_before;
    }

    /// Whether any `if` or loop list in `nodes` (at any depth, their
    /// compensations included) reads the item of loop `b`.
    fn reads_item(&self, nodes: &[Node], b: BlockId) -> bool {
        let reads = |e: &Expr| {
            let mut found = false;
            e.walk(&mut |x| found |= matches!(x.kind, ExprKind::LoopVar(l) if l == b));
            found
        };
        nodes.iter().any(|node| match *node {
            Node::Step(s) => self.wf.steps[s]
                .rollback_block
                .is_some_and(|rb| self.reads_item(&self.wf.blocks[rb].members, b)),
            Node::Block(inner) => {
                let block = &self.wf.blocks[inner];
                let own = match &block.kind {
                    BlockKind::IfBranch { cond: Some(c), .. } => reads(c),
                    BlockKind::ForEach { iter, .. } => reads(iter),
                    _ => false,
                };
                own || self.reads_item(&block.members, b)
            }
        })
    }

    fn scope<'s>(&'s self, items: &'s [(BlockId, Value)]) -> Scope<'s> {
        Scope {
            params: self.values,
            loops: items,
            pruned: &never,
        }
    }
}

fn never(_: StepId) -> bool {
    false
}

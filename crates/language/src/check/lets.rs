//! `let NAME = EXPR`: collection, the rules on names and place, and uses.
//!
//! A let is in scope in its block and everything nested in it. A use of a
//! let is lowered to the let's expression, so implied dependencies,
//! optional types (`T?`) and secret taint flow through the machinery that
//! already handles expressions written in place; references (hover,
//! go-to-definition, rename) point at the let itself.
//!
//! Each let's expression is typed once where it is written (in its own
//! block, for no step): that is where its errors are reported, lazily on its
//! first use or at the end for a let nobody reads. A let that reads step
//! outputs (a run-time let) is typed again for each user, in the user's
//! place, so that the reads are the user's implied dependencies and their
//! types are lifted for where the user stands (an output of a step inside
//! an `if`, read from a handler, …); names inside it are still looked up in
//! the let's own block. Errors that only such a use finds (a step reading
//! its own output through a let) get a label at the use.

use super::{Checker, Ctx};
use crate::diag::{check as dc, Diagnostic};
use crate::ir::{self, BlockId, Expr, ExprKind, LetId, Symbol};
use crate::span::Span;
use crate::syntax::ast;
use rustc_hash::{FxHashMap, FxHashSet};

/// The most nodes a let's expression may have, lets it reads expanded
/// (as a use is its expression, `let b = a + a` doubles `a`: a chain of such
/// lets would grow without bound).
pub const MAX_EXPANSION: usize = 4096;

/// Where a let's own typing stands.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum State {
    #[default]
    Pending,
    /// Being typed: a use now is a cycle.
    Lowering,
    Done,
}

/// The checker's lets, by [`LetId`] (parallel to [`ir::Workflow::lets`]).
#[derive(Default)]
pub(crate) struct Lets<'a> {
    src: Vec<&'a ast::Let>,
    state: Vec<State>,
    used: Vec<bool>,
    /// The node count of each let's typed expression.
    size: Vec<usize>,
    /// The let being typed, innermost last (for the path of a cycle).
    stack: Vec<LetId>,
    /// What each let's own typing reported: (code, primary span).
    reported: Vec<FxHashSet<(&'static str, Option<Span>)>>,
    /// Errors reported through a use, so several uses report one once.
    through_uses: FxHashSet<(&'static str, Option<Span>)>,
    /// A run-time let typed for a user's place, with the reads it adds: a
    /// let used twice by a let used twice… is typed once per place, not
    /// once per path.
    typed: FxHashMap<UseKey, (Expr, Vec<(ir::StepId, Span)>)>,
}

/// What typing a run-time let for a user depends on: the let and the place.
type UseKey = (
    LetId,
    Option<BlockId>,
    Option<ir::StepId>,
    Option<BlockId>,
    bool,
);

impl<'a> Checker<'a> {
    /// Registers a let of `block` (one place for every block: `collect`
    /// calls it for each `let` item; `first_member` is the block's first
    /// step or block before it, for the top-of-block rule).
    pub(super) fn collect_let(
        &mut self,
        l: &'a ast::Let,
        block: Option<BlockId>,
        first_member: Option<Span>,
    ) {
        if let Some(member) = first_member {
            self.report(dc::let_not_at_top(l.name.span, &l.name.name, member));
        }
        self.wf.lets.push(ir::Let {
            name: l.name.name.to_string(),
            name_span: l.name.span,
            block,
            value: Expr::invalid(l.value.span),
            doc: l.doc.clone(),
            span: l.span,
        });
        self.lets.src.push(l);
        self.lets.state.push(State::Pending);
        self.lets.used.push(false);
        self.lets.size.push(0);
        self.lets.reported.push(FxHashSet::default());
    }

    /// Duplicate lets, lets hiding other names, and lets named `run`.
    pub(super) fn check_let_names(&mut self) {
        for id in 0..self.wf.lets.len() {
            let l = &self.wf.lets[id];
            let (name, span, block) = (l.name.clone(), l.name_span, l.block);
            if name == "run" {
                self.report(dc::run_reserved(span, "let"));
                continue;
            }
            let chain = self.wf.block_chain(block);
            let earlier = self.wf.lets[..id]
                .iter()
                .find(|o| o.name == name && o.block == block);
            if let Some(first) = earlier {
                let first = first.name_span;
                self.report(dc::duplicate_let(span, first, &name));
                continue;
            }
            let outer = self.wf.lets.iter().find(|o| {
                o.name == name && o.block != block && o.block.is_none_or(|b| chain.contains(&b))
            });
            let clash = if let Some(o) = outer {
                Some(("let of an enclosing block", o.name_span))
            } else if let Some(&p) = self.param_names.get(&name) {
                Some(("param", self.wf.params[p].name_span))
            } else if let Some(&(_, at)) = self.names.get(name.as_str()) {
                Some(("step or block", at))
            } else {
                chain.iter().find_map(|&b| match &self.wf.blocks[b].kind {
                    ir::BlockKind::ForEach { var, var_span, .. } if *var == name => {
                        Some(("loop variable", *var_span))
                    }
                    _ => None,
                })
            };
            if let Some((what, other)) = clash {
                self.report(dc::let_shadows(span, &name, what, other));
            }
        }
    }

    /// The let `name` visible from `ctx`, innermost block first.
    pub(super) fn let_named(&self, name: &str, ctx: &Ctx) -> Option<LetId> {
        if ctx.param_limit.is_some() || self.wf.lets.is_empty() {
            return None; // param defaults see params only
        }
        let chain = self.wf.block_chain(ctx.names_block());
        let depth = |b: Option<BlockId>| match b {
            None => Some(chain.len()),
            Some(b) => chain.iter().position(|&c| c == b),
        };
        (0..self.wf.lets.len())
            .filter(|&i| self.wf.lets[i].name == name)
            .filter_map(|i| depth(self.wf.lets[i].block).map(|d| (d, i)))
            .min()
            .map(|(_, i)| i)
    }

    /// Types a let's expression where it is written, once.
    fn lower_let_definition(&mut self, id: LetId) {
        if self.lets.state[id] != State::Pending {
            return;
        }
        self.lets.state[id] = State::Lowering;
        self.lets.stack.push(id);
        let src = self.lets.src[id];
        let ctx = Ctx {
            block: self.wf.lets[id].block,
            ..Ctx::default()
        };
        // The definition belongs to no reader: its reads imply nothing.
        let reads = self.reads.len();
        let diags = self.diags.len();
        let value = self.lower_expr(&src.value, &ctx);
        self.reads.truncate(reads);
        let reported = self.diags[diags..]
            .iter()
            .map(|d| (d.code, d.primary_span()))
            .collect();
        self.lets.reported[id] = reported;
        self.lets.stack.pop();
        self.lets.state[id] = State::Done;
        let mut size = 0;
        value.walk(&mut |_| size += 1);
        self.lets.size[id] = size;
        if size > MAX_EXPANSION {
            let l = &self.wf.lets[id];
            let d = dc::let_too_large(l.name_span, &l.name, size, MAX_EXPANSION);
            self.report(d);
        }
        self.wf.lets[id].value = value;
    }

    /// Types every let nobody used (their errors are still errors).
    pub(super) fn lower_lets(&mut self) {
        for id in 0..self.wf.lets.len() {
            self.lower_let_definition(id);
        }
    }

    /// A use of let `id` (the name `at`, the whole use `span`) from `ctx`.
    pub(super) fn lower_let_use(
        &mut self,
        id: LetId,
        at: &ast::Ident,
        span: Span,
        ctx: &Ctx,
    ) -> Expr {
        self.reference(at.span, Symbol::Let(id));
        self.lets.used[id] = true;
        if self.lets.state[id] == State::Lowering {
            let start = self.lets.stack.iter().position(|&l| l == id).unwrap_or(0);
            let through: Vec<String> = self.lets.stack[start + 1..]
                .iter()
                .map(|&l| self.wf.lets[l].name.clone())
                .collect();
            self.report(dc::let_cycle(at.span, &at.name, &through));
            return Expr::invalid(span);
        }
        self.lower_let_definition(id);
        let def = &self.wf.lets[id].value;
        if def.ty.is_invalid() || self.lets.size[id] > MAX_EXPANSION {
            return Expr::invalid(span);
        }
        if let Some(place) = ctx.params_only {
            if reads_run(def) {
                self.report(dc::not_available_here(
                    span,
                    &at.name,
                    "run-time let",
                    place,
                ));
                return Expr::invalid(span);
            }
        }
        let mut e = if reads_steps(def) {
            self.relower_for_use(id, span, ctx)
        } else {
            def.clone()
        };
        if let Some(l) = self.lifts.remove(&e.span) {
            self.lifts.insert(span, l);
        }
        // (A `uuid()` keeps where it is written: a run draws its value from
        // that place, one value for every use of the let.)
        if !matches!(e.kind, ir::ExprKind::Call(f, _) if f.run_value()) {
            e.span = span;
        }
        self.wf.let_uses.insert(span, id);
        e
    }

    /// A run-time let typed again in its user's place (see the module docs).
    fn relower_for_use(&mut self, id: LetId, span: Span, ctx: &Ctx) -> Expr {
        let key = (id, ctx.block, ctx.step, ctx.header, ctx.command);
        if let Some((e, reads)) = self.lets.typed.get(&key) {
            let e = e.clone();
            self.reads.extend_from_slice(reads);
            return e;
        }
        let reads = self.reads.len();
        let src = self.lets.src[id];
        let ctx = Ctx {
            scope: Some(self.wf.lets[id].block),
            ..*ctx
        };
        let keep = std::mem::replace(&mut self.keep_references, false);
        let diags = self.diags.len();
        self.lets.state[id] = State::Lowering;
        self.lets.stack.push(id);
        let e = self.lower_expr(&src.value, &ctx);
        self.lets.stack.pop();
        self.lets.state[id] = State::Done;
        self.keep_references = keep;
        let name = self.wf.lets[id].name.clone();
        let found: Vec<Diagnostic> = self.diags.drain(diags..).collect();
        for d in found {
            // (What the definition reported at a place is not reported
            // again there, whatever the code: `${HOME}` in a let is E0140
            // where written, and would be E0189 typed for a command.)
            let key = (d.code, d.primary_span());
            let at_definition = self.lets.reported[id]
                .iter()
                .any(|(_, span)| *span == key.1);
            if at_definition || !self.lets.through_uses.insert(key) {
                continue;
            }
            self.diags
                .push(d.secondary(span, format!("through `let {name}`, used here")));
        }
        let added = self.reads[reads..].to_vec();
        self.lets.typed.insert(key, (e.clone(), added));
        e
    }

    /// W0115 for every let nothing reads.
    pub(super) fn lint_lets(&mut self) {
        for id in 0..self.wf.lets.len() {
            let l = &self.wf.lets[id];
            if !self.lets.used[id] && !l.name.starts_with('_') && l.name != "run" {
                let d = dc::unused_let(l.name_span, &l.name);
                self.report(d);
            }
        }
    }
}

/// Whether `e` reads a step output (a run-time let).
fn reads_steps(e: &Expr) -> bool {
    let mut found = false;
    e.walk(&mut |x| found |= matches!(x.kind, ExprKind::StepOutput { .. }));
    found
}

/// Whether `e` needs the run: step outputs, `failed.…`, `run.…`.
fn reads_run(e: &Expr) -> bool {
    let mut found = false;
    e.walk(&mut |x| {
        found |= matches!(
            x.kind,
            ExprKind::StepOutput { .. } | ExprKind::Failed(_) | ExprKind::Run(_)
        )
    });
    found
}

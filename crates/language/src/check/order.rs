//! Ordering: `sequence` blocks, the `after` field and `x.status` reads.
//!
//! A sequence is a block whose members run one after another; `after a, b`
//! and reading `a.status` order a step after `a` however `a` ended. Both
//! only add edges, so they are checked with the rest of the graph
//! (`graph.rs` walks the edges they make); here are collection, name
//! resolution, typing of `status` and the checks of their own.

use super::scope::{header, EdgeWord};
use super::{BlockSrc, Checker, Ctx, Named};
use crate::diag::check::{self as dc, SelfDep, StatusAsCode};
use crate::diag::Diagnostic;
use crate::ir::{BlockId, BlockKind, Dep, DepTarget, Expr, ExprKind, Node, Role, StepId, Symbol};
use crate::ir::{SequenceOrder, StepKind, Type, Workflow};
use crate::span::Span;
use crate::syntax::ast::{self, FieldValue};

impl<'a> Checker<'a> {
    /// Pass 1 for `sequence [NAME] { … }`: a block, its name, its members.
    pub(super) fn collect_sequence(
        &mut self,
        q: &'a ast::Sequence,
        parent: Option<BlockId>,
        role: Role,
    ) -> Node {
        let head = match &q.name {
            Some(n) => n.span,
            None => header(q.span, "sequence"),
        };
        let b = self.new_block(
            BlockKind::Sequence {
                name: q.name.as_ref().map(|n| n.name.to_string()),
                name_span: q.name.as_ref().map(|n| n.span),
            },
            parent,
            q.span,
            head,
            BlockSrc::Other(&q.block),
        );
        if let Some(n) = &q.name {
            self.register(n, Named::Block(b));
        }
        self.wf.blocks[b].members = self.collect_items(&q.block.items, Some(b), role, false);
        Node::Block(b)
    }

    /// `after a, b` of step `id`, resolved into [`crate::ir::Step::after`].
    pub(super) fn resolve_after(&mut self, id: StepId, names: &'a ast::IdentList) {
        let location = self.wf.steps[id].parent;
        let deps = self.resolve_edges(names, Named::Step(id), location, EdgeWord::After);
        self.wf.steps[id].after.extend(deps);
    }

    /// `x.status`: how `x` ended, a `string` (a list of them for a loop's
    /// step read from outside the loop). Never optional: every step ends
    /// somehow, and the read orders the reader after `x` (see
    /// [`Checker::add_status_reads`]) rather than depending on it.
    pub(super) fn read_status(
        &mut self,
        step: StepId,
        field: &ast::Ident,
        span: Span,
        ctx: &Ctx,
    ) -> Expr {
        self.reference(
            field.span,
            Symbol::Output {
                step,
                name: "status".into(),
                declared: false,
            },
        );
        let name = self.wf.steps[step].name.clone();
        if ctx.step == Some(step) && ctx.own_outputs && has_status_code(self.wf.steps[step].kind) {
            let d = dc::status_as_code(span, field.span, &name, StatusAsCode::Until);
            self.report(d);
            return Expr::invalid(span);
        }
        if ctx.step == Some(step) {
            self.report(dc::self_dependency(span, &name, SelfDep::Output));
            return Expr::invalid(span);
        }
        let target_loc = self.wf.steps[step].parent;
        if let Some(h) = ctx.header {
            if self.wf.block_chain(target_loc).contains(&h) {
                let block = self.block_name(h);
                self.report(dc::self_dependency(span, &name, SelfDep::Header(&block)));
                return Expr::invalid(span);
            }
        }
        let target_region = self.region_of(target_loc);
        let reader_chain = self.wf.block_chain(ctx.block);
        if let Some(r) = target_region {
            if !reader_chain.contains(&r) {
                let region = self.region_name(target_region);
                self.report(dc::cross_region(span, &name, &region, true));
                return Expr::invalid(span);
            }
        }
        if self.region_of(ctx.block) == target_region {
            self.status_reads.push((step, span));
        }
        let mut ty = Type::String;
        for b in self.wf.block_chain(target_loc) {
            if reader_chain.contains(&b) {
                break;
            }
            if matches!(self.wf.blocks[b].kind, BlockKind::ForEach { .. }) {
                ty = Type::list(ty);
            }
        }
        Expr {
            kind: ExprKind::StepStatus(step),
            ty,
            span,
            tainted: false,
        }
    }

    /// E0176 when `x` is `x.status` of an `http` or `webhook` step and is
    /// used with or as a number (`other`): the first-round meaning of
    /// `status`, the response code, which is now `status_code`.
    pub(super) fn status_as_code(&self, x: &Expr, other: &Type) -> Option<Diagnostic> {
        let ExprKind::StepStatus(step) = x.kind else {
            return None;
        };
        let s = &self.wf.steps[step];
        let mut other = other;
        while let Type::Optional(t) | Type::List(t) = other {
            other = t;
        }
        if !has_status_code(s.kind) || !other.is_numeric() {
            return None;
        }
        // `x.status` ends with the field's name (a step is read by a bare name).
        let end = x.span.end as usize;
        let field = Span::new(end - "status".len(), end);
        Some(dc::status_as_code(
            x.span,
            field,
            &s.name,
            StatusAsCode::Number,
        ))
    }

    /// The `x.status` reads of step `id`'s fields become `after x`.
    pub(super) fn add_status_reads(&mut self, id: StepId) {
        for (s, span) in std::mem::take(&mut self.status_reads) {
            let after = &mut self.wf.steps[id].after;
            if !after.iter().any(|d| d.target() == DepTarget::Step(s)) {
                after.push(Dep::new(DepTarget::Step(s), span));
            }
        }
    }

    /// Empty sequences (W0111), a member waiting for a later one (E0173),
    /// and a name in both `after` and `depends on` (W0110). Returns whether
    /// a member waits for a later one: the cycle check then leaves the
    /// sequences' own order out (it would report the same thing again).
    pub(super) fn check_order(&mut self, edges: &[(Named, Named, Span)]) -> bool {
        for b in 0..self.wf.blocks.len() {
            if matches!(self.wf.blocks[b].kind, BlockKind::Sequence { .. })
                && self.wf.blocks[b].members.is_empty()
            {
                let name = self.block_name(b);
                self.report(dc::empty_sequence(self.block_header[b], &name));
            }
        }
        let mut backwards = false;
        let order = self.wf.sequence_order();
        for &(from, to, span) in edges {
            let Some((q, i, j)) = shared_sequence(&self.wf, &order, from, to) else {
                continue;
            };
            if i < j {
                let members = self.wf.sequence_members(q);
                let later = match members[j][0] {
                    Node::Step(s) => self.wf.steps[s].name_span,
                    Node::Block(b) => self.block_header[b],
                };
                let (f, t, sq) = (self.node_name(from), self.node_name(to), self.block_name(q));
                self.report(dc::sequence_backwards(span, &f, &t, later, &sq));
                backwards = true;
            }
        }
        for id in 0..self.wf.steps.len() {
            let src = self.step_src[id];
            if !src
                .fields
                .iter()
                .any(|f| matches!(f.value, FieldValue::After(_)))
            {
                continue;
            }
            let depends: Vec<ast::IdentRef> = src
                .fields
                .iter()
                .filter_map(|f| match &f.value {
                    FieldValue::DependsOn(l) => Some(l.iter()),
                    _ => None,
                })
                .flatten()
                .collect();
            for f in &src.fields {
                let FieldValue::After(names) = &f.value else {
                    continue;
                };
                for n in names.iter() {
                    if let Some(d) = depends.iter().find(|d| d.name == n.name) {
                        self.report(dc::after_and_depends(n.span, d.span, n.name));
                    }
                }
            }
        }
        backwards
    }
}

/// The innermost sequence holding both `from` and `to` in different
/// members, with their member indices.
fn shared_sequence(
    wf: &Workflow,
    order: &SequenceOrder,
    from: Named,
    to: Named,
) -> Option<(BlockId, usize, usize)> {
    let chain = |n: Named| match n {
        Named::Step(s) => (Node::Step(s), wf.block_chain(wf.steps[s].parent)),
        Named::Block(b) => (Node::Block(b), wf.block_chain(wf.blocks[b].parent)),
    };
    let (from_node, from_chain) = chain(from);
    let (to_node, to_chain) = chain(to);
    let q = from_chain
        .iter()
        .copied()
        .find(|&b| wf.orders_members(b) && to_chain.contains(&b))?;
    // The node directly inside `q` on the way to `n`.
    let member_node = |node: Node, chain: &[BlockId]| {
        let i = chain.iter().position(|&x| x == q)?;
        Some(if i == 0 {
            node
        } else {
            Node::Block(chain[i - 1])
        })
    };
    let (fm, tm) = (
        member_node(from_node, &from_chain)?,
        member_node(to_node, &to_chain)?,
    );
    let i = order.member_index(q, fm)?;
    let j = order.member_index(q, tm)?;
    (i != j).then_some((q, i, j))
}

/// Whether steps of `kind` have an HTTP response code, `status_code`.
fn has_status_code(kind: StepKind) -> bool {
    matches!(kind, StepKind::Http | StepKind::Webhook)
}

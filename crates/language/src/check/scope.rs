//! Collection and scope: gives every step, block and param an id, registers
//! names (reporting duplicates), lowers params, and resolves `depends on`.

use super::{BlockSrc, Checker, Ctx, Named};
use crate::check::kinds;
use crate::check::types::{self, Fit};
use crate::diag;
use crate::diag::check::{self as dc, SelfDep};
use crate::ir::{
    self, Block, BlockId, BlockKind, Dep, DepTarget, ExprKind, Node, Role, Step, StepKind, Symbol,
    Type, Wait,
};
use crate::span::Span;
use crate::syntax::ast::{self, Item};

impl<'a> Checker<'a> {
    /// Pass 1: ids and names for everything in the file.
    pub(super) fn collect(&mut self, w: &'a ast::Workflow) {
        // Most items of a big workflow are steps: room for them up front
        // saves the growth slack of a vector of thousands of steps.
        self.wf.steps.reserve_exact(w.items.len());
        let root = self.collect_items(&w.items, None, Role::Main, true);
        self.wf.root = root;
    }

    pub(super) fn collect_items(
        &mut self,
        items: &'a [Item],
        parent: Option<BlockId>,
        role: Role,
        top: bool,
    ) -> Vec<Node> {
        let mut nodes = Vec::new();
        // The top-of-block rule for lets: the first step or block so far.
        let mut first_member = None;
        for item in items {
            if matches!(
                item,
                Item::Step(_) | Item::If(_) | Item::ForEach(_) | Item::Parallel(_)
            ) && first_member.is_none()
                && !top
            {
                first_member = Some(item.span());
            }
            match item {
                Item::Let(l) => self.collect_let(l, parent, first_member),
                Item::Setting(f) if top => self.settings.push(f),
                Item::Param(p) if top => self.param_src.push(p),
                Item::Env(m) if top => self.env_src.push(m),
                Item::Outputs(o) if top => self.outputs_src.push(o),
                Item::Trigger(t) if top => self.trigger_src.push(t),
                Item::Lock(l) if top => self.lock_src.push(l),
                Item::Alert(a) if top => self.alert_src.push(a),
                Item::Defaults(d) if top => self.defaults_src.extend(&d.fields),
                Item::Handler(h) if top => {
                    if let Some(&first) = self
                        .wf
                        .handlers
                        .iter()
                        .find(|&&b| self.wf.blocks[b].kind == BlockKind::Handler(h.kind))
                    {
                        let first = self.block_header[first];
                        self.report(dc::duplicate_handler(
                            header(h.span, h.kind.keyword()),
                            first,
                            h.kind.keyword(),
                        ));
                    }
                    let b = self.new_block(
                        BlockKind::Handler(h.kind),
                        None,
                        h.span,
                        header(h.span, h.kind.keyword()),
                        BlockSrc::Other(&h.block),
                    );
                    self.wf.handlers.push(b);
                    let members =
                        self.collect_items(&h.block.items, Some(b), Role::Handler(h.kind), false);
                    self.wf.blocks[b].members = members;
                }
                // Only at the top level of a workflow; a block's `env` and
                // `defaults` are read by `inherit`.
                Item::Setting(_)
                | Item::Param(_)
                | Item::Env(_)
                | Item::Defaults(_)
                | Item::Outputs(_)
                | Item::Trigger(_)
                | Item::Lock(_)
                | Item::Alert(_)
                | Item::Handler(_) => {}
                Item::Step(s) => nodes.push(Node::Step(self.collect_step(s, parent, role))),
                Item::If(i) => {
                    let chain = self.if_chains;
                    self.if_chains += 1;
                    let mut index = 0;
                    for br in &i.branches {
                        let b = self.new_block(
                            BlockKind::IfBranch {
                                cond: None,
                                chain,
                                index,
                            },
                            parent,
                            br.span,
                            br.cond.span,
                            BlockSrc::If(Some(&br.cond), &br.block),
                        );
                        self.wf.blocks[b].members =
                            self.collect_items(&br.block.items, Some(b), role, false);
                        nodes.push(Node::Block(b));
                        index += 1;
                    }
                    if let Some(e) = &i.else_block {
                        let b = self.new_block(
                            BlockKind::IfBranch {
                                cond: None,
                                chain,
                                index,
                            },
                            parent,
                            e.span,
                            e.span,
                            BlockSrc::If(None, e),
                        );
                        self.wf.blocks[b].members =
                            self.collect_items(&e.items, Some(b), role, false);
                        nodes.push(Node::Block(b));
                    }
                }
                Item::ForEach(f) => {
                    if f.var.name == "run" {
                        self.report(dc::run_reserved(f.var.span, "loop variable"));
                    }
                    let b = self.new_block(
                        BlockKind::ForEach {
                            var: f.var.name.to_string(),
                            var_span: f.var.span,
                            var_ty: Type::Invalid,
                            iter: ir::Expr::invalid(f.iter.span),
                            parallel: None,
                            batch: f.batch.is_some(),
                            max_failures: None,
                        },
                        parent,
                        f.span,
                        Span::new(f.span.start as usize, f.iter.span.end as usize),
                        BlockSrc::ForEach(f),
                    );
                    self.wf.blocks[b].fail_fast = f.fail_fast.is_some();
                    self.wf.blocks[b].members =
                        self.collect_items(&f.block.items, Some(b), role, false);
                    nodes.push(Node::Block(b));
                }
                Item::Sequence(q) => nodes.push(self.collect_sequence(q, parent, role)),
                Item::Parallel(p) => {
                    let head = match &p.name {
                        Some(n) => n.span,
                        None => header(p.span, "parallel"),
                    };
                    let b = self.new_block(
                        BlockKind::Parallel {
                            name: p.name.as_ref().map(|n| n.name.to_string()),
                            name_span: p.name.as_ref().map(|n| n.span),
                            wait: Wait::All,
                        },
                        parent,
                        p.span,
                        head,
                        BlockSrc::Parallel(p),
                    );
                    self.wf.blocks[b].fail_fast = p.fail_fast.is_some();
                    if let Some(n) = &p.name {
                        self.register(n, Named::Block(b));
                    }
                    self.wf.blocks[b].members =
                        self.collect_items(&p.block.items, Some(b), role, false);
                    nodes.push(Node::Block(b));
                }
            }
        }
        nodes
    }

    pub(super) fn new_block(
        &mut self,
        kind: BlockKind,
        parent: Option<BlockId>,
        span: Span,
        head: Span,
        src: BlockSrc<'a>,
    ) -> BlockId {
        let id = self.wf.blocks.len();
        self.wf.blocks.push(Block {
            id,
            kind,
            parent,
            members: Vec::new(),
            depends_on: Vec::new(),
            implied: Vec::new(),
            span,
            fail_fast: false,
        });
        self.block_src.push(src);
        self.block_header.push(head);
        self.block_reads.push(Vec::new());
        id
    }

    fn collect_step(&mut self, s: &'a ast::Step, parent: Option<BlockId>, role: Role) -> usize {
        let id = self.wf.steps.len();
        let file_call = s.call.as_deref().filter(|t| t.file.is_some());
        let call = if let Some(target) = file_call {
            Some(self.resolve_file_call(target, parent, role))
        } else if s.kind.name == "call" {
            self.resolve_call(s)
        } else {
            None
        };
        let outputs = match &call {
            Some(c) if c.file => self.file_call_outputs(s),
            Some(c) => Self::call_outputs(c),
            None => Vec::new(),
        };
        let kind = match kinds::kind_named(&s.kind.name) {
            Some(k) => k.kind,
            None => {
                let names: Vec<&str> = kinds::KINDS.iter().map(|k| k.name).collect();
                let sugg = diag::did_you_mean(&s.kind.name, names.iter().copied());
                self.report(dc::unknown_kind(s.kind.span, &s.kind.name, sugg, &names));
                StepKind::Invalid
            }
        };
        self.wf.steps.push(Step {
            id,
            name: s.name.name.to_string(),
            name_span: s.name.span,
            kind,
            kind_span: s.kind.span,
            span: s.span,
            parent,
            role,
            depends_on: Vec::new(),
            after: Vec::new(),
            implied: Vec::new(),
            fields: Vec::new(),
            retry: None,
            timeout_ms: None,
            estimate_ms: None,
            settings: None,
            optional: false,
            outputs,
            rollback: Vec::new(),
            rollback_block: None,
            on_fail: None,
            doc: s.doc.clone(),
            call,
        });
        self.step_src.push(s);
        self.step_reads.push(Vec::new());
        self.register(&s.name, Named::Step(id));
        for f in &s.fields {
            if let ast::FieldValue::Rollback(block) = &f.value {
                let b = self.new_block(
                    BlockKind::Rollback { of: id },
                    parent,
                    f.span,
                    f.name.span,
                    BlockSrc::Other(block),
                );
                let members =
                    self.collect_items(&block.items, Some(b), Role::Rollback { of: id }, false);
                self.wf.blocks[b].members = members;
                if self.wf.steps[id].rollback_block.is_none() {
                    self.wf.steps[id].rollback_block = Some(b);
                    self.wf.steps[id].rollback = self.wf.steps_in(b);
                }
            }
        }
        id
    }

    pub(super) fn register(&mut self, name: &'a ast::Ident, named: Named) {
        if name.name == "run" {
            let what = match named {
                Named::Step(_) => "step",
                Named::Block(_) => "block",
            };
            self.report(dc::run_reserved(name.span, what));
        }
        match self.names.get(name.name.as_str()) {
            Some(&(_, first)) => self.report(dc::duplicate_step(name.span, first, &name.name)),
            None => {
                self.names.insert(&name.name, (named, name.span));
            }
        }
    }

    /// Lowers params: names, types, constraints and defaults.
    pub(super) fn lower_params(&mut self) {
        for (i, p) in self.param_src.clone().into_iter().enumerate() {
            if let Some(&first) = self.param_names.get(p.name.name.as_str()) {
                let first = self.wf.params[first].name_span;
                self.report(dc::duplicate_param(p.name.span, first, &p.name.name));
            } else {
                if p.name.name == "run" {
                    self.report(dc::run_reserved(p.name.span, "param"));
                }
                self.param_names.insert(p.name.name.to_string(), i);
                if let Some(&(_, step)) = self.names.get(p.name.name.as_str()) {
                    self.report(dc::name_clash(step, p.name.span, &p.name.name));
                }
            }
            let ty = types::lower(&p.ty, &mut self.diags);
            self.wf.params.push(ir::Param {
                name: p.name.name.to_string(),
                name_span: p.name.span,
                ty,
                ty_span: p.ty.span,
                secret: p.secret,
                constraint: None,
                default: None,
                doc: p.doc.clone(),
                span: p.span,
            });
        }
        for (i, p) in self.param_src.clone().into_iter().enumerate() {
            let ctx = Ctx {
                params_only: Some("param defaults"),
                param_limit: Some(i),
                ..Ctx::default()
            };
            let ty = self.wf.params[i].ty.clone();
            let constraint = p
                .constraint
                .as_ref()
                .map(|c| self.lower_constraint(c, &ty, &ctx));
            let default = p.default.as_ref().map(|d| {
                let e = self.lower_expr(d, &ctx);
                let ty_span = self.wf.params[i].ty_span;
                let ok = self.require(&e, &ty, |exp, found| {
                    dc::default_type(e.span, &p.name.name, exp, found, ty_span)
                });
                if ok {
                    if let (Some(c), Some(cs)) = (&constraint, &p.constraint) {
                        if violates(&e, c) {
                            self.report(dc::default_violates_constraint(
                                e.span,
                                &p.name.name,
                                cs.span,
                            ));
                        }
                    }
                }
                e
            });
            self.wf.params[i].constraint = constraint;
            self.wf.params[i].default = default;
        }
    }

    pub(super) fn lower_constraint(
        &mut self,
        c: &ast::Constraint,
        ty: &Type,
        ctx: &Ctx,
    ) -> ir::Constraint {
        match &c.kind {
            ast::ConstraintKind::OneOf(list) => {
                let items: &[ast::Expr] = match &list.kind {
                    ast::ExprKind::List(items) => items,
                    _ => std::slice::from_ref(list),
                };
                let values = items
                    .iter()
                    .map(|item| {
                        let e = self.lower_expr(item, ctx);
                        if types::fits(&e.ty, ty) != Fit::Yes && !ty.is_invalid() {
                            let d = dc::constraint_type(
                                e.span,
                                &ty.to_string(),
                                &e.ty.to_string(),
                                false,
                            );
                            self.report(d);
                        }
                        e
                    })
                    .collect();
                ir::Constraint::OneOf(values)
            }
            ast::ConstraintKind::Range { lo, hi } => {
                let lo = self.lower_expr(lo, ctx);
                let hi = self.lower_expr(hi, ctx);
                let rangeable =
                    matches!(ty, Type::Int | Type::Float | Type::Duration | Type::Invalid);
                for e in [&lo, &hi] {
                    if e.ty.is_invalid() {
                        continue;
                    }
                    if !rangeable {
                        let d =
                            dc::constraint_type(c.span, &ty.to_string(), &e.ty.to_string(), true);
                        self.report(d);
                        break;
                    }
                    if types::fits(&e.ty, ty) != Fit::Yes {
                        let d =
                            dc::constraint_type(e.span, &ty.to_string(), &e.ty.to_string(), false);
                        self.report(d);
                    }
                }
                ir::Constraint::Range(lo, hi)
            }
        }
    }

    /// Resolves `depends on` names written at `location` (a step's parent, or a block itself).
    pub(super) fn resolve_deps(
        &mut self,
        names: &'a ast::IdentList,
        me: Named,
        location: Option<BlockId>,
    ) -> Vec<Dep> {
        self.resolve_edges(names, me, location, EdgeWord::DependsOn)
    }

    /// Resolves the names of a `depends on` or an `after` list: each must
    /// name a step or block of the same region that neither is `me` nor
    /// encloses it; the word picks the diagnostics.
    pub(super) fn resolve_edges(
        &mut self,
        names: &'a ast::IdentList,
        me: Named,
        location: Option<BlockId>,
        word: EdgeWord,
    ) -> Vec<Dep> {
        let mut deps = Vec::with_capacity(names.len());
        let my_region = self.region_of(location);
        for n in names.iter() {
            let Some(&(target, _)) = self.names.get(n.name) else {
                let names = self.step_names();
                let s = diag::did_you_mean(n.name, names.iter().copied()).map(str::to_string);
                self.report(match word {
                    EdgeWord::DependsOn => dc::unknown_dependency(n.span, n.name, s.as_deref()),
                    EdgeWord::After => dc::unknown_after(n.span, n.name, s.as_deref()),
                });
                continue;
            };
            let (sym, dep_target, target_loc) = match target {
                Named::Step(s) => (Symbol::Step(s), DepTarget::Step(s), self.wf.steps[s].parent),
                Named::Block(b) => (
                    Symbol::Block(b),
                    DepTarget::Block(b),
                    self.wf.blocks[b].parent,
                ),
            };
            self.reference(n.span, sym);
            // (Named only for a diagnostic: 100,000 dependencies need none.)
            if target == me {
                let me_name = self.node_name(me);
                self.report(match word {
                    EdgeWord::DependsOn => dc::self_dependency(n.span, &me_name, SelfDep::Explicit),
                    EdgeWord::After => dc::after_self(n.span, &me_name, None),
                });
                continue;
            }
            if let Named::Block(b) = target {
                if self.wf.block_chain(location).contains(&b) {
                    let me_name = self.node_name(me);
                    let bn = self.block_name(b);
                    self.report(match word {
                        EdgeWord::DependsOn => {
                            dc::self_dependency(n.span, &me_name, SelfDep::Enclosing(&bn))
                        }
                        EdgeWord::After => dc::after_self(n.span, &me_name, Some(&bn)),
                    });
                    continue;
                }
            }
            let target_region = self.region_of(target_loc);
            if target_region != my_region {
                let region = self.region_name(target_region);
                self.report(match word {
                    EdgeWord::DependsOn => dc::cross_region(n.span, n.name, &region, false),
                    EdgeWord::After => dc::after_cross_region(n.span, n.name, &region),
                });
                continue;
            }
            deps.push(Dep::new(dep_target, n.span));
        }
        deps
    }
}

/// Which list a name stands in, for its diagnostics.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum EdgeWord {
    DependsOn,
    After,
}

/// The span of a block's leading keyword(s), for labels.
pub(super) fn header(span: Span, keyword: &str) -> Span {
    Span::new(span.start as usize, span.start as usize + keyword.len())
}

/// Whether a literal default breaks a constraint (unknown values never do).
pub(super) fn violates(e: &ir::Expr, c: &ir::Constraint) -> bool {
    match c {
        ir::Constraint::OneOf(values) => {
            let Some(v) = literal(e) else { return false };
            let mut all_known = true;
            for x in values {
                match literal(x) {
                    Some(x) if x == v => return false,
                    Some(_) => {}
                    None => all_known = false,
                }
            }
            all_known
        }
        ir::Constraint::Range(lo, hi) => {
            let (Some(v), Some(lo), Some(hi)) = (number(e), number(lo), number(hi)) else {
                return false;
            };
            v < lo || v > hi
        }
    }
}

#[derive(PartialEq)]
enum Lit {
    Str(String),
    Num(f64),
    Bool(bool),
}

fn literal(e: &ir::Expr) -> Option<Lit> {
    match &e.kind {
        ExprKind::Str(s) => Some(Lit::Str(s.clone())),
        ExprKind::Bool(b) => Some(Lit::Bool(*b)),
        _ => number(e).map(Lit::Num),
    }
}

fn number(e: &ir::Expr) -> Option<f64> {
    match &e.kind {
        ExprKind::Int(i) => Some(*i as f64),
        ExprKind::Float(f) => Some(*f),
        ExprKind::Duration(d) => Some(*d as f64),
        ExprKind::Unary(ir::UnaryOp::Neg, inner) => number(inner).map(|n| -n),
        _ => None,
    }
}

//! Calls inlined: before compiling, every `step X: call W { … }` is
//! replaced by W's steps, named `X.build`, `X.push`, … (a call of a call:
//! `X.Y.build`), so the plan, critical path, run, store and logs see one
//! graph. The pass is IR to IR; the compiler and the run do not know calls.
//!
//! - The callee's steps and blocks are appended (ids offset) inside a
//!   wrapper block standing where X stood: X's `depends on`, reads, `if`
//!   and loop apply to all of them (a call in `for each` gives
//!   `X[eu].build`: see `names`).
//! - X stays as the *join*: a step that waits for every callee step (an
//!   `after` edge) and then, without running anything, fails if one of them
//!   failed, else yields the callee's outputs as its own. So `depends on
//!   X`, `after X`, `X.status` and `X.outputs.NAME` mean what they say.
//! - The callee's handlers run scoped to the call: its `on failure` when X
//!   failed, `on success` when X succeeded, `finally` once X ended; their
//!   steps are optional (a handler never changes a result). Its
//!   compensations stay on its steps, so they join the caller's saga.
//! - A callee param reads the argument passed (or its default); an
//!   argument's value that breaks the param's `in` constraint is E0230 once
//!   the caller's params are bound ([`check_args`]).

pub mod bounds;
mod files;
mod join;
pub(crate) mod names;
mod rewrite;

use crate::errors;
use crate::value::Value;
use wfc_language::diag::Diagnostic;
use wfc_language::ir::{
    Block, BlockKind, Dep, DepTarget, Expr, FieldValue, Node, Param, Role, StepField, StepId,
    StepKind, Workflow,
};
use wfc_language::span::Span;

/// A workflow with its calls inlined, and what is left to check of the
/// arguments once params are bound.
#[derive(Clone, Debug)]
pub struct Inlined {
    pub wf: Workflow,
    checks: Vec<ArgCheck>,
}

/// An argument passed to a param with an `in` constraint, in the merged
/// workflow's terms: checked against the bound params before compiling.
#[derive(Clone, Debug)]
struct ArgCheck {
    value: Expr,
    param: Param,
    /// The call step's name (`ship`, `ship.prep` for a call in a callee).
    call: String,
}

/// Inlines every call of `wf` (recursively). A workflow without calls
/// comes back as it was.
pub fn inline(wf: Workflow) -> Result<Inlined, Vec<Diagnostic>> {
    // Before inlining anything: E0236 (too deep), E0237 (too many steps).
    bounds::check(&wf).map_err(|d| vec![d])?;
    let mut diags = Vec::new();
    let out = inline_all(wf, &mut diags);
    if diags.is_empty() {
        Ok(out)
    } else {
        Err(diags)
    }
}

/// A call step with its callee: not inlined yet (a join has none).
fn to_inline(s: &wfc_language::ir::Step) -> bool {
    s.kind == StepKind::Call && s.call.as_ref().is_some_and(|c| c.callee.is_some())
}

fn inline_all(mut wf: Workflow, diags: &mut Vec<Diagnostic>) -> Inlined {
    let mut checks = Vec::new();
    let calls: Vec<StepId> = (0..wf.steps.len())
        .filter(|&s| to_inline(&wf.steps[s]))
        .collect();
    for x in calls {
        let Some(mut call) = wf.steps[x].call.take() else {
            continue;
        };
        let Some(callee) = call.callee.take() else {
            continue;
        };
        let mut found = Vec::new();
        let mut inner = inline_all((*callee).clone(), &mut found);
        if let Some(dir) = &call.dir {
            files::rebase(&mut inner.wf, dir);
        }
        if callee.file.is_some() {
            // Spans into another file would point at the wrong text here.
            let site = wf.steps[x].span;
            for d in &mut found {
                d.labels.iter_mut().for_each(|l| l.span = site);
            }
        }
        diags.append(&mut found);
        // What the callee requires of the environment, the caller does (at
        // the call step, when the callee's spans point into another file).
        let site = callee.file.is_some().then_some(wf.steps[x].span);
        let required = inner.wf.required_env.iter();
        let required: Vec<_> = required
            .map(|(v, s)| (v.clone(), site.unwrap_or(*s)))
            .collect();
        wf.required_env.extend(required);
        call.callee = Some(callee);
        splice(&mut wf, x, &call, inner, &mut checks, diags);
        // The join keeps its target (for the plan to show), not its callee.
        call.callee = None;
        wf.steps[x].call = Some(call);
    }
    Inlined { wf, checks }
}

/// Moves `inner` (the callee, its own calls inlined) into `wf` at call step `x`.
fn splice(
    wf: &mut Workflow,
    x: StepId,
    call: &wfc_language::ir::Call,
    inner: Inlined,
    checks: &mut Vec<ArgCheck>,
    diags: &mut Vec<Diagnostic>,
) {
    let callee = &inner.wf;
    let site = wf.steps[x].clone();
    join::refuse_unsupported(&site, diags);
    join::call_timeout(&mut wf.steps[x], callee);
    let step_off = wf.steps.len();
    let block_off = wf.blocks.len();
    let wrapper = block_off + callee.blocks.len();
    let mut chain = next_chain(wf);
    let mut fresh_chain = || {
        chain += 1;
        chain - 1
    };
    let name = |s: &str| format!("{}.{s}", site.name);
    // The callee's steps (not its handlers' or compensations'), which the
    // join waits for and whose failure is the call's. A step of a call in
    // the callee is its join's (which waits for it), except the handlers
    // of that call, which run after its join: so each step is listed by
    // one join, not by every join above it (linear, however deep).
    let nested = |s: StepId| callee.steps[s].name.contains('.');
    let body: Vec<StepId> = (0..callee.steps.len())
        .filter(|&s| callee.steps[s].role == Role::Main)
        .filter(|&s| !nested(s) || callee.steps[s].optional)
        .collect();
    let required: Vec<join::Required> = body
        .iter()
        .filter(|&&s| !callee.steps[s].optional)
        .map(|&s| join::Required {
            step: s + step_off,
            name: callee.steps[s].name.clone(),
            may_skip: may_skip(callee, s),
            join: callee.steps[s].kind == StepKind::Call,
        })
        .collect();
    let rw = rewrite::Rewrite {
        callee,
        call,
        join: x,
        step_off,
        block_off,
        site: callee.file.is_some().then_some(site.span),
    };
    let chain_base = fresh_chain();
    let max_chain = callee.blocks.iter().filter_map(chain_of).max().unwrap_or(0);
    for _ in 0..max_chain {
        fresh_chain();
    }
    for b in &callee.blocks {
        let kind = match &b.kind {
            BlockKind::IfBranch { cond, chain, index } => BlockKind::IfBranch {
                cond: cond.as_ref().map(|c| rw.expr(c)),
                chain: chain + chain_base,
                index: *index,
            },
            BlockKind::ForEach {
                var,
                var_span,
                var_ty,
                iter,
                parallel,
                batch,
                max_failures,
            } => BlockKind::ForEach {
                var: var.clone(),
                var_span: rw.span(*var_span),
                var_ty: var_ty.clone(),
                iter: rw.expr(iter),
                parallel: parallel.as_ref().map(|n| n.as_ref().map(|n| rw.expr(n))),
                batch: *batch,
                max_failures: max_failures.as_ref().map(|m| {
                    Box::new(wfc_language::ir::Tolerance {
                        count: rw.expr(&m.count),
                        percent: m.percent,
                    })
                }),
            },
            BlockKind::Parallel {
                name: n,
                name_span,
                wait,
            } => BlockKind::Parallel {
                name: n.as_deref().map(name),
                name_span: name_span.map(|s| rw.span(s)),
                wait: *wait,
            },
            BlockKind::Sequence { name: n, name_span } => BlockKind::Sequence {
                name: n.as_deref().map(name),
                name_span: name_span.map(|s| rw.span(s)),
            },
            BlockKind::Handler(kind) => BlockKind::IfBranch {
                cond: join::handler_condition(*kind, x, site.span),
                chain: fresh_chain(),
                index: 0,
            },
            BlockKind::Rollback { of } => BlockKind::Rollback { of: rw.step(*of) },
        };
        wf.blocks.push(Block {
            id: rw.block(b.id),
            kind,
            parent: Some(b.parent.map_or(wrapper, |p| rw.block(p))),
            members: b.members.iter().map(|n| node(&rw, *n)).collect(),
            depends_on: b.depends_on.iter().map(|d| rw.dep(d)).collect(),
            implied: b.implied.iter().map(|&s| rw.step(s)).collect(),
            span: rw.span(b.span),
            fail_fast: b.fail_fast,
        });
    }
    // The wrapper: the callee's graph, the join, then its handlers.
    let mut members: Vec<Node> = callee.root.iter().map(|n| node(&rw, *n)).collect();
    members.push(Node::Step(x));
    members.extend(callee.handlers.iter().map(|&h| Node::Block(rw.block(h))));
    wf.blocks.push(Block {
        id: wrapper,
        kind: BlockKind::IfBranch {
            cond: None,
            chain: fresh_chain(),
            index: 0,
        },
        parent: site.parent,
        members,
        depends_on: site.depends_on.clone(),
        implied: site.implied.clone(),
        span: site.span,
        fail_fast: false,
    });
    for s in &callee.steps {
        let mut step = s.clone();
        step.id = rw.step(s.id);
        step.name = name(&s.name);
        step.name_span = rw.span(s.name_span);
        step.kind_span = rw.span(s.kind_span);
        step.span = rw.span(s.span);
        step.parent = Some(s.parent.map_or(wrapper, |p| rw.block(p)));
        step.role = match s.role {
            Role::Rollback { of } => Role::Rollback { of: rw.step(of) },
            Role::Main | Role::Handler(_) => site.role,
        };
        step.depends_on = s.depends_on.iter().map(|d| rw.dep(d)).collect();
        step.after = s.after.iter().map(|d| rw.dep(d)).collect();
        step.implied = s.implied.iter().map(|&t| rw.step(t)).collect();
        step.fields = s.fields.iter().map(|f| rw.field(f)).collect();
        step.settings = s.settings.as_deref().map(|st| Box::new(rw.settings(st)));
        step.rollback = s.rollback.iter().map(|&t| rw.step(t)).collect();
        step.rollback_block = s.rollback_block.map(|b| rw.block(b));
        step.optional |= site.optional;
        match s.role {
            Role::Handler(_) => {
                step.after.push(Dep::new(DepTarget::Step(x), site.span));
                step.optional = true;
            }
            Role::Main => step.after.extend(site.after.iter().copied()),
            Role::Rollback { .. } => {}
        }
        join::workflow_env(&rw, &mut step);
        if s.role == Role::Main {
            join::inherit_retry(&site, &mut step);
        }
        // Reads of the caller's steps, through the arguments: implied
        // dependencies when they are in the same graph.
        if !matches!(s.role, Role::Rollback { .. }) {
            let mut read = Vec::new();
            for f in &step.fields {
                f.value.guarded_reads(&mut |t, _| read.push(t));
            }
            for t in read {
                if t < step_off && wf.steps[t].role == site.role && !step.implied.contains(&t) {
                    step.implied.push(t);
                }
            }
        }
        wf.steps.push(step);
    }
    // Where the call stood, the wrapper now stands.
    let slot = match site.parent {
        Some(p) => &mut wf.blocks[p].members,
        None => &mut wf.root,
    };
    if let Some(n) = slot.iter_mut().find(|n| **n == Node::Step(x)) {
        *n = Node::Block(wrapper);
    }
    let join = &mut wf.steps[x];
    join.parent = Some(wrapper);
    join.after.extend(
        body.iter()
            .map(|&s| Dep::new(DepTarget::Step(rw.step(s)), site.span)),
    );
    let failed = join::failed_step(&required, site.span);
    join.fields = join::fields(&rw, callee, failed, site.span);
    for c in inner.checks {
        checks.push(ArgCheck {
            value: rw.expr(&c.value),
            param: c.param,
            call: name(&c.call),
        });
    }
    for a in &call.args {
        let param = &callee.params[a.param];
        if param.constraint.is_some() {
            checks.push(ArgCheck {
                value: a.value.clone(),
                param: param.clone(),
                call: site.name.clone(),
            });
        }
    }
}

/// Whether step `s` of `wf` may end skipped without anything going wrong:
/// inside an `if`, a loop (an empty list) or a `wait any` race. Any other
/// step that did not run was stopped by a failure.
fn may_skip(wf: &Workflow, s: StepId) -> bool {
    wf.block_chain(wf.steps[s].parent).into_iter().any(|b| {
        matches!(
            wf.blocks[b].kind,
            BlockKind::IfBranch { .. }
                | BlockKind::ForEach { .. }
                | BlockKind::Parallel {
                    wait: wfc_language::ir::Wait::Any,
                    ..
                }
        )
    })
}

fn node(rw: &rewrite::Rewrite, n: Node) -> Node {
    match n {
        Node::Step(s) => Node::Step(rw.step(s)),
        Node::Block(b) => Node::Block(rw.block(b)),
    }
}

fn chain_of(b: &Block) -> Option<usize> {
    match b.kind {
        BlockKind::IfBranch { chain, .. } => Some(chain),
        _ => None,
    }
}

/// A chain number no `if` of `wf` uses.
fn next_chain(wf: &Workflow) -> usize {
    wf.blocks
        .iter()
        .filter_map(chain_of)
        .max()
        .map_or(0, |c| c + 1)
}

/// E0230 for each argument whose plan-time value (`values`: the caller's
/// bound params) breaks the callee param's `in` constraint.
pub fn check_args(inlined: &Inlined, values: &[Option<Value>]) -> Vec<Diagnostic> {
    let never = |_| false;
    let scope = crate::eval::Scope {
        params: values,
        loops: &[],
        pruned: &never,
    };
    let mut out = Vec::new();
    for c in &inlined.checks {
        let crate::eval::Eval::Known(v) = crate::eval::eval(&c.value, &scope) else {
            continue; // known only at run time (a loop item, a step's output)
        };
        if let Err(allowed) = crate::params::check_constraint(&c.param, &v, &[]) {
            let shown = if c.value.tainted {
                "***".to_string()
            } else {
                v.literal()
            };
            out.push(errors::call_arg_not_allowed(
                c.value.span,
                &c.call,
                &c.param.name,
                &shown,
                &allowed,
            ));
        }
    }
    out
}

/// A shell or docker step's `env`, with the callee's workflow `env` first
/// (the step's own entries, later, win).
fn prepend_env(step: &mut wfc_language::ir::Step, env: Vec<(String, Expr)>, span: Span) {
    match step.fields.iter_mut().find(|f| f.name == "env") {
        Some(StepField {
            value: FieldValue::Map(m),
            ..
        }) => {
            let own = std::mem::take(m);
            *m = env.into_iter().chain(own).collect();
        }
        _ => step.fields.push(StepField {
            name: "env".into(),
            value: FieldValue::Map(env),
            span,
        }),
    }
}

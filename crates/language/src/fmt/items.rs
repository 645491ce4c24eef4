//! The workflow, its items, and blocks: `if`/`else`, `for each`, `parallel`,
//! handlers and rollbacks.
//!
//! Every block is printed over several lines (`{`, one item per line at one
//! more level of indentation, `}`), except an empty block without comments,
//! which is `{}`. A block's leading `depends on` is its first line.

use super::expr::{expr, type_expr, write_expr, Sink};
use super::fields::{fields, map_block, step};
use super::lists::hoist_limit;
use super::printer::Printer;
use crate::syntax::ast::{Block, ConstraintKind, Defaults, Expr, Item, Param, Workflow};

/// The offset of the first `{` at or after `from` (or `from` itself).
pub(super) fn open_brace(src: &str, from: usize) -> usize {
    src.get(from..)
        .and_then(|rest| rest.find('{'))
        .map_or(from, |i| from + i)
}

/// Prints ` {`, the body and `}` (leaving the `}` line open), or ` {}` when the
/// body is empty and no comment is inside.
pub(super) fn block_form(
    p: &mut Printer,
    open: usize,
    close: usize,
    first: Option<usize>,
    body: impl FnOnce(&mut Printer),
) {
    if first.is_none() && !p.comment_before(close) {
        p.push(" {}");
        p.advance(close + 1);
        return;
    }
    p.push(" {");
    p.open_block(open, first.unwrap_or(close));
    body(p);
    p.close_block(close);
}

pub(super) fn workflow(p: &mut Printer, wf: &Workflow) {
    let src = p.src;
    let open = open_brace(src, wf.name.span.end as usize);
    let close = p.close_brace(wf.span);
    let (start, end) = (wf.span.start as usize, wf.span.end as usize);
    p.node(start, end, open, None, |p| {
        p.push("workflow ");
        p.push(&wf.name.name);
        let first = wf.items.first().map(|i| i.span().start as usize);
        block_form(p, open, close, first, |p| items(p, &wf.items, close));
    });
}

/// Items one per line; `close` is the offset of the enclosing `}`.
pub(super) fn items(p: &mut Printer, items: &[Item], close: usize) {
    for (i, it) in items.iter().enumerate() {
        let next = items.get(i + 1).map_or(close, |n| n.span().start as usize);
        item(p, it, Some(next));
    }
}

fn item(p: &mut Printer, it: &Item, next: Option<usize>) {
    let src = p.src;
    let span = it.span();
    let (start, end) = (span.start as usize, span.end as usize);
    match it {
        Item::Setting(f) => super::fields::field(p, f, next),
        Item::Param(param) => {
            let hoist = hoist_limit(p, &param_exprs(param), end);
            p.node(start, end, hoist, next, |p| write_param(p, param));
        }
        Item::Let(l) => {
            let hoist = hoist_limit(p, &[&l.value], end);
            p.node(start, end, hoist, next, |p| {
                p.push(&format!("let {} = ", l.name.name));
                write_expr(p, &l.value);
            });
        }
        Item::Env(m) => map_block(p, "env", start, end, m, next),
        Item::Defaults(d) => defaults(p, d, next),
        Item::Step(s) => step(p, s, next),
        Item::If(i) => {
            let Some(first) = i.branches.first() else {
                return;
            };
            p.node(start, end, first.block.span.start as usize, next, |p| {
                for (k, branch) in i.branches.iter().enumerate() {
                    p.push(if k == 0 { "if " } else { " else if " });
                    write_expr(p, &branch.cond);
                    block(p, &branch.block);
                }
                if let Some(b) = &i.else_block {
                    p.push(" else");
                    block(p, b);
                }
            });
        }
        Item::ForEach(f) => {
            p.node(start, end, f.block.span.start as usize, next, |p| {
                p.push(&format!("for each {} in ", f.var.name));
                write_expr(p, &f.iter);
                let word = if f.batch.is_some() {
                    "batch"
                } else {
                    "parallel"
                };
                match &f.parallel {
                    None => {}
                    Some(None) => p.push(" parallel"),
                    Some(Some(n)) => p.push(&format!(" {word} {}", expr(n, src))),
                }
                if f.fail_fast.is_some() {
                    p.push(" fail fast");
                }
                if let Some(m) = &f.max_failures {
                    let pct = if m.percent { "%" } else { "" };
                    p.push(&format!(" max failures {}{pct}", expr(&m.count, src)));
                }
                block(p, &f.block);
            });
        }
        Item::Parallel(par) => {
            p.node(start, end, par.block.span.start as usize, next, |p| {
                p.push("parallel");
                if let Some(name) = &par.name {
                    p.push(" ");
                    p.push(&name.name);
                }
                if let Some(mode) = &par.wait {
                    p.push(" wait ");
                    p.push(&mode.name);
                }
                if par.fail_fast.is_some() {
                    p.push(" fail fast");
                }
                block(p, &par.block);
            });
        }
        Item::Sequence(seq) => {
            p.node(start, end, seq.block.span.start as usize, next, |p| {
                p.push("sequence");
                if let Some(name) = &seq.name {
                    p.push(" ");
                    p.push(&name.name);
                }
                block(p, &seq.block);
            });
        }
        Item::Outputs(o) => super::module::workflow_outputs(p, o, next),
        Item::Trigger(t) => super::triggers::trigger(p, t, next),
        Item::Alert(a) => super::alerts::alert(p, a, next),
        Item::Lock(l) => {
            let hoist = hoist_limit(p, &[&l.key], end);
            p.node(start, end, hoist, next, |p| {
                p.push("lock ");
                write_expr(p, &l.key);
                if l.body_span.is_some() {
                    super::triggers::lock_body(p, l);
                }
            });
        }
        Item::Handler(h) => {
            p.node(start, end, h.block.span.start as usize, next, |p| {
                p.push(h.kind.keyword());
                block(p, &h.block);
            });
        }
    }
}

/// `param NAME: TYPE [in CONSTRAINT] [= DEFAULT]` (or `secret …`).
fn write_param<'a, S: Sink<'a>>(out: &mut S, param: &Param) {
    out.text(if param.secret { "secret " } else { "param " });
    write_param_tail(out, param);
}

/// `NAME: TYPE [in CONSTRAINT] [= DEFAULT]`: a param without its keyword
/// (also a gate's input).
pub(super) fn write_param_tail<'a, S: Sink<'a>>(out: &mut S, param: &Param) {
    out.text(&param.name.name);
    out.text(": ");
    out.text(&type_expr(&param.ty));
    if let Some(c) = &param.constraint {
        out.text(" in ");
        match &c.kind {
            ConstraintKind::OneOf(list) => write_expr(out, list),
            ConstraintKind::Range { lo, hi } => {
                write_expr(out, lo);
                out.text("..");
                write_expr(out, hi);
            }
        }
    }
    if let Some(default) = &param.default {
        out.text(" = ");
        write_expr(out, default);
    }
}

/// The expressions of a param, in source order.
fn param_exprs(param: &Param) -> Vec<&Expr> {
    let mut out = Vec::new();
    if let Some(c) = &param.constraint {
        match &c.kind {
            ConstraintKind::OneOf(list) => out.push(list),
            ConstraintKind::Range { lo, hi } => out.extend([lo, hi]),
        }
    }
    out.extend(param.default.as_ref());
    out
}

fn defaults(p: &mut Printer, d: &Defaults, next: Option<usize>) {
    let src = p.src;
    let (start, end) = (d.span.start as usize, d.span.end as usize);
    let open = open_brace(src, start);
    let close = p.close_brace(d.span);
    p.node(start, end, open, next, |p| {
        p.push("defaults");
        let first = d.fields.first().map(|f| f.span.start as usize);
        block_form(p, open, close, first, |p| fields(p, &d.fields, close));
    });
}

/// ` { [depends on …] ITEM… }` — the body of a control-flow block.
pub(super) fn block(p: &mut Printer, b: &Block) {
    let open = b.span.start as usize;
    let close = p.close_brace(b.span);
    let first_item = b.items.first().map(|i| i.span().start as usize);
    let first = b
        .depends_on
        .as_ref()
        .map(|d| d.span.start as usize)
        .or(first_item);
    block_form(p, open, close, first, |p| {
        if let Some(dep) = &b.depends_on {
            let (start, end) = (dep.span.start as usize, dep.span.end as usize);
            let text = format!("depends on {}", dep.names.written());
            p.node(start, end, end, Some(first_item.unwrap_or(close)), |p| {
                p.push(&text)
            });
        }
        items(p, &b.items, close);
    });
}

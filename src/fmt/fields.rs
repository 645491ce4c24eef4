//! Steps and their fields, map blocks (`env { … }`, `headers { … }`) and
//! `outputs { … }`.
//!
//! A step's body has one field per line, except a step with exactly one simple
//! field (not a map, `outputs` or rollback) and no comment inside, which stays
//! on one line when it fits: `step x: shell { run "…" }`. Map blocks and
//! `outputs` follow the same rule: a single entry (or a short `outputs` list,
//! `, `-separated) stays inline; anything else is one entry per line.

use super::expr::{expr, map_assign, type_expr};
use super::items::{block, block_form, open_brace};
use super::printer::{Printer, MAX_WIDTH};
use crate::syntax::ast::{Field, FieldValue, MapBlock, OutputDecl, Step};

fn fits(p: &Printer, line: &str) -> bool {
    !line.contains('\n') && p.column() + line.chars().count() <= MAX_WIDTH
}

pub(super) fn step(p: &mut Printer, s: &Step, next: Option<usize>) {
    let src = p.src;
    let (start, end) = (s.span.start as usize, s.span.end as usize);
    let open = s.body_span.start as usize;
    let close = p.close_brace(s.body_span);
    p.node(start, end, open, next, |p| {
        let head = format!("step {}: {}", s.name.name, s.kind.name);
        p.push(&head);
        if let [only] = s.fields.as_slice() {
            if let Some(text) = simple_field(only, src) {
                let line = format!("{head} {{ {text} }}");
                if !p.comment_before(close) && fits(p, &line) {
                    p.push(&format!(" {{ {text} }}"));
                    p.advance(close + 1);
                    return;
                }
            }
        }
        let first = s.fields.first().map(|f| f.span.start as usize);
        block_form(p, open, close, first, |p| fields(p, &s.fields, close));
    });
}

/// Fields one per line; `close` is the offset of the enclosing `}`.
pub(super) fn fields(p: &mut Printer, list: &[Field], close: usize) {
    for (i, f) in list.iter().enumerate() {
        let next = list.get(i + 1).map_or(close, |n| n.span.start as usize);
        field(p, f, Some(next));
    }
}

/// A field (or workflow setting) as a line-level node.
pub(super) fn field(p: &mut Printer, f: &Field, next: Option<usize>) {
    let src = p.src;
    let (start, end) = (f.span.start as usize, f.span.end as usize);
    match &f.value {
        FieldValue::Map(m) => map_block(p, &f.name.name, start, end, m, next),
        FieldValue::Outputs(decls) => outputs(p, f, decls, next),
        FieldValue::Rollback(b) => {
            p.node(start, end, b.span.start as usize, next, |p| {
                p.push("on failure rollback");
                block(p, b);
            });
        }
        _ => {
            let text = simple_field(f, src).unwrap_or_default();
            p.node(start, end, end, next, |p| p.push(&text));
        }
    }
}

/// The one-line text of a field that is not a map, `outputs` or rollback.
fn simple_field(f: &Field, src: &str) -> Option<String> {
    let name = &f.name.name;
    Some(match &f.value {
        FieldValue::Flag => name.clone(),
        FieldValue::Expr(e) => format!("{name} {}", expr(e, src)),
        FieldValue::DependsOn(names) => {
            let names: Vec<&str> = names.iter().map(|n| n.name.as_str()).collect();
            format!("depends on {}", names.join(", "))
        }
        FieldValue::Retry(r) => {
            let mut text = format!("retry {}", expr(&r.count, src));
            if let Some(backoff) = &r.backoff {
                text.push_str(&format!(" backoff {}", expr(backoff, src)));
            }
            if let Some(strategy) = &r.strategy {
                text.push(' ');
                text.push_str(&strategy.name);
            }
            if let Some(max) = &r.max {
                text.push_str(&format!(" max {}", expr(max, src)));
            }
            text
        }
        FieldValue::OnFail(action) => format!("on fail {}", action.name),
        FieldValue::Mount { source, target } => {
            format!("mount {} at {}", expr(source, src), expr(target, src))
        }
        FieldValue::Map(_) | FieldValue::Outputs(_) | FieldValue::Rollback(_) => return None,
    })
}

/// `KEYWORD { KEY = EXPR … }` spanning `start..end`: inline with one entry
/// when it fits and holds no comment, otherwise one entry per line.
pub(super) fn map_block(
    p: &mut Printer,
    keyword: &str,
    start: usize,
    end: usize,
    m: &MapBlock,
    next: Option<usize>,
) {
    let src = p.src;
    let open = open_brace(src, start);
    let close = p.close_brace(m.span);
    p.node(start, end, open, next, |p| {
        p.push(keyword);
        if let [only] = m.entries.as_slice() {
            let line = format!("{keyword} {{ {} }}", map_assign(only, src));
            if !p.comment_before(close) && fits(p, &line) {
                p.push(&format!(" {{ {} }}", map_assign(only, src)));
                p.advance(close + 1);
                return;
            }
        }
        let first = m.entries.first().map(|e| e.span.start as usize);
        block_form(p, open, close, first, |p| {
            for (i, entry) in m.entries.iter().enumerate() {
                let next = m
                    .entries
                    .get(i + 1)
                    .map_or(close, |n| n.span.start as usize);
                let (s, e) = (entry.span.start as usize, entry.span.end as usize);
                let text = map_assign(entry, src);
                p.node(s, e, e, Some(next), |p| p.push(&text));
            }
        });
    });
}

/// `outputs { name: type, … }`: inline when it fits and holds no comment,
/// otherwise one declaration per line.
fn outputs(p: &mut Printer, f: &Field, decls: &[OutputDecl], next: Option<usize>) {
    let src = p.src;
    let (start, end) = (f.span.start as usize, f.span.end as usize);
    let open = open_brace(src, f.name.span.end as usize);
    let close = p.close_brace(f.span);
    let decl = |d: &OutputDecl| format!("{}: {}", d.name.name, type_expr(&d.ty));
    p.node(start, end, open, next, |p| {
        p.push("outputs");
        if !decls.is_empty() {
            let list: Vec<String> = decls.iter().map(decl).collect();
            let inline = format!(" {{ {} }}", list.join(", "));
            if !p.comment_before(close) && fits(p, &format!("outputs{inline}")) {
                p.push(&inline);
                p.advance(close + 1);
                return;
            }
        }
        let first = decls.first().map(|d| d.span.start as usize);
        block_form(p, open, close, first, |p| {
            for (i, d) in decls.iter().enumerate() {
                let next = decls.get(i + 1).map_or(close, |n| n.span.start as usize);
                let (s, e) = (d.span.start as usize, d.span.end as usize);
                let text = decl(d);
                p.node(s, e, e, Some(next), |p| p.push(&text));
            }
        });
    });
}

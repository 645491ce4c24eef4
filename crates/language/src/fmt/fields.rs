//! Steps and their fields, map blocks (`env { … }`, `headers { … }`) and
//! `outputs { … }`.
//!
//! A step's body has one field per line, except a step with exactly one simple
//! field (not a map, `outputs` or rollback) and no comment inside, which stays
//! on one line when it fits: `step x: shell { run "…" }`. Map blocks and
//! `outputs` follow the same rule: a single entry (or a short `outputs` list,
//! `, `-separated) stays inline; anything else is one entry per line.

use super::expr::{map_assign, type_expr, write_assign, write_expr, Line, Sink};
use super::items::{block, block_form, open_brace, write_param_tail};
use super::lists::hoist_limit;
use super::printer::{Printer, MAX_WIDTH};
use crate::span::Span;
use crate::syntax::ast::{Expr, Field, FieldValue, MapBlock, OutputDecl, Param, Step};

pub(super) fn fits(p: &Printer, line: &str) -> bool {
    !line.contains('\n') && p.column() + line.chars().count() <= MAX_WIDTH
}

pub(super) fn step(p: &mut Printer, s: &Step, next: Option<usize>) {
    let src = p.src;
    let (start, end) = (s.span.start as usize, s.span.end as usize);
    let open = s.body_span.start as usize;
    let close = p.close_brace(s.body_span);
    p.node(start, end, open, next, |p| {
        let head = match &s.call {
            Some(t) => match &t.file {
                Some(path) => {
                    let path = super::expr::expr(path, src);
                    format!("step {}: call file({path})", s.name.name)
                }
                None => format!("step {}: call {}", s.name.name, t.text()),
            },
            None => format!("step {}: {}", s.name.name, s.kind.name),
        };
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
    let (start, end) = (f.span.start as usize, f.span.end as usize);
    match &f.value {
        FieldValue::Map(m) => map_block(p, &f.name.name, start, end, m, next),
        FieldValue::Outputs(decls) => outputs(p, f, decls, next),
        FieldValue::Inputs(decls) => inputs(p, f, decls, next),
        FieldValue::Rollback(b) => {
            p.node(start, end, b.span.start as usize, next, |p| {
                p.push("on failure rollback");
                block(p, b);
            });
        }
        _ => {
            let hoist = hoist_limit(p, &field_exprs(f), end);
            p.node(start, end, hoist, next, |p| {
                write_simple(p, f);
            });
        }
    }
}

/// The one-line text of a field that is not a map, `outputs` or rollback.
pub(super) fn simple_field(f: &Field, src: &str) -> Option<String> {
    let mut line = Line::new(src);
    write_simple(&mut line, f).then_some(line.out)
}

/// The expressions of a field printed on one line.
fn field_exprs(f: &Field) -> Vec<&Expr> {
    match &f.value {
        FieldValue::Expr(e) => vec![e],
        FieldValue::Mount { source, target } => vec![source, target],
        FieldValue::Retry(r) => [
            Some(&r.count),
            r.backoff.as_ref(),
            r.max.as_ref(),
            r.within.as_ref(),
            r.when.as_ref(),
        ]
        .into_iter()
        .flatten()
        .collect(),
        FieldValue::Until(u) => vec![&u.cond, &u.every, &u.within],
        FieldValue::Executor {
            fields: Some(fields),
            ..
        }
        | FieldValue::Resources(fields) => fields.iter().flat_map(field_exprs).collect(),
        _ => Vec::new(),
    }
}

/// Writes a field that is not a map, `outputs` or rollback; false for those.
fn write_simple<'a, S: Sink<'a>>(out: &mut S, f: &Field) -> bool {
    match &f.value {
        FieldValue::Flag => out.text(&f.name.name),
        FieldValue::Expr(e) => {
            out.text(&f.name.name);
            out.text(" ");
            write_expr(out, e);
        }
        FieldValue::DependsOn(names) => {
            out.text("depends on ");
            out.text(&names.written());
        }
        FieldValue::After(names) => {
            let names: Vec<&str> = names.iter().map(|n| n.name).collect();
            out.text("after ");
            out.text(&names.join(", "));
        }
        FieldValue::Retry(r) => {
            out.text("retry ");
            write_expr(out, &r.count);
            if let Some(backoff) = &r.backoff {
                out.text(" backoff ");
                write_expr(out, backoff);
            }
            if let Some(strategy) = &r.strategy {
                out.text(" ");
                out.text(&strategy.name);
            }
            if let Some(max) = &r.max {
                out.text(" max ");
                write_expr(out, max);
            }
            if let Some(within) = &r.within {
                out.text(" within ");
                write_expr(out, within);
            }
            if let Some(when) = &r.when {
                out.text(" when ");
                write_expr(out, when);
            }
        }
        FieldValue::Until(u) => {
            out.text("until ");
            write_expr(out, &u.cond);
            out.text(" every ");
            write_expr(out, &u.every);
            out.text(" within ");
            write_expr(out, &u.within);
        }
        FieldValue::OnFail(action) => {
            out.text("on fail ");
            out.text(&action.name);
        }
        FieldValue::Mount { source, target } => {
            out.text("mount ");
            write_expr(out, source);
            out.text(" at ");
            write_expr(out, target);
        }
        FieldValue::Executor { name, fields } => {
            out.text("executor ");
            out.text(&name.name);
            if let Some(fields) = fields {
                write_sub_fields(out, fields);
            }
        }
        FieldValue::Resources(fields) => {
            out.text("resources");
            write_sub_fields(out, fields);
        }
        FieldValue::Map(_)
        | FieldValue::Outputs(_)
        | FieldValue::Inputs(_)
        | FieldValue::Rollback(_) => return false,
    }
    true
}

/// ` { NAME EXPR … }` of `executor` and `resources`, on one line: a few
/// short settings.
fn write_sub_fields<'a, S: Sink<'a>>(out: &mut S, fields: &[Field]) {
    out.text(" {");
    for f in fields {
        out.text(" ");
        write_simple(out, f);
    }
    out.text(if fields.is_empty() { "}" } else { " }" });
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
                let hoist = hoist_limit(p, &[&entry.value], e);
                p.node(s, e, hoist, Some(next), |p| write_assign(p, entry));
            }
        });
    });
}

/// `outputs { name: type, … }`: inline when it fits and holds no comment,
/// otherwise one declaration per line.
fn outputs(p: &mut Printer, f: &Field, decls: &[OutputDecl], next: Option<usize>) {
    let items: Vec<(Span, String)> = decls
        .iter()
        .map(|d| (d.span, format!("{}: {}", d.name.name, type_expr(&d.ty))))
        .collect();
    decl_block(p, f, "outputs", &items, next);
}

/// `inputs { NAME: TYPE [in …] [= DEFAULT], … }` of an approval gate.
fn inputs(p: &mut Printer, f: &Field, decls: &[Param], next: Option<usize>) {
    let src = p.src;
    let items: Vec<(Span, String)> = decls
        .iter()
        .map(|d| {
            let mut line = Line::new(src);
            write_param_tail(&mut line, d);
            (d.span, line.out)
        })
        .collect();
    decl_block(p, f, "inputs", &items, next);
}

/// `KEYWORD { DECL, … }`: inline when it fits and holds no comment, else
/// one declaration per line.
fn decl_block(
    p: &mut Printer,
    f: &Field,
    keyword: &str,
    items: &[(Span, String)],
    next: Option<usize>,
) {
    let src = p.src;
    let (start, end) = (f.span.start as usize, f.span.end as usize);
    let open = open_brace(src, f.name.span.end as usize);
    let close = p.close_brace(f.span);
    p.node(start, end, open, next, |p| {
        p.push(keyword);
        if !items.is_empty() {
            let list: Vec<&str> = items.iter().map(|(_, t)| t.as_str()).collect();
            let inline = format!(" {{ {} }}", list.join(", "));
            if !p.comment_before(close) && fits(p, &format!("{keyword}{inline}")) {
                p.push(&inline);
                p.advance(close + 1);
                return;
            }
        }
        let first = items.first().map(|(sp, _)| sp.start as usize);
        block_form(p, open, close, first, |p| {
            for (i, (sp, text)) in items.iter().enumerate() {
                let next = items.get(i + 1).map_or(close, |(n, _)| n.start as usize);
                let (s, e) = (sp.start as usize, sp.end as usize);
                p.node(s, e, e, Some(next), |p| p.push(text));
            }
        });
    });
}

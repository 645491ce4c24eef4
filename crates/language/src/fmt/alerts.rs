//! `alert NAME { … }`: one entry per line — `when` and its condition in
//! canonical spacing (`failure_rate(last 10) > 0.3`), each `notify` as a
//! step is printed (on one line when it has one short field), `cooldown`.

use super::expr::write_expr;
use super::fields::{field, fields, fits, simple_field};
use super::items::block_form;
use super::printer::Printer;
use crate::syntax::ast::{Alert, AlertEntry, AlertWhen, Notify};

pub(super) fn alert(p: &mut Printer, a: &Alert, next: Option<usize>) {
    let (start, end) = (a.span.start as usize, a.span.end as usize);
    let open = a.body_span.start as usize;
    let close = p.close_brace(a.body_span);
    p.node(start, end, open, next, |p| {
        p.push("alert ");
        p.push(&a.name.name);
        let first = a.entries.first().map(|e| e.span().start as usize);
        block_form(p, open, close, first, |p| {
            for (i, e) in a.entries.iter().enumerate() {
                let next = a
                    .entries
                    .get(i + 1)
                    .map_or(close, |n| n.span().start as usize);
                entry(p, e, Some(next));
            }
        });
    });
}

fn entry(p: &mut Printer, e: &AlertEntry, next: Option<usize>) {
    match e {
        AlertEntry::Field(f) => field(p, f, next),
        AlertEntry::When(w) => {
            let (start, end) = (w.span.start as usize, w.span.end as usize);
            p.node(start, end, end, next, |p| when(p, w));
        }
        AlertEntry::Notify(n) => notify(p, n, next),
    }
}

fn when(p: &mut Printer, w: &AlertWhen) {
    p.push("when ");
    p.push(&w.metric.name);
    if let Some(window) = &w.window {
        p.push("(last ");
        write_expr(p, window);
        p.push(")");
    }
    if let Some((op, _)) = w.op {
        p.push(" ");
        p.push(op.symbol());
    }
    if let Some(value) = &w.value {
        p.push(" ");
        write_expr(p, value);
    }
}

fn notify(p: &mut Printer, n: &Notify, next: Option<usize>) {
    let src = p.src;
    let (start, end) = (n.span.start as usize, n.span.end as usize);
    let head = format!("notify {}", n.kind.name);
    let Some(body) = n.body_span else {
        p.node(start, end, end, next, |p| p.push(&head));
        return;
    };
    let open = body.start as usize;
    let close = p.close_brace(body);
    p.node(start, end, open, next, |p| {
        p.push(&head);
        if let [only] = n.fields.as_slice() {
            if let Some(text) = simple_field(only, src) {
                let line = format!("{head} {{ {text} }}");
                if !p.comment_before(close) && fits(p, &line) {
                    p.push(&format!(" {{ {text} }}"));
                    p.advance(close + 1);
                    return;
                }
            }
        }
        let first = n.fields.first().map(|f| f.span.start as usize);
        block_form(p, open, close, first, |p| fields(p, &n.fields, close));
    });
}

//! `on schedule|webhook|change "…" { … }`: the keywords and target on one
//! line, then the fields one per line, like `defaults`.

use super::expr::write_expr;
use super::fields::fields;
use super::items::{block_form, open_brace};
use super::printer::Printer;
use crate::syntax::ast::{Lock, Trigger};

pub(super) fn trigger(p: &mut Printer, t: &Trigger, next: Option<usize>) {
    let src = p.src;
    let (start, end) = (t.span.start as usize, t.span.end as usize);
    let Some(body) = t.body_span else {
        p.node(start, end, end, next, |p| head(p, t));
        return;
    };
    let open = open_brace(src, t.target.span.end as usize);
    let close = p.close_brace(body);
    p.node(start, end, open, next, |p| {
        head(p, t);
        let first = t.fields.first().map(|f| f.span.start as usize);
        block_form(p, open, close, first, |p| fields(p, &t.fields, close));
    });
}

fn head(p: &mut Printer, t: &Trigger) {
    p.push("on ");
    p.push(t.kind.word());
    p.push(" ");
    write_expr(p, &t.target);
}

/// `{ on busy MODE }` of a `lock`, on the lock's line (`{}` when empty).
pub(super) fn lock_body(p: &mut Printer, l: &Lock) {
    match &l.busy {
        Some(mode) => {
            p.push(" { on busy ");
            p.push(&mode.name);
            p.push(" }");
        }
        None => p.push(" {}"),
    }
}

//! List and map literals spread over several lines.
//!
//! An expression is normally printed on one line. A list or map literal with a
//! comment inside, or one that would take the line past 100 columns, is printed
//! one element per line instead, each followed by a `,` (and its comments stay
//! beside the elements they were written with):
//!
//! ```text
//! param regions: list<string> = [
//!   "eu-west",  # primary
//!   "us-east",
//! ]
//! ```
//!
//! Comments elsewhere inside a one-line node are moved above the node (see
//! `printer`); [`hoist_limit`] says where that stops.

use super::expr::{expr, write_entry, write_expr, Sink};
use super::printer::{Printer, MAX_WIDTH};
use crate::span::Span;
use crate::syntax::ast::{Expr, ExprKind};

impl<'a> Sink<'a> for Printer<'a> {
    fn src(&self) -> &'a str {
        self.src
    }

    fn text(&mut self, text: &str) {
        self.push(text);
    }

    fn broken(&mut self, e: &Expr) -> bool {
        let (open_delim, close_delim) = match &e.kind {
            ExprKind::List(_) => ("[", ']'),
            ExprKind::Map(_) => ("{", '}'),
            _ => return false,
        };
        let open = e.span.start as usize;
        let close = self.close_delim(e.span, close_delim);
        let empty = matches!(&e.kind, ExprKind::List(v) if v.is_empty())
            || matches!(&e.kind, ExprKind::Map(v) if v.is_empty());
        let too_wide = || self.line_width() + expr(e, self.src).chars().count() > MAX_WIDTH;
        if !self.comment_before(close) && (empty || !too_wide()) {
            return false;
        }
        let spans: Vec<Span> = match &e.kind {
            ExprKind::List(items) => items.iter().map(|i| i.span).collect(),
            ExprKind::Map(entries) => entries.iter().map(|m| m.span).collect(),
            _ => Vec::new(),
        };
        self.push(open_delim);
        self.open_block(open, spans.first().map_or(close, |s| s.start as usize));
        for (i, span) in spans.iter().enumerate() {
            let next = spans.get(i + 1).map_or(close, |s| s.start as usize);
            let (start, end) = (span.start as usize, span.end as usize);
            let hoist = match &e.kind {
                ExprKind::List(items) => hoist_limit(self, &[&items[i]], end),
                ExprKind::Map(entries) => hoist_limit(self, &[&entries[i].value], end),
                _ => end,
            };
            self.node(start, end, hoist, Some(next), |p| {
                match &e.kind {
                    ExprKind::List(items) => write_expr(p, &items[i]),
                    ExprKind::Map(entries) => write_entry(p, &entries[i]),
                    _ => {}
                }
                p.push(",");
            });
        }
        self.close_with(close, &close_delim.to_string());
        true
    }
}

/// Where the comments inside a one-line node spanning `..end` stop being moved
/// above it: at the first list or map literal among `exprs` that holds a
/// comment (which keeps its comments), or at `end`.
pub(super) fn hoist_limit(p: &Printer, exprs: &[&Expr], end: usize) -> usize {
    exprs
        .iter()
        .filter_map(|e| first_broken(p, e))
        .min()
        .map_or(end, |start| start.min(end))
}

fn first_broken(p: &Printer, e: &Expr) -> Option<usize> {
    let start = e.span.start as usize;
    match &e.kind {
        ExprKind::List(_) | ExprKind::Map(_) => {
            let delim = if matches!(e.kind, ExprKind::List(_)) {
                ']'
            } else {
                '}'
            };
            let close = p.close_delim(e.span, delim);
            p.comment_in(start, close).then_some(start)
        }
        ExprKind::Field(base, _) => first_broken(p, base),
        ExprKind::Index(base, index) => first_broken(p, base).or_else(|| first_broken(p, index)),
        ExprKind::Call(_, args) => args.iter().find_map(|a| first_broken(p, a)),
        ExprKind::Unary(_, x) | ExprKind::Paren(x) => first_broken(p, x),
        ExprKind::Binary(_, l, r) => first_broken(p, l).or_else(|| first_broken(p, r)),
        ExprKind::Cond(c, a, b) => first_broken(p, c)
            .or_else(|| first_broken(p, a))
            .or_else(|| first_broken(p, b)),
        ExprKind::Comprehension(c) => first_broken(p, &c.elem)
            .or_else(|| first_broken(p, &c.source))
            .or_else(|| c.filter.as_ref().and_then(|f| first_broken(p, f))),
        ExprKind::Str(_)
        | ExprKind::Int(_)
        | ExprKind::Float(_)
        | ExprKind::Bool(_)
        | ExprKind::Duration(_)
        | ExprKind::Size(_)
        | ExprKind::Name(_) => None,
    }
}

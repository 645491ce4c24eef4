//! Expressions and types, rendered on one line.
//!
//! String, number and duration literals are copied verbatim from the source by
//! span, so escapes, `"""` blocks and spellings such as `1h30m` survive byte for
//! byte. Everything else is printed in canonical spacing: single spaces around
//! binary operators, `[a, b]`, `{ key: value }`, `f(a, b)`, and parentheses
//! exactly where the tree has them (`ExprKind::Paren`).

use crate::span::Span;
use crate::syntax::ast::{Expr, ExprKind, Key, MapEntry, TypeExpr, UnaryOp};

/// Where rendered text goes: a one-line [`Line`], or the printer itself, which
/// may spread a list or map literal holding comments over several lines.
pub(super) trait Sink<'a> {
    fn src(&self) -> &'a str;
    fn text(&mut self, text: &str);
    /// Prints `e` over several lines if it should be; says whether it did.
    fn broken(&mut self, _e: &Expr) -> bool {
        false
    }
}

/// Text on one line.
pub(super) struct Line<'a> {
    pub(super) src: &'a str,
    pub(super) out: String,
}

impl<'a> Line<'a> {
    pub(super) fn new(src: &'a str) -> Line<'a> {
        Line {
            src,
            out: String::new(),
        }
    }
}

impl<'a> Sink<'a> for Line<'a> {
    fn src(&self) -> &'a str {
        self.src
    }
    fn text(&mut self, text: &str) {
        self.out.push_str(text);
    }
}

/// The source text of `span`, if the span lies inside `src` on char boundaries.
pub(super) fn verbatim(src: &str, span: Span) -> Option<&str> {
    src.get(span.range())
        .map(str::trim_end)
        .filter(|s| !s.is_empty())
}

/// Renders an expression on one line in canonical spacing.
pub(super) fn expr(e: &Expr, src: &str) -> String {
    let mut line = Line::new(src);
    write_expr(&mut line, e);
    line.out
}

/// Writes an expression in canonical spacing.
pub(super) fn write_expr<'a, S: Sink<'a>>(out: &mut S, e: &Expr) {
    if out.broken(e) {
        return;
    }
    let src = out.src();
    match &e.kind {
        ExprKind::Str(lit) => match verbatim(src, e.span) {
            Some(text) => out.text(text),
            // Not expected from the parser; print the plain text re-escaped.
            None => {
                let mut text = String::from('"');
                for ch in lit.as_plain().unwrap_or_default().chars() {
                    match ch {
                        '"' => text.push_str("\\\""),
                        '\\' => text.push_str("\\\\"),
                        '\n' => text.push_str("\\n"),
                        '$' => text.push_str("\\$"),
                        c => text.push(c),
                    }
                }
                text.push('"');
                out.text(&text);
            }
        },
        ExprKind::Int(n) => push_verbatim(out, e.span, || n.to_string()),
        ExprKind::Float(x) => push_verbatim(out, e.span, || format!("{x:?}")),
        ExprKind::Duration(ms) => push_verbatim(out, e.span, || format!("{ms}ms")),
        ExprKind::Size(b) => push_verbatim(out, e.span, || format!("{}KB", b / 1024)),
        ExprKind::Bool(b) => out.text(if *b { "true" } else { "false" }),
        ExprKind::List(items) => {
            out.text("[");
            write_list(out, items);
            out.text("]");
        }
        ExprKind::Map(entries) => {
            if entries.is_empty() {
                out.text("{}");
            } else {
                out.text("{ ");
                for (i, entry) in entries.iter().enumerate() {
                    if i > 0 {
                        out.text(", ");
                    }
                    write_entry(out, entry);
                }
                out.text(" }");
            }
        }
        ExprKind::Name(id) => out.text(&id.name),
        ExprKind::Field(base, field) => {
            write_expr(out, base);
            out.text(".");
            out.text(&field.name);
        }
        ExprKind::Index(base, index) => {
            write_expr(out, base);
            out.text("[");
            write_expr(out, index);
            out.text("]");
        }
        ExprKind::Comprehension(c) => {
            out.text("[");
            write_expr(out, &c.elem);
            out.text(" for ");
            out.text(&c.var.name);
            out.text(" in ");
            write_expr(out, &c.source);
            if let Some(f) = &c.filter {
                out.text(" if ");
                write_expr(out, f);
            }
            out.text("]");
        }
        ExprKind::Call(name, args) => {
            out.text(&name.name);
            out.text("(");
            write_list(out, args);
            out.text(")");
        }
        ExprKind::Unary(op, operand) => {
            out.text(match op {
                UnaryOp::Not => "!",
                UnaryOp::Neg => "-",
            });
            write_expr(out, operand);
        }
        ExprKind::Binary(op, lhs, rhs) => {
            write_expr(out, lhs);
            out.text(" ");
            out.text(op.symbol());
            out.text(" ");
            write_expr(out, rhs);
        }
        ExprKind::Paren(inner) => {
            out.text("(");
            write_expr(out, inner);
            out.text(")");
        }
        // (Looser than every operator: only a `Paren` puts one inside another.)
        ExprKind::Cond(c, a, b) => {
            write_expr(out, c);
            out.text(" ? ");
            write_expr(out, a);
            out.text(" : ");
            write_expr(out, b);
        }
    }
}

/// `key: value`, one entry of a map literal.
pub(super) fn write_entry<'a, S: Sink<'a>>(out: &mut S, entry: &MapEntry) {
    out.text(&key(&entry.key, out.src()));
    out.text(": ");
    write_expr(out, &entry.value);
}

fn push_verbatim<'a, S: Sink<'a>>(out: &mut S, span: Span, fallback: impl FnOnce() -> String) {
    match verbatim(out.src(), span) {
        Some(text) => out.text(text),
        None => out.text(&fallback()),
    }
}

fn write_list<'a, S: Sink<'a>>(out: &mut S, items: &[Expr]) {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.text(", ");
        }
        write_expr(out, item);
    }
}

/// A map key: a bare name, or a quoted key verbatim from the source.
pub(super) fn key(k: &Key, src: &str) -> String {
    if k.quoted {
        match verbatim(src, k.span) {
            Some(text) if text.starts_with('"') => text.to_string(),
            _ => format!("{:?}", k.name),
        }
    } else {
        k.name.clone()
    }
}

/// `KEY = value`, one entry of a map block (`env { … }`, `headers { … }`).
pub(super) fn write_assign<'a, S: Sink<'a>>(out: &mut S, entry: &MapEntry) {
    out.text(&key(&entry.key, out.src()));
    out.text(" = ");
    write_expr(out, &entry.value);
    if entry.optional {
        out.text(" optional");
    }
}

/// `KEY = value` on one line.
pub(super) fn map_assign(entry: &MapEntry, src: &str) -> String {
    let mut line = Line::new(src);
    write_assign(&mut line, entry);
    line.out
}

/// A type as written: `string`, `list<int>`, `map<string>?`.
pub(super) fn type_expr(t: &TypeExpr) -> String {
    let mut out = t.name.name.to_string();
    if !t.args.is_empty() {
        out.push('<');
        let args: Vec<String> = t.args.iter().map(type_expr).collect();
        out.push_str(&args.join(", "));
        out.push('>');
    }
    if t.optional {
        out.push('?');
    }
    out
}

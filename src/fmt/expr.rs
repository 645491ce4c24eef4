//! Expressions and types, rendered on one line.
//!
//! String, number and duration literals are copied verbatim from the source by
//! span, so escapes, `"""` blocks and spellings such as `1h30m` survive byte for
//! byte. Everything else is printed in canonical spacing: single spaces around
//! binary operators, `[a, b]`, `{ key: value }`, `f(a, b)`, and parentheses
//! exactly where the tree has them (`ExprKind::Paren`).

use crate::span::Span;
use crate::syntax::ast::{Expr, ExprKind, Key, MapEntry, TypeExpr, UnaryOp};

/// The source text of `span`, if the span lies inside `src` on char boundaries.
pub(super) fn verbatim(src: &str, span: Span) -> Option<&str> {
    src.get(span.range()).filter(|s| !s.is_empty())
}

/// Renders an expression in canonical spacing.
pub(super) fn expr(e: &Expr, src: &str) -> String {
    let mut out = String::new();
    write_expr(&mut out, e, src);
    out
}

fn write_expr(out: &mut String, e: &Expr, src: &str) {
    match &e.kind {
        ExprKind::Str(lit) => match verbatim(src, e.span) {
            Some(text) => out.push_str(text),
            // Not expected from the parser; print the plain text re-escaped.
            None => {
                out.push('"');
                for ch in lit.as_plain().unwrap_or_default().chars() {
                    match ch {
                        '"' => out.push_str("\\\""),
                        '\\' => out.push_str("\\\\"),
                        '\n' => out.push_str("\\n"),
                        '$' => out.push_str("\\$"),
                        c => out.push(c),
                    }
                }
                out.push('"');
            }
        },
        ExprKind::Int(n) => push_verbatim(out, src, e.span, || n.to_string()),
        ExprKind::Float(x) => push_verbatim(out, src, e.span, || format!("{x:?}")),
        ExprKind::Duration(ms) => push_verbatim(out, src, e.span, || format!("{ms}ms")),
        ExprKind::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        ExprKind::List(items) => {
            out.push('[');
            write_list(out, items, src);
            out.push(']');
        }
        ExprKind::Map(entries) => {
            if entries.is_empty() {
                out.push_str("{}");
            } else {
                out.push_str("{ ");
                for (i, entry) in entries.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    out.push_str(&key(&entry.key, src));
                    out.push_str(": ");
                    write_expr(out, &entry.value, src);
                }
                out.push_str(" }");
            }
        }
        ExprKind::Name(id) => out.push_str(&id.name),
        ExprKind::Field(base, field) => {
            write_expr(out, base, src);
            out.push('.');
            out.push_str(&field.name);
        }
        ExprKind::Index(base, index) => {
            write_expr(out, base, src);
            out.push('[');
            write_expr(out, index, src);
            out.push(']');
        }
        ExprKind::Call(name, args) => {
            out.push_str(&name.name);
            out.push('(');
            write_list(out, args, src);
            out.push(')');
        }
        ExprKind::Unary(op, operand) => {
            out.push(match op {
                UnaryOp::Not => '!',
                UnaryOp::Neg => '-',
            });
            write_expr(out, operand, src);
        }
        ExprKind::Binary(op, lhs, rhs) => {
            write_expr(out, lhs, src);
            out.push(' ');
            out.push_str(op.symbol());
            out.push(' ');
            write_expr(out, rhs, src);
        }
        ExprKind::Paren(inner) => {
            out.push('(');
            write_expr(out, inner, src);
            out.push(')');
        }
    }
}

fn push_verbatim(out: &mut String, src: &str, span: Span, fallback: impl FnOnce() -> String) {
    match verbatim(src, span) {
        Some(text) => out.push_str(text),
        None => out.push_str(&fallback()),
    }
}

fn write_list(out: &mut String, items: &[Expr], src: &str) {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        write_expr(out, item, src);
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
pub(super) fn map_assign(entry: &MapEntry, src: &str) -> String {
    format!("{} = {}", key(&entry.key, src), expr(&entry.value, src))
}

/// A type as written: `string`, `list<int>`, `map<string>?`.
pub(super) fn type_expr(t: &TypeExpr) -> String {
    let mut out = t.name.name.clone();
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

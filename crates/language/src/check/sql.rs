//! Checks of `sql` steps: a value reaches the query only as a bound
//! `:name` parameter, never as `${…}` text; every `:name` has a value in
//! `params { … }` and every param is used; a placeholder of another syntax
//! (`$1`, `?`, `@v`), which nothing would bind, is refused. The query is read with
//! [`crate::sql_syntax`], as the interpreter reads it.

use super::Checker;
use crate::diag::{self, check as dc};
use crate::span::Span;
use crate::sql_syntax;
use crate::syntax::ast::{self, ExprKind, FieldValue, StrPart};

impl Checker<'_> {
    pub(super) fn check_sql(&mut self, id: usize) {
        let src = self.step_src[id];
        let field = |name: &str| src.fields.iter().find(|f| f.name.name == name);
        let params: Vec<&ast::Key> = match field("params").map(|f| &f.value) {
            Some(FieldValue::Map(m)) => m.entries.iter().map(|e| &e.key).collect(),
            _ => Vec::new(),
        };
        if let Some(FieldValue::Expr(db)) = field("database").map(|f| &f.value) {
            if let ExprKind::Str(lit) = &db.kind {
                let known = ["postgres://", "postgresql://", "sqlite:"];
                if let Some(text) = lit.as_plain() {
                    if !known.iter().any(|k| text.starts_with(k)) {
                        self.diags.push(dc::sql_unknown_database(db.span));
                    }
                }
            }
        }
        let Some(FieldValue::Expr(query)) = field("query").map(|f| &f.value) else {
            return; // `file`: read at run time, checked there.
        };
        let ExprKind::Str(lit) = &query.kind else {
            return; // Not a string: the type check reports it.
        };
        let mut used: Vec<String> = Vec::new();
        for part in &lit.parts {
            match part {
                StrPart::Interp(e) => {
                    let name = suggested_name(e);
                    let expr = expr_text(e).unwrap_or_else(|| "…".into());
                    self.diags.push(dc::sql_interpolation(e.span, &name, &expr));
                }
                StrPart::Shell(_, span) => {
                    self.diags.push(dc::sql_interpolation(*span, "value", "…"));
                }
                StrPart::Text(..) => {}
            }
        }
        // The text parts, scanned as one query (a `${…}` is already an error).
        let mut text = String::new();
        let mut pieces: Vec<(usize, &str, Span)> = Vec::new();
        for part in &lit.parts {
            if let StrPart::Text(t, span) = part {
                pieces.push((text.len(), t, *span));
                text.push_str(t);
            }
        }
        let scan = sql_syntax::scan(&text);
        let names: Vec<&str> = params.iter().map(|k| k.name.as_str()).collect();
        for p in scan.params() {
            used.push(p.name.clone());
            if !names.contains(&p.name.as_str()) {
                let span = source_span(&pieces, p.start, p.end).unwrap_or(query.span);
                let sugg = diag::did_you_mean(&p.name, names.iter().copied());
                self.diags.push(dc::sql_unbound_param(span, &p.name, sugg));
            }
        }
        for f in &scan.foreign {
            let span = source_span(&pieces, f.start, f.end).unwrap_or(query.span);
            self.diags
                .push(dc::sql_foreign_placeholder(span, &f.text, &f.instead()));
        }
        if let Some((what, at)) = scan.unterminated {
            let span = source_span(&pieces, at, at + 1).unwrap_or(query.span);
            self.diags.push(dc::sql_unterminated(span, what));
        }
        for k in params {
            if !used.contains(&k.name) {
                self.diags.push(dc::sql_unused_param(k.span, &k.name));
            }
        }
    }
}

/// The source span of `start..end` of the cooked query text: exact when
/// the text part holding it was written without escapes or dedenting (its
/// cooked text is as long as its source), else the whole part.
fn source_span(pieces: &[(usize, &str, Span)], start: usize, end: usize) -> Option<Span> {
    let (at, t, span) = pieces
        .iter()
        .rev()
        .find(|(at, _, _)| *at <= start)
        .copied()?;
    let raw_len = (span.end - span.start) as usize;
    if raw_len == t.len() && end - at <= t.len() {
        let s = span.start as usize;
        Some(Span::new(s + start - at, s + end - at))
    } else {
        Some(span)
    }
}

/// A param name for the rewrite the help shows: the last name in `e`.
fn suggested_name(e: &ast::Expr) -> String {
    match &e.kind {
        ExprKind::Name(id) | ExprKind::Field(_, id) => id.name.to_string(),
        _ => "value".into(),
    }
}

/// `e` as written, for the simple forms (`id`, `step.outputs.id`).
fn expr_text(e: &ast::Expr) -> Option<String> {
    match &e.kind {
        ExprKind::Name(id) => Some(id.name.to_string()),
        ExprKind::Field(base, id) => Some(format!("{}.{}", expr_text(base)?, id.name)),
        _ => None,
    }
}

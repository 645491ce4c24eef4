//! Checks of `sql` steps: a value reaches the query only as a bound
//! `:name` parameter, never as `${…}` text; every `:name` has a value in
//! `params { … }` and every param is used; a placeholder of another syntax
//! (`$1`, `?`, `@v`), which nothing would bind, is refused. The query is read with
//! [`crate::sql_syntax`], as the interpreter reads it.

use super::{kinds, Checker};
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
        let mut used: Vec<String> = Vec::new();
        let names: Vec<&str> = params.iter().map(|k| k.name.as_str()).collect();
        // `file` is read at run time and checked there.
        for name in ["query", kinds::UP_TO_DATE_SQL] {
            if let Some(FieldValue::Expr(query)) = field(name).map(|f| &f.value) {
                self.check_query(query, &names, &mut used);
            }
        }
        if field("query").is_none() {
            return; // Its params are used by the `file`, as far as we know.
        }
        for k in params {
            if !used.contains(&k.name) {
                self.diags.push(dc::sql_unused_param(k.span, &k.name));
            }
        }
    }

    /// One query (`query`, or an `up to date when sql` check): no `${…}`,
    /// every `:name` bound, no placeholder of another syntax, nothing left
    /// open. The `:name`s it uses are added to `used`.
    fn check_query(&mut self, query: &ast::Expr, names: &[&str], used: &mut Vec<String>) {
        let ExprKind::Str(lit) = &query.kind else {
            return; // Not a string: the type check reports it.
        };
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
        for p in scan.params() {
            used.push(p.name.clone());
            if !names.contains(&p.name.as_str()) {
                let span = source_span(lit, &pieces, p.start, p.end).unwrap_or(query.span);
                let sugg = diag::did_you_mean(&p.name, names.iter().copied());
                self.diags.push(dc::sql_unbound_param(span, &p.name, sugg));
            }
        }
        for f in &scan.foreign {
            let span = source_span(lit, &pieces, f.start, f.end).unwrap_or(query.span);
            self.diags
                .push(dc::sql_foreign_placeholder(span, &f.text, &f.instead()));
        }
        if let Some((what, at)) = scan.unterminated {
            let span = source_span(lit, &pieces, at, at + 1).unwrap_or(query.span);
            self.diags.push(dc::sql_unterminated(span, what));
        }
    }
}

/// The source span of `start..end` of the cooked query text (the text
/// parts of `lit`, joined): exact, escapes and a `"""` string's dedenting
/// accounted for; the whole part when it runs past the part's end.
fn source_span(
    lit: &ast::StrLit,
    pieces: &[(usize, &str, Span)],
    start: usize,
    end: usize,
) -> Option<Span> {
    let (at, t, span) = pieces
        .iter()
        .rev()
        .find(|(at, _, _)| *at <= start)
        .copied()?;
    if end - at <= t.len() {
        Some(lit.source_span(span, start - at, end - at))
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

#[cfg(test)]
mod tests {
    /// The E0281 of `text` (one), and `text` with its fix applied.
    fn fixed(text: &str) -> (String, String) {
        let diags = crate::analysis::analyze("w.wf", text).diagnostics();
        let d = diags
            .iter()
            .find(|d| d.code == "E0281")
            .unwrap_or_else(|| panic!("{diags:#?}"));
        let at = d.primary_span().unwrap();
        let fix = &d.fixes[0];
        assert_eq!(fix.span, at);
        let (s, e) = (at.start as usize, at.end as usize);
        let out = format!("{}{}{}", &text[..s], fix.replacement, &text[e..]);
        (text[s..e].to_owned(), out)
    }

    /// The did-you-mean fix replaces the misspelt name where it is written,
    /// in a dedented `"""` query and after escapes alike.
    #[test]
    fn the_fix_replaces_the_name_itself() {
        let triple = "workflow w {\n  param id: int = 3\n  step q: sql {\n    database \"sqlite:app.db\"\n    query \"\"\"\n      select \\$1\n        from users\n      where id = :idd\n    \"\"\"\n    params { id = id }\n  }\n}\n";
        let plain = "workflow w {\n  param id: int = 3\n  step q: sql {\n    database \"sqlite:app.db\"\n    query \"select \\\"n\\u{e9}\\\"\\t from u where id = :idd\"\n    params { id = id }\n  }\n}\n";
        for text in [triple, plain] {
            let (at, out) = fixed(text);
            assert_eq!(at, ":idd");
            assert_eq!(out, text.replace(":idd", ":id"));
        }
    }
}

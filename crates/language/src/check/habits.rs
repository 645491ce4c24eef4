//! Habits from other tools that parse as `.wf` but mean something else,
//! each named with its fix: `${env.HOME}` (GitHub Actions' `env` context,
//! E0301), `${n-1}` (`-` is part of a name, E0302), `needs build` (E0303),
//! `$version` in a command where `version` is a param (W0301) and Jinja's
//! `{{ version }}` in a string (W0302).

use super::exprs::expr;
use super::{Checker, Ctx};
use crate::diag::{check as dc, Diagnostic};
use crate::ir::{Expr, ExprKind, Type};
use crate::span::Span;
use crate::syntax::ast;

impl Checker<'_> {
    /// E0301 for `env.NAME` when `env` names nothing of the workflow.
    pub(super) fn env_context(
        &mut self,
        base: &ast::Expr,
        field: &ast::Ident,
        span: Span,
        ctx: &Ctx,
    ) -> Option<Expr> {
        let ast::ExprKind::Name(id) = &base.kind else {
            return None;
        };
        if id.name != "env" || !self.is_free("env", ctx) {
            return None;
        }
        self.report(dc::env_context(span, &field.name));
        Some(expr(ExprKind::Invalid, Type::Invalid, span, false))
    }

    /// E0302 for an unknown `n-1` whose part before the `-` is a name.
    pub(super) fn minus_in_name(&self, id: &ast::Ident, ctx: &Ctx) -> Option<Diagnostic> {
        let (left, right) = id.name.split_once('-')?;
        if left.is_empty() || right.is_empty() || self.is_free(left, ctx) {
            return None;
        }
        Some(dc::minus_in_name(id.span, &id.name, left, right))
    }

    /// E0303 for a `needs` field: the report, and whether it was one.
    pub(super) fn needs_field(&mut self, f: &ast::Field) -> bool {
        if f.name.name != "needs" {
            return false;
        }
        let names = match &f.value {
            ast::FieldValue::Expr(ast::Expr {
                kind: ast::ExprKind::Name(id),
                ..
            }) => Some(id.name.as_str()),
            _ => None,
        };
        self.report(dc::needs(f.name.span, "needs", names, f.name.span));
        true
    }

    /// W0301 and W0302 in a string's text `t` (source span `span`).
    pub(super) fn text_habits(&mut self, t: &str, span: Span, ctx: &Ctx) {
        // Offsets into the text are offsets into the source only when no
        // escape changed its length; else the whole text is the place.
        let exact = t.len() == span.len();
        let at = |from: usize, len: usize| {
            if exact {
                Span::new(span.start as usize + from, span.start as usize + from + len)
            } else {
                span
            }
        };
        if ctx.command {
            for (i, name) in dollar_names(t) {
                if self.visible_param_named(name, ctx) && !self.env_named(name, ctx) {
                    self.meant_param(name);
                    self.report(dc::shell_var_is_param(at(i, name.len() + 1), name));
                }
            }
        }
        for (i, len, name) in jinja_names(t) {
            if !self.is_free(name, ctx) {
                self.meant_param(name);
                self.report(dc::jinja(at(i, len), name));
            }
        }
    }

    /// A param the text meant to read: not also reported as unused.
    fn meant_param(&self, name: &str) {
        if let Some(&p) = self.param_names.get(name) {
            self.suggested_params.borrow_mut().insert(p);
        }
    }

    fn visible_param_named(&self, name: &str, ctx: &Ctx) -> bool {
        self.param_names
            .get(name)
            .is_some_and(|&p| ctx.param_limit.is_none_or(|limit| p < limit))
    }

    /// Whether the step's or the workflow's `env { }` sets `name`: then
    /// `$name` is that variable, on purpose.
    fn env_named(&self, name: &str, ctx: &Ctx) -> bool {
        let step_env = ctx
            .step
            .and_then(|s| self.step_src.get(s))
            .into_iter()
            .flat_map(|s| &s.fields)
            .filter_map(|f| match &f.value {
                ast::FieldValue::Map(m) if f.name.name == "env" => Some(m),
                _ => None,
            });
        step_env
            .chain(self.env_src.iter().copied())
            .any(|m| m.entries.iter().any(|e| e.key.name == name))
    }
}

/// `and` or `or` read as a field's name: the operator it means. (`not`
/// before a value is read as a field too, but rarely comes after one.)
pub(super) fn operator_word(name: &str) -> Option<&'static str> {
    let op = crate::diag::foreign::operator(name)?.write?;
    (op != "!").then_some(op)
}

/// Every `$NAME` of `t` (not `${`, not `$$`), with its offset.
fn dollar_names(t: &str) -> Vec<(usize, &str)> {
    let b = t.as_bytes();
    let mut out = Vec::new();
    for (i, _) in t.match_indices('$') {
        if i > 0 && b[i - 1] == b'$' {
            continue;
        }
        let rest = &t[i + 1..];
        let len = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        let name = &rest[..len];
        if name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
            out.push((i, name));
        }
    }
    out
}

/// Every `{{ NAME }}` of `t` (a plain name inside), with its offset and length.
fn jinja_names(t: &str) -> Vec<(usize, usize, &str)> {
    let mut out = Vec::new();
    for (i, _) in t.match_indices("{{") {
        let Some(close) = t[i..].find("}}") else {
            continue;
        };
        let inner = t[i + 2..i + close].trim();
        let plain = !inner.is_empty()
            && inner
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if plain {
            out.push((i, close + 2, inner));
        }
    }
    out
}

//! The workflow settings that label it: `version "1.2"` and `tags ["etl",
//! "nightly"]`. Both are literals: `wfc list` and a server read them
//! without params, so they may not depend on any.

use super::{Checker, Ctx};
use crate::diag::check as dc;
use crate::ir::{ExprKind, Type};
use crate::syntax::ast;

impl Checker<'_> {
    /// A literal string setting (`version`).
    pub(super) fn const_string(&mut self, field: &str, e: &ast::Expr, ctx: &Ctx) -> Option<String> {
        let x = self.lower_expr(e, ctx);
        match (&x.kind, &x.ty) {
            (ExprKind::Str(s), _) => return Some(s.clone()),
            (_, Type::Invalid) => {}
            (_, Type::String) => self.report(dc::not_constant(x.span, field, "\"1.2\"")),
            (_, ty) => self.report(dc::wrong_field_type(
                x.span,
                field,
                "string",
                &ty.to_string(),
                None,
            )),
        }
        None
    }

    /// `tags`: a literal list of strings (or one string), duplicates once.
    pub(super) fn const_tags(&mut self, field: &str, e: &ast::Expr, ctx: &Ctx) -> Vec<String> {
        let x = self.lower_expr(e, ctx);
        let items = match &x.kind {
            ExprKind::Str(s) => vec![Some(s.clone())],
            ExprKind::List(xs) => xs
                .iter()
                .map(|i| match &i.kind {
                    ExprKind::Str(s) => Some(s.clone()),
                    _ => None,
                })
                .collect(),
            _ => vec![None],
        };
        let strings = Type::list(Type::String);
        match (&x.ty, items.iter().all(Option::is_some)) {
            (Type::Invalid, _) => Vec::new(),
            (ty, true) if *ty == strings || *ty == Type::String => {
                let mut tags: Vec<String> = Vec::new();
                for t in items.into_iter().flatten() {
                    if !tags.contains(&t) {
                        tags.push(t);
                    }
                }
                tags
            }
            (ty, false) if *ty == strings || *ty == Type::String => {
                self.report(dc::not_constant(x.span, field, "[\"etl\", \"nightly\"]"));
                Vec::new()
            }
            (ty, _) => {
                self.report(dc::wrong_field_type(
                    x.span,
                    field,
                    "list<string>",
                    &ty.to_string(),
                    None,
                ));
                Vec::new()
            }
        }
    }
}

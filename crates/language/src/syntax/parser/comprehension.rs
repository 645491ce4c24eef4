//! `[ELEM for NAME in SOURCE if FILTER]`: the list rule's `comp_tail`.

use super::{ident, kids, span, Builder, Rule};
use crate::span::Span;
use crate::syntax::ast::*;
use pest::iterators::Pair;

impl Builder {
    /// A comprehension from the list's one element and its `comp_tail`.
    pub(super) fn comprehension(
        &self,
        items: Vec<Expr>,
        tail: Pair<'_, Rule>,
        sp: Span,
    ) -> ExprKind {
        let tail_span = span(&tail);
        let elem = items.into_iter().next().unwrap_or_else(|| self.invalid(sp));
        let (mut var, mut source, mut filter) = (None, None, None);
        for p in kids(tail) {
            match p.as_rule() {
                Rule::ident => var = Some(ident(p)),
                Rule::expr => source = Some(self.expr(p)),
                Rule::comp_filter => {
                    filter = kids(p)
                        .find(|p| p.as_rule() == Rule::expr)
                        .map(|p| self.expr(p));
                }
                _ => {}
            }
        }
        ExprKind::Comprehension(Box::new(Comprehension {
            elem,
            var: var.unwrap_or(Ident {
                name: Default::default(),
                span: tail_span,
            }),
            source: source.unwrap_or_else(|| self.invalid(tail_span)),
            filter,
        }))
    }
}

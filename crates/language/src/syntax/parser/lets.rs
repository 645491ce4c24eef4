//! `let NAME = EXPR` items.

use super::{ident, kids, span, Builder, Rule};
use crate::syntax::ast::{Ident, Let};
use pest::iterators::Pair;

impl Builder {
    pub(super) fn let_item(&self, pair: Pair<'_, Rule>) -> Let {
        let sp = span(&pair);
        let mut name = None;
        let mut value = None;
        for p in kids(pair) {
            match p.as_rule() {
                Rule::ident => name = Some(ident(p)),
                Rule::expr => value = Some(self.expr(p)),
                _ => {}
            }
        }
        Let {
            doc: None,
            name: name.unwrap_or_else(|| Ident {
                name: Default::default(),
                span: sp,
            }),
            value: value.unwrap_or_else(|| self.invalid(sp)),
            span: sp,
        }
    }
}

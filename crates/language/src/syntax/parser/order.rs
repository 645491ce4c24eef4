//! The tree of the ordering constructs: `sequence [NAME] { … }` and the
//! step field `after a, b`.

use super::{keyword, kids, span, Builder, Rule};
use crate::syntax::ast::{Block, Field, FieldValue, Sequence};
use pest::iterators::Pair;

impl Builder {
    pub(super) fn sequence(&self, pair: Pair<'_, Rule>) -> Sequence {
        let sp = span(&pair);
        let mut name = None;
        let mut block = None;
        for p in kids(pair) {
            match p.as_rule() {
                Rule::ident => name = Some(super::ident(p)),
                Rule::block => block = Some(self.block(p)),
                _ => {}
            }
        }
        Sequence {
            name,
            block: block.unwrap_or(Block {
                depends_on: None,
                items: Vec::new(),
                span: sp,
            }),
            span: sp,
        }
    }

    pub(super) fn after_field(&self, pair: Pair<'_, Rule>) -> Option<Field> {
        let sp = span(&pair);
        let mut it = kids(pair);
        let kw = it.next()?;
        let names = it
            .find(|p| p.as_rule() == Rule::ident_list)
            .map(|l| self.ident_list(l))
            .unwrap_or_default();
        Some(Field {
            name: keyword(&kw, "after"),
            value: FieldValue::After(names),
            span: sp,
        })
    }
}

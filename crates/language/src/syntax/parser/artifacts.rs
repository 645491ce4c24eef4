//! The tree of a step's `artifacts { NAME = "GLOB" [optional] … }`: a map
//! block whose entries may be marked `optional`.

use super::{ident, keyword, kids, span, Builder, Rule};
use crate::syntax::ast::{Field, FieldValue, Key, MapBlock, MapEntry};
use pest::iterators::Pair;

impl Builder {
    pub(super) fn artifacts_field(&self, pair: Pair<'_, Rule>) -> Option<Field> {
        let sp = span(&pair);
        let mut it = kids(pair);
        let kw = it.next()?;
        let block = it.find(|p| p.as_rule() == Rule::artifacts_block)?;
        let block_span = span(&block);
        let entries = kids(block)
            .filter(|p| p.as_rule() == Rule::artifact_assign)
            .map(|p| self.artifact(p))
            .collect();
        Some(Field {
            name: keyword(&kw, "artifacts"),
            value: FieldValue::Map(MapBlock {
                entries,
                span: block_span,
            }),
            span: sp,
        })
    }

    fn artifact(&self, pair: Pair<'_, Rule>) -> MapEntry {
        let sp = span(&pair);
        let mut key = None;
        let mut value = None;
        let mut optional = false;
        for p in kids(pair) {
            match p.as_rule() {
                Rule::ident => {
                    let id = ident(p);
                    key = Some(Key {
                        name: id.name.to_string(),
                        quoted: false,
                        span: id.span,
                    });
                }
                Rule::expr => value = Some(self.expr(p)),
                Rule::artifact_optional => optional = true,
                _ => {}
            }
        }
        MapEntry {
            key: key.unwrap_or(Key {
                name: String::new(),
                quoted: false,
                span: sp,
            }),
            value: value.unwrap_or_else(|| self.invalid(sp)),
            optional,
            span: sp,
        }
    }
}

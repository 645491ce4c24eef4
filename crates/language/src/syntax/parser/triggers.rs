//! Triggers (`on schedule|webhook|change "…" { … }`) and `lock EXPR`.

use super::{ident, kids, span, Builder, Rule};
use crate::syntax::ast::{Lock, Trigger, TriggerKind};
use pest::iterators::Pair;

impl Builder {
    pub(super) fn trigger(&self, pair: Pair<'_, Rule>) -> Trigger {
        let sp = span(&pair);
        let (mut kind, mut kw_span) = (TriggerKind::Schedule, sp);
        let (mut target, mut fields, mut body_span) = (None, Vec::new(), None);
        for p in kids(pair) {
            match p.as_rule() {
                Rule::trigger_kw => {
                    kw_span = span(&p);
                    let word = p.as_str().trim_start_matches("on").trim_start();
                    kind = match word {
                        "webhook" => TriggerKind::Webhook,
                        "change" => TriggerKind::Change,
                        _ => TriggerKind::Schedule,
                    };
                }
                Rule::string | Rule::call => target = Some(self.primary(p)),
                Rule::trigger_body => {
                    body_span = Some(span(&p));
                    fields = kids(p).filter_map(|f| self.field(f)).collect();
                }
                _ => {}
            }
        }
        Trigger {
            kind,
            kw_span,
            target: target.unwrap_or_else(|| self.invalid(sp)),
            fields,
            body_span,
            span: sp,
        }
    }

    pub(super) fn lock(&self, pair: Pair<'_, Rule>) -> Lock {
        let sp = span(&pair);
        let (mut key, mut busy, mut body_span) = (None, None, None);
        for p in kids(pair) {
            match p.as_rule() {
                Rule::expr => key = Some(self.expr(p)),
                Rule::lock_body => {
                    body_span = Some(span(&p));
                    let mode = kids(p).flat_map(kids).find(|k| k.as_rule() == Rule::ident);
                    busy = mode.map(ident);
                }
                _ => {}
            }
        }
        Lock {
            key: key.unwrap_or_else(|| self.invalid(sp)),
            busy,
            body_span,
            span: sp,
        }
    }
}

//! `alert NAME { when …  notify KIND { … }  cooldown D }`.

use super::{ident, kids, span, Builder, Rule};
use crate::span::Span;
use crate::syntax::ast::{Alert, AlertEntry, AlertWhen, BinaryOp, Ident, Notify};
use pest::iterators::Pair;

impl Builder {
    pub(super) fn alert(&self, pair: Pair<'_, Rule>) -> Alert {
        let sp = span(&pair);
        let (mut name, mut entries, mut body_span) = (None, Vec::new(), sp);
        for p in kids(pair) {
            match p.as_rule() {
                Rule::ident => name = Some(ident(p)),
                Rule::alert_body => {
                    body_span = span(&p);
                    entries = kids(p).filter_map(|e| self.alert_entry(e)).collect();
                }
                _ => {}
            }
        }
        Alert {
            name: name.unwrap_or_else(|| missing(sp)),
            entries,
            body_span,
            span: sp,
        }
    }

    fn alert_entry(&self, pair: Pair<'_, Rule>) -> Option<AlertEntry> {
        Some(match pair.as_rule() {
            Rule::alert_when => AlertEntry::When(self.alert_when(pair)),
            Rule::alert_notify => AlertEntry::Notify(self.notify(pair)),
            _ => AlertEntry::Field(self.field(pair)?),
        })
    }

    fn alert_when(&self, pair: Pair<'_, Rule>) -> AlertWhen {
        let sp = span(&pair);
        let mut w = AlertWhen {
            metric: missing(sp),
            window: None,
            window_span: None,
            op: None,
            value: None,
            span: sp,
        };
        for p in kids(pair) {
            match p.as_rule() {
                Rule::ident => w.metric = ident(p),
                Rule::alert_window => {
                    w.window_span = Some(span(&p));
                    w.window = kids(p)
                        .find(|k| k.as_rule() == Rule::expr)
                        .map(|e| self.expr(e));
                }
                Rule::alert_op => w.op = op(p.as_str()).map(|o| (o, span(&p))),
                Rule::alert_value => {
                    w.value = kids(p)
                        .find(|k| k.as_rule() == Rule::expr)
                        .map(|e| self.expr(e));
                }
                _ => {}
            }
        }
        w
    }

    fn notify(&self, pair: Pair<'_, Rule>) -> Notify {
        let sp = span(&pair);
        let (mut kind, mut fields, mut body_span) = (None, Vec::new(), None);
        for p in kids(pair) {
            match p.as_rule() {
                Rule::ident => kind = Some(ident(p)),
                Rule::notify_body => {
                    body_span = Some(span(&p));
                    fields = kids(p).filter_map(|f| self.field(f)).collect();
                }
                _ => {}
            }
        }
        Notify {
            kind: kind.unwrap_or_else(|| missing(sp)),
            fields,
            body_span,
            span: sp,
        }
    }
}

fn op(text: &str) -> Option<BinaryOp> {
    Some(match text {
        ">=" => BinaryOp::Ge,
        "<=" => BinaryOp::Le,
        "==" => BinaryOp::Eq,
        "!=" => BinaryOp::Ne,
        ">" => BinaryOp::Gt,
        "<" => BinaryOp::Lt,
        _ => return None,
    })
}

/// A name the parse did not give (never, once the grammar matched).
fn missing(sp: Span) -> Ident {
    Ident {
        name: Default::default(),
        span: sp,
    }
}

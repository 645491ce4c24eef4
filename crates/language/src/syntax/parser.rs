//! pest pairs → syntax tree.
//!
//! The grammar (`grammar/wf.pest`) decides what parses; this module only
//! builds [`ast`](crate::syntax::ast) nodes from the pairs. Problems the grammar cannot see (a
//! number too large, an unknown escape) are collected as diagnostics while
//! building, and the tree is still produced.

use super::ast::*;
use crate::diag::{self, Diagnostic};
use crate::span::Span;
use pest::iterators::Pair;
use std::cell::RefCell;

#[derive(pest_derive::Parser)]
#[grammar = "../../../grammar/wf.pest"]
pub struct WfParser;

mod alerts;
mod artifacts;
mod blocks;
mod comprehension;
mod depends;
mod exprs;
mod lets;
mod module;
mod order;
mod triggers;
pub use exprs::MAX_OPERATORS;

/// Builds the tree from a successful parse of `Rule::file`.
pub struct Builder {
    diags: RefCell<Vec<Diagnostic>>,
    /// Operators of the expressions being built, nested ones included
    /// (see [`MAX_OPERATORS`]).
    expr_depth: std::cell::Cell<usize>,
}

/// `v` without spare capacity. Vectors collected from filtered iterators grow
/// by doubling from 4; a tree of thousands of steps would carry that slack.
pub(crate) fn tight<T>(mut v: Vec<T>) -> Vec<T> {
    v.shrink_to_fit();
    v
}

/// The children of a pair, without comments.
fn kids(pair: Pair<'_, Rule>) -> impl Iterator<Item = Pair<'_, Rule>> {
    pair.into_inner().filter(|p| p.as_rule() != Rule::COMMENT)
}

/// A node's span, without the whitespace and comments pest consumed after its
/// last token while trying an optional or repeated part that did not match.
fn span(pair: &Pair<'_, Rule>) -> Span {
    Span::new(pair.as_span().start(), trimmed_end(pair))
}

fn trimmed_end(pair: &Pair<'_, Rule>) -> usize {
    let whole = pair.as_span();
    // Most pairs end on a token, followed by blanks at most (a repetition that
    // matched nothing leaves the whitespace skipped before it in the span):
    // when no comment (which runs to the end of its line) is on the last line
    // with text, the end is the end of that text. The walk below, down the
    // chain of last children, is for the rest.
    let b = whole.as_str().as_bytes();
    let mut n = b.len();
    while n > 0 && matches!(b[n - 1], b' ' | b'\t' | b'\r' | b'\n') {
        n -= 1;
    }
    // (Bytes: this runs for every node. A BOM or other non-ASCII last
    // character takes the walk.)
    if n > 0 && b[n - 1].is_ascii() {
        let line = b[..n]
            .iter()
            .rposition(|&c| c == b'\n')
            .map_or(0, |i| i + 1);
        if !b[line..n].contains(&b'#') {
            return whole.start() + n;
        }
    }
    let last = pair
        .clone()
        .into_inner()
        .filter(|p| p.as_rule() != Rule::COMMENT)
        .last();
    let Some(last) = last else {
        return whole.end();
    };
    // After the last child only literal tokens (`}`, `)`, …), whitespace and
    // comments can follow; keep up to the last literal token.
    let tail_start = last.as_span().end();
    let mut end = trimmed_end(&last);
    let tail = &whole.get_input()[tail_start..whole.end()];
    let mut chars = tail.char_indices();
    while let Some((i, c)) = chars.next() {
        if c == '#' {
            for (_, c2) in chars.by_ref() {
                if c2 == '\n' {
                    break;
                }
            }
        } else if !c.is_whitespace() && c != '\u{FEFF}' {
            end = tail_start + i + c.len_utf8();
        }
    }
    end
}

/// The names of a `plain_idents` token: names, blanks and commas only.
fn plain_idents(pair: &Pair<'_, Rule>) -> IdentList {
    let base = pair.as_span().start();
    let text = pair.as_str();
    let mut at = 0;
    text.split(',')
        .map(|piece| {
            let start = at + (piece.len() - piece.trim_start_matches(is_blank).len());
            at += piece.len() + 1;
            let name = piece.trim_matches(is_blank);
            Ident {
                name: name.into(),
                span: Span::new(base + start, base + start + name.len()),
            }
        })
        .collect()
}

fn is_blank(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n' | '\u{FEFF}')
}

fn ident(pair: Pair<'_, Rule>) -> Ident {
    // `field_head`, `name`, `strategy` and `ident` all wrap (or are) an identifier.
    match pair.as_rule() {
        Rule::ident | Rule::strategy => Ident {
            name: pair.as_str().into(),
            span: span(&pair),
        },
        _ => {
            let inner = kids(pair.clone()).find(|p| p.as_rule() == Rule::ident);
            match inner {
                Some(p) => ident(p),
                None => Ident {
                    name: pair.as_str().trim().into(),
                    span: span(&pair),
                },
            }
        }
    }
}

/// An identifier named by a fixed keyword form (`depends on`) over `pair`'s span.
fn keyword(pair: &Pair<'_, Rule>, canonical: &str) -> Ident {
    Ident {
        name: canonical.into(),
        span: span(pair),
    }
}

impl Builder {
    pub fn new() -> Builder {
        Builder {
            diags: RefCell::new(Vec::new()),
            expr_depth: std::cell::Cell::new(0),
        }
    }

    pub fn into_diagnostics(self) -> Vec<Diagnostic> {
        self.diags.into_inner()
    }

    fn report(&self, d: Diagnostic) {
        self.diags.borrow_mut().push(d);
    }

    fn workflow(&self, pair: Pair<'_, Rule>) -> Workflow {
        let sp = span(&pair);
        let mut it = kids(pair).filter(|p| p.as_rule() != Rule::kw_workflow);
        let name = it.next().map(ident).unwrap_or_else(|| Ident {
            name: Default::default(),
            span: sp,
        });
        Workflow {
            name,
            items: tight(it.filter_map(|p| self.item(p)).collect()),
            doc: None,
            span: sp,
        }
    }

    fn item(&self, pair: Pair<'_, Rule>) -> Option<Item> {
        Some(match pair.as_rule() {
            Rule::setting => Item::Setting(self.expr_field(pair)),
            Rule::executor_field => Item::Setting(self.field(pair)?),
            Rule::param => Item::Param(Box::new(self.param(pair))),
            Rule::env_item => {
                let block = kids(pair).find(|p| p.as_rule() == Rule::map_block)?;
                Item::Env(self.map_block(block))
            }
            Rule::defaults => {
                let sp = span(&pair);
                Item::Defaults(Defaults {
                    fields: kids(pair).filter_map(|p| self.field(p)).collect(),
                    span: sp,
                })
            }
            Rule::step => Item::Step(self.step(pair)),
            Rule::if_item => Item::If(self.if_item(pair)),
            Rule::for_each => Item::ForEach(Box::new(self.for_each(pair))),
            Rule::parallel => Item::Parallel(Box::new(self.parallel(pair))),
            Rule::sequence => Item::Sequence(Box::new(self.sequence(pair))),
            Rule::handler => Item::Handler(self.handler(pair)),
            Rule::let_item => Item::Let(Box::new(self.let_item(pair))),
            Rule::workflow_outputs => Item::Outputs(Box::new(self.workflow_outputs(pair))),
            Rule::trigger => Item::Trigger(Box::new(self.trigger(pair))),
            Rule::lock_item => Item::Lock(Box::new(self.lock(pair))),
            Rule::alert_item => Item::Alert(Box::new(self.alert(pair))),
            _ => return None,
        })
    }

    fn param(&self, pair: Pair<'_, Rule>) -> Param {
        let sp = span(&pair);
        let mut secret = false;
        let mut name = None;
        let mut ty = None;
        let mut constraint = None;
        let mut default = None;
        for p in kids(pair) {
            match p.as_rule() {
                Rule::kw_secret => secret = true,
                Rule::ident => name = Some(ident(p)),
                Rule::type_expr => ty = Some(self.type_expr(p)),
                Rule::constraint => constraint = Some(self.constraint(p)),
                Rule::expr => default = Some(self.expr(p)),
                _ => {}
            }
        }
        let name = name.unwrap_or_else(|| Ident {
            name: Default::default(),
            span: sp,
        });
        let ty = ty.unwrap_or_else(|| TypeExpr {
            name: name.clone(),
            args: Vec::new(),
            optional: false,
            span: sp,
        });
        Param {
            doc: None,
            secret,
            name,
            ty,
            constraint,
            default,
            span: sp,
        }
    }

    fn type_expr(&self, pair: Pair<'_, Rule>) -> TypeExpr {
        let sp = span(&pair);
        let mut name = None;
        let mut args = Vec::new();
        let mut optional = false;
        for p in kids(pair) {
            match p.as_rule() {
                Rule::ident => name = Some(ident(p)),
                Rule::type_expr => args.push(self.type_expr(p)),
                Rule::optional_mark => optional = true,
                _ => {}
            }
        }
        TypeExpr {
            name: name.unwrap_or(Ident {
                name: Default::default(),
                span: sp,
            }),
            args,
            optional,
            span: sp,
        }
    }

    fn constraint(&self, pair: Pair<'_, Rule>) -> Constraint {
        let sp = span(&pair);
        let inner = kids(pair).find(|p| matches!(p.as_rule(), Rule::range | Rule::list));
        let kind = match inner {
            Some(p) if p.as_rule() == Rule::range => {
                let mut bounds = kids(p).map(|b| self.range_bound(b));
                let lo = bounds.next();
                let hi = bounds.next();
                match (lo, hi) {
                    (Some(lo), Some(hi)) => ConstraintKind::Range { lo, hi },
                    _ => ConstraintKind::OneOf(self.invalid(sp)),
                }
            }
            Some(p) => ConstraintKind::OneOf(self.primary(p)),
            None => ConstraintKind::OneOf(self.invalid(sp)),
        };
        Constraint { kind, span: sp }
    }

    fn range_bound(&self, pair: Pair<'_, Rule>) -> Expr {
        let sp = span(&pair);
        let mut neg = false;
        let mut value = None;
        for p in kids(pair) {
            if p.as_rule() == Rule::neg {
                neg = true;
            } else {
                value = Some(self.primary(p));
            }
        }
        let value = value.unwrap_or_else(|| self.invalid(sp));
        if neg {
            Expr {
                kind: ExprKind::Unary(UnaryOp::Neg, Box::new(value)),
                span: sp,
            }
        } else {
            value
        }
    }

    fn map_block(&self, pair: Pair<'_, Rule>) -> MapBlock {
        let sp = span(&pair);
        MapBlock {
            entries: kids(pair)
                .filter(|p| p.as_rule() == Rule::map_assign)
                .map(|p| self.map_entry(p))
                .collect(),
            span: sp,
        }
    }

    /// `key = expr` (map blocks) or `key: expr` (map literals).
    fn map_entry(&self, pair: Pair<'_, Rule>) -> MapEntry {
        let sp = span(&pair);
        let mut key = None;
        let mut value = None;
        for p in kids(pair) {
            match p.as_rule() {
                Rule::key => key = Some(self.key(p)),
                Rule::expr => value = Some(self.expr(p)),
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
            optional: false,
            span: sp,
        }
    }

    fn key(&self, pair: Pair<'_, Rule>) -> Key {
        let sp = span(&pair);
        let Some(inner) = kids(pair).next() else {
            return Key {
                name: String::new(),
                quoted: false,
                span: sp,
            };
        };
        if inner.as_rule() == Rule::ident {
            return Key {
                name: inner.as_str().to_string(),
                quoted: false,
                span: sp,
            };
        }
        let lit = self.string(inner, false);
        let name = lit.as_plain().unwrap_or_else(|| {
            self.report(diag::syntax::interpolated_key(sp));
            String::new()
        });
        Key {
            name,
            quoted: true,
            span: sp,
        }
    }

    fn step(&self, pair: Pair<'_, Rule>) -> Step {
        let sp = span(&pair);
        let mut idents = Vec::new();
        let mut fields = Vec::new();
        let mut body_span = sp;
        let mut call = None;
        for p in kids(pair) {
            match p.as_rule() {
                Rule::ident => idents.push(ident(p)),
                Rule::call_kind => {
                    let kw = kids(p.clone()).next().map(|k| span(&k)).unwrap_or(sp);
                    idents.push(Ident {
                        name: "call".into(),
                        span: kw,
                    });
                    call = Some(Box::new(self.call_target(p)));
                }
                Rule::step_body => {
                    body_span = span(&p);
                    fields = tight(kids(p).filter_map(|f| self.field(f)).collect());
                }
                _ => {}
            }
        }
        let mut idents = idents.into_iter();
        let blank = Ident {
            name: Default::default(),
            span: sp,
        };
        Step {
            doc: None,
            name: idents.next().unwrap_or_else(|| blank.clone()),
            kind: idents.next().unwrap_or(blank),
            call,
            fields,
            body_span,
            span: sp,
        }
    }

    pub(super) fn field(&self, pair: Pair<'_, Rule>) -> Option<Field> {
        let sp = span(&pair);
        let rule = pair.as_rule();
        let field = match rule {
            Rule::expr_field => self.expr_field(pair),
            Rule::flag_field => Field {
                name: ident(pair),
                value: FieldValue::Flag,
                span: sp,
            },
            Rule::map_field => {
                let mut it = kids(pair);
                let name = it.next().map(ident)?;
                let block = it.find(|p| p.as_rule() == Rule::map_block)?;
                Field {
                    name,
                    value: FieldValue::Map(self.map_block(block)),
                    span: sp,
                }
            }
            Rule::depends_field => {
                let kw = kids(pair.clone()).next()?;
                let names = self.depends_list(pair);
                Field {
                    name: keyword(&kw, "depends on"),
                    value: FieldValue::DependsOn(names),
                    span: sp,
                }
            }
            Rule::after_field => self.after_field(pair)?,
            Rule::artifacts_field => self.artifacts_field(pair)?,
            Rule::inputs_field => {
                let mut it = kids(pair);
                let kw = it.next()?;
                let decls = it
                    .filter(|p| p.as_rule() == Rule::input_decl)
                    .map(|d| self.param(d))
                    .collect();
                Field {
                    name: keyword(&kw, "inputs"),
                    value: FieldValue::Inputs(decls),
                    span: sp,
                }
            }
            Rule::retry_field => self.retry(pair),
            Rule::until_field => self.until(pair),
            Rule::outputs_field => {
                let mut it = kids(pair);
                let kw = it.next()?;
                let decls = it
                    .filter(|p| p.as_rule() == Rule::output_decl)
                    .map(|d| {
                        let dsp = span(&d);
                        let mut name = None;
                        let mut ty = None;
                        for p in kids(d) {
                            match p.as_rule() {
                                Rule::ident => name = Some(ident(p)),
                                Rule::type_expr => ty = Some(self.type_expr(p)),
                                _ => {}
                            }
                        }
                        let name = name.unwrap_or(Ident {
                            name: Default::default(),
                            span: dsp,
                        });
                        let ty = ty.unwrap_or_else(|| TypeExpr {
                            name: name.clone(),
                            args: Vec::new(),
                            optional: false,
                            span: dsp,
                        });
                        OutputDecl {
                            name,
                            ty,
                            span: dsp,
                        }
                    })
                    .collect();
                Field {
                    name: keyword(&kw, "outputs"),
                    value: FieldValue::Outputs(decls),
                    span: sp,
                }
            }
            Rule::rollback_field => {
                let mut it = kids(pair);
                let kw = it.next()?;
                let block = it.find(|p| p.as_rule() == Rule::block)?;
                Field {
                    name: keyword(&kw, "on failure rollback"),
                    value: FieldValue::Rollback(self.block(block)),
                    span: sp,
                }
            }
            Rule::on_fail_field => {
                let mut it = kids(pair);
                let kw = it.next()?;
                let mode = it.next().map(ident)?;
                Field {
                    name: keyword(&kw, "on fail"),
                    value: FieldValue::OnFail(mode),
                    span: sp,
                }
            }
            Rule::up_to_date_field => {
                let mut it = kids(pair);
                let kw = it.next()?;
                let how = if kw.as_str().ends_with("sql") {
                    "up to date when sql"
                } else {
                    "up to date when shell"
                };
                let value = it.find(|p| p.as_rule() == Rule::expr)?;
                Field {
                    name: keyword(&kw, how),
                    value: FieldValue::Expr(self.expr(value)),
                    span: sp,
                }
            }
            Rule::catch_up_field => {
                let mut it = kids(pair);
                let kw = it.next()?;
                let value = it.find(|p| p.as_rule() == Rule::expr)?;
                Field {
                    name: keyword(&kw, "catch up"),
                    value: FieldValue::Expr(self.expr(value)),
                    span: sp,
                }
            }
            Rule::executor_field => {
                let mut it = kids(pair);
                let kw = it.next()?;
                let name = it.next().map(ident)?;
                let fields = it.next().map(|b| self.sub_fields(b));
                Field {
                    name: keyword(&kw, "executor"),
                    value: FieldValue::Executor { name, fields },
                    span: sp,
                }
            }
            Rule::resources_field => {
                let mut it = kids(pair);
                let kw = it.next()?;
                let fields = it.next().map(|b| self.sub_fields(b)).unwrap_or_default();
                Field {
                    name: keyword(&kw, "resources"),
                    value: FieldValue::Resources(fields),
                    span: sp,
                }
            }
            Rule::mount_field => {
                let mut it = kids(pair);
                let kw = it.next()?;
                let mut exprs = it.filter(|p| p.as_rule() == Rule::expr);
                let source = self.expr(exprs.next()?);
                let target = self.expr(exprs.next()?);
                Field {
                    name: keyword(&kw, "mount"),
                    value: FieldValue::Mount {
                        source: Box::new(source),
                        target: Box::new(target),
                    },
                    span: sp,
                }
            }
            _ => return None,
        };
        Some(field)
    }

    /// The `NAME EXPR` fields inside `executor … { }` or `resources { }`.
    fn sub_fields(&self, pair: Pair<'_, Rule>) -> Vec<Field> {
        kids(pair)
            .filter(|p| p.as_rule() == Rule::expr_field)
            .map(|p| self.expr_field(p))
            .collect()
    }

    /// `NAME EXPR` (step fields and workflow settings).
    fn expr_field(&self, pair: Pair<'_, Rule>) -> Field {
        let sp = span(&pair);
        let mut name = None;
        let mut value = None;
        for p in kids(pair) {
            match p.as_rule() {
                Rule::field_head => name = Some(ident(p)),
                Rule::expr => value = Some(self.expr(p)),
                _ => {}
            }
        }
        Field {
            name: name.unwrap_or(Ident {
                name: Default::default(),
                span: sp,
            }),
            value: FieldValue::Expr(value.unwrap_or_else(|| self.invalid(sp))),
            span: sp,
        }
    }

    fn retry(&self, pair: Pair<'_, Rule>) -> Field {
        let sp = span(&pair);
        let mut kw = Span::point(sp.start as usize);
        let mut count = None;
        let mut backoff = None;
        let mut strategy = None;
        let mut max = None;
        let mut within = None;
        let mut when = None;
        for p in kids(pair) {
            match p.as_rule() {
                Rule::kw_retry => kw = span(&p),
                Rule::retry_when => {
                    when = kids(p)
                        .find(|b| b.as_rule() == Rule::expr)
                        .map(|b| self.expr(b));
                }
                Rule::retry_operand => count = Some(self.retry_operand(p)),
                Rule::backoff => {
                    for b in kids(p) {
                        match b.as_rule() {
                            Rule::retry_operand => backoff = Some(self.retry_operand(b)),
                            Rule::strategy => strategy = Some(ident(b)),
                            _ => {}
                        }
                    }
                }
                Rule::retry_max => {
                    max = kids(p)
                        .find(|b| b.as_rule() == Rule::retry_operand)
                        .map(|b| self.retry_operand(b));
                }
                Rule::retry_within => {
                    within = kids(p)
                        .find(|b| b.as_rule() == Rule::retry_operand)
                        .map(|b| self.retry_operand(b));
                }
                _ => {}
            }
        }
        Field {
            name: Ident {
                name: "retry".into(),
                span: kw,
            },
            value: FieldValue::Retry(Box::new(Retry {
                count: count.unwrap_or_else(|| self.invalid(sp)),
                backoff,
                strategy,
                max,
                within,
                when,
                span: sp,
            })),
            span: sp,
        }
    }

    fn retry_operand(&self, pair: Pair<'_, Rule>) -> Expr {
        self.expr(pair)
    }

    /// `until COND every D within D`.
    fn until(&self, pair: Pair<'_, Rule>) -> Field {
        let sp = span(&pair);
        let mut kw = Span::point(sp.start as usize);
        let mut exprs = Vec::new();
        for p in kids(pair) {
            match p.as_rule() {
                Rule::kw_until => kw = span(&p),
                Rule::expr => exprs.push(self.expr(p)),
                _ => {}
            }
        }
        let mut exprs = exprs.into_iter();
        let mut next = || exprs.next().unwrap_or_else(|| self.invalid(sp));
        let (cond, every, within) = (next(), next(), next());
        Field {
            name: Ident {
                name: "until".into(),
                span: kw,
            },
            value: FieldValue::Until(Box::new(Until {
                cond,
                every,
                within,
                span: sp,
            })),
            span: sp,
        }
    }

    fn ident_list(&self, pair: Pair<'_, Rule>) -> IdentList {
        let mut kids = kids(pair).peekable();
        if let Some(plain) = kids.next_if(|p| p.as_rule() == Rule::plain_idents) {
            return plain_idents(&plain);
        }
        kids.filter(|p| p.as_rule() == Rule::ident)
            .map(ident)
            .collect()
    }
}

impl Default for Builder {
    fn default() -> Self {
        Builder::new()
    }
}

pub use super::duration::{parse as parse_duration, DurationError};

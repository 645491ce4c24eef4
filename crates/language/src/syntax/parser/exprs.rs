//! Expressions and string literals: pest pairs → [`Expr`], folded by a Pratt
//! parser in the grammar's precedence order (lowest first).

use super::{ident, kids, span, Builder, Rule};
use crate::diag;
use crate::span::Span;
use crate::syntax::ast::*;
use crate::syntax::duration::{parse as parse_duration, DurationError};
use crate::syntax::strings;
use pest::iterators::Pair;
use pest::pratt_parser::{Assoc, Op, PrattParser};
use std::sync::LazyLock;

static PRATT: LazyLock<PrattParser<Rule>> = LazyLock::new(|| {
    PrattParser::new()
        .op(Op::infix(Rule::or, Assoc::Left))
        .op(Op::infix(Rule::and, Assoc::Left))
        .op(Op::infix(Rule::eq, Assoc::Left) | Op::infix(Rule::ne, Assoc::Left))
        .op(Op::infix(Rule::lt, Assoc::Left)
            | Op::infix(Rule::le, Assoc::Left)
            | Op::infix(Rule::gt, Assoc::Left)
            | Op::infix(Rule::ge, Assoc::Left)
            | Op::infix(Rule::in_op, Assoc::Left)
            | Op::infix(Rule::is_op, Assoc::Left))
        .op(Op::infix(Rule::add, Assoc::Left) | Op::infix(Rule::sub, Assoc::Left))
        .op(Op::infix(Rule::mul, Assoc::Left)
            | Op::infix(Rule::div, Assoc::Left)
            | Op::infix(Rule::rem, Assoc::Left))
        .op(Op::prefix(Rule::not) | Op::prefix(Rule::neg))
        .op(Op::postfix(Rule::member) | Op::postfix(Rule::index))
});

/// The most operators an expression may have, counting those of the
/// expressions nested in it (in parentheses, lists, calls, indexes, `${…}`)
/// along the way. The grammar reads `1 + 1 + …` as a flat list, but the
/// Pratt parser, and every later pass over the tree, recurse once per
/// operator: a generated `1 + 1 + …` of some thousands of terms overflowed
/// the stack. Real expressions stay far below.
pub const MAX_OPERATORS: usize = 256;

fn is_operator(rule: Rule) -> bool {
    matches!(
        rule,
        Rule::not
            | Rule::neg
            | Rule::member
            | Rule::index
            | Rule::or
            | Rule::and
            | Rule::eq
            | Rule::ne
            | Rule::lt
            | Rule::le
            | Rule::gt
            | Rule::ge
            | Rule::in_op
            | Rule::is_op
            | Rule::add
            | Rule::sub
            | Rule::mul
            | Rule::div
            | Rule::rem
            | Rule::cond_tail
    )
}

impl Builder {
    // ------------------------------------------------------- expressions ---

    pub fn expr(&self, pair: Pair<'_, Rule>) -> Expr {
        let sp = span(&pair);
        let ops = pair
            .clone()
            .into_inner()
            .filter(|p| is_operator(p.as_rule()))
            .count()
            + 1;
        let outer = self.expr_depth.get();
        if outer + ops > MAX_OPERATORS {
            self.report(diag::syntax::too_many_operators(sp, MAX_OPERATORS));
            return self.invalid(sp);
        }
        self.expr_depth.set(outer + ops);
        let mut pairs: Vec<Pair<'_, Rule>> = kids(pair).collect();
        let cond = pairs
            .last()
            .is_some_and(|p| p.as_rule() == Rule::cond_tail)
            .then(|| pairs.pop())
            .flatten();
        let mut e = self.fold(pairs);
        if let Some(tail) = cond {
            // `e ? then : otherwise`: the operands are the tail's two exprs.
            let mut arms = kids(tail)
                .filter(|p| p.as_rule() == Rule::expr)
                .map(|p| self.expr(p));
            let then = arms.next().unwrap_or_else(|| self.invalid(sp));
            let otherwise = arms.next().unwrap_or_else(|| self.invalid(sp));
            e = Expr {
                kind: ExprKind::Cond(Box::new(e), Box::new(then), Box::new(otherwise)),
                span: sp,
            };
        }
        self.expr_depth.set(outer);
        e
    }

    /// The expression's operators applied in precedence order.
    fn fold(&self, pairs: Vec<Pair<'_, Rule>>) -> Expr {
        PRATT
            .map_primary(|p| self.primary(p))
            .map_prefix(|op, rhs| {
                let op_kind = if op.as_rule() == Rule::not {
                    UnaryOp::Not
                } else {
                    UnaryOp::Neg
                };
                let sp = span(&op).join(rhs.span);
                Expr {
                    kind: ExprKind::Unary(op_kind, Box::new(rhs)),
                    span: sp,
                }
            })
            .map_postfix(|lhs, op| {
                let sp = lhs.span.join(span(&op));
                let kind = if op.as_rule() == Rule::member {
                    let name = kids(op).next().map(ident).unwrap_or(Ident {
                        name: Default::default(),
                        span: sp,
                    });
                    ExprKind::Field(Box::new(lhs), name)
                } else {
                    let index = kids(op)
                        .next()
                        .map(|p| self.expr(p))
                        .unwrap_or_else(|| self.invalid(sp));
                    ExprKind::Index(Box::new(lhs), Box::new(index))
                };
                Expr { kind, span: sp }
            })
            .map_infix(|lhs, op, rhs| {
                let op = match op.as_rule() {
                    Rule::or => BinaryOp::Or,
                    Rule::and => BinaryOp::And,
                    Rule::eq => BinaryOp::Eq,
                    Rule::ne => BinaryOp::Ne,
                    Rule::lt => BinaryOp::Lt,
                    Rule::le => BinaryOp::Le,
                    Rule::gt => BinaryOp::Gt,
                    Rule::ge => BinaryOp::Ge,
                    Rule::in_op => BinaryOp::In,
                    Rule::is_op => BinaryOp::Is,
                    Rule::add => BinaryOp::Add,
                    Rule::sub => BinaryOp::Sub,
                    Rule::mul => BinaryOp::Mul,
                    Rule::div => BinaryOp::Div,
                    _ => BinaryOp::Rem,
                };
                let sp = lhs.span.join(rhs.span);
                Expr {
                    kind: ExprKind::Binary(op, Box::new(lhs), Box::new(rhs)),
                    span: sp,
                }
            })
            .parse(pairs.into_iter())
    }

    pub(super) fn primary(&self, pair: Pair<'_, Rule>) -> Expr {
        let sp = span(&pair);
        let kind = match pair.as_rule() {
            Rule::string => ExprKind::Str(self.string(pair, false)),
            Rule::triple_string => ExprKind::Str(self.string(pair, true)),
            Rule::int => match pair.as_str().parse::<i64>() {
                Ok(n) => ExprKind::Int(n),
                Err(_) => {
                    self.report(diag::syntax::number_out_of_range(sp, "this number"));
                    ExprKind::Int(0)
                }
            },
            Rule::float => ExprKind::Float(pair.as_str().parse::<f64>().unwrap_or(0.0)),
            Rule::duration => match parse_duration(pair.as_str()) {
                Ok(ms) => ExprKind::Duration(ms),
                Err(DurationError::Overflow) => {
                    self.report(diag::syntax::number_out_of_range(sp, "this duration"));
                    ExprKind::Duration(0)
                }
                Err(DurationError::Order | DurationError::Malformed) => {
                    self.report(diag::syntax::duration_unit_order(sp));
                    ExprKind::Duration(0)
                }
            },
            Rule::size => match parse_size(pair.as_str()) {
                Some(bytes) => ExprKind::Size(bytes),
                None => {
                    self.report(diag::syntax::number_out_of_range(sp, "this size"));
                    ExprKind::Size(0)
                }
            },
            Rule::boolean => ExprKind::Bool(pair.as_str() == "true"),
            Rule::list => {
                let tail = kids(pair.clone()).find(|p| p.as_rule() == Rule::comp_tail);
                let items = kids(pair).filter(|p| p.as_rule() == Rule::expr);
                let items: Vec<Expr> = items.map(|p| self.expr(p)).collect();
                match tail {
                    Some(tail) => self.comprehension(items, tail, sp),
                    None => ExprKind::List(items),
                }
            }
            Rule::map_lit => ExprKind::Map(
                kids(pair)
                    .filter(|p| p.as_rule() == Rule::map_entry)
                    .map(|p| self.map_entry(p))
                    .collect(),
            ),
            Rule::call | Rule::retry_call => {
                let mut it = kids(pair);
                let name = it.next().map(ident).unwrap_or(Ident {
                    name: Default::default(),
                    span: sp,
                });
                ExprKind::Call(
                    name,
                    it.filter(|p| p.as_rule() == Rule::expr)
                        .map(|p| self.expr(p))
                        .collect(),
                )
            }
            Rule::name | Rule::ident => ExprKind::Name(ident(pair)),
            Rule::paren | Rule::retry_paren => {
                let inner = kids(pair)
                    .find(|p| p.as_rule() == Rule::expr)
                    .map(|p| self.expr(p))
                    .unwrap_or_else(|| self.invalid(sp));
                ExprKind::Paren(Box::new(inner))
            }
            Rule::expr => return self.expr(pair),
            _ => return self.invalid(sp),
        };
        Expr { kind, span: sp }
    }

    /// A placeholder for a part the grammar guarantees but the tree could not
    /// find (never expected; keeps the builder total instead of panicking).
    pub(super) fn invalid(&self, sp: Span) -> Expr {
        Expr {
            kind: ExprKind::Name(Ident {
                name: Default::default(),
                span: sp,
            }),
            span: sp,
        }
    }

    pub(super) fn string(&self, pair: Pair<'_, Rule>, triple: bool) -> StrLit {
        // Literal runs between interpolations, with their source spans.
        let mut pieces: Vec<(String, Span)> = vec![(String::new(), Span::point(0))];
        // Per piece, where its bytes come from: (offset in it, source offset).
        let mut from: Vec<Vec<(usize, usize)>> = vec![Vec::new()];
        let mut interps = Vec::new();
        // Shell expansions, by the index of the piece that follows them.
        let mut shells: Vec<(usize, Span, String)> = Vec::new();
        let mut first_piece = true;
        for p in kids(pair) {
            let psp = span(&p);
            match p.as_rule() {
                Rule::interp => {
                    let e = kids(p)
                        .find(|q| q.as_rule() == Rule::expr)
                        .map(|q| self.expr(q))
                        .unwrap_or_else(|| self.invalid(psp));
                    interps.push(e);
                    pieces.push((String::new(), Span::point(psp.end as usize)));
                    from.push(Vec::new());
                    first_piece = false;
                    continue;
                }
                Rule::shell_expansion => {
                    shells.push((pieces.len(), psp, p.as_str().to_string()));
                    pieces.push((String::new(), Span::point(psp.end as usize)));
                    from.push(Vec::new());
                    first_piece = false;
                    continue;
                }
                Rule::escape | Rule::dollar_escape => {
                    let ch = strings::unescape(p.as_str()).unwrap_or_else(|| {
                        self.report(diag::syntax::invalid_escape(psp, p.as_str()));
                        '\u{FFFD}'
                    });
                    push_text(&mut pieces, &mut from, &ch.to_string(), psp, first_piece);
                }
                _ => push_text(&mut pieces, &mut from, p.as_str(), psp, first_piece),
            }
            first_piece = false;
        }
        if triple {
            let texts: Vec<String> = pieces.iter().map(|(t, _)| t.clone()).collect();
            for (((t, _), runs), kept) in pieces
                .iter_mut()
                .zip(&mut from)
                .zip(strings::dedent_kept(&texts))
            {
                *runs = kept_runs(runs, &kept);
                *t = kept.iter().map(|&(s, e)| &t[s..e]).collect();
            }
        }
        let mut parts = Vec::new();
        let mut moved = Vec::new();
        let mut interps = interps.into_iter();
        for (i, ((text, sp), runs)) in pieces.into_iter().zip(from).enumerate() {
            if i > 0 {
                // Each piece after the first follows an interpolation or a
                // shell expansion.
                match shells.iter().position(|(at, ..)| *at == i) {
                    Some(k) => {
                        let (_, sh, text) = shells.swap_remove(k);
                        parts.push(StrPart::Shell(text, sh));
                    }
                    None => {
                        if let Some(e) = interps.next() {
                            parts.push(StrPart::Interp(e));
                        }
                    }
                }
            }
            if !text.is_empty() {
                // Only a piece whose bytes are not where its span says.
                if runs != [(0, sp.start as usize)] {
                    moved.extend(
                        runs.iter()
                            .map(|&(at, src)| (sp.start, at as u32, src as u32)),
                    );
                }
                parts.push(StrPart::Text(text.into_boxed_str().into(), sp));
            }
        }
        StrLit {
            parts: super::tight(parts),
            triple,
            moved: moved.into_boxed_slice(),
        }
    }
}

/// Appends `text` (from `sp` in the source) to the last piece, noting where
/// it comes from unless it simply continues the piece's source.
fn push_text(
    pieces: &mut [(String, Span)],
    from: &mut [Vec<(usize, usize)>],
    text: &str,
    sp: Span,
    first: bool,
) {
    if let (Some((t, s)), Some(runs)) = (pieces.last_mut(), from.last_mut()) {
        if t.is_empty() && (first || s.is_empty()) {
            *s = sp;
        } else {
            *s = s.join(sp);
        }
        let continues = runs
            .last()
            .is_some_and(|&(at, src)| src + (t.len() - at) == sp.start as usize);
        if !continues {
            runs.push((t.len(), sp.start as usize));
        }
        t.push_str(text);
    }
}

/// `runs` (offsets of a piece, with their source) for the piece cut down to
/// its `kept` byte ranges.
fn kept_runs(runs: &[(usize, usize)], kept: &[(usize, usize)]) -> Vec<(usize, usize)> {
    let src = |i: usize| {
        let &(at, s) = runs.iter().rfind(|r| r.0 <= i).unwrap_or(&(0, 0));
        s + (i - at)
    };
    let mut out: Vec<(usize, usize)> = Vec::new();
    let mut len = 0;
    for &(s, e) in kept {
        // Each kept range starts a run, and so does every run inside it.
        let starts = std::iter::once(s).chain(runs.iter().map(|r| r.0).filter(|&a| s < a && a < e));
        for a in starts {
            let at = len + (a - s);
            let continues = out.last().is_some_and(|&(o, os)| os + (at - o) == src(a));
            if !continues {
                out.push((at, src(a)));
            }
        }
        len += e - s;
    }
    out
}

/// A size literal's bytes: `512MB` is 512 × 1024². `None` on overflow.
pub(crate) fn parse_size(text: &str) -> Option<u64> {
    let digits = text.len() - 2;
    let shift = match &text[digits..] {
        "KB" => 10,
        "MB" => 20,
        "GB" => 30,
        _ => 40,
    };
    let n: u64 = text[..digits].parse().ok()?;
    n.checked_mul(1u64 << shift)
}

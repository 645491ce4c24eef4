//! A gate's `check` that is false, explained by the value of each operand
//! it compared ("the check `count.outputs.rows >= 1000` is false:
//! `count.outputs.rows` is 6"). The run says this of a check it decides;
//! the plan says it of a check it decided — one over params and loop items
//! only, folded to `false` — so that the run failing on it, and `wfc
//! plan`, say the same rather than only "the check is false".

use crate::eval::{self, Eval, Scope};
use crate::render::expr::{show, MASK};
use wfc_language::ir::{BinaryOp, Expr, ExprKind, Names};

/// The non-literal operands of the comparisons in `e`, through `&&`,
/// `||` and `!`, in order, each once.
pub fn compared(e: &Expr) -> Vec<&Expr> {
    let mut out: Vec<&Expr> = Vec::new();
    collect(e, &mut out);
    let mut once: Vec<&Expr> = Vec::new();
    for x in out {
        if !once.iter().any(|o| o.kind == x.kind) {
            once.push(x);
        }
    }
    once
}

fn collect<'e>(e: &'e Expr, out: &mut Vec<&'e Expr>) {
    match &e.kind {
        ExprKind::Binary(BinaryOp::And | BinaryOp::Or, a, b) => {
            collect(a, out);
            collect(b, out);
        }
        ExprKind::Unary(_, x) => collect(x, out),
        ExprKind::Binary(
            BinaryOp::Eq
            | BinaryOp::Ne
            | BinaryOp::Lt
            | BinaryOp::Le
            | BinaryOp::Gt
            | BinaryOp::Ge
            | BinaryOp::In,
            a,
            b,
        ) => out.extend([a.as_ref(), b.as_ref()].into_iter().filter(|x| !literal(x))),
        _ if !literal(e) => out.push(e),
        _ => {}
    }
}

fn literal(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Str(_)
        | ExprKind::Int(_)
        | ExprKind::Float(_)
        | ExprKind::Bool(_)
        | ExprKind::Duration(_) => true,
        ExprKind::List(xs) => xs.iter().all(literal),
        _ => false,
    }
}

/// "the check `CHECK` is false", with what each operand is (`shown`:
/// "`x` is 1" each).
pub fn false_text(check: &str, shown: &[String]) -> String {
    if shown.is_empty() {
        format!("the check `{check}` is false")
    } else {
        format!("the check `{check}` is false: {}", shown.join(", "))
    }
}

/// "`NAME` is VALUE" for operand `x` with value `v` (`None`: it has
/// none); a value from a secret is never shown.
pub fn operand_text(names: &dyn Names, x: &Expr, v: Option<&crate::Value>) -> String {
    let name = show(names, x);
    match v {
        _ if x.tainted => format!("`{name}` is {MASK}"),
        Some(v) => format!("`{name}` is {}", v.literal()),
        None => format!("`{name}` has no value"),
    }
}

/// A gate's check the plan decided is false, and why.
#[derive(Clone, Debug, PartialEq)]
pub struct CheckFalse {
    /// The check as written (`rows >= min_rows`).
    pub check: String,
    /// What each operand it (or its false part) compared is ("`rows` is 6").
    pub operands: Vec<String>,
    /// Of a check joining parts with `&&`: the first false part, as
    /// written (a let by its name).
    pub part: Option<String>,
}

impl CheckFalse {
    /// What the run says of it: "the check `…` is false: `rows` is 6", or
    /// of its false part, on one line whatever the check's length: "the
    /// check is false: `enough` is false: `rows` is 6".
    pub fn text(&self) -> String {
        match &self.part {
            Some(part) => part_false_text(part, &self.operands),
            None => false_text(&self.check, &self.operands),
        }
    }
}

/// "the check is false: `PART` is false", with what each operand of the
/// part is, cut to one line.
pub fn part_false_text(part: &str, shown: &[String]) -> String {
    match shown.is_empty() {
        true => format!("the check is false: `{part}` is false"),
        false => format!(
            "the check is false: `{part}` is false: {}",
            crate::render::one_line(&shown.join(", "), 120)
        ),
    }
}

/// Why gate check `check` (as written, unfolded) is false in `scope`, when
/// the plan decides it is; `None` when it is not decided, or true.
pub fn decided_false(names: &dyn Names, check: &Expr, scope: &Scope) -> Option<CheckFalse> {
    if check.tainted
        || !matches!(
            eval::eval(check, scope),
            Eval::Known(crate::Value::Bool(false))
        )
    {
        return None;
    }
    if matches!(check.kind, ExprKind::Bool(false)) {
        return None;
    }
    let parts = check.conjuncts(names);
    let part = (parts.len() > 1)
        .then(|| {
            parts
                .into_iter()
                .find(|x| matches!(eval::eval(x, scope), Eval::Known(crate::Value::Bool(false))))
        })
        .flatten();
    let operands: Vec<String> = compared(part.unwrap_or(check))
        .into_iter()
        .map(|x| match eval::eval(x, scope) {
            Eval::Known(v) => operand_text(names, x, Some(&v)),
            _ => operand_text(names, x, None),
        })
        .collect();
    Some(CheckFalse {
        check: show(names, check),
        operands,
        part: part.map(|x| show(names, x)),
    })
}

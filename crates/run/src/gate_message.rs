//! What a failed gate `check` says: its `message`, interpolated when the
//! check is decided, or else the value of each operand the check compared
//! ("the check `count.outputs.rows >= 1000` is false: `count.outputs.rows`
//! is 6"). A value from a secret shows as `***`, never as itself: an
//! operand the checker marked tainted is not printed, and the whole text
//! goes through the run's masker.

use super::mask::Masker;
use super::values::Evaluator;
use wfc_contract::MASK;
use wfc_language::ir::{BinaryOp, Expr, ExprKind, Names};
use wfc_plan::Value;

/// What a false check leaves to explain it.
#[derive(Clone, Debug, PartialEq)]
pub struct CheckFailure {
    /// The gate's `message`, interpolated.
    pub message: Option<String>,
    /// Each operand the check compared that is not a literal, with its
    /// value (`None`: it could not be evaluated again).
    pub operands: Vec<(Expr, Option<Value>)>,
}

impl CheckFailure {
    /// Gathers what explains `check` being false: `message` (the gate's
    /// field, if any) and the operands' values, from `ev`.
    pub fn gather(
        check: &Expr,
        message: Option<&Expr>,
        ev: &mut Evaluator,
    ) -> Result<CheckFailure, String> {
        let message = message.map(|m| ev.text(m)).transpose()?;
        let mut operands: Vec<(Expr, Option<Value>)> = Vec::new();
        if message.is_none() {
            let mut found = Vec::new();
            compared(check, &mut found);
            for x in found {
                if !operands.iter().any(|(o, _)| o.kind == x.kind) {
                    operands.push((x.clone(), ev.eval(x).ok()));
                }
            }
        }
        Ok(CheckFailure { message, operands })
    }

    /// The step's error: `check` is the condition as written.
    pub fn describe(&self, names: &dyn Names, check: &str, masker: &Masker) -> String {
        let text = match &self.message {
            // A check folded at plan time reads `false`: the message alone.
            Some(m) if matches!(check, "false" | "") => m.clone(),
            Some(m) => format!("{m} (the check `{check}` is false)"),
            None => {
                let shown: Vec<String> = self
                    .operands
                    .iter()
                    .map(|(x, v)| {
                        let name = wfc_plan::render::expr::show(names, x);
                        match v {
                            _ if x.tainted => format!("`{name}` is {MASK}"),
                            Some(v) => format!("`{name}` is {}", v.literal()),
                            None => format!("`{name}` has no value"),
                        }
                    })
                    .collect();
                if shown.is_empty() {
                    format!("the check `{check}` is false")
                } else {
                    format!("the check `{check}` is false: {}", shown.join(", "))
                }
            }
        };
        masker.mask(&text)
    }
}

/// The non-literal operands of the comparisons in `e`, through `&&`,
/// `||` and `!`, in order.
fn compared<'e>(e: &'e Expr, out: &mut Vec<&'e Expr>) {
    match &e.kind {
        ExprKind::Binary(BinaryOp::And | BinaryOp::Or, a, b) => {
            compared(a, out);
            compared(b, out);
        }
        ExprKind::Unary(_, x) => compared(x, out),
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

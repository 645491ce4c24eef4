//! What a failed gate `check` says: its `message`, interpolated when the
//! check is decided, or else the value of each operand the check compared
//! ("the check `count.outputs.rows >= 1000` is false: `count.outputs.rows`
//! is 6"); of a check that joins parts with `&&`, only the first false part
//! and what it compared ("the check is false: `covered` is false:
//! `test.outputs.coverage` is 71.5"). A value from a secret shows as `***`, never as itself: an
//! operand the checker marked tainted is not printed, and the whole text
//! goes through the run's masker.

use super::mask::Masker;
use super::values::Evaluator;
use wfc_language::ir::{Expr, Names};
use wfc_plan::Value;

/// What a false check leaves to explain it.
#[derive(Clone, Debug, PartialEq)]
pub struct CheckFailure {
    /// The gate's `message`, interpolated.
    pub message: Option<String>,
    /// Each operand the check (or its false part) compared that is not a
    /// literal, with its value (`None`: it could not be evaluated again).
    pub operands: Vec<(Expr, Option<Value>)>,
    /// Of a check joining parts with `&&`: the first false part (a let by
    /// its name).
    pub part: Option<Expr>,
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
        let mut part = None;
        if message.is_none() {
            let parts = ev.names().map(|n| check.conjuncts(n)).unwrap_or_default();
            if parts.len() > 1 {
                part = (parts.into_iter())
                    .find(|x| matches!(ev.eval(x), Ok(Value::Bool(false))))
                    .cloned();
            }
            for x in wfc_plan::gate_check::compared(part.as_ref().unwrap_or(check)) {
                operands.push((x.clone(), ev.eval(x).ok()));
            }
        }
        Ok(CheckFailure {
            message,
            operands,
            part,
        })
    }

    /// The step's error: `check` is the condition as written.
    pub fn describe(&self, names: &dyn Names, check: &str, masker: &Masker) -> String {
        let text = match &self.message {
            // The author's words stand for the check (issue 73: the check
            // after them repeated what they said); `wfc plan` still shows
            // the check.
            Some(m) => m.clone(),
            None => {
                let shown: Vec<String> = self
                    .operands
                    .iter()
                    .map(|(x, v)| wfc_plan::gate_check::operand_text(names, x, v.as_ref()))
                    .collect();
                match &self.part {
                    // One line, whatever the length of the whole check.
                    Some(part) => wfc_plan::gate_check::part_false_text(
                        &wfc_plan::render::expr::show(names, part),
                        &shown,
                    ),
                    None => wfc_plan::gate_check::false_text(check, &shown),
                }
            }
        };
        masker.mask(&text)
    }
}

//! What a failed gate `check` says: its `message`, interpolated when the
//! check is decided, or else the value of each operand the check compared
//! ("the check `count.outputs.rows >= 1000` is false: `count.outputs.rows`
//! is 6"). A value from a secret shows as `***`, never as itself: an
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
            for x in wfc_plan::gate_check::compared(check) {
                operands.push((x.clone(), ev.eval(x).ok()));
            }
        }
        Ok(CheckFailure { message, operands })
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
                wfc_plan::gate_check::false_text(check, &shown)
            }
        };
        masker.mask(&text)
    }
}

//! What belongs to one kind of gate only: a `message` explains a failed
//! `check`, so an approval gate has none; `inputs` are what an approver
//! gives, so a check has none. And `on fail` beyond gates: any step may
//! `pause` for a person once its retries are used up, but only a gate's
//! check may `continue`, and a call fails with its steps (their own `on
//! fail` decides).

use super::Checker;
use crate::diag::check as dc;
use crate::ir::StepKind;
use crate::span::Span;
use rustc_hash::FxHashMap;

impl Checker<'_> {
    /// Reports a gate field of the other kind of gate; `seen` maps each
    /// field written to its span.
    pub(super) fn check_gate_fields(&mut self, id: usize, seen: &FxHashMap<&str, Span>) {
        if let Some(&at) = seen.get("on fail") {
            let step = &self.wf.steps[id];
            let name = step.name.clone();
            match step.kind {
                StepKind::Gate => {}
                StepKind::Call => self.report(dc::on_fail_on_a_call(at, &name)),
                _ if step.on_fail == Some(crate::ir::OnFail::Continue) => {
                    self.report(dc::continue_not_a_gate(at, &name))
                }
                _ => {}
            }
        }
        if self.wf.steps[id].kind != StepKind::Gate {
            return;
        }
        if let (Some(&at), None) = (seen.get("message"), seen.get("check")) {
            let name = self.wf.steps[id].name.clone();
            self.report(dc::message_without_check(at, &name));
        }
        if let (Some(&at), None) = (seen.get("inputs"), seen.get("approval")) {
            let name = self.wf.steps[id].name.clone();
            self.report(dc::inputs_without_approval(at, &name));
        }
    }
}

//! What belongs to one kind of gate only: a `message` explains a failed
//! `check`, so an approval gate has none; `inputs` are what an approver
//! gives, so a check has none.

use super::Checker;
use crate::diag::check as dc;
use crate::ir::StepKind;
use crate::span::Span;
use rustc_hash::FxHashMap;

impl Checker<'_> {
    /// Reports a gate field of the other kind of gate; `seen` maps each
    /// field written to its span.
    pub(super) fn check_gate_fields(&mut self, id: usize, seen: &FxHashMap<&str, Span>) {
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

//! W0112: an approval gate that nothing waits for. A gate holds back only
//! what is ordered after it (`depends on`, `after`, a later member of a
//! `sequence`, a read of its answer); with nothing there, every other step
//! runs while the approval waits — a release shipped before its sign-off.

use super::{Checker, Named};
use crate::diag::check as dc;
use crate::ir::StepKind;

impl Checker<'_> {
    pub(super) fn lint_unordered_gates(&mut self) {
        let mut gates: Vec<usize> = (0..self.wf.steps.len())
            .filter(|&s| {
                let st = &self.wf.steps[s];
                st.kind == StepKind::Gate && st.fields.iter().any(|f| f.name == "approval")
            })
            .collect();
        if gates.is_empty() {
            return;
        }
        for e in self.edges(true) {
            match e.to {
                Named::Step(s) => gates.retain(|&g| g != s),
                Named::Block(b) => {
                    let inside = self.wf.steps_in(b);
                    let from_inside = matches!(e.from, Named::Step(s) if inside.contains(&s));
                    if !from_inside {
                        gates.retain(|g| !inside.contains(g));
                    }
                }
            }
            if gates.is_empty() {
                return;
            }
        }
        // Alone in its workflow, a gate holds back nothing but the run's end.
        if self.wf.steps.len() == 1 {
            return;
        }
        for g in gates {
            let st = &self.wf.steps[g];
            self.report(dc::unordered_gate(st.name_span, &st.name));
        }
    }
}

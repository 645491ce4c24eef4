//! The texts `x.status` is compared with: `"skipped"` for a step that can no
//! longer be skipped (W0360: what it meant, "did not start because of
//! another", is now `"not_run"`), and a text that is no status (W0361).

use super::Checker;
use crate::diag;
use crate::diag::check::{self as dc, STATUS_WORDS};
use crate::ir::{BlockKind, Expr, ExprKind, Wait};

impl Checker<'_> {
    /// Checks `l == r` / `l != r` when one side is `x.status` and the other
    /// a text literal.
    pub(super) fn check_status_words(&mut self, l: &Expr, r: &Expr) {
        for (x, word) in [(l, r), (r, l)] {
            let (ExprKind::StepStatus(step), ExprKind::Str(text)) = (&x.kind, &word.kind) else {
                continue;
            };
            let d = if !STATUS_WORDS.contains(&text.as_str()) {
                let s = diag::did_you_mean(text, STATUS_WORDS.iter().copied());
                dc::unknown_status_word(word.span, text, s)
            } else if text == "skipped" && !self.may_be_skipped(*step) {
                let name = self.wf.steps[*step].name.clone();
                dc::status_skipped_renamed(x.span.join(word.span), word.span, &name)
            } else {
                continue;
            };
            self.report(d);
        }
    }

    /// Whether step `s` may end skipped: an `if` branch, a loop or a `wait
    /// any` race holds it.
    fn may_be_skipped(&self, s: usize) -> bool {
        let wf = &self.wf;
        wf.block_chain(wf.steps[s].parent).into_iter().any(|b| {
            matches!(
                wf.blocks[b].kind,
                BlockKind::IfBranch { .. }
                    | BlockKind::ForEach { .. }
                    | BlockKind::Parallel {
                        wait: Wait::Any,
                        ..
                    }
            )
        })
    }
}

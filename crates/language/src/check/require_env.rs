//! `require_env("NAME")`: typed as `env(…)`; the name must be written out,
//! so that a run can refuse to start without it before anything runs
//! (`wfc_plan`'s check of [`crate::ir::Workflow::required_env`]).

use super::Checker;
use crate::diag::check as dc;
use crate::ir::{Expr, ExprKind};
use crate::span::Span;

impl Checker<'_> {
    /// Records the variable `require_env(arg)` needs, or E0300.
    pub(super) fn require_env(&mut self, arg: &Expr, call: Span) {
        match &arg.kind {
            ExprKind::Str(name) => self.wf.required_env.push((name.clone(), call)),
            ExprKind::Invalid => {}
            _ => self.report(dc::require_env_not_literal(arg.span)),
        }
    }
}
